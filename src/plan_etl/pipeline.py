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
import os
import pickle
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from plan_etl import __version__
from plan_etl.assemble import assemble
from plan_etl.catalogue import load_catalogue
from plan_etl.datapackage import write_datapackage
from plan_etl.extract import ExtractError, extractor_for, source_format
from plan_etl.models import Activity, Document
from plan_etl.records import Source, build_records, failed_document
from plan_etl.write import DatasetWriter

if TYPE_CHECKING:
    from pebble import ProcessPool

DEFAULT_TIMEOUT = 120.0


@dataclass(frozen=True, slots=True)
class FileResult:
    """What one source file contributes to the dataset."""

    document: Document
    activities: list[Activity]


@dataclass(slots=True)
class RunSummary:
    """Counts for the closing line of `plan-etl ingest`."""

    statuses: Counter[str] = field(default_factory=Counter)
    rows: int = 0
    parsed: int = 0
    cached: int = 0
    seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def files(self) -> int:
        return sum(self.statuses.values())


# Modules that only present, check or write what the parse produced: a change to them does
# not change a file's records, so it must not throw away the whole cache.
_NOT_PARSING = frozenset(
    {"cli.py", "validate.py", "report.py", "loader.py", "write.py", "datapackage.py", "schemas.py"}
)


@cache
def parser_version() -> str:
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


def discover(raw_dir: Path) -> list[Path]:
    """Every non-hidden file below `raw_dir`, sorted by relative path. Files of formats we
    do not read are kept, and so are dangling symlinks (a decree someone meant to add): they
    get a `failed` record rather than vanishing silently."""
    files = [
        p
        for p in raw_dir.rglob("*")
        if (p.is_file() or (p.is_symlink() and not p.exists()))
        and not any(part.startswith(".") for part in p.relative_to(raw_dir).parts)
    ]
    return sorted(files, key=lambda p: p.relative_to(raw_dir).as_posix())


def identify(path: Path, raw_dir: Path) -> tuple[Source, str | None]:
    """The file's identity from its bytes, and the read error if it cannot be read. An empty
    file is refused here, before duplicate detection, which would otherwise call every empty
    file after the first a copy of it."""
    rel = path.relative_to(raw_dir).as_posix()
    fmt = source_format(path)
    try:
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        error = None if data.strip() else "empty file"
    except OSError as exc:
        dangling = path.is_symlink() and not path.exists()
        cause = "dangling symbolic link" if dangling else exc.strerror or exc
        sha, error = "", f"cannot read file: {cause}"
    doc_id = (sha or hashlib.sha256(rel.encode()).hexdigest())[:16]
    return Source(doc_id, rel, fmt, sha), error  # type: ignore[arg-type]


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


class ResultCache:
    """Pickled `FileResult`s keyed by content hash and parser version."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        if directory:
            directory.mkdir(parents=True, exist_ok=True)
            self.prune()

    def prune(self) -> None:
        """Drop entries of other parser versions: no run of this code can use them, and
        without this the cache would grow with every parser change."""
        assert self.directory is not None
        keep = f"-{parser_version()}.pkl"
        for entry in self.directory.glob("*.pkl"):
            if not entry.name.endswith(keep):
                entry.unlink(missing_ok=True)

    def _path(self, source: Source) -> Path | None:
        if not self.directory or not source.sha256:
            return None
        return self.directory / f"{source.sha256}-{parser_version()}.pkl"

    def has(self, source: Source) -> bool:
        path = self._path(source)
        return bool(path and path.exists())

    def get(self, source: Source) -> FileResult | None:
        path = self._path(source)
        if not path or not path.exists():
            return None
        try:
            result: FileResult = pickle.loads(path.read_bytes())
        except Exception:  # a truncated or stale entry is a cache miss, not an error
            return None
        return _relocated(result, source)

    def put(self, source: Source, result: FileResult) -> None:
        path = self._path(source)
        if path and result.document.status != "failed":
            tmp = path.with_suffix(f".tmp-{os.getpid()}")
            tmp.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(tmp, path)


def _relocated(result: FileResult, source: Source) -> FileResult:
    """A cached result for the same bytes found under another path."""
    if result.document.source_file == source.source_file:
        return result
    where = {"source_file": source.source_file}
    return FileResult(
        result.document.model_copy(update=where),
        [a.model_copy(update=where) for a in result.activities],
    )


@dataclass(slots=True)
class _Item:
    """One file of the run: its identity, and a verdict already reached without parsing
    (duplicate, unreadable) or whether a cached result waits for it."""

    path: Path
    source: Source
    verdict: FileResult | None = None
    cached: bool = False


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
            dup = f"duplicate of {seen[source.sha256]} (same bytes)"
            item.verdict = FileResult(failed_document(source, dup), [])
        else:
            seen[source.sha256] = source.source_file
            item.cached = cache.has(source)
        items.append(item)
    return items


def default_jobs() -> int:
    """The cores this process may run on (the affinity mask, not the host's count, which
    a container or `taskset` may restrict)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def window_size(jobs: int) -> int:
    """How many files may be scheduled ahead of the one being written: enough to keep every
    worker busy while one slow file holds up the ordered output, few enough that finished
    results waiting their turn stay a handful of decrees in memory."""
    return 4 * jobs


def _worker_started() -> None:
    """Tune the collector in a fresh worker. Everything it inherited from the parent (the
    imported libraries, the catalogue) is frozen out of collections, so those pages are
    neither scanned nor copied on write; and since parsing a page allocates hundreds of
    thousands of short-lived objects, the youngest generation is collected every 10,000
    allocations instead of 700 (measured on the bench corpus: ~10% less CPU a page)."""
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def _preload_extractors(paths: Iterable[Path]) -> None:
    """Import the backends the files to parse need (pdfplumber, python-docx) once, in the
    parent, so the forked workers share them instead of each importing its own."""
    for suffix in {p.suffix.lower() for p in paths}:
        with suppress(ExtractError):
            extractor_for(Path(f"x{suffix}"))


def _results(
    files: list[Path], raw_dir: Path, cache: ResultCache, jobs: int, timeout: float
) -> Iterator[tuple[FileResult, bool]]:
    """(result, parsed?) per file, in the order of `files`.

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
        pending = iter(to_parse)  # indices of files not yet scheduled, in order

        def schedule(index: int) -> None:
            nonlocal pool
            if pool is None:
                from pebble import ProcessPool  # asyncio and all: only a run that parses pays

                _preload_extractors(items[i].path for i in to_parse)
                workers = max(1, min(jobs, len(to_parse) or 1))
                pool = stack.enter_context(
                    ProcessPool(max_workers=workers, initializer=_worker_started)
                )
            item = items[index]
            futures[index] = pool.schedule(
                process_file, args=(item.path, item.source), timeout=timeout
            )

        def top_up() -> None:
            while len(futures) < window_size(jobs):
                index = next(pending, None)
                if index is None:
                    return
                schedule(index)

        for index, item in enumerate(items):
            if item.verdict is not None:
                yield item.verdict, False
                continue
            if item.cached:
                result = cache.get(item.source)
                if result is not None:
                    yield result, False
                    continue
                schedule(index)  # an unreadable cache entry: parse the file after all
            top_up()
            result = _wait(futures.pop(index), item.source, timeout)
            top_up()  # keep the workers busy while this result is written
            cache.put(item.source, result)
            yield result, True


def _wait(future: object, source: Source, timeout: float) -> FileResult:
    from pebble import ProcessExpired

    try:
        return future.result()  # type: ignore[attr-defined]
    except FutureTimeout:
        reason = f"timed out after {timeout:g} s (file too large or pathological)"
    except ProcessExpired as exc:
        reason = f"reader process died (exit code {exc.exitcode})"
    except Exception as exc:
        reason = f"internal error ({type(exc).__name__}: {exc})"
    return FileResult(failed_document(source, reason), [])


def ingest(
    raw_dir: Path,
    out_dir: Path,
    *,
    jobs: int | None = None,
    use_cache: bool = True,
    cache_dir: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    on_file: Callable[[FileResult], None] | None = None,
) -> RunSummary:
    """Build the dataset in `out_dir` from every decree below `raw_dir`.

    The previous dataset is replaced only when the whole run has been written;
    `datapackage.json` is rewritten right after, from the committed files.
    """
    started = time.perf_counter()
    files = discover(raw_dir)
    cache = ResultCache((cache_dir or out_dir / ".cache") if use_cache else None)
    summary = RunSummary()
    with DatasetWriter(out_dir) as writer:
        for result, parsed in _results(files, raw_dir, cache, jobs or default_jobs(), timeout):
            writer.write("documents", [result.document])
            writer.write("activities", result.activities)
            doc = result.document
            summary.statuses[doc.status] += 1
            summary.rows += len(result.activities)
            summary.parsed += parsed
            summary.cached += not parsed and doc.status != "failed"
            if doc.status == "failed":
                summary.failures.append((doc.source_file, doc.error or ""))
            if on_file:
                on_file(result)
        writer.write("catalogue", load_catalogue())
    write_datapackage(out_dir)  # describes the tables just committed, hashes included
    summary.seconds = time.perf_counter() - started
    return summary
