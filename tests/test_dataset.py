"""The committed artefacts are what the code makes: schemas/ and normalized/ are never stale."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from plan_etl.models import TABLES
from plan_etl.pipeline import ingest
from plan_etl.schemas import render

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", list(TABLES))
def test_schema_files_are_current(name: str) -> None:
    path = ROOT / "schemas" / f"{name}.json"
    assert path.read_text(encoding="utf-8") == render(name), "run `plan-etl schemas`"


def test_committed_dataset_equals_fresh_ingest(tmp_path: Path) -> None:
    ingest(ROOT / "raw", tmp_path, jobs=2, use_cache=False)
    for name in TABLES:
        fresh = pq.read_table(tmp_path / f"{name}.parquet")
        committed = pq.read_table(ROOT / "normalized" / f"{name}.parquet")
        assert committed.schema.equals(fresh.schema, check_metadata=True), (
            f"{name}: run `make ingest`"
        )
        assert committed.equals(fresh), f"normalized/{name}.parquet is stale: run `make ingest`"
