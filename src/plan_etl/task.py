"""The work done for one file, wherever it runs: in a local worker process or on a cluster.

`process_file` is pure (a file and its identity in, records out) and never raises for bad
input; `settle` turns what a guarded run of it ended with (a result, a timeout, a dead reader
process) into a `FileResult`, so every executor words a failure the same way and a run on a
cluster writes the same tables as a local one.
"""

from __future__ import annotations

from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path

from plan_etl.assemble import assemble
from plan_etl.extract import ExtractError, extractor_for, source_format
from plan_etl.models import Activity, Document
from plan_etl.records import Source, build_records, failed_document

# A PDF may be a scan, which OCR reads at a few seconds a page (per core, and slower while
# other files are read beside it): the timeout covers this many pages of a PDF, and a longer
# PDF is allowed as much again for each further as many pages.
TIMEOUT_PAGES = 20


@dataclass(frozen=True, slots=True)
class FileResult:
    """What one source file contributes to the dataset."""

    document: Document
    activities: list[Activity]


def process_file(path: Path, source: Source) -> FileResult:
    """Extract, assemble and normalize one file. Never raises for bad input: a file that
    cannot be read becomes a `failed` document with a one-line reason."""
    page_count = None
    try:
        raw = extractor_for(path).read(path)
        page_count = raw.page_count
        table = assemble(raw.blocks)
        document, activities = build_records(
            table, source, page_count, raw.warnings, raw.text_source
        )
    except ExtractError as exc:
        document, activities = failed_document(source, str(exc), page_count), []
    except Exception as exc:  # a bug or a library failure on odd input: keep the run going
        reason = f"internal error while reading ({type(exc).__name__}: {exc})"
        document, activities = failed_document(source, reason, page_count), []
    return FileResult(document, activities)


def time_allowed(path: Path, timeout: float) -> float:
    """Seconds a file may take: `timeout`, and for a PDF of more than TIMEOUT_PAGES pages
    that much per TIMEOUT_PAGES pages (its page count is read in a millisecond; a PDF that
    cannot be opened gets `timeout`, and its reader the error)."""
    if source_format(path) != "pdf":
        return timeout
    import pypdfium2 as pdfium  # only a run with PDFs to parse pays its import

    try:
        pdf = pdfium.PdfDocument(path)
    except (pdfium.PdfiumError, OSError):
        return timeout
    try:
        return timeout * max(1.0, len(pdf) / TIMEOUT_PAGES)
    finally:
        pdf.close()


def settle(future: object, source: Source, allowed: float) -> FileResult:
    """The result of a pebble future that ran `process_file` with `allowed` seconds: the
    file's records, or a `failed` document saying why there are none."""
    from pebble import ProcessExpired

    try:
        return future.result()  # type: ignore[attr-defined]
    except FutureTimeout:
        reason = f"timed out after {allowed:g} s (file too large or pathological)"
    except ProcessExpired as exc:
        reason = f"reader process died (exit code {exc.exitcode})"
    except Exception as exc:
        reason = f"internal error ({type(exc).__name__}: {exc})"
    return failed(source, reason)


def failed(source: Source, reason: str) -> FileResult:
    """A file that gave no records, and why."""
    return FileResult(failed_document(source, reason), [])
