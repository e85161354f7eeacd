"""The work done for one file, wherever it runs: in a local worker process or on a cluster.

`process_file` is pure (a file and its identity in, records out) and never raises for bad
input; `settle` turns what a guarded run of it ended with (a result, a timeout, a dead reader
process) into a `FileResult`, so every executor words a failure the same way and a run on a
cluster writes the same tables as a local one.
"""

from __future__ import annotations

import os
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from plan_etl.extract import ExtractError, extractor_for, source_format
from plan_etl.limits import memory_limit_mb, renew_memory_limit
from plan_etl.models import Activity, Document, PlanChange
from plan_etl.source import Source, failed_document

if TYPE_CHECKING:
    from plan_etl.amend.apply import NotApplied

# A PDF may be a scan, which OCR reads at a few seconds a page (per core, and slower while
# other files are read beside it): the timeout covers this many pages of a PDF, and a longer
# PDF is allowed as much again for each further as many pages.
TIMEOUT_PAGES = 20
# ... but never more than this many times `timeout`: a PDF of 100,000 near-empty pages costs
# a few bytes a page, and the page count is the file's own claim.
MAX_TIMEOUT_SCALE = 10


@dataclass(frozen=True, slots=True)
class Packing:
    """Asks a worker to pack its file's rows (`packing.pack`): the run's parent would
    otherwise spend CPU on each row that the workers need, all cores being theirs."""

    cache_entry: bool  # the run caches results: make the file's cache entry too


@dataclass(frozen=True, slots=True)
class PackedRows:
    """A file's activities as the worker packed them: an Arrow IPC stream of the
    activities table's schema, their number, their fingerprint for the duplicate check
    (`links.rows_fingerprint`), and the file's cache entry when the run caches."""

    arrow: bytes
    count: int
    fingerprint: str | None
    entry: bytes | None = None


@dataclass(frozen=True, slots=True)
class FileResult:
    """What one source file contributes to the dataset. Its activities are either the
    models (`activities`) or, from a worker asked to pack them, `packed`."""

    document: Document
    activities: list[Activity]
    amendments: list[PlanChange] = field(default_factory=list)  # an amending decree's changes
    not_applied: list[NotApplied] = field(default_factory=list)  # of them, known after the run
    packed: PackedRows | None = None

    @property
    def row_count(self) -> int:
        return self.packed.count if self.packed else len(self.activities)


def process_file(path: Path, source: Source, packing: Packing | None = None) -> FileResult:
    """Extract, assemble and normalize one file, its rows packed when `packing` asks
    (`packing.pack`). Never raises for bad input: a file that cannot be read becomes a
    `failed` document with a one-line reason."""
    result = read_records(path, source)
    if packing is None:
        return result
    from plan_etl.packing import pack

    return pack(result, packing)


def read_records(path: Path, source: Source) -> FileResult:
    """One file's records (`process_file`, the rows as models)."""
    # the readers, assembly, normalizers and matcher are imported by whoever reads a file
    # (a worker, or the parent before it forks them), not by a run served from the cache
    from plan_etl.amend.read import read_amending
    from plan_etl.amend.records import amending_records
    from plan_etl.assemble import assemble
    from plan_etl.records import build_records

    renew_memory_limit()
    page_count, reason = None, None
    try:
        raw = extractor_for(path).read(path)
        page_count = raw.page_count
        reading = read_amending(raw.blocks)
        if reading.changes_items:  # single items changed, no plan of its own
            text = "\n".join(b.text or "\n".join(b.cells or ()) for b in raw.blocks)
            document, changes = amending_records(
                reading, text, source, page_count, raw.warnings, raw.text_source
            )
            return FileResult(document, [], changes)
        table = assemble(raw.blocks)
        document, activities = build_records(
            table, source, page_count, raw.warnings, raw.text_source
        )
        if document.status == "failed" and reading.warnings:  # an amending decree, unread
            why = f"{document.error}; amending text: {'; '.join(reading.warnings)}"
            document = document.model_copy(update={"error": why[:300]})
    except ExtractError as exc:
        reason = str(exc)
    except MemoryError:  # at the worker's ceiling; what the reading held is freed on leaving
        reason = out_of_memory(memory_limit_mb())
    except Exception as exc:  # a bug or a library failure on odd input: keep the run going
        reason = f"internal error while reading ({type(exc).__name__}: {exc})"
    if reason is not None:
        document, activities = failed_document(source, reason, page_count), []
    return FileResult(document, activities)


def time_allowed(path: Path, timeout: float) -> float:
    """Seconds a file may take: `timeout`, and for a PDF of more than TIMEOUT_PAGES pages
    that much per TIMEOUT_PAGES pages, up to MAX_TIMEOUT_SCALE times `timeout` (a PDF that
    cannot be opened gets `timeout`, and its reader the error)."""
    if source_format(path) != "pdf":
        return timeout
    pages = pdf_page_count(path)
    if pages is None:
        return timeout
    return timeout * min(max(1.0, pages / TIMEOUT_PAGES), MAX_TIMEOUT_SCALE)


def pdf_page_count(path: Path) -> int | None:
    """A PDF's page count as its page tree claims it, None when PDFium cannot open the file.
    Asked of PDFium's C functions directly: the parent asks it of every PDF before handing
    it to a worker, and pypdfium2's document object costs four times the open itself
    (0.2 against 0.05 ms a file, measured over the 320 bench decrees)."""
    import pypdfium2.raw as pdfium_c  # only a run with PDFs to parse pays its import

    document = pdfium_c.FPDF_LoadDocument(os.fsencode(path), None)
    if not document:
        return None
    try:
        return int(pdfium_c.FPDF_GetPageCount(document))
    finally:
        pdfium_c.FPDF_CloseDocument(document)


def settle(
    future: object, source: Source, allowed: float, max_memory_mb: int | None = None
) -> FileResult:
    """The result of a pebble future that ran `process_file` with `allowed` seconds, in a
    reader under a `max_memory_mb` ceiling: the file's records, or a `failed` document
    saying why there are none."""
    from pebble import ProcessExpired

    try:
        return future.result()  # type: ignore[attr-defined]
    except FutureTimeout:
        reason = f"timed out after {allowed:g} s (file too large or pathological)"
    except ProcessExpired as exc:
        reason = f"reader process died (exit code {exc.exitcode})"
        if max_memory_mb:  # a library that aborts when an allocation fails dies this way
            reason += f", perhaps at its memory limit (--max-memory {max_memory_mb} MiB)"
    except MemoryError:
        reason = out_of_memory(max_memory_mb)
    except Exception as exc:
        reason = f"internal error ({type(exc).__name__}: {exc})"
    return failed(source, reason)


def out_of_memory(max_memory_mb: int | None) -> str:
    """The one line for a file whose reading ran out of memory."""
    limit = f" (--max-memory {max_memory_mb} MiB)" if max_memory_mb else ""
    return f"out of memory: reading the file needs more than its worker may use{limit}"


def failed(source: Source, reason: str) -> FileResult:
    """A file that gave no records, and why."""
    return FileResult(failed_document(source, reason), [])
