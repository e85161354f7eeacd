"""The `plan-etl` command line.

Exit codes, the same for every command: 0 done; 1 the run failed (a file failed under
`--strict`, nothing could be read, the dataset could not be written, validation found an
error); 2 a usage error (a bad option value, a folder that does not exist, `--out` that is a
file). A user error is one line on stderr, never a traceback. Human output goes to stderr
(unwrapped when piped, file names printed literally); `--json` puts a summary for scripts
on stdout.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from plan_etl import __version__
from plan_etl.executors import ClusterError, check_address
from plan_etl.extract.pdf_engine import DEFAULT_ENGINE, ENGINE_ENV, PDFIUM, PDFPLUMBER
from plan_etl.limits import DEFAULT_MAX_MEMORY_MB
from plan_etl.models import TABLES, Document
from plan_etl.paths import CACHE_ENV
from plan_etl.pipeline import (
    DEFAULT_TIMEOUT,
    TIMEOUT_PAGES,
    check_options,
    check_paths,
    discover,
    ingest,
)
from plan_etl.sources import Location, is_url, local_path
from plan_etl.summary import NothingRead, RunSummary

EXIT_FAILED = 1
EXIT_USAGE = 2

app = typer.Typer(
    help="Turn client-centricity roadmap decrees (PDF, DOCX, text dumps) into a Parquet dataset.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_show_locals=False,
)
# soft_wrap: a long line stays one line in a pipe or a CI log (Rich would wrap it at 80
# columns); highlight off: numbers and paths are not coloured as if they were code.
err = Console(stderr=True, soft_wrap=True, highlight=False)

TIMEOUT_HELP = f"Seconds allowed per file (a PDF: per {TIMEOUT_PAGES} pages, as OCR may read it)."
MAX_MEMORY_HELP = "MiB of memory each reader process may use; a file needing more fails."


def shown(value: object) -> str:
    """A file name or message as printed: control characters made visible (`\\n`, `\\x1b`)
    so a name cannot break a line or drive the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(value))


def say(*parts: str | tuple[str, str]) -> None:
    """Print one line to stderr; strings are literal text (never Rich markup), a
    (text, style) pair is styled."""
    err.print(Text.assemble(*parts))


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    say(("error:", "bold red"), " ", message)
    raise typer.Exit(code)


def os_error(exc: OSError) -> str:
    """`No space left on device: normalized` rather than a traceback."""
    where = f": {shown(exc.filename)}" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


def _check(jobs: int | None, timeout: float, max_memory: int) -> None:
    try:
        check_options(jobs, timeout, max_memory)
    except ValueError as exc:
        fail(shown(exc))


def _version(value: bool) -> None:
    if value:
        typer.echo(f"plan-etl {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Turn client-centricity roadmap decrees (PDF, DOCX, text dumps) into a Parquet dataset.

    Exit codes: 0 done, 1 failed, 2 usage error.
    """


def summary_json(summary: RunSummary, out: Path, code: int) -> str:
    s = summary.statuses
    data: dict[str, Any] = {
        "exit_code": code,
        "out": str(out),
        "published": summary.published,
        "unchanged": summary.unchanged,
        "files": summary.files,
        "ok": s["ok"],
        "partial": s["partial"],
        "failed": s["failed"],
        "duplicates": summary.duplicates,
        "skipped": summary.skipped,
        "unreadable_folders": summary.unreadable_folders,
        "rows": summary.rows,
        "parsed": summary.parsed,
        "cached": summary.cached,
        "seconds": round(summary.seconds, 3),
        "failures": [{"file": f, "error": e} for f, e in summary.failures],
        "duplicate_files": [
            {"file": f, "same_decree_as": kept, "kept_for": why}
            for f, kept, why in summary.duplicate_files
        ],
    }
    return json.dumps(data, ensure_ascii=False)


def unreadable(summary: RunSummary) -> str:
    """«2 folders unreadable; » when sub-folders could not be listed, else nothing."""
    n = summary.unreadable_folders
    return f"{n} folder{'s' if n != 1 else ''} unreadable; " if n else ""


def summary_line(summary: RunSummary, out: Path) -> str:
    s = summary.statuses
    return (
        f"{summary.files} files: {s['ok']} ok, {s['partial']} partial, {s['failed']} failed, "
        f"{summary.duplicates} duplicate; {summary.skipped} skipped (not a decree format); "
        f"{unreadable(summary)}"
        f"{summary.rows} rows; {summary.parsed} parsed, {summary.cached} from cache; "
        f"{'dataset already built from these files, left as it was; ' if summary.unchanged else ''}"
        f"{summary.seconds:.2f} s → {shown(out)}/"
    )


@app.command("ingest")
def ingest_command(
    raw: Annotated[
        str,
        typer.Argument(
            metavar="RAW_DIR",
            help="Folder of decrees (.pdf .docx .doc .rtf .odt .html .htm .txt .md), "
            "recursively; or an fsspec URL (s3://bucket/raw).",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Dataset folder.")] = Path("normalized"),
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", help="Worker processes (default: cores).")
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            metavar="ADDRESS",
            help="Parse on a Dask cluster: its scheduler (tcp://HOST:8786), or local:N for N "
            "worker processes here (docs/cluster.md).",
        ),
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Re-parse every file.")] = False,
    cache_dir: Annotated[
        str | None,
        typer.Option(
            help=f"Cache folder or fsspec URL (default: ${CACHE_ENV}, else ~/.cache/plan-etl)."
        ),
    ] = None,
    timeout: Annotated[float, typer.Option(help=TIMEOUT_HELP)] = DEFAULT_TIMEOUT,
    max_memory: Annotated[int, typer.Option(help=MAX_MEMORY_HELP)] = DEFAULT_MAX_MEMORY_MB,
    pdf_engine: Annotated[
        PdfEngine | None, typer.Option("--pdf-engine", help=PDF_ENGINE_HELP)
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when any file failed (for CI).")
    ] = False,
    allow_empty: Annotated[
        bool,
        typer.Option("--allow-empty", help="Publish even when no decree was read."),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON summary on stdout.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Print a line for every file.")
    ] = False,
) -> None:
    """Read every decree under RAW_DIR and write the dataset to OUT (atomically).

    A file that cannot be read is a `failed` row in documents.parquet and a line in the
    summary, not a failed run; files of other formats (a README, an image) are skipped. A run
    that reads no decree at all leaves OUT as it was and exits 1.
    """
    raw_dir = raw if is_url(raw) else local_path(raw)
    if isinstance(raw_dir, Path) and not raw_dir.is_dir():
        fail(f"{shown(raw_dir)} is not a folder")
    _check(jobs, timeout, max_memory)
    try:
        check_paths(raw_dir, out)
        if dask is not None:
            check_address(dask)
    except ValueError as exc:
        fail(shown(exc))
    cache: Location | None = None
    if cache_dir is not None:
        cache = cache_dir if is_url(cache_dir) else local_path(cache_dir).resolve()
        if isinstance(cache, Path):  # workers and converters find it through the environment
            os.environ[CACHE_ENV] = str(cache)
    use_pdf_engine(pdf_engine)
    run = Run(raw_dir, out, jobs, dask, not no_cache, cache, timeout, max_memory, allow_empty)
    summary = _run(run, quiet, verbose)
    failed = summary.statuses["failed"] or summary.unreadable_folders
    code = EXIT_FAILED if strict and failed else 0
    _report(summary, out, code, as_json, quiet)
    if code:
        raise typer.Exit(code)


@dataclass(frozen=True, slots=True)
class Run:
    """What `plan-etl ingest` was asked to do."""

    raw_dir: Location
    out: Path
    jobs: int | None
    dask: str | None
    use_cache: bool
    cache_dir: Location | None
    timeout: float
    max_memory: int
    allow_empty: bool


def _run(run: Run, quiet: bool, verbose: bool) -> RunSummary:
    """The ingest with a progress bar on a terminal; user errors end it with one line."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    out = run.out
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=quiet or not sys.stderr.isatty(),
        transient=True,
    ) as progress:
        try:
            total = len(discover(run.raw_dir).decrees)
        except OSError as exc:
            fail(f"cannot list {shown(run.raw_dir)}: {os_error(exc)}", EXIT_FAILED)
        task = progress.add_task("ingest", total=total)

        def on_progress(doc: Document, rows: int) -> None:
            name = shown(doc.source_file)
            progress.update(task, advance=1, description=escape(name))
            if verbose and not quiet:
                state = "duplicate" if doc.duplicate_of else doc.status
                say(f"{state:<9} {name}  {rows} rows")

        def on_wait(lock: Path) -> None:
            if not quiet:
                say(f"waiting: another plan-etl run is writing {shown(out)} ({shown(lock)})")

        def on_ready(message: str) -> None:
            if verbose and not quiet:
                say(message)

        executor = None
        if run.dask:
            from plan_etl.cluster import DaskCluster  # distributed loads for --dask only

            executor = DaskCluster(run.dask, on_ready, run.max_memory)
        try:
            return ingest(
                run.raw_dir,
                out,
                jobs=run.jobs,
                executor=executor,
                use_cache=run.use_cache,
                cache_dir=run.cache_dir,
                timeout=run.timeout,
                allow_empty=run.allow_empty,
                on_progress=on_progress,
                on_wait=on_wait,
                max_memory_mb=run.max_memory,
            )
        except ClusterError as exc:
            progress.stop()
            fail(shown(exc), EXIT_FAILED)
        except NothingRead as exc:
            progress.stop()
            _print_failures(exc.summary, quiet)
            fail(str(exc), EXIT_FAILED)
        except OSError as exc:
            progress.stop()
            fail(f"cannot write the dataset to {shown(out)}: {os_error(exc)}", EXIT_FAILED)


def _print_failures(summary: RunSummary, quiet: bool) -> None:
    if quiet:
        return
    for source_file, error in summary.failures:
        say(("failed", "red"), f" {shown(source_file)}: {shown(error)}")


def _print_duplicates(summary: RunSummary, quiet: bool) -> None:
    if quiet:
        return
    for copy, kept, why in summary.duplicate_files:
        say(
            ("duplicate", "yellow"), f" {shown(copy)}: same decree as {shown(kept)}, kept for {why}"
        )


def _report(summary: RunSummary, out: Path, code: int, as_json: bool, quiet: bool) -> None:
    _print_failures(summary, quiet)
    _print_duplicates(summary, quiet)
    if not quiet:
        say(summary_line(summary, out))
    if as_json:
        typer.echo(summary_json(summary, out, code))


@app.command("schemas")
def schemas_command(
    out: Annotated[Path, typer.Option("--out", help="Folder for the JSON Schema files.")] = Path(
        "schemas"
    ),
) -> None:
    """Regenerate schemas/*.json from the pydantic models."""
    from plan_etl.schemas import export_schemas

    try:
        written = export_schemas(out)
    except OSError as exc:
        fail(f"cannot write {shown(out)}: {os_error(exc)}", EXIT_FAILED)
    for path in written:
        say(f"wrote {shown(path)}")


class PdfEngine(StrEnum):
    """The library that reads a text PDF's pages (`extract/pdf_engine.py`)."""

    pdfium = PDFIUM
    pdfplumber = PDFPLUMBER


PDF_ENGINE_HELP = (
    "Library that reads text PDFs: pdfium (fast), or pdfplumber (the reference it is checked "
    "against)."
)


def use_pdf_engine(engine: PdfEngine | None) -> None:
    """Workers find the PDF engine through the environment, as they find the cache."""
    if engine is not None:
        os.environ[ENGINE_ENV] = engine.value
    elif os.environ.get(ENGINE_ENV, DEFAULT_ENGINE).strip().lower() not in set(PdfEngine):
        fail(f"${ENGINE_ENV} names no PDF engine: use {PDFIUM} or {PDFPLUMBER}")


class OutputFormat(StrEnum):
    """How `plan-etl validate` prints its report."""

    text = "text"
    json = "json"


DEFAULT_DATASET = Path("normalized")


@app.command("validate")
def validate_command(
    raw_dir: Annotated[Path, typer.Argument(help="Folder of decrees to check.")] = Path("raw"),
    dataset: Annotated[
        Path | None,
        typer.Option(help="Committed dataset to check (default: normalized/ if present)."),
    ] = None,
    schemas: Annotated[
        Path | None,
        typer.Option(
            help="JSON Schema folder to check against the models (default: none; the dataset "
            "is checked against the package's own models wherever it is)."
        ),
    ] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="Report format.")
    ] = OutputFormat.text,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", help="Worker processes (default: cores).")
    ] = None,
    timeout: Annotated[float, typer.Option(help=TIMEOUT_HELP)] = DEFAULT_TIMEOUT,
    max_memory: Annotated[int, typer.Option(help=MAX_MEMORY_HELP)] = DEFAULT_MAX_MEMORY_MB,
    pdf_engine: Annotated[
        PdfEngine | None, typer.Option("--pdf-engine", help=PDF_ENGINE_HELP)
    ] = None,
) -> None:
    """Re-extract every decree under RAW_DIR and check it with named rules; check the committed
    dataset too. Exit 0 when nothing is an error, 1 when something is, 2 on a usage error."""
    if not raw_dir.is_dir():
        fail(f"{shown(raw_dir)} is not a folder")
    if dataset is not None and not dataset.is_dir():
        fail(f"dataset {shown(dataset)} is not a folder")
    if schemas is not None and not schemas.is_dir():
        fail(f"schemas {shown(schemas)} is not a folder")
    _check(jobs, timeout, max_memory)
    use_pdf_engine(pdf_engine)
    if dataset is None and DEFAULT_DATASET.is_dir():
        dataset = DEFAULT_DATASET
    from plan_etl.validate import as_json, render_text, validate  # not for every command

    report = validate(
        raw_dir, dataset, schemas, jobs=jobs, timeout=timeout, max_memory_mb=max_memory
    )
    if output is OutputFormat.json:
        typer.echo(json.dumps(as_json(report), ensure_ascii=False, indent=2))
    else:
        typer.echo(render_text(report), nl=False)
    raise typer.Exit(report.exit_code)


@app.command("report")
def report_command(
    dataset: Annotated[Path, typer.Option(help="Dataset folder.")] = Path("normalized"),
    out: Annotated[Path, typer.Option("--out", help="HTML file to write.")] = Path("report.html"),
    sources: Annotated[
        Path | None, typer.Option(help="Folder of the decrees the rows link to [default: raw/].")
    ] = None,
) -> None:
    """Write one self-contained HTML page (Russian): overview, template coverage, a section
    per decree, rows to review; filter and search."""
    if not any((dataset / f"{name}.parquet").is_file() for name in TABLES):
        fail(f"{shown(dataset)} holds no dataset (run `plan-etl ingest` first)")
    if out.is_dir():
        fail(f"--out {shown(out)} is a folder, not a file name")
    if not out.parent.is_dir():
        fail(f"--out {shown(out)}: folder {shown(out.parent)} does not exist")
    from plan_etl.loader import DatasetError
    from plan_etl.report import write_report  # pandas loads for this command only

    try:
        written = write_report(dataset, out, sources)
    except DatasetError as exc:
        fail(f"cannot read the dataset: {shown(exc)}", EXIT_FAILED)
    except OSError as exc:
        fail(f"cannot write {shown(out)}: {os_error(exc)}", EXIT_FAILED)
    say(f"wrote {shown(written)}")


@app.command("match")
def match_command(
    activity: Annotated[str, typer.Argument(help="The «Мероприятие» text of a plan row.")],
    section: Annotated[
        str | None, typer.Option("--section", help="The row's section title.")
    ] = None,
    subsection: Annotated[
        str | None, typer.Option("--subsection", help="The row's subsection title, if any.")
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="How many candidates to show.")] = 5,
) -> None:
    """Show the status the matcher would give a plan row, then the catalogue items it may be,
    best first, with scores and reasons."""
    from plan_etl.assemble import LogicalRow  # numpy and rapidfuzz load for this command only
    from plan_etl.match import explain, match_document

    if not any("а" <= ch <= "я" or ch == "ё" for ch in activity.lower()):
        err.print("[red]error:[/] the activity is empty or has no Russian words: nothing to match")
        raise typer.Exit(2)
    row = LogicalRow("1", None, section, subsection, {"activity": [activity]})
    result = match_document([row]).results[0]
    candidates = explain(activity, section, subsection, top)
    typer.echo(f"status {result.status}: {result.catalogue_id or 'no catalogue item'}")
    typer.echo(f"why: {status_reason(result, candidates, section or subsection)}")
    for catalogue_id, score, reason in candidates:
        typer.echo(f"{score:5.1f}  {catalogue_id:<38} {reason}")


def status_reason(result: Any, candidates: list[tuple[str, float, str]], heading: Any) -> str:
    """Why the matcher gave `result` its status, from the thresholds it applies and the best
    candidate's reasons (`explain`), in the order it checks them."""
    from plan_etl.match import SETTINGS

    best_reason = candidates[0][2] if candidates else ""
    if result.status == "unmatched":
        return (
            f"the best item scores {result.score:.1f}, below {SETTINGS.review_score:.0f}: "
            "a region's own row, not a template item"
        )
    if result.status == "matched":
        return (
            f"the calibrated probability that the item is right is {result.probability:.3f} "
            f"(at least {SETTINGS.matched_probability:g}): score, lead over the runner-up, "
            "section, action and order agree"
        )
    if result.catalogue_id is None:
        return "another row of the plan holds the same item with a higher score"
    doubt = _likely_doubt(result, best_reason, heading)
    p, least = result.probability, SETTINGS.matched_probability
    if p >= least:
        return f"the calibrated probability that the item is right is {p:.3f}, but {doubt}"
    return f"the calibrated probability that the item is right is {p:.3f}, below {least:g}: {doubt}"


def _likely_doubt(result: Any, best_reason: str, heading: Any) -> str:
    """What most lowers a review row's probability, in the order the features weigh it."""
    from plan_etl.match import SETTINGS

    if result.score < SETTINGS.matched_score:
        return f"score {result.score:.1f} is below {SETTINGS.matched_score:.0f}"
    if result.score - result.runner_up_score < SETTINGS.matched_margin:
        return (
            f"the runner-up {result.runner_up} ({result.runner_up_score:.1f}) is less than "
            f"{SETTINGS.matched_margin:.0f} points behind"
        )
    if not heading:
        return (
            "no --section given: the block is guessed from the row's words, and items of "
            "several blocks share them; give the row's section title"
        )
    if "differs" in best_reason:
        return "the row's action word does not fit the item's step"
    return "the section title does not clearly name the item's block"


def command() -> None:
    """The `plan-etl` command (its console script). An ingest run keeps pyarrow from
    importing pandas, which it never uses (`write.arrow_without_pandas`: a third of a warm
    re-run's time)."""
    if sys.argv[1:2] == ["ingest"]:
        from plan_etl.write import arrow_without_pandas

        arrow_without_pandas()
    app()
