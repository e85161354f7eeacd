"""OCR of scanned pages: the scans in tests/data/fixtures/scans (made by
tests/fixtures/make_scans.py from corpus and dev PDFs) must give the rows that the text
layer of the same pages gives."""

from __future__ import annotations

import os
import sys
import zlib
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from conftest import DATA
from rapidfuzz.fuzz import ratio

from plan_etl.extract import ocr
from plan_etl.extract.base import Block, ExtractError, RawDocument, doubted_words
from plan_etl.models import Activity
from plan_etl.pipeline import FileResult, process_file
from plan_etl.records import Source

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import make_scans

SCANS = DATA / "fixtures" / "scans"
FIXTURES = {scan.name: scan for scan in make_scans.FIXTURES}

# CI installs Tesseract and must run these tests; elsewhere they are skipped without it
needs_tesseract = pytest.mark.skipif(
    ocr.tesseract_problem() is not None and not os.environ.get("CI"),
    reason=f"{ocr.tesseract_problem()}",
)


def ingest(path: Path) -> FileResult:
    return process_file(path, Source("x", path.name, "pdf", "0"))


@cache
def scanned(name: str) -> FileResult:
    return ingest(SCANS / f"{name}.pdf")


@cache
def printed(name: str, tmp: Path) -> FileResult:
    """The same pages read from the source's text layer."""
    scan = FIXTURES[name]
    copy = pdfium.PdfDocument.new()
    copy.import_pages(pdfium.PdfDocument(scan.source), list(scan.pages))
    path = tmp / f"{name}-text.pdf"
    copy.save(path)
    return ingest(path)


def by_number(rows: list[Activity]) -> dict[str, Activity]:
    return {row.item_number: row for row in rows}


@needs_tesseract
@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_scan_gives_the_rows_of_the_text_layer(name: str, tmp_path_factory) -> None:
    got = by_number(scanned(name).activities)
    want = by_number(printed(name, tmp_path_factory.mktemp(name)).activities)
    assert want and set(got) == set(want)  # every row found, none invented
    similarity = [ratio(got[n].activity, want[n].activity) for n in want]
    assert sum(similarity) / len(similarity) >= 97
    same_id = sum(got[n].catalogue_id == want[n].catalogue_id for n in want)
    assert same_id >= 0.9 * len(want)
    wrong = [
        n
        for n, row in got.items()
        if row.match_status == "matched" and row.catalogue_id != want[n].catalogue_id
    ]
    assert wrong == []


@needs_tesseract
@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_rows_read_by_ocr_say_so(name: str) -> None:
    result = scanned(name)
    scan = FIXTURES[name]
    text_pages = {scan.pages.index(i) + 1 for i in scan.keep_text}
    assert result.document.text_source == ("mixed" if text_pages else "ocr")
    for row in result.activities:
        from_ocr = not {row.page_first, row.page_last} <= text_pages
        assert (ocr.OCR_NOTE in row.warnings) == from_ocr, row.item_number
        if ocr.LOW_CONFIDENCE_NOTE in row.warnings:
            assert ocr.OCR_NOTE in row.warnings


@needs_tesseract
def test_dates_survive_ocr(tmp_path: Path) -> None:
    got = by_number(scanned("kursk-scan").activities)
    want = by_number(printed("kursk-scan", tmp_path).activities)
    assert [got[n].deadline_date for n in want] == [want[n].deadline_date for n in want]


@pytest.fixture
def no_tesseract(monkeypatch):
    monkeypatch.setattr(ocr.shutil, "which", lambda _: None)
    ocr.tesseract_problem.cache_clear()
    yield
    ocr.tesseract_problem.cache_clear()


def test_missing_tesseract_names_what_to_install(no_tesseract) -> None:
    scan = SCANS / "samara-scan.pdf"
    with pytest.raises(ExtractError, match=r"^no text layer: .*apt-get install tesseract-ocr"):
        ocr.with_ocr(scan, RawDocument(blocks=[]), [])
    text = RawDocument(blocks=[Block(text="page one", page=1)])
    assert "Tesseract is not installed" in ocr.with_ocr(scan, text, []).warnings[-1]


def test_a_blank_page_of_a_text_pdf_is_not_given_to_ocr(tmp_path: Path, monkeypatch) -> None:
    """A text decree with a page that draws nothing (a back side) is read from its text
    layer alone: OCR is not loaded for it, so a missing Tesseract says nothing. A page
    without text that draws something (here a rule) still goes to OCR, and so does a file
    with no text at all (OCR says what it found, or why it could not read)."""
    from reportlab.pdfgen import canvas

    from plan_etl.extract import extractor_for

    def decree(name: str, second_page_rule: bool, text: bool = True) -> Path:
        path = tmp_path / name
        pdf = canvas.Canvas(str(path))
        if text:
            pdf.drawString(72, 700, "Plan of measures")
        pdf.showPage()
        if second_page_rule:
            pdf.line(50, 50, 300, 50)
        pdf.showPage()
        pdf.save()
        return path

    calls: list[Path] = []
    monkeypatch.setattr(ocr, "with_ocr", lambda path, raw, pages: calls.append(path) or raw)
    blank = decree("blank.pdf", second_page_rule=False)
    read = extractor_for(blank).read(blank)
    assert calls == [] and read.page_count == 2 and read.blocks
    ruled = decree("ruled.pdf", second_page_rule=True)
    extractor_for(ruled).read(ruled)
    assert calls == [ruled]
    empty = decree("empty.pdf", second_page_rule=False, text=False)
    extractor_for(empty).read(empty)
    assert calls == [ruled, empty]


def test_skew_is_measured_to_a_hundredth_of_a_degree() -> None:
    scan = FIXTURES["samara-scan"]  # the generator turned its pages by a known angle
    rng = np.random.default_rng(zlib.crc32(scan.name.encode()))
    turned = rng.uniform(*make_scans.SKEW_DEGREES) * rng.choice((-1, 1))
    page = ocr.render(pdfium.PdfDocument(SCANS / "samara-scan.pdf"), 0)
    assert ocr.skew_angle(ocr.reduced(ocr.ink_of(page))) == pytest.approx(-turned, abs=0.02)


def test_ruling_is_found_and_text_is_not() -> None:
    page = np.full((800, 800), 255, np.uint8)
    cv2.line(page, (50, 100), (750, 100), 0, 3)
    cv2.line(page, (400, 50), (400, 750), 0, 3)
    cv2.putText(page, "WWWWWWWW", (60, 300), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 0, 4)
    horizontal, vertical = ocr.rule_masks(ocr.ink_of(page))
    rules = ocr.rules_of(horizontal, True), ocr.rules_of(vertical, False)
    assert [len(r) for r in rules] == [1, 1]
    h, v = rules[0][0], rules[1][0]
    assert h.top == pytest.approx(101 * ocr.PT_PER_PX, abs=1)
    assert v.x0 == pytest.approx(401 * ocr.PT_PER_PX, abs=1)


def test_blank_boxes_and_baselines_from_tsv() -> None:
    ink = np.zeros((200, 400), np.uint8)
    ink[20:50, 10:100] = 255
    ink[25:58, 120:200] = 255  # a word with a descender, on the same line
    tsv = "\n".join(
        [
            "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext",
            "5\t1\t1\t1\t1\t1\t10\t20\t90\t30\t95.5\tслово",
            "5\t1\t1\t1\t1\t2\t105\t20\t10\t30\t40\t—",  # over blank paper
            "5\t1\t1\t1\t1\t3\t120\t25\t80\t33\t30\t{друг}",
        ]
    )
    words = ocr.words_of(tsv, ink)
    assert [w.text for w in words] == ["слово", "(друг)"]
    assert words[0].baseline == words[1].baseline  # one line, one baseline
    assert words[0].size == words[1].size
    assert not words[0].doubted and words[1].doubted


def test_notes_name_the_doubted_and_the_corrected_words() -> None:
    row = Block(cells=("1.1", "Утвердить план", "П кв. 2024"), page=1)
    assert ocr.noted(row, set(), {}).notes == (
        ocr.OCR_NOTE,
        "OCR words corrected: П кв. 2024 → II кв. 2024",
    )
    assert ocr.noted(row, set(), {}).cells == ("1.1", "Утвердить план", "II кв. 2024")
    noted = ocr.noted(row, {"план", "Утвердить"}, {"план": "нлан"})
    assert doubted_words(noted.notes) == {"план", "Утвердить"}
    assert "OCR words corrected: нлан → план, П кв. 2024 → II кв. 2024" in noted.notes


def test_header_with_a_misread_number_sign_keeps_its_number_column() -> None:
    from plan_etl.vocabulary import header_roles

    header = ("ып", "Мероприятие", "Срок реализации", "Ответственный исполнитель")
    assert header_roles(header) == ("number", "activity", "deadline", "responsible")
    assert header_roles(("", *header[1:])) == (None, "activity", "deadline", "responsible")


def drawn_as_text_pdf(page: ocr.OcrPage, path: Path) -> Path:
    """`page` drawn as a text PDF: each word in its box on its baseline, each rule a line."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen.canvas import Canvas
    from test_extract_pdf import cyrillic_font

    font = cyrillic_font()
    canvas = Canvas(str(path), pagesize=(page.width, page.height))
    for word in page.words:
        natural = pdfmetrics.stringWidth(word.text, font, word.size)
        text = canvas.beginText(word.x0, page.height - word.baseline)
        text.setFont(font, word.size)
        text.setHorizScale(100 * (word.x1 - word.x0) / natural)
        text.textOut(word.text + " ")
        canvas.drawText(text)
    for rule in page.rules:
        canvas.line(rule.x0, page.height - rule.top, rule.x1, page.height - rule.bottom)
    canvas.save()
    return path


def test_an_ocr_page_reads_as_the_same_page_printed(tmp_path: Path) -> None:
    """What OCR read goes through the text-PDF table code as a text page would: the same
    words and the same ruled cells as the page drawn into a PDF and parsed by pdfplumber."""
    from plan_etl.extract.pdf import open_pdf, parse_page

    def word(text: str, x0: float, x1: float, baseline: float) -> ocr.Word:
        return ocr.Word(text, x0, baseline - 8, x1, baseline, baseline, 10.0, 90.0)

    rows = (60.0, 90.0, 140.0, 190.0)
    columns = (50.0, 90.0, 300.0, 420.0)
    rules = [ocr.Rule(columns[0], y, columns[-1], y) for y in rows]
    rules += [ocr.Rule(x, rows[0], x, rows[-1]) for x in columns]
    words = [
        word("№", 60, 70, 80),
        word("Мероприятие", 100, 170, 80),
        word("Срок", 310, 335, 80),
        word("1.1.", 60, 75, 110),
        word("Утверждение", 100, 170, 110),
        word("плана", 175, 205, 110),
        word("до 1 марта", 310, 370, 110),  # split by the fixes: three words in one box
        word("1.2.", 60, 75, 160),
        word("Оценка", 100, 140, 160),
    ]
    page = ocr.OcrPage(595.0, 842.0, words, rules)
    printed_page = open_pdf(drawn_as_text_pdf(page, tmp_path / "page.pdf")).pages[0]
    want, got = parse_page(printed_page), ocr.page_content(1, page)

    def texts(content) -> list[tuple[str, float, float]]:
        return [(w["text"], round(w["top"], 1), round(w["bottom"], 1)) for w in content.words]

    assert texts(got) == texts(want)
    # words split by the fixes share their box by character count, not by glyph widths
    for a, b in zip(got.words, want.words, strict=True):
        assert (a["x0"], a["x1"]) == pytest.approx((b["x0"], b["x1"]), abs=4)
    assert [w["text"] for w in got.words][6:9] == ["до", "1", "марта"]
    assert [t.cells for t in got.tables] == [t.cells for t in want.tables]
    assert len(got.tables) == 1 and len(got.tables[0].cells) == 9
    assert [(r["x0"], r["x1"], r["top"]) for r in got.rules] == [
        (r["x0"], r["x1"], r["top"]) for r in want.rules
    ]


def test_a_misread_item_number_still_starts_its_row_in_a_table_without_ruling() -> None:
    """OCR reads «1.3.» as «1.З.»: in a table without ruling, where rows begin at item
    numbers, that row must not run into the one above it."""
    from plan_etl.extract.pdf import document_blocks

    def line(baseline: float, *cells: tuple[str, float]) -> list[ocr.Word]:
        return [
            ocr.Word(t, x, baseline - 8, x + 6 * len(t), baseline, baseline, 10.0, 90.0)
            for t, x in cells
        ]

    columns = (50.0, 100.0, 330.0, 420.0)
    header = ("№", "Мероприятие", "Срок", "Ответственный")
    rows = [
        ("1.1.", "Утвердить план", "2024", "ДИТО"),
        ("1.2.", "Назначить ответственных", "2024", "ДИТО"),
        ("1.З.", "Провести самооценку", "2024", "ДИТО"),
    ]
    words = line(100, *zip(header, columns, strict=True))
    for n, cells in enumerate(rows):
        words += line(130 + 30 * n, *zip(cells, columns, strict=True))
    page = ocr.OcrPage(595.0, 842.0, words, [])
    blocks, _, _ = document_blocks([ocr.page_content(1, page)])
    assert [b.cells[0] for b in blocks if b.cells] == ["№", "1.1.", "1.2.", "1.З."]


def test_roman_section_numbers_read_as_cyrillic_are_put_back() -> None:
    assert ocr.roman_section(["П.", "Кадровый", "блок"]) == ["II.", "Кадровый", "блок"]
    assert ocr.roman_section(["Ш.", "Внедрение"]) == ["III.", "Внедрение"]
    assert ocr.roman_section(["П.", "кадровый"]) == ["П.", "кадровый"]  # not a heading
    assert ocr.roman_section(["И.", "Петров"]) == ["И.", "Петров"]  # an initial
    assert ocr.roman_section(["П"]) == ["П"]


def one_image_pdf(path: Path, extra: str = "", fill: bool = True) -> Path:
    """A one-page PDF whose only content is a 200×200 grey image (1 px a point) with a dark
    left half, filling the page (or a quarter of it), with `extra` in its dictionary (object
    6 is a soft mask hiding the image's top half)."""
    pixels = bytes([0] * 100 + [255] * 100) * 200
    mask = bytes([0] * 200) * 100 + bytes([255] * 200) * 100
    size = "200 0 0 200 0 0" if fill else "100 0 0 100 50 50"
    content = f"q {size} cm /Im0 Do Q".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] "
        b"/Resources << /XObject << /Im0 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width 200 /Height 200 /ColorSpace /DeviceGray "
        + f"/BitsPerComponent 8 {extra} /Length {len(pixels)} >>\nstream\n".encode()
        + pixels
        + b"\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width 200 /Height 200 /ColorSpace /DeviceGray "
        + f"/BitsPerComponent 8 /Length {len(mask)} >>\nstream\n".encode()
        + mask
        + b"\nendstream",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(out)
    return path


@pytest.mark.parametrize(
    ("extra", "fill"),
    [("", True), ("/Decode [1 0]", True), ("/SMask 6 0 R", True), ("", False)],
    ids=str,
)
def test_a_page_image_is_read_as_pdfium_draws_it(tmp_path: Path, extra: str, fill: bool) -> None:
    """A scan's one full-page image is taken as stored (cheaper than rendering); a page
    where that would differ from what PDFium draws — a soft mask, an image not filling the
    page — is rendered. Either way the page reads as drawn."""
    pdf = pdfium.PdfDocument(one_image_pdf(tmp_path / "page.pdf", extra, fill))
    drawn = pdf[0].render(scale=ocr.RENDER_DPI / 72, grayscale=True).to_numpy()
    drawn = drawn[..., 0] if drawn.ndim == 3 else drawn
    image = ocr.render(pdf, 0)
    assert image.shape == drawn.shape
    assert cv2.absdiff(image, drawn).mean() < 2  # the same picture, up to interpolation
    assert (ocr.stored_image(pdf[0]) is not None) == fill


def test_a_cells_words_are_read_by_line_then_x() -> None:
    """Tesseract read «4» of «4 квартал 2024 г.» in another of its lines than the rest, and
    its box a little lower (a line of the next column stands there): the cell still reads
    «4 квартал 2024 г.», not «квартал 2024 г. 4»."""
    from plan_etl.extract.pdf import document_blocks

    def word(text: str, x0: float, top: float, bottom: float, line: int) -> ocr.Word:
        return ocr.Word(text, x0, top, x0 + 7 * len(text), bottom, bottom, 10.0, 90.0, line)

    rows, columns = (60.0, 90.0, 140.0), (50.0, 90.0, 300.0, 420.0)
    rules = [ocr.Rule(columns[0], y, columns[-1], y) for y in rows]
    rules += [ocr.Rule(x, rows[0], x, rows[-1]) for x in columns]
    words = [
        word("№", 60, 72, 80, 0),
        word("Мероприятие", 100, 72, 80, 0),
        word("Срок", 310, 72, 80, 0),
        word("1.1.", 60, 100, 108, 1),
        word("Утверждение", 100, 100, 108, 1),
        word("квартал", 322, 101, 108, 1),
        word("2024", 375, 100, 108, 1),
        word("г.", 405, 101, 108, 1),
        word("плана", 100, 112, 120, 2),
        word("4", 310, 103.5, 111.5, 2),  # read with the next line of the activity
    ]
    page = ocr.OcrPage(595.0, 842.0, words, rules)
    blocks, _, _ = document_blocks([ocr.page_content(1, page)])
    assert [b.cells for b in blocks if b.cells] == [
        ("№", "Мероприятие", "Срок"),
        ("1.1.", "Утверждение\nплана", "4 квартал 2024 г."),
    ]


def test_a_roman_section_number_garbled_past_reading_is_numbered_by_its_place() -> None:
    rows = [
        Block(cells=("I. Общеорганизационные мероприятия", "", ""), page=1),
        Block(cells=("1.", "Назначение", "2024"), page=1),
        Block(text="II. Кадровый блок", page=1),
        Block(cells=("ПИ. Внедрение Стандарта", "", ""), page=2),  # III read «ПИ»
        Block(text="И. Петров", page=2),  # an initial, not a section
    ]
    got = ocr.numbered_sections(rows)
    assert got[3].cells == ("III. Внедрение Стандарта", "", "")
    assert got[:3] == rows[:3] and got[4] == rows[4]
    # no Roman section read before it: a plan numbered otherwise is left alone
    assert ocr.numbered_sections(rows[3:]) == rows[3:]


def test_a_broken_side_border_is_mended_and_its_column_kept() -> None:
    """Scan noise broke the table's right border for longer than the mask bridges: the
    border is whole again where the left one runs between two rules crossing the table, so
    the last column's words stay in their cells instead of falling out as headings."""
    from plan_etl.extract.pdf import document_blocks

    def word(text: str, x0: float, baseline: float) -> ocr.Word:
        return ocr.Word(text, x0, baseline - 8, x0 + 7 * len(text), baseline, baseline, 10.0, 90.0)

    rows, columns = (60.0, 90.0, 140.0, 190.0), (50.0, 90.0, 300.0, 420.0)
    rules = [ocr.Rule(columns[0], y, columns[-1], y) for y in rows]
    rules += [ocr.Rule(x, rows[0], x, rows[-1]) for x in columns[:-1]]
    rules += [ocr.Rule(420.0, 64.0, 420.0, 110.0), ocr.Rule(420.0, 125.0, 420.0, 190.0)]
    words = [word("№", 60, 80), word("Мероприятие", 100, 80), word("Срок", 310, 80)]
    words += [word("1.1.", 60, 110), word("Оценка", 100, 110), word("2024", 310, 110)]
    words += [word("1.2.", 60, 160), word("Отчет", 100, 160), word("2025", 310, 160)]
    mended = ocr.mended_frame(rules)
    assert ocr.Rule(420.0, 60.0, 420.0, 190.0) in mended
    page = ocr.OcrPage(595.0, 842.0, words, rules)
    blocks, _, _ = document_blocks([ocr.page_content(1, page)])
    assert [b.cells for b in blocks if b.cells][1:] == [
        ("1.1.", "Оценка", "2024"),
        ("1.2.", "Отчет", "2025"),
    ]
    assert not [b.text for b in blocks if b.cells is None]


def test_a_table_without_side_borders_keeps_its_column_rules() -> None:
    """Rules crossing beyond the outermost verticals: those are column rules, not a frame,
    and a break in one of them (a title row spanning the columns) stays."""
    rules = [ocr.Rule(30.0, y, 500.0, y) for y in (60.0, 100.0, 120.0, 190.0)]
    rules += [ocr.Rule(90.0, 60.0, 90.0, 100.0), ocr.Rule(90.0, 120.0, 90.0, 190.0)]
    rules += [ocr.Rule(400.0, 60.0, 400.0, 190.0)]
    assert sorted(ocr.mended_frame(rules), key=repr) == sorted(rules, key=repr)


def test_a_page_number_misread_as_a_letter_is_no_heading() -> None:
    """A page number OCR read as «б» (6), alone above the table in the page's middle, is a
    page number as digits; a letter that is a word of the text (a line's «о») is not."""

    def word(text: str, x0: float, top: float) -> ocr.Word:
        return ocr.Word(text, x0, top, x0 + 6 * len(text), top + 9, top + 9, 10.0, 80.0)

    page = ocr.OcrPage(595.0, 842.0, [word("б", 295, 30), word("отчет", 100, 80)], [])
    page = ocr.page_number_read(page)
    assert [w.text for w in page.words] == ["6", "отчет"]
    beside = ocr.OcrPage(595.0, 842.0, [word("о", 295, 80), word("отчет", 100, 80)], [])
    assert ocr.page_number_read(beside) == beside
    aside = ocr.OcrPage(595.0, 842.0, [word("б", 100, 30), word("отчет", 100, 80)], [])
    assert ocr.page_number_read(aside) == aside


def test_a_subheading_whose_number_lost_its_dot_is_numbered_by_its_rows() -> None:
    """«3.1. Оптимизация …» read as «31. Оптимизация …» is no section 31: the row under it is
    «3.1.1.», so it is the sub-heading 3.1. A «12. …» heading over rows «12.1.» stays."""
    rows = [
        Block(cells=("31. Оптимизация государственных услуг",)),
        Block(cells=("№ п/п", "Наименование мероприятия")),
        Block(cells=("3.1.1.", "Сформированы планы оптимизации")),
        Block(cells=("12. Кадровый блок",)),
        Block(cells=("12.1.", "Назначен ответственный")),
    ]
    got = ocr.dotted_subheadings(rows)
    assert got[0].cells == ("3.1. Оптимизация государственных услуг",)
    assert got[1:] == rows[1:]
    paragraph = [Block(text="31. Оптимизация услуг"), Block(cells=("4.1.", "Оценка"))]
    assert ocr.dotted_subheadings(paragraph) == paragraph
