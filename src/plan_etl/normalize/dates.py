"""The «Срок» cell as a date, a done flag and a recurrence flag.

dateparser is not used: it reads «IV квартал 2024 года» as 1 January and «в течение 2024 года»
as 2024 years from now (NOTES.md). Deadline cells use a handful of forms, so a small grammar of
our own covers them and refuses anything else with a warning instead of guessing.

Conventions (DATASET.md):
- a day («31.10.2023», «31.10.23», «1 сентября 2023 года», «до 1 марта 2024 г.») → that day;
- a period → its last day: a month («декабрь 2024 года») → the 31st, a quarter or half-year → its
  last day, a year («2024 год», «в течение 2024 года») → 31 December, a range of years
  («2023–2024 годы») → the end of the range;
- «Исполнено» → done, and no date unless the cell also gives one;
- a recurring deadline («ежегодно, до 15 декабря», «ежеквартально», «постоянно») → no date: the
  row has no single due day;
- several dates in one cell («01.03.2024, 01.09.2024») → the latest, with a warning: the row is
  due when its last part is;
- an impossible date («31.02.2024») or a cell with no date form → no date, with a warning.

`precision` says which of these the date stands for (`day`, `month`, `quarter`, `half_year`,
`year`), so «IV квартал 2024 года» and «31.12.2024» stay apart although both give 31 December;
it is None exactly when the date is.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from plan_etl.models import DeadlinePrecision
from plan_etl.normalize.text import clean_text

_MONTH_STEMS = (
    "январ", "феврал", "март", "апрел", "ма", "июн",
    "июл", "август", "сентябр", "октябр", "ноябр", "декабр",
)  # fmt: skip
_MONTH = (
    r"(?:январ[ьяе]|феврал[ьяе]|март[ае]?|апрел[ьяе]|ма[йяе]|июн[ьяе]|июл[ьяе]|"
    r"август[ае]?|сентябр[ьяе]|октябр[ьяе]|ноябр[ьяе]|декабр[ьяе])"
)
_ORDINALS = {"перв": 1, "втор": 2, "трет": 3, "четв": 4}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_PART = r"(?:iv|i{1,3}|[1-4]|перв\w*|втор\w*|трет\w*|четв[её]рт\w*)\s*(?:-?(?:й|го|ый|ое|м|ом))?"
_YEAR_WORD = r"(?:год\w*|гг?\.?)"
_PART_CORE = re.compile(r"iv|i{1,3}|[1-4]|перв|втор|трет|четв")

# One alternation, longest forms first, so that «31 декабря 2024 года» is read as a day and not
# also as the year «2024 года».
_DATE_FORMS = re.compile(
    rf"""
    (?<![\d.])(?P<d>\d{{1,2}})\s?[./]\s?(?P<m>\d{{1,2}})\s?[./]\s?(?P<y>\d{{4}}|\d{{2}})(?![\d.]\d)
  | (?<!\d)«?(?P<wd>\d{{1,2}})»?\s+(?P<wm>{_MONTH})\s+(?P<wy>\d{{4}})
  | (?<!\w)(?P<q>{_PART})\s*кв(?:артал\w*|\.)?\s*(?P<qy>\d{{4}})
  | (?<!\w)(?P<h>{_PART})\s*полугоди\w*\s*(?P<hy>\d{{4}})
  | (?<!\w)(?P<mm>{_MONTH})\s+(?P<my>\d{{4}})
  | (?<!\d)(?P<y1>\d{{4}})\s*[-–—]\s*(?P<y2>\d{{4}})(?:\s*{_YEAR_WORD})?
  | (?<!\d)(?P<year>\d{{4}})\s*{_YEAR_WORD}(?!\w)
    """,
    re.IGNORECASE | re.VERBOSE,
)
_BARE_YEAR = re.compile(r"^\s*(?P<year>\d{4})\s*$")
_DONE = re.compile(r"(?<!\w)(?<!не )(?:исполнен|выполнен)[оаы]?(?!\w)", re.IGNORECASE)
_RECURRING = re.compile(
    r"(?<!\w)(?:еже(?:годн|квартальн|месячн|недельн|дневн|полугодов)\w*|постоянн\w*|"
    r"регулярн\w*|на постоянной основе|по мере необходимости)",
    re.IGNORECASE,
)
_YEARS = range(1991, 2101)
# Finest first: when one cell gives the same day twice («31.12.2024 (IV квартал 2024 года)»),
# the finer reading says more.
_PRECISIONS: tuple[DeadlinePrecision, ...] = ("day", "month", "quarter", "half_year", "year")


@dataclass(frozen=True)
class Deadline:
    """What a «Срок» cell says: the due day (None when it names none), whether the item is
    reported done, whether the deadline repeats, what the parser doubted, and what period
    the date closes (None when there is no date)."""

    date: dt.date | None
    done: bool
    recurring: bool
    warning: str | None
    precision: DeadlinePrecision | None = None


def parse_deadline(raw: str | None) -> Deadline:
    """Read a «Срок» cell by the conventions in the module docstring."""
    text = clean_text(raw)
    if not text:
        return Deadline(None, done=False, recurring=False, warning=None)
    done = bool(_DONE.search(text))
    recurring = bool(_RECURRING.search(text))
    dates, problems = _read_dates(text)
    if recurring:
        return Deadline(None, done, recurring=True, warning=None)
    if not dates:
        if problems:
            return Deadline(None, done, False, "; ".join(problems))
        warning = None if done else f"deadline not understood: {text!r}"
        return Deadline(None, done, False, warning)
    if len({day for day, _ in dates}) > 1:
        problems.append(f"several dates in deadline {text!r}; took the latest")
    latest = max(day for day, _ in dates)
    precision = min((p for day, p in dates if day == latest), key=_PRECISIONS.index)
    return Deadline(latest, done, False, "; ".join(problems) or None, precision)


def find_dates(text: str) -> list[dt.date]:
    """Every calendar day written out in `text` («02.04.2024», «28 сентября 2023 года»), in
    order; periods (months, quarters, years) are not days and are left out."""
    days = []
    for m in _DATE_FORMS.finditer(clean_text(text)):
        if m["d"] or m["wd"]:
            day, _ = _day(m)
            if day:
                days.append(day)
    return days


def _read_dates(text: str) -> tuple[list[tuple[dt.date, DeadlinePrecision]], list[str]]:
    """The dates a cell gives (a period as its last day) with their precision, and the
    problems met reading them."""
    dates: list[tuple[dt.date, DeadlinePrecision]] = []
    problems: list[str] = []
    for m in _DATE_FORMS.finditer(text):
        day, problem = _day(m) if (m["d"] or m["wd"]) else _period_end(m)
        if day:
            dates.append((day, _precision(m)))
        if problem:
            problems.append(f"{problem} in deadline {text!r}")
    if not dates and not problems and (bare := _BARE_YEAR.match(text)):
        return [(dt.date(int(bare["year"]), 12, 31), "year")], []
    return dates, problems


def _precision(m: re.Match[str]) -> DeadlinePrecision:
    """Which alternative of `_DATE_FORMS` matched, as a precision."""
    if m["d"] or m["wd"]:
        return "day"
    if m["q"]:
        return "quarter"
    if m["h"]:
        return "half_year"
    return "month" if m["mm"] else "year"


def _day(m: re.Match[str]) -> tuple[dt.date | None, str | None]:
    """A day given as digits or with the month in words; None and the reason when impossible."""
    if m["d"]:
        year = int(m["y"]) + (2000 if len(m["y"]) == 2 else 0)
        return _checked(year, int(m["m"]), int(m["d"]), m[0])
    return _checked(int(m["wy"]), _month_number(m["wm"]), int(m["wd"]), m[0])


def _period_end(m: re.Match[str]) -> tuple[dt.date | None, str | None]:
    """The last day of a quarter, half-year, month, year or range of years."""
    if m["q"]:
        return _month_end(int(m["qy"]), 3 * _part_number(m["q"]), m[0])
    if m["h"]:
        half = _part_number(m["h"])
        if half > 2:
            return None, f"no half-year {m[0]!r}"
        return _month_end(int(m["hy"]), 6 * half, m[0])
    if m["mm"]:
        return _month_end(int(m["my"]), _month_number(m["mm"]), m[0])
    year = int(m["y2"] or m["year"])
    return _checked(year, 12, 31, m[0])


def _month_end(year: int, month: int, written: str) -> tuple[dt.date | None, str | None]:
    if year not in _YEARS:
        return None, f"implausible year {written!r}"
    return dt.date(year, month, calendar.monthrange(year, month)[1]), None


def _checked(year: int, month: int, day: int, written: str) -> tuple[dt.date | None, str | None]:
    if year not in _YEARS:
        return None, f"implausible year {written!r}"
    try:
        return dt.date(year, month, day), None
    except ValueError:
        return None, f"invalid date {written!r}"


def _month_number(word: str) -> int:
    low = word.lower()
    return next(i for i, stem in enumerate(_MONTH_STEMS, 1) if low.startswith(stem))


def _part_number(word: str) -> int:
    """1–4 from «IV», «4», «4-й», «IIго», «четвертый»."""
    core = _PART_CORE.match(word.lower())
    assert core is not None  # _PART only matches words that start with one of these
    low = core.group(0)
    if low in _ROMAN:
        return _ROMAN[low]
    return int(low) if low.isdigit() else _ORDINALS[low]
