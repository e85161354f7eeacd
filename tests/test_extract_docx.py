"""The DOCX extractor on the five corpus renderings and on documents built here with python-docx."""

from __future__ import annotations

import copy
import io
import zipfile
from pathlib import Path

import docx
import pytest
from conftest import DATA, diff_against_gold, row_fields
from docx.document import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.table import Table

from plan_etl.assemble import PlanTable, assemble
from plan_etl.extract import extractor_for
from plan_etl.extract.base import ExtractError
from plan_etl.extract.docx import DocxExtractor

CORPUS = sorted((DATA / "corpus").glob("*.docx"))
KURSK = DATA / "corpus" / "kursk-254pp.docx"
HEADER = (
    "№",
    "Мероприятие",
    "Ответственный исполнитель",
    "Срок исполнения",
    "Примечание",
    "Вид документа (результат)",
)


def extract(path: Path) -> PlanTable:
    return assemble(DocxExtractor().read(path).blocks)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_corpus_rows_equal_gold(path: Path) -> None:
    table = extract(path)
    assert diff_against_gold([row_fields(r) for r in table.rows], path.stem) == []


def test_corpus_holds_all_263_gold_rows() -> None:
    assert len(CORPUS) == 5
    assert sum(len(extract(p).rows) for p in CORPUS) == 263


def test_kursk_preamble_has_the_act_number() -> None:
    assert "№ 254-пп" in extract(KURSK).preamble


def test_registry_reads_docx_with_this_extractor() -> None:
    assert isinstance(extractor_for(KURSK), DocxExtractor)


def test_page_count_is_not_claimed() -> None:
    assert DocxExtractor().read(KURSK).page_count is None


def test_dagestan_vertical_merge_keeps_columns() -> None:
    # 4.1–4.4 share one empty vertically merged deadline and responsible cell
    rows = {r.item_number: r for r in extract(DATA / "corpus" / "dagestan-490r.docx").rows}
    assert rows["4.2"].text("deadline") is None and rows["4.2"].text("responsible") is None
    assert (
        rows["4.2"].text("result")
        == "отчет о проведении самооценки уровня зрелости кадровой работы"
    )


# --- a decree built here -----------------------------------------------------------------------


def mark_header(table: Table, index: int) -> None:
    tr_pr = table.rows[index]._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:tblHeader"))


def fill(table: Table, index: int, values: tuple[str, ...]) -> None:
    for cell, value in zip(table.rows[index].cells, values, strict=True):
        cell.text = value


def build_decree(path: Path) -> Path:
    """An approval block table, then a six-column plan in an unusual column order with a
    header row, a merged section row, a merged deadline and a two-paragraph cell."""
    doc = docx.Document()
    doc.add_paragraph("ПРАВИТЕЛЬСТВО ТЕСТОВОЙ ОБЛАСТИ")
    doc.add_paragraph("ПОСТАНОВЛЕНИЕ от 01.02.2024 № 12-пп")
    approval = doc.add_table(rows=2, cols=2)
    fill(approval, 0, ("", "УТВЕРЖДЕН"))
    fill(approval, 1, ("", "постановлением Правительства Тестовой области"))
    plan = doc.add_table(rows=5, cols=len(HEADER))
    fill(plan, 0, HEADER)
    mark_header(plan, 0)
    plan.cell(1, 0).merge(plan.cell(1, len(HEADER) - 1)).text = "I. Организационные мероприятия"
    fill(plan, 2, ("1.1.", "Назначение ответственного", "", "", "", "приказ"))
    fill(plan, 3, ("1.2.", "Утверждение плана", "рабочая группа", "", "нет", "план"))
    fill(plan, 4, ("1.3.", "Проведение обучения", "министерство", "2025 год", "", "отчет"))
    responsible = plan.cell(2, 2)
    responsible.text = "министерство экономического развития"
    responsible.add_paragraph("рабочая группа")
    plan.cell(2, 3).merge(plan.cell(3, 3)).text = "до 01.03.2024"
    return _save(doc, path / "decree.docx")


def _save(doc: Document, path: Path) -> Path:
    doc.save(str(path))
    return path


def test_built_decree_blocks(tmp_path: Path) -> None:
    blocks = DocxExtractor().read(build_decree(tmp_path)).blocks
    texts = [b.text for b in blocks if not b.is_row]
    rows = [b for b in blocks if b.is_row]
    assert texts == ["ПРАВИТЕЛЬСТВО ТЕСТОВОЙ ОБЛАСТИ", "ПОСТАНОВЛЕНИЕ от 01.02.2024 № 12-пп"]
    assert rows[0].cells == ("", "УТВЕРЖДЕН")  # the approval table comes first, as it stands
    assert rows[2].cells == HEADER and rows[2].header
    assert not any(b.header for b in rows[3:])
    assert rows[3].cells == ("I. Организационные мероприятия", "", "", "", "", "")
    assert rows[4].cells[2] == "министерство экономического развития\nрабочая группа"
    assert rows[4].cells[3] == rows[5].cells[3] == "до 01.03.2024"
    assert rows[4].notes == ()
    assert rows[5].notes == ("vertically merged cell (column 4) copied from row above",)
    assert rows[6].cells[3] == "2025 год" and rows[6].notes == ()


def test_built_decree_rows(tmp_path: Path) -> None:
    table = extract(build_decree(tmp_path))
    assert table.header_found
    # the approval block is a table before the plan: its cells reach the preamble in order
    assert table.preamble.splitlines() == [
        "ПРАВИТЕЛЬСТВО ТЕСТОВОЙ ОБЛАСТИ",
        "ПОСТАНОВЛЕНИЕ от 01.02.2024 № 12-пп",
        "УТВЕРЖДЕН",
        "постановлением Правительства Тестовой области",
    ]
    first, second, third = table.rows
    assert [r.item_number for r in table.rows] == ["1.1", "1.2", "1.3"]
    assert {r.section_title for r in table.rows} == {"Организационные мероприятия"}
    assert first.cells["responsible"] == ["министерство экономического развития", "рабочая группа"]
    assert first.text("responsible") == "министерство экономического развития рабочая группа"
    assert first.text("deadline") == second.text("deadline") == "до 01.03.2024"
    assert "vertically merged cell (column 4) copied from row above" in second.warnings
    assert (second.text("result"), second.text("responsible")) == ("план", "рабочая группа")
    assert third.text("deadline") == "2025 год" and third.warnings == []
    assert "нет" not in [p for r in table.rows for paras in r.cells.values() for p in paras]


def test_nested_table_text_is_kept(tmp_path: Path) -> None:
    doc = docx.Document()
    plan = doc.add_table(rows=2, cols=3)
    fill(plan, 0, ("№", "Мероприятие", "Срок"))
    fill(plan, 1, ("1.", "Обучение", ""))
    inner = plan.cell(1, 2).add_table(rows=2, cols=1)
    fill(inner, 0, ("I квартал",))
    fill(inner, 1, ("IV квартал",))
    row = DocxExtractor().read(_save(doc, tmp_path / "nested.docx")).blocks[1]
    assert row.cells == ("1.", "Обучение", "I квартал\nIV квартал")
    assert row.notes == ("text of a table nested in column 3 appended to the cell",)


def test_grid_before_keeps_cells_in_their_columns(tmp_path: Path) -> None:
    doc = docx.Document()
    plan = doc.add_table(rows=2, cols=3)
    fill(plan, 0, ("№", "Мероприятие", "Срок"))
    fill(plan, 1, ("", "Обучение", "2024"))
    tr = plan.rows[1]._tr
    tr.remove(tr.tc_lst[0])
    before = OxmlElement("w:gridBefore")
    before.set(qn("w:val"), "1")
    tr.get_or_add_trPr().append(before)
    row = DocxExtractor().read(_save(doc, tmp_path / "skip.docx")).blocks[1]
    assert row.cells == ("", "Обучение", "2024")


def test_text_in_smart_tags_and_content_controls_is_read(tmp_path: Path) -> None:
    doc = docx.Document()
    p = doc.add_paragraph("Срок: ")._p
    tag = OxmlElement("w:smartTag")
    tag.append(copy.deepcopy(p.r_lst[0]))
    tag[0].text = "31.12.2024"
    p.append(tag)
    sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    content.append(copy.deepcopy(p))
    sdt.append(content)
    p.addnext(sdt)
    texts = [b.text for b in DocxExtractor().read(_save(doc, tmp_path / "tags.docx")).blocks]
    assert texts == ["Срок: 31.12.2024", "Срок: 31.12.2024"]


# --- bad input ------------------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _kursk_as_template() -> bytes:
    with zipfile.ZipFile(KURSK) as z:
        types = z.read("[Content_Types].xml").replace(b".document.main+xml", b".template.main+xml")
    return _kursk_without("[Content_Types].xml", types)


def _kursk_without(name: str, replacement: bytes | None = None) -> bytes:
    with zipfile.ZipFile(KURSK) as z:
        members = {n: z.read(n) for n in z.namelist() if n != name}
    if replacement is not None:
        members[name] = replacement
    return _zip(members)


BAD_INPUTS = {
    "zero-byte": (b"", "empty file"),
    "truncated": (KURSK.read_bytes()[:5000], "not a zip archive"),
    "not-a-zip": ("Просто текст".encode(), "not a zip archive"),
    "legacy-doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "OLE file"),
    "zip-without-parts": (_zip({"hello.txt": b"x"}), "cannot read DOCX package"),
    "no-document-xml": (_kursk_without("word/document.xml"), "word/document.xml"),
    "broken-xml": (_kursk_without("word/document.xml", b"<w:document broken"), "XMLSyntaxError"),
    "word-template": (_kursk_as_template(), "not a Word file"),
}


@pytest.mark.parametrize(("data", "cause"), BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_raises_one_line_extract_error(tmp_path: Path, data: bytes, cause: str) -> None:
    path = tmp_path / "bad.docx"
    path.write_bytes(data)
    with pytest.raises(ExtractError, match=cause) as info:
        DocxExtractor().read(path)
    assert "\n" not in str(info.value)


def test_corrupt_member_raises_extract_error(tmp_path: Path) -> None:
    data = bytearray(KURSK.read_bytes())
    data[len(data) // 3 : len(data) // 3 + 64] = bytes(64)
    path = tmp_path / "corrupt.docx"
    path.write_bytes(bytes(data))
    with pytest.raises(ExtractError):
        DocxExtractor().read(path)


def test_document_without_plan_reads_fine(tmp_path: Path) -> None:
    doc = docx.Document()
    doc.add_paragraph("Письмо без плана")
    fill(doc.add_table(rows=1, cols=2), 0, ("Кому", "Куда"))
    table = extract(_save(doc, tmp_path / "letter.docx"))
    assert table.rows == [] and not table.header_found
