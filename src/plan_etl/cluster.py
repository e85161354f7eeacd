"""The Dask executor: per-file work on the workers of a Dask cluster (docs/cluster.md).

The client (the `plan-etl ingest` process) keeps everything that needs the whole run: the
order of the output, duplicates, amendment links, the results cache and the atomic publish.
A worker only reads files. It reads each in a reader process of its own pebble pool, as
`executors.LocalPool` does locally: a Dask task cannot be stopped once running, and a crash
in it kills the worker, which Dask would then retry on another, crashing worker after worker.
In a reader process a hang is cut off at the timeout and a crash ends one reader, and the
file is `failed` with the same words as in a local run; the task itself always returns, so
Dask's retries are left for what they are for: a worker lost mid-run (its files are run
again elsewhere; none is lost).

This module imports distributed, so `plan-etl` imports it only for `--dask`.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any
from uuid import uuid4

import dask
from distributed import Client, LocalCluster, WorkerPlugin, get_worker

from plan_etl.executors import (
    LOCAL_PREFIX,
    ClusterError,
    Executor,
    check_address,
    preload_extractors,
    window_size,
    worker_started,
)
from plan_etl.limits import DEFAULT_MAX_MEMORY_MB
from plan_etl.source import Source
from plan_etl.sources import Location, on_disk, suffix
from plan_etl.task import FileResult, Packing, failed, process_file, settle, time_allowed

CONNECT_TIMEOUT = "20s"  # how long to try reaching a scheduler before the run gives up
# `local:N` shares this machine's cores with the readers, so its scheduler and workers look
# after themselves less often than Dask's defaults (a 20 ms loop tick, a 100 ms memory
# check, a 10 ms profiler): measured idle over 20 s with two workers, their own CPU fell
# from 4.8 % to 1.9 % of a core a worker, the client's and scheduler's from 4.7 % to 1.2 %
LOCAL_CLUSTER_CONFIG = {
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.worker.profile.enabled": False,
}
_READERS: Any = None  # this worker's pebble pool, made by `Readers.setup`
_PLUGIN: Any = None  # the `Readers` that made it (formats, memory ceiling), to make it again
_LOCK = threading.Lock()  # a worker with several threads makes one pool
POOL_TRIES = 3  # pools a file is handed to before it is `failed` (see `_read`)
POOL_CHECK = 1.0  # seconds between looks at whether pebble gave up on the pool


class Readers(WorkerPlugin):
    """A pebble pool on each worker, one reader process per worker thread, made when the
    run registers this plugin (and on a worker that joins or is restarted later), with the
    readers of the run's formats and the catalogue loaded first, so the forked readers
    share them; stopped with the worker, whose exit would otherwise wait on it. Each reader
    runs under the run's `--max-memory` ceiling and dies with its worker, as a local
    reader does (`plan_etl.limits`): Dask's own memory limit watches the worker process,
    not the readers it forks."""

    name = "plan-etl-readers"

    def __init__(self, suffixes: Iterable[str], max_memory_mb: int | None = None) -> None:
        self.suffixes = sorted(suffixes)
        self.max_memory_mb = max_memory_mb

    def setup(self, worker: Any) -> None:
        global _READERS, _PLUGIN
        from pebble import ProcessPool

        from plan_etl.catalogue import load_catalogue

        # Dask runs its workers as daemon processes, which multiprocessing forbids to have
        # children; the flag only tells the worker's parent (the nanny) to end it on exit,
        # so clearing it in the worker changes nothing else
        multiprocessing.current_process()._config["daemon"] = False  # type: ignore[attr-defined]
        preload_extractors(self.suffixes)
        load_catalogue()
        self.teardown(worker)
        # fork, as locally: a worker process was spawned, which makes spawn its default, and
        # a spawned reader would import everything again (~4 s) instead of sharing it
        _READERS = ProcessPool(
            max_workers=worker.state.nthreads,
            initializer=worker_started,
            initargs=(self.max_memory_mb, os.getpid()),
            context=multiprocessing.get_context("fork"),
        )
        _PLUGIN = self

    def teardown(self, worker: Any) -> None:
        global _READERS
        if _READERS is not None:
            _READERS.stop()
            _READERS.join()
            _READERS = None


def _readers() -> Any:
    """This worker's pool; a new one if pebble has given up on it. A reader killed from
    outside while idle (the OOM killer, say) can die holding the pool's channel lock, and
    pebble then refuses every later file ("Unexpected error within the Pool"): without a
    new pool, every file sent to this worker afterwards would fail."""
    with _LOCK:
        if _READERS is None or not _READERS.active:
            (_PLUGIN or Readers([])).setup(get_worker())
        return _READERS, _PLUGIN.max_memory_mb


def _read(path: Path, source: Source, allowed: float) -> FileResult:
    """`process_file` in a reader, with `allowed` seconds. Pebble may give up on the pool
    after the file was handed to it (a reader died holding the channel lock just before):
    the file then waits forever or ends with the pool's error (BrokenProcessPool), which
    is not the file's, so it is handed to a new pool, up to POOL_TRIES times."""
    for _ in range(POOL_TRIES):
        pool, max_memory_mb = _readers()
        future = pool.schedule(process_file, args=(path, source), timeout=allowed)
        while not future.done() and (future.running() or pool.active):
            wait([future], timeout=POOL_CHECK)
        if future.done() and (
            future.cancelled() or not isinstance(future.exception(), BrokenProcessPool)
        ):
            return settle(future, source, allowed, max_memory_mb)
    return failed(source, f"the worker's reader pool broke {POOL_TRIES} times")


def run_on_worker(location: Location, source: Source, timeout: float) -> FileResult:
    """A Dask task: one file read in this worker's pool, as `LocalPool` reads it."""
    try:
        with on_disk(location) as path:
            return _read(path, source, time_allowed(path, timeout))
    except OSError as exc:
        return failed(source, f"cannot read file on the worker: {exc}")


def _worker_parser_version() -> str:
    from plan_etl.versions import parser_version

    return parser_version()


class DaskCluster(Executor):
    """The workers of a Dask cluster: `tcp://HOST:8786` (any scheduler address), or
    `local:N` for a LocalCluster of N single-threaded worker processes on this machine.
    Workers must have plan-etl of the same parser version installed (checked on start) and
    reach the source files: a shared path or a URL. `on_ready` is told the cluster's size
    and dashboard address. Readers on the workers map at most `max_memory_mb` MiB more than
    they inherited (`--max-memory`; None: no ceiling)."""

    def __init__(
        self,
        address: str,
        on_ready: Callable[[str], object] | None = None,
        max_memory_mb: int | None = DEFAULT_MAX_MEMORY_MB,
    ) -> None:
        check_address(address)
        self.address = address
        self.on_ready = on_ready
        self.max_memory_mb = max_memory_mb
        self._stack = ExitStack()
        self._client: Any = None

    def start(self, files: list[Location]) -> None:
        from plan_etl.versions import parser_version

        self._client = self._connect()
        versions = set(self._client.run(_worker_parser_version).values())
        if versions - {parser_version()}:
            raise ClusterError(
                f"the workers of {self.address} run other plan-etl code "
                f"(parser {', '.join(sorted(versions))}, here {parser_version()}): "
                "install the same version on them"
            )
        self._client.register_plugin(Readers({suffix(f) for f in files}, self.max_memory_mb))
        threads = sum(self._client.nthreads().values())
        self.window = window_size(max(1, threads))
        if self.on_ready:
            link = self._client.dashboard_link
            self.on_ready(f"dask: {threads} worker threads at {self.address}; dashboard {link}")

    def _connect(self) -> Any:
        if self.address.startswith(LOCAL_PREFIX):
            # ports chosen freely, so two runs (or a run and a test) never collide; the
            # workers take this process's config
            self._stack.enter_context(dask.config.set(LOCAL_CLUSTER_CONFIG))
            cluster = self._stack.enter_context(
                LocalCluster(
                    n_workers=int(self.address.removeprefix(LOCAL_PREFIX)),
                    threads_per_worker=1,
                    processes=True,
                    scheduler_port=0,
                    dashboard_address="127.0.0.1:0",
                    host="127.0.0.1",
                    silence_logs=logging.CRITICAL,  # not its shutdown chatter on our stderr
                )
            )
            return self._stack.enter_context(Client(cluster))
        try:
            with dask.config.set({"distributed.comm.timeouts.connect": CONNECT_TIMEOUT}):
                client = Client(self.address, timeout=CONNECT_TIMEOUT)
        except OSError as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {self.address}: {exc}") from exc
        return self._stack.enter_context(client)

    def submit(
        self, location: Location, source: Source, timeout: float, packing: Packing | None = None
    ) -> object:
        # `packing` is never asked of a cluster (`packs` is False): its client has its own
        # core, and results come back over the network as models either way
        # a key per call (a rerun in the same session is never served a stale result), named
        # for the dashboard and for finding a file's worker: read-<doc_id>-<random>
        key = f"read-{source.doc_id}-{uuid4().hex}"
        if isinstance(location, Path):  # the workers' working folder is not the client's
            location = location.absolute()
        return self._client.submit(run_on_worker, location, source, timeout, key=key)

    def result(self, ticket: object, source: Source) -> FileResult:
        try:
            return ticket.result()  # type: ignore[attr-defined]
        except Exception as exc:  # the worker itself died too often (KilledWorker), etc.
            return failed(source, f"cluster error ({type(exc).__name__}: {exc})")

    def close(self) -> None:
        if self._client is not None:  # the readers' memory goes back to the workers
            with suppress(Exception):
                self._client.unregister_worker_plugin(Readers.name)
        self._stack.close()
