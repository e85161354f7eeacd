"""`plan_etl.load()`: typed DataFrames for notebooks, and pandas kept out of CLI start-up."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest

import plan_etl


@pytest.fixture(scope="module")
def dataset(seed_dataset: Path) -> plan_etl.Dataset:
    return plan_etl.load(seed_dataset)


def test_ids_and_statuses_are_categoricals_with_every_allowed_value(
    dataset: plan_etl.Dataset,
) -> None:
    acts, docs, cat = dataset
    assert list(acts["match_status"].cat.categories) == ["matched", "review", "unmatched"]
    assert list(acts["catalogue_id"].cat.categories) == list(cat["catalogue_id"])
    assert list(acts["doc_id"].cat.categories) == list(docs["doc_id"])
    assert list(docs["status"].cat.categories) == ["ok", "partial", "failed"]
    for frame, column in [(docs, "region"), (docs, "template"), (cat, "block")]:
        assert isinstance(frame[column].dtype, pd.CategoricalDtype), column
    merged = acts.merge(docs[["doc_id", "region"]], on="doc_id")
    assert isinstance(merged["doc_id"].dtype, pd.CategoricalDtype)  # same categories both sides


def test_categories_ordered_for_reading(dataset: plan_etl.Dataset) -> None:
    """Regions alphabetically, items and blocks in template order, precisions fine to coarse."""
    acts, docs, cat = dataset
    regions = list(acts["region"].cat.categories)
    assert regions == sorted(docs["region"].dropna().astype(str).unique()) and len(regions) == 5
    assert list(docs["region"].cat.categories) == regions
    assert list(acts["runner_up_id"].cat.categories) == list(cat["catalogue_id"])
    assert list(cat["block"].cat.categories)[:3] == ["org", "life", "coord"]
    assert list(acts["deadline_precision"].cat.categories) == [
        "day", "month", "quarter", "half_year", "year"
    ]  # fmt: skip
    assert list(docs["template"].cat.categories) == ["region", "agency"]


def test_dates_integers_and_lists(dataset: plan_etl.Dataset) -> None:
    acts, docs, _ = dataset
    assert str(acts["deadline_date"].dtype) == "date32[day][pyarrow]"
    assert str(docs["act_date"].dtype) == "date32[day][pyarrow]"
    assert isinstance(acts["deadline_date"].dropna().iloc[0], dt.date)
    assert (acts["deadline_date"] <= dt.date(2024, 12, 31)).sum() > 0
    assert set(acts["deadline_date"].dt.year.dropna()) <= set(range(2023, 2027))
    assert acts["row_index"].dtype == "int32"
    assert acts["page_first"].dtype == "Int32"
    assert all(isinstance(v, list) for v in acts["responsible"])
    assert all(isinstance(v, list) for v in docs["amends"])


def test_values_equal_the_parquet(dataset: plan_etl.Dataset, seed_dataset: Path) -> None:
    """The dtypes change, the values do not."""
    for name, frame in dataset._asdict().items():
        table = pq.read_table(seed_dataset / f"{name}.parquet")
        assert list(frame.columns) == table.column_names
        for column in ("doc_id", "catalogue_id", "match_status", "page_first", "deadline_date"):
            if column not in frame:
                continue
            loaded = [None if pd.isna(v) else v for v in frame[column].astype(object)]
            assert loaded == table.column(column).to_pylist(), (name, column)


def test_polars_engine_gives_the_same_values_with_enums(
    dataset: plan_etl.Dataset, seed_dataset: Path
) -> None:
    frames = plan_etl.load(seed_dataset, engine="polars")
    acts = frames.activities
    assert isinstance(acts, pl.DataFrame)
    assert acts.schema["deadline_date"] == pl.Date
    assert acts.schema["region"] == pl.Enum(list(dataset.activities["region"].cat.categories))
    assert acts.schema["responsible_bodies"] == pl.List(pl.String)
    for column in ("catalogue_id", "deadline_date", "region", "page_first"):
        pandas_values = [
            None if pd.isna(v) else v for v in dataset.activities[column].astype(object)
        ]
        assert acts[column].to_list() == pandas_values, column


def test_unknown_engine_is_refused(seed_dataset: Path) -> None:
    with pytest.raises(ValueError, match="engine"):
        plan_etl.load(seed_dataset, engine="spark")  # type: ignore[arg-type]


def test_pandas_is_not_imported_by_the_cli() -> None:
    code = "import sys, plan_etl, plan_etl.cli; print('pandas' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
