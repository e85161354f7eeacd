"""A large synthetic dataset for the report's size budget: a dataset's decrees copied until
there are about as many as Russia's regions, each copy with its own doc_id, source file and
region, and its rows' wording shuffled word by word (a fixed seed per copy) so that the copies
do not compress into one another — the page must fit because it is compact, not because the
decrees repeat.

Run directly to write one: `python tests/synthetic.py normalized/ big/ 18` (5 decrees × 18).
"""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

SHUFFLED = ("activity", "result_document", "section_title")  # free text: reworded per copy


def _shuffle(text: str | None, rng: random.Random) -> str | None:
    if not text:
        return text
    words = text.split()
    rng.shuffle(words)
    return " ".join(words)


def _copy_row(row: dict[str, Any], k: int, rng: random.Random) -> dict[str, Any]:
    """One row (a document's or an activity's) as it reads in copy `k`; copy 0 is the original."""
    if k == 0:
        return row
    row = dict(row)
    row["doc_id"] = f"{row['doc_id'][:12]}{k:04x}"
    row["source_file"] = f"{k:02d}-{row['source_file']}"
    if row.get("duplicate_of"):  # a copy of the decree's duplicate points at the same copy
        row["duplicate_of"] = f"{row['duplicate_of'][:12]}{k:04x}"
    if row.get("region"):
        row["region"] = f"{row['region']} {k}"
    for column in SHUFFLED:
        if column in row:
            row[column] = _shuffle(row[column], rng)
    if "responsible_bodies" in row:
        row["responsible_bodies"] = [f"{b} {k}" for b in row["responsible_bodies"]]
    return row


def synthetic(dataset: Path, out: Path, copies: int) -> Path:
    """`dataset`'s decrees `copies` times over in `out` (catalogue and metadata copied)."""
    shutil.copytree(dataset, out, dirs_exist_ok=True)
    for name in ("documents", "activities"):
        table = pq.read_table(dataset / f"{name}.parquet")
        rows = table.to_pylist()
        copied = [_copy_row(row, k, random.Random(k)) for k in range(copies) for row in rows]
        table = pa.Table.from_pylist(copied, schema=table.schema)
        pq.write_table(table, out / f"{name}.parquet")
    return out


if __name__ == "__main__":
    synthetic(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
