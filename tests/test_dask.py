"""Ingest on a Dask cluster, with real components: a LocalCluster of two worker processes, a
scheduler and two workers started by the `dask` command as a user starts them, and S3 served
by moto on 127.0.0.1. A cluster run writes the tables a local run writes, byte for byte; a
file that hangs or kills its reader is `failed` on the worker and the run goes on; a worker
killed mid-run loses no file; sources and the cache may live on S3."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import psutil
import pyarrow.parquet as pq
import pytest
from conftest import DATA, SEEDS
from distributed import Client, LocalCluster
from moto.server import ThreadedMotoServer
from test_robustness import long_pdf_without_plan_header
from typer.testing import CliRunner

import plan_etl
from plan_etl.cli import app
from plan_etl.cluster import DaskCluster
from plan_etl.paths import CACHE_ENV
from plan_etl.pipeline import FileResult, identify, ingest

TABLES = ("documents", "activities", "catalogue")
BUCKET = "decrees"


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto S3 server on 127.0.0.1, its endpoint in the environment (AWS_ENDPOINT_URL,
    which botocore reads) before any worker process starts, so workers reach it too; the
    workers' own cache (documents converted by LibreOffice) in a temporary folder."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = pytest.MonkeyPatch()
    env.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
    env.setenv("AWS_ACCESS_KEY_ID", "test")
    env.setenv("AWS_SECRET_ACCESS_KEY", "test")
    env.setenv("AWS_DEFAULT_REGION", "us-east-1")
    env.setenv(CACHE_ENV, str(tmp_path_factory.mktemp("worker-cache")))
    import fsspec

    fsspec.filesystem("s3").mkdir(BUCKET)
    yield f"s3://{BUCKET}"
    env.undo()
    server.stop()


@pytest.fixture(scope="module")
def cluster(s3: str) -> Iterator[LocalCluster]:
    """Two single-threaded worker processes on 127.0.0.1, shared by this module's tests."""
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        scheduler_port=0,
        dashboard_address="127.0.0.1:0",
        silence_logs=logging.ERROR,
    ) as local:
        yield local


def mixed_raw(raw: Path, corpus: int = 4) -> Path:
    """Decrees of every kind the cluster must treat as the local pool does: PDFs and DOCX
    (`corpus` of them), text dumps, a same-bytes copy, an empty file and a broken PDF."""
    raw.mkdir()
    for path in sorted((DATA / "corpus").iterdir())[:corpus]:
        if path.suffix in (".pdf", ".docx"):
            (raw / path.name).symlink_to(path)
    for seed in SEEDS[:3]:
        (raw / seed.name).write_bytes(seed.read_bytes())
    (raw / "copy.txt").write_bytes(SEEDS[0].read_bytes())
    (raw / "empty.txt").write_bytes(b"")
    (raw / "broken.pdf").write_bytes(b"%PDF-1.4 nothing else")
    return raw


def same_tables(a: Path, b: Path) -> bool:
    return all(
        (a / f"{t}.parquet").read_bytes() == (b / f"{t}.parquet").read_bytes() for t in TABLES
    )


def documents(out: Path) -> dict[str, dict]:
    rows = pq.read_table(out / "documents.parquet").to_pylist()
    return {d["source_file"]: d for d in rows}


def test_local_cluster_writes_the_tables_of_the_local_pool_byte_for_byte(
    s3: str, tmp_path: Path
) -> None:
    raw = mixed_raw(tmp_path / "raw", corpus=2)
    local = ingest(raw, tmp_path / "local", jobs=2, use_cache=False)
    ready: list[str] = []
    dask = ingest(
        raw, tmp_path / "dask", executor=DaskCluster("local:2", ready.append), use_cache=False
    )
    assert same_tables(tmp_path / "local", tmp_path / "dask")
    assert (dask.parsed, dask.files, dask.duplicates) == (local.parsed, local.files, 2)
    assert dask.statuses == local.statuses and dask.statuses["failed"] == 2
    assert ready and ready[0].startswith("dask: 2 worker threads at local:2; dashboard http")


def test_a_file_that_hangs_is_cut_off_on_the_worker(cluster: LocalCluster, tmp_path: Path) -> None:
    """The reader is cut off at the file's time; the run goes on, and so do the workers."""
    raw = tmp_path / "raw"
    raw.mkdir()
    long_pdf_without_plan_header(raw / "slow.pdf", pages=600)  # ≈ 2 s to parse with PDFium
    (raw / "good.txt").write_bytes(SEEDS[2].read_bytes())
    # a PDF is allowed the timeout per TIMEOUT_PAGES pages, at most MAX_TIMEOUT_SCALE times:
    # 0.05 s × min(600 / 20, 10) = 0.5 s
    executor = DaskCluster(cluster.scheduler_address)
    summary = ingest(
        raw, tmp_path / "out", executor=executor, use_cache=False, timeout=0.05, allow_empty=True
    )
    docs = documents(tmp_path / "out")
    assert docs["slow.pdf"]["status"] == "failed" and summary.files == 2
    assert docs["slow.pdf"]["error"] == "timed out after 0.5 s (file too large or pathological)"
    (raw / "slow.pdf").unlink()  # good.txt may have been cut off too at 0.05 s on a busy machine
    again = ingest(raw, tmp_path / "again", executor=DaskCluster(cluster.scheduler_address))
    assert again.statuses["ok"] == 1 and again.rows == 34


def readers_of(cluster: LocalCluster, doc_id: str) -> list[int]:
    """The reader processes (pebble's) of the worker that has the file `doc_id`."""
    with Client(cluster) as client:
        workers = [w for w, keys in client.processing().items() if any(doc_id in k for k in keys)]
        pids = client.run(os.getpid, workers=workers).values()
    return [child.pid for pid in pids for child in psutil.Process(pid).children()]


def test_a_file_that_kills_its_reader_is_failed_not_retried(
    cluster: LocalCluster, tmp_path: Path
) -> None:
    """The reader of a file dies (SIGKILL, as a segfault or the OOM killer would end it):
    the file is `failed` with the reader's exit, once; the worker lives on and reads on."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a-good.txt").write_bytes(SEEDS[2].read_bytes())
    long_pdf_without_plan_header(raw / "b-poison.pdf", pages=1500)  # ≈ 5 s to parse
    (raw / "c-good.txt").write_bytes(SEEDS[1].read_bytes())

    poison = identify(raw / "b-poison.pdf", raw)[0].doc_id

    def kill_readers(result: FileResult) -> None:
        """Kill the reader that has b-poison.pdf open, once it has: on a busy machine the
        worker may still be reading c-good.txt first, whose reader must live."""
        if result.document.source_file != "a-good.txt":
            return
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for pid in readers_of(cluster, poison):
                with suppress(psutil.Error):
                    if any("poison" in f.path for f in psutil.Process(pid).open_files()):
                        os.kill(pid, signal.SIGKILL)
                        return
            time.sleep(0.05)

    executor = DaskCluster(cluster.scheduler_address)
    summary = ingest(
        raw, tmp_path / "out", executor=executor, use_cache=False, on_file=kill_readers
    )
    docs = documents(tmp_path / "out")
    assert docs["b-poison.pdf"]["error"] == (  # the local pool's words, its ceiling included
        "reader process died (exit code -9), perhaps at its memory limit (--max-memory 640 MiB)"
    )
    assert docs["a-good.txt"]["status"] == docs["c-good.txt"]["status"] == "ok"
    assert summary.statuses["failed"] == 1 and summary.parsed == 3
    with Client(cluster) as client:
        assert len(client.nthreads()) == 2  # no worker was lost to the poison file


def test_a_reader_killed_while_idle_does_not_spoil_its_worker(
    cluster: LocalCluster, tmp_path: Path
) -> None:
    """A reader killed between files (by the OOM killer, say) may die holding pebble's
    channel lock, after which pebble refuses every file: the worker makes a new pool."""
    from plan_etl.cluster import Readers, run_on_worker

    path = tmp_path / SEEDS[0].name
    path.write_bytes(SEEDS[0].read_bytes())
    source = identify(path, tmp_path)[0]
    with Client(cluster) as client:
        client.register_plugin(Readers([".txt"]))
        worker, pid = next(iter(client.run(os.getpid).items()))

        def read() -> FileResult:
            task = client.submit(run_on_worker, path, source, 120.0, workers=[worker], pure=False)
            return task.result()

        assert read().document.status == "ok"
        for reader in psutil.Process(pid).children():  # idle now, waiting for a file
            os.kill(reader.pid, signal.SIGKILL)
        after = read().document
        assert after.status == "ok", after.error
        client.unregister_worker_plugin(Readers.name)


def test_readers_on_the_workers_hold_to_max_memory(cluster: LocalCluster, tmp_path: Path) -> None:
    """`--max-memory` reaches the readers a worker forks, as it reaches the local pool's: a
    file needing more fails in the local pool's words, the file beside it is read, and the
    worker lives on (Dask's own limit watches the worker, not its readers)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "good.txt").write_bytes(SEEDS[0].read_bytes())
    (raw / "huge.txt").write_bytes(b"1. \xd0\x9c\n" * (80 * 2**20 // 6))
    executor = DaskCluster(cluster.scheduler_address, max_memory_mb=64)
    summary = ingest(raw, tmp_path / "out", executor=executor, use_cache=False)
    docs = documents(tmp_path / "out")
    assert docs["huge.txt"]["error"] == (
        "out of memory: reading the file needs more than its worker may use (--max-memory 64 MiB)"
    )
    assert docs["good.txt"]["status"] == "ok" and summary.parsed == 2
    with Client(cluster) as client:
        assert len(client.nthreads()) == 2


def test_sources_and_cache_on_s3(cluster: LocalCluster, s3: str, tmp_path: Path) -> None:
    import fsspec

    raw = mixed_raw(tmp_path / "raw", corpus=0)
    fs = fsspec.filesystem("s3")
    for path in sorted(raw.iterdir()):
        fs.pipe_file(f"{s3}/raw/{path.name}", path.read_bytes())
    fs.pipe_file(f"{s3}/raw/.hidden.txt", SEEDS[3].read_bytes())  # hidden: left alone
    local = ingest(raw, tmp_path / "local", jobs=2, use_cache=False)

    executor = DaskCluster(cluster.scheduler_address)
    cold = ingest(f"{s3}/raw/", tmp_path / "cold", executor=executor, cache_dir=f"{s3}/cache")
    warm = ingest(f"{s3}/raw", tmp_path / "warm", jobs=2, cache_dir=f"{s3}/cache")
    ingest(f"{s3}/raw", tmp_path / "pool", jobs=2, use_cache=False)
    for out in ("cold", "warm", "pool"):
        assert same_tables(tmp_path / "local", tmp_path / out), out
    assert (cold.parsed, cold.cached) == (local.parsed, 0)
    # a failed file is not cached: the broken PDF is parsed again (the empty one never is)
    assert (warm.parsed, warm.cached) == (1, local.parsed - 1)
    assert fs.ls(f"{s3}/cache/results")


def test_a_worker_killed_mid_run_loses_no_file(cluster: LocalCluster, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for n, seed in enumerate(SEEDS * 2):  # 10 files of distinct bytes
        (raw / f"{n:02d}-{seed.name}").write_bytes(seed.read_bytes() + f"\n{n}\n".encode())
    ingest(raw, tmp_path / "local", jobs=2, use_cache=False)
    with Client(cluster) as client:
        victim = next(iter(client.run(os.getpid).values()))
    killed: list[int] = []

    def kill_a_worker(_: FileResult) -> None:
        if not killed:
            os.kill(victim, signal.SIGKILL)  # the nanny starts another; Dask re-runs its tasks
            killed.append(victim)

    executor = DaskCluster(cluster.scheduler_address)
    summary = ingest(
        raw, tmp_path / "dask", executor=executor, use_cache=False, on_file=kill_a_worker
    )
    assert killed
    assert summary.parsed == 10 and not summary.failures
    assert same_tables(tmp_path / "local", tmp_path / "dask")


# --- the command line, against a scheduler and workers started as a user starts them --------


@pytest.fixture
def scheduler(tmp_path: Path) -> Iterator[str]:
    """`dask scheduler` and two `dask worker` processes on 127.0.0.1 (the workers find the
    package as an installed one would be found: on their PYTHONPATH)."""
    env = dict(os.environ, PYTHONPATH=str(Path(plan_etl.__file__).parents[1]))
    env[CACHE_ENV] = str(tmp_path / "worker-cache")
    file = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "dask"]
    procs = [
        subprocess.Popen(
            [
                *(*dask, "scheduler", "--host", "127.0.0.1", "--port", "0"),
                *("--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(file)),
            ],
            env=env,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        *(*dask, "worker", "--scheduler-file", str(file), "--host", "127.0.0.1"),
                        *("--nworkers", "1", "--nthreads", "1", "--no-dashboard"),
                    ],
                    env=env,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        with Client(scheduler_file=str(file), timeout="60s") as client:
            client.wait_for_workers(2, timeout=60)
            yield client.scheduler.address
    finally:
        for proc in reversed(procs):
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def test_the_command_runs_on_a_scheduler_and_two_workers(
    scheduler: str, seed_raw: Path, seed_dataset: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    # RAW_DIR relative to the command's folder: the workers, elsewhere, still find the files
    cmd = ["ingest", seed_raw.name, "--out", str(out), "--dask", scheduler, "--no-cache", "-v"]
    res = subprocess.run(
        [sys.executable, "-c", "from plan_etl.cli import app; app()", *cmd],
        cwd=seed_raw.parent,
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, PYTHONPATH=str(Path(plan_etl.__file__).parents[1])),
    )
    assert res.returncode == 0, res.stderr
    lines = res.stderr.splitlines()
    assert lines[0].startswith(f"dask: 2 worker threads at {scheduler}; dashboard http")
    assert lines[-1].startswith("5 files: 5 ok, 0 partial, 0 failed, 0 duplicate;")
    assert "263 rows; 5 parsed, 0 from cache" in lines[-1]
    assert same_tables(seed_dataset, out)


@pytest.mark.parametrize(
    ("address", "code", "message"),
    [
        ("nowhere", 2, "error: --dask takes a scheduler address (tcp://HOST:8786) or local:N"),
        ("local:0", 2, "error: --dask local:N needs a number of workers N ≥ 1"),
        ("tcp://127.0.0.1:9", 1, "error: cannot reach the Dask scheduler at tcp://127.0.0.1:9"),
    ],
)
def test_a_cluster_that_cannot_be_used_is_one_line(
    address: str,
    code: int,
    message: str,
    seed_raw: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("plan_etl.cluster.CONNECT_TIMEOUT", "2s")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["ingest", str(seed_raw), "--out", str(out), "--dask", address])
    assert res.exit_code == code
    assert res.stderr.startswith(message) and res.stderr.count("\n") == 1, res.stderr
    assert not out.exists() or not any(out.glob("*.parquet"))
