"""Finding and opening the files a run reads: decrees under raw/ and cache entries.

Neither is trusted to be what its name says. An entry may be a FIFO (opening it to read
waits for a writer that never comes), a device (/dev/zero never ends), a symbolic link loop,
a folder we may not list, or a file of gigabytes. So every file is opened without blocking,
checked to be a regular file before a byte is read, and read up to a stated size; and every
entry under raw/ is read, skipped (counted) or failed (counted, with a line) — none vanishes.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

MIB = 1024 * 1024
# The largest source file read: a scanned decree of a hundred pages is tens of MB; a file
# past this is refused by its size, before it is hashed or parsed.
MAX_SOURCE_BYTES = 512 * MIB
_CHUNK = MIB
_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}


class NotReadable(OSError):
    """A path that is no regular file we may read (the message says what it is)."""


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def why_unreadable(path: Path, exc: OSError) -> str:
    """The cause of an OSError on opening `path`, in words (a link loop is not «dangling»)."""
    if isinstance(exc, NotReadable):
        return exc.strerror
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    if exc.errno == errno.ENOENT and path.is_symlink():
        return "dangling symbolic link"
    return exc.strerror or str(exc)


def open_regular(path: Path, *, follow: bool = True) -> int:
    """A read-only descriptor of `path`, which must be a regular file; `NotReadable` (an
    OSError) otherwise. Opened without blocking, so a FIFO is refused rather than waited on;
    `follow=False` refuses a symbolic link too (a cache never holds one)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise NotReadable(errno.EINVAL, f"not a regular file ({kind_of(mode)})")
    os.set_blocking(fd, True)
    return fd


def read_regular(path: Path, limit: int, *, follow: bool = True) -> bytes:
    """The bytes of regular file `path`, at most `limit` of them: `NotReadable` when it is
    not a regular file or is larger."""
    fd = open_regular(path, follow=follow)
    chunks, size = [], 0
    with os.fdopen(fd, "rb") as f:
        # in chunks: `read(limit + 1)` would allocate the whole limit first, however small
        # the file (a 512 MiB buffer counts against a worker's memory ceiling)
        while chunk := f.read(min(_CHUNK, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise NotReadable(errno.EFBIG, f"larger than {limit:,} bytes")
    return b"".join(chunks)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A source file's sha256 and whether it holds anything but whitespace."""

    sha256: str
    blank: bool


def too_large(size: str, limit: int) -> str:
    return f"file too large ({size}; at most {limit // MIB} MiB is read)"


def fingerprint(path: Path, limit: int = MAX_SOURCE_BYTES) -> Fingerprint:
    """Hash a regular file in chunks (memory stays one chunk whatever its size); refuse it
    (`NotReadable`) when it is not a regular file or is larger than `limit`."""
    fd = open_regular(path)
    digest, blank = hashlib.sha256(), True
    with os.fdopen(fd, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > limit:
            raise NotReadable(
                errno.EFBIG,
                f"file too large ({size / MIB:,.0f} MiB; at most {limit // MIB} MiB is read)",
            )
        read = 0
        while chunk := f.read(_CHUNK):
            read += len(chunk)
            if read > limit:  # it grew while read
                raise NotReadable(errno.EFBIG, too_large(f"more than {limit // MIB} MiB", limit))
            digest.update(chunk)
            blank = blank and not chunk.strip()
    return Fingerprint(digest.hexdigest(), blank)


@dataclass(slots=True)
class Inputs:
    """The entries of a raw folder: decrees to read, other entries the run leaves alone
    (counted), and folders it could not list (each a failure with its cause)."""

    decrees: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (folder, cause)


def _walk(folder: Path, raw_dir: Path, suffixes: frozenset[str], found: Inputs) -> None:
    """Sort the entries of one folder into `found`, descending into real sub-folders (a link
    to a folder is an entry like any other: following links could loop)."""
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        rel = folder.relative_to(raw_dir).as_posix()
        found.unreadable.append((f"{rel}/", f"cannot read folder: {exc.strerror or exc}"))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            _walk(path, raw_dir, suffixes, found)
        elif path.suffix.lower() in suffixes:
            found.decrees.append(path)  # read, or failed with the cause (a FIFO, a loop)
        else:
            found.skipped.append(path)


def discover(raw_dir: Path, suffixes: frozenset[str]) -> Inputs:
    """Every non-hidden entry below `raw_dir`, sorted by relative path: an entry with a
    decree suffix is read (a dangling link, a FIFO or a device among them gets a `failed`
    record naming it rather than vanishing), any other entry (a README, an image) is skipped
    and counted, and a sub-folder that cannot be listed is reported with its cause."""
    found = Inputs()
    _walk(raw_dir, raw_dir, suffixes, found)

    def order(p: Path) -> str:
        return p.relative_to(raw_dir).as_posix()

    found.decrees.sort(key=order)
    found.skipped.sort(key=order)
    found.unreadable.sort()
    return found
