"""Item numbers as an outline: parsing «3.10» and «5а», section numbers in Roman or Arabic
digits, what may follow what, and the breaks in a decree's numbering (`sequence_issues`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from plan_etl.models import Activity
from plan_etl.validate.rules import Issue

_NUMBER_PARTS = re.compile(r"^(?P<levels>\d+(?:\.\d+)*)\.?(?P<letter>[а-я]?)$")
_ROMAN_DIGITS = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}

Levels = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ItemNumber:
    """«3.10» as (3, 10); an inserted item «5а» as (5,) with the letter «а»."""

    levels: Levels
    letter: str

    @classmethod
    def parse(cls, text: str) -> ItemNumber | None:
        m = _NUMBER_PARTS.match(text)
        if not m:
            return None
        return cls(tuple(int(p) for p in m["levels"].split(".")), m["letter"])

    def __str__(self) -> str:
        return ".".join(map(str, self.levels)) + self.letter


def section_value(section: str | None) -> int | None:
    """A section number as an integer: «3» → 3, «III» → 3; None for anything else."""
    if not section:
        return None
    if section.isdigit():
        return int(section)
    values = [_ROMAN_DIGITS.get(ch) for ch in section.lower()]
    if not values or None in values:
        return None
    digits = [v for v in values if v is not None]
    return sum(-v if nxt > v else v for v, nxt in zip(digits, [*digits[1:], 0], strict=True))


def _ones(levels: Levels) -> bool:
    return all(part == 1 for part in levels)


def continues(prev: Levels, cur: Levels) -> bool:
    """`cur` is a next number after `prev` in a well-kept outline: the next sibling at some
    level (1.2 → 1.3, 1.7 → 2, 9 → 10), optionally entering its first children (1.7 → 2.1,
    whose section heading «2» is not an item), or the first child of `prev` (3 → 3.1)."""
    if len(cur) > len(prev) and cur[: len(prev)] == prev and _ones(cur[len(prev) :]):
        return True
    for depth in range(len(prev), 0, -1):
        head = (*prev[: depth - 1], prev[depth - 1] + 1)
        if cur[:depth] == head and _ones(cur[depth:]):
            return True
    return False


def starts_outline(cur: Levels, section: str | None) -> bool:
    """`cur` can open a numbering: «1», «1.1», or the first item of the section it stands in
    («3.1» under section 3 or III)."""
    value = section_value(section)
    return _ones(cur) or (value is not None and cur[0] == value and _ones(cur[1:]))


def _heading(row: Activity) -> tuple[str | None, str | None, str | None]:
    return row.section_number, row.section_title, row.subsection_title


def _shown(levels: Levels) -> str:
    return ".".join(map(str, levels))


def _describe_break(prev: Levels, cur: Levels) -> str:
    """Name what lies between two numbers that do not continue one another."""
    if cur <= prev:
        return f"out of order: {_shown(cur)} after {_shown(prev)}"
    level = next((k for k, (a, b) in enumerate(zip(prev, cur, strict=False)) if a != b), None)
    if level is not None and cur[level] > prev[level] + 1:
        head = prev[:level]
        missing = [_shown((*head, n)) for n in range(prev[level] + 1, cur[level])]
        listed = ", ".join(missing) if len(missing) <= 3 else f"{missing[0]} … {missing[-1]}"
        return f"gap: {listed} missing between {_shown(prev)} and {_shown(cur)}"
    return f"gap: {_shown(cur)} does not follow {_shown(prev)}"


def sequence_issues(rows: list[Activity]) -> Iterator[Issue]:
    """Breaks in the order of well-formed item numbers.

    Numbers must continue one another (see `continues`). At a heading boundary (a new section
    or subsection) the numbering may also start over at «1» or «1.1» (every section numbered
    from one); a restart opens a new scope, so equal numbers in two sections are not
    duplicates. Flat numbering that runs on across sections (Stavropol's 1…69) simply
    continues, and «1.2» followed by «3.1» under a new heading is a gap (section 2 lost), not
    a restart. An inserted item («5а» after «5») is accepted; its letter must grow.
    """
    prev: ItemNumber | None = None
    prev_heading: tuple[str | None, str | None, str | None] | None = None
    seen: dict[ItemNumber, int] = {}
    for index, row in enumerate(rows):
        cur = ItemNumber.parse(row.item_number)
        if cur is None:
            continue  # reported by numbering-format
        heading = _heading(row)
        problem = None
        if prev is None:
            pass  # where the numbering starts is numbering-start's concern
        elif (
            heading != prev_heading and _ones(cur.levels) and not continues(prev.levels, cur.levels)
        ):
            seen.clear()  # numbering starts over under a new heading
        elif cur in seen:
            problem = f"duplicate: {cur} already stands at row {seen[cur] + 1}"
        elif cur.letter and cur.levels == prev.levels:
            if cur.letter <= prev.letter:
                problem = f"out of order: {cur} after {prev}"
        elif not continues(prev.levels, cur.levels):
            problem = _describe_break(prev.levels, cur.levels)
        if problem:
            yield Issue(problem, row.item_number)
        seen.setdefault(cur, index)
        prev, prev_heading = cur, heading
