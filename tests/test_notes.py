"""Legal-database notes: what a note names, and that it leaves the table's cells."""

from __future__ import annotations

import datetime as dt

import pytest

from plan_etl.assemble import DOUBTFUL, assemble
from plan_etl.extract.base import Block
from plan_etl.models import Amendment
from plan_etl.notes import Note, parse_note

D = dt.date
ACT = "распоряжения Правительства Тюменской области от 08.11.2023 N 351-рп"
R351 = Amendment(act_type="распоряжение", act_number="351-рп", act_date=D(2023, 11, 8))
P10 = Amendment(act_type="постановление", act_number="10-п", act_date=D(2024, 1, 15))

NOTES = [
    (f"(п. 2.3 в ред. {ACT})", Note(f"(п. 2.3 в ред. {ACT})", (R351,), (("2.3", "2.3"),))),
    (
        "(пп. 3.5 – 3.7 введены распоряжением Правительства от 08.11.2023 N 351-рп)",
        (("3.5", "3.7"),),
    ),
    (f"(пп. 2.3, 2.4 и 2.6 в ред. {ACT})", (("2.3", "2.3"), ("2.4", "2.4"), ("2.6", "2.6"))),
    (f"(строки 1.1 - 1.2 в редакции {ACT})", (("1.1", "1.2"),)),
    (f"(в ред. {ACT})", ()),
    (  # Гарант
        "Информация об изменениях: Пункты 1.1 - 1.2 изменены с 8 ноября 2023 г. - Распоряжение "
        "Правительства Тюменской области от 8 ноября 2023 г. N 351-рп См. предыдущую редакцию",
        (("1.1", "1.2"),),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("text", "want"), NOTES, ids=range(len(NOTES)))
def test_a_note_names_its_items(text: str, want: Note | tuple) -> None:
    note = parse_note(text, after="9.9")
    assert note is not None
    if isinstance(want, Note):
        assert note == want
    else:
        assert note.ranges == want and note.amendments == (R351,)
        assert note.after == (None if want else "9.9")


def test_a_section_range_names_every_section_in_it() -> None:
    note = parse_note(f"(разделы 2 - 4 в ред. {ACT})")
    assert note is not None and note.sections == ("2", "3", "4")


def test_a_section_note_names_the_section_and_all_acts() -> None:
    note = parse_note(
        "(раздел III в ред. постановлений Правительства от 15.01.2024 N 10-п, от 08.11.2023 "
        "N 351-рп)"
    )
    assert note is not None and note.sections == ("III",) and note.ranges == ()
    p351 = Amendment(act_type="постановление", act_number="351-рп", act_date=D(2023, 11, 8))
    assert note.amendments == (P10, p351)


@pytest.mark.parametrize(
    "text",
    [
        "(по согласованию)",
        "(в редакции, утвержденной рабочей группой) и разместить ее на портале",
        "Утвердить порядок (в ред. приказа) и разместить",
        "(далее – ДИТО)",
        "(сроки указаны в ред. от 2023 года)",  # words before the verb that name no item
        "Пункт 3 изменен по итогам самооценки",  # names an item, but no act
    ],
)
def test_plan_text_in_parentheses_is_no_note(text: str) -> None:
    assert parse_note(text) is None


HEADER = ("№ п/п", "Мероприятие", "Срок", "Ответственный", "Результат")


def _row(*cells: str) -> Block:
    return Block(cells=(*cells, *[""] * (5 - len(cells))))


def test_notes_in_every_position_leave_the_cells_and_reach_their_rows() -> None:
    blocks = [
        Block(cells=HEADER),
        _row("1. Организация работы"),
        _row("1.1.", "Утвердить модель", "31.12.2023", "ДИТО", "Приказ"),
        _row(f"(п. 1.2 в ред. {ACT})"),  # a note row after 1.1 that names 1.2
        _row("1.2.", "Создать группу\n(в ред. постановления Правительства от 15.01.2024 N 10-п)",
             "2024", "ДИТО (по согласованию)", "Распоряжение"),
        Block(text="Примечание."),
        Block(text="Пункт 1.2 приводится в редакции, действовавшей до 2024 года."),
        _row("1.3. Утратил силу. - Постановление Правительства от 15.01.2024 N 10-п."),
        _row("2. Работа с сотрудниками"),
        Block(text=f"(раздел 2 в ред. {ACT})"),
        _row("2.1.", "Провести самооценку", "2024", "Управление кадров", "Отчет"),
        _row("", "кадровой работы", "", "", ""),
        Block(text=f"(в ред. {ACT})"),
        _row("2.2.", "Утратил силу. - Постановление Правительства от 15.01.2024 N 10-п.",
             "", "", ""),
    ]  # fmt: skip
    table = assemble(blocks)
    rows = {r.item_number: r for r in table.rows}
    assert list(rows) == ["1.1", "1.2", "1.3", "2.1", "2.2"]
    assert rows["1.1"].amended_by == [] and rows["1.2"].amended_by == [R351, P10]
    assert rows["1.2"].text("activity") == "Создать группу"
    assert rows["1.2"].text("responsible") == "ДИТО (по согласованию)"
    assert rows["2.1"].text("activity") == "Провести самооценку кадровой работы"
    assert rows["2.1"].amended_by == [R351] and rows["2.1"].subsection_title is None
    assert rows["2.2"].amended_by == [R351, P10]  # notes in reading order: section, repeal
    assert [r.repealed for r in table.rows] == [False, False, True, False, True]
    assert rows["1.3"].text("activity") == "Утратил силу" and rows["1.3"].section_number == "1"
    assert table.warnings == []


def test_a_note_naming_no_row_of_the_plan_is_a_warning() -> None:
    blocks = [
        Block(cells=HEADER),
        _row("1.1.", "Утвердить модель", "2023", "ДИТО", "Приказ"),
        _row(f"(п. 7.7 в ред. {ACT})"),
    ]
    table = assemble(blocks)
    assert table.rows[0].amended_by == []
    assert len(table.warnings) == 1
    assert table.warnings[0].startswith("note names no row of the plan: '(п. 7.7 в ред.")


def test_an_editors_note_marker_takes_only_the_paragraph_right_after_it() -> None:
    blocks = [
        Block(cells=HEADER),
        _row("1. Организация работы"),
        Block(text="КонсультантПлюс: примечание."),
        _row("1.1.", "Утвердить модель", "2023", "ДИТО", "Приказ"),
        _row("Жизненные ситуации"),  # an unnumbered sub-heading, not the note's text
        _row("1.2.", "Создать группу", "2024", "ДИТО", "Распоряжение"),
    ]
    table = assemble(blocks)
    assert [r.subsection_title for r in table.rows] == [None, "Жизненные ситуации"]


def test_a_cell_note_printed_over_several_lines_leaves_the_cell_whole() -> None:
    blocks = [
        Block(cells=HEADER),
        _row(
            "1.1.",
            "Утвердить модель\n(в ред. распоряжения Правительства\nТюменской области от "
            "08.11.2023\nN 351-рп)",
            "2023\n(ежегодно)",
            "ДИТО",
            "Приказ",
        ),
    ]
    row = assemble(blocks).rows[0]
    assert (row.text("activity"), row.text("deadline")) == ("Утвердить модель", "2023 (ежегодно)")
    assert row.amended_by == [R351]


def test_an_excluded_row_is_repealed_too() -> None:
    blocks = [
        Block(cells=HEADER),
        _row("1.1.", "Утвердить модель", "2023", "ДИТО", "Приказ"),
        _row("1.2. Исключен. - Постановление Правительства от 15.01.2024 N 10-п."),
    ]
    row = assemble(blocks).rows[1]
    assert (row.item_number, row.repealed, row.text("activity")) == ("1.2", True, "Исключен")
    assert row.amended_by == [P10]


def test_an_activity_that_opens_with_a_repeal_word_is_plan_text() -> None:
    blocks = [
        Block(cells=HEADER),
        _row("1.1.", "Исключение дублирующих процедур", "2024", "ДИТО", "Отчет"),
        _row("1.2. Исключение избыточных запросов документов"),  # glued, yet no repeal
    ]
    rows = assemble(blocks).rows
    # the glued row is kept as an item with a doubt (never dropped), and is no repeal
    assert [r.repealed for r in rows] == [False, False]
    assert rows[0].text("activity") == "Исключение дублирующих процедур"
    assert any(w.startswith(DOUBTFUL) for w in rows[1].warnings)


def test_a_bare_note_under_a_heading_is_not_given_to_the_row_before_it() -> None:
    blocks = [
        Block(cells=HEADER),
        _row("1. Организация работы"),
        _row("1.1.", "Утвердить модель", "2023", "ДИТО", "Приказ"),
        _row("2. Работа с сотрудниками"),
        _row(f"(в ред. {ACT})"),
        Block(text="2"),  # a page number between rows
        _row("2.1.", "Провести самооценку", "2024", "Управление кадров", "Отчет"),
        Block(text="3"),
        Block(text=f"(в ред. {ACT})"),
    ]
    table = assemble(blocks)
    assert [r.amended_by for r in table.rows] == [[], [R351]]
    assert len(table.warnings) == 1 and table.warnings[0].startswith("note names no row")


def test_a_repealed_range_gives_a_row_per_item() -> None:
    blocks = [
        Block(cells=HEADER),
        _row("3.4.", "Утвердить порядок", "2023", "ДИТО", "Приказ"),
        _row("3.5 - 3.7.", "Утратили силу. - Постановление Правительства от 15.01.2024 N 10-п."),
        Block(text="3.8 – 3.9. Утратили силу. - Постановление Правительства от 15.01.2024 N 10-п."),
        _row("3.10.", "Утвердить планы", "2024", "ОИВ", "Приказы"),
    ]
    table = assemble(blocks)
    assert [(r.item_number, r.repealed) for r in table.rows] == [
        ("3.4", False), ("3.5", True), ("3.6", True), ("3.7", True), ("3.8", True),
        ("3.9", True), ("3.10", False),
    ]  # fmt: skip
    assert [r.amended_by for r in table.rows[1:6]] == [[P10]] * 5
    assert {r.text("activity") for r in table.rows[1:6]} == {"Утратили силу"}


def test_a_note_run_on_at_the_end_of_a_flattened_cell_is_taken_out() -> None:
    blocks = [
        Block(cells=HEADER),
        _row("1.1.", f"Утвердить модель (организационную) (в ред. {ACT})", "2023", "ДИТО", "1"),
        _row("1.2.", "Создать группу (в редакции проекта)", "2024", "ДИТО (по согласованию)", ""),
    ]  # fmt: skip
    rows = assemble(blocks).rows
    assert rows[0].text("activity") == "Утвердить модель (организационную)"
    assert rows[0].amended_by == [R351]
    assert rows[1].text("activity") == "Создать группу (в редакции проекта)"
    assert rows[1].text("responsible") == "ДИТО (по согласованию)" and rows[1].amended_by == []


def test_a_subsection_note_names_the_items_numbered_under_it() -> None:
    blocks = [
        Block(cells=HEADER),
        _row("2. Жизненные ситуации"),
        _row("2.1. Рождение ребенка"),
        _row("2.1.1.", "Утвердить перечень", "2023", "ДИТО", "Приказ"),
        _row("2.2. Переезд"),
        _row(f"(подраздел 2.2 в ред. {ACT})"),
        _row("2.2.1.", "Утвердить перечень", "2023", "ДИТО", "Приказ"),
        _row("2.2.2.", "Утвердить описание", "2024", "ДИТО", "Приказ"),
    ]
    table = assemble(blocks)
    assert [(r.item_number, r.amended_by) for r in table.rows] == [
        ("2.1.1", []), ("2.2.1", [R351]), ("2.2.2", [R351]),
    ]  # fmt: skip
