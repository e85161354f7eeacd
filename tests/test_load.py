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


def test_activities_carry_the_decree_template(dataset: plan_etl.Dataset) -> None:
    acts, docs, _ = dataset
    templates = dict(zip(docs["doc_id"].astype(str), docs["template"].astype(str), strict=True))
    assert (acts["template"].astype(str) == acts["doc_id"].astype(str).map(templates)).all()
    assert set(acts["template"].astype(str)) == {"region", "agency"}


def test_coverage_is_region_by_template_item(dataset: plan_etl.Dataset, seed_dataset: Path) -> None:
    """One row per region and item of its plan's template; present where a row of the
    region matched the item, review where only rows in review did, else missing."""
    from plan_etl.catalogue import catalogue

    acts, docs, _ = dataset
    cov = dataset.coverage
    holds = {e.item.catalogue_id: set(e.templates) for e in catalogue().entries}
    assert list(cov["status"].cat.categories) == ["present", "review", "missing"]
    assert not cov.duplicated(["region", "template", "catalogue_id"]).any()
    for d in docs.itertuples():
        mine = cov[(cov["region"] == d.region) & (cov["template"] == d.template)]
        want = {i for i, t in holds.items() if d.template in t}
        assert set(mine["catalogue_id"].astype(str)) == want  # the agency plan: agency items
    matched = acts[acts["match_status"] == "matched"]
    present = set(
        zip(matched["region"].astype(str), matched["catalogue_id"].astype(str), strict=True)
    )
    shown = cov[cov["status"] == "present"]
    assert (
        set(zip(shown["region"].astype(str), shown["catalogue_id"].astype(str), strict=True))
        == present
    )
    missing = cov[cov["status"] == "missing"]
    assert (missing["rows"] == 0).all() and (shown["rows"] > 0).all()
    polars = plan_etl.load(seed_dataset, engine="polars").coverage
    assert polars.height == len(cov)
    assert polars["status"].dtype == pl.Enum(["present", "review", "missing"])


def test_amends_flat_view_unnests_without_clashes(
    dataset: plan_etl.Dataset, seed_dataset: Path
) -> None:
    amends = dataset.amends
    assert list(amends.columns) == [
        "doc_id", "source_file", "amends_act_type", "amends_act_number", "amends_act_date"
    ]  # fmt: skip
    kursk = amends[amends["amends_act_number"] == "1060-пп"]
    assert len(kursk) == 1 and kursk["amends_act_date"].iloc[0] == dt.date(2023, 9, 29)
    polars = plan_etl.load(seed_dataset, engine="polars")
    assert polars.amends.height == len(amends)
    joined = polars.documents.select("doc_id", "act_number").join(polars.amends, on="doc_id")
    assert joined.height == len(amends)
