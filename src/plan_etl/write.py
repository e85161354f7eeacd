"""Typed Parquet output, derived from the pydantic models and written atomically.

Each table is streamed into a temporary file beside its target and renamed over it only
when the run completes, so a run that dies (even by SIGKILL) leaves the previous dataset
intact and readable. The Arrow schema comes from the models, never from the data, so an
empty run still writes every column with its type.
"""

from __future__ import annotations

import datetime as dt
import os
import types
import typing
from collections.abc import Iterable, Sequence
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


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_orphaned_temporaries(out_dir: Path) -> list[Path]:
    """Delete temporary tables left by runs that were killed; a live run's are kept."""
    removed = []
    for tmp in out_dir.glob(".*.tmp-*"):
        pid = tmp.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not _process_alive(int(pid)):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


# Rows per Parquet row group. Writing each decree's few dozen rows as their own group would
# make thousands of tiny groups (slow to write, slow to scan); buffering every row would make
# memory grow with the corpus. 16k activity rows are ~40 MB as dicts and ~1 MB compressed.
ROW_GROUP_ROWS = 16_384


class TableWriter:
    """Streams one table into `<name>.parquet.tmp-<pid>` and renames it into place on commit."""

    def __init__(self, out_dir: Path, name: str) -> None:
        self.model = TABLES[name]
        self.schema = arrow_schema(self.model)
        self.path = out_dir / f"{name}.parquet"
        self.tmp = out_dir / f".{name}.parquet.tmp-{os.getpid()}"
        self._writer = pq.ParquetWriter(self.tmp, self.schema, compression="zstd")
        self._pending: list[dict[str, Any]] = []

    def write(self, rows: Sequence[BaseModel]) -> None:
        """Take rows; they reach the file a row group at a time, so at most
        `ROW_GROUP_ROWS` of them wait here as plain dicts, whatever the size of the run."""
        self._pending.extend(r.model_dump() for r in rows)
        while len(self._pending) >= ROW_GROUP_ROWS:
            group, self._pending = self._pending[:ROW_GROUP_ROWS], self._pending[ROW_GROUP_ROWS:]
            self._write_group(group)

    def flush(self) -> None:
        """Write the waiting rows as one (last, smaller) row group."""
        if self._pending:
            group, self._pending = self._pending, []
            self._write_group(group)

    def _write_group(self, rows: list[dict[str, Any]]) -> None:
        table = pa.Table.from_pylist(rows, schema=self.schema)
        self._writer.write_table(table, row_group_size=len(rows))

    def finish(self) -> None:
        """Close and flush the temporary file to disk, ready to replace the target."""
        self.flush()
        self._writer.close()
        with open(self.tmp, "rb") as fh:
            os.fsync(fh.fileno())

    def publish(self) -> None:
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        self._pending = []
        self._writer.close()
        self.tmp.unlink(missing_ok=True)


class DatasetWriter:
    """All tables of one run; nothing replaces the previous dataset until `commit`."""

    def __init__(self, out_dir: Path, names: Iterable[str] = TABLES) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        remove_orphaned_temporaries(out_dir)
        self.out_dir = out_dir
        self.tables = {name: TableWriter(out_dir, name) for name in names}

    def write(self, name: str, rows: Sequence[BaseModel]) -> None:
        self.tables[name].write(rows)

    def commit(self) -> None:
        """Finish every table first, then rename them all: the window in which a crash could
        leave old and new tables side by side is a few renames, not a whole write."""
        try:
            for table in self.tables.values():
                table.finish()
        except BaseException:
            self.abort()
            raise
        for table in self.tables.values():
            table.publish()

    def abort(self) -> None:
        for table in self.tables.values():
            table.abort()

    def __enter__(self) -> DatasetWriter:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()
