"""Where source files and the results cache may live: a local (or shared) folder, or any
fsspec URL (`s3://bucket/raw`, `gs://…`, `memory://…`) that the client and the workers can
both read.

A source file is a `Location`: a `Path` for a file on a file system, or the URL string of a
file elsewhere. The readers (pdfplumber, LibreOffice, Tesseract) need a file on disk, so a
URL's bytes are copied to a temporary file of the same name for the time of its reading.
fsspec and the protocol's package (s3fs for s3://) are imported only when a URL is used.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

Location = Path | str


def is_url(text: str | Path) -> bool:
    """Whether `text` names a place by URL (`s3://…`) rather than a local path."""
    return isinstance(text, str) and "://" in text and not text.startswith("file://")


def local_path(text: str) -> Path:
    """A path argument as a `Path` (`file://` URLs included)."""
    return Path(text.removeprefix("file://"))


def suffix(location: Location) -> str:
    """The file name's suffix, lower-cased, of a path or a URL."""
    return PurePosixPath(str(location)).suffix.lower()


def url_fs(url: str) -> tuple[Any, str]:
    """The fsspec file system of `url` and the path within it."""
    from fsspec.core import url_to_fs  # only a run that reads a URL pays its import

    return url_to_fs(url)


def list_files(url: str) -> list[tuple[str, str]]:
    """(URL, path relative to `url`) of every file below `url`, hidden ones left out
    (`OSError` when it cannot be listed)."""
    fs, root = url_fs(url)
    root = root.rstrip("/")
    found = []
    with _as_os_error():
        names = fs.find(root)
    for name in names:
        rel = name[len(root) :].lstrip("/")
        if rel and not any(part.startswith(".") for part in rel.split("/")):
            found.append((fs.unstrip_protocol(name), rel))
    return sorted(found, key=lambda pair: pair[1])


def read_bytes(location: Location) -> bytes:
    """The bytes of a source file (`OSError` when they cannot be read)."""
    if isinstance(location, Path):
        return location.read_bytes()
    fs, path = url_fs(location)
    with _as_os_error():
        return bytes(fs.cat_file(path))


@contextmanager
def on_disk(location: Location) -> Iterator[Path]:
    """The file as a local path: a `Path` as it is, a URL as a temporary copy that bears
    the file's name (removed on exit). `OSError` when a URL cannot be read."""
    if isinstance(location, Path):
        yield location
        return
    folder = Path(tempfile.mkdtemp(prefix="plan-etl-"))
    try:
        copy = folder / PurePosixPath(location.split("://", 1)[1]).name
        copy.write_bytes(read_bytes(location))
        yield copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Folder:
    """A folder of small files on disk or at a URL, as the results cache uses it: a write
    is atomic (a rename on disk; one PUT on an object store), so a reader finds a whole
    file or none. `OSError` for any failure, whatever the store."""

    def __init__(self, where: Location) -> None:
        self.url = where if is_url(where) else None
        self.path = Path(where) if self.url is None else None
        self._fs: Any = None
        self._root = ""
        self._known: set[str] = set()  # at a URL: the names listed on `make`, and written since

    def __str__(self) -> str:
        return self.url or str(self.path)

    def child(self, name: str) -> Folder:
        return Folder(f"{self.url.rstrip('/')}/{name}" if self.url else self.path / name)  # type: ignore[operator]

    def make(self) -> None:
        if self.path is not None:
            self.path.mkdir(parents=True, exist_ok=True)
            return
        self._fs, self._root = url_fs(self.url)  # type: ignore[arg-type]
        self._root = self._root.rstrip("/")
        with _as_os_error():
            self._fs.makedirs(self._root, exist_ok=True)
        self._known = self.names()

    def names(self) -> set[str]:
        """The names of the files in the folder (none if it cannot be listed)."""
        if self.path is not None:
            return {p.name for p in self.path.iterdir() if p.is_file()}
        try:
            with _as_os_error():
                listed = self._fs.ls(self._root, detail=False, refresh=True)
        except FileNotFoundError:  # an object store has no empty folders: none written yet
            return set()
        return {PurePosixPath(name).name for name in listed}

    def exists(self, name: str) -> bool:
        if self.path is not None:
            return (self.path / name).exists()
        return name in self._known  # one listing, not a request per file

    def read(self, name: str) -> bytes:
        if self.path is not None:
            return (self.path / name).read_bytes()
        with _as_os_error():
            return bytes(self._fs.cat_file(f"{self._root}/{name}"))

    def write(self, name: str, data: bytes) -> None:
        if self.path is not None:
            from plan_etl.atomic import write_atomically

            write_atomically(self.path / name, data)
            return
        with _as_os_error():
            self._fs.pipe_file(f"{self._root}/{name}", data)
        self._known.add(name)

    def remove(self, name: str) -> None:
        if self.path is not None:
            (self.path / name).unlink(missing_ok=True)
            return
        with _as_os_error():
            self._fs.rm_file(f"{self._root}/{name}")
        self._known.discard(name)


@contextmanager
def _as_os_error() -> Iterator[None]:
    """A store's own exception (botocore's, aiohttp's) as the `OSError` callers handle."""
    try:
        yield
    except OSError:
        raise
    except Exception as exc:
        raise OSError(f"{type(exc).__name__}: {exc}") from exc
