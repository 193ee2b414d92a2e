"""The command line: ``briefing build | list | check`` over the library, and nothing more.

Each command parses options, calls the library, and reports. Library errors become exit 1
(content, template, build) or exit 2 (an unknown name: a usage error), with ``Error: ...`` on
stderr, at one boundary: ``_library_errors``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from . import __version__
from .errors import BriefingError, SelectionError

PROJECT_OPTION = click.option(
    "-C",
    "--project",
    "project",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The project folder (holding briefing.yaml, content/, templates/).",
)


@contextlib.contextmanager
def _library_errors() -> Iterator[None]:
    """Turn library errors into Click errors with the right exit code."""
    try:
        yield
    except SelectionError as exc:
        raise click.UsageError(str(exc)) from None
    except BriefingError as exc:
        error = click.ClickException(str(exc))
        error.exit_code = exc.exit_code
        raise error from None


def _complete(kind: str):  # type: ignore[no-untyped-def]
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
        from .completion import complete_names

        return complete_names(ctx, kind, incomplete)

    return complete


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="briefing")
def cli() -> None:
    """Assemble briefings for chosen audiences from topic modules, as HTML and PDF.

    \b
    Examples:
      briefing build                          every audience, every topic, HTML and PDF
      briefing build -a staff -t kosovo,energy -f pdf -o /tmp/brief
      briefing list points
      briefing check --strict
    """


@cli.command()
@click.option(
    "-a",
    "--audience",
    "audiences",
    multiple=True,
    metavar="NAME[,NAME]",
    shell_complete=_complete("audience"),
    help="Audience to build (repeat or comma list; default all).",
)
@click.option(
    "-t",
    "--topic",
    "topics",
    multiple=True,
    metavar="NAME[,NAME]",
    shell_complete=_complete("topic"),
    help="Topic to include (repeat or comma list; default the audience's).",
)
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    metavar="html|pdf",
    help="Format to write (repeat or comma list; default both).",
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Output folder (default output/)."
)
@click.option("--content", type=click.Path(path_type=Path), help="Topic folder (default content/).")
@click.option("--seeds", type=click.Path(path_type=Path), help="Seed folder (default seeds/).")
@click.option(
    "--templates",
    type=click.Path(path_type=Path),
    help="Your own template folder, searched before the shipped templates.",
)
@click.option(
    "--strict", is_flag=True, help="Fail on any warning, and instead of cutting to a page budget."
)
@click.option("--explain", is_flag=True, help="List, per audience, every point left out and why.")
@click.option(
    "--force", is_flag=True, help="Render every document even if its inputs did not change."
)
@click.option(
    "-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: number of cores)."
)
@PROJECT_OPTION
def build(
    project: Path,
    audiences: tuple[str, ...],
    topics: tuple[str, ...],
    formats: tuple[str, ...],
    output: Path | None,
    content: Path | None,
    seeds: Path | None,
    templates: Path | None,
    strict: bool,
    explain: bool,
    force: bool,
    jobs: int | None,
) -> None:
    """Build briefings into the output folder and print each file written.

    \b
    Examples:
      briefing build
      briefing build -a principal,staff -f pdf
      briefing build -a staff -t kosovo -t energy -o /tmp/out --explain
    """
    from .builder import build as run_build

    progress = _progress_reporter()
    with _library_errors():
        result = run_build(
            project,
            audiences=audiences,
            topics=topics,
            formats=formats or ("html", "pdf"),
            output=output,
            content=content,
            seeds=seeds,
            user_templates=templates,
            strict=strict,
            force=force,
            jobs=jobs,
            progress=progress,
        )
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    for doc in result.documents:
        pages = (
            f" ({doc.pages} page{'s' if doc.pages != 1 else ''})"
            if doc.format == "pdf" and doc.pages
            else ""
        )
        note = "  [unchanged]" if doc.status == "unchanged" else ""
        click.echo(f"{_shown(doc.path)}{pages}{note}")
    if explain:
        from .reporting import explain_lines

        for line in explain_lines(result):
            click.echo(line)


def _progress_reporter():  # type: ignore[no-untyped-def]
    """A bar redrawn in place on a terminal; plain lines on stderr otherwise."""
    tty = sys.stderr.isatty()

    def report(done: int, total: int, label: str) -> None:
        if not tty:
            click.echo(label, err=True)
            return
        width = 24
        filled = width * done // max(total, 1)
        end = "\n" if done >= total else ""
        bar = "#" * filled + "-" * (width - filled)
        click.echo(f"\r[{bar}] {done}/{total} {label:<40}{end}", err=True, nl=False)

    return report


def _shown(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd()))
    return str(path)


@cli.command(name="list")
@click.argument("what", type=click.Choice(["topics", "audiences", "points"]))
@PROJECT_OPTION
def list_(what: str, project: Path) -> None:
    """List the project's topics, audiences or points.

    \b
    Examples:
      briefing list topics
      briefing list points
    """
    from .loading import load_project
    from .reporting import list_lines

    with _library_errors():
        loaded = load_project(project)
    for line in list_lines(loaded, what):
        click.echo(line)


@cli.command()
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
@PROJECT_OPTION
def check(strict: bool, project: Path) -> None:
    """Validate every file; print file:line: problems; exit 1 if there are any.

    \b
    Examples:
      briefing check
      briefing check --strict
    """
    from .loading import load_project
    from .reporting import summary_line

    with _library_errors():
        loaded = load_project(project)
    click.echo(summary_line(loaded))


def main() -> None:
    """Run the command line."""
    cli(prog_name="briefing")
