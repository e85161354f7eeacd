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

A cell read by OCR is read by its place in the grammar before the forms above: where a
Roman numeral is grammatical (before «кв.», «квартал», «полугодие» and a year), glyphs that
look like one (П Ш Т Г Ι l | 1, «ГУ») are that numeral; a short word between such a numeral
and a year is the period noun it most resembles («ке.», «вв.» → «кв.»); a word between a day
and a year the month it most resembles; «О», «З», «l» among the digits of a date are digits
(`restore_dates`). Nothing is guessed: a slot word that resembles no period or month, or a
numeral that reads as none of I–IV, is left as written.

`precision` says which of these the date stands for (`day`, `month`, `quarter`, `half_year`,
`year`), so «IV квартал 2024 года» and «31.12.2024» stay apart although both give 31 December;
it is None exactly when the date is.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.fuzz import ratio

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
# A quarter or half-year whose number OCR lost («квартал 2024 года», «у кварта а 2024»):
# the year alone would be a confident wrong date (31 December for a quarter that may end
# in March)
_NOUN_BEFORE = re.compile(r"(?<!\w)(?:кв\.?|квар\w*|полугод\w*)(?!\w)", re.IGNORECASE)
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

# Glyphs OCR reads for the strokes of a Roman numeral, by what they stand for: one stroke
# (Latin I and l, Greek Ι, Ukrainian і, a bar or bracket, a digit one, Cyrillic Т and Г),
# two joined by a bar (П, Н, И, Й), three (Ш, Щ), and V (Cyrillic У). Capitals only (but l, і):
# a numeral is printed in capitals, and «п» is the first letter of «полугодие».
_NUMERAL_GLYPHS = {
    **dict.fromkeys("IΙlі|[]\\1ТГ", "i"),
    **dict.fromkeys("ПНИЙЦ", "ii"),
    **dict.fromkeys("ШЩ", "iii"),
    **dict.fromkeys("VУ", "v"),
}
# Lower-case glyphs only in a run that ends in V («ту», «1\у» for IV): a lone «т» or «у»
# is a word
_LOWER_BEFORE_V = {"т": "i", "у": "v"}
_GLYPH_CLASS = "".join(re.escape(g) for g in _NUMERAL_GLYPHS)
# A period slot: a numeral (Arabic 1–4 or a run of numeral glyphs, glued to its word or
# not), its ordinal ending, a word of up to 12 letters, then a year or the cell's end (a
# recurring deadline names a period without a year: «ежегодно, IV квартал»).
_PERIOD_SLOT = re.compile(
    rf"(?<![\w.])(?P<n>[1-4]|[{_GLYPH_CLASS}]{{1,4}}|[{_GLYPH_CLASS}т]{{1,3}}у)(?P<end>\s*-?(?:й|го|ый|ое|м|ом)(?!\w))?"
    rf"\s*(?P<w>[а-яёА-ЯЁ]{{1,12}}[.,]?)(?=\s*\d{{4}}|\s*$)"
)
# A month slot: a day number, a word, a year («1 марга 2024»); or a word after «до»/«в»
# or at the cell's start, then a year («декабоь 2024 года»).
_MONTH_SLOT = re.compile(
    r"(?:(?<!\w)(?P<d>\d{1,2})»?\s+|(?:^|(?<!\w)(?:до|в|на)\s+))(?P<w>[а-яё]{3,9})(?=\s+\d{4})",
    re.IGNORECASE,
)
_MONTH_FORMS = re.compile(rf"^{_MONTH}$", re.IGNORECASE)
_MONTH_WORDS = tuple(
    (f"{stem}{end}", stem)
    for stem, ends in zip(
        _MONTH_STEMS,
        ("ь я е", "ь я е", " а е", "ь я е", "й я е", "ь я е", "ь я е", " а е",
         "ь я е", "ь я е", "ь я е", "ь я е"),
        strict=True,
    )
    for end in ends.split(" ")
)  # fmt: skip
# How much a misread slot word must resemble the word it stands for (rapidfuzz ratio), and
# by how much more than any other month (two months a letter apart stay unread).
SLOT_LIKENESS = 75.0
MONTH_LEAD = 10.0
# Characters OCR reads for digits (О, З, l …) inside a date of digits or a year before «г.».
_DIGIT_GLYPHS = str.maketrans("ОоOoЗзlI|", "000033111")
_DIGITISH = "0-9ОоOoЗзlI|"
_DIGIT_DATE = re.compile(
    rf"(?<![\w.])[{_DIGITISH}]{{1,2}}\.[{_DIGITISH}]{{1,2}}\.[{_DIGITISH}]{{4}}(?![\w.])"
    rf"|(?<!\w)[12][{_DIGITISH}]{{3}}(?=\s*г)"
)

# «2024г.», «2024 Г.»: OCR drops the space before the year's «г.» and reads it as a capital
_YEAR_ABBREVIATION = re.compile(r"(?<!\d)(\d{4})\s?[гГ]\.")
# «2023-2024»: a range of years is printed with an en dash, which OCR reads as a hyphen
_YEAR_RANGE = re.compile(r"(?<!\d)((?:19|20)\d\d)-((?:19|20)\d\d)(?!\d)")

# «31.01.202 4»: a space OCR put inside a date's year
_SPLIT_YEAR = re.compile(r"(?<![\d.])(\d{1,2}\.\d{1,2}\.\d{3}) (\d)(?![\d.])")
# «д001.09.2024», «до01.09.2024»: «до» glued to the date it opens, its «о» read as a zero
_GLUED_BEFORE = re.compile(r"(?<!\w)[дД][оО0](?=\d{1,2}\.\d)")
# A day read as a bar or glued to noise before the month («до | июля», «1Тапреля»)
_MONTH_START = "январ|феврал|март|апрел|ма[йяе]|июн|июл|август|сентябр|октябр|ноябр|декабр"
_DAY_BEFORE_MONTH = re.compile(
    rf"(?:(?<!\w)(?P<bar>[|lI!])\s+|(?<=\w)!\s+|(?<!\w)(?P<day>\d{{1,2}})[ТI|l])"
    rf"(?=(?:{_MONTH_START})\w*\s+\d{{4}})"
)


def names_month(word: str) -> bool:
    """Whether `word` is a month's name in some form («июля», «декабрь»)."""
    return re.match(_MONTH_START, word) is not None


def _day_glyph(m: re.Match[str]) -> str:
    """A day before a month: a bar read for «1», or a day with a speck glued on."""
    if m["day"]:
        return f"{m['day']} "
    return "1 " if m["bar"] else " 1 "  # «позднее! марта»: the bar glued to the word before


def restore_dates(text: str) -> str:
    """`text` with what OCR misread inside a date read by its place in the grammar (see
    the module docstring); a text OCR did not touch comes back unchanged."""
    return _restore(text) if text else text


@lru_cache(maxsize=4096)
def _restore(text: str) -> str:
    text = _SPLIT_YEAR.sub(r"\1\2", text)
    text = _GLUED_BEFORE.sub("до ", text)
    text = _DAY_BEFORE_MONTH.sub(_day_glyph, text)
    text = _DIGIT_DATE.sub(_digits, text)
    text = _YEAR_ABBREVIATION.sub(r"\1 г.", text)
    text = _YEAR_RANGE.sub(r"\1–\2", text)
    text = _PERIOD_SLOT.sub(_period, text)
    return _MONTH_SLOT.sub(_month, text)


def _digits(m: re.Match[str]) -> str:
    """A date or year of digits with the look-alike characters among them made digits, if
    at least half of it is digits already (a word is not a number)."""
    written = m[0]
    digits = sum(c.isdigit() for c in written)
    return (
        written.translate(_DIGIT_GLYPHS) if 2 * digits >= len(written.replace(".", "")) else written
    )


def _period(m: re.Match[str]) -> str:
    """A period slot with its numeral and its noun as the grammar reads them, or as written."""
    number = m["n"] if m["n"] in ("1", "2", "3", "4") else _roman(m["n"])
    noun = _period_noun(m["w"])
    if number is None or noun is None:
        return m[0]
    before = m.string[: m.start()].rstrip()
    if not before or before[-1] in ",;:":
        noun = _NOMINATIVE.get(noun.lower(), noun)
    return f"{number}{m['end'] or ''} {noun}"


# A period noun in another case than the nominative needs a word to govern it («до III
# квартала», «в течение I полугодия», «в IV квартале»); opening a deadline cell or an item
# of its list («ежегодно, IV квартал 2024 года») it names the period, in the nominative, and
# a case ending there is OCR's (a speck after «квартал» read as «а»)
_NOMINATIVE = {
    "квартала": "квартал",
    "квартале": "квартал",
    "полугодия": "полугодие",
    "полугодии": "полугодие",
}


def roman_numeral(glyphs: str) -> str | None:
    """I–IV from glyphs OCR read for a Roman numeral («П» → II, «ГУ» → IV), or None when
    they are no numeral's strokes (five of them, a letter that is none)."""
    if not glyphs or not all(g in _NUMERAL_GLYPHS or g in _LOWER_BEFORE_V for g in glyphs):
        return None
    if any(g in _LOWER_BEFORE_V for g in glyphs) and not glyphs.endswith(("у", "У", "V")):
        return None
    return _roman(glyphs)


def _roman(glyphs: str) -> str | None:
    """I–IV from glyphs that look like one («П» → II, «ГУ» → IV), or None."""
    strokes = "".join(_NUMERAL_GLYPHS.get(g) or _LOWER_BEFORE_V[g] for g in glyphs)
    if strokes.endswith("v"):
        return "IV" if len(strokes) >= 2 and set(strokes[:-1]) == {"i"} else None
    return strokes.upper() if 1 <= len(strokes) <= 3 else None


def _period_noun(word: str) -> str | None:
    """The period noun a slot word is: itself when the grammar reads it, «кв.» for a
    two-letter word one letter off it, «квартал»/«полугодие» for a word resembling them."""
    low = word.lower().rstrip(".,")
    if low.startswith(("квартал", "полугоди")) or low == "кв":
        return word if low != "кв" or word.endswith(".") else "кв."
    if len(low) == 2:
        return "кв." if low[0] == "к" or low[1] == "в" else None
    if len(low) < 5:
        return None
    forms = ("квартал", "квартала", "квартале", "полугодие", "полугодия", "полугодии")
    likeness, form = max((ratio(low, f), f) for f in forms)
    return form if likeness >= SLOT_LIKENESS else None


def _month(m: re.Match[str]) -> str:
    """A month slot with its word read as the month it resembles, or as written."""
    word = m["w"]
    if _MONTH_FORMS.match(word):
        return m[0]
    scores = sorted(((ratio(word.lower(), f), f, m) for f, m in _MONTH_WORDS), reverse=True)
    best, form, month = scores[0]
    rival = next(score for score, _, other in scores if other != month)
    if best < SLOT_LIKENESS or best - rival < MONTH_LEAD or (not m["d"] and len(word) < 5):
        return m[0]
    return m[0][: m.start("w") - m.start()] + form


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
    text = restore_dates(clean_text(raw))
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
    orphans = []  # years after a period noun whose number was lost
    for m in _DATE_FORMS.finditer(text):
        if m["year"] and _NOUN_BEFORE.search(text, 0, m.start()):
            orphans.append(m)
            continue
        day, problem = _day(m) if (m["d"] or m["wd"]) else _period_end(m)
        if day:
            dates.append((day, _precision(m)))
        if problem:
            problems.append(f"{problem} in deadline {text!r}")
    if orphans and not any(p in ("quarter", "half_year") for _, p in dates):
        problems.append(f"period without its number in deadline {text!r}")
    elif orphans:  # the noun belongs to the quarter read; the years are years
        dates += [(d, "year") for m in orphans if (d := _period_end(m)[0])]
    if not dates and not problems and (bare := _BARE_YEAR.match(text)):
        year = int(bare["year"])
        if year not in _YEARS:  # «0000», a misread: no date, and why
            return [], [f"implausible year {bare['year']!r}"]
        return [(dt.date(year, 12, 31), "year")], []
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
