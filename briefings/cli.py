"""The command line: ``briefing build | list | check`` over the library, and nothing more.

Each command parses options, calls the library, and reports. Library errors become exit 1
(content, template, build) or exit 2 (an unknown name: a usage error), with ``Error: ...`` on
stderr, at one boundary: ``_library_errors``.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Callable, Iterator, Sized
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from . import __version__
from .errors import BriefingError, SelectionError
from .errors import printable as escaped

if TYPE_CHECKING:
    from .config import Config

F = TypeVar("F", bound=Callable[..., Any])
NO_COLOR = bool(os.environ.get("NO_COLOR"))
INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C


@contextlib.contextmanager
def _library_errors() -> Iterator[None]:
    """Turn library errors into Click errors with the right exit code; Ctrl-C exits 130."""
    try:
        yield
    except SelectionError as exc:
        raise click.UsageError(printable(str(exc))) from None
    except BriefingError as exc:  # every other library error is exit 1
        raise click.ClickException(printable(str(exc))) from None
    except KeyboardInterrupt:
        click.echo("Interrupted; nothing was written.", err=True)
        raise click.exceptions.Exit(INTERRUPTED) from None


class Reporter:
    """Where a command's lines go: results on stdout, warnings and progress on stderr.

    ``-q`` keeps only warnings and errors; ``-v`` adds what each step did. Colour only on a
    terminal, and never with NO_COLOR set.
    """

    def __init__(self, quiet: bool = False, verbose: bool = False) -> None:
        self.quiet, self.verbose = quiet, verbose and not quiet

    def result(self, line: str) -> None:
        """A line of the command's result (stdout), unless quiet."""
        if not self.quiet:
            click.echo(printable(line))

    def warn(self, line: str) -> None:
        """A warning (stderr), always."""
        click.echo(f"{_style('warning:', 'yellow')} {printable(line)}", err=True)

    def info(self, line: str) -> None:
        """What a step did (stderr), with -v only."""
        if self.verbose:
            click.echo(printable(line), err=True)


def printable(text: str) -> str:
    """Output with control characters shown as escapes (line breaks and tabs kept), so no name
    or title in a project can drive the terminal (retitle it, clear it, forge a line)."""
    return escaped(text, keep="\n\t")


def _style(text: str, colour: str) -> str:
    return text if NO_COLOR else click.style(text, fg=colour, bold=True)


def _project_options(command: F) -> F:
    """The project-layout options every project command takes, and -q/-v."""
    options = [
        click.option(
            "-C",
            "--project",
            "project",
            type=click.Path(file_okay=False, path_type=Path),
            help="Start looking for the project (briefing.yaml) here, not in the current folder.",
        ),
        click.option(
            "--content", "content_folder", type=click.Path(path_type=Path), help="Topic folder."
        ),
        click.option(
            "--seeds", "seeds_folder", type=click.Path(path_type=Path), help="Seed folder."
        ),
        click.option(
            "--templates",
            "--user-templates",
            "user_templates",
            type=click.Path(path_type=Path),
            help="Your own template folder, searched before the project's (user_templates).",
        ),
        click.option("-q", "--quiet", is_flag=True, help="Print only warnings and errors."),
        click.option("-v", "--verbose", is_flag=True, help="Also say what each step did."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _config(
    project: Path | None,
    content_folder: Path | None,
    seeds_folder: Path | None,
    user_templates: Path | None,
    **more: Any,
) -> Config:
    """Resolve the project's settings once, command-line options first."""
    from .config import load_config

    with _library_errors():
        return load_config(
            project,
            content=content_folder,
            seeds=seeds_folder,
            user_templates=user_templates,
            **more,
        )


def _complete(kind: str) -> Callable[[click.Context, click.Parameter, str], list[str]]:
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
        from .completion import complete_names

        return complete_names(ctx, kind, incomplete)

    return complete


def _names_option(kind: str, help_text: str) -> Callable[[F], F]:
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
    try:
        os.getcwd()
    except FileNotFoundError:  # the folder was deleted under the shell
        raise click.ClickException(
            "the current folder no longer exists; cd to a folder that does and run it again"
        ) from None


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
@click.option(
    "--pdf-variant",
    metavar="pdf/ua-1|pdf/a-3b|none",
    help="PDF standard for every audience (default: each profile's, pdf/ua-1: tagged).",
)
@click.option(
    "--since",
    metavar="EDITION",
    shell_complete=_complete("edition"),
    help="Say in each document what changed since this edition (a name in editions/, or a "
    "file); default: briefing.yaml's since.",
)
@_project_options
def build(
    audiences: tuple[str, ...],
    topics: tuple[str, ...],
    formats: tuple[str, ...],
    output: Path | None,
    strict: bool,
    explain: bool,
    force: bool,
    jobs: int | None,
    pdf_variant: str | None,
    since: str | None,
    quiet: bool,
    verbose: bool,
    **layout: Any,
) -> None:
    """Build briefings into the output folder and print each file written.

    \b
    Examples:
      briefing build
      briefing build -a principal,staff -f pdf
      briefing build -a staff -t kosovo -t energy -o /tmp/out --explain
      briefing build --since 2016-11-25
    """
    from .builder import build_project
    from .reporting import build_lines

    out = Reporter(quiet, verbose)
    config = _config(**layout, output=output, audiences=audiences)
    out.info(f"project: {config.root}")
    with _library_errors():
        result = build_project(
            config,
            topics=topics,
            formats=formats or ("html", "pdf"),
            strict=strict,
            force=force,
            jobs=jobs,
            progress=_progress(out),
            pdf_variant=pdf_variant,
            since=since,
        )
    for warning in result.warnings:
        out.warn(warning)
    for line in build_lines(result, Path.cwd(), explain=explain):
        out.result(line)


def _progress(out: Reporter) -> Callable[[int, int, str], None]:
    """Click's progress bar on a terminal; with -v, plain lines elsewhere; nothing with -q."""
    state: dict[str, Any] = {}

    def report(done: int, total: int, label: str) -> None:
        if out.quiet:
            return
        if not sys.stderr.isatty():
            out.info(label)
            return
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = click.progressbar(length=total, file=sys.stderr, show_pos=True)
            bar.__enter__()
        bar.label = label
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)

    return report


@cli.command(name="list")
@click.argument("what", type=click.Choice(["topics", "audiences", "points"]))
@_project_options
def list_(what: str, quiet: bool, verbose: bool, **layout: Any) -> None:
    """List the project's topics, audiences or points.

    \b
    Examples:
      briefing list topics
      briefing list points
    """
    from .reporting import list_lines

    out = Reporter(quiet, verbose)
    config = _config(**layout)
    with _library_errors():
        loaded = config.project()
    for line in list_lines(loaded, what):
        out.result(line)


@cli.command()
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
@_project_options
def check(strict: bool, quiet: bool, verbose: bool, **layout: Any) -> None:
    """Validate every file, then lint how points are written.

    Problems (exit 1) and warnings print on stderr as file:line:col: field: message; fix.
    Warnings: a headline that is not one sentence or is over 35 words; ICD 203
    estimative language (two likelihood scales, confidence and likelihood in one
    sentence, vague hedges in an assessment's headline); a point older than
    staleness_days before the information date; a Markdown list with no blank
    line before it; an audience tag that can never take effect.

    \b
    Examples:
      briefing check
      briefing check --strict
    """
    from .lint import lint_project
    from .reporting import summary_line

    out = Reporter(quiet, verbose)
    config = _config(**layout)
    with _library_errors():
        loaded, positions = config.project_and_positions()
    warnings = lint_project(loaded, positions)
    if not (strict and warnings):
        out.result(summary_line(loaded))
    for warning in warnings:
        click.echo(printable(str(warning)), err=True)
    if warnings and strict:
        raise click.ClickException(f"{_count(warnings, 'warning')} with --strict")
    if warnings:
        click.echo(f"{_count(warnings, 'warning')} (errors under --strict)", err=True)


def _count(items: Sized, noun: str) -> str:
    return f"{len(items)} {noun}{'s' if len(items) != 1 else ''}"


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
    from .reporting import shown_path

    shown = shown_path(folder.resolve(), Path.cwd())
    click.echo(f"created {shown} ({len(written)} files); next:")
    click.echo(f"  cd {shown} && briefing check && briefing build")


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
@_project_options
def preview(
    port: int,
    no_open: bool,
    audiences: tuple[str, ...],
    topics: tuple[str, ...],
    quiet: bool,
    verbose: bool,
    **layout: Any,
) -> None:
    """Serve the briefings on 127.0.0.1, rebuilding and reloading on every change.

    Watches content/, seeds/, templates/ and briefing.yaml; /<audience>.pdf
    builds that PDF on request. Nothing is written to output/. Ctrl-C stops.

    \b
    Examples:
      briefing preview
      briefing preview -p 0 --no-open -a staff
    """
    import webbrowser

    from .preview import Preview

    out = Reporter(quiet, verbose)
    config = _config(**layout)  # checks briefing.yaml now; the preview re-reads it on change
    options = {"content": layout["content_folder"], "seeds": layout["seeds_folder"]}
    options["user_templates"] = layout["user_templates"]
    server = Preview(
        config.root, port=port, audiences=audiences, topics=topics, log=_log, options=options
    )
    with _library_errors():
        url = server.start()
    out.result(f"serving {url} (Ctrl-C to stop)")
    if not no_open:
        webbrowser.open(url)
    _serve(server)


def _log(line: str) -> None:
    click.echo(printable(line), err=True)


def _serve(server: Any) -> None:
    """Serve until Ctrl-C or SIGTERM, then stop cleanly."""
    import signal

    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


@cli.command()
@click.argument(
    "kind", type=click.Choice(["topic", "seed", "audience", "settings", "front"]), default="topic"
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
      briefing schema front
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
@_project_options
def sources(
    seeds: tuple[str, ...],
    points: tuple[str, ...],
    uncited: bool,
    strict: bool,
    quiet: bool,
    verbose: bool,
    **layout: Any,
) -> None:
    """Show, for each seed, which points cite each paragraph, and which paragraphs none do.

    \b
    Examples:
      briefing sources
      briefing sources --uncited
      briefing sources -p kosovo.israel-non-recognition
    """
    from .coverage import seed_coverage
    from .reporting import coverage_lines

    out = Reporter(quiet, verbose)
    config = _config(**layout)
    with _library_errors():
        coverage = seed_coverage(config.project(), seeds, points)
    for line in coverage_lines(coverage, uncited_only=uncited):
        out.result(line)
    missing = sum(len(seed.uncited) for seed in coverage)
    if strict and missing:
        raise click.ClickException(f"{missing} paragraph(s) cited by no point (--strict)")


@cli.command()
@click.argument("name", required=False)
@_project_options
def publish(name: str | None, quiet: bool, verbose: bool, **layout: Any) -> None:
    """Record the book as it stands as an edition, editions/NAME.json (default NAME: the
    information date), to commit and to build changes since (`build --since NAME`).

    An edition holds, per point, its marking, the audiences it reaches and digests of what is
    printed of it. An edition is never overwritten; a book that does not validate is not
    published.

    \b
    Examples:
      briefing publish
      briefing publish week-48
    """
    from .editions import publish as publish_edition
    from .errors import relative

    out = Reporter(quiet, verbose)
    config = _config(**layout)
    with _library_errors():
        path, edition = publish_edition(config.project(), config.root, name)
    reached = sum(1 for p in edition.points.values() if p.audiences)
    out.result(
        f"published {relative(path, Path.cwd())}: edition {edition.name!r}, "
        f"{_count(edition.points, 'point')} ({reached} in at least one document), "
        f"information as of {edition.information_date}"
    )


@cli.command()
@click.argument("old", metavar="EDITION", shell_complete=_complete("edition"))
@click.argument("new", metavar="[EDITION]", required=False, shell_complete=_complete("edition"))
@_names_option("audience", "Audience to report (repeat or comma list; default all).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")
@_project_options
def diff(
    old: str,
    new: str | None,
    audiences: tuple[str, ...],
    as_json: bool,
    quiet: bool,
    verbose: bool,
    **layout: Any,
) -> None:
    """Say, per audience, which points are new, changed or withdrawn between an edition and the
    project now, or between two editions: what `build --since` prints in each document.

    \b
    Examples:
      briefing diff 2016-11-25
      briefing diff 2016-11-25 week-48 -a principal --json
    """
    import json

    from .editions import diff_report
    from .reporting import diff_lines

    out = Reporter(quiet, verbose)
    config = _config(**layout, audiences=audiences)
    with _library_errors():
        report = diff_report(config, old, new)
    if as_json:
        click.echo(json.dumps(report, indent=1, ensure_ascii=False))
        return
    for line in diff_lines(report):
        out.result(line)


@cli.command()
@click.argument("pdf", metavar="FILE.pdf", type=click.Path(dir_okay=False, path_type=Path))
@_project_options
def verify(pdf: Path, quiet: bool, verbose: bool, **layout: Any) -> None:
    """Tell whether a PDF built by briefings is still current: compare the build manifest it
    carries with the project now. Exit 0 current, 1 stale (its changed, withdrawn, re-marked
    and new points are listed), 2 when it cannot be verified.

    \b
    Examples:
      briefing verify output/principal.pdf
      briefing verify ~/Downloads/staff.pdf -C ~/briefings
    """
    from .provenance import verify as check_pdf
    from .reporting import verify_lines

    out = Reporter(quiet, verbose)
    config = _config(**layout)
    try:
        verdict = check_pdf(pdf, config)
    except BriefingError as exc:
        click.echo(f"Error: {printable(str(exc))}", err=True)
        raise click.exceptions.Exit(2) from None
    for line in verify_lines(verdict, pdf, Path.cwd()):
        out.result(line)
    if not verdict.current:
        raise click.exceptions.Exit(1)


# Loading a project makes hundreds of thousands of small objects that live until the command
# ends, and at the default thresholds (700, 10, 10) the collector scans them again and again:
# `check` on 5,000 points took 0.80 s with them, 0.55 s with these. Rendering pauses it.
RARE_GC = (50_000, 20, 100)


def main() -> None:
    """Run the command line; Ctrl-C anywhere exits 130 with one line, not a traceback."""
    gc.set_threshold(*RARE_GC)  # the process is the command's: collect rarely
    # We use no Pydantic plugin; looking for them scans every installed package's entry points
    # as the first model is made (7 ms of each command). A setting of the user's own wins.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        code = cli.main(prog_name="briefing", standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Interrupted; nothing was written.", err=True)
        sys.exit(INTERRUPTED)
    except KeyboardInterrupt:
        click.echo("Interrupted; nothing was written.", err=True)
        sys.exit(INTERRUPTED)
