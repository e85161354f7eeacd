"""`plan-etl report` on the seed dataset: every region and item in the matrix, counts that
follow from the activities table, nothing fetched from the network."""

from __future__ import annotations

import re
import shutil
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import SEEDS
from typer.testing import CliRunner

from plan_etl.catalogue import catalogue
from plan_etl.cli import app
from plan_etl.loader import load
from plan_etl.report import render_report


@pytest.fixture(scope="module")
def dataset(seed_dataset: Path) -> Path:
    return seed_dataset


@pytest.fixture(scope="module")
def report(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("report") / "report.html"
    result = CliRunner().invoke(app, ["report", "--dataset", str(dataset), "--out", str(path)])
    assert result.exit_code == 0, result.output
    return path.read_text(encoding="utf-8")


class Matrix(HTMLParser):
    """The coverage matrix as the page shows it: column regions, item rows, cell states and
    texts, summary counts."""

    def __init__(self) -> None:
        super().__init__()
        self.regions: list[str] = []
        self.items: list[str] = []
        self.states: dict[tuple[str, str], str] = {}
        self.texts: dict[tuple[str, str], str] = {}
        self.counts: dict[tuple[str, str], int] = {}
        self._item: str | None = None
        self._cell: tuple[str, str, str] | None = None  # kind, region, state/count name
        self._text = ""
        self._in_matrix = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._in_matrix = a.get("id") == "matrix"
        if not self._in_matrix:
            return
        if tag == "tr" and a.get("data-item"):
            self._item = a["data-item"]
            self.items.append(self._item)
        elif tag == "th" and a.get("data-region"):
            self.regions.append(a["data-region"] or "")
        elif tag == "td" and a.get("data-count"):
            self._cell, self._text = ("count", a["data-region"] or "", a["data-count"] or ""), ""
        elif tag == "td" and a.get("data-state"):
            self._cell, self._text = ("cell", a["data-region"] or "", a["data-state"] or ""), ""

    def handle_data(self, data: str) -> None:
        if self._cell:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_matrix = False
        if tag != "td" or not self._cell:
            return
        kind, region, name = self._cell
        if kind == "count":
            self.counts[region, name] = int(self._text)
        else:
            assert self._item is not None
            self.states[self._item, region] = name
            self.texts[self._item, region] = self._text.strip()
        self._cell = None


def parse(html: str) -> Matrix:
    matrix = Matrix()
    matrix.feed(html)
    return matrix


def expected_counts(dataset: Path) -> dict[str, Counter[str]]:
    """present/review/missing/extra per region, straight from the Parquet tables."""
    docs = pq.read_table(dataset / "documents.parquet").to_pylist()
    acts = pq.read_table(dataset / "activities.parquet").to_pylist()
    cat = pq.read_table(dataset / "catalogue.parquet").to_pylist()
    label = {d["doc_id"]: d["region"] or d["source_file"] for d in docs}
    templates: dict[str, set[str]] = defaultdict(set)
    for d in docs:
        templates[label[d["doc_id"]]].add(d["template"])
    holds = {e.item.catalogue_id: set(e.templates) for e in catalogue().entries}
    statuses: dict[tuple[str, str], set[str]] = defaultdict(set)
    counts: dict[str, Counter[str]] = {region: Counter() for region in templates}
    for a in acts:
        region = label[a["doc_id"]]
        if a["catalogue_id"] and a["match_status"] in ("matched", "review"):
            statuses[region, a["catalogue_id"]].add(a["match_status"])
        else:
            counts[region]["extra"] += 1
    for region, kinds in templates.items():
        for item in cat:
            found = statuses.get((region, item["catalogue_id"]))
            if found:
                counts[region]["present" if "matched" in found else "review"] += 1
            elif holds[item["catalogue_id"]] & kinds:
                counts[region]["missing"] += 1
    return counts


def test_report_is_self_contained(report: str) -> None:
    assert not re.search(
        r"""<(script|link|img)\b[^>]*\b(src|href)\s*=\s*["']?(https?:)?//""", report
    )
    assert "Plotly.newPlot" in report  # the timeline is drawn by the inlined library
    assert len(re.findall(r"<script\b", report)) >= 2


def test_matrix_has_every_region_and_every_item(report: str, dataset: Path) -> None:
    matrix = parse(report)
    docs = pq.read_table(dataset / "documents.parquet").to_pylist()
    assert matrix.regions == [d["region"] for d in docs]
    assert None not in matrix.regions
    ids = pq.read_table(dataset / "catalogue.parquet").column("catalogue_id").to_pylist()
    assert matrix.items == ids
    assert len(matrix.states) == len(ids) * len(docs)


def test_counts_follow_from_the_activities_table(report: str, dataset: Path) -> None:
    matrix = parse(report)
    expected = expected_counts(dataset)
    for region in matrix.regions:
        shown = {
            kind: matrix.counts[region, kind] for kind in ("present", "review", "missing", "extra")
        }
        assert shown == {kind: expected[region][kind] for kind in shown}, region
        cells = Counter(state for (_, r), state in matrix.states.items() if r == region)
        assert cells["present"] == shown["present"] and cells["missing"] == shown["missing"]
    # the seeds are plans of both templates: region plans and the Stavropol agency plan
    assert expected["Ставропольский край"]["missing"] > 0
    assert sum(c["present"] for c in expected.values()) > 200


def test_cells_show_the_deadline(report: str, dataset: Path) -> None:
    matrix = parse(report)
    acts = load(dataset).activities
    dated = acts[acts["deadline_date"].notna() & acts["catalogue_id"].notna()]
    for row in dated.head(40).itertuples():
        assert row.deadline_date.strftime("%d.%m.%Y") in matrix.texts[row.catalogue_id, row.region]


def test_review_and_unmatched_rows_are_listed_and_marked(dataset: Path, tmp_path: Path) -> None:
    """The seeds match fully, so put two rows in review and one out of the catalogue."""
    shutil.copytree(dataset, tmp_path / "ds")
    table = pq.read_table(dataset / "activities.parquet")
    status = table.column("match_status").to_pylist()
    ids = table.column("catalogue_id").to_pylist()
    first_doc = table.column("doc_id")[0].as_py()
    rows = [i for i, d in enumerate(table.column("doc_id").to_pylist()) if d == first_doc]
    review_item = ids[rows[0]]
    for i in rows:
        if ids[i] == review_item:
            status[i] = "review"
    status[rows[-1]], ids[rows[-1]] = "unmatched", None
    table = table.set_column(
        table.schema.get_field_index("match_status"), "match_status", pa.array(status)
    )
    table = table.set_column(
        table.schema.get_field_index("catalogue_id"), "catalogue_id", pa.array(ids)
    )
    pq.write_table(table, tmp_path / "ds" / "activities.parquet")

    html = render_report(load(tmp_path / "ds"))
    matrix = parse(html)
    region = matrix.regions[0]
    assert matrix.states[review_item, region] == "review"
    assert matrix.counts[region, "review"] == 1
    assert matrix.counts[region, "extra"] == 1
    expected = expected_counts(tmp_path / "ds")[region]
    assert matrix.counts[region, "present"] == expected["present"]
    assert matrix.counts[region, "missing"] == expected["missing"]
    listed = html[html.index('id="attention-rows"') : html.index('id="decrees"')]
    assert listed.count("<tr><td>") == status.count("review") + status.count("unmatched")
    assert f"<td>{SEEDS[0].name}</td>" in listed


def test_every_decree_has_its_status(report: str, dataset: Path) -> None:
    section = report[report.index('id="decree-status"') :]
    for doc in pq.read_table(dataset / "documents.parquet").to_pylist():
        assert f"<td>{doc['source_file']}</td>" in section
    assert section.count('<span class="badge ok">ok</span>') == len(SEEDS)


def test_missing_dataset_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", "--dataset", str(tmp_path / "nope")])
    assert result.exit_code == 2
