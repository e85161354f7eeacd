""".doc, .rtf, .odt (converted by LibreOffice) and .html/.htm (read natively): the same rows
as the DOCX of the same decree, the decree's metadata, and what `documents` records."""

from __future__ import annotations

import codecs
import hashlib
import io
import shutil
import zipfile
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import pytest
from conftest import DATA, diff_against_gold, gold, row_fields
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plan_etl.assemble import PlanTable, assemble
from plan_etl.extract import SUFFIXES, ExtractError, extractor_for, source_format
from plan_etl.extract import convert as convert_module
from plan_etl.extract.convert import INSTALL_HINT, ConvertedExtractor
from plan_etl.extract.docx import DocxExtractor
from plan_etl.extract.html import HtmlExtractor, decode, page_blocks
from plan_etl.normalize.metadata import read_metadata
from plan_etl.paths import CACHE_ENV
from plan_etl.pipeline import ingest

FORMATS = DATA / "formats"
STEMS = ("kursk-254pp", "samara-213r")
CONVERTED = (".doc", ".rtf", ".odt")
needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)


@pytest.fixture(scope="module")
def conversion_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One conversion cache for the module, so each fixture is converted once."""
    return tmp_path_factory.mktemp("plan-etl-cache")


@pytest.fixture(autouse=True)
def _shared_conversion_cache(conversion_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test of this module uses the module's cache (conftest gives each test its own,
    which would convert every fixture again)."""
    monkeypatch.setenv(CACHE_ENV, str(conversion_cache))


def table(path: Path) -> PlanTable:
    return assemble(extractor_for(path).read(path).blocks)


def metadata(plan: PlanTable) -> dict:
    return read_metadata(plan.preamble, plan.text).model_dump(mode="json")


def gold_metadata(stem: str) -> dict:
    """The gold decree metadata; an original act (every gold decree) includes no amendments."""
    document = {k: v for k, v in gold(stem)["document"].items() if k != "template"}
    return {**document, "consolidated_to": []}


def fields(plan: PlanTable) -> list[dict]:
    """Each assembled row whole (its cells' paragraphs, numbers, titles, warnings), to
    compare two renderings row by row, field by field."""
    return [asdict(row) for row in plan.rows]


# --- the same decree in every format -----------------------------------------------------------


@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize(
    "suffix",
    [pytest.param(s, marks=needs_soffice) for s in CONVERTED] + [".html"],
)
def test_rows_and_metadata_equal_the_docx(stem: str, suffix: str) -> None:
    docx = table(DATA / "corpus" / f"{stem}.docx")
    other = table(FORMATS / f"{stem}{suffix}")
    assert len(other.rows) == len(docx.rows)
    for mine, want in zip(fields(other), fields(docx), strict=True):
        assert mine == want
    assert metadata(other) == metadata(docx) == gold_metadata(stem)


@needs_soffice
@pytest.mark.parametrize("suffix", CONVERTED)
def test_converted_text_source(suffix: str) -> None:
    path = FORMATS / f"kursk-254pp{suffix}"
    raw = extractor_for(path).read(path)
    assert isinstance(extractor_for(path), ConvertedExtractor)
    assert raw.text_source == "converted" and raw.page_count is None


@pytest.mark.parametrize(
    ("name", "stem"),
    [("samara-213r-legal.htm", "samara-213r"), ("kursk-254pp-portal.html", "kursk-254pp")],
)
def test_hand_written_pages_give_the_gold_rows(name: str, stem: str) -> None:
    plan = table(FORMATS / name)
    assert diff_against_gold([row_fields(r) for r in plan.rows], stem) == []
    assert metadata(plan) == gold_metadata(stem)


def test_legal_page_is_windows_1251_and_spans_rows() -> None:
    data = (FORMATS / "samara-213r-legal.htm").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    rows = {r.item_number: r for r in table(FORMATS / "samara-213r-legal.htm").rows}
    # 6.2-6.7 share one rowspan cell: its text belongs to every row it spans
    assert {rows[f"6.{i}"].text("responsible") for i in range(2, 8)} == {"ДУД СО"}
    assert "vertically merged cell (column 4) copied from row above" in rows["6.3"].warnings


# --- through `plan-etl ingest` -----------------------------------------------------------------


@needs_soffice
@pytest.mark.parametrize(
    "files",
    [("kursk-254pp.doc", "samara-213r.rtf"), ("kursk-254pp.odt", "samara-213r.html")],
    ids=["doc+rtf", "odt+html"],
)
def test_ingest_records_format_and_text_source(files: tuple[str, str], tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in files:
        shutil.copy(FORMATS / name, raw / name)
    summary = ingest(raw, tmp_path / "out", jobs=2, use_cache=False)
    assert summary.statuses == {"ok": 2}
    docs = pd.read_parquet(tmp_path / "out" / "documents.parquet").set_index("source_file")
    for name in files:
        suffix = Path(name).suffix
        doc = docs.loc[name]
        assert doc.source_format == suffix[1:]
        assert doc.text_source == ("text" if suffix == ".html" else "converted")
        want = gold_metadata(name.split(".")[0])
        assert (doc.region, doc.act_number) == (want["region"], want["act_number"])
        assert str(doc.act_date) == want["act_date"]
        assert doc.row_count == len(gold(name.split(".")[0])["rows"])


def test_ingest_without_libreoffice_fails_the_file_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(FORMATS / "kursk-254pp.doc", raw / "kursk.doc")
    shutil.copy(FORMATS / "samara-213r-legal.htm", raw / "samara.htm")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "empty-cache"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice anywhere; workers inherit it
    summary = ingest(raw, tmp_path / "out", jobs=1, use_cache=False)
    assert summary.statuses == {"ok": 1, "failed": 1}
    assert summary.failures == [("kursk.doc", INSTALL_HINT)]
    assert INSTALL_HINT == "needs LibreOffice: apt-get install libreoffice-writer-nogui"


def test_missing_soffice_is_an_extract_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "/nonexistent/plan-etl-cache")
    monkeypatch.setattr(convert_module.shutil, "which", lambda _name: None)
    with pytest.raises(ExtractError) as info:
        ConvertedExtractor().read(FORMATS / "samara-213r.odt")
    assert str(info.value) == INSTALL_HINT


# --- the conversion cache ----------------------------------------------------------------------


def cache_entry(cache: Path, path: Path) -> Path:
    return cache / "converted" / f"{hashlib.sha256(path.read_bytes()).hexdigest()}.entry"


def holds_docx(entry: Path, source: Path) -> bool:
    """The entry holds a DOCX made from `source`'s bytes."""
    docx = convert_module.cached_docx(entry, hashlib.sha256(source.read_bytes()).hexdigest())
    return docx is not None and zipfile.is_zipfile(io.BytesIO(docx))


@needs_soffice
def test_a_cached_conversion_needs_no_libreoffice(
    conversion_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = FORMATS / "samara-213r.odt"
    first = ConvertedExtractor().read(path)  # converted here or by an earlier test
    assert holds_docx(cache_entry(conversion_cache, path), path)
    assert not list((conversion_cache / "converted").glob(".*"))  # no temporary left behind
    monkeypatch.setattr(convert_module.shutil, "which", lambda _name: None)
    assert ConvertedExtractor().read(path).blocks == first.blocks


def test_a_damaged_cache_entry_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A truncated entry is converted again and replaced (LibreOffice stood in for by a
    copy of the decree's DOCX, so the test needs none)."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    calls = []

    def fake_convert(data: bytes, suffix: str, workdir: Path) -> Path:
        calls.append(suffix)
        return Path(shutil.copy(DATA / "corpus" / "kursk-254pp.docx", workdir / "out.docx"))

    monkeypatch.setattr(convert_module, "convert_to_docx", fake_convert)
    path = FORMATS / "kursk-254pp.rtf"
    entry = cache_entry(tmp_path, path)
    entry.parent.mkdir(parents=True)
    entry.write_bytes((DATA / "corpus" / "kursk-254pp.docx").read_bytes()[:1000])  # truncated
    raw = ConvertedExtractor().read(path)
    assert calls == [".rtf"] and raw.text_source == "converted"
    assert holds_docx(entry, path)
    ConvertedExtractor().read(path)
    assert calls == [".rtf"]  # the repaired entry is used


@needs_soffice
def test_a_file_libreoffice_cannot_read_fails_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.odt"
    with zipfile.ZipFile(bad, "w") as package:  # a zip, but of no document
        package.writestr("hello.txt", "hello")
    with pytest.raises(ExtractError) as info:
        ConvertedExtractor().read(bad)
    assert str(info.value).startswith("LibreOffice could not convert the file (")
    assert "\n" not in str(info.value)


# --- HTML tables and text ----------------------------------------------------------------------


def rows_of(html: str) -> list[tuple[str, ...]]:
    return [b.cells for b in page_blocks(html) if b.cells is not None]


def test_rowspan_and_colspan_lay_out_on_the_grid() -> None:
    html = """<table>
      <tr><td rowspan="2">1.1</td><td colspan="2">a</td><td rowspan="3">r</td></tr>
      <tr><td>b</td><td>c</td></tr>
      <tr><td>1.2</td><td>d</td><td>e</td></tr>
      <tr><td>1.3</td><td colspan="3">f</td></tr>
    </table>"""
    assert rows_of(html) == [
        ("1.1", "a", "", "r"),
        ("1.1", "b", "c", "r"),
        ("1.2", "d", "e", "r"),
        ("1.3", "f", "", ""),
    ]


def test_a_rowspan_cell_notes_the_copy_and_an_empty_one_does_not() -> None:
    html = """<table><tr><td rowspan="2">x</td><td rowspan="2"></td><td>1</td></tr>
      <tr><td>2</td></tr></table>"""
    blocks = [b for b in page_blocks(html) if b.is_row]
    assert blocks[1].cells == ("x", "", "2")
    assert blocks[1].notes == ("vertically merged cell (column 1) copied from row above",)


def test_breaks_and_paragraphs_in_cells_are_paragraph_breaks() -> None:
    html = """<table><tr><td><p>Первый
      абзац</p><p>второй</p></td><td>строка<br>другая<br/> </td><td>&nbsp;</td></tr></table>"""
    assert rows_of(html) == [("Первый абзац\nвторой", "строка\nдругая", "")]


def test_thead_rows_are_header_rows_and_come_first() -> None:
    html = """<table><tfoot><tr><td>f</td></tr></tfoot><tbody><tr><td>b</td></tr></tbody>
      <thead><tr><th>h</th></tr></thead></table>"""
    blocks = page_blocks(html)
    assert [(b.cells, b.header) for b in blocks] == [
        (("h",), True),
        (("b",), False),
        (("f",), False),
    ]


def test_scripts_styles_and_comments_are_not_text() -> None:
    html = """<html><head><title>T</title><style>p {}</style></head><body>
      <p>до<script>var x = "скрипт";</script> после</p><!-- комментарий -->
      <noscript>включите JavaScript</noscript><p>конец</p></body></html>"""
    assert [b.text for b in page_blocks(html)] == ["до после", "конец"]


def test_paragraphs_keep_reading_order_around_tables() -> None:
    html = """<body>ПОСТАНОВЛЕНИЕ<div>от 01.02.2024 № 5</div><b>О плане</b>
      <table><tr><td>1</td><td>x</td></tr></table><p>Губернатор<br>области</p></body>"""
    blocks = page_blocks(html)
    assert [b.text or b.cells for b in blocks] == [
        "ПОСТАНОВЛЕНИЕ",
        "от 01.02.2024 № 5",
        "О плане",
        ("1", "x"),
        "Губернатор\nобласти",
    ]


def test_a_table_nested_in_a_cell_is_part_of_the_cell() -> None:
    html = """<table><tr><td>1</td><td>до<table><tr><td>в</td><td>нём</td></tr></table>после</td>
      <td>x</td></tr></table>"""
    (block,) = page_blocks(html)
    assert block.cells == ("1", "до\nв\nнём\nпосле", "x")
    assert block.notes == ("text of a table nested in column 2 appended to the cell",)


def test_a_layout_frame_is_looked_through() -> None:
    html = """<table><tr><td><p>Шапка</p>
      <table><tr><td>1</td><td>a</td><td>b</td></tr></table></td></tr></table>"""
    assert [b.text or b.cells for b in page_blocks(html)] == ["Шапка", ("1", "a", "b")]


@pytest.mark.parametrize(
    "data",
    [
        '<meta charset="windows-1251"><p>Курская область</p>'.encode("cp1251"),
        "<p>Курская область</p>".encode("cp1251"),  # no declaration: detected
        "<p>Курская область</p>".encode("utf-8-sig"),
        "<p>Курская область</p>".encode("utf-16"),
        # declared wrongly (utf-8, but the bytes are windows-1251): detected
        '<meta content="text/html; charset=utf-8"><p>Курская область</p>'.encode("cp1251"),
    ],
    ids=["meta-cp1251", "detected-cp1251", "utf8-bom", "utf16-bom", "wrong-meta"],
)
def test_encodings(data: bytes) -> None:
    assert "Курская область" in decode(data)


def test_a_byte_order_mark_the_bytes_break_is_refused_with_a_line() -> None:
    # UTF-16 by its mark, then a high surrogate with no low one after it: no UTF-16 text
    data = codecs.BOM_UTF16_BE + "<p>Курская".encode("utf-16-be") + b"\xd8\x00\x00a"
    with pytest.raises(ExtractError, match="byte-order mark") as caught:
        decode(data)
    assert "\n" not in str(caught.value)


def test_empty_and_unparsable_pages_fail_with_a_line(tmp_path: Path) -> None:
    for name, data in (("empty.html", b"  \n"), ("binary.htm", b"\x00\x01\x02\x00" * 10)):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(ExtractError):
            HtmlExtractor().read(path)


# --- the one suffix table ----------------------------------------------------------------------


def test_suffixes_map_to_formats_and_backends() -> None:
    expected = {
        ".doc": "doc", ".rtf": "rtf", ".odt": "odt", ".html": "html", ".htm": "html",
        ".docx": "docx", ".pdf": "pdf", ".txt": "txt", ".md": "md",
    }  # fmt: skip
    assert {s: source_format(Path(f"x{s.upper()}")) for s in SUFFIXES} == expected
    assert source_format(Path("x.xlsx")) == source_format(Path("README")) == "other"
    assert isinstance(extractor_for(Path("a.HTM")), HtmlExtractor)
    assert isinstance(extractor_for(Path("a.Rtf")), ConvertedExtractor)
    assert isinstance(extractor_for(Path("a.docx")), DocxExtractor)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_pages_are_read_or_refused_with_a_line(data: st.DataObject) -> None:
    page = bytearray((FORMATS / "samara-213r-legal.htm").read_bytes())
    for _ in range(data.draw(st.integers(1, 20))):
        at = data.draw(st.integers(0, len(page) - 1))
        page[at : at + data.draw(st.integers(0, 400))] = data.draw(st.binary(max_size=8))
    try:
        blocks = page_blocks(decode(bytes(page)))
    except ExtractError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert all(b.is_row or b.text for b in blocks)


def test_hidden_elements_and_inline_markup() -> None:
    html = """<p>слово <b> жирное</b>  <span style="display: none">скрыто</span>и
      <i hidden>тоже</i>конец</p>"""
    assert [b.text for b in page_blocks(html)] == ["слово жирное и конец"]


def test_a_utf16_declaration_in_an_ascii_page_is_ignored() -> None:
    data = '<meta charset="utf-16"><p>Курская область</p>'.encode()
    assert "Курская область" in decode(data)
