"""The assembler, format by format: three-level numbering, rows it cannot place, the plan among
other tables, merged cells and rows continued after a page break. Decrees are built here as
text dumps and as DOCX files (python-docx), so the tests need no renderer."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
from conftest import DATA
from docx.table import Table, _Cell

from plan_etl.assemble import DOUBTFUL, PlanTable, assemble
from plan_etl.extract.base import Block
from plan_etl.extract.docx import DocxExtractor
from plan_etl.extract.text import TextExtractor, parse_text
from plan_etl.normalize.metadata import read_metadata
from plan_etl.records import Source, build_records
from plan_etl.vocabulary import header_role, is_column_number_row, repaired_number

HEADER = ("№ п/п", "Наименование мероприятия", "Срок исполнения", "Ответственный", "Результат")
DEV = DATA / "dev"


def dump(*lines: str | tuple[str, ...]) -> PlanTable:
    """Assemble a text dump given as lines; a tuple is a tab-separated table row."""
    text = "\n".join(line if isinstance(line, str) else "\t".join(line) for line in lines)
    return assemble(parse_text(text))


def item(number: str, activity: str, deadline: str = "2024", responsible: str = "ОИВ"):
    return (number, activity, deadline, responsible, "Приказ")


def span(text: str) -> tuple[str, ...]:
    """A row of one cell merged across the table, as text dumps and extractors give it."""
    return (text, "", "", "", "")


# --- three-level numbering ---------------------------------------------------------------------

THREE_LEVELS = (
    HEADER,
    ("1", "2", "3", "4", "5"),
    span("1. Организационные мероприятия"),
    span("1.1. Жизненная ситуация «Рождение ребенка»"),
    item("1.1.1.", "Назначен ответственный"),
    item("1.1.2.", "Определен орган"),
    ("1.2.", "Организационная модель", "", "", ""),
    item("1.2.1.", "Утверждена модель"),
    span("2. Жизненные ситуации"),
    item("2.1.", "Определены жизненные ситуации"),
)


def test_numbered_sub_headings_give_number_and_title() -> None:
    table = dump(*THREE_LEVELS)
    got = [
        (r.item_number, r.section_number, r.section_title, r.subsection_number, r.subsection_title)
        for r in table.rows
    ]
    assert got == [
        (
            "1.1.1",
            "1",
            "Организационные мероприятия",
            "1.1",
            "Жизненная ситуация «Рождение ребенка»",
        ),
        (
            "1.1.2",
            "1",
            "Организационные мероприятия",
            "1.1",
            "Жизненная ситуация «Рождение ребенка»",
        ),
        ("1.2.1", "1", "Организационные мероприятия", "1.2", "Организационная модель"),
        ("2.1", "2", "Жизненные ситуации", None, None),
    ]
    assert table.warnings == [] and all(r.warnings == [] for r in table.rows)


def test_unnumbered_sub_heading_has_no_number() -> None:
    rows = dump(HEADER, span("I. Раздел"), span("Процессы обращений"), item("1.", "Один")).rows
    assert (rows[0].subsection_number, rows[0].subsection_title) == (None, "Процессы обращений")


def test_an_item_with_only_an_activity_stays_an_item() -> None:
    # «1.2» has no deadline, responsible or result, but 1.3 does not stand under it
    table = dump(HEADER, item("1.1.", "Первое"), ("1.2.", "Второе", "", "", ""), item("1.3.", "3"))
    assert [r.item_number for r in table.rows] == ["1.1", "1.2", "1.3"]
    assert table.rows[1].text("activity") == "Второе" and table.warnings == []


def test_tatarstan_sub_headings_match_gold() -> None:
    path = DEV / "sources" / "tatarstan.docx"
    rows = assemble(DocxExtractor().read(path).blocks).rows
    gold = json.loads((DEV / "gold" / "tatarstan.json").read_text())["rows"]
    assert [(r.item_number, r.section_title, r.subsection_title) for r in rows] == [
        (g["number"], g["section_title"], g["subsection"]) for g in gold
    ]
    assert all(r.subsection_number == r.item_number.rsplit(".", 1)[0] for r in rows)


# --- no numbered row is dropped -----------------------------------------------------------------


def test_number_cell_holding_words_keeps_the_row_with_a_doubt() -> None:
    # after a page break the text layer put the activity's first word into the number cell
    table = dump(
        HEADER,
        item("3.4.", "Утвердить реестр"),
        ("3.5. Утвердить", "порядок обратной связи", "2024", "ОИВ", "Приказ"),
        item("3.6.", "Провести оценку"),
    )
    assert [r.item_number for r in table.rows] == ["3.4", "3.5", "3.6"]
    doubtful = table.rows[1]
    assert doubtful.text("activity") == "Утвердить порядок обратной связи"
    assert doubtful.text("deadline") == "2024"
    assert [w for w in doubtful.warnings if w.startswith(DOUBTFUL)]
    assert table.warnings == [f"item 3.5 {DOUBTFUL}"]  # the document is partial


def test_a_row_kept_with_a_doubt_makes_the_document_partial() -> None:
    table = dump(HEADER, item("1.", "Назначение"), ("2. Утвердить", "порядок", "2024", "ОИВ", ""))
    source = Source("d", "d.txt", "txt", "0" * 64)
    document, activities = build_records(table, source, page_count=None, doc_warnings=[])
    assert document.status == "partial" and f"item 2 {DOUBTFUL}" in (document.error or "")
    assert [a.item_number for a in activities] == ["1", "2"]
    assert activities[1].warnings[0].startswith(DOUBTFUL)


def test_number_cell_that_is_no_item_number_keeps_the_row_with_a_doubt() -> None:
    table = dump(HEADER, item("1.", "Первое"), item("2 )", "Второе"), item("3.", "Третье"))
    assert [r.item_number for r in table.rows] == ["1", "2 )", "3"]
    assert table.rows[1].warnings == [f"{DOUBTFUL}: its number cell '2 )' is not an item number"]
    assert table.warnings == [f"item 2 ) {DOUBTFUL}"]


def test_a_spanning_numbered_row_without_rows_under_it_is_kept() -> None:
    table = dump(
        HEADER, item("2.1.", "Первое"), span("2.2. Итоговый отчет"), item("2.3.", "Третье")
    )
    assert [r.item_number for r in table.rows] == ["2.1", "2.2", "2.3"]
    assert table.rows[1].text("activity") == "Итоговый отчет"
    assert table.warnings == [f"item 2.2 {DOUBTFUL}"]


def test_heading_whose_words_the_extractor_spread_is_still_the_section() -> None:
    table = dump(
        HEADER,
        item("2.1.", "Первое"),
        ("3. Координация", "", "внедрения", "в ИОГВ", ""),
        item("3.1.", "Составление планов"),
    )
    assert [(r.item_number, r.section_number) for r in table.rows] == [("2.1", None), ("3.1", "3")]
    assert table.rows[1].section_title == "Координация внедрения в ИОГВ"
    assert table.warnings == ["heading 3 read from cells besides the activity"]


def big_plan(n: int) -> list[tuple[str, ...]]:
    return [HEADER, *(item(f"{i}.", f"Мероприятие номер {i}") for i in range(1, n + 1))]


def test_thousand_row_text_dump_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text("\n".join("\t".join(r) for r in big_plan(1200)), encoding="utf-8")
    rows = assemble(TextExtractor().read(path).blocks).rows
    assert len(rows) == 1200
    assert (rows[999].item_number, rows[999].text("activity")) == ("1000", "Мероприятие номер 1000")


def build_docx(path: Path, *tables: list[tuple[str, ...]], before: tuple[str, ...] = ()) -> Path:
    """A DOCX with paragraphs `before` and then one table per argument; a row given as
    `span(text)` becomes one cell merged across the table."""
    doc = docx.Document()
    for text in before:
        doc.add_paragraph(text)
    for rows in tables:
        add_table(doc, rows)
        doc.add_paragraph("")
    doc.save(str(path))
    return path


def add_table(doc: docx.document.Document | _Cell, rows: list[tuple[str, ...]]) -> Table:
    width = max(len(r) for r in rows)
    table = doc.add_table(rows=len(rows), cols=width)
    for row, values in zip(table.rows, rows, strict=True):
        cells = row.cells
        if len(values) == width and all(not v for v in values[1:]) and width > 2:
            cells[0].merge(cells[-1]).text = values[0]
            continue
        for cell, value in zip(cells, values, strict=False):
            cell.text = value
    return table


def test_thousand_row_docx_keeps_every_row(tmp_path: Path) -> None:
    path = build_docx(tmp_path / "plan.docx", big_plan(1001))
    rows = assemble(DocxExtractor().read(path).blocks).rows
    assert [r.item_number for r in rows[-2:]] == ["1000", "1001"]


# --- the plan among other tables ----------------------------------------------------------------

LETTERHEAD = [
    ("ПРАВИТЕЛЬСТВО КУРСКОЙ ОБЛАСТИ", ""),
    ("П О С Т А Н О В Л Е Н И Е", ""),
    ("от 01.02.2024", "№ 12-пп"),
]
TITLE = "Об утверждении плана мероприятий по внедрению стандартов клиентоцентричности"
SIGNATURE = [("Губернатор Курской области", "А.Б. Иванов")]
MEMBERS = [
    ("№ п/п", "Фамилия, имя, отчество", "Должность"),
    ("1.", "Иванов Иван Иванович", "министр цифрового развития"),
    ("2.", "Петров Петр Петрович", "заместитель министра"),
]
INDICATORS = [
    ("№", "Показатель", "Ед. изм.", "2023", "2024"),
    ("1.", "Доля услуг в электронном виде", "%", "50", "70"),
    ("2.", "Уровень удовлетворенности", "%", "80", "90"),
]
PLAN = [HEADER, span("1. Организационные мероприятия"), item("1.1.", "Первое")]
PLAN_END = [item("1.2.", "Второе"), item("1.3.", "Третье")]


def check_plan_among_tables(table: PlanTable) -> None:
    assert [(r.item_number, r.text("activity")) for r in table.rows] == [
        ("1.1", "Первое"),
        ("1.2", "Второе"),
        ("1.3", "Третье"),
    ]
    meta = read_metadata(table.preamble, table.text)
    assert (meta.issuer, meta.act_type, meta.act_number) == (
        "Правительство Курской области",
        "постановление",
        "12-пп",
    )
    assert (str(meta.act_date), meta.title) == ("2024-02-01", TITLE)


def test_plan_among_other_tables_docx(tmp_path: Path) -> None:
    path = build_docx(
        tmp_path / "decree.docx", LETTERHEAD, [(TITLE,)], MEMBERS, PLAN + PLAN_END, SIGNATURE
    )
    check_plan_among_tables(assemble(DocxExtractor().read(path).blocks))
    path = build_docx(
        tmp_path / "other.docx", LETTERHEAD, [(TITLE,)], PLAN + PLAN_END, INDICATORS, MEMBERS
    )
    check_plan_among_tables(assemble(DocxExtractor().read(path).blocks))


def test_plan_among_other_tables_text_dump() -> None:
    table = dump(
        *LETTERHEAD,
        TITLE,
        "",
        *PLAN,
        *PLAN_END,
        "",
        "Приложение № 2",
        "",
        *INDICATORS,
        "",
        "Состав рабочей группы",
        "",
        *MEMBERS,
    )
    check_plan_among_tables(table)
    assert table.warnings == []


def test_a_continuation_mentioning_a_number_is_no_other_header() -> None:
    table = dump(
        HEADER,
        item("1.", "Первое"),
        ("", "Присвоение номера реестру", "2024", "ОИВ", ""),
        item("2.", "Второе"),
    )
    assert [r.item_number for r in table.rows] == ["1", "2"]
    assert table.rows[0].text("activity") == "Первое Присвоение номера реестру"


def test_plan_resumes_after_another_table_when_its_header_returns() -> None:
    table = dump(*PLAN, *MEMBERS, HEADER, *PLAN_END)
    assert [r.item_number for r in table.rows] == ["1.1", "1.2", "1.3"]


# --- DOCX merges ---------------------------------------------------------------------------------


def test_perm_docx_vertical_merges_equal_gold() -> None:
    rows = assemble(DocxExtractor().read(DEV / "sources" / "perm.docx").blocks).rows
    gold = json.loads((DEV / "gold" / "perm.json").read_text())["rows"]
    fields = ("number", "activity", "responsible", "deadline_raw", "document", "section_title")
    mine = [
        (
            r.item_number,
            r.text("activity"),
            r.text("responsible"),
            r.text("deadline"),
            r.text("result"),
            r.section_title,
        )
        for r in rows
    ]
    assert mine == [tuple(g[f] for f in fields) for g in gold]


def test_docx_merges_nested_tables_and_section_rows(tmp_path: Path) -> None:
    doc = docx.Document()
    table = add_table(
        doc,
        [
            HEADER,
            span("1. Организационные мероприятия"),
            span("1.1. Ответственные"),
            item("1.1.1.", "Первое", responsible=""),
            item("1.1.2.", "Второе", responsible=""),
            item("1.1.3.", "Третье", responsible=""),
        ],
    )
    table.cell(3, 3).merge(table.cell(5, 3)).text = "Министерство"
    table.cell(4, 1).add_table(rows=1, cols=2).rows[0].cells[1].text = "(вложенная таблица)"
    path = tmp_path / "merges.docx"
    doc.save(str(path))
    rows = assemble(DocxExtractor().read(path).blocks).rows
    assert [r.text("responsible") for r in rows] == ["Министерство"] * 3
    assert rows[1].text("activity") == "Второе (вложенная таблица)"
    assert {(r.section_title, r.subsection_number, r.subsection_title) for r in rows} == {
        ("Организационные мероприятия", "1.1", "Ответственные")
    }


def test_plan_inside_a_layout_table_is_read_as_a_table(tmp_path: Path) -> None:
    doc = docx.Document()
    frame = doc.add_table(rows=1, cols=2).cell(0, 1)
    frame.text = "План мероприятий"
    add_table(frame, [HEADER, item("1.", "Первое"), item("2.", "Второе")])  # a cell adds tables too
    path = tmp_path / "frame.docx"
    doc.save(str(path))
    table = assemble(DocxExtractor().read(path).blocks)
    assert [(r.item_number, r.text("activity")) for r in table.rows] == [
        ("1", "Первое"),
        ("2", "Второе"),
    ]
    assert table.preamble == "План мероприятий"


# --- a row continued after a page break --------------------------------------------------------


@pytest.mark.parametrize(
    "repeat",
    [
        [HEADER, ("1", "2", "3", "4", "5")],
        [
            ("№ п/п", "Наименование", "Срок", "Ответственный", "Результат"),
            ("", "мероприятия", "исполнения", "", ""),
        ],
    ],
    ids=["header and column numbers", "header in two pieces"],
)
def test_continuation_after_page_break_joins_the_row_it_continues(
    repeat: list[tuple[str, ...]],
) -> None:
    table = dump(
        HEADER,
        span("1. Организационные мероприятия"),
        item("1.1.", "Первое"),
        ("1.2.", "Утверждение порядка", "", "Министерство", "Постановление"),
        "",
        "2",
        "",
        *repeat,
        ("", "Правительства области", "I квартал 2024 года", "цифрового развития", ""),
        item("1.3.", "Третье"),
    )
    rows = table.rows
    assert table.warnings == []
    assert [r.item_number for r in rows] == ["1.1", "1.2", "1.3"]
    assert rows[1].text("activity") == "Утверждение порядка Правительства области"
    assert rows[1].text("deadline") == "I квартал 2024 года"
    assert rows[1].text("responsible") == "Министерство цифрового развития"
    assert "row continued across page break" in rows[1].warnings
    assert rows[2].text("activity") == "Третье" and rows[2].warnings == []


def test_pdf_like_continuation_on_the_next_page() -> None:
    """Blocks as a PDF backend gives them: the header on each page, pages numbered."""
    blocks = [
        Block(cells=HEADER, page=1),
        Block(cells=item("1.", "Составление реестров"), page=1),
        Block(cells=HEADER, page=2),
        Block(cells=("", "ИОГВ и утверждение порядка их ведения", "", "", ""), page=2),
        Block(cells=item("2.", "Оценка удовлетворенности"), page=2),
    ]
    rows = assemble(blocks).rows
    assert rows[0].text("activity") == "Составление реестров ИОГВ и утверждение порядка их ведения"
    assert (rows[0].page_first, rows[0].page_last) == (1, 2)
    assert rows[1].text("activity") == "Оценка удовлетворенности"


def test_an_item_number_with_digit_lookalikes_is_kept_and_flagged() -> None:
    """OCR prints «I.4.» and «З.9.» for 1.4 and 3.9: the row stays an item with that number
    and a doubt, never «a row outside the plan»; a Roman section number is not touched."""
    header = ("№ п/п", "Мероприятие", "Срок", "Ответственный", "Результат")
    blocks = [
        Block(cells=header),
        Block(cells=(["I", "2", "3", "4", "5"])),
        Block(cells=("II. Организационные мероприятия", "", "", "", "")),
        Block(cells=("1.3.", "Утвердить план", "2024", "ДИТО", "Приказ")),
        Block(cells=("I.4.", "Утвержден план информирования", "2024", "ДИТО", "Приказ")),
        Block(cells=("З.9.", "Утверждение планов реинжиниринга", "2024", "ДИТО", "Приказ")),
    ]
    table = assemble(blocks)
    assert [r.item_number for r in table.rows] == ["1.3", "1.4", "3.9"]
    assert table.rows[0].section_number == "II"
    assert any("read as '1.4.'" in w for w in table.rows[1].warnings)
    assert not any("outside the plan" in w for w in table.warnings)
    assert repaired_number("II.") == "II." and repaired_number("Итого") == "Итого"


def test_a_header_repeated_with_misread_words_is_a_header_not_a_stray_row() -> None:
    """OCR reads the header repeated on the next page as «№ я п | Мероп роприятие | …»: it is
    the header again (no warning, the document stays ok), and the continuation under it still
    joins the row the page break cut."""
    header = ("№ п/п", "Мероприятие", "Срок реализации", "Ответственный", "Результат")
    misread = ("№ я п", "Мероп роприятие", "Срок реализации", "й Отв етственный", "Рез ультат")
    blocks = [
        Block(cells=header, page=1),
        Block(cells=("1.1.", "Утвердить план", "2024", "ДИТО", "Приказ"), page=1),
        Block(cells=misread, page=2),
        Block(cells=("", "мероприятий", "", "", ""), page=2),
    ]
    table = assemble(blocks)
    assert table.warnings == []
    assert table.rows[0].text("activity") == "Утвердить план мероприятий"


def test_two_item_numbers_in_one_cell_are_not_read_as_one() -> None:
    """«5.2. 5.З.» is the numbers of two rows run together (a row border OCR lost), not item
    5.2.5.3: it stays as printed, and the row gets the doubt."""
    assert repaired_number("5.2. 5.З.") == "5.2. 5.З."
    assert repaired_number("5.З.") == "5.3."
    blocks = [
        Block(cells=("№ п/п", "Мероприятие", "Срок", "Ответственный", "Результат")),
        Block(cells=("5.1.", "Утвердить план", "2024", "ДИТО", "Приказ")),
        Block(cells=("5.2. 5.З.", "Сегментация Оценка", "2024", "ДИТО", "Приказ")),
    ]
    row = assemble(blocks).rows[1]
    assert row.item_number == "5.2. 5.З"
    assert any("is not an item number" in w for w in row.warnings)


def test_a_first_header_with_words_misread_by_a_letter_is_the_header() -> None:
    """OCR reads the first page's header as «Мсроприятие | … | Внд докумснта»: it is still
    the plan's header, so the rows under it are items, not text before the plan."""
    misread = ("№ п/п", "Мсроприятие", "Срок реализации", "Ответственный", "Внд докумснта")
    blocks = [
        Block(text="ПЛАН мероприятий", page=1),
        Block(cells=misread, page=1),
        Block(cells=("1.1.", "Утвердить план", "2024", "ДИТО", "Приказ"), page=1),
        Block(cells=("1.2.", "Назначить ответственных", "2024", "ДИТО", "Приказ"), page=1),
    ]
    table = assemble(blocks)
    assert [r.item_number for r in table.rows] == ["1.1", "1.2"]
    assert table.warnings == []
    # a row's long cell that holds such a word is no header for it
    assert header_role("Проведение мсроприятий по информированию граждан о ходе работ") is None


def test_rows_above_a_header_that_was_not_recognised_are_not_lost_silently() -> None:
    """A first-page header OCR garbled past recognition leaves that page's rows above the
    header found on the next page: each gets a warning (the document is partial), and a
    letterhead table above the plan none."""
    garbled = ("№ п/п", "Мсрпрнятнс", "Cpок", "Отвстствснныи", "Внд")
    header = ("№ п/п", "Мероприятие", "Срок", "Ответственный", "Результат")
    blocks = [
        Block(cells=("28 сентября 2023 года", "№ 658-рп"), page=1),
        Block(cells=garbled, page=1),
        Block(cells=("1.1.", "Утвердить план", "2024", "ДИТО", "Приказ"), page=1),
        Block(cells=header, page=2),
        Block(cells=("1.2.", "Назначить ответственных", "2024", "ДИТО", "Приказ"), page=2),
    ]
    table = assemble(blocks)
    assert [r.item_number for r in table.rows] == ["1.2"]
    assert table.warnings == [
        "row above the plan header ignored: '1.1. | Утвердить план | 2024 | ДИТО | Приказ'"
    ]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (("1", "2", "3", "4", "5"), True),
        (("1", "", "2", " 3 "), True),  # a blank cell (a merged column) is skipped
        (("I", "2", "З"), True),  # digit look-alikes read as digits
        (("1", "2"), False),  # two columns do not make a numbering row
        (("1", "3", "4"), False),
        (("2", "3", "4"), False),
        (("1", "2", "3", "Итого"), False),
        (("1.", "Мероприятие", "2024"), False),
        (("", "", ""), False),
    ],
)
def test_a_column_number_row_counts_every_cell(cells: tuple[str, ...], expected: bool) -> None:
    assert is_column_number_row(cells) is expected
