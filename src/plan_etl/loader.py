"""`plan_etl.load()`: the dataset's tables as pandas or Polars DataFrames with analyst-friendly
types.

`pandas.read_parquet` alone gives ids and statuses as plain strings, dates as Python objects,
nullable integers as floats and list cells as NumPy arrays. This module fixes each of those
once, from the models, so a notebook starts from the right types:

- ids and small vocabularies are categoricals (pandas `category`, Polars `Enum`) with every
  allowed value as a level, in an order that reads well: statuses as the model lists them,
  catalogue ids (and `runner_up_id`) in template order (catalogue.parquet, which follows
  CATALOGUE.md), blocks, domains and steps in template order too, regions, issuers and act
  types alphabetically, doc ids and source files in documents order. So `value_counts()`
  shows the zeros — the catalogue items nobody has — and `sort_values` sorts items as the
  template does. doc_id and source_file share levels across tables, so merges keep them
  categorical;
- dates stay dates: pandas `date32[pyarrow]` (`pd.ArrowDtype(pa.date32())`), whose values are
  `datetime.date` and whose missing value is `<NA>`; compare with `datetime.date(2024, 12,
  31)`, use `.dt.year`, `.dt.quarter`, `.dt.strftime`. Polars keeps its own `Date`;
- nullable integers (pages) are `Int32` with `<NA>`, not floats;
- list cells are Python lists (lists of dicts for `amends`), ready for `.explode()`
  (Polars: `List`, `.explode()` likewise).

The module imports pandas at the top; the package exposes `load` lazily so that
`plan-etl ingest` never pays for importing pandas. Polars is optional (`pip install
plan-etl[polars]`) and imported only for `engine="polars"`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, NamedTuple, get_args, get_origin

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from plan_etl.extract.base import one_line
from plan_etl.models import TABLES
from plan_etl.write import _unwrap_optional, arrow_schema

DATE = pd.ArrowDtype(pa.date32())

# Categorical columns and where the order of their levels comes from.
DOCUMENT_ORDER = ("doc_id", "source_file")  # the order of documents.parquet
DOC_ID_REFERENCES = ("base_doc_id", "target_doc_id")  # doc ids too: the same levels
TEMPLATE_ORDER = ("catalogue_id", "runner_up_id", "block", "domain", "step")  # catalogue order
ALPHABETICAL = ("region", "issuer", "act_type")
CATEGORY_COLUMNS = (*DOCUMENT_ORDER, *DOC_ID_REFERENCES, *TEMPLATE_ORDER, *ALPHABETICAL)


class _Tables(NamedTuple):
    activities: Any  # pandas.DataFrame, or polars.DataFrame with engine="polars"
    documents: Any
    catalogue: Any


class Dataset(_Tables):
    """The tables of a dataset folder. A NamedTuple of the three first tables, so a notebook
    can write `ds.activities` (with tab completion) or unpack `acts, docs, cat = load()`.

    Schema version 3's tables ride along as attributes, not tuple members, so that unpacking
    stays three tables: `ds.amendments` (one row per change an amending decree makes) and
    `ds.in_force` (every plan with its amendments applied); None for a dataset written
    before version 3.

    `load()` adds two ready views, attributes too:

    - `coverage`: one row per region, template and catalogue item of that template, with
      `status` present (a row of a kept decree matched the item), review (only rows in
      review did) or missing, and `rows` (how many rows cover it). A region's plan is
      compared with the region template, an agency plan with the agency template only; a
      decree whose region was not read counts under a null region. «Which template items
      does each region lack?» is `ds.coverage.query("status == 'missing'")`;
    - `amends`: the acts each decree amends, one row each (`doc_id`, `source_file`,
      `amends_act_type`, `amends_act_number`, `amends_act_date`): the `amends` list flat,
      with names that clash with no column of documents.
    """

    amendments: Any
    in_force: Any
    coverage: Any
    amends: Any

    def __new__(
        cls,
        activities: Any,
        documents: Any,
        catalogue: Any,
        amendments: Any = None,
        in_force: Any = None,
    ) -> Dataset:
        self = super().__new__(cls, activities, documents, catalogue)
        self.amendments = amendments
        self.in_force = in_force
        return self


def _literal_values(annotation: Any) -> list[str] | None:
    return list(get_args(annotation)) if get_origin(annotation) is Literal else None


def _distinct(values: list[Any]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v is not None))


def _levels(tables: Mapping[str, pa.Table]) -> dict[str, list[str]]:
    """Every categorical column's levels (see the module docstring), the same in every table."""
    docs, cat = tables["documents"], tables["catalogue"]
    levels = {c: _distinct(docs.column(c).to_pylist()) for c in DOCUMENT_ORDER}
    for column in DOC_ID_REFERENCES:  # other tables' references to a decree
        levels[column] = levels["doc_id"]
    for column in TEMPLATE_ORDER:
        source = "catalogue_id" if column == "runner_up_id" else column
        levels[column] = _distinct(cat.column(source).to_pylist())
    for column in ALPHABETICAL:
        values = [
            v for t in tables.values() if column in t.column_names for v in t[column].to_pylist()
        ]
        levels[column] = sorted(_distinct(values))
    for model in TABLES.values():
        for field_name, field in model.model_fields.items():
            literal = _literal_values(_unwrap_optional(field.annotation)[0])
            if literal is not None and field_name not in levels:
                levels[field_name] = literal
    return levels


def _frame(table: pa.Table, name: str, levels: dict[str, list[str]]) -> pd.DataFrame:
    """One Arrow table as a pandas DataFrame with the dtypes the module docstring promises."""
    columns: dict[str, Any] = {}
    for field_name, field in TABLES[name].model_fields.items():
        column = table.column(field_name)
        annotation, nullable = _unwrap_optional(field.annotation)
        if field_name in levels:
            columns[field_name] = pd.Categorical(column.to_pylist(), categories=levels[field_name])
        elif annotation is dt.date:
            columns[field_name] = pd.Series(column.cast(pa.date32()), dtype=DATE)
        elif get_origin(annotation) is list:
            columns[field_name] = pd.Series(column.to_pylist(), dtype=object)
        elif annotation is int and nullable:
            dtype = "Int32" if pa.types.is_int32(column.type) else "Int64"
            columns[field_name] = pd.array(column.to_pylist(), dtype=dtype)
        else:
            columns[field_name] = column.to_pandas()
    return pd.DataFrame(columns)


def _polars_frame(table: pa.Table, levels: dict[str, list[str]]) -> Any:
    """One Arrow table as a Polars DataFrame, categorical columns as `Enum`s."""
    import polars as pl

    frame = pl.from_arrow(table)
    return frame.with_columns(
        pl.col(c).cast(pl.Enum(levels[c])) for c in frame.columns if c in levels
    )


# --- ready views ---------------------------------------------------------------------------------

COVERAGE_STATUSES = ("present", "review", "missing")


def coverage_table(tables: Mapping[str, pa.Table]) -> pa.Table:
    """The `coverage` view (see `Dataset`) as an Arrow table, in region order, then template
    order of the items. Duplicates and failed files have no rows and are left out; an item
    is present where any decree of the region and template matched it."""
    from plan_etl.catalogue import catalogue

    holds = {e.item.catalogue_id: set(e.templates) for e in catalogue().entries}
    items = tables["catalogue"].column("catalogue_id").to_pylist()
    docs = tables["documents"].select(["region", "template", "status", "duplicate_of"])
    units = sorted(
        {
            (d["region"], d["template"])
            for d in docs.to_pylist()
            if d["status"] != "failed" and d["duplicate_of"] is None
        },
        key=lambda u: (u[0] is None, u[0] or "", u[1]),
    )
    found: dict[tuple[Any, str, str], Counter[str]] = {}
    acts = tables["activities"].select(["region", "template", "catalogue_id", "match_status"])
    for a in acts.to_pylist():
        if a["catalogue_id"] is not None and a["match_status"] in ("matched", "review"):
            key = (a["region"], a["template"], a["catalogue_id"])
            found.setdefault(key, Counter())[a["match_status"]] += 1
    rows = []
    for region, template in units:
        for item in items:
            if template in holds.get(item, ()):
                n = found.get((region, template, item), Counter())
                status = "present" if n["matched"] else "review" if n["review"] else "missing"
                rows.append((region, template, item, status, n.total()))
    names = ("region", "template", "catalogue_id", "status", "rows")
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in names]
    types = (pa.string(), pa.string(), pa.string(), pa.string(), pa.int32())
    return pa.table(
        [pa.array(c, type=t) for c, t in zip(columns, types, strict=True)], names=list(names)
    )


def amends_table(documents: pa.Table) -> pa.Table:
    """The `amends` view (see `Dataset`) as an Arrow table."""
    rows = [
        (d["doc_id"], d["source_file"], a["act_type"], a["act_number"], a["act_date"])
        for d in documents.select(["doc_id", "source_file", "amends"]).to_pylist()
        for a in d["amends"]
    ]
    names = ["doc_id", "source_file", "amends_act_type", "amends_act_number", "amends_act_date"]
    types = [pa.string(), pa.string(), pa.string(), pa.string(), pa.date32()]
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in names]
    return pa.table([pa.array(c, type=t) for c, t in zip(columns, types, strict=True)], names)


def _view_frame(table: pa.Table, levels: dict[str, list[str]], engine: str) -> Any:
    """A view as a DataFrame of `engine`, its id and vocabulary columns categorical."""
    levels = {**levels, "status": list(COVERAGE_STATUSES)}
    if engine == "polars":
        return _polars_frame(table, levels)
    frame = table.to_pandas(types_mapper={pa.date32(): DATE}.get)
    for column in frame.columns:
        if column in levels:
            frame[column] = pd.Categorical(frame[column], categories=levels[column])
    return frame


class DatasetError(ValueError):
    """A dataset folder that cannot be loaded; the message is one line naming the file."""


def schema_problem(schema: pa.Schema, expected: pa.Schema) -> str | None:
    """The first column the table lacks or holds with another type, in words; None when
    it has every column of the contract, typed as the contract says."""
    for field in expected:
        if field.name not in schema.names:
            return f"it has no column {field.name}"
        found = schema.field(field.name).type
        if not found.equals(field.type):
            return f"column {field.name} is {found}, not {field.type}"
    return None


def read_tables(folder: Path) -> dict[str, pa.Table]:
    """The dataset's tables as Arrow tables; `DatasetError` (one line) when one is missing,
    is not Parquet or is not of the dataset's schema."""
    tables = {}
    for name, model in TABLES.items():
        path = folder / f"{name}.parquet"
        if name not in _Tables._fields and not path.is_file():
            continue  # a table of a later schema (amendments, in_force) a folder may lack
        if not path.is_file():
            raise DatasetError(f"{path}: missing (run `plan-etl ingest`)")
        try:
            table = pq.read_table(path)
        except (OSError, pa.ArrowException) as exc:
            raise DatasetError(f"{path}: not a readable Parquet file ({one_line(exc)})") from exc
        problem = schema_problem(table.schema, arrow_schema(model))
        if problem:
            raise DatasetError(f"{path}: not the dataset's {name} table ({problem})")
        tables[name] = table
    return tables


def load(
    path: str | Path = "normalized/", engine: Literal["pandas", "polars"] = "pandas"
) -> Dataset:
    """Read the dataset in `path` (as written by `plan-etl ingest`) as typed DataFrames of
    `engine`: "pandas" (the default) or "polars", with the `coverage` and `amends` views. A
    table that is missing, damaged or of another schema raises `DatasetError`, one line naming
    the file."""
    if engine not in ("pandas", "polars"):
        raise ValueError(f"engine must be 'pandas' or 'polars', not {engine!r}")
    tables = read_tables(Path(path))
    levels = _levels(tables)
    if engine == "polars":
        ds = Dataset(**{n: _polars_frame(t, levels) for n, t in tables.items()})
    else:
        ds = Dataset(**{n: _frame(t, n, levels) for n, t in tables.items()})
    ds.coverage = _view_frame(coverage_table(tables), levels, engine)
    ds.amends = _view_frame(amends_table(tables["documents"]), levels, engine)
    return ds
