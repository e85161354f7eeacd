"""`plan_etl.load()`: the dataset's tables as pandas DataFrames with analyst-friendly dtypes.

`pandas.read_parquet` alone gives ids and statuses as plain strings, dates as Python objects,
nullable integers as floats and list cells as NumPy arrays. This module fixes each of those
once, from the models, so a notebook starts from the right types:

- ids and statuses are `category` with every allowed value as a category, in a meaningful
  order (statuses as the model lists them, catalogue ids in catalogue order, doc ids in
  documents order), so `value_counts()` shows the zeros — the catalogue items nobody has;
  doc_id and source_file share categories across tables, so merges keep them categorical;
- dates are `datetime64[s]` (NaT where there is none): the `.dt` accessor, comparisons with
  "2024-12-31" and plotting work, and seconds rather than nanoseconds cannot overflow on a
  mistyped year such as 2923;
- nullable integers (pages) are `Int32` with `<NA>`, not floats;
- list cells are Python lists (lists of dicts for `amends`), ready for `.explode()`.

The module imports pandas at the top; the package exposes `load` lazily so that
`plan-etl ingest` never pays for importing pandas.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal, NamedTuple, get_args, get_origin

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from plan_etl.models import TABLES
from plan_etl.write import _unwrap_optional

# Ids and small vocabularies loaded as categoricals (besides the Literal-typed statuses).
CATEGORY_COLUMNS = (
    "doc_id",
    "source_file",
    "catalogue_id",
    "region",
    "act_type",
    "block",
    "domain",
    "step",
)


class Dataset(NamedTuple):
    """The three tables of a dataset folder. A NamedTuple so a notebook can write
    `ds.activities` (with tab completion) or unpack `acts, docs, cat = load()`."""

    activities: pd.DataFrame
    documents: pd.DataFrame
    catalogue: pd.DataFrame


def _literal_values(annotation: Any) -> list[str] | None:
    return list(get_args(annotation)) if get_origin(annotation) is Literal else None


def _frame(table: pa.Table, name: str, categories: dict[str, list[str]]) -> pd.DataFrame:
    """One Arrow table as a DataFrame with the dtypes the module docstring promises."""
    columns: dict[str, Any] = {}
    for field_name, field in TABLES[name].model_fields.items():
        column = table.column(field_name)
        annotation, nullable = _unwrap_optional(field.annotation)
        levels = _literal_values(annotation) or categories.get(field_name)
        if levels is not None or field_name in CATEGORY_COLUMNS:
            values = column.to_pylist()
            if levels is None:  # order of first appearance: catalogue order for blocks
                levels = list(dict.fromkeys(v for v in values if v is not None))
            columns[field_name] = pd.Categorical(values, categories=levels)
        elif annotation is dt.date:
            dates = pd.to_datetime(pd.Series(column.to_pylist(), dtype=object))
            columns[field_name] = dates.astype("datetime64[s]")
        elif get_origin(annotation) is list:
            columns[field_name] = pd.Series(column.to_pylist(), dtype=object)
        elif annotation is int and nullable:
            dtype = "Int32" if pa.types.is_int32(column.type) else "Int64"
            columns[field_name] = pd.array(column.to_pylist(), dtype=dtype)
        else:
            columns[field_name] = column.to_pandas()
    return pd.DataFrame(columns)


def load(path: str | Path = "normalized/") -> Dataset:
    """Read the dataset in `path` (as written by `plan-etl ingest`) as typed DataFrames."""
    folder = Path(path)
    tables = {name: pq.read_table(folder / f"{name}.parquet") for name in TABLES}
    docs = tables["documents"]
    categories = {
        "doc_id": list(dict.fromkeys(docs.column("doc_id").to_pylist())),
        "source_file": docs.column("source_file").to_pylist(),
        "catalogue_id": tables["catalogue"].column("catalogue_id").to_pylist(),
    }
    frames = {name: _frame(table, name, categories) for name, table in tables.items()}
    return Dataset(**frames)
