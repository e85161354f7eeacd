"""Deadline cells: every form of the grammar, the forms that must stay null, and the gold."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import SEEDS, gold
from hypothesis import given, settings
from hypothesis import strategies as st

from plan_etl.normalize.dates import Deadline, find_dates, parse_deadline

D = dt.date

# raw cell, date, done, recurring
READ = [
    ("31.10.2023", D(2023, 10, 31), False, False),
    ("31.10.23", D(2023, 10, 31), False, False),
    ("01.12.2025 г.", D(2025, 12, 1), False, False),
    ("1 сентября 2023 года (исполнено)", D(2023, 9, 1), True, False),
    ("20 января 2024 года", D(2024, 1, 20), False, False),
    ("«15» марта 2024 г.", D(2024, 3, 15), False, False),
    ("до 1 марта 2024 г.", D(2024, 3, 1), False, False),
    ("не позднее 1 марта 2024 г.", D(2024, 3, 1), False, False),
    ("IV квартал 2024 года", D(2024, 12, 31), False, False),
    ("4 квартал 2024 г.", D(2024, 12, 31), False, False),
    ("4-й квартал 2024 года", D(2024, 12, 31), False, False),
    ("I кв. 2025", D(2025, 3, 31), False, False),
    ("IIго квартала 2024 г.", D(2024, 6, 30), False, False),
    ("третий квартал 2025 г.", D(2025, 9, 30), False, False),
    ("I полугодие 2024", D(2024, 6, 30), False, False),
    ("II полугодие 2024 г.", D(2024, 12, 31), False, False),
    ("декабрь 2024 года", D(2024, 12, 31), False, False),
    ("в декабре 2024 г.", D(2024, 12, 31), False, False),
    ("февраль 2024", D(2024, 2, 29), False, False),
    ("2024 год", D(2024, 12, 31), False, False),
    ("в течение 2024 года", D(2024, 12, 31), False, False),
    ("2024", D(2024, 12, 31), False, False),
    ("2023–2024 годы", D(2024, 12, 31), False, False),
    ("Исполнено", None, True, False),
    ("выполнено", None, True, False),
    ("ежегодно, до 15 декабря", None, False, True),
    ("ежеквартально", None, False, True),
    ("постоянно", None, False, True),
    ("на постоянной основе", None, False, True),
]


@pytest.mark.parametrize(("raw", "date", "done", "recurring"), READ)
def test_forms(raw: str, date: dt.date | None, done: bool, recurring: bool) -> None:
    assert parse_deadline(raw) == Deadline(date, done, recurring, None)


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
    assert deadline.date == D(2024, 9, 1)
    assert deadline.warning == "several dates in deadline '01.09.2024, 01.03.2024'; took the latest"


def test_repeated_date_is_not_several() -> None:
    assert parse_deadline("31.12.2024 (31.12.2024)") == Deadline(
        D(2024, 12, 31), False, False, None
    )


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
