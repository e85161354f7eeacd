"""Shared fixtures: the seed decrees, their corpus renderings and the gold rows."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from plan_etl.assemble import LogicalRow

DATA = Path(__file__).parent / "data"
SEEDS = sorted((DATA / "seeds").glob("*.txt"))
SLUGS: dict[str, str] = json.loads((DATA / "corpus" / "slugs.json").read_text())
GOLD_FIELDS = (
    ("number", "item_number"),
    ("section", "section_number"),
    ("section_title", "section_title"),
    ("subsection", "subsection_title"),
    ("activity", "activity"),
    ("deadline_raw", "deadline_raw"),
    ("responsible", "responsible_raw"),
    ("document", "result_document"),
)


def bench_module(name: str) -> ModuleType:
    """A script of bench/ imported as a module (`eval_match`: the matcher's folds), once."""
    if name not in sys.modules:
        path = Path(__file__).resolve().parent.parent / "bench" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def gold(stem: str) -> dict:
    """The gold file of a seed stem or of a corpus file stem (kursk-254pp)."""
    return json.loads((DATA / "gold" / f"{SLUGS.get(stem, stem)}.json").read_text())


def row_fields(row: LogicalRow) -> dict[str, str | None]:
    """A logical row in the dataset's column names, for comparison with gold."""
    return {
        "item_number": row.item_number,
        "section_number": row.section_number,
        "section_title": row.section_title,
        "subsection_title": row.subsection_title,
        "activity": row.text("activity"),
        "deadline_raw": row.text("deadline"),
        "responsible_raw": row.text("responsible"),
        "result_document": row.text("result"),
    }


def gold_fields(row: dict) -> dict[str, str | None]:
    return {col: row[key] for key, col in GOLD_FIELDS}


def diff_against_gold(rows: list[dict], stem: str) -> list[str]:
    """Every difference between extracted rows (dataset column names) and the gold rows."""
    expected = [gold_fields(r) for r in gold(stem)["rows"]]
    problems = []
    if len(rows) != len(expected):
        problems.append(f"{len(rows)} rows, gold has {len(expected)}")
    for mine, want in zip(rows, expected, strict=False):
        for col, value in want.items():
            if mine.get(col) != value:
                problems.append(f"{want['item_number']} {col}: {mine.get(col)!r} != {value!r}")
    return problems


@pytest.fixture(scope="session")
def seed_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A raw folder holding the five seed dumps."""
    raw = tmp_path_factory.mktemp("seed-raw")
    for path in SEEDS:
        shutil.copy(path, raw / path.name)
    return raw


@pytest.fixture(scope="session")
def seed_dataset(seed_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds ingested once for the whole session; read it, never change it (copy it)."""
    from plan_etl.pipeline import ingest

    out = tmp_path_factory.mktemp("seed-dataset")
    summary = ingest(seed_raw, out, jobs=2, cache_dir=seed_raw.parent / "seed-cache")
    assert summary.statuses["failed"] == 0 and summary.rows == 263
    return out


@pytest.fixture(params=SEEDS, ids=lambda p: p.stem)
def seed(request: pytest.FixtureRequest) -> Path:
    return request.param


@pytest.fixture(autouse=True)
def private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test's runs use a cache of their own under a temporary folder, never the user's
    ~/.cache nor another test's (worker processes inherit the variable)."""
    from plan_etl.paths import CACHE_ENV

    monkeypatch.setenv(CACHE_ENV, str(tmp_path_factory.mktemp("cache-root")))
