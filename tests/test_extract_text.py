"""The text-dump extractor and the assembler on the five seed dumps and on made-up cases."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import diff_against_gold, row_fields

from plan_etl.assemble import assemble, interleave_split_words
from plan_etl.extract.base import ExtractError
from plan_etl.extract.text import TextExtractor, decode, parse_text


def extract(path: Path):
    return assemble(TextExtractor().read(path).blocks)


def test_seed_rows_equal_gold(seed: Path) -> None:
    table = extract(seed)
    assert diff_against_gold([row_fields(r) for r in table.rows], seed.stem) == []


def test_all_263_gold_rows(seed: Path) -> None:
    # the five seeds together hold 263 rows; each seed contributes its exact count
    counts = {"000": 41, "001": 60, "002": 34, "003": 69, "004": 59}
    assert len(extract(seed).rows) == counts[seed.stem[:3]]


def test_cp1251_dump_reads_like_utf8(tmp_path: Path) -> None:
    text = (
        "№ п/п\tМероприятие\tСрок\tОтветственный\tРезультат\n"
        "1.\tНазначение ответственного\t31.10.2023\tАГ СО\tПриказ\n"
    )
    p = tmp_path / "plan.txt"
    p.write_bytes(text.encode("cp1251"))
    rows = extract(p).rows
    assert [r.text("activity") for r in rows] == ["Назначение ответственного"]
    assert rows[0].text("deadline") == "31.10.2023"


def test_empty_and_binary_files_raise_own_error() -> None:
    with pytest.raises(ExtractError, match="empty"):
        decode(b"  \n")
    with pytest.raises(ExtractError, match="binary"):
        decode(b"%PDF\x00\x01\x02")


def test_repeated_header_column_numbers_and_continuation() -> None:
    dump = "\n".join(
        [
            "Преамбула постановления",
            "№\tНаименование мероприятия\tОтветственный исполнитель\tСрок исполнения\tПримечание",
            "1\t2\t3\t4\t5",
            "I. Первый раздел\t\t\t\t",
            "1.1.\tУтверждение порядка информационно-\tМинистерство\t01.02.2024\tнет",
            "",
            "№\tНаименование мероприятия\tОтветственный исполнитель\tСрок исполнения\tПримечание",
            "\tтехнического обеспечения\tцифрового развития\t\t",
            "Подраздел без номера\t\t\t\t",
            "1.2\tВторое\tМинистерство\tдекабрь 2024 года\t",
        ]
    )
    table = assemble(parse_text(dump))
    assert table.preamble == "Преамбула постановления"
    first, second = table.rows
    assert first.text("activity") == "Утверждение порядка информационно-технического обеспечения"
    assert first.text("responsible") == "Министерство цифрового развития"
    assert first.text("deadline") == "01.02.2024"
    assert "row continued across page break" in first.warnings
    assert (first.section_number, first.section_title) == ("I", "Первый раздел")
    assert first.subsection_title is None
    assert second.subsection_title == "Подраздел без номера"
    assert second.item_number == "1.2"


def test_numbered_title_rows_become_sections() -> None:
    dump = "\n".join(
        [
            "| № | Мероприятие | Срок | Ответственный | Результат |",
            "|---|---|---|---|---|",
            "| 1. | Организационные мероприятия | | | |",
            "| 1.1. | Назначение | 2024 | ОИВ | Приказ |",
            "| 1.2. | Утверждение | 2024 | ОИВ | Приказ |",
            "| 2. | Жизненные ситуации | | | |",
            "| 2.1. | Определение | 2024 | ОИВ | Протокол |",
        ]
    )
    rows = assemble(parse_text(dump)).rows
    assert [(r.item_number, r.section_number, r.section_title) for r in rows] == [
        ("1.1", "1", "Организационные мероприятия"),
        ("1.2", "1", "Организационные мероприятия"),
        ("2.1", "2", "Жизненные ситуации"),
    ]


@pytest.mark.parametrize(
    ("left", "right", "whole"),
    [
        (
            "Рабочая исполнительные государственной",
            "группа, органы власти",
            "Рабочая группа, исполнительные органы государственной власти",
        ),
        (
            "Рабочая исполнительные органы государственной власти",
            "группа, органы власти",
            "Рабочая группа, исполнительные органы государственной власти",
        ),
        ("Рабочая группа", "", "Рабочая группа"),
    ],
)
def test_split_column_words_interleave(left: str, right: str, whole: str) -> None:
    assert interleave_split_words(left, right) == whole


def test_no_header_means_no_rows() -> None:
    table = assemble(parse_text("Просто письмо\n\nбез таблицы"))
    assert table.rows == [] and not table.header_found


def test_table_after_the_plan_is_not_an_item() -> None:
    dump = "\n".join(
        [
            "№\tМероприятие\tСрок\tОтветственный\tРезультат",
            "1.\tНазначение ответственного\t31.10.2023\tАГ СО\tПриказ",
            "Губернатор области\tИ.О. Фамилия",
        ]
    )
    table = assemble(parse_text(dump))
    assert [r.item_number for r in table.rows] == ["1"]
    assert table.warnings == ["row outside the plan ignored: 'Губернатор области | И.О. Фамилия'"]
