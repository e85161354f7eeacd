"""The plan's vocabulary: what the words and numbers of a plan table mean.

Item-number grammar, section headings, the column roles and the header words that name
them. Extractors use it to find tables and rows; `assemble` uses it to classify blocks;
`validate` checks numbers with it. It depends on nothing but the data files, so the
extractors never import a later stage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from rapidfuzz import fuzz

from plan_etl.data import load_toml
from plan_etl.normalize.text import clean_text

# An item number has any number of digits at every level: a plan of 1,000 rows has item 1000.
ITEM_NUMBER = re.compile(r"^\d+(?:\.\d+)*\.?[а-я]?$")
# «1. Организационные мероприятия», «III. Процессы …»; never «1.1. …», which is a sub-heading.
SECTION_HEADING = re.compile(
    r"^(?:раздел\s+)?(?P<num>[IVXLCivxlc]{1,6}|\d{1,2})\s*[.)](?!\d)\s*(?P<title>\S.*)$",
    re.IGNORECASE,
)
# Where the dot is left out, a number reads as a section's only if it cannot be an item's: an
# upper-case Roman numeral or «Раздел N» before a capitalised title («II Процессы …»; never
# «II квартал» or «1 Организационные …», which a row's words decide).
_UNDOTTED_SECTION = re.compile(
    r"^(?:раздел\s+(?P<any>[IVXLCivxlc]{1,6}|\d{1,2})|(?P<roman>(?-i:[IVXLC]{1,6})))"
    r"\s+(?P<title>[«\"]?(?-i:[А-ЯЁA-Z]).*)$",
    re.IGNORECASE,
)
# The number cell of a section row whose title stands in the cells beside it: «I», «II.»,
# «Раздел 2», «Раздел IV.». A bare Arabic number is an item's; a row's followers decide.
SECTION_NUMBER = re.compile(
    r"^(?:раздел\s+(?P<any>[IVXLCivxlc]{1,6}|\d{1,2})|(?P<roman>(?-i:[IVXLC]{1,6})))\s*[.)]?$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class SectionHeading:
    """A section heading read from text: its number as printed and its title."""

    number: str
    title: str
    dotted: bool  # «I. …»: the number ends with a dot or bracket


def section_heading(text: str) -> SectionHeading | None:
    """«I. Организационные мероприятия», «Раздел 2. …», «II Процессы …» as a section heading;
    None for anything else (a sub-heading «1.1. …», an item, a date)."""
    text = clean_text(text)
    if m := SECTION_HEADING.match(text):
        return SectionHeading(m["num"], clean_text(m["title"]), dotted=True)
    if m := _UNDOTTED_SECTION.match(text):
        return SectionHeading(m["any"] or m["roman"], clean_text(m["title"]), dotted=False)
    return None


def section_number(cell: str) -> str | None:
    """The section number a cell holds alone («II.», «Раздел 3»), else None."""
    m = SECTION_NUMBER.match(clean_text(cell))
    return (m["any"] or m["roman"]) if m else None


# A number followed by words in one cell: a heading merged across the table («1.1. Жизненная
# ситуация …», «3. Координация …»), or an item whose first words the text layer put in the
# number cell. A date («31.12.2023») is not one: the words must start with a letter or quote.
NUMBERED_TEXT = re.compile(r"^(?P<num>\d+(?:\.\d+)*)[.)]?\s*(?P<text>(?:[^\W\d_]|[«\"(]).*)$")
PAGE_NUMBER = re.compile(r"^[-–\s]*\d{1,4}[-–\s]*$")
GOES_ON = re.compile(r"^[(«\"]?[а-яёa-z]")  # a line or text that goes on the one above
# A text cut mid-sentence: it ends on a comma, a hyphen, or a word that never ends one (a
# preposition or a conjunction) — and the text that goes on starts in lower case (`GOES_ON`).
_CUT_END = re.compile(
    r"(?:[,\-‐]|\b(?:и|или|а|но|в|во|на|по|с|со|к|ко|о|об|от|до|для|из|при|за|между|также))$",
    re.IGNORECASE,
)


def reads_on(before: str, after: str) -> bool:
    """Whether `after` goes on with the sentence `before` was cut in (a page break through a
    cell: «Министерство …, » / «органы исполнительной власти …»), not a text of its own."""
    return bool(_CUT_END.search(before.rstrip()) and GOES_ON.match(after.lstrip()))


ROLES = ("number", "activity", "deadline", "responsible", "result")
NO_HEADER = "no plan table found: no row names the plan's columns (№, мероприятие, срок …)"


@cache
def _role_words() -> tuple[tuple[str, tuple[str, ...]], ...]:
    data = load_toml("headers.toml")
    return tuple((r["name"], tuple(w.lower() for w in r["words"])) for r in data["role"])


# A header word misread by a letter («Мсроприятие», «Внд докумснта») still names its column:
# in a cell as short as a header's (at most HEADER_CELL_LENGTH characters; a row's cells are
# longer or hold the words exactly), a word of the cell that nearly starts with a role word of
# HEADER_WORD_MIN letters or more (rapidfuzz ratio at least HEADER_WORD_LIKENESS: one slip in
# «мероприят» scores 88.9, the nearest other word of a plan header, «исполнени» against
# «исполнител», 80).
HEADER_CELL_LENGTH = 40
HEADER_WORD_MIN = 6
HEADER_WORD_LIKENESS = 85.0


@cache
def _slip_words() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Per role, its one-word role words long enough to be recognised with a slip."""
    return tuple(
        (role, tuple(w for w in words if len(w) >= HEADER_WORD_MIN and " " not in w))
        for role, words in _role_words()
    )


@lru_cache(maxsize=8192)  # every row's cells are asked; dates, names and headers repeat
def header_role(cell: str) -> str | None:
    """The column role a header cell names, or None: by its words as written, else (a
    short cell) by a word OCR misread by a letter."""
    low = clean_text(cell).lower()
    if not low:
        return None
    for role, words in _role_words():
        if any(w in low for w in words):
            return role
    if len(low) > HEADER_CELL_LENGTH:
        return None
    tokens = re.findall(r"\w+", low)
    for role, words in _slip_words():
        if any(_nearly_starts(t, w) for w in words for t in tokens):
            return role
    return None


def _nearly_starts(token: str, word: str) -> bool:
    """Whether `token` starts with `word` but for one OCR slip (a letter misread, added or
    lost)."""
    if len(token) < len(word) - 1:
        return False
    return fuzz.partial_ratio(word, token[: len(word) + 1]) >= HEADER_WORD_LIKENESS


def header_roles(cells: tuple[str, ...]) -> tuple[str | None, ...] | None:
    """Column roles if `cells` is a plan header row (names at least three columns, one of
    them the activity), else None."""
    roles = tuple(header_role(c) for c in cells)
    named = {r for r in roles if r}
    if "activity" in named and len(named & set(ROLES)) >= 3:
        if roles[0] is None and "number" not in named and clean_text(cells[0]):
            # a first header cell with words no role knows, where «№ п/п» stands: OCR
            # misreads the «№» sign («ып», «Ne»), and the rest of the header is a plan's
            roles = ("number", *roles[1:])
        return roles
    return None


NUMBER_HEADER_LENGTH = 10
"""Longest header of a number column («№ п/п», «Номер»): a sign or one word. A longer first
cell that mentions «номер» is a row's text («Присвоение номера …»), not a header."""


def is_other_header(cells: tuple[str, ...]) -> bool:
    """The header row of a table that is not a plan: it opens with the number column but
    names more columns a plan does not have than columns it has (a members list «№ | ФИО |
    Должность», indicators «№ | Показатель | Ед. изм. | 2023 | 2024»). A plan header cut
    over two lines («п/п | мероприятия | исполнения | исполнитель») names mostly plan columns."""
    filled = [clean_text(c) for c in cells if clean_text(c)]
    if len(filled) < 2 or header_roles(cells) or header_role(filled[0]) != "number":
        return False
    if len(filled[0]) > NUMBER_HEADER_LENGTH:
        return False
    named = sum(1 for c in filled if header_role(c))
    return len(filled) - named > named


# Letters that OCR (and an odd text layer) prints for digits in a number cell: «I.4.», «З.9.»,
# «1.О». A number cell is repaired only when it already holds a digit and the repaired text is
# a whole item number, so a Roman section number («II.») or a word is never changed.
_DIGIT_LOOKALIKES = str.maketrans(
    {"I": "1", "l": "1", "|": "1", "І": "1", "З": "3", "з": "3", "О": "0", "O": "0", "б": "6"}
)
_SUB_ITEM = re.compile(r"^\d+(\.\d+)+\.?$")  # «5.2.», «1.2.3»: an item number of two levels or more
NUMBER_CELL_LENGTH = 16  # longer than any item number («12.10.3.»): a cell of words, not one


def repaired_number(cell: str) -> str:
    """`cell` with digit look-alikes read as digits when that makes it an item number (with
    at least one digit printed as a digit), else `cell` unchanged."""
    text = clean_text(cell)
    if ITEM_NUMBER.match(text) or len(text) > NUMBER_CELL_LENGTH:
        return text
    if not any(ch.isdigit() for ch in text):
        return text
    parts = text.translate(_DIGIT_LOOKALIKES).split()
    if len(parts) > 1 and all(_SUB_ITEM.match(p) for p in parts):
        return text  # «5.2. 5.З.»: the numbers of two rows run together, not one number
    fixed = "".join(parts)
    return fixed if ITEM_NUMBER.match(fixed) else text


def is_item_number(cell: str) -> bool:
    """Whether a cell reads as an item number, digit look-alikes («1.З.») repaired."""
    return ITEM_NUMBER.match(repaired_number(cell)) is not None


def is_column_number_row(cells: tuple[str, ...]) -> bool:
    """«1 2 3 4 5» under the header: every non-empty cell is its own column number (digit
    look-alikes read as digits: the whole row must still count 1, 2, 3 …). Asked of every
    row, so it stops at the first cell out of count."""
    counted = 0
    for cell in cells:
        text = clean_text(cell)
        if not text:
            continue
        if text.translate(_DIGIT_LOOKALIKES) != str(counted + 1):
            return False
        counted += 1
    return counted >= 3
