"""A parsed file's rows made ready for the parent in the worker that parsed them.

The parent of an ingest run writes every file's rows: made Arrow columns, kept as a cache
entry, fingerprinted for the duplicate check. When the workers fill every core (`--jobs`
as many as the cores), that per-row work in the parent is CPU taken from them (measured
on the 320 bench decrees: ≈ 1 s of the parent's CPU a run, a tenth of a `--jobs 2` run's
wall time). Packed, a result carries its rows as an Arrow IPC stream, their fingerprint and
the cache entry, and the parent only appends the stream to the table and stores the
entry's bytes; the models themselves are not sent. With a core to spare (`--jobs 1` on
two cores) the parent does that work on it instead, and packing would only slow the
worker: the executor decides (`executors.LocalPool.packs`). Both give the same tables,
byte for byte.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import pyarrow as pa

from plan_etl.cache import entry_bytes
from plan_etl.links import rows_fingerprint
from plan_etl.models import Activity
from plan_etl.task import FileResult, PackedRows, Packing
from plan_etl.write import arrow_schema, arrow_without_pandas, to_table


def pack(result: FileResult, packing: Packing) -> FileResult:
    """`result` with its activities packed (`PackedRows`); a result without rows (a
    failure, an amending decree's changes) goes as it is, the parent's share being small.
    For a worker process: it keeps pyarrow from loading pandas there (`_arrow_ready`)."""
    if not result.activities:
        return result
    _arrow_ready()
    packed = PackedRows(
        arrow=_ipc(to_table(result.activities, Activity)),
        count=len(result.activities),
        fingerprint=rows_fingerprint(result.activities),
        entry=entry_bytes(result) if packing.cache_entry else None,  # `put` keeps or not
    )
    return replace(result, activities=[], packed=packed)


@cache
def _arrow_ready() -> None:
    """Once a worker: keep pyarrow from importing pandas on the first table it builds
    (`write.arrow_without_pandas`; 0.3-0.45 s a worker). A worker never hands pyarrow a
    pandas object, so this is safe in it, where it would not be in a library user's
    process."""
    arrow_without_pandas()


def _ipc(table: pa.Table) -> bytes:
    """`table` as an Arrow IPC stream: pickling the table itself costs seven times as much
    (measured: 148 against 20 ms for the 320 bench decrees' tables, and 98 against 11 ms
    to read back)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def unpacked_table(packed: PackedRows) -> pa.Table:
    """The activities of a packed result, as the table they were packed from."""
    table = pa.ipc.open_stream(packed.arrow).read_all()
    if not table.schema.equals(arrow_schema(Activity), check_metadata=True):
        raise ValueError("packed rows of another schema: a worker of other parser code")
    return table
