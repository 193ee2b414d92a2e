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


def _names_option(kind: str, help_text: str):  # type: ignore[no-untyped-def]
    """The repeatable ``-a/--audience`` or ``-t/--topic`` option, with name completion."""
    return click.option(
        f"-{kind[0]}",
        f"--{kind}",
        f"{kind}s",
        multiple=True,
        metavar="NAME[,NAME]",
        shell_complete=_complete(kind),
        help=help_text,
    )


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
@_names_option("audience", "Audience to build (repeat or comma list; default all).")
@_names_option("topic", "Topic to include (repeat or comma list; default the audience's).")
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
        from .reporting import explain_lines, settings_lines

        overrides = {"output": output, "content": content, "seeds": seeds}
        for line in settings_lines(
            result.project, user_templates=templates, audiences=audiences, **overrides
        ):
            click.echo(line)
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
    """Validate every file, then lint how points are written.

    Problems (exit 1) and warnings print as file:line:col: field: message; fix.
    Warnings: a headline that is not one sentence or is over 35 words; ICD 203
    estimative language (two likelihood scales, confidence and likelihood in one
    sentence, vague hedges in an assessment's headline); a point older than
    staleness_days before the information date; a Markdown list with no blank
    line before it.

    \b
    Examples:
      briefing check
      briefing check --strict
    """
    from .lint import lint_project
    from .loading import load_project
    from .reporting import summary_line

    with _library_errors():
        loaded = load_project(project)
    warnings = lint_project(loaded)
    if not (strict and warnings):
        click.echo(summary_line(loaded))
    for warning in warnings:
        click.echo(str(warning))
    if warnings:
        count = f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
        if strict:
            raise click.ClickException(f"{count} with --strict")
        click.echo(f"{count} (errors under --strict)")


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Write into a folder that is not empty.")
def init(folder: Path, force: bool) -> None:
    """Create a new briefing project in FOLDER that builds at once.

    Writes briefing.yaml, content/example.yaml (a point of each kind), a seed in
    seeds/, a copy of the shipped templates to change as you like, and
    topic.schema.json for your editor.

    \b
    Examples:
      briefing init my-book && cd my-book && briefing build
    """
    from .scaffold import init_project

    with _library_errors():
        written = init_project(folder, force=force)
    click.echo(f"created {_shown(folder)} ({len(written)} files); next:")
    click.echo(f"  cd {_shown(folder)} && briefing check && briefing build")


@cli.command()
@click.option(
    "-p",
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1; 0 picks a free one.",
)
@click.option("--no-open", is_flag=True, help="Do not open a browser.")
@_names_option("audience", "Audience to preview (default all).")
@_names_option("topic", "Topic to include (default the audience's).")
@PROJECT_OPTION
def preview(
    port: int, no_open: bool, audiences: tuple[str, ...], topics: tuple[str, ...], project: Path
) -> None:
    """Serve the briefings on 127.0.0.1, rebuilding and reloading on every change.

    Watches content/, seeds/, templates/ and briefing.yaml; /<audience>.pdf
    builds that PDF on request. Nothing is written to output/. Ctrl-C stops.

    \b
    Examples:
      briefing preview
      briefing preview -p 0 --no-open -a staff
    """
    import signal
    import webbrowser

    from .preview import Preview

    server = Preview(project, port=port, audiences=audiences, topics=topics, log=_log)
    with _library_errors():
        url = server.start()
    click.echo(f"serving {url} (Ctrl-C to stop)")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop cleanly when killed too
    if not no_open:
        webbrowser.open(url)
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def _log(line: str) -> None:
    click.echo(line, err=True)


@cli.command()
@click.argument(
    "kind", type=click.Choice(["topic", "seed", "audience", "settings"]), default="topic"
)
def schema(kind: str) -> None:
    """Print the JSON Schema (Draft 2020-12) of a topic file, or of another KIND.

    Point your editor at it for validation and completion as you type, e.g. with
    the yaml-language-server modeline on a topic file's first line:
    # yaml-language-server: $schema=../topic.schema.json

    \b
    Examples:
      briefing schema > topic.schema.json
      briefing schema seed
    """
    import json

    from .schema import json_schema

    click.echo(json.dumps(json_schema(kind), indent=2))


@cli.command()
@click.argument("seeds", nargs=-1, shell_complete=_complete("seed"))
@click.option(
    "-p",
    "--point",
    "points",
    multiple=True,
    metavar="TOPIC.POINT",
    shell_complete=_complete("point"),
    help="Count only these points' citations (repeat).",
)
@click.option("--uncited", is_flag=True, help="List only the paragraphs no point cites.")
@click.option("--strict", is_flag=True, help="Exit 1 if any paragraph is cited by no point.")
@PROJECT_OPTION
def sources(
    seeds: tuple[str, ...], points: tuple[str, ...], uncited: bool, strict: bool, project: Path
) -> None:
    """Show, for each seed, which points cite each paragraph, and which paragraphs none do.

    \b
    Examples:
      briefing sources
      briefing sources --uncited
      briefing sources -p kosovo.israel-non-recognition
    """
    from .coverage import seed_coverage
    from .loading import load_project
    from .reporting import coverage_lines

    with _library_errors():
        coverage = seed_coverage(load_project(project), seeds, points)
    for line in coverage_lines(coverage, uncited_only=uncited):
        click.echo(line)
    missing = sum(len(seed.uncited) for seed in coverage)
    if strict and missing:
        raise click.ClickException(f"{missing} paragraph(s) cited by no point (--strict)")


def main() -> None:
    """Run the command line."""
    cli(prog_name="briefing")
