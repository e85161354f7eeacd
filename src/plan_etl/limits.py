"""What a reader worker process may take, and that it ends with the run.

The per-file timeout bounds a file's time, not its memory: one hostile file (a zip bomb, a
page drawn a hundred inches wide) could otherwise take every byte of the machine. So each
worker runs under a memory ceiling: a file may make it map `--max-memory` MiB more than it
maps when the file starts (RLIMIT_DATA: the private writable memory a process maps, which is
what parsing allocates; unlike RLIMIT_AS it does not count the address space that libraries
and thread arenas only reserve). An allocation past it fails
inside the worker — a `MemoryError`, or a library that aborts — and the file gets one
`failed` line while the run goes on.

A worker must also not outlive the run: killed with SIGKILL, the main process cannot stop
its workers, and a worker reading a hanging file, or a LibreOffice it started, would run on.
Each worker asks the kernel for SIGTERM when its parent dies (PR_SET_PDEATHSIG), and on
SIGTERM (that signal, or the pool stopping it at its timeout) it first kills its own
children — LibreOffice's whole process group, Tesseract — then ends as it would have.

Linux only; elsewhere the protections are skipped (the worker runs as before).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from collections.abc import Callable
from pathlib import Path
from types import FrameType

MIB = 1024 * 1024
# A worker's memory ceiling, beyond what it inherits from the run. The OCR of the two
# development scans (two pages read at once) runs within 250 MiB; this leaves room for pages
# larger than theirs and keeps a run of two workers within 1 GiB with a hostile file in one.
DEFAULT_MAX_MEMORY_MB = 640
MIN_MAX_MEMORY_MB = 64  # below this even an empty worker cannot run
_PR_SET_PDEATHSIG = 1


def check_max_memory(megabytes: int) -> None:
    """`ValueError` naming the option when the ceiling could not run a worker."""
    if megabytes < MIN_MAX_MEMORY_MB:
        raise ValueError(f"--max-memory must be at least {MIN_MAX_MEMORY_MB} MiB, not {megabytes}")


def data_in_use() -> int:
    """Bytes of data this process maps now (VmData), 0 where /proc does not say."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def limit_memory(megabytes: int) -> None:
    """Let this process map at most `megabytes` of data beyond what it maps now (and each
    process it starts as much).

    Beyond what it maps now: a forked worker inherits the run's mappings, most of them
    shared with the parent or never touched (pyarrow's allocator alone reserves a GiB it
    does not use), so they say nothing about what a file costs. The soft limit only: the
    hard one stays."""
    import resource

    global _ceiling_mb
    _ceiling_mb = megabytes
    wanted = data_in_use() + megabytes * MIB
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (wanted, hard))


def renew_memory_limit() -> None:
    """Start a file's allowance afresh: `limit_memory` again, from what the worker maps now.
    A file read before may have left the heap larger than it started (freed memory the
    allocator keeps mapped counts against RLIMIT_DATA), which must not be charged to the
    next file. A no-op in a process without a ceiling."""
    if _ceiling_mb is not None:
        limit_memory(_ceiling_mb)


def memory_limit_mb() -> int | None:
    """The memory ceiling (MiB) this process was given by `limit_memory`, if any."""
    return _ceiling_mb


_ceiling_mb: int | None = None  # what `limit_memory` was asked for, for the failure line


def cores() -> int:
    """The cores this process may run on (the affinity mask, not the host's count, which
    a container or `taskset` may restrict)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def worker_count(jobs: int | None, max_memory_mb: int | None) -> int:
    """Reader processes for a run: `jobs` (default: the cores), but never more than the
    cores (parsing is CPU-bound: more workers only add memory) nor more than the machine's
    memory holds at `max_memory_mb` each (`--jobs 100` started 100 workers)."""
    count = min(jobs or cores(), cores())
    try:
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        physical = 0
    if max_memory_mb and physical:
        count = min(count, physical // (max_memory_mb * MIB))
    return max(1, count)


def children() -> list[int]:
    """The process ids of this process's children, from /proc (every process's parent is
    the fourth field of its `stat`, after the command name in parentheses)."""
    me, found = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = (entry / "stat").read_bytes()
            if int(stat[stat.rindex(b")") + 2 :].split()[1]) == me:
                found.append(int(entry.name))
    return found


def kill_children() -> None:
    """SIGKILL every child, and the whole process group of a child that leads one
    (LibreOffice's launcher starts `soffice.bin` in the group it leads)."""
    for pid in children():
        with contextlib.suppress(OSError):
            if os.getpgid(pid) == pid:
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)


def _ending_with_children(previous: object) -> Callable[[int, FrameType | None], None]:
    """A SIGTERM handler: kill the children, then end as the previous handler would."""

    def handler(signum: int, frame: FrameType | None) -> None:
        kill_children()
        if callable(previous):
            previous(signum, frame)
        os._exit(128 + signum)

    return handler


def die_with_parent(parent: int) -> None:
    """Ask for SIGTERM when the parent dies, and make SIGTERM kill the children first. If the
    run (process `parent`) is already gone — it died before this ran — end now."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        return
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _ending_with_children(previous))
    try:  # the run, not our parent: under a fork server the two differ
        os.kill(parent, 0)
    except ProcessLookupError:
        os.kill(os.getpid(), signal.SIGTERM)


def protect_worker(max_memory_mb: int | None, parent: int) -> None:
    """Everything a reader worker runs under, called once as it starts: the memory ceiling
    and death with the run (Linux; a no-op elsewhere)."""
    if not Path("/proc/self/status").exists():
        return
    if max_memory_mb:
        limit_memory(max_memory_mb)
    die_with_parent(parent)
