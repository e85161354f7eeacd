"""`plan-etl report` on the seed dataset: a Russian, self-contained page whose coverage follows
from the activities table, whose rows link to their sources, and which a real browser shows
without errors or sideways scrolling at desktop and phone width."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from browser import check, chromium
from conftest import SEEDS
from synthetic import synthetic
from typer.testing import CliRunner

from plan_etl.catalogue import catalogue
from plan_etl.cli import app
from plan_etl.loader import load
from plan_etl.report import deadline_text, labels, render_report, review_reason, unpack

MAX_BYTES = 1_500_000  # the budget for the page
# The large report: the seeds copied to 90 decrees (about Russia's 89 regions), ~4,700 rows.
COPIES = 18
PARTS = re.compile(r'<script id="report-parts"[^>]*>(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def dataset(seed_dataset: Path) -> Path:
    return seed_dataset


@pytest.fixture(scope="module")
def report(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("report") / "report.html"
    result = CliRunner().invoke(app, ["report", "--dataset", str(dataset), "--out", str(path)])
    assert result.exit_code == 0, result.output
    return path.read_text(encoding="utf-8")


class Page(HTMLParser):
    """What the page shows: coverage cells per (item, decree key), decree keys in order, row
    ids with their source links, and the attention list's rows."""

    def __init__(self) -> None:
        super().__init__()
        self.decrees: list[str] = []  # the filter's options: decree keys in order
        self.items: list[str] = []
        self.cells: dict[tuple[str, str], str] = {}
        self.texts: dict[tuple[str, str], str] = {}
        self.rows: dict[str, list[str]] = defaultdict(list)  # row id -> hrefs in the row
        self.attention: list[str] = []  # the text of each row of matches to check
        self.notes: list[str] = []  # the text of each row of reading notes
        self._item: str | None = None
        self._cell: tuple[str, str] | None = None
        self._row: str | None = None
        self._list: str | None = None  # which list's table the parser is in
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "option" and a.get("value"):
            self.decrees.append(a["value"] or "")
        elif tag == "table":
            self._list = {"attention-rows": "attention", "note-rows": "notes"}.get(
                a.get("id") or ""
            )
        elif tag == "tr" and a.get("data-item"):
            self._item = a["data-item"]
            self.items.append(self._item or "")
        elif tag == "td" and self._item and a.get("data-doc"):
            self._cell, self._text = (self._item, a["data-doc"] or ""), ""
            self.cells[self._cell] = a.get("class") or ""
        elif tag == "tr" and (a.get("id") or "").startswith("r-"):
            self._row = a["id"]
        elif tag == "tr" and self._list and a.get("class") in ("attn", "note"):
            self._text, self._row = "", self._list
        elif tag == "a" and self._row and self._row not in ("attention", "notes"):
            self.rows[self._row].append(a.get("href") or "")

    def handle_data(self, data: str) -> None:
        if self._cell or self._row in ("attention", "notes"):
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell:
            self.texts[self._cell] = self._text.strip()
            self._cell = None
        elif tag == "tr":
            if self._row in ("attention", "notes"):
                getattr(self, self._row).append(" ".join(self._text.split()))
            self._item = self._row = None


def parts(html: str) -> dict[str, str]:
    """The page's packed parts (coverage matrices, decree sections, attention list) by id."""
    found = PARTS.search(html)
    assert found, "the page carries no packed parts"
    return unpack(found.group(1))


def expanded(html: str) -> str:
    """The page with its packed parts appended: everything a reader can open, as HTML."""
    return html + "".join(parts(html).values())


def parse(html: str) -> Page:
    page = Page()
    page.feed(expanded(html))
    return page


def expected_states(dataset: Path) -> dict[tuple[str, str], str]:
    """present/review/missing/na per (item, decree key), straight from the Parquet tables."""
    docs = [
        d
        for d in pq.read_table(dataset / "documents.parquet").to_pylist()
        if d["duplicate_of"] is None
    ]
    acts = pq.read_table(dataset / "activities.parquet").to_pylist()
    holds = {e.item.catalogue_id: set(e.templates) for e in catalogue().entries}
    key = {d["doc_id"]: f"d{i}" for i, d in enumerate(docs)}
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for a in acts:
        if a["catalogue_id"] and a["match_status"] in ("matched", "review"):
            found[a["catalogue_id"], key[a["doc_id"]]].add(a["match_status"])
    states = {}
    for d in docs:
        for item, templates in holds.items():
            got = found.get((item, key[d["doc_id"]]))
            if got:
                state = "present" if "matched" in got else "review"
            else:
                state = "missing" if d["template"] in templates else "na"
            states[item, key[d["doc_id"]]] = state
    return states


def test_report_is_russian_self_contained_and_small(report: str) -> None:
    assert '<html lang="ru">' in report
    assert not re.search(r"""\b(src|href)\s*=\s*["']?(https?:)?//""", report)
    assert "plotly" not in report.lower()
    assert len(report.encode("utf-8")) <= MAX_BYTES
    for title in labels()["groups"].values():
        assert f"<summary>{title} <span" in report, title


def test_coverage_follows_from_the_activities_table(report: str, dataset: Path) -> None:
    page = parse(report)
    ids = pq.read_table(dataset / "catalogue.parquet").column("catalogue_id").to_pylist()
    assert page.items == ids  # every item, in template order, grouped by block
    assert page.decrees == [f"d{i}" for i in range(len(SEEDS))]
    assert page.cells == expected_states(dataset)
    states = Counter(page.cells.values())
    assert states["present"] > 200 and states["na"] > 0


def test_the_other_template_is_grey_not_missing(report: str, dataset: Path) -> None:
    page = parse(report)
    docs = pq.read_table(dataset / "documents.parquet").to_pylist()
    agency = next(f"d{i}" for i, d in enumerate(docs) if d["template"] == "agency")
    region = next(f"d{i}" for i, d in enumerate(docs) if d["template"] == "region")
    assert page.cells["org.responsible", agency] == "na"
    assert page.cells["agency.model", region] == "na"
    assert page.texts["org.responsible", agency] == "—"


def test_cells_show_the_deadline_as_precise_as_the_plan(report: str, dataset: Path) -> None:
    page = parse(report)
    acts = load(dataset).activities
    keys = {d: f"d{i}" for i, d in enumerate(load(dataset).documents["doc_id"])}
    dated = acts[acts["deadline_date"].notna() & acts["catalogue_id"].notna()]
    for row in dated.head(60).itertuples():
        shown = page.texts[row.catalogue_id, keys[row.doc_id]]
        assert deadline_text(row.deadline_date, row.deadline_precision) in shown


def test_every_row_is_in_its_decree_section_with_a_source_link(report: str, dataset: Path) -> None:
    page = parse(report)
    docs = pq.read_table(dataset / "documents.parquet").to_pylist()
    for i, doc in enumerate(docs):
        rows = [r for r in page.rows if r.startswith(f"r-d{i}-")]
        assert len(rows) == doc["row_count"]
        for row in rows:
            assert page.rows[row][-1].split("#")[0].endswith(doc["source_file"]), row


def test_deadline_text_keeps_the_precision() -> None:
    day = dt.date(2024, 12, 31)
    assert [deadline_text(day, p) for p in ("day", "month", "quarter", "half_year", "year")] == [
        "31.12.2024",
        "12.2024",
        "IV кв. 2024",
        "II полуг. 2024",
        "2024",
    ]
    assert deadline_text(None, None) == ""


def test_review_and_warning_rows_are_listed_with_reason_and_runner_up(
    dataset: Path, tmp_path: Path
) -> None:
    """The seeds match fully, so put one row in review and give another a warning."""
    shutil.copytree(dataset, tmp_path / "ds")
    table = pq.read_table(dataset / "activities.parquet")
    status = table.column("match_status").to_pylist()
    warnings = table.column("warnings").to_pylist()
    status[0] = "review"
    warnings[1] = [*warnings[1], "row continued across page break"]
    n_warned = sum(bool(w) for w in warnings)
    for name, values in (("match_status", status), ("warnings", warnings)):
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, pa.array(values, table.schema.field(index).type))
    pq.write_table(table, tmp_path / "ds" / "activities.parquet")

    html = render_report(load(tmp_path / "ds"))
    page = parse(html)
    first = table.slice(0, 1).to_pylist()[0]
    # matches to check and reading notes are two lists: the review row in the first only
    assert len(page.attention) == 1
    assert len(page.notes) == n_warned - (1 if warnings[0] else 0)
    review = page.attention[0]
    assert review_reason(first["match_score"], first["runner_up_score"]) in review
    wordings = {e.item.catalogue_id: e.item.wording for e in catalogue().entries}
    assert wordings[first["runner_up_id"]][:40] in review  # items by their Russian wording
    assert first["runner_up_id"] not in review and first["catalogue_id"] not in review
    assert any("строка продолжается на следующей странице" in t for t in page.notes)
    assert page.cells[first["catalogue_id"], "d0"] in ("review", "present")
    assert "Сопоставления на проверку (1)" in html
    assert f"Замечания чтения ({len(page.notes)})" in html


def test_review_reasons_are_plain_russian() -> None:
    """No thresholds and no English: what a reader can act on."""
    close = review_reason(90.0, 89.0)
    assert close == "второй вариант почти так же вероятен"
    weak = review_reason(10.0, 0.0)
    assert "частично" in weak and not re.search(r"[A-Za-z0-9]", weak + close)


def test_a_duplicate_is_one_line_not_a_decree(dataset: Path, tmp_path: Path) -> None:
    """A second file of a decree is named once («тот же акт, что …») and is in no count,
    no filter option, no coverage column and no section."""
    shutil.copytree(dataset, tmp_path / "ds")
    docs = pq.read_table(dataset / "documents.parquet")
    first = docs.slice(0, 1).to_pylist()[0]
    copy = {**first, "doc_id": "0" * 16, "source_file": "copy.docx", "row_count": 0}
    copy |= {"duplicate_of": first["doc_id"], "error": "same decree as x; not repeated"}
    rows = [*docs.to_pylist(), copy]
    pq.write_table(
        pa.Table.from_pylist(rows, schema=docs.schema), tmp_path / "ds" / "documents.parquet"
    )
    html = render_report(load(tmp_path / "ds"))
    page = parse(html)
    n = len(SEEDS)
    assert page.decrees == [f"d{i}" for i in range(n)] and f"все ({n})" in html
    assert len(page.cells) == n * len(catalogue().entries)
    assert f"copy.docx — тот же акт, что {first['source_file']}" in html
    assert "same decree" not in expanded(html) and "copy.docx" not in "".join(parts(html).values())
    assert f"<b>{n}</b>документов" in html


def test_source_links_are_relative_to_the_page(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "report.html"
    out.parent.mkdir()
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--dataset",
            str(dataset),
            "--out",
            str(out),
            "--sources",
            str(tmp_path / "raw"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f'href="../raw/{SEEDS[0].name}"' in expanded(out.read_text(encoding="utf-8"))


@pytest.mark.skipif(chromium() is None, reason="Chromium is not installed")
@pytest.mark.parametrize("width", [1440, 390])
def test_in_a_real_browser(report: str, dataset: Path, width: int, tmp_path: Path) -> None:
    """Chromium opens the page with every <details> open: no error, no sideways overflow;
    the search and the decree filter narrow the rows; a screenshot is written."""
    shot = tmp_path / f"report-{width}.png"
    result = check(report, width, shot)
    assert result.get("inner_width") == width, result
    assert result["errors"] == [] and result["console"] == []
    assert result["scroll_width"] <= result["inner_width"], result["too_wide"]
    assert 0 < result["search_rows"] < result["all_rows"] == 263
    assert result["link_opens"] is True  # a cell's link fills and opens the row's section
    second = pq.read_table(dataset / "documents.parquet").to_pylist()[1]
    assert result["d1_rows"] == second["row_count"]  # the decree filter: one decree's rows
    assert result["d1_cells"] == len(catalogue().entries)  # and its one coverage column
    assert shot.stat().st_size > 10_000
    assert result["jump_clear"] >= 0  # the coverage header is not under the filter bar
    assert result["bar_height"] <= (80 if width == 390 else 60)  # compact on a phone


@pytest.fixture(scope="module")
def large_report(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    big = synthetic(dataset, tmp_path_factory.mktemp("large") / "ds", COPIES)
    return render_report(load(big))


def test_the_report_of_90_decrees_fits_the_budget(large_report: str, dataset: Path) -> None:
    """The page grows by its packed parts only: 90 decrees stay well under 1.5 MB, and every
    decree's section, every row and every coverage block is still in it."""
    assert len(large_report.encode("utf-8")) <= MAX_BYTES
    page = parse(large_report)
    n_docs = len(SEEDS) * COPIES
    assert page.decrees == [f"d{i}" for i in range(n_docs)]
    assert len(page.rows) == 263 * COPIES
    assert len(page.cells) == n_docs * len(catalogue().entries)
    assert all(row[-1] for row in page.rows.values())  # every row links to its source


@pytest.mark.skipif(chromium() is None, reason="Chromium is not installed")
def test_the_large_report_in_a_real_browser(large_report: str) -> None:
    """At phone width, with all 90 sections opened: no error, no sideways overflow, and the
    search finds rows among ~4,700."""
    # measured only: a screenshot of a page this size hung headless Chromium on a busy machine
    # (the seed report's test takes the screenshots)
    result = check(large_report, 390, None)
    assert result.get("inner_width") == 390, result
    assert result["errors"] == [] and result["console"] == []
    assert result["scroll_width"] <= result["inner_width"], result["too_wide"]
    assert 0 < result["search_rows"] < result["all_rows"] == 263 * COPIES
    assert result["link_opens"] is True


def test_missing_dataset_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", "--dataset", str(tmp_path / "nope")])
    assert result.exit_code == 2
