"""PDFium against pdfplumber, the reference: every labelled PDF read both ways gives the same
tables, paragraphs and words; a page PDFium cannot read as pdfplumber would is read by
pdfplumber with a warning; `--pdf-engine` chooses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import DATA
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from plan_etl.cli import app
from plan_etl.extract.base import ExtractError
from plan_etl.extract.pdf import PdfExtractor, document_blocks, open_pdf, plumber_content
from plan_etl.extract.pdf.pdfium import PdfiumPages
from plan_etl.extract.pdf_engine import ENGINE_ENV
from plan_etl.pipeline import parser_version

# Every PDF of tests/data: the producers' fixtures (LibreOffice, Chromium, Word style, a
# turned page, a Type3 font), the corpus, both development sets, a legal-database print and
# the scans (whose pages have no text: both must say so).
PDFS = sorted(DATA.rglob("*.pdf"))
# Words stand where pdfplumber puts them to float rounding (PDFium keeps coordinates as
# 32-bit floats); no threshold of the reader is that fine.
WORD_SLACK = 0.01  # pt
# The pages PDFium cannot read as pdfplumber would, and why.
FALLBACKS = {
    "engine-rotated.pdf": ["page 2 read by pdfplumber: PDFium a line-end hyphen that may be"],
    "engine-type3.pdf": ["page 2 read by pdfplumber: PDFium a character without Unicode"],
}


def both_ways(pdf: Path) -> tuple[list, list, list[str]]:
    """Each page's content as pdfplumber reads it and as PDFium does, and PDFium's warnings."""
    document = open_pdf(pdf)
    reader = PdfiumPages(pdf)
    try:
        plumber = [plumber_content(page) for page in document.pages]
        pdfium = [reader.content(page) for page in document.pages]
    finally:
        reader.close()
        document.close()
    return plumber, pdfium, reader.warnings


def word_key(word: dict) -> tuple[str, bool]:
    return word["text"], word["upright"]


def same_cells(a: list[list[tuple]], b: list[list[tuple]]) -> bool:
    """Whether two pages' tables have the same cells, to a hundredth of a point."""
    return len(a) == len(b) and all(
        len(x) == len(y)
        and all(
            abs(u - v) < 0.01 for c, d in zip(x, y, strict=True) for u, v in zip(c, d, strict=True)
        )
        for x, y in zip(a, b, strict=True)
    )


def far_apart(a: dict, b: dict) -> bool:
    return any(abs(a[k] - b[k]) > WORD_SLACK for k in ("x0", "x1", "top", "bottom"))


@pytest.mark.parametrize("pdf", PDFS, ids=[str(p.relative_to(DATA)) for p in PDFS])
def test_pdfium_reads_every_labelled_pdf_as_pdfplumber(pdf: Path) -> None:
    plumber, pdfium, warnings = both_ways(pdf)
    assert document_blocks(pdfium) == document_blocks(plumber)
    for a, b in zip(plumber, pdfium, strict=True):
        assert [word_key(w) for w in b.words] == [word_key(w) for w in a.words], a.number
        assert not [(x, y) for x, y in zip(a.words, b.words, strict=True) if far_apart(x, y)]
        assert same_cells([t.cells for t in b.tables], [t.cells for t in a.tables])
        assert (b.has_images, b.width) == (a.has_images, a.width)
    expected = FALLBACKS.get(pdf.name, [])
    assert len(warnings) == len(expected)
    assert all(w.startswith(e) for w, e in zip(warnings, expected, strict=True))


def test_the_differential_covers_every_producer_and_case() -> None:
    names = {p.name for p in PDFS}
    assert {"engine-rotated.pdf", "engine-type3.pdf", "word-style.pdf"} <= names
    assert {"chromium-ruled.pdf", "lo-perm.pdf", "tyumen-consultant.pdf"} <= names
    assert {"kaluga.pdf", "udmurtia.pdf", "kursk-scan.pdf"} <= names
    assert len(PDFS) >= 35


def test_a_turned_page_is_read_upright() -> None:
    """/Rotate 90 with the content drawn turned: the words read left to right, the page is
    as wide as the turned page, and the table's header is found."""
    _, pdfium, _ = both_ways(DATA / "fixtures" / "pdf" / "engine-rotated.pdf")
    page = pdfium[0]
    assert page.width > 800
    texts = [w["text"] for w in page.words]
    assert "Наименование" in texts and "мероприятия" in texts
    assert all(w["upright"] for w in page.words)
    assert "(final," in texts and "flow)" in texts  # ligature characters expanded
    assert "меро\xadприятий" in texts  # a soft hyphen inside a line kept, as pdfplumber does


def test_a_page_pdfium_cannot_read_is_read_by_pdfplumber_with_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A font without Unicode: PDFium would give its own guess at the text; pdfplumber's
    reading is kept and the document says which page and why."""
    monkeypatch.setenv(ENGINE_ENV, "pdfium")
    raw = PdfExtractor().read(DATA / "fixtures" / "pdf" / "engine-type3.pdf")
    assert any(
        w.startswith("page 2 read by pdfplumber: PDFium a character without Unicode")
        for w in raw.warnings
    )
    assert any(b.text == "(cid:1)(cid:2)" for b in raw.blocks if b.page == 2)


def test_pdfplumber_engine_reads_without_pdfium(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENGINE_ENV, "pdfplumber")
    raw = PdfExtractor().read(DATA / "fixtures" / "pdf" / "engine-type3.pdf")
    assert not any("PDFium" in w for w in raw.warnings)
    monkeypatch.setenv(ENGINE_ENV, "pdfium")
    assert PdfExtractor().read(DATA / "fixtures" / "pdf" / "engine-type3.pdf").blocks == raw.blocks


def test_an_unknown_engine_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENGINE_ENV, "pdfminer")
    with pytest.raises(ExtractError, match="unknown PDF engine 'pdfminer'"):
        PdfExtractor().read(DATA / "fixtures" / "pdf" / "word-style.pdf")


def test_the_cache_tells_the_engines_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENGINE_ENV, raising=False)
    default = parser_version()
    monkeypatch.setenv(ENGINE_ENV, "pdfium")
    assert parser_version() == default
    monkeypatch.setenv(ENGINE_ENV, "pdfplumber")
    assert parser_version() != default


def test_cli_pdf_engine_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENGINE_ENV, raising=False)
    runner = CliRunner()
    bad = runner.invoke(app, ["ingest", str(tmp_path), "--pdf-engine", "pdfminer"])
    assert bad.exit_code == 2
    monkeypatch.setenv(ENGINE_ENV, "nonsense")
    result = runner.invoke(app, ["ingest", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert ENGINE_ENV in result.output


def test_blanks_take_their_text_objects_place_in_content_order() -> None:
    """Space objects PDFium's text page leaves out go back between the characters of the
    text objects drawn before and after them; a text object's characters keep their order."""
    from plan_etl.extract.pdf.pdfium.chars import PageChars, in_content_order

    chars = PageChars.of(
        [(t, float(i), i + 1.0, 0.0, 1.0, True, 9.0) for i, t in enumerate("abcd")]
    )
    blank = (" ", 1.0, 1.0, 0.0, 1.0, True, 9.0)
    placed = in_content_order(chars, np.array([0.0, 0.0, 2.0, 2.0]), [(1, blank)])
    assert "".join(placed.texts) == "ab cd"
    assert placed.rows()[2] == blank and placed.rows()[3][1] == 2.0
    turned = in_content_order(chars, np.array([3.0, 3.0, 1.0, 1.0]), [])
    assert "".join(turned.texts) == "cdab" and turned.box[0, 0] == 2.0
    assert in_content_order(PageChars.of([]), np.array([]), []).rows() == []


def test_a_page_without_text_reads_no_characters(tmp_path: Path) -> None:
    """The arrays of an empty text page are empty, not an error."""
    from reportlab.pdfgen import canvas

    pdf = tmp_path / "blank.pdf"
    page = canvas.Canvas(str(pdf))
    page.line(50, 50, 300, 50)
    page.showPage()
    page.save()
    plumber, pdfium, warnings = both_ways(pdf)
    assert warnings == []
    assert pdfium[0].words == plumber[0].words == []


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["а", "б", " ", "ﬁ", "-", "1", "\xa0"]),
            st.sampled_from([-20.0, -1.0, 0.0, 1.0, 2.5, 3.0, 3.5, 8.0]),  # gap to the last
            st.sampled_from([0.0, 2.0, 4.5]),  # width
            st.sampled_from([100.0, 100.5, 103.0, 103.5, 106.0, 110.0]),  # tops 3 pt apart
            st.booleans(),
        ),
        max_size=40,
    ),
    st.booleans(),
)
def test_words_are_pdfplumbers_words_of_the_same_characters(drawn: list, upright: bool) -> None:
    """The array word rules give what pdfplumber's `WordExtractor` gives, on characters
    that step back, overlap, sit exactly a tolerance apart in x or y, and hold blanks and
    ligatures; all upright (the array rules) or not."""
    from pdfplumber.utils.text import WordExtractor

    from plan_etl.extract.pdf.pdfium.chars import PageChars, words_of

    rows, x1 = [], 0.0
    for text, gap, width, top, own in drawn:
        x0 = x1 + gap
        x1 = x0 + width
        rows.append((text, x0, x1, top, top + 9.0, upright or own, 9.0))
    keys = ("text", "x0", "x1", "top", "bottom", "upright", "size")
    dicts = [dict(zip(keys, row, strict=True), doctop=row[3] + 50.0) for row in rows]
    expected = [word for word, _ in WordExtractor().iter_extract_tuples(dicts)] if dicts else []
    assert words_of(PageChars.of(rows), 50.0) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.floats(-1e-3, 1e-3, allow_nan=False), min_size=1, max_size=12),
        max_size=20,
    ),
    st.integers(0, 40),
)
def test_drift_is_summed_in_order_within_each_run(runs: list, long_run: int) -> None:
    """A glyph's drift is the shortfalls before it in its run added one by one, bit for bit
    as the per-character loop adds them, through the matrix or (one long run among short
    ones) run by run."""
    from plan_etl.extract.pdf.pdfium.chars import drift_in_runs

    runs = [*runs, [1e-4 / 3] * long_run] if long_run else runs
    expected = []
    for values in runs:
        total = 0.0
        for value in values:
            expected.append(total)
            total += value
    shortfall = np.array([v for values in runs for v in values])
    run = np.repeat(np.arange(len(runs)), [len(values) for values in runs])
    first = np.cumsum([0, *[len(values) for values in runs]])[:-1]
    assert drift_in_runs(shortfall, run, first).tolist() == expected
    assert drift_in_runs(shortfall, run, first, limit=0).tolist() == expected  # run by run


def _text_pages() -> Iterator[tuple[Path, Any, int]]:
    """Every page of every PDF here PDFium opens, as (file, text page, character count)."""
    import pypdfium2

    for path in PDFS:
        try:
            pdf = pypdfium2.PdfDocument(path)
        except pypdfium2.PdfiumError:
            continue
        for page in pdf:
            textpage = page.get_textpage()
            yield path, textpage, textpage.count_chars()
        pdf.close()


def test_a_character_without_a_text_object_is_one_pdfium_generated() -> None:
    """`kept_chars` asks PDFium whether a space or line break was generated only when the
    character has a text object: one without is generated. Checked on every character of
    every PDF here (the bench corpus held 3.7 million with these, none drawn without one)."""

    from plan_etl.extract.pdf.pdfium import calls

    checked = 0
    for path, textpage, count in _text_pages():
        keys, _, _ = calls.objects_and_origins(textpage.raw, count)
        address = calls.address(textpage.raw)
        for i in np.flatnonzero(keys == 0).tolist():
            assert calls.is_generated(address, i), (path.name, i)
        checked += count
    assert checked > 100_000


def test_the_c_loop_reads_what_the_python_loop_reads() -> None:
    """The C helper (built by `pip install`, setup.py) gives the text objects and origins the
    Python loop gives, to the bit, on every page of every PDF here."""

    from plan_etl.extract.pdf.pdfium import calls

    assert calls._C_LOOP is not None, "the C helper was not built (no C compiler?)"
    checked = 0
    for path, textpage, count in _text_pages():
        fast = calls.objects_and_origins(textpage.raw, count)
        slow = calls.objects_and_origins_in_python(textpage.raw, count)
        for a, b in zip(fast, slow, strict=True):
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), path.name
        checked += count
    assert checked > 100_000


def test_without_the_c_helper_the_python_loop_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """A package built without a C compiler has no helper to load, and reads the same."""
    import importlib.util

    import pypdfium2

    from plan_etl.extract.pdf.pdfium import calls

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert calls._c_loop() is None
    pdf = pypdfium2.PdfDocument(PDFS[0])
    textpage = pdf[0].get_textpage()
    count = textpage.count_chars()
    fast = calls.objects_and_origins(textpage.raw, count)
    monkeypatch.setattr(calls, "_C_LOOP", None)
    slow = calls.objects_and_origins(textpage.raw, count)
    assert count > 0 and all(np.array_equal(a, b) for a, b in zip(fast, slow, strict=True))
    pdf.close()


def test_a_helper_of_another_version_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """A helper built from another `_loops.c` (a package not rebuilt) is left for the Python
    loop; this one's own version is taken."""
    from plan_etl.extract.pdf.pdfium import calls

    assert calls._c_loop() is not None
    monkeypatch.setattr(calls, "_C_VERSION", calls._C_VERSION + 1)
    assert calls._c_loop() is None


def test_origins_are_pdfiums_whatever_the_slots_held_before() -> None:
    """The origins written into the thread's reused slots are PDFium's own, on a page with
    more characters than the slots held (they grow) and after it on a smaller one."""
    import ctypes

    import pypdfium2
    import pypdfium2.raw as raw

    from plan_etl.extract.pdf.pdfium import calls

    pdf = pypdfium2.PdfDocument(PDFS[0])
    calls._scratch.slots = calls._Slots(4)
    for index in (0, len(pdf) - 1, 0):
        textpage = pdf[index].get_textpage()
        count = textpage.count_chars()
        keys, xs, ys = calls.objects_and_origins_in_python(textpage.raw, count)
        x, y = ctypes.c_double(), ctypes.c_double()
        for i in range(count):
            raw.FPDFText_GetCharOrigin(textpage.raw, i, x, y)
            assert (xs[i], ys[i]) == (x.value, y.value)
        assert len(keys) == len(xs) == len(ys) == count > 4
    assert calls._scratch.slots.capacity >= count
    pdf.close()
