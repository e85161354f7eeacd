"""The ingest run: source files → raw blocks → logical rows → records → Parquet.

Files are parsed by an executor (`executors`: local worker processes, or a Dask cluster's
workers), results are written in sorted-path order whatever order workers finish in, and
each file's result is cached (`cache`) under its content hash and the parser version
(`versions`), so an unchanged file is never parsed twice. Duplicates, amendment links, the
order of the output and the atomic publish stay here, on the client, whichever executor
parses; what the run did is counted in a `summary.RunSummary`.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from plan_etl.amend.apply import build_in_force
from plan_etl.cache import RESULTS as RESULTS
from plan_etl.cache import ResultCache as ResultCache
from plan_etl.catalogue import load_catalogue
from plan_etl.datapackage import FILENAME as DATAPACKAGE
from plan_etl.executors import Executor, LocalPool
from plan_etl.executors import window_size as window_size  # re-exported: their old home
from plan_etl.executors import worker_started as _worker_started  # noqa: F401 (old home)
from plan_etl.extract import SUFFIXES, source_format
from plan_etl.files import Inputs, fingerprint, why_unreadable
from plan_etl.files import discover as discover_entries
from plan_etl.limits import DEFAULT_MAX_MEMORY_MB, check_max_memory, worker_count
from plan_etl.links import Linker, rows_fingerprint
from plan_etl.models import SCHEMA_VERSION, Document, PlanChange
from plan_etl.packing import unpacked_table
from plan_etl.paths import cache_root
from plan_etl.runs import RUNS, Runs, run_key
from plan_etl.source import Source, failed_document
from plan_etl.sources import Folder, Location, is_url, list_files, read_bytes, suffix, url_fs
from plan_etl.summary import NothingRead as NothingRead
from plan_etl.summary import Reading as Reading
from plan_etl.summary import RunSummary as RunSummary
from plan_etl.task import MAX_TIMEOUT_SCALE as MAX_TIMEOUT_SCALE
from plan_etl.task import TIMEOUT_PAGES as TIMEOUT_PAGES  # re-exported: their old home
from plan_etl.task import FileResult as FileResult
from plan_etl.task import Packing
from plan_etl.task import out_of_memory as out_of_memory
from plan_etl.task import process_file as process_file
from plan_etl.task import time_allowed as time_allowed
from plan_etl.versions import _NOT_PARSING as _NOT_PARSING
from plan_etl.versions import code_version as code_version
from plan_etl.versions import dataset_code_version, parser_version
from plan_etl.write import DatasetWriter, dataset_lock, remove_leftovers

DEFAULT_TIMEOUT = 120.0


def discover(raw_dir: Location) -> Inputs:
    """Every entry below `raw_dir`, sorted by relative path: decrees (by suffix,
    `extract.SUFFIXES`), others (a README, an image: skipped and counted), and folders that
    could not be listed. A local folder is walked by `plan_etl.files.discover`; a URL is
    listed through fsspec (an object store has no unreadable sub-folders)."""
    if not is_url(raw_dir):
        return discover_entries(Path(raw_dir), SUFFIXES)
    files: list[Location] = [url for url, _ in list_files(str(raw_dir))]
    decrees = [p for p in files if suffix(p) in SUFFIXES]
    return Inputs(decrees, [p for p in files if suffix(p) not in SUFFIXES])  # type: ignore[arg-type]


def relative_name(location: Location, raw_dir: Location) -> str:
    """The file's path below the raw folder or URL: `source_file` in the dataset, the same
    for the same layout wherever it is stored."""
    if isinstance(location, Path):
        return location.relative_to(raw_dir).as_posix()
    root, path = url_fs(str(raw_dir))[1].rstrip("/"), url_fs(location)[1]
    return path[len(root) :].lstrip("/")


def identify(path: Location, raw_dir: Location) -> tuple[Source, str | None]:
    """The file's identity from its bytes, and the read error if it cannot be read. An empty
    file is refused here, before duplicate detection, which would otherwise call every empty
    file after the first a copy of it; so is what is not a regular file or is too large."""
    rel = relative_name(path, raw_dir)
    fmt = source_format(PurePosixPath(rel))  # type: ignore[arg-type]
    try:
        if isinstance(path, Path):
            found = fingerprint(path)
            sha, blank = found.sha256, found.blank
        else:
            data = read_bytes(path)
            sha, blank = hashlib.sha256(data).hexdigest(), not data.strip()
        error = "empty file" if blank else None
    except OSError as exc:
        cause = why_unreadable(path, exc) if isinstance(path, Path) else exc.strerror or exc
        sha, error = "", f"cannot read file: {cause}"
    doc_id = (sha or hashlib.sha256(rel.encode()).hexdigest())[:16]
    return Source(doc_id, rel, fmt, sha), error  # type: ignore[arg-type]


@dataclass(slots=True)
class _Item:
    """One file of the run: its identity, and a verdict already reached without parsing
    (duplicate, unreadable) or whether a cached result waits for it."""

    path: Location
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


def _plan(files: list[Location], raw_dir: Location, cache: ResultCache) -> list[_Item]:
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


def _results(
    items: list[_Item],
    cache: ResultCache,
    executor: Executor,
    timeout: float,
    packing: Packing | None = None,
) -> Iterator[tuple[FileResult, Reading]]:
    """(result, how it was reached) per file, in the order of `files`.

    Files to parse are handed to `executor` in that same order, at most `executor.window`
    ahead of the file being yielded, so memory does not grow with the corpus however the
    workers' finishing order differs from the writing order; their rows packed by the
    worker when `packing` asks (`plan_etl.packing`).
    """
    load_catalogue()  # warm the matcher's data once; forked workers share it
    to_parse = [i for i, item in enumerate(items) if item.verdict is None and not item.cached]
    with executor:
        started = False
        futures: dict[int, object] = {}
        pending = deque(to_parse)  # indices of files not yet scheduled, in order

        def schedule(index: int) -> None:
            nonlocal started
            if not started:  # workers start only for a run that parses
                executor.start([items[i].path for i in to_parse] or [items[index].path])
                started = True
            item = items[index]
            futures[index] = executor.submit(item.path, item.source, timeout, packing)

        def top_up() -> None:
            while pending and (not started or len(futures) < executor.window):
                schedule(pending.popleft())

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
            result = executor.result(futures.pop(index), item.source)
            top_up()  # keep the workers busy while this result is written
            cache.put(item.source, result)
            yield result, "parsed"


def _fingerprint(result: FileResult) -> str | None:
    """The file's rows' fingerprint for the duplicate check, packed or made here."""
    return result.packed.fingerprint if result.packed else rows_fingerprint(result.activities)


def _write_rows(writer: DatasetWriter, result: FileResult) -> None:
    """The file's activities into the table: as the worker packed them, or as models."""
    if result.packed:
        writer.write_arrow("activities", unpacked_table(result.packed))
    else:
        writer.write("activities", result.activities)


def _write_in_force(
    writer: DatasetWriter, documents: list[Document], changes: list[PlanChange], summary: RunSummary
) -> None:
    """Apply every amendment of the run to the plans it names (the activities written so far,
    read back from the staging folder) and write `amendments` and `in_force`."""
    activities = writer.finish_table("activities")
    built = build_in_force(activities, documents, changes)
    writer.write("amendments", built.amendments)
    for plan in built.plans:
        writer.write_arrow("in_force", plan)
    summary.not_applied = built.not_applied


def _inputs_key(items: list[_Item], skipped: int) -> str:
    """What this run's dataset depends on (`runs.run_key`)."""
    versions = f"{SCHEMA_VERSION}:{dataset_code_version()}:{parser_version()}"
    return run_key(
        versions, ((i.source.source_file, i.source.sha256 or "") for i in items), skipped
    )


def _counts(summary: RunSummary) -> dict[str, object] | None:
    """A clean run's summary counts, for `Runs.record`; None for a run with messages of its
    own (a failure, a duplicate, an amendment not applied), which is always built again."""
    if summary.failures or summary.duplicates or summary.not_applied:
        return None
    return {"statuses": dict(summary.statuses), "rows": summary.rows}


def _recorded(summary: RunSummary, counts: dict[str, Any]) -> None:
    """The summary of a run that found its dataset built: the recorded counts, every file
    counted as read from the cache."""
    summary.statuses = Counter({k: int(v) for k, v in counts["statuses"].items()})
    summary.rows = int(counts["rows"])
    summary.cached = sum(summary.statuses.values())
    summary.unchanged = summary.published = True


def check_options(
    jobs: int | None, timeout: float, max_memory_mb: int = DEFAULT_MAX_MEMORY_MB
) -> None:
    """Refuse options that would make a run meaningless: `ValueError` naming the option."""
    check_max_memory(max_memory_mb)
    if jobs is not None and jobs < 1:
        raise ValueError(f"--jobs must be at least 1, not {jobs}")
    if not (math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"--timeout must be a positive number of seconds, not {timeout:g}")


def check_paths(raw_dir: Location, out_dir: Path) -> None:
    """Refuse an OUT that publishing would harm (`ValueError`): publishing replaces the whole
    folder, so OUT must be new, empty or a dataset (it has a datapackage.json), never a
    folder of other things (`--out .`, `--out ~`) nor one that holds the decrees."""
    out = out_dir.resolve()
    if not is_url(raw_dir) and Path(raw_dir).resolve().is_relative_to(out):
        raise ValueError(f"--out {out_dir} holds the decrees in {raw_dir}: choose another folder")
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out_dir} is a file, not a folder")
    if out.is_dir() and not (out / DATAPACKAGE).is_file() and any(out.iterdir()):
        raise ValueError(
            f"--out {out_dir} is not a dataset (no {DATAPACKAGE}) and not empty: "
            "choose a new or empty folder"
        )


def ingest(
    raw_dir: Location,
    out_dir: Path,
    *,
    jobs: int | None = None,
    executor: Executor | None = None,
    use_cache: bool = True,
    cache_dir: Location | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    allow_empty: bool = False,
    on_file: Callable[[FileResult], None] | None = None,
    on_progress: Callable[[Document, int], None] | None = None,
    on_wait: Callable[[Path], object] | None = None,
    max_memory_mb: int = DEFAULT_MAX_MEMORY_MB,
) -> RunSummary:
    """Build the dataset in `out_dir` from every decree below `raw_dir` (a folder, or an
    fsspec URL such as `s3://bucket/raw`).

    Files are parsed by `executor` (default: a pool of `jobs` local processes, each allowed
    to map `max_memory_mb` MiB more, `plan_etl.limits`; see `cluster.DaskCluster` for a
    cluster). The run holds `out_dir`'s lock (another run into it waits; `on_wait` is told),
    writes the new tables into a fresh folder and publishes it in one step; a run that read
    no decree raises `NothingRead` and leaves the previous dataset as it was, unless
    `allow_empty`. `cache_dir` is the cache root, a folder or a URL (default
    `plan_etl.paths.cache_root()`). After each file, `on_file` is handed its records as
    written (which keeps the workers from packing rows, `plan_etl.packing`), `on_progress`
    its document row and the number of its rows written. Options and folders that make no
    sense raise `ValueError` before anything is read.
    """
    check_options(jobs, timeout, max_memory_mb)
    check_paths(raw_dir, out_dir)
    started = time.perf_counter()
    out_dir = out_dir.resolve()  # a symlinked dataset folder: publish where it points
    inputs = discover(raw_dir)
    root = Folder(cache_dir or cache_root())
    cache = ResultCache(root.child(RESULTS) if use_cache else None)
    runs = Runs(root.child(RUNS) if cache.folder else None)
    summary = RunSummary(skipped=len(inputs.skipped), unreadable_folders=len(inputs.unreadable))
    summary.failures += inputs.unreadable
    linker = Linker()
    changes: list[PlanChange] = []  # every amending decree's, small: applied at the end
    with dataset_lock(out_dir, on_wait):
        remove_leftovers(out_dir)
        items = _plan(inputs.decrees, raw_dir, cache)
        key = _inputs_key(items, summary.skipped)
        counts = runs.built(out_dir, key)
        if counts is not None:  # the folder holds what this run would write: leave it
            _recorded(summary, counts)
            summary.seconds = time.perf_counter() - started
            return summary
        writer = DatasetWriter(out_dir)
        try:
            executor = executor or LocalPool(worker_count(jobs, max_memory_mb), max_memory_mb)
            packing = None
            if executor.packs and on_file is None:
                packing = Packing(cache_entry=cache.folder is not None)
            results = _results(items, cache, executor, timeout, packing)
            for result, how in results:
                document = linker.add(result.document, _fingerprint(result))
                kept = not document.duplicate_of  # a duplicate's rows are not written again
                if kept:
                    _write_rows(writer, result)
                    changes.extend(result.amendments)
                summary.add(document, result.row_count if kept else 0, how)
                for demoted in linker.demoted:  # an earlier copy of a decree this file carries
                    writer.drop("activities", demoted.doc_id)  # better: its rows go
                    changes = [c for c in changes if c.doc_id != demoted.doc_id]  # its changes too
                    summary.demote(demoted)
                linker.demoted.clear()
                if on_file:  # the rows are models here: a run with `on_file` does not pack
                    rows, amendments = (result.activities, result.amendments) if kept else ([], [])
                    on_file(FileResult(document, rows, amendments))
                if on_progress:
                    on_progress(document, result.row_count if kept else 0)
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
        runs.record(out_dir, key, _counts(summary))
    summary.published = True
    summary.seconds = time.perf_counter() - started
    return summary
