"""Where the per-file work runs: a pool of local processes (`LocalPool`, here), or the
workers of a Dask cluster (`cluster.DaskCluster`, imported only when asked for).

The pipeline decides what to parse and in which order, and writes the results in that order;
an `Executor` only runs `task.process_file` on the files it is handed and gives back a
`FileResult` for each, a `failed` one when the file hung or killed its reader. Both guard a
file the same way, in a pebble process pool (pebble kills and replaces a worker that exceeds
the per-file timeout or dies, which concurrent.futures cannot do), so a run on a cluster
writes the same tables, failures included, as a local one.
"""

from __future__ import annotations

import gc
import os
from abc import ABC, abstractmethod
from collections.abc import Iterable
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

from plan_etl.extract import ExtractError, extractor_for
from plan_etl.limits import DEFAULT_MAX_MEMORY_MB, cores, protect_worker
from plan_etl.source import Source
from plan_etl.sources import Location, on_disk, suffix
from plan_etl.task import FileResult, Packing, failed, process_file, settle, time_allowed

LOCAL_PREFIX = "local:"  # `--dask local:N`: a LocalCluster of N worker processes


class ClusterError(RuntimeError):
    """The cluster cannot be used (unreachable, or its workers run other parser code)."""


class Executor(ABC):
    """Runs files' work somewhere. `start` is called once, before the first `submit`, with
    every file the run will parse; `window` is then how many files may be in flight at once:
    enough to keep every worker busy while one slow file holds up the ordered output, few
    enough that finished results waiting their turn stay a handful of decrees in memory."""

    window: int = 1
    packs: bool = False  # whether its workers should pack rows (`plan_etl.packing`)

    @abstractmethod
    def start(self, files: list[Location]) -> None: ...

    @abstractmethod
    def submit(
        self, location: Location, source: Source, timeout: float, packing: Packing | None = None
    ) -> object:
        """Start the work on one file, allowed `timeout` seconds (more for a long PDF), its
        rows packed as `packing` asks."""

    @abstractmethod
    def result(self, ticket: object, source: Source) -> FileResult:
        """Wait for a submitted file's result; never raises for the file's own failure."""

    @abstractmethod
    def close(self) -> None:
        """Stop the workers this executor started."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def window_size(jobs: int) -> int:
    """Files in flight for `jobs` workers (see `Executor`)."""
    return 4 * jobs


def worker_started(max_memory_mb: int | None = None, parent: int | None = None) -> None:
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


def preload_extractors(suffixes: Iterable[str]) -> None:
    """Import the backends the files to parse need (pdfplumber, python-docx) and build what
    every file's normalizing needs (the matcher's index with its dictionary, the metadata
    reader's region patterns) once, in the parent, so the forked workers share them instead
    of each building its own on its first file (≈ 0.5 s). Imported here, not with this
    module: a run whose files all come from the cache never needs them."""
    from plan_etl.match import warm_matcher
    from plan_etl.normalize.metadata import warm_metadata

    for module in ("plan_etl.records", "plan_etl.amend.records"):  # what `process_file` uses
        import_module(module)
    for each in set(suffixes):
        with suppress(ExtractError):
            extractor_for(Path(f"x{each}"))
    warm_matcher()
    warm_metadata()


@dataclass(slots=True)
class _Ticket:
    """A file handed to the local pool: its future (None when it could not even be copied
    to disk), the seconds it was allowed, and the temporary copy to remove afterwards."""

    future: object | None
    allowed: float
    copy: ExitStack = field(default_factory=ExitStack)
    error: str = ""


class LocalPool(Executor):
    """`jobs` worker processes of this machine, started when the first file is submitted
    (pebble, and asyncio with it, is imported only by a run that parses), each allowed to
    map `max_memory_mb` MiB more than it inherited and ended with the run
    (`plan_etl.limits`). Its workers pack rows when they are as many as the cores this
    process may use, so the parent has none to spare (`packs`; `plan_etl.packing`)."""

    def __init__(
        self,
        jobs: int,
        max_memory_mb: int | None = DEFAULT_MAX_MEMORY_MB,
        packs: bool | None = None,
    ) -> None:
        self.jobs = jobs
        self.max_memory_mb = max_memory_mb
        self.window = window_size(jobs)
        self.packs = jobs >= cores() if packs is None else packs
        self._stack = ExitStack()
        self._pool: Any = None

    def start(self, files: list[Location]) -> None:
        from pebble import ProcessPool

        preload_extractors(suffix(f) for f in files)
        workers = max(1, min(self.jobs, len(files) or 1))
        self._pool = self._stack.enter_context(
            ProcessPool(
                max_workers=workers,
                initializer=worker_started,
                initargs=(self.max_memory_mb, os.getpid()),
            )
        )

    def submit(
        self, location: Location, source: Source, timeout: float, packing: Packing | None = None
    ) -> _Ticket:
        ticket = _Ticket(None, timeout)
        try:
            path = ticket.copy.enter_context(on_disk(location))
        except OSError as exc:
            ticket.error = f"cannot read file: {exc}"
            return ticket
        ticket.allowed = time_allowed(path, timeout)
        ticket.future = self._pool.schedule(
            process_file, args=(path, source, packing), timeout=ticket.allowed
        )
        return ticket

    def result(self, ticket: object, source: Source) -> FileResult:
        assert isinstance(ticket, _Ticket)
        with ticket.copy:
            if ticket.future is None:
                return failed(source, ticket.error)
            return settle(ticket.future, source, ticket.allowed, self.max_memory_mb)

    def close(self) -> None:
        self._stack.close()


def check_address(address: str) -> None:
    """Refuse a `--dask` value that names no cluster (`ValueError`)."""
    if address.startswith(LOCAL_PREFIX):
        count = address.removeprefix(LOCAL_PREFIX)
        if not (count.isdigit() and int(count) >= 1):
            raise ValueError(f"--dask local:N needs a number of workers N ≥ 1, not {address!r}")
    elif "://" not in address:
        raise ValueError(
            f"--dask takes a scheduler address (tcp://HOST:8786) or local:N, not {address!r}"
        )
