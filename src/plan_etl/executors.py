"""Where the per-file work runs: a pool of local processes, or the workers of a Dask cluster.

The pipeline decides what to parse and in which order, and writes the results in that order;
an `Executor` only runs `task.process_file` on the files it is handed and gives back a
`FileResult` for each, a `failed` one when the file hung or killed its reader. Both guard a
file the same way, in a pebble process pool (pebble kills and replaces a worker that exceeds
the per-file timeout or dies, which concurrent.futures cannot do), so a run on a cluster
writes the same tables, failures included, as a local one.
"""

from __future__ import annotations

import gc
import multiprocessing
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plan_etl.extract import SUFFIXES, ExtractError, extractor_for
from plan_etl.records import Source
from plan_etl.sources import Location, on_disk, suffix
from plan_etl.task import FileResult, failed, process_file, settle, time_allowed

LOCAL_PREFIX = "local:"  # `--dask local:N`: a LocalCluster of N worker processes
CONNECT_TIMEOUT = "20s"  # how long to try reaching a scheduler before the run gives up


class ClusterError(RuntimeError):
    """The cluster cannot be used (unreachable, or its workers run other parser code)."""


class Executor(ABC):
    """Runs files' work somewhere. `start` is called once, before the first `submit`, with
    every file the run will parse; `window` is then how many files may be in flight at once:
    enough to keep every worker busy while one slow file holds up the ordered output, few
    enough that finished results waiting their turn stay a handful of decrees in memory."""

    window: int = 1

    @abstractmethod
    def start(self, files: list[Location]) -> None: ...

    @abstractmethod
    def submit(self, location: Location, source: Source, timeout: float) -> object:
        """Start the work on one file, allowed `timeout` seconds (more for a long PDF)."""

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


def worker_started() -> None:
    """Tune the collector in a fresh worker. Everything it inherited from the parent (the
    imported libraries, the catalogue) is frozen out of collections, so those pages are
    neither scanned nor copied on write; and since parsing a page allocates hundreds of
    thousands of short-lived objects, the youngest generation is collected every 10,000
    allocations instead of 700 (measured on the bench corpus: ~10% less CPU a page)."""
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def preload_extractors(suffixes: Iterable[str]) -> None:
    """Import the backends the files to parse need (pdfplumber, python-docx) once, in the
    parent, so the forked workers share them instead of each importing its own."""
    for each in set(suffixes):
        with suppress(ExtractError):
            extractor_for(Path(f"x{each}"))


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
    (pebble, and asyncio with it, is imported only by a run that parses)."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.window = window_size(jobs)
        self._stack = ExitStack()
        self._pool: Any = None

    def start(self, files: list[Location]) -> None:
        from pebble import ProcessPool

        preload_extractors(suffix(f) for f in files)
        workers = max(1, min(self.jobs, len(files) or 1))
        self._pool = self._stack.enter_context(
            ProcessPool(max_workers=workers, initializer=worker_started)
        )

    def submit(self, location: Location, source: Source, timeout: float) -> _Ticket:
        ticket = _Ticket(None, timeout)
        try:
            path = ticket.copy.enter_context(on_disk(location))
        except OSError as exc:
            ticket.error = f"cannot read file: {exc}"
            return ticket
        ticket.allowed = time_allowed(path, timeout)
        ticket.future = self._pool.schedule(
            process_file, args=(path, source), timeout=ticket.allowed
        )
        return ticket

    def result(self, ticket: object, source: Source) -> FileResult:
        assert isinstance(ticket, _Ticket)
        with ticket.copy:
            if ticket.future is None:
                return failed(source, ticket.error)
            return settle(ticket.future, source, ticket.allowed)

    def close(self) -> None:
        self._stack.close()


# --- Dask -----------------------------------------------------------------------------------

_WORKER_POOL: Any = None
_WORKER_LOCK = threading.Lock()


def prepare_worker(suffixes: Iterable[str] = SUFFIXES) -> None:
    """Make this Dask worker's pool (`_worker_pool`), with the readers of `suffixes` and
    the catalogue loaded first, so its forked reader processes share them."""
    _worker_pool(suffixes)


def _worker_pool(suffixes: Iterable[str] = SUFFIXES) -> Any:
    """This Dask worker's own pebble pool, one reader process per worker thread, made when
    the run starts (or on the first file of a worker that joined later). A Dask task cannot
    be stopped once running, and a crash in it kills the worker, which Dask would then
    retry elsewhere, crashing worker after worker: so the file is read in a child process,
    as locally, and a hang or a crash ends as a `failed` record instead. Dask runs its
    worker processes as daemons, which multiprocessing forbids to have children; the flag
    only tells the worker's own parent (the nanny) to end it on exit, so clearing it in
    the worker changes nothing else."""
    global _WORKER_POOL
    with _WORKER_LOCK:
        if _WORKER_POOL is None:
            from distributed import get_worker
            from pebble import ProcessPool

            multiprocessing.current_process()._config["daemon"] = False  # type: ignore[attr-defined]
            preload_extractors(suffixes)
            from plan_etl.catalogue import load_catalogue

            load_catalogue()  # read once here; the forked readers share it
            threads = get_worker().state.nthreads
            _WORKER_POOL = ProcessPool(max_workers=threads, initializer=worker_started)
        return _WORKER_POOL


def run_on_worker(location: Location, source: Source, timeout: float) -> FileResult:
    """A Dask task: one file read in this worker's pool, as `LocalPool` reads it."""
    try:
        with on_disk(location) as path:
            allowed = time_allowed(path, timeout)
            future = _worker_pool().schedule(process_file, args=(path, source), timeout=allowed)
            return settle(future, source, allowed)
    except OSError as exc:
        return failed(source, f"cannot read file on the worker: {exc}")


def _worker_parser_version() -> str:
    from plan_etl.pipeline import parser_version

    return parser_version()


class DaskCluster(Executor):
    """The workers of a Dask cluster: `tcp://HOST:8786` (any scheduler address), or
    `local:N` for a LocalCluster of N single-threaded worker processes on this machine.
    Workers must have plan-etl of the same parser version installed (checked on start) and
    reach the source files: a shared path or a URL. `on_ready` is told the cluster's size
    and dashboard address."""

    def __init__(self, address: str, on_ready: Callable[[str], object] | None = None) -> None:
        check_address(address)
        self.address = address
        self.on_ready = on_ready
        self._stack = ExitStack()
        self._client: Any = None

    def start(self, files: list[Location]) -> None:
        from plan_etl.pipeline import parser_version

        self._client = self._connect()
        versions = set(self._client.run(_worker_parser_version).values())
        if versions - {parser_version()}:
            raise ClusterError(
                f"the workers of {self.address} run other plan-etl code "
                f"(parser {', '.join(sorted(versions))}, here {parser_version()}): "
                "install the same version on them"
            )
        self._client.run(prepare_worker, sorted({suffix(f) for f in files}))
        threads = sum(self._client.nthreads().values())
        self.window = window_size(max(1, threads))
        if self.on_ready:
            link = self._client.dashboard_link
            self.on_ready(f"dask: {threads} worker threads at {self.address}; dashboard {link}")

    def _connect(self) -> Any:
        import dask
        from distributed import Client, LocalCluster

        if self.address.startswith(LOCAL_PREFIX):
            import logging

            # workers reuse this process's imports through spawn; ports chosen freely, so
            # two runs (or a run and a test) on one machine never collide
            cluster = self._stack.enter_context(
                LocalCluster(
                    n_workers=int(self.address.removeprefix(LOCAL_PREFIX)),
                    threads_per_worker=1,
                    processes=True,
                    scheduler_port=0,
                    dashboard_address="127.0.0.1:0",
                    host="127.0.0.1",
                    silence_logs=logging.ERROR,
                )
            )
            return self._stack.enter_context(Client(cluster))
        try:
            with dask.config.set({"distributed.comm.timeouts.connect": CONNECT_TIMEOUT}):
                client = Client(self.address, timeout=CONNECT_TIMEOUT)
        except OSError as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {self.address}: {exc}") from exc
        return self._stack.enter_context(client)

    def submit(self, location: Location, source: Source, timeout: float) -> object:
        # pure=False: the same bytes under two names are two tasks (and copies never get
        # here); a key per call, so a rerun in the same session is not served stale
        return self._client.submit(run_on_worker, location, source, timeout, pure=False)

    def result(self, ticket: object, source: Source) -> FileResult:
        try:
            return ticket.result()  # type: ignore[attr-defined]
        except Exception as exc:  # the worker itself died too often (KilledWorker), etc.
            return failed(source, f"cluster error ({type(exc).__name__}: {exc})")

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
