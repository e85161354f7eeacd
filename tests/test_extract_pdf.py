"""The PDF extractor on the corpus PDFs (against gold), on PDFs built here and on bad files."""

from __future__ import annotations

from dataclasses import dataclass, replace
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
from plan_etl.extract import pdf as pdf_module
from plan_etl.extract.base import Block, ExtractError
from plan_etl.extract.pdf import (
    VERTICALLY_MERGED,
    PageContent,
    PdfExtractor,
    document_blocks,
    open_pdf,
    parse_page,
)

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
def corpus_pages(stem: str) -> tuple[PageContent, ...]:
    """Each corpus PDF is parsed once for all the tests that look at it."""
    with open_pdf(DATA / "corpus" / f"{stem}.pdf") as pdf:
        return tuple(parse_page(page) for page in pdf.pages)


@cache
def corpus_table(stem: str, ruling: bool = True) -> PlanTable:
    """The plan of a corpus PDF; without `ruling`, read as if its tables were printed with
    no lines at all (the ruled tables pdfplumber found are dropped, the words stay)."""
    pages = corpus_pages(stem)
    if not ruling:
        pages = tuple(replace(page, tables=[]) for page in pages)
    return assemble(document_blocks(pages)[0])


def as_gold_reads(stem: str, fields: dict[str, str | None]) -> dict[str, str | None]:
    for (name, item, column), (ours, gold) in UNDECIDABLE.items():
        value = fields[column]
        if name == stem and fields["item_number"] == item and value:
            fields[column] = value.replace(ours, gold)
    return fields


RULING = pytest.mark.parametrize("ruling", [True, False], ids=["ruled", "ruling-ignored"])


@RULING
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_corpus_rows_equal_gold(path: Path, ruling: bool) -> None:
    table = corpus_table(path.stem, ruling)
    rows = [as_gold_reads(path.stem, row_fields(r)) for r in table.rows]
    assert diff_against_gold(rows, path.stem) == []


@RULING
def test_corpus_holds_all_263_rows(ruling: bool) -> None:
    assert sum(len(corpus_table(p.stem, ruling).rows) for p in CORPUS) == 263


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
@RULING
def test_rows_split_across_pages(stem: str, item: str, first: int, last: int, ruling: bool) -> None:
    row = next(r for r in corpus_table(stem, ruling).rows if r.item_number == item)
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


def draw_table(
    pdf: Canvas, rows: list[Row], top: float, outer: bool, open_below: tuple[int, ...] = ()
) -> None:
    """Draw a ruled table as word processors do, cell lines split on '\\n'. A 1-tuple is a
    row merged across the table; `outer=False` leaves out the left and right borders;
    the columns in `open_below` get no rule under the last row (as a browser leaves a
    merged cell that goes on on the next page)."""
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
    for c in range(len(WIDTHS)):
        if c not in open_below:
            pdf.line(xs[c], y, xs[c + 1], y)


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
    assert any(w.startswith(VERTICALLY_MERGED) for w in merged.warnings)
    assert (split.page_first, split.page_last) == (1, 2)
    assert "row continued across page break" in split.warnings


def test_ruled_pages_skip_the_reading_without_ruling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = pdf_module.borderless_blocks

    def spy(
        content: pdf_module.PageContent, columns: pdf_module.Columns | None
    ) -> tuple[list[Block], pdf_module.Columns] | None:
        calls.append(content.number)
        return real(content, columns)

    monkeypatch.setattr(pdf_module, "borderless_blocks", spy)
    path = tmp_path / "plan.pdf"
    build_plan_pdf(path, outer=True)
    assert len(assemble(PdfExtractor().read(path).blocks).rows) == 4
    assert calls == []


# --- tables without ruling ---------------------------------------------------------------------

FONT_SIZE, LEADING, ROW_GAP = 10, 12, 6


@dataclass(frozen=True)
class Layout:
    """How a table without ruling is printed: its columns in order, with their header
    cells and widths; `centred`: single-line header cells centred between the lines of the
    others and headings centred on the table, else both at the top left; `rules`: only a
    frame around each page's part of the table and a rule under the header (pdfplumber
    reads the frame as a table of one column), else no lines at all; `numbered`: a row of
    column numbers under the header."""

    roles: tuple[str, ...]
    header: tuple[str, ...]
    widths: tuple[float, ...]
    centred: bool
    rules: bool
    numbered: bool


LAYOUTS = {
    "plain": Layout(
        ("number", "activity", "deadline", "responsible", "result"),
        (
            "№\nп/п",
            "Мероприятие",
            "Срок\nреализации",
            "Ответственный\nисполнитель",
            "Вид документа\n(результат)",
        ),
        (36, 220, 90, 110, 90),
        centred=True,
        rules=False,
        numbered=False,
    ),
    "reordered": Layout(
        ("number", "activity", "responsible", "deadline", "result"),
        (
            "№ п/п",
            "Наименование\nмероприятия",
            "Ответственный\nисполнитель",
            "Срок\nисполнения",
            "Результат",
        ),
        (40, 210, 120, 90, 76),
        centred=False,
        rules=True,
        numbered=True,
    ),
}

# Cells by role, lines split on '\n'; a string is a heading across the table. Every line of
# an activity cell but the last on its page is justified (spaces stretched to the width).
Cells = dict[str, str] | str
BORDERLESS_PAGE_1: list[Cells] = [
    "1. Организационные мероприятия",
    {
        "number": "1.1.",
        "activity": "О назначении ответственного\nза внедрение стандарта",
        "deadline": "01.10.2024",
        "responsible": "Администрация\nгубернатора",
        "result": "Распоряжение",
    },
    {
        "number": "1.2.",
        "activity": "Разработка регламента\nвзаимодействия с заявителями\nпри предоставлении услуг",
        "responsible": "Министерство\nэкономики",
        "result": "Приказ",
    },
    "2. Информирование граждан",
    {
        "number": "2.1.",
        "activity": "Размещение информации на\nофициальном сайте и в",
        "deadline": "ежеквартально",
        "responsible": "Министерство\nцифрового",
        "result": "Публикации",
    },
]
BORDERLESS_PAGE_2: list[Cells] = [
    {"activity": "социальных сетях", "responsible": "развития"},
    {
        "number": "2.2.",
        "activity": "Проведение опроса о качестве\nинформационно-\nтелекоммуникационных услуг",
        "deadline": "IV квартал\n2024 года",
        "responsible": "Рабочая группа",
        "result": "Отчет",
    },
]
NOTE = "Примечание: сроки могут уточняться по решению рабочей группы."
# A page of justified prose after the plan: read with the plan's columns it would be rows.
ANNEX = (
    "Порядок мониторинга исполнения плана мероприятий определяется",
    "рабочей группой по внедрению стандартов клиентоцентричности",
    "с учетом предложений органов исполнительной власти области",
    "и результатов опросов граждан.",
)


def draw_words(pdf: Canvas, font: str, text: str, x: float, y: float, width: float | None) -> None:
    """One printed line, justified to `width` (each word drawn apart) unless it is None."""
    words = text.split()
    if width is None or len(words) < 2:
        pdf.drawString(x, y, text)
        return
    sizes = [pdfmetrics.stringWidth(w, font, FONT_SIZE) for w in words]
    space = (width - sum(sizes)) / (len(words) - 1)
    assert space > 4, f"line too long to justify: {text!r}"
    for word, size in zip(words, sizes, strict=True):
        pdf.drawString(x, y, word)
        x += size + space


def draw_borderless(
    pdf: Canvas, font: str, layout: Layout, rows: list[Cells], top: float, header: bool
) -> float:
    """Draw a plan table without ruling (or only framed, per `layout.rules`); return the y
    below it."""
    xs = [25.0]
    for width in layout.widths:
        xs.append(xs[-1] + width)
    y = top
    if header:
        depth = max(cell.count("\n") + 1 for cell in layout.header)
        for c, cell in enumerate(layout.header):
            lines = cell.split("\n")
            drop = (depth - len(lines)) * LEADING / 2 if layout.centred else 0
            for n, text in enumerate(lines):
                x = (xs[c] + xs[c + 1] - pdfmetrics.stringWidth(text, font, FONT_SIZE)) / 2
                pdf.drawString(x, y - drop - LEADING * (n + 1), text)
        y -= LEADING * depth + ROW_GAP
        if layout.rules:
            pdf.line(xs[0], y + 3, xs[-1], y + 3)
        if layout.numbered:
            for c in range(len(layout.roles)):
                pdf.drawCentredString((xs[c] + xs[c + 1]) / 2, y - LEADING, str(c + 1))
            y -= LEADING + ROW_GAP
    for row in rows:
        if isinstance(row, str):
            if layout.centred:
                pdf.drawCentredString((xs[0] + xs[-1]) / 2, y - LEADING, row)
            else:
                pdf.drawString(xs[0] + 4, y - LEADING, row)
            y -= LEADING + ROW_GAP
            continue
        cells = [row[role].split("\n") if role in row else [] for role in layout.roles]
        for c, lines in enumerate(cells):
            for n, text in enumerate(lines):
                justify = layout.roles[c] == "activity" and n < len(lines) - 1
                width = xs[c + 1] - xs[c] - 8 if justify else None
                draw_words(pdf, font, text, xs[c] + 4, y - LEADING * (n + 1), width)
        y -= LEADING * max(map(len, cells)) + ROW_GAP
    if layout.rules:
        pdf.line(xs[0], y + 3, xs[-1], y + 3)
        pdf.line(xs[0], top, xs[-1], top)
        for x in (xs[0], xs[-1]):
            pdf.line(x, top, x, y + 3)
    return y


def build_borderless_pdf(path: Path, layout: Layout, repeat_header: bool) -> None:
    """A two-page plan printed without ruling: a title above the header, section headings
    across the table, justified multi-line cells, an empty deadline, a row that breaks
    across the page, a page number and (or not) the header again on page 2, a note below;
    then a page of prose."""
    font = cyrillic_font()
    pdf = Canvas(str(path), pagesize=A4)
    pdf.setFont(font, FONT_SIZE)
    pdf.drawCentredString(297, 800, "ПЛАН")
    pdf.drawCentredString(297, 786, "мероприятий по внедрению стандартов")
    draw_borderless(pdf, font, layout, BORDERLESS_PAGE_1, 760, header=True)
    pdf.showPage()
    pdf.setFont(font, FONT_SIZE)
    pdf.drawString(295, 810, "2")
    y = draw_borderless(pdf, font, layout, BORDERLESS_PAGE_2, 790, header=repeat_header)
    pdf.drawString(29, y - 40, NOTE)
    pdf.showPage()
    pdf.setFont(font, FONT_SIZE)
    for n, line in enumerate(ANNEX):
        width = 520 if n < len(ANNEX) - 1 else None
        draw_words(pdf, font, line, 40, 780 - LEADING * n, width)
    pdf.save()


@pytest.mark.parametrize(
    ("name", "repeat_header"),
    [("plain", True), ("reordered", True), ("plain", False), ("reordered", False)],
    ids=["plain", "reordered-with-rules", "plain-header-once", "reordered-header-once"],
)
def test_borderless_plan_read_by_header_columns(
    tmp_path: Path, name: str, repeat_header: bool
) -> None:
    layout = LAYOUTS[name]
    path = tmp_path / "plan.pdf"
    build_borderless_pdf(path, layout, repeat_header)
    raw = PdfExtractor().read(path)
    table = assemble(raw.blocks)
    assert table.header_found
    assert table.preamble == "ПЛАН мероприятий по внедрению стандартов"
    assert raw.blocks[-2:] == [Block(text=NOTE, page=2), Block(text=" ".join(ANNEX), page=3)]
    headers = [b.page for b in raw.blocks if b.cells == layout.header]
    assert headers == ([1, 2] if repeat_header else [1])
    got = [
        {
            "item": r.item_number,
            "section": (r.section_number, r.section_title),
            "activity": r.text("activity"),
            "deadline": r.text("deadline"),
            "responsible": r.text("responsible"),
            "result": r.text("result"),
            "pages": (r.page_first, r.page_last),
            "warnings": r.warnings,
        }
        for r in table.rows
    ]
    first = ("1", "Организационные мероприятия")
    second = ("2", "Информирование граждан")
    assert got == [
        {
            "item": "1.1",
            "section": first,
            "activity": "О назначении ответственного за внедрение стандарта",
            "deadline": "01.10.2024",
            "responsible": "Администрация губернатора",
            "result": "Распоряжение",
            "pages": (1, 1),
            "warnings": [],
        },
        {
            "item": "1.2",
            "section": first,
            "activity": (
                "Разработка регламента взаимодействия с заявителями при предоставлении услуг"
            ),
            "deadline": None,
            "responsible": "Министерство экономики",
            "result": "Приказ",
            "pages": (1, 1),
            "warnings": [],
        },
        {
            "item": "2.1",
            "section": second,
            "activity": "Размещение информации на официальном сайте и в социальных сетях",
            "deadline": "ежеквартально",
            "responsible": "Министерство цифрового развития",
            "result": "Публикации",
            "pages": (1, 2),
            "warnings": ["row continued across page break"],
        },
        {
            "item": "2.2",
            "section": second,
            "activity": "Проведение опроса о качестве информационно-телекоммуникационных услуг",
            "deadline": "IV квартал 2024 года",
            "responsible": "Рабочая группа",
            "result": "Отчет",
            "pages": (2, 2),
            "warnings": [],
        },
    ]


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
