"""The PDF extractor on the corpus PDFs (against gold), on PDFs built here and on bad files."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from conftest import DATA, diff_against_gold, row_fields
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from plan_etl.assemble import PlanTable, assemble
from plan_etl.extract import extractor_for
from plan_etl.extract.base import ExtractError
from plan_etl.extract.pdf import VERTICALLY_MERGED, PdfExtractor

CORPUS = sorted((DATA / "corpus").glob("*.pdf"))

# Differences that no reader of the PDF can decide, by (file, item, column): the gold keeps
# the source's «социально- экономического» (a space after the hyphen), but the PDF breaks the
# line right after that hyphen, which prints exactly like a word hyphenated at a line end.
# Each maps what we read to what the gold says instead.
UNDECIDABLE = {
    ("dagestan-490r", "1.1", "result_document"): (
        "социально-экономического",
        "социально- экономического",
    ),
}

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/liberation/LiberationSans-Regular.ttf",
)


@cache
def corpus_table(stem: str) -> PlanTable:
    """Each corpus PDF is read once for all the tests that look at it."""
    return assemble(PdfExtractor().read(DATA / "corpus" / f"{stem}.pdf").blocks)


def as_gold_reads(stem: str, fields: dict[str, str | None]) -> dict[str, str | None]:
    for (name, item, column), (ours, gold) in UNDECIDABLE.items():
        value = fields[column]
        if name == stem and fields["item_number"] == item and value:
            fields[column] = value.replace(ours, gold)
    return fields


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_corpus_rows_equal_gold(path: Path) -> None:
    rows = [as_gold_reads(path.stem, row_fields(r)) for r in corpus_table(path.stem).rows]
    assert diff_against_gold(rows, path.stem) == []


def test_corpus_holds_all_263_rows() -> None:
    assert sum(len(corpus_table(p.stem).rows) for p in CORPUS) == 263


@pytest.mark.parametrize(
    ("stem", "item", "first", "last"),
    [
        ("kursk-254pp", "2.2", 2, 3),
        ("kursk-254pp", "6.3", 9, 10),
        ("samara-213r", "9.5", 11, 12),
        ("irkutsk-658rp", "3.12", 6, 7),
        ("stavropol-social", "67", 11, 12),
        ("dagestan-490r", "4.2", 6, 7),
    ],
)
def test_rows_split_across_pages(stem: str, item: str, first: int, last: int) -> None:
    row = next(r for r in corpus_table(stem).rows if r.item_number == item)
    assert (row.page_first, row.page_last) == (first, last)
    assert "row continued across page break" in row.warnings


def test_page_count_and_no_warnings_on_text_pdfs() -> None:
    raw = PdfExtractor().read(DATA / "corpus" / "kursk-254pp.pdf")
    assert raw.page_count == 10 and raw.warnings == []
    assert isinstance(extractor_for(Path("x.PDF")), PdfExtractor)


# --- PDFs built here ---------------------------------------------------------------------------


def cyrillic_font() -> str:
    """Register a TTF with Cyrillic for reportlab (its own fonts have none)."""
    path = next((p for p in FONT_CANDIDATES if Path(p).exists()), None)
    if path is None:
        pytest.skip("no Cyrillic TTF font (DejaVu or Liberation) installed")
    pdfmetrics.registerFont(TTFont("Cyr", path))
    return "Cyr"


Row = tuple[str | None, ...]
MERGED_ABOVE = None  # a cell merged with the one above it: no rule between them
WIDTHS = (36, 170, 110, 70, 70, 80)
HEADER: Row = (
    "№",
    "Мероприятие",
    "Ответственный\nисполнитель",
    "Срок\nисполнения",
    "Примечание",
    "Вид\nдокумента",
)
NUMBERS: Row = ("1", "2", "3", "4", "5", "6")
PAGE_1: list[Row] = [
    HEADER,
    NUMBERS,
    ("1. Организационные мероприятия",),
    ("1.1.", "Назначение\nответственного", "Администрация", "01.10.2024", "", "Приказ"),
    ("1.2.", "Утверждение модели", "Администрация", MERGED_ABOVE, "", "Распоряжение"),
    ("1.3.", "План\nинформационно-", "Министерство\nцифрового", "31.12.2024", "", "Медиаплан"),
]
PAGE_2: list[Row] = [
    HEADER,
    NUMBERS,
    ("", "технического обеспечения", "развития", "", "", ""),
    ("2. Жизненные ситуации",),
    ("2.1.", "Перечень", "Рабочая группа", "IV квартал\n2024 года", "по плану", "Протокол"),
]


def draw_table(pdf: Canvas, rows: list[Row], top: float, outer: bool) -> None:
    """Draw a ruled table as word processors do, cell lines split on '\\n'. A 1-tuple is a
    row merged across the table; `outer=False` leaves out the left and right borders."""
    xs = [30.0]
    for width in WIDTHS:
        xs.append(xs[-1] + width)
    y = top
    for row in rows:
        lines = [cell.split("\n") if cell else [] for cell in row]
        height = 12 * max(map(len, lines)) + 6
        for c, cell in enumerate(row):
            if cell is not MERGED_ABOVE:
                pdf.line(xs[c], y, xs[-1] if len(row) == 1 else xs[c + 1], y)
            for n, text in enumerate(lines[c]):
                pdf.drawString(xs[c] + 4, y - 12 * (n + 1), text)
        borders = xs if len(row) > 1 else [xs[0], xs[-1]]
        for x in borders if outer else [x for x in borders if x not in (xs[0], xs[-1])]:
            pdf.line(x, y, x, y - height)
        y -= height
    pdf.line(xs[0], y, xs[-1], y)


def build_plan_pdf(path: Path, outer: bool) -> None:
    """A two-page plan in an unusual column order with an extra column: the header and a
    column-number row repeated on page 2, headings merged across the table, a deadline
    merged down two rows and a row that breaks across the page (a hyphenated word too)."""
    font = cyrillic_font()
    pdf = Canvas(str(path), pagesize=A4)
    pdf.setFont(font, 10)
    pdf.drawString(200, 780, "ПЛАН мероприятий по внедрению стандартов")
    draw_table(pdf, PAGE_1, 760, outer)
    pdf.showPage()
    pdf.setFont(font, 10)
    pdf.drawString(290, 810, "2")
    draw_table(pdf, PAGE_2, 790, outer)
    pdf.save()


@pytest.mark.parametrize("outer", [True, False], ids=["ruled", "no-outer-borders"])
def test_built_plan_read_by_header_words(tmp_path: Path, outer: bool) -> None:
    path = tmp_path / "plan.pdf"
    build_plan_pdf(path, outer)
    raw = PdfExtractor().read(path)
    assert raw.page_count == 2
    table = assemble(raw.blocks)
    assert table.preamble == "ПЛАН мероприятий по внедрению стандартов"
    roles = ("activity", "responsible", "deadline", "result")
    got = [" | ".join([r.item_number, *(r.text(role) or "" for role in roles)]) for r in table.rows]
    assert got == [
        "1.1 | Назначение ответственного | Администрация | 01.10.2024 | Приказ",
        "1.2 | Утверждение модели | Администрация | 01.10.2024 | Распоряжение",
        "1.3 | План информационно-технического обеспечения | Министерство цифрового развития"
        " | 31.12.2024 | Медиаплан",
        "2.1 | Перечень | Рабочая группа | IV квартал 2024 года | Протокол",
    ]
    sections = [(r.section_number, r.section_title) for r in table.rows]
    assert sections == [("1", "Организационные мероприятия")] * 3 + [("2", "Жизненные ситуации")]
    merged, split = table.rows[1], table.rows[2]
    assert VERTICALLY_MERGED in merged.warnings
    assert (split.page_first, split.page_last) == (1, 2)
    assert "row continued across page break" in split.warnings


# --- bad files ---------------------------------------------------------------------------------


def test_truncated_pdf_raises(tmp_path: Path) -> None:
    data = (DATA / "corpus" / "kursk-254pp.pdf").read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ExtractError, match="corrupt PDF"):
        PdfExtractor().read(path)


def test_not_a_pdf_raises(tmp_path: Path) -> None:
    path = tmp_path / "letter.pdf"
    path.write_text("Уважаемые коллеги! Это письмо, а не PDF.\n", encoding="utf-8")
    with pytest.raises(ExtractError, match="not a PDF"):
        PdfExtractor().read(path)


def test_empty_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(ExtractError, match="empty file"):
        PdfExtractor().read(path)


def test_encrypted_pdf_raises(tmp_path: Path) -> None:
    path = tmp_path / "locked.pdf"
    pdf = Canvas(str(path), encrypt="pw")
    pdf.drawString(100, 700, "secret plan")
    pdf.save()
    with pytest.raises(ExtractError, match="encrypted"):
        PdfExtractor().read(path)


def draw_scan(pdf: Canvas) -> None:
    """A page that is only a picture, as a scanner makes it."""
    pdf.drawImage(ImageReader(Image.new("L", (200, 280), 255)), 50, 50, 400, 560)


def test_scanned_pdf_needs_ocr(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    pdf = Canvas(str(path))
    draw_scan(pdf)
    pdf.save()
    with pytest.raises(ExtractError, match="no text layer"):
        PdfExtractor().read(path)


def test_scanned_page_among_text_pages_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "mixed.pdf"
    pdf = Canvas(str(path))
    pdf.drawString(100, 700, "Text page")
    pdf.showPage()
    draw_scan(pdf)
    pdf.save()
    raw = PdfExtractor().read(path)
    assert [b.text for b in raw.blocks] == ["Text page"]
    assert raw.warnings == ["page 2 has no text layer (scanned image?)"]
    assert raw.page_count == 2
