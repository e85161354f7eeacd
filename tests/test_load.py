"""`plan_etl.load()`: typed DataFrames for notebooks, and pandas kept out of CLI start-up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
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


def test_dates_integers_and_lists(dataset: plan_etl.Dataset) -> None:
    acts, docs, _ = dataset
    assert acts["deadline_date"].dtype == "datetime64[s]"
    assert docs["act_date"].dtype == "datetime64[s]"
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
            if column == "deadline_date":
                loaded = [v.date() if v is not None else None for v in loaded]
            assert loaded == table.column(column).to_pylist(), (name, column)


def test_pandas_is_not_imported_by_the_cli() -> None:
    code = "import sys, plan_etl, plan_etl.cli; print('pandas' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
