"""The ingest run: source files → raw blocks → logical rows → records → Parquet.

Files are processed in worker processes (pebble's pool kills and replaces a worker that
exceeds the per-file timeout or dies, which concurrent.futures cannot do), results are
written in sorted-path order whatever order workers finish in, and each file's result is
cached under its content hash and the parser version, so an unchanged file is never parsed
twice.
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from plan_etl import __version__
from plan_etl.amend.apply import NotApplied, build_in_force
from plan_etl.amend.read import read_amending
from plan_etl.amend.records import amending_records
from plan_etl.assemble import assemble
from plan_etl.atomic import write_atomically
from plan_etl.catalogue import load_catalogue
from plan_etl.datapackage import FILENAME as DATAPACKAGE
from plan_etl.extract import SUFFIXES, ExtractError, extractor_for, source_format
from plan_etl.extract.pdf_engine import DEFAULT_ENGINE, ENGINE_ENV
from plan_etl.files import Inputs, fingerprint, read_regular, why_unreadable
from plan_etl.files import discover as discover_entries
from plan_etl.limits import (
    DEFAULT_MAX_MEMORY_MB,
    check_max_memory,
    memory_limit_mb,
    protect_worker,
    renew_memory_limit,
    worker_count,
)
from plan_etl.links import Linker
from plan_etl.match import warm_matcher
from plan_etl.models import Activity, Document, PlanChange
from plan_etl.normalize.metadata import warm_metadata
from plan_etl.paths import cache_root
from plan_etl.records import Source, build_records, failed_document
from plan_etl.write import DatasetWriter, dataset_lock, remove_leftovers

if TYPE_CHECKING:
    from pebble import ProcessPool

DEFAULT_TIMEOUT = 120.0
# A PDF may be a scan, which OCR reads at a few seconds a page (per core, and slower while
# other files are read beside it): the timeout covers this many pages of a PDF, and a longer
# PDF is allowed as much again for each further as many pages.
TIMEOUT_PAGES = 20
# ... but never more than this many times `timeout`: a PDF of 100,000 near-empty pages costs
# a few bytes a page, and the page count is the file's own claim.
MAX_TIMEOUT_SCALE = 10
RESULTS = "results"  # the parsed-results cache, a folder of the cache root
# How a file's result was reached: parsed now, read from the cache, or settled without either
# (unreadable, or the same bytes as an earlier file).
Reading = Literal["parsed", "cached", "settled"]


@dataclass(frozen=True, slots=True)
class FileResult:
    """What one source file contributes to the dataset."""

    document: Document
    activities: list[Activity]
    amendments: list[PlanChange] = field(default_factory=list)  # an amending decree's changes
    not_applied: list[NotApplied] = field(default_factory=list)  # of them, known after the run


@dataclass(slots=True)
class RunSummary:
    """Counts for the closing line of `plan-etl ingest`."""

    statuses: Counter[str] = field(default_factory=Counter)  # of decrees that are no copy
    duplicates: int = 0
    skipped: int = 0  # files of no decree format (a README, an image)
    unreadable_folders: int = 0  # sub-folders that could not be listed (in `failures` too)
    rows: int = 0
    parsed: int = 0
    cached: int = 0
    seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)
    # (duplicate file, file kept, why that one was kept), filled in once every file is read
    duplicate_files: list[tuple[str, str, str]] = field(default_factory=list)
    published: bool = False
    not_applied: list[NotApplied] = field(default_factory=list)  # amendments kept unapplied

    @property
    def files(self) -> int:
        """Decree files read, duplicates included."""
        return sum(self.statuses.values()) + self.duplicates

    @property
    def read(self) -> int:
        """Decrees read (with plan rows, or an amending decree with changes): a run with none
        must not replace a dataset."""
        return self.statuses["ok"] + self.statuses["partial"]

    def add(self, document: Document, rows: int, how: Reading) -> None:
        if document.duplicate_of:
            self.duplicates += 1
        else:
            self.statuses[document.status] += 1
            if document.status == "failed":
                self.failures.append((document.source_file, document.error or ""))
        self.rows += rows
        self.parsed += how == "parsed"
        self.cached += how == "cached"

    def demote(self, document: Document) -> None:
        """A decree counted as read turned out to be a copy of a later file."""
        self.statuses[document.status] -= 1
        self.duplicates += 1
        self.rows -= document.row_count

    def name_duplicates(self, documents: list[Document], why: dict[str, str]) -> None:
        """Which file duplicates which, and why the kept one was kept (`Linker.kept_because`;
        a copy of the same bytes: the first by file name)."""
        by_id = {d.doc_id: d for d in documents}
        self.duplicate_files = [
            (d.source_file, kept.source_file, why.get(d.doc_id, "coming first by file name"))
            for d in documents
            if d.duplicate_of and (kept := by_id.get(d.duplicate_of)) is not None
        ]


class NothingRead(RuntimeError):
    """The run read no decree, so it did not replace the dataset."""

    def __init__(self, summary: RunSummary) -> None:
        what = "no decree file" if not summary.files else "no decree could be read"
        super().__init__(f"{what}: the dataset was not replaced (--allow-empty to force)")
        self.summary = summary


# Modules that only present, check or write what the parse produced: a change to them does
# not change a file's records, so it must not throw away the whole cache.
_NOT_PARSING = frozenset(
    {
        "cli.py",
        "validate.py",
        "report.py",
        "loader.py",
        "write.py",
        "datapackage.py",
        "schemas.py",
        "links.py",
        "paths.py",
        "amend/apply.py",  # runs after the parse, on the whole run's records
    }
)


def parser_version() -> str:
    """A fingerprint of the code and data that turn a file into records, and of the PDF
    engine chosen (`$PLAN_ETL_PDF_ENGINE`): any change to them invalidates the cache."""
    engine = os.environ.get(ENGINE_ENV, DEFAULT_ENGINE).strip().lower() or DEFAULT_ENGINE
    if engine == DEFAULT_ENGINE:
        return code_version()
    return hashlib.sha256(f"{code_version()}:{engine}".encode()).hexdigest()[:16]


@cache
def code_version() -> str:
    """A fingerprint of the code and data that turn a file into records: any change to
    them invalidates the cache (a new module counts until it is listed in `_NOT_PARSING`)."""
    digest = hashlib.sha256(__version__.encode())
    package = resources.files("plan_etl")
    for path in sorted(Path(str(package)).rglob("*")):
        rel = path.relative_to(str(package)).as_posix()
        if rel in _NOT_PARSING or "__pycache__" in path.parts:
            continue
        if path.suffix in (".py", ".toml", ".json"):
            digest.update(rel.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def discover(raw_dir: Path) -> Inputs:
    """Every entry below `raw_dir`: decrees (by suffix, `extract.SUFFIXES`), others, and
    folders that could not be listed (`plan_etl.files.discover`)."""
    return discover_entries(raw_dir, SUFFIXES)


def identify(path: Path, raw_dir: Path) -> tuple[Source, str | None]:
    """The file's identity from its bytes, and the read error if it cannot be read. An empty
    file is refused here, before duplicate detection, which would otherwise call every empty
    file after the first a copy of it; so is what is not a regular file or is too large."""
    rel = path.relative_to(raw_dir).as_posix()
    fmt = source_format(path)
    try:
        found = fingerprint(path)
        sha = found.sha256
        error = "empty file" if found.blank else None
    except OSError as exc:
        sha, error = "", f"cannot read file: {why_unreadable(path, exc)}"
    doc_id = (sha or hashlib.sha256(rel.encode()).hexdigest())[:16]
    return Source(doc_id, rel, fmt, sha), error  # type: ignore[arg-type]


def process_file(path: Path, source: Source) -> FileResult:
    """Extract, assemble and normalize one file. Never raises for bad input: a file that
    cannot be read becomes a `failed` document with a one-line reason."""
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


CACHE_FORMAT = 1  # bump when the layout of an entry changes
MAX_ENTRY_BYTES = 256 * 1024 * 1024  # a decree of 10,000 rows is a few tens of MB as JSON


class _Entry(BaseModel):
    """What a cache entry holds: one file's records, nothing executable."""

    document: Document
    activities: list[Activity]
    amendments: list[PlanChange] = []


class ResultCache:
    """Parsed results as data: one JSON file per source file, keyed by its content hash and
    the parser version, outside the dataset (`plan_etl.paths.cache_root()`).

    An entry is a header line, `{"format": 1, "sha256": <hash of the rest>}`, then the
    records as JSON; reading it is JSON parsing and pydantic validation, so a file planted
    in the cache can at worst be a wrong or invalid entry, never code. An entry whose
    format, checksum, records or source hash is not right is a miss (the file is parsed
    again), and so is one that is no regular file (a link, a FIFO, a device) or is larger
    than MAX_ENTRY_BYTES; a cache that cannot be written is no cache: neither stops a run.
    """

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        if directory:
            try:
                directory.mkdir(parents=True, exist_ok=True)
                self.prune()
            except OSError:
                self.directory = None

    def prune(self) -> None:
        """Drop entries of other parser versions: no run of this code can use them, and
        without this the cache would grow with every parser change."""
        assert self.directory is not None
        keep = f"-{parser_version()}.json"
        for entry in self.directory.glob("*.json"):
            if not entry.name.endswith(keep):
                entry.unlink(missing_ok=True)

    def _path(self, source: Source) -> Path | None:
        if not self.directory or not source.sha256:
            return None
        return self.directory / f"{source.sha256}-{parser_version()}.json"

    def has(self, source: Source) -> bool:
        path = self._path(source)
        return bool(path and path.exists())

    def get(self, source: Source) -> FileResult | None:
        path = self._path(source)
        if not path:
            return None
        try:
            entry = read_regular(path, MAX_ENTRY_BYTES, follow=False)
            header, _, payload = entry.partition(b"\n")
            checksum = hashlib.sha256(payload).hexdigest()
            if json.loads(header) != {"format": CACHE_FORMAT, "sha256": checksum}:
                return None
            records = _Entry.model_validate_json(payload)
        except Exception:  # missing, truncated, tampered with, of another layout: a miss
            return None
        if records.document.sha256 != source.sha256:
            return None
        return _relocated(
            FileResult(records.document, records.activities, records.amendments), source
        )

    def put(self, source: Source, result: FileResult) -> None:
        path = self._path(source)
        if not path or result.document.status == "failed":
            return
        payload = _Entry(
            document=result.document, activities=result.activities, amendments=result.amendments
        )
        body = payload.model_dump_json().encode()
        header = json.dumps({"format": CACHE_FORMAT, "sha256": hashlib.sha256(body).hexdigest()})
        # a full or read-only cache costs a re-parse next time, nothing more
        with suppress(OSError):
            write_atomically(path, header.encode() + b"\n" + body)


def _relocated(result: FileResult, source: Source) -> FileResult:
    """A cached result for the same bytes found under another path."""
    document = result.document
    if (document.source_file, document.doc_id) == (source.source_file, source.doc_id):
        return result
    where = {"source_file": source.source_file, "doc_id": source.doc_id}
    return FileResult(
        document.model_copy(update=where),
        [a.model_copy(update=where) for a in result.activities],
        [c.model_copy(update={"doc_id": source.doc_id}) for c in result.amendments],
    )


@dataclass(slots=True)
class _Item:
    """One file of the run: its identity, and a verdict already reached without parsing
    (duplicate, unreadable) or whether a cached result waits for it."""

    path: Path
    source: Source
    verdict: FileResult | None = None
    cached: bool = False


def copy_source(source: Source) -> Source:
    """The identity of a file whose bytes an earlier file has: doc_id from the content hash
    and the relative path, so it differs from the original's (the content hash alone) and
    stays the same from run to run."""
    digest = hashlib.sha256(f"{source.sha256}/{source.source_file}".encode()).hexdigest()
    return replace(source, doc_id=digest[:16])


def copy_document(source: Source, original_doc_id: str) -> Document:
    """A stand-in row for a same-bytes copy; `links.Linker` fills in the original's reading."""
    return Document(
        doc_id=source.doc_id,
        source_file=source.source_file,
        source_format=source.source_format,
        sha256=source.sha256,
        duplicate_of=original_doc_id,
    )


def _plan(files: list[Path], raw_dir: Path, cache: ResultCache) -> list[_Item]:
    """Every file's identity and what to do with it. Cached results are not loaded here:
    they are read one at a time as they are written, so a warm run over a huge corpus holds
    one decree's records at a time."""
    seen: dict[str, str] = {}
    items = []
    for path in files:
        source, error = identify(path, raw_dir)
        item = _Item(path, source)
        if error:
            item.verdict = FileResult(failed_document(source, error), [])
        elif source.sha256 in seen:
            item.source = source = copy_source(source)
            item.verdict = FileResult(copy_document(source, seen[source.sha256]), [])
        else:
            seen[source.sha256] = source.doc_id
            item.cached = cache.has(source)
        items.append(item)
    return items


def window_size(jobs: int) -> int:
    """How many files may be scheduled ahead of the one being written: enough to keep every
    worker busy while one slow file holds up the ordered output, few enough that finished
    results waiting their turn stay a handful of decrees in memory."""
    return 4 * jobs


def _worker_started(max_memory_mb: int | None = None, parent: int | None = None) -> None:
    """Put a fresh worker under its limits (`plan_etl.limits`: memory ceiling, death with
    the run `parent`) and tune its collector. Everything it inherited from the parent (the
    imported libraries, the catalogue) is frozen out of collections, so those pages are
    neither scanned nor copied on write; and since parsing a page allocates hundreds of
    thousands of short-lived objects, the youngest generation is collected every 10,000
    allocations instead of 700 (measured on the bench corpus: ~10% less CPU a page)."""
    if parent is not None:
        protect_worker(max_memory_mb, parent)
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def _preload_extractors(paths: Iterable[Path]) -> None:
    """Import the backends the files to parse need (pdfplumber, python-docx) and build what
    every file's normalizing needs (the matcher's index with its dictionary, the metadata
    reader's region patterns) once, in the parent, so the forked workers share them instead
    of each building its own on its first file (≈ 0.5 s)."""
    for suffix in {p.suffix.lower() for p in paths}:
        with suppress(ExtractError):
            extractor_for(Path(f"x{suffix}"))
    warm_matcher()
    warm_metadata()


def _results(
    files: list[Path],
    raw_dir: Path,
    cache: ResultCache,
    jobs: int,
    timeout: float,
    max_memory_mb: int | None = DEFAULT_MAX_MEMORY_MB,
) -> Iterator[tuple[FileResult, Reading]]:
    """(result, how it was reached) per file, in the order of `files`.

    Files to parse are scheduled in that same order, at most `window_size(jobs)` ahead of
    the file being yielded, so memory does not grow with the corpus however the workers'
    finishing order differs from the writing order.
    """
    load_catalogue()  # warm the matcher's data once; forked workers share it
    items = _plan(files, raw_dir, cache)
    to_parse = [i for i, item in enumerate(items) if item.verdict is None and not item.cached]
    with ExitStack() as stack:
        pool: ProcessPool | None = None
        futures: dict[int, object] = {}
        allowed: dict[int, float] = {}  # seconds each scheduled file may take
        pending = iter(to_parse)  # indices of files not yet scheduled, in order

        def schedule(index: int) -> None:
            nonlocal pool
            if pool is None:
                from pebble import ProcessPool  # asyncio and all: only a run that parses pays

                _preload_extractors(items[i].path for i in to_parse)
                workers = max(1, min(jobs, len(to_parse) or 1))
                pool = stack.enter_context(
                    ProcessPool(
                        max_workers=workers,
                        initializer=_worker_started,
                        initargs=(max_memory_mb, os.getpid()),
                    )
                )
            item = items[index]
            allowed[index] = time_allowed(item.path, timeout)
            futures[index] = pool.schedule(
                process_file, args=(item.path, item.source), timeout=allowed[index]
            )

        def top_up() -> None:
            while len(futures) < window_size(jobs):
                index = next(pending, None)
                if index is None:
                    return
                schedule(index)

        for index, item in enumerate(items):
            if item.verdict is not None:
                yield item.verdict, "settled"
                continue
            if item.cached:
                result = cache.get(item.source)
                if result is not None:
                    yield result, "cached"
                    continue
                schedule(index)  # an unreadable cache entry: parse the file after all
            top_up()
            result = _wait(futures.pop(index), item.source, allowed.pop(index), max_memory_mb)
            top_up()  # keep the workers busy while this result is written
            cache.put(item.source, result)
            yield result, "parsed"


def _write_in_force(
    writer: DatasetWriter, documents: list[Document], changes: list[PlanChange], summary: RunSummary
) -> None:
    """Apply every amendment of the run to the plans it names (the activities written so far,
    read back from the staging folder) and write `amendments` and `in_force`."""
    activities = writer.finish_table("activities")
    built = build_in_force(activities, documents, changes)
    writer.write("amendments", built.amendments)
    for rows in built.plans:
        writer.write("in_force", rows)
    summary.not_applied = built.not_applied


def time_allowed(path: Path, timeout: float) -> float:
    """Seconds a file may take: `timeout`, and for a PDF of more than TIMEOUT_PAGES pages
    that much per TIMEOUT_PAGES pages, up to MAX_TIMEOUT_SCALE times `timeout` (its page
    count is read in a millisecond; a PDF that cannot be opened gets `timeout`, and its
    reader the error)."""
    if source_format(path) != "pdf":
        return timeout
    import pypdfium2 as pdfium  # only a run with PDFs to parse pays its import

    try:
        pdf = pdfium.PdfDocument(path)
    except (pdfium.PdfiumError, OSError):
        return timeout
    try:
        return timeout * min(max(1.0, len(pdf) / TIMEOUT_PAGES), MAX_TIMEOUT_SCALE)
    finally:
        pdf.close()


def _wait(
    future: object, source: Source, timeout: float, max_memory_mb: int | None = None
) -> FileResult:
    from pebble import ProcessExpired

    try:
        return future.result()  # type: ignore[attr-defined]
    except FutureTimeout:
        reason = f"timed out after {timeout:g} s (file too large or pathological)"
    except ProcessExpired as exc:
        reason = f"reader process died (exit code {exc.exitcode})"
        if max_memory_mb:  # a library that aborts when an allocation fails dies this way
            reason += f", perhaps at its memory limit (--max-memory {max_memory_mb} MiB)"
    except MemoryError:
        reason = out_of_memory(max_memory_mb)
    except Exception as exc:
        reason = f"internal error ({type(exc).__name__}: {exc})"
    return FileResult(failed_document(source, reason), [])


def out_of_memory(max_memory_mb: int | None) -> str:
    """The one line for a file whose reading ran out of memory."""
    limit = f" (--max-memory {max_memory_mb} MiB)" if max_memory_mb else ""
    return f"out of memory: reading the file needs more than its worker may use{limit}"


def check_options(
    jobs: int | None, timeout: float, max_memory_mb: int = DEFAULT_MAX_MEMORY_MB
) -> None:
    """Refuse options that would make a run meaningless: `ValueError` naming the option."""
    check_max_memory(max_memory_mb)
    if jobs is not None and jobs < 1:
        raise ValueError(f"--jobs must be at least 1, not {jobs}")
    if not (math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"--timeout must be a positive number of seconds, not {timeout:g}")


def check_paths(raw_dir: Path, out_dir: Path) -> None:
    """Refuse an OUT that publishing would harm (`ValueError`): publishing replaces the whole
    folder, so OUT must be new, empty or a dataset (it has a datapackage.json), never a
    folder of other things (`--out .`, `--out ~`) nor one that holds the decrees."""
    raw, out = raw_dir.resolve(), out_dir.resolve()
    if raw.is_relative_to(out):
        raise ValueError(f"--out {out_dir} holds the decrees in {raw_dir}: choose another folder")
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out_dir} is a file, not a folder")
    if out.is_dir() and not (out / DATAPACKAGE).is_file() and any(out.iterdir()):
        raise ValueError(
            f"--out {out_dir} is not a dataset (no {DATAPACKAGE}) and not empty: "
            "choose a new or empty folder"
        )


def ingest(
    raw_dir: Path,
    out_dir: Path,
    *,
    jobs: int | None = None,
    use_cache: bool = True,
    cache_dir: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    allow_empty: bool = False,
    on_file: Callable[[FileResult], None] | None = None,
    on_wait: Callable[[Path], object] | None = None,
    max_memory_mb: int = DEFAULT_MAX_MEMORY_MB,
) -> RunSummary:
    """Build the dataset in `out_dir` from every decree below `raw_dir`.

    The run holds `out_dir`'s lock (another run into it waits; `on_wait` is told), writes
    the new tables into a fresh folder and publishes it in one step; a run that read no
    decree raises `NothingRead` and leaves the previous dataset as it was, unless
    `allow_empty`. `cache_dir` is the cache root (default `plan_etl.paths.cache_root()`).
    Reading a file may make its worker map `max_memory_mb` MiB more (`plan_etl.limits`).
    Options and folders that make no sense raise `ValueError` before anything is read.
    """
    check_options(jobs, timeout, max_memory_mb)
    check_paths(raw_dir, out_dir)
    started = time.perf_counter()
    out_dir = out_dir.resolve()  # a symlinked dataset folder: publish where it points
    inputs = discover(raw_dir)
    cache = ResultCache((cache_dir or cache_root()) / RESULTS if use_cache else None)
    summary = RunSummary(skipped=len(inputs.skipped), unreadable_folders=len(inputs.unreadable))
    summary.failures += inputs.unreadable
    linker = Linker()
    changes: list[PlanChange] = []  # every amending decree's, small: applied at the end
    with dataset_lock(out_dir, on_wait):
        remove_leftovers(out_dir)
        writer = DatasetWriter(out_dir)
        try:
            workers = worker_count(jobs, max_memory_mb)
            results = _results(inputs.decrees, raw_dir, cache, workers, timeout, max_memory_mb)
            for result, how in results:
                document, activities = linker.add(result.document, result.activities)
                amendments = [] if document.duplicate_of else result.amendments
                writer.write("activities", activities)
                changes.extend(amendments)
                summary.add(document, len(activities), how)
                for demoted in linker.demoted:  # an earlier copy of a decree this file carries
                    writer.drop("activities", demoted.doc_id)  # better: its rows go
                    changes = [c for c in changes if c.doc_id != demoted.doc_id]  # its changes too
                    summary.demote(demoted)
                linker.demoted.clear()
                if on_file:
                    on_file(FileResult(document, activities, amendments))
            if not summary.read and not allow_empty:
                raise NothingRead(summary)
            documents = linker.finish()
            summary.name_duplicates(documents, linker.kept_because)
            writer.write("documents", documents)
            writer.write("catalogue", load_catalogue())
            _write_in_force(writer, documents, changes, summary)
        except BaseException:
            writer.abort()
            raise
        writer.commit()  # tables, datapackage.json, one swap
    summary.published = True
    summary.seconds = time.perf_counter() - started
    return summary
