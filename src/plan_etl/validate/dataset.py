"""The dataset rules: the committed Parquet files against a fresh ingest of raw/, the
schema contract and their datapackage.json."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError

from plan_etl import datapackage
from plan_etl.models import SCHEMA_VERSION, TABLES
from plan_etl.schemas import render
from plan_etl.validate.rules import DatasetPaths, Issue, dataset_rule
from plan_etl.write import arrow_schema

MAX_ROW_FINDINGS = 5
"""Invalid rows reported per Parquet file; past that, one finding counts the rest, so a
dataset written by an incompatible version does not print thousands of lines."""


def _rows_by_file(table: pa.Table) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in table.to_pylist():
        out.setdefault(row["source_file"], []).append(row)
    return out


def schema_difference(old: pa.Schema, new: pa.Schema) -> str:
    """How schema `old` differs from `new`: columns added, dropped or retyped, or metadata."""
    if old.remove_metadata().equals(new.remove_metadata()):
        meta = {k.decode(): v.decode() for k, v in (old.metadata or {}).items()}
        want = {k.decode(): v.decode() for k, v in (new.metadata or {}).items()}
        return f"schema metadata {meta} is not {want}"
    added = [n for n in new.names if n not in old.names]
    removed = [n for n in old.names if n not in new.names]
    retyped = [n for n in new.names if n in old.names and old.field(n) != new.field(n)]
    parts = [
        f"{label}: {', '.join(names)}"
        for label, names in (("missing", added), ("unexpected", removed), ("retyped", retyped))
        if names
    ]
    return "columns " + "; ".join(parts or ["in another order"])


def describe_difference(committed: pa.Table, fresh: pa.Table) -> str:
    """Why two tables are not equal, in terms a user can act on: which decrees changed."""
    if not committed.schema.equals(fresh.schema, check_metadata=True):
        return schema_difference(committed.schema, fresh.schema)
    if "source_file" in committed.column_names:
        old_rows, new_rows = _rows_by_file(committed), _rows_by_file(fresh)
        added = sorted(set(new_rows) - set(old_rows))
        removed = sorted(set(old_rows) - set(new_rows))
        changed = sorted(f for f in set(old_rows) & set(new_rows) if old_rows[f] != new_rows[f])
        parts = [
            f"{label} {', '.join(files[:5])}{' …' if len(files) > 5 else ''}"
            for label, files in (
                ("new in raw/:", added),
                ("gone from raw/:", removed),
                ("changed:", changed),
            )
            if files
        ]
        if parts:
            return "; ".join(parts)
    return f"{committed.num_rows} rows committed, {fresh.num_rows} in a fresh ingest, values differ"


@dataset_rule("dataset-fresh", "error")
def dataset_fresh(paths: DatasetPaths) -> Iterator[Issue]:
    """Each committed table equals, as a table, the same table from a fresh ingest of raw/."""
    for name in TABLES:
        committed_path = paths.committed / f"{name}.parquet"
        fresh = pq.read_table(paths.fresh / f"{name}.parquet")
        if not committed_path.is_file():
            yield Issue("missing: run `plan-etl ingest`", file=str(committed_path))
            continue
        try:
            committed = pq.read_table(committed_path)
        except (OSError, pa.ArrowException) as exc:
            yield Issue(f"unreadable Parquet: {exc}", file=str(committed_path))
            continue
        if not committed.equals(fresh) or not committed.schema.equals(
            fresh.schema, check_metadata=True
        ):
            reason = describe_difference(committed, fresh)
            yield Issue(f"stale, {reason}: run `plan-etl ingest`", file=str(committed_path))


def _schema_file_issues(schema_file: Path, name: str) -> Iterator[Issue]:
    if not schema_file.is_file():
        yield Issue("missing: run `plan-etl schemas`", file=str(schema_file))
    elif schema_file.read_text(encoding="utf-8") != render(name):
        yield Issue("differs from the models: run `plan-etl schemas`", file=str(schema_file))


@dataset_rule("dataset-schema", "error")
def dataset_schema(paths: DatasetPaths) -> Iterator[Issue]:
    """Committed Parquet files have the contract's Arrow types and rows valid for the schemas.

    The schemas are the package's own: the rows are validated with the pydantic models that
    schemas/*.json is exported from, wherever the dataset is; given a schemas folder, each
    file must also equal that export. The Arrow comparison checks what JSON Schema cannot
    express (date32 rather than a string, int32, list and struct types).
    """
    for name, model in TABLES.items():
        if paths.schemas is not None:
            yield from _schema_file_issues(paths.schemas / f"{name}.json", name)
        path = paths.committed / f"{name}.parquet"
        if not path.is_file():
            continue  # dataset-fresh reports it
        try:
            table = pq.read_table(path)
        except (OSError, pa.ArrowException):
            continue  # dataset-fresh reports it
        expected = arrow_schema(model)
        if not table.schema.equals(expected, check_metadata=False):
            difference = schema_difference(table.schema, expected)
            yield Issue(f"Arrow schema is not the contract's: {difference}", file=str(path))
            continue
        version = (table.schema.metadata or {}).get(b"schema_version", b"").decode()
        if version != SCHEMA_VERSION:
            shown = version or "(none)"
            yield Issue(f"schema_version {shown} is not {SCHEMA_VERSION}", file=str(path))
        bad = 0
        for index, row in enumerate(table.to_pylist()):
            try:
                model.model_validate(row)
            except ValidationError as exc:
                bad += 1
                if bad <= MAX_ROW_FINDINGS:
                    first = exc.errors()[0]
                    where = ".".join(map(str, first["loc"]))
                    yield Issue(
                        f"row {index}: {where}: {first['msg']}", row.get("item_number"), str(path)
                    )
        if bad > MAX_ROW_FINDINGS:
            yield Issue(f"{bad - MAX_ROW_FINDINGS} more invalid rows", file=str(path))


@dataset_rule("dataset-descriptor", "error")
def dataset_descriptor(paths: DatasetPaths) -> Iterator[Issue]:
    """datapackage.json describes the committed Parquet files (fields, sizes, hashes, rows).

    Checked against the committed files rather than compared with the fresh ingest's copy:
    its hashes are of Parquet bytes, which another pyarrow version writes differently for
    equal tables, so only "does it describe these files" is a stable question.
    """
    path = paths.committed / datapackage.FILENAME
    if not all((paths.committed / f"{name}.parquet").is_file() for name in TABLES):
        return  # dataset-fresh reports the missing tables
    try:
        described = datapackage.render(datapackage.build_descriptor(paths.committed))
    except (OSError, pa.ArrowException):
        return  # dataset-fresh reports the unreadable table
    if not path.is_file():
        yield Issue("missing: run `plan-etl ingest`", file=str(path))
    elif path.read_text(encoding="utf-8", errors="replace") != described:
        yield Issue("does not describe the committed files: run `plan-etl ingest`", file=str(path))
