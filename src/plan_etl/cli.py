"""The `plan-etl` command line."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from plan_etl.pipeline import DEFAULT_TIMEOUT, discover, ingest
from plan_etl.schemas import export_schemas
from plan_etl.validate import as_json, render_text, validate

app = typer.Typer(
    help="Turn client-centricity roadmap decrees (PDF, DOCX, text dumps) into a Parquet dataset.",
    no_args_is_help=True,
    add_completion=False,
)
err = Console(stderr=True)


@app.command("ingest")
def ingest_command(
    raw_dir: Annotated[
        Path,
        typer.Argument(
            help="Folder of decrees (.pdf .docx .doc .rtf .odt .html .htm .txt .md), recursively."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Dataset folder.")] = Path("normalized"),
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", help="Worker processes (default: cores).")
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Re-parse every file.")] = False,
    cache_dir: Annotated[
        Path | None, typer.Option(help="Cache folder (default: OUT/.cache).")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds allowed per file.")] = DEFAULT_TIMEOUT,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when any file failed (for CI).")
    ] = False,
) -> None:
    """Read every decree under RAW_DIR and write the dataset to OUT (atomically).

    A file that cannot be read is a `failed` row in documents.parquet and a line in the
    summary, not a failed run: a folder of decrees usually holds a README or a scan too.
    """
    if not raw_dir.is_dir():
        err.print(f"[red]error:[/] {raw_dir} is not a folder")
        raise typer.Exit(2)
    total = len(discover(raw_dir))
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not sys.stderr.isatty(),
        transient=True,
    ) as progress:
        task = progress.add_task("ingest", total=total)
        summary = ingest(
            raw_dir,
            out,
            jobs=jobs,
            use_cache=not no_cache,
            cache_dir=cache_dir,
            timeout=timeout,
            on_file=lambda r: progress.update(task, advance=1, description=r.document.source_file),
        )
    for source_file, error in summary.failures:
        err.print(f"[red]failed[/] {source_file}: {error}")
    s = summary.statuses
    err.print(
        f"{summary.files} files: {s['ok']} ok, {s['partial']} partial, {s['failed']} failed; "
        f"{summary.rows} rows; {summary.parsed} parsed, {summary.cached} from cache; "
        f"{summary.seconds:.2f} s → {out}/"
    )
    if strict and s["failed"]:
        raise typer.Exit(1)


@app.command("schemas")
def schemas_command(
    out: Annotated[Path, typer.Option("--out", help="Folder for the JSON Schema files.")] = Path(
        "schemas"
    ),
) -> None:
    """Regenerate schemas/*.json from the pydantic models."""
    for path in export_schemas(out):
        err.print(f"wrote {path}")


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
        Path | None, typer.Option(help="JSON Schema folder (default: schemas/ beside the dataset).")
    ] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="Report format.")
    ] = OutputFormat.text,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", help="Worker processes (default: cores).")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds allowed per file.")] = DEFAULT_TIMEOUT,
) -> None:
    """Re-extract every decree under RAW_DIR and check it with named rules; check the committed
    dataset too. Exit 0 when nothing is an error, 1 when something is, 2 on a usage error."""
    if not raw_dir.is_dir():
        err.print(f"[red]error:[/] {raw_dir} is not a folder")
        raise typer.Exit(2)
    if dataset is not None and not dataset.is_dir():
        err.print(f"[red]error:[/] dataset {dataset} is not a folder")
        raise typer.Exit(2)
    if dataset is None and DEFAULT_DATASET.is_dir():
        dataset = DEFAULT_DATASET
    schemas = schemas or (dataset.parent if dataset else Path()) / "schemas"
    report = validate(raw_dir, dataset, schemas, jobs=jobs, timeout=timeout)
    if output is OutputFormat.json:
        typer.echo(json.dumps(as_json(report), ensure_ascii=False, indent=2))
    else:
        typer.echo(render_text(report), nl=False)
    raise typer.Exit(report.exit_code)


@app.command("report")
def report_command(
    dataset: Annotated[Path, typer.Option(help="Dataset folder.")] = Path("normalized"),
    out: Annotated[Path, typer.Option("--out", help="HTML file to write.")] = Path("report.html"),
) -> None:
    """Write one self-contained HTML page: coverage matrix, deadlines, rows to look at, status."""
    if not (dataset / "activities.parquet").is_file():
        err.print(f"[red]error:[/] {dataset} holds no dataset (run `plan-etl ingest` first)")
        raise typer.Exit(2)
    from plan_etl.report import write_report  # pandas and plotly load for this command only

    err.print(f"wrote {write_report(dataset, out)}")


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
    """Show the catalogue items a plan row may be, best first, with scores and reasons."""
    from plan_etl.match import explain  # numpy and rapidfuzz load for this command only

    for catalogue_id, score, reason in explain(activity, section, subsection, top):
        typer.echo(f"{score:5.1f}  {catalogue_id:<38} {reason}")
