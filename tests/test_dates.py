"""Deadline cells: every form of the grammar, the forms that must stay null, and the gold."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import SEEDS, gold
from hypothesis import given, settings
from hypothesis import strategies as st

from plan_etl.normalize.dates import Deadline, find_dates, parse_deadline, restore_dates

D = dt.date

# raw cell, date, done, recurring, precision
READ = [
    ("31.10.2023", D(2023, 10, 31), False, False, "day"),
    ("31.10.23", D(2023, 10, 31), False, False, "day"),
    ("01.12.2025 г.", D(2025, 12, 1), False, False, "day"),
    ("1 сентября 2023 года (исполнено)", D(2023, 9, 1), True, False, "day"),
    ("20 января 2024 года", D(2024, 1, 20), False, False, "day"),
    ("«15» марта 2024 г.", D(2024, 3, 15), False, False, "day"),
    ("до 1 марта 2024 г.", D(2024, 3, 1), False, False, "day"),
    ("не позднее 1 марта 2024 г.", D(2024, 3, 1), False, False, "day"),
    ("IV квартал 2024 года", D(2024, 12, 31), False, False, "quarter"),
    ("4 квартал 2024 г.", D(2024, 12, 31), False, False, "quarter"),
    ("4-й квартал 2024 года", D(2024, 12, 31), False, False, "quarter"),
    ("I кв. 2025", D(2025, 3, 31), False, False, "quarter"),
    ("IIго квартала 2024 г.", D(2024, 6, 30), False, False, "quarter"),
    ("третий квартал 2025 г.", D(2025, 9, 30), False, False, "quarter"),
    ("I полугодие 2024", D(2024, 6, 30), False, False, "half_year"),
    ("II полугодие 2024 г.", D(2024, 12, 31), False, False, "half_year"),
    ("декабрь 2024 года", D(2024, 12, 31), False, False, "month"),
    ("в декабре 2024 г.", D(2024, 12, 31), False, False, "month"),
    ("февраль 2024", D(2024, 2, 29), False, False, "month"),
    ("2024 год", D(2024, 12, 31), False, False, "year"),
    ("в течение 2024 года", D(2024, 12, 31), False, False, "year"),
    ("2024", D(2024, 12, 31), False, False, "year"),
    ("2023–2024 годы", D(2024, 12, 31), False, False, "year"),
    ("Исполнено", None, True, False, None),
    ("выполнено", None, True, False, None),
    ("ежегодно, до 15 декабря", None, False, True, None),
    ("ежеквартально", None, False, True, None),
    ("постоянно", None, False, True, None),
    ("на постоянной основе", None, False, True, None),
]


@pytest.mark.parametrize(("raw", "date", "done", "recurring", "precision"), READ)
def test_forms(
    raw: str, date: dt.date | None, done: bool, recurring: bool, precision: str | None
) -> None:
    assert parse_deadline(raw) == Deadline(date, done, recurring, None, precision)


@pytest.mark.parametrize("raw", [None, "", "   ", "\u00a0"])
def test_empty_cell_is_null_without_warning(raw: str | None) -> None:
    assert parse_deadline(raw) == Deadline(None, done=False, recurring=False, warning=None)


# raw cell, the start of the warning; the date stays null: never a guessed date
REFUSED = [
    ("по отдельному графику", "deadline not understood: 'по отдельному графику'"),
    ("до 15 декабря", "deadline not understood: 'до 15 декабря'"),
    ("в течение 10 рабочих дней", "deadline not understood"),
    ("не исполнено", "deadline not understood"),
    ("31.02.2024", "invalid date '31.02.2024'"),
    ("30 февраля 2024 года", "invalid date '30 февраля 2024'"),
    ("01.13.2024", "invalid date"),
    ("01.01.1900", "implausible year"),
    ("3 полугодие 2024", "no half-year"),
]


@pytest.mark.parametrize(("raw", "warning"), REFUSED)
def test_refused_forms_stay_null_with_warning(raw: str, warning: str) -> None:
    deadline = parse_deadline(raw)
    assert deadline.date is None
    assert deadline.warning is not None and deadline.warning.startswith(warning)


def test_several_dates_take_the_latest_with_warning() -> None:
    deadline = parse_deadline("01.09.2024, 01.03.2024")
    assert (deadline.date, deadline.precision) == (D(2024, 9, 1), "day")
    assert deadline.warning == "several dates in deadline '01.09.2024, 01.03.2024'; took the latest"


def test_repeated_date_is_not_several() -> None:
    assert parse_deadline("31.12.2024 (31.12.2024)") == Deadline(
        D(2024, 12, 31), False, False, None, "day"
    )


def test_same_day_read_twice_keeps_the_finer_precision() -> None:
    deadline = parse_deadline("IV квартал 2024 года (31.12.2024)")
    assert (deadline.date, deadline.precision, deadline.warning) == (D(2024, 12, 31), "day", None)


def test_precision_is_null_exactly_when_the_date_is() -> None:
    for raw in ("Исполнено", "ежегодно, до 15 декабря", "по отдельному графику", None):
        assert parse_deadline(raw).precision is None


def test_cell_text_is_cleaned_first() -> None:
    assert parse_deadline("<p>31.10.2023</p>\u00a0").date == D(2023, 10, 31)


def test_find_dates_gives_days_only() -> None:
    text = "от 29 сентября 2023 г. № 490-р; IV квартал 2024 года; 02.04.2024; 31.02.2024"
    assert find_dates(text) == [D(2023, 9, 29), D(2024, 4, 2)]


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_every_gold_deadline(path) -> None:
    for row in gold(path.stem)["rows"]:
        deadline = parse_deadline(row["deadline_raw"])
        want = D.fromisoformat(row["deadline_date"]) if row["deadline_date"] else None
        assert (deadline.date, deadline.done) == (want, row["deadline_done"]), row["number"]
        assert deadline.warning is None, row["number"]


CELL_TEXT = st.text(
    alphabet=st.sampled_from("0123456789./-–IVX кварталполугодиедекабрягодисполнено,()«»")
)


@given(st.one_of(st.text(max_size=80), CELL_TEXT))
@settings(max_examples=300, deadline=None)
def test_any_text_gives_a_deadline_never_an_exception(raw: str) -> None:
    deadline = parse_deadline(raw)
    assert deadline.date is None or deadline.date.year in range(1991, 2101)
    assert (deadline.date is None) == (deadline.precision is None)


# What OCR makes of deadline cells, read by the place of each misread in the grammar
MISREAD = [
    ("Пкв. 2024 г.", D(2024, 6, 30), "quarter"),  # II glued to «кв.»
    ("П кв. 2024 г.", D(2024, 6, 30), "quarter"),
    ("Ш ке. 2024 г.", D(2024, 9, 30), "quarter"),  # III, and «кв.» read «ке.»
    ("Т кв. 2025", D(2025, 3, 31), "quarter"),
    ("l кв. 2025", D(2025, 3, 31), "quarter"),
    ("11 кв. 2024", D(2024, 6, 30), "quarter"),  # no 11th quarter: the strokes of II
    ("III вв. 2024 года", D(2024, 9, 30), "quarter"),
    ("ГУ квартал 2024 года", D(2024, 12, 31), "quarter"),
    ("до Ш квартала 2024 г.", D(2024, 9, 30), "quarter"),
    ("Гквартал 2024", D(2024, 3, 31), "quarter"),
    ("4 кваргал 2024 г.", D(2024, 12, 31), "quarter"),
    ("|| полугодие 2024", D(2024, 12, 31), "half_year"),
    ("П нолугодие 2024 г.", D(2024, 12, 31), "half_year"),
    ("до 1 марга 2024 г.", D(2024, 3, 1), "day"),
    ("в декабое 2024 года", D(2024, 12, 31), "month"),
    ("З1.12.2О24", D(2024, 12, 31), "day"),
    ("2О24 год", D(2024, 12, 31), "year"),
    ("Гполугодие 2024 года", D(2024, 6, 30), "half_year"),  # «п» of the noun: no numeral
    ("Гтюлугодие 2024 года", D(2024, 6, 30), "half_year"),
    ("П] квартал 2024 Г.", D(2024, 9, 30), "quarter"),
    ("[квартал 2024 г.", D(2024, 3, 31), "quarter"),
    ("Й квартал 2024 года", D(2024, 6, 30), "quarter"),
    ("ту квартал 2024 года", D(2024, 12, 31), "quarter"),  # IV in lower-case look-alikes
    ("1\\У квартал 2024 г.", D(2024, 12, 31), "quarter"),
    ("31.01.202 4", D(2024, 1, 31), "day"),  # a space inside the year
    ("д001.09.2024", D(2024, 9, 1), "day"),  # «до» glued on, its «о» a zero
    ("до 1Тапреля 2024 года", D(2024, 4, 1), "day"),
    ("до | июля 2024 г.", D(2024, 7, 1), "day"),  # the day a bar
    ("не позднее! марта 2024 г.", D(2024, 3, 1), "day"),  # … glued to the word before
]


@pytest.mark.parametrize(("raw", "date", "precision"), MISREAD)
def test_ocr_misreads_are_read_by_their_place_in_the_grammar(
    raw: str, date: dt.date, precision: str
) -> None:
    assert parse_deadline(raw) == Deadline(date, False, False, None, precision)


@pytest.mark.parametrize(
    "raw",
    [
        "V кв. 2024",  # no fifth quarter
        "ПШ кв. 2024",  # five strokes: no numeral
        "до 1 июпя 2024",  # июня or июля: a letter apart, not read
        "Пилотный этап 2024",  # a word that resembles no period
        "квартал 2024 года",  # the quarter's number lost: not the year's end
        "у кварта а 2024 года",
    ],
)
def test_misreads_that_name_no_date_stay_unread(raw: str) -> None:
    deadline = parse_deadline(raw)
    assert deadline.date is None and deadline.warning


def test_ocr_spacing_and_dashes_of_dates_are_put_back() -> None:
    assert restore_dates("Ш квартал 2024\nГ.") == "III квартал 2024 г."
    assert restore_dates("до 1 марта 2024г.") == "до 1 марта 2024 г."
    assert restore_dates("2023-2024 годы") == "2023–2024 годы"


def test_a_period_opening_a_deadline_is_in_the_nominative() -> None:
    # no word governs the genitive here: the case ending is OCR's, the period named
    assert restore_dates("III квартала 2024 года") == "III квартал 2024 года"
    assert restore_dates("ежегодно, II полугодия 2024 г.") == "ежегодно, II полугодие 2024 г."
    # «до», «в течение» govern it: as printed
    assert restore_dates("до III квартала 2024 года") == "до III квартала 2024 года"
    assert restore_dates("в течение I полугодия 2024 г.") == "в течение I полугодия 2024 г."


def test_a_recurring_period_without_a_year_is_read_too() -> None:
    """A recurring deadline names its period without a year; its numeral's strokes are
    read as in a dated one, at the cell's end only."""
    assert restore_dates("ежегодно, ГУ квартал") == "ежегодно, IV квартал"
    assert restore_dates("ежеквартально, в течение П полугодия") == (
        "ежеквартально, в течение II полугодия"
    )
    assert restore_dates("ГУ квартал, далее ежегодно") == "ГУ квартал, далее ежегодно"
    assert parse_deadline("ежегодно, ГУ квартал").recurring


def test_text_ocr_did_not_touch_is_left_as_written() -> None:
    for text in (
        "Г. Шилов",
        "1 раз в 2024 году",
        "II кв. 2024 г.",
        "до 1 мар. 2024 г.",
        "Итог 2024",
    ):
        assert restore_dates(text) == text


@pytest.mark.parametrize("raw", ["0000", "0001", "1990"])
def test_a_bare_year_out_of_range_is_no_date(raw: str) -> None:
    # hypothesis found «0000» raising and «0001» giving year 1
    deadline = parse_deadline(raw)
    assert deadline.date is None and deadline.warning == f"implausible year '{raw}'"
