"""Every labelled decree, in every format it is held in with a text layer, reads back its
gold rows: the same item numbers, nothing more, and each row's activity, deadline,
responsible and result as the gold writes them (spaces squeezed: a PDF keeps a cell's
paragraphs as printed lines). The seeds and the corpus have tests of their own; this one
holds the dev and dev2 decrees (other regions, agency plans, borderless and browser PDFs,
three-level numbering, markdown and text dumps) to the same bar, so that a table-reading
slip on any of them shows here rather than as a tolerance somewhere else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DATA

from plan_etl.pipeline import identify, process_file

TEXT_FORMATS = (".pdf", ".docx", ".txt", ".md")
FILES = sorted(
    path
    for folder in ("dev", "dev2")
    for path in (DATA / folder / "sources").iterdir()
    if path.suffix in TEXT_FORMATS
)
# gold key -> the activity field it is compared with
FIELDS = {
    "activity": "activity",
    "deadline_raw": "deadline_raw",
    "responsible": "responsible_raw",
    "document": "result_document",
}


def squeeze(text: str | None) -> str:
    return " ".join((text or "").split())


def test_every_labelled_decree_is_here() -> None:
    stems = {p.stem for p in FILES}
    golds = {p.stem for folder in ("dev", "dev2") for p in (DATA / folder / "gold").glob("*.json")}
    assert stems == golds
    assert len(FILES) >= 20


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_rows_read_back_as_the_gold_writes_them(path: Path) -> None:
    gold = json.loads((path.parent.parent / "gold" / f"{path.stem}.json").read_text())["rows"]
    source, error = identify(path, path.parent)
    assert error is None
    result = process_file(path, source)
    mine = {a.item_number: a for a in result.activities}
    assert list(mine) == [r["number"] for r in gold]
    problems = [
        f"{r['number']} {field}: {getattr(mine[r['number']], field)!r} != {r[key]!r}"
        for r in gold
        for key, field in FIELDS.items()
        if squeeze(getattr(mine[r["number"]], field)) != squeeze(r[key])
    ]
    assert problems == []
