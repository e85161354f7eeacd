"""Vertically merged cells in ruled PDFs: the text belongs to every row the cell spans, also
across a page break, and the PDF gives the same rows as the DOCX of the same decree."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from conftest import DATA
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from test_extract_pdf import HEADER, MERGED_ABOVE, NUMBERS, Row, cyrillic_font, draw_table

from plan_etl.assemble import PlanTable, assemble
from plan_etl.extract import extractor_for
from plan_etl.extract.pdf import VERTICALLY_MERGED, PdfExtractor

DEV = DATA / "dev"
FIELDS = {"activity": "activity", "responsible": "responsible", "deadline_raw": "deadline"}
FIELDS["document"] = "result"


def squeeze(text: str | None) -> str:
    return " ".join((text or "").split())


@cache
def plan(path: Path) -> PlanTable:
    return assemble(extractor_for(path).read(path).blocks)


def contents(table: PlanTable) -> dict[str, dict[str, str]]:
    """Each row's number and its four content cells, spaces squeezed."""
    return {
        r.item_number: {gold: squeeze(r.text(role)) for gold, role in FIELDS.items()}
        for r in table.rows
    }


def test_perm_pdf_merged_responsible_equals_gold() -> None:
    """perm.pdf: «Ответственный» merged over 2–7 rows, three runs across a page break."""
    gold = json.loads((DEV / "gold" / "perm.json").read_text())["rows"]
    got = contents(plan(DEV / "sources" / "perm.pdf"))
    want = {r["number"]: {k: squeeze(r[k]) for k in FIELDS} for r in gold}
    assert got == want


def test_perm_pdf_rows_after_a_page_break_note_the_merge() -> None:
    rows = {r.item_number: r for r in plan(DEV / "sources" / "perm.pdf").rows}
    for item in ("2.4", "2.7", "4.3", "6.3", "6.7"):
        assert any(w.startswith(VERTICALLY_MERGED) for w in rows[item].warnings), item
    assert not any(w.startswith(VERTICALLY_MERGED) for w in rows["2.1"].warnings)


@pytest.mark.parametrize("stem", ["perm", "tatarstan", "yaroslavl-health", "yugra"])
def test_pdf_and_docx_of_one_decree_give_the_same_rows(stem: str) -> None:
    pdf = contents(plan(DEV / "sources" / f"{stem}.pdf"))
    assert pdf == contents(plan(DEV / "sources" / f"{stem}.docx"))


# --- built PDFs: what the ruling says at the page break ----------------------------------------


def two_pages(
    path: Path, first: list[Row], second: list[Row], open_below: tuple[int, ...] = ()
) -> PlanTable:
    """A plan table over two pages, its header and «1 2 …» row repeated on the second;
    the first page leaves the columns `open_below` open at its bottom."""
    font = cyrillic_font()
    pdf = Canvas(str(path), pagesize=A4)
    for rows, open_cols in ((first, open_below), (second, ())):
        pdf.setFont(font, 10)
        draw_table(pdf, [HEADER, NUMBERS, *rows], 790, outer=True, open_below=open_cols)
        pdf.showPage()
    pdf.save()
    return assemble(PdfExtractor().read(path).blocks)


def responsibles(table: PlanTable) -> dict[str, str | None]:
    return {r.item_number: r.text("responsible") for r in table.rows}


def row(number: str, responsible: str | None) -> Row:
    return (number, f"Мероприятие {number}", responsible, "2024", "", "Приказ")


def test_merge_across_a_page_break_reaches_the_rows_below(tmp_path: Path) -> None:
    first = [("1. Организация",), row("1.1.", "Администрация"), row("1.2.", MERGED_ABOVE)]
    second = [row("1.3.", ""), row("1.4.", MERGED_ABOVE), row("1.5.", "Министерство")]
    got = responsibles(two_pages(tmp_path / "p.pdf", first, second))
    assert got == {"1.1": "Администрация", "1.2": "Администрация", "1.3": "Администрация"} | {
        "1.4": "Администрация",
        "1.5": "Министерство",
    }


def test_empty_cell_after_a_page_break_beside_a_one_row_cell_stays_empty(tmp_path: Path) -> None:
    first = [("1. Организация",), row("1.1.", "Администрация"), row("1.2.", "Министерство")]
    second = [row("1.3.", ""), row("1.4.", "Министерство")]
    got = responsibles(two_pages(tmp_path / "p.pdf", first, second))
    assert got["1.3"] in ("", None)
    assert got["1.2"] == got["1.4"] == "Министерство"


def test_row_cut_by_the_page_break_gets_the_merged_text_once(tmp_path: Path) -> None:
    """The rest of a cut row opens the page: it goes on the row above, which has the text."""
    first = [("1. Организация",), row("1.1.", "Администрация"), row("1.2.", MERGED_ABOVE)]
    tail: Row = ("", "продолжение", "", "", "", "")
    second = [tail, row("1.3.", MERGED_ABOVE)]
    table = two_pages(tmp_path / "p.pdf", first, second)
    assert responsibles(table) == {"1.1": "Администрация", "1.2": "Администрация"} | {
        "1.3": "Администрация"
    }
    assert table.rows[1].text("activity") == "Мероприятие 1.2. продолжение"


def test_one_row_cells_on_both_sides_merge_when_the_first_page_leaves_it_open(
    tmp_path: Path,
) -> None:
    """A merge of two rows split one and one by the page shows only in the ruling: no rule
    under the cell at the bottom of the first page (Chromium)."""
    first = [("1. Организация",), row("1.1.", "Министерство"), row("1.2.", "Администрация")]
    second = [row("1.3.", ""), row("1.4.", "Министерство")]
    got = responsibles(two_pages(tmp_path / "p.pdf", first, second, open_below=(2,)))
    assert got == {"1.1": "Министерство", "1.2": "Администрация", "1.3": "Администрация"} | {
        "1.4": "Министерство"
    }


def test_merged_text_a_page_break_cut_is_one_text_in_every_row(tmp_path: Path) -> None:
    """Word flows a merged cell's text on over the break: «…развития,» closes the first page,
    «органы …» opens the merged cell on the next. Every row the cell covers gets it whole."""
    first = [("1. Организация",), row("1.1.", "Министерство\nцифрового\nразвития,")]
    second = [row("1.2.", "органы\nвласти"), row("1.3.", MERGED_ABOVE)]
    table = two_pages(tmp_path / "p.pdf", first, second)
    whole = "Министерство цифрового развития, органы власти"
    assert {k: squeeze(v) for k, v in responsibles(table).items()} == dict.fromkeys(
        ("1.1", "1.2", "1.3"), whole
    )
    for r in table.rows:  # each row says its cell was mended
        assert any("joined over a page break" in w or "copied" in w for w in r.warnings), r


@pytest.mark.parametrize(
    ("above", "below"),
    [
        ("Министерство\nцифрового\nразвития", "органы\nвласти"),  # a whole text above
        ("Министерство\nцифрового\nразвития,", "Органы\nвласти"),  # a text of its own below
    ],
    ids=["above-complete", "below-capitalised"],
)
def test_a_merged_cell_of_its_own_after_a_page_break_keeps_its_text(
    tmp_path: Path, above: str, below: str
) -> None:
    first = [("1. Организация",), row("1.1.", above)]
    second = [row("1.2.", below), row("1.3.", MERGED_ABOVE)]
    got = {
        k: squeeze(v) for k, v in responsibles(two_pages(tmp_path / "p.pdf", first, second)).items()
    }
    assert got == {"1.1": squeeze(above), "1.2": squeeze(below), "1.3": squeeze(below)}
