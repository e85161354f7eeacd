"""Section and sub-heading rows in the styles officials set them, in every format: a Roman
number alone in the first cell with the title merged over the rest, «Раздел III», numbered
and unnumbered sub-headings, items «1.1» without a final dot, three levels. Every item gets
the section and sub-heading it stands in, and no row is lost or swallowed by a heading."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import DATA

from plan_etl.assemble import DOUBTFUL, PlanTable, assemble
from plan_etl.extract.docx import DocxExtractor
from plan_etl.extract.html import HtmlExtractor
from plan_etl.extract.pdf import PdfExtractor
from plan_etl.extract.text import parse_text
from plan_etl.records import Source, build_records

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import heading_plans

FORMATS = ("docx", "html", "txt", "pdf")


def read(plan: str, fmt: str, tmp: Path) -> PlanTable:
    """The plan as the reader of `fmt` gives it to the assembler."""
    if fmt == "docx":
        blocks = DocxExtractor().read(heading_plans.write_docx(plan, tmp / "plan.docx")).blocks
    elif fmt == "html":
        (tmp / "plan.html").write_text(heading_plans.html_page(plan), encoding="utf-8")
        blocks = HtmlExtractor().read(tmp / "plan.html").blocks
    elif fmt == "txt":
        blocks = parse_text(heading_plans.text_dump(plan))
    else:  # printed by LibreOffice from the DOCX: `python tests/fixtures/heading_plans.py`
        blocks = PdfExtractor().read(DATA / "fixtures" / "headings" / f"{plan}.pdf").blocks
    return assemble(blocks)


def placed(table: PlanTable) -> list[tuple[str | None, ...]]:
    return [
        (
            r.item_number,
            r.section_number,
            r.section_title,
            r.subsection_number,
            r.subsection_title,
            r.text("activity"),
        )
        for r in table.rows
    ]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("plan", sorted(heading_plans.PLANS))
def test_every_item_gets_its_section_and_sub_heading(plan: str, fmt: str, tmp_path: Path) -> None:
    table = read(plan, fmt, tmp_path)
    assert placed(table) == heading_plans.expected(plan)
    assert table.warnings == []


def test_the_expected_structure_is_the_one_the_issue_describes() -> None:
    """The fixtures hold what the matcher missed: Roman sections in their own cell over items
    «1.1», numbered and unnumbered sub-headings, three levels, restarting numbers."""
    city, ministry = heading_plans.expected("city"), heading_plans.expected("ministry")
    assert {r[1] for r in city} == {"I", "II", "III", "IV"}
    assert {r[0] for r in city} >= {"1.1", "2.1.1", "4.1"}
    assert any(r[3] is None and r[4] for r in city)  # an unnumbered sub-heading
    assert [r[0] for r in ministry].count("1.1") == 3  # numbers restart in every section


def test_e_with_diaeresis_survives_extraction_unchanged(tmp_path: Path) -> None:
    for fmt in FORMATS:
        rows = read("ministry", fmt, tmp_path).rows
        assert rows[3].text("activity") == "Опрос вовлечённости сотрудников провести", fmt
    table = read("city", "txt", tmp_path)
    source = Source("d", "city.txt", "txt", "0" * 64)
    _, activities = build_records(table, source, page_count=None, doc_warnings=[])
    assert activities[2].subsection_title == "Жизненная ситуация «Рождение ребёнка»"
    assert activities[9].result_document == "Постановление"
    assert any("ё" in (a.result_document or "") for a in activities)  # «Отчёт о самооценке»


# --- one style at a time, as text dumps ---------------------------------------------------------

HEADER = ("№ п/п", "Наименование мероприятия", "Срок исполнения", "Ответственный", "Результат")


def dump(*lines: str | tuple[str, ...]) -> PlanTable:
    text = "\n".join(line if isinstance(line, str) else "\t".join(line) for line in lines)
    return assemble(parse_text(text))


def item(number: str, activity: str, deadline: str = "2024") -> tuple[str, ...]:
    return (number, activity, deadline, "ОИВ", "Приказ")


def sections(table: PlanTable) -> list[tuple[str | None, ...]]:
    return [r[:5] for r in placed(table)]


def test_a_roman_heading_without_a_dot_is_a_section() -> None:
    table = dump(HEADER, ("II Процессы взаимодействия",), item("2.1", "Реестр услуг утвердить"))
    assert sections(table) == [("2.1", "II", "Процессы взаимодействия", None, None)]
    paragraph = dump(HEADER, "III Кадровый блок", item("3.1", "Обучение провести"))
    assert sections(paragraph) == [("3.1", "III", "Кадровый блок", None, None)]


def test_razdel_and_its_number_in_their_own_cell() -> None:
    table = dump(
        HEADER,
        ("Раздел 1", "Организационные мероприятия"),
        item("1.1", "Назначить ответственного"),
        ("Раздел 2.", "Жизненные", "ситуации"),  # a merged title a text layer spread
        item("2.1", "Определить перечень"),
    )
    assert sections(table) == [
        ("1.1", "1", "Организационные мероприятия", None, None),
        ("2.1", "2", "Жизненные ситуации", None, None),
    ]


def test_a_deadline_continued_after_a_page_break_is_no_section() -> None:
    table = dump(
        HEADER,
        item("1.1", "Провести самооценку", "до конца"),
        HEADER,
        ("", "", "II квартал 2024", "", ""),
        item("1.2", "Утвердить план"),
    )
    assert sections(table)[0] == ("1.1", None, None, None, None)
    assert table.rows[0].text("deadline") == "до конца II квартал 2024"


def test_an_arabic_section_in_its_own_cell_heads_the_items_under_it() -> None:
    table = dump(
        HEADER,
        ("1", "Организационные мероприятия", "", "", ""),
        ("1.1", "Жизненная ситуация «Рождение ребёнка»", "", "", ""),
        item("1.1.1", "Самооценку провести"),
        item("1.2", "Модель утвердить"),
    )
    section = ("1", "Организационные мероприятия")
    assert sections(table) == [
        ("1.1.1", *section, "1.1", "Жизненная ситуация «Рождение ребёнка»"),
        ("1.2", *section, None, None),
    ]


def test_an_unnumbered_sub_heading_in_the_activity_cell_is_no_continuation() -> None:
    table = dump(
        HEADER,
        ("I", "Процессы"),
        ("", "Муниципальные услуги и городские сервисы", "", "", ""),
        item("1.1", "Реестр актуализировать"),
        ("", "Обращения граждан", "", "", ""),
        item("1.2", "Порядок утвердить"),
    )
    assert sections(table) == [
        ("1.1", "I", "Процессы", None, "Муниципальные услуги и городские сервисы"),
        ("1.2", "I", "Процессы", None, "Обращения граждан"),
    ]
    activities = [r.text("activity") for r in table.rows]
    assert activities == ["Реестр актуализировать", "Порядок утвердить"]


@pytest.mark.parametrize(
    "rest",
    [
        ("", "в Тюменской области", "", "", ""),  # lower case: the sentence goes on
        ("", "Порядок утвердить,", "", "", ""),  # ends open: the sentence goes on
        ("", "Муниципальные услуги", "2024", "", ""),  # fills another column too
    ],
)
def test_the_rest_of_a_row_still_continues_it(rest: tuple[str, ...]) -> None:
    table = dump(HEADER, item("1.1", "Провести"), rest, item("1.2", "Утвердить"))
    assert [r.item_number for r in table.rows] == ["1.1", "1.2"]
    assert table.rows[0].subsection_title is None
    assert table.rows[0].text("activity") == f"Провести {rest[1]}"


def test_a_capitalised_line_after_a_page_break_continues_the_row_with_a_doubt() -> None:
    """Across a page break a line in title case may be a sub-heading or the rest of the row:
    the row keeps it, and says it may have swallowed a heading (the document is partial)."""
    table = dump(
        HEADER,
        item("3.2", "Мероприятия плана выполнить"),
        HEADER,
        ("", "Обращения граждан", "", "", ""),
        item("3.3", "Порядок утвердить"),
    )
    row = table.rows[0]
    assert row.text("activity") == "Мероприятия плана выполнить Обращения граждан"
    assert row.warnings[0] == (
        f"{DOUBTFUL}: continued after the page break by 'Обращения граждан', "
        "which may be a sub-heading"
    )
    assert table.warnings == [f"item 3.2 {DOUBTFUL}"]


def test_an_acronym_after_a_page_break_is_the_rest_of_the_row() -> None:
    table = dump(
        HEADER,
        item("3.3", "Назначить в каждом"),
        HEADER,
        ("", "ОИВ ответственного за внедрение клиентоцентричности", "", "", ""),
        item("3.4", "Утвердить"),
    )
    assert table.rows[0].text("activity") == (
        "Назначить в каждом ОИВ ответственного за внедрение клиентоцентричности"
    )
    assert table.warnings == []


def test_a_sub_heading_stays_in_the_section_it_stands_in() -> None:
    table = dump(
        HEADER,
        ("I.", "Организация работы"),
        ("1", "Управление внедрением", "", "", ""),
        item("1.1", "Офис образовать"),
        ("II.", "Работа с сотрудниками"),
        item("1.1", "Опрос провести"),
    )
    assert sections(table) == [
        ("1.1", "I", "Организация работы", "1", "Управление внедрением"),
        ("1.1", "II", "Работа с сотрудниками", None, None),
    ]


def test_a_section_row_with_dashes_in_its_other_cells_and_bold_markers() -> None:
    table = dump(
        HEADER,
        ("**II**", "**Процессы**", "–", "х", "-"),
        item("2.1", "Реестр утвердить"),
    )
    assert sections(table) == [("2.1", "II", "Процессы", None, None)]


def test_a_section_title_read_from_several_cells_is_said() -> None:
    """A Roman row with words in several columns is a heading whose title a text layer spread,
    or rarely a row numbered in Roman: the heading reading stands, with a warning."""
    table = dump(HEADER, ("I", "Процессы", "взаимодействия", "", ""), item("1.1", "Реестр"))
    assert sections(table) == [("1.1", "I", "Процессы взаимодействия", None, None)]
    assert table.warnings == ["heading I read from cells besides the activity"]


def test_a_header_line_under_the_header_is_no_sub_heading() -> None:
    table = dump(HEADER, ("", "Наименование", "", "", ""), item("1.1", "Реестр утвердить"))
    assert sections(table) == [("1.1", None, None, None, None)]
