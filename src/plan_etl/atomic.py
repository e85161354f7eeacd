"""Writing a file so that no reader ever sees half of it.

The data goes to a temporary name beside the target and is renamed over it: a rename within
one folder is atomic, so a reader finds the old file or the new one. The temporary name
carries the process id, so two writers never share one, and a writer that dies leaves only a
hidden `.name.tmp-PID` that `write.remove_leftovers` and the caches ignore.
"""

from __future__ import annotations

import os
from pathlib import Path


def write_atomically(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Write `data` to `path` atomically; `durable` also flushes it to disk before the rename
    (for published files; a cache entry lost in a crash only costs a re-parse). The
    temporary file is removed when the write fails, and the error is raised."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
