"""Typed Parquet output, derived from the pydantic models, and its publication.

The tables are streamed into a fresh folder beside the dataset and the whole folder replaces
the previous one in one step (see "publishing" below), so a run that dies, even by SIGKILL,
leaves the previous dataset intact, and no reader ever sees one run's tables beside another
run's. The Arrow schema comes from the models, never from the data, so an empty run still
writes every column with its type.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import fcntl
import importlib.abc
import os
import re
import secrets
import shutil
import sys
import time
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel

from plan_etl import __version__
from plan_etl.models import SCHEMA_VERSION, TABLES

_SCALARS: dict[type, pa.DataType] = {
    str: pa.string(),
    int: pa.int64(),
    float: pa.float64(),
    bool: pa.bool_(),
    dt.date: pa.date32(),
}


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    if get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0], len(args) < len(get_args(annotation))
    return annotation, False


def arrow_type(annotation: Any, hint: str | None = None) -> pa.DataType:
    """The Arrow type of a pydantic field annotation (`hint` narrows ints to int32)."""
    annotation, _ = _unwrap_optional(annotation)
    origin = get_origin(annotation)
    if origin is Literal:
        return pa.string()
    if origin is list:
        return pa.list_(arrow_type(get_args(annotation)[0]))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return pa.struct([pa.field(n, *_field_type(f)) for n, f in annotation.model_fields.items()])
    if hint:
        return getattr(pa, hint)()
    return _SCALARS[annotation]


def _field_type(field: Any) -> tuple[pa.DataType, bool]:
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    _, nullable = _unwrap_optional(field.annotation)
    return arrow_type(field.annotation, extra.get("arrow")), nullable


@cache
def arrow_schema(model: type[BaseModel]) -> pa.Schema:
    """The Parquet schema of a table, with `schema_version` in its metadata (computed once
    per model: the writer needs it for every batch)."""
    fields = [pa.field(name, *_field_type(f)) for name, f in model.model_fields.items()]
    meta = {"schema_version": SCHEMA_VERSION, "writer": f"plan-etl {__version__}"}
    return pa.schema(fields, metadata=meta)


def to_table(rows: Sequence[BaseModel], model: type[BaseModel]) -> pa.Table:
    """Validated rows as an Arrow table of the model's schema."""
    return pa.Table.from_pylist([r.model_dump() for r in rows], schema=arrow_schema(model))


class _NoPandas(importlib.abc.MetaPathFinder):
    """An import finder that says pandas is not installed."""

    def find_spec(self, name: str, path: object, target: object = None) -> None:
        if name.partition(".")[0] == "pandas":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


def arrow_without_pandas() -> None:
    """Tell pyarrow that pandas is not there, before it looks. pyarrow looks on the first
    array it builds from Python values and, finding pandas installed, imports it: 0.3–0.45 s,
    a third of a warm re-run of 320 decrees, for a command that never hands pyarrow a
    pandas object nor asks it for one. pyarrow keeps the answer for the process (its
    `to_pandas()` would then fail), so this is for the `plan-etl ingest` process only, never
    for a library user; pandas itself stays importable."""
    if "pandas" in sys.modules:
        return
    hide = _NoPandas()
    sys.meta_path.insert(0, hide)
    try:
        pa.array([0])  # pyarrow asks for pandas now, and remembers the answer
    finally:
        sys.meta_path.remove(hide)


# Rows per Parquet row group. Writing each decree's few dozen rows as their own group would
# make thousands of tiny groups (slow to write, slow to scan); buffering every row would make
# memory grow with the corpus. 16k activity rows are ~40 MB as dicts and ~1 MB compressed.
ROW_GROUP_ROWS = 16_384
# Validated rows are made Arrow columns a batch at a time while the run goes on (the parent
# waits on its workers then): a run's last row group is not left for its end, where making
# 7,500 activities Arrow took 0.2 s. Big enough that a batch's columns cost what all rows'
# would (a decree at a time cost more than the writing).
ARROW_BATCH_ROWS = 1_024


class TableWriter:
    """Streams one table into `<name>.parquet` inside the run's private staging folder.

    Rows wait until a row group's worth is there: validated records as plain dicts, made
    Arrow columns `ARROW_BATCH_ROWS` at a time, and Arrow tables as they came. A group is
    written as one contiguous chunk, so the file's bytes do not depend on how its rows
    arrived."""

    def __init__(self, folder: Path, name: str) -> None:
        self.model = TABLES[name]
        self.schema = arrow_schema(self.model)
        self.path = folder / f"{name}.parquet"
        self._writer = pq.ParquetWriter(self.path, self.schema, compression="zstd")
        # rows wait in taking order: `_tables`, then either `_dicts` or `_pieces` (each is
        # made a batch of `_tables` before rows of the other kind are taken)
        self._dicts: list[dict[str, Any]] = []  # rows taken as models, not yet Arrow
        self._pieces: list[pa.Table] = []  # rows taken as Arrow, as they came
        self._tables: list[pa.Table] = []  # Arrow batches
        self._written: set[str] = set()  # doc_ids with rows in the row groups written
        self._dropped: set[str] = set()  # doc_ids whose rows must not be published

    def write(self, rows: Sequence[BaseModel]) -> None:
        """Take validated rows (see `write_arrow`)."""
        self._join_pieces()
        self._dicts.extend(r.model_dump() for r in rows)
        if len(self._dicts) >= ARROW_BATCH_ROWS:
            self._to_arrow()
        self._write_full_groups()

    def write_arrow(self, table: pa.Table) -> None:
        """Take rows already of this table's schema, after those taken before; they reach
        the file a row group at a time, so at most `ROW_GROUP_ROWS` of them wait here,
        whatever the size of the run."""
        self._to_arrow()
        self._pieces.append(table)
        if sum(p.num_rows for p in self._pieces) >= ARROW_BATCH_ROWS:
            self._join_pieces()
        self._write_full_groups()

    def _join_pieces(self) -> None:
        """The tables taken as they came made one batch of its own buffers: what waits for
        its row group is then the rows' columns, not the IPC messages a worker's packed rows
        were read from (16 % more bytes), and a row group has a few chunks to join instead
        of one a file (a 16,384-row group of packed files: ≈ 700 of them)."""
        if self._pieces:
            joined = pa.concat_tables(self._pieces)
            self._tables.append(joined.combine_chunks() if len(self._pieces) > 1 else joined)
            self._pieces = []

    def _to_arrow(self) -> None:
        """The rows waiting as dicts made one Arrow batch."""
        if self._dicts:
            self._tables.append(pa.Table.from_pylist(self._dicts, schema=self.schema))
            self._dicts = []

    def _waiting(self) -> pa.Table:
        """Every row waiting, as one Arrow table."""
        self._to_arrow()
        self._join_pieces()
        waiting = pa.concat_tables(self._tables) if self._tables else self.schema.empty_table()
        self._tables = []
        return waiting

    def _write_full_groups(self) -> None:
        waiting_rows = len(self._dicts) + sum(t.num_rows for t in (*self._pieces, *self._tables))
        if waiting_rows < ROW_GROUP_ROWS:
            return
        waiting = self._waiting()
        while waiting.num_rows >= ROW_GROUP_ROWS:
            self._write_group(waiting.slice(0, ROW_GROUP_ROWS))
            waiting = waiting.slice(ROW_GROUP_ROWS)
        self._tables = [waiting]

    def drop(self, doc_id: str) -> None:
        """Leave the rows of `doc_id` out of the table (a decree found to be a copy of a
        later file): rows still waiting are dropped now; if some were written already, the
        file is rewritten without them when it is finished."""
        self._dicts = [row for row in self._dicts if row.get("doc_id") != doc_id]
        if "doc_id" in self.schema.names:
            import pyarrow.compute as pc  # for a run with duplicates only (≈ 50 ms to import)

            self._join_pieces()
            self._tables = [t.filter(pc.not_equal(t["doc_id"], doc_id)) for t in self._tables]
        if doc_id in self._written:
            self._dropped.add(doc_id)

    def flush(self) -> None:
        """Write the waiting rows as one (last, smaller) row group."""
        waiting = self._waiting()
        if waiting.num_rows:
            self._write_group(waiting)

    def _write_group(self, table: pa.Table) -> None:
        table = table.combine_chunks()
        self._writer.write_table(table, row_group_size=table.num_rows)
        if "doc_id" in table.column_names:
            self._written.update(table["doc_id"].to_pylist())

    def finish(self) -> None:
        """Close the file and flush it to disk, ready to be published."""
        self.flush()
        self._close_writer()
        if self._dropped:
            self._rewrite_without(self._dropped)
        _fsync(self.path)

    def _rewrite_without(self, doc_ids: set[str]) -> None:
        """Copy the file row group by row group without the rows of `doc_ids` (memory stays
        one row group, whatever the size of the run)."""
        import pyarrow.compute as pc

        kept = self.path.with_suffix(".kept")
        source = pq.ParquetFile(self.path)
        with pq.ParquetWriter(kept, self.schema, compression="zstd") as writer:
            for i in range(source.num_row_groups):
                group = source.read_row_group(i)
                mask = pc.invert(pc.is_in(group["doc_id"], value_set=pa.array(sorted(doc_ids))))
                writer.write_table(group.filter(mask), row_group_size=ROW_GROUP_ROWS)
        source.close()
        kept.replace(self.path)

    def close(self) -> None:
        """Give the file up (the run is aborted): whatever closing it raises is moot now."""
        self._dicts, self._pieces, self._tables = [], [], []
        with suppress(Exception):
            self._close_writer()

    def _close_writer(self) -> None:
        """Close the Parquet writer. When closing fails (a full disk), it is marked closed
        anyway: pyarrow would otherwise try again when it is collected and print «Exception
        ignored …» on stderr, after the run's own one-line error."""
        try:
            self._writer.close()
        except BaseException:
            self._writer.is_open = False
            if getattr(self._writer, "file_handle", None) is not None:
                with suppress(Exception):
                    self._writer.file_handle.close()
            raise


# --- publishing: one folder swap under a lock ---------------------------------------------------
#
# OUT is a plain folder holding the files (so `pandas.read_parquet("normalized/x.parquet")`
# and a `normalized/` committed to git work as they always did). A run writes every table and
# datapackage.json into a fresh sibling folder `.OUT.staging-*` and then swaps the two folders
# in one step: renameat2(RENAME_EXCHANGE) on Linux, where it is atomic, so a reader sees the
# old set or the new one and never a mix. Where the kernel or file system refuses the
# exchange, two renames do it (OUT → `.OUT.old-*`, staging → OUT): a reader may then briefly
# find no folder, but still never a mix. A lock file beside OUT makes runs into one folder take
# turns; whatever a killed run left beside OUT is removed by the next run, under the lock.

STAGING = "staging"  # a run's folder being written, beside OUT
RETIRED = "old"  # the previous dataset on its way out (the two-rename fallback)
_RENAME_EXCHANGE = 2  # linux/fs.h
_NO_EXCHANGE = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP}


class DatasetBusy(RuntimeError):
    """Another run holds the lock of this dataset folder."""


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sibling(out_dir: Path, kind: str) -> str:
    """The name prefix of a hidden folder beside OUT: `.normalized.staging-`."""
    return f".{out_dir.name}.{kind}-"


def fresh_sibling(out_dir: Path, kind: str) -> Path:
    """A new empty hidden folder beside OUT (created with the user's umask, unlike mkdtemp's
    private 0700, since it becomes the published dataset)."""
    folder = out_dir.parent / f"{sibling(out_dir, kind)}{os.getpid()}-{secrets.token_hex(4)}"
    folder.mkdir()
    return folder


def lock_path(out_dir: Path) -> Path:
    """The lock file of a dataset folder: beside it, since the folder itself is swapped."""
    return out_dir.parent / f".{out_dir.name}.lock"


LOCK_POLL = 0.05  # seconds between tries for a dataset lock another run holds


@contextmanager
def dataset_lock(
    out_dir: Path, on_wait: Callable[[Path], object] | None = None, timeout: float = -1
) -> Iterator[None]:
    """Hold the dataset's lock; if another run holds it, call `on_wait` once and wait
    (`timeout` seconds, -1 for as long as it takes, then `DatasetBusy`).

    An advisory `flock` on a file beside OUT: the kernel lets it go when the holder exits
    or is killed, so a crashed run never leaves the folder locked."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path(out_dir), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_lock(fd):
            if on_wait:
                on_wait(lock_path(out_dir))
            deadline = None if timeout < 0 else time.monotonic() + timeout
            while not _try_lock(fd):
                if deadline is not None and time.monotonic() >= deadline:
                    raise DatasetBusy(f"another plan-etl run is writing {out_dir}")
                time.sleep(LOCK_POLL)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def remove_leftovers(out_dir: Path) -> list[Path]:
    """Tidy what killed runs left beside `out_dir`: a dataset caught between the two renames
    of the fallback swap is put back first, then staging and retired folders are deleted.
    Call it under the lock: then no live run owns any of them."""
    retired = sorted(out_dir.parent.glob(f"{sibling(out_dir, RETIRED)}*"))
    if not out_dir.exists():
        kept = next((r / out_dir.name for r in retired if (r / out_dir.name).is_dir()), None)
        if kept is not None:
            os.rename(kept, out_dir)
    removed = [*retired, *out_dir.parent.glob(f"{sibling(out_dir, STAGING)}*")]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically (Linux renameat2); False where that is not available."""
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _NO_EXCHANGE:
        return False
    raise OSError(code, os.strerror(code), str(b))


def publish(staging: Path, out_dir: Path) -> None:
    """Make the complete folder `staging` the dataset `out_dir` in one step (see above)."""
    if not out_dir.exists():
        os.rename(staging, out_dir)
    elif _exchange(staging, out_dir):
        shutil.rmtree(staging)  # it holds the previous dataset now
    else:
        retired = fresh_sibling(out_dir, RETIRED)
        os.rename(out_dir, retired / out_dir.name)
        try:
            os.rename(staging, out_dir)
        except BaseException:
            os.rename(retired / out_dir.name, out_dir)  # (after a kill: `remove_leftovers`)
            raise
        shutil.rmtree(retired)
    _fsync(out_dir.parent)


# Files of the previous folder a run does not carry into the new one: the tables it writes
# itself, and what older versions kept there (the pickle cache, temporary tables).
_NOT_CARRIED = re.compile(r"^(?:.*\.parquet|datapackage\.json|\.cache|\..*\.tmp-\d+)$")


def carry_over(old: Path, new: Path) -> None:
    """Copy files that are not the dataset's (a README someone put there) into the new
    folder, so publishing never deletes them."""
    if not old.is_dir():
        return
    for entry in old.iterdir():
        if _NOT_CARRIED.match(entry.name):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, new / entry.name, symlinks=True)
        else:
            shutil.copy2(entry, new / entry.name, follow_symlinks=False)


class DatasetWriter:
    """All tables of one run, written into a private staging folder beside `out_dir`;
    nothing the previous dataset holds changes until `commit` publishes the folder."""

    def __init__(self, out_dir: Path, names: Iterable[str] = TABLES) -> None:
        if out_dir.exists() and not out_dir.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(out_dir))
        self.out_dir = out_dir.resolve()
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self.staging = fresh_sibling(self.out_dir, STAGING)
        self.tables: dict[str, TableWriter] = {}
        self.finished: set[str] = set()
        try:
            for name in names:
                self.tables[name] = TableWriter(self.staging, name)
        except BaseException:  # a full disk: the writers already open are closed quietly
            self.abort()
            raise

    def write(self, name: str, rows: Sequence[BaseModel]) -> None:
        self.tables[name].write(rows)

    def write_arrow(self, name: str, table: pa.Table) -> None:
        self.tables[name].write_arrow(table)

    def drop(self, name: str, doc_id: str) -> None:
        """Leave the rows of `doc_id` out of table `name` (`TableWriter.drop`)."""
        self.tables[name].drop(doc_id)

    def finish_table(self, name: str) -> Path:
        """Finish one table early, so a later stage can read it back (the plan in force is
        built from the activities written); its file in the staging folder."""
        self.tables[name].finish()
        self.finished.add(name)
        return self.tables[name].path

    def commit(self) -> None:
        """Finish every table and the descriptor in the staging folder, then publish it."""
        from plan_etl.datapackage import write_datapackage

        try:
            for name, table in self.tables.items():
                if name not in self.finished:
                    table.finish()
            write_datapackage(self.staging)
            carry_over(self.out_dir, self.staging)
            _fsync(self.staging)
            publish(self.staging, self.out_dir)
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        for name, table in self.tables.items():
            if name not in self.finished:
                table.close()
        shutil.rmtree(self.staging, ignore_errors=True)
