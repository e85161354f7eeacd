"""From an extractor's blocks to the plan's logical rows, whatever the source format.

The stages, in order:
`find_header` (the plan table starts at the first row whose cells name the plan's columns)
→ `repair_split_columns` (a column whose words a text layer split over two cells is one cell
again) → `classify` (each block is a repeated header, a column-number row, a section or
subsection heading, an item row or the continuation of one) → `build_rows` (continuations
joined cell by cell to the row they continue, sections tracked, rows under another table's
header left out) → `place_headings` (a numbered row that only names a heading, followed by
rows numbered under it, is their section «3.» or sub-heading «1.1.»; every other numbered
row stays an item, with a warning where its number cell held words).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum

from rapidfuzz import fuzz

from plan_etl.extract.base import Block
from plan_etl.models import Amendment
from plan_etl.normalize.abbreviations import defined_abbreviations
from plan_etl.normalize.text import clean_text, join_fragments, paragraphs_of, strip_markup
from plan_etl.notes import attach_notes, split_notes
from plan_etl.vocabulary import (
    ITEM_NUMBER,
    NO_HEADER,
    NUMBERED_TEXT,
    PAGE_NUMBER,
    ROLES,
    header_roles,
    is_column_number_row,
    is_item_number,
    is_other_header,
    repaired_number,
    section_heading,
    section_number,
)

# --- split columns ---------------------------------------------------------------------------

_WORD_KEY = re.compile(r"[^\wё]+", re.IGNORECASE)


def _key(word: str) -> str:
    return _WORD_KEY.sub("", word.lower())


def _lcs_pairs(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    """Index pairs of a longest common subsequence of two word lists (compared by `_key`)."""
    ka, kb = [_key(w) for w in a], [_key(w) for w in b]
    n, m = len(a), len(b)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            table[i][j] = (
                table[i + 1][j + 1] + 1
                if ka[i] == kb[j] and ka[i]
                else max(table[i + 1][j], table[i][j + 1])
            )
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if ka[i] == kb[j] and ka[i]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def interleave_split_words(left: str, right: str) -> str:
    """Rebuild a cell whose lines a text layer split into a left and a right part.

    Each printed line contributed its first words to `left` and the rest to `right`, so
    the words interleave; words both parts share anchor the alignment and are kept once.
    """
    a, b = left.split(), right.split()
    if not b:
        return left
    out: list[str] = []
    ia = ib = 0
    for pa, pb in [*_lcs_pairs(a, b), (len(a), len(b))]:
        gap_a, gap_b = a[ia:pa], b[ib:pb]
        for k in range(max(len(gap_a), len(gap_b))):
            out.extend(gap_a[k : k + 1] + gap_b[k : k + 1])
        if pa < len(a):
            out.append(a[pa])
        ia, ib = pa + 1, pb + 1
    return " ".join(out)


def _split_position(rows: list[tuple[str, ...]], width: int) -> int | None:
    """The column that the over-long rows split in two: the position whose right half is a
    fragment (empty or starting in lower case), by vote over the table."""
    votes: Counter[int] = Counter()
    for cells in rows:
        if len(cells) <= width or sum(1 for c in cells if c.strip()) < 2:
            continue
        for i in range(1, len(cells) - 1):
            right = clean_text(cells[i + 1])
            if clean_text(cells[i]) and (not right or right[0].islower()):
                votes[i] += 1
    return votes.most_common(1)[0][0] if votes else None


def repair_split_columns(
    rows: list[tuple[str, ...]], width: int
) -> tuple[list[tuple[str, ...]], set[int]]:
    """Merge the split column back into one cell in every row; return the rows and the
    indices of the rows that were repaired.

    Rows with one cell too many carry the two halves side by side. Rows of the right width
    may still hold both halves in one cell, the right half appended; such a tail is
    recognised because the same fragment stood alone in the split column elsewhere in the
    table and its words repeat words of the cell.
    """
    pos = _split_position(rows, width)
    if pos is None:
        return rows, set()
    fragments: set[tuple[str, ...]] = set()
    out: list[tuple[str, ...]] = []
    repaired: set[int] = set()
    for n, cells in enumerate(rows):
        if len(cells) > width and pos + 1 < len(cells):
            right = clean_text(cells[pos + 1])
            if right:
                fragments.add(tuple(right.split()))
            merged = interleave_split_words(clean_text(cells[pos]), right)
            cells = (*cells[:pos], merged, *cells[pos + 2 :])
            repaired.add(n)
        out.append(cells)
    for n, cells in enumerate(out):
        if n in repaired or len(cells) <= pos:
            continue
        words = clean_text(cells[pos]).split()
        for frag in sorted(fragments, key=len, reverse=True):
            k = len(words) - len(frag)
            if k > 0 and tuple(words[k:]) == frag and _lcs_pairs(words[:k], list(frag)):
                merged = interleave_split_words(" ".join(words[:k]), " ".join(frag))
                out[n] = (*cells[:pos], merged, *cells[pos + 1 :])
                repaired.add(n)
                break
    return out, repaired


# --- logical rows ----------------------------------------------------------------------------


@dataclass(slots=True)
class LogicalRow:
    """One plan item after its cell fragments have been put back together."""

    item_number: str
    section_number: str | None
    section_title: str | None
    subsection_title: str | None
    cells: dict[str, list[str]]  # role -> the cell's paragraphs
    page_first: int | None = None
    page_last: int | None = None
    warnings: list[str] = field(default_factory=list)
    subsection_number: str | None = None
    titled: bool = False  # its number cell held words too: a heading, or cells mixed up
    amended_by: list[Amendment] = field(default_factory=list)  # from legal-database notes
    repealed: bool = False  # «3.6. Утратил силу. - …»

    def text(self, role: str) -> str | None:
        """The whole logical text of a cell, or None when the cell is empty."""
        return join_fragments(self.cells.get(role, [])) or None


@dataclass(slots=True)
class PlanTable:
    """The plan rows of one decree plus the text the normalizer reads metadata from."""

    rows: list[LogicalRow]
    preamble: str  # text before the plan table: title, act number, issuer
    text: str  # all text of the document, for abbreviations defined anywhere
    header_found: bool
    warnings: list[str] = field(default_factory=list)
    # short forms the decree defines («(далее – ИОГВ)») → what they stand for, ё read as е:
    # for the matcher to expand (`normalize.abbreviations.defined_abbreviations`)
    abbreviations: dict[str, str] = field(default_factory=dict)

    def logical_text(self) -> str:
        """The preamble and every row's whole cells: definitions such as «(далее – ДОБ СО)»
        read intact here even where a page break cut the cell in the source."""
        cells = (row.text(role) or "" for row in self.rows for role in ROLES)
        return "\n".join([self.preamble, *(c for c in cells if c)])


class Kind(Enum):
    SKIP = "skip"
    HEADER = "header"
    OTHER_HEADER = "other header"  # the header of a table that is not the plan
    SECTION = "section"
    SUBSECTION = "subsection"
    ITEM = "item"
    CONTINUATION = "continuation"
    STRAY = "stray"  # a row whose number cell does not start with a number: a signature block


DOUBTFUL = "placed with doubt"
"""Opens the warning of a row kept although the assembler could not be sure what it is (its
number cell held words too, or no item number); `validate` names such rows."""


def _heading_text(text: str) -> str:
    return clean_text(strip_markup(text))


def classify_text(text: str) -> tuple[Kind, str]:
    """A paragraph between table rows is a section heading, a subsection heading or noise."""
    text = _heading_text(text)
    if not text or PAGE_NUMBER.match(text):
        return Kind.SKIP, text
    return (Kind.SECTION if section_heading(text) else Kind.SUBSECTION), text


def numbered_section(cells: tuple[str, ...], roles: tuple[str | None, ...]) -> str | None:
    """A section row whose number stands alone in the number cell («I» | «Организационные
    мероприятия» merged over the rest, or «Раздел 2» | title) as one heading text «I.
    Организационные мероприятия»; None for any other row. Every other filled cell is the
    title: a text layer may spread a merged title's words over the columns; a cell with no
    word in it («–», «х» where a heading row fills its columns) is no part of it."""
    at = next((i for i, r in enumerate(roles) if r == "number" and i < len(cells)), None)
    if at is None or not section_number(number := _heading_text(cells[at])):
        return None
    texts = (_heading_text(c) for i, c in enumerate(cells) if i != at)
    title = " ".join(t for t in texts if _HAS_WORD.search(t))
    return f"{number.rstrip('.)')}. {title}" if title else None


_HAS_WORD = re.compile(r"[^\W\d_]{2}")


def _title_cells(cells: tuple[str, ...], roles: tuple[str | None, ...]) -> int:
    """How many cells besides the number cell hold words."""
    return sum(
        1 for i, c in enumerate(cells) if roles[i : i + 1] != ("number",) and _HAS_WORD.search(c)
    )


def classify_row(cells: tuple[str, ...], roles: tuple[str | None, ...]) -> Kind:
    """What a table row is, given the column roles of the plan header.

    A row whose number cell holds a number followed by words is an item here («1.1. Жизненная
    ситуация …» merged across the table, or «3.5. Утвердить» where the text layer moved words
    into the number cell); `place_headings` decides from the rows after it whether it heads
    them.
    """
    filled = [i for i, c in enumerate(cells) if clean_text(c)]
    if not filled:
        return Kind.SKIP
    if header_roles(cells) or is_column_number_row(cells):
        return Kind.HEADER
    if is_other_header(cells):
        return Kind.OTHER_HEADER
    if numbered_section(cells, roles):
        return Kind.SECTION
    if len(filled) == 1 and not ITEM_NUMBER.match(clean_text(cells[filled[0]])):
        only = _heading_text(cells[filled[0]])
        heading = section_heading(only)
        # without a dot, a section number only opens the row: «II квартал» is a deadline
        if heading and (heading.dotted or filled[0] == 0):
            return Kind.SECTION
        if filled[0] == 0 or len(cells) == 1:
            if NUMBERED_TEXT.match(only):
                return Kind.ITEM
            return Kind.SUBSECTION if only[:1].isupper() else Kind.CONTINUATION
    number = repaired_number(_cell_for(cells, roles, "number"))
    if not number:
        return Kind.CONTINUATION
    return Kind.ITEM if number[0].isdigit() else Kind.STRAY


def _cell_for(cells: tuple[str, ...], roles: tuple[str | None, ...], role: str) -> str:
    return next((cells[i] for i, r in enumerate(roles) if r == role and i < len(cells)), "")


def _words(cell: str) -> set[str]:
    return {k for k in map(_key, clean_text(cell).split()) if k}


def repeats_header(cells: tuple[str, ...], header: tuple[str, ...]) -> bool:
    """A piece of the plan header («| мероприятия | исполнения |», the second line of a
    header a page break repeated in two rows): every filled cell's words stand in the header
    cell of its column."""
    filled = [(i, c) for i, c in enumerate(cells) if clean_text(c)]
    return bool(filled) and all(
        i < len(header) and _words(c) <= _words(header[i]) for i, c in filled
    )


# How alike (rapidfuzz ratio, 0–100, letters only) a row that holds no item number must be to
# the plan header to be the header repeated with misread words («№ я п | Мероп роприятие»
# from OCR). Measured: every other row of the seed, dev and legal-database tables scores ≤ 44
# against its header; headers OCR misread in the scans of the corpus score 95–99.
HEADER_LIKENESS = 75


def resembles_header(cells: tuple[str, ...], header: tuple[str, ...]) -> bool:
    """The plan header printed again with misread words: its letters, column for column."""

    def letters(row: tuple[str, ...]) -> str:
        return "|".join(_WORD_KEY.sub("", clean_text(c).lower()) for c in row)

    return fuzz.ratio(letters(cells), letters(header)) >= HEADER_LIKENESS


def cells_by_role(
    cells: tuple[str, ...], roles: tuple[str | None, ...]
) -> tuple[dict[str, list[str]], list[str]]:
    """Cell paragraphs keyed by role. A row with fewer cells than the header lost its empty
    middle cells in extraction: its leading cells keep their columns, its last cell is the
    last column."""
    notes: list[str] = []
    width = len(roles)
    if 2 < len(cells) < width:
        notes.append(f"row has {len(cells)} of {width} cells; last cell taken as {roles[-1]}")
        cells = (*cells[:-1], *([""] * (width - len(cells))), cells[-1])
    out: dict[str, list[str]] = {}
    for role, cell in zip(roles, cells, strict=False):
        if role in ROLES:
            out.setdefault(role, []).extend(paragraphs_of(cell))
    return out, notes


def _continue_cells(row: LogicalRow, more: dict[str, list[str]]) -> None:
    """Append a continuation's paragraphs; its first paragraph goes on the row's last one."""
    for role, paras in more.items():
        if not paras:
            continue
        mine = row.cells.setdefault(role, [])
        if mine:
            mine[-1] = join_fragments([mine[-1], paras[0]])
            mine.extend(paras[1:])
        else:
            mine.extend(paras)


def find_header(blocks: list[Block]) -> tuple[int, tuple[str | None, ...]] | None:
    """Index and column roles of the first plan header row."""
    for i, block in enumerate(blocks):
        if block.cells is not None and (roles := header_roles(block.cells)):
            return i, roles
    return None


@dataclass(slots=True)
class _Place:
    """Where the walk through the blocks stands."""

    section: tuple[str | None, str | None] = (None, None)
    subsection: tuple[str | None, str | None] = (None, None)  # (number, title)
    broken: bool = False  # a header repeat (page break) since the last item row
    inside: bool = True  # False after another table's header, until the plan header returns
    started: bool = False  # an item row has been read
    last: Kind | None = None  # what the last block that was not blank was
    page: int | None = None  # the page of the last item row


def _subsection(text: str) -> tuple[str | None, str]:
    """A sub-heading's number (when it has one) and its title without the number."""
    m = NUMBERED_TEXT.match(text)
    return (m["num"], clean_text(m["text"])) if m else (None, text)


def _item(
    block: Block, cells: tuple[str, ...], roles: tuple[str | None, ...], at: _Place
) -> LogicalRow:
    """A new logical row; a number cell that also holds words gives them to the activity."""
    by_role, notes = cells_by_role(cells, roles)
    printed = join_fragments(by_role.pop("number", []))
    number = repaired_number(printed)
    if number != clean_text(printed):
        notes.append(f"{DOUBTFUL}: its number cell {printed!r} read as {number!r}")
    titled = not ITEM_NUMBER.match(number) and (m := NUMBERED_TEXT.match(number)) is not None
    if titled:
        number = m["num"]
        by_role["activity"] = [m["text"], *by_role.get("activity", [])]
    elif not ITEM_NUMBER.match(number):
        notes.append(f"{DOUBTFUL}: its number cell {number!r} is not an item number")
    return LogicalRow(
        item_number=number.rstrip("."),
        section_number=at.section[0],
        section_title=at.section[1],
        subsection_title=at.subsection[1],
        subsection_number=at.subsection[0],
        cells=by_role,
        page_first=block.page,
        page_last=block.page,
        warnings=[*block.notes, *notes],
        titled=titled,
    )


def _continue(
    row: LogicalRow,
    block: Block,
    cells: tuple[str, ...],
    roles: tuple[str | None, ...],
    broken: bool,
) -> None:
    """Join a continuation (empty number cell) to the row it continues, cell by cell. Words in
    the number column continue the title of a row whose number cell held its title."""
    by_role, notes = cells_by_role(cells, roles)
    spilled = by_role.pop("number", [])
    if row.titled and spilled:
        by_role["activity"] = [*spilled, *by_role.get("activity", [])]
    _continue_cells(row, by_role)
    crossed = broken or (block.page is not None and block.page != row.page_last)
    note = "row continued across page break" if crossed else "row continued"
    for w in (note, *block.notes, *notes):
        if w not in row.warnings:
            row.warnings.append(w)
    if block.page is not None:
        row.page_last = block.page


def _kind(
    block: Block, header: tuple[str, ...], roles: tuple[str | None, ...], at: _Place
) -> tuple[Kind, str]:
    """What a block is; a repeated header comes whole, in pieces, or flagged by the source."""
    if block.cells is None:
        return classify_text(block.text or "")
    text = numbered_section(block.cells, roles) or _heading_text(
        next((c for c in block.cells if clean_text(c)), "")
    )
    kind = classify_row(block.cells, roles)
    fragment = at.broken and kind is Kind.CONTINUATION and repeats_header(block.cells, header)
    # the plan header with misread words is neither a stray row nor another table's header
    misread = kind in (Kind.STRAY, Kind.OTHER_HEADER) and resembles_header(block.cells, header)
    if misread or fragment or (block.header and kind is not Kind.OTHER_HEADER):
        kind = Kind.HEADER
    elif kind is Kind.CONTINUATION and _titles_rows(block, roles, at):
        kind = Kind.SUBSECTION if not repeats_header(block.cells, header) else Kind.HEADER
    return kind, text


_OPEN_ENDS = ".,;:"  # a heading ends with none of these; a sentence broken off may


def _heading_shaped(block: Block, roles: tuple[str | None, ...]) -> bool:
    """Words in the activity cell alone, opening with a word in title case and ending without
    punctuation: an unnumbered sub-heading merged over every column but the empty number cell
    («| Муниципальные услуги и городские сервисы |»), or the rest of the row above."""
    cells = block.cells or ()
    filled = [i for i, c in enumerate(cells) if clean_text(c)]
    if len(filled) != 1 or filled[0] >= len(roles) or roles[filled[0]] != "activity":
        return False
    title = _heading_text(cells[filled[0]])
    return _CAPITALISED.match(title) is not None and title[-1:] not in _OPEN_ENDS


# A word in title case opens a heading; an acronym («ОИВ ответственного …») is more often the
# rest of a sentence that a page break cut.
_CAPITALISED = re.compile(r"^[«\"]?[A-ZА-ЯЁ][a-zа-яё]")


def _titles_rows(block: Block, roles: tuple[str | None, ...], at: _Place) -> bool:
    """A heading-shaped row (`_heading_shaped`) that is no part of the row above, because
    that row was whole: an item or a heading came just before, on the same page, with no page
    break since — or there is no row yet. Across a page break it stays the rest of the row
    above, with a doubt (`build_rows`)."""
    if not _heading_shaped(block, roles):
        return False
    if not at.started:
        return True  # no row to continue: the text would be dropped
    same_page = block.page is None or block.page == at.page
    whole = at.last in (Kind.ITEM, Kind.SECTION, Kind.SUBSECTION)
    return whole and same_page and not at.broken


def build_rows(blocks: list[Block], header: tuple[str, ...]) -> tuple[list[LogicalRow], list[str]]:
    """Walk the blocks after the plan header, tracking sections and joining continuations.
    Rows under another table's header (a members list, indicators) are not plan rows, until
    the plan header is repeated."""
    roles = header_roles(header) or ()
    rows: list[LogicalRow] = []
    warnings: list[str] = []
    at = _Place()
    for block in blocks:
        kind, text = _kind(block, header, roles, at)
        cells = block.cells or ()
        if not at.inside:
            at.inside = kind is Kind.HEADER and header_roles(cells) is not None
            at.broken = at.inside
        elif kind is Kind.OTHER_HEADER:
            at.inside = False
        elif kind is Kind.HEADER:
            at.broken = True
        elif kind is Kind.SECTION:
            heading = section_heading(text)
            assert heading is not None
            at.section, at.subsection = (heading.number, heading.title), (None, None)
            if _title_cells(cells, roles) > 1:
                warnings.append(f"heading {heading.number} read from cells besides the activity")
        elif kind is Kind.SUBSECTION:
            at.subsection = _subsection(text)
        elif kind is Kind.ITEM:
            rows.append(_item(block, cells, roles, at))
            at.broken, at.started, at.page = False, True, block.page
        elif kind is Kind.STRAY:
            warnings.append(
                f"row outside the plan ignored: {' | '.join(map(clean_text, cells))[:80]!r}"
            )
        elif kind is Kind.CONTINUATION and rows:
            crossed = at.broken or block.page != rows[-1].page_last
            if crossed and _heading_shaped(block, roles):
                rows[-1].warnings.append(
                    f"{DOUBTFUL}: continued after the page break by {text[:60]!r}, "
                    "which may be a sub-heading"
                )
            _continue(rows[-1], block, cells, roles, at.broken)
        elif kind is Kind.CONTINUATION:
            warnings.append(f"text before the first item dropped: {text[:60]!r}")
        if kind is not Kind.SKIP:
            at.last = kind
    return rows, warnings


def _under(row: LogicalRow, number: str) -> bool:
    return row.item_number.startswith(number + ".")


def _heads(row: LogicalRow, following: list[LogicalRow]) -> bool:
    """A row heads the rows after it when the next one is numbered under it (3 → 3.1, 1.1 →
    1.1.1) — or, the next one's number misread (an OCR'd «5...»), the one after — and the
    row has nothing but a title (in one cell, or its number cell held it)."""
    if not any(_under(r, row.item_number) for r in following[:HEADING_LOOKAHEAD]):
        return False
    return row.titled or sum(1 for r in ROLES if r != "number" and row.cells.get(r)) == 1


def _printed_in_other_style(row: LogicalRow) -> bool:
    """The row stands in a section printed with a number that is not an Arabic one («II»)."""
    return row.section_number is not None and not row.section_number.isdigit()


# How many rows after a title-only row may show that it is a heading: the next, or the one
# after it when the next one's number is no item number (misread)
HEADING_LOOKAHEAD = 2


def place_headings(
    rows: list[LogicalRow], roles: tuple[str | None, ...]
) -> tuple[list[LogicalRow], list[str]]:
    """Turn numbered heading rows into the section («3.») or sub-heading («1.1.») of the rows
    numbered under them; keep every other row as an item, with a warning where its number
    cell held words too.

    Under a section printed with a Roman number («II» in its own row), a heading «1» is that
    section's first sub-heading, not a section of its own; and a
    sub-heading applies only within the printed section it stands in, since item numbers
    restart there («1.1» under II is not under I's heading «1»)."""
    order = [r for r in dict.fromkeys(roles) if r in ROLES and r != "number"]
    out: list[LogicalRow] = []
    warnings: list[str] = []
    section: tuple[str, str] | None = None
    subsection: tuple[str, str] | None = None
    printed: str | None = None  # the printed section the sub-heading stands in
    for at, row in enumerate(rows):
        following = rows[at + 1 : at + 1 + HEADING_LOOKAHEAD]
        if following and not any(w.startswith(DOUBTFUL) for w in following[0].warnings):
            following = following[:1]  # the next row's number was read without doubt
        if _heads(row, following):
            title = join_fragments(t for r in order if (t := row.text(r)))
            if "." in row.item_number or _printed_in_other_style(row):
                subsection, printed = (row.item_number, title), row.section_number
            else:
                section, subsection = (row.item_number, title), None
            if title != row.text("activity"):
                warnings.append(f"heading {row.item_number} read from cells besides the activity")
            continue
        if subsection and _under(row, subsection[0]) and row.section_number == printed:
            row.subsection_number, row.subsection_title = subsection
        if section and _under(row, section[0]):
            row.section_number, row.section_title = section
        if row.titled:
            row.warnings.append(f"{DOUBTFUL}: its number cell held words, read as the activity")
        if any(w.startswith(DOUBTFUL) for w in row.warnings):
            warnings.append(f"item {row.item_number} {DOUBTFUL}")
        out.append(row)
    return out, warnings


def _block_text(block: Block) -> str:
    """A paragraph, or a table row's cells in order (a letterhead set as a table)."""
    if block.cells is None:
        return block.text or ""
    return "\n".join(c for c in block.cells if c.strip())


def rows_above_header(blocks: list[Block], columns: int) -> list[str]:
    """Warnings for rows of the plan's shape above the header that was found (as many cells
    as it, an item number first): the rows of a first page whose header was not recognised
    (OCR misread its words) would otherwise pass into the preamble unnoticed."""
    return [
        f"row above the plan header ignored: {' | '.join(map(clean_text, b.cells))[:80]!r}"
        for b in blocks
        if b.cells is not None and len(b.cells) == columns and is_item_number(b.cells[0])
    ]


def assemble(blocks: list[Block]) -> PlanTable:
    """The plan table of a document: its logical rows, preamble and full text."""
    texts = [_block_text(b) for b in blocks]
    every_text = "\n".join(t for t in texts if t)
    found = find_header(blocks)
    if found is None:
        return PlanTable([], every_text, every_text, header_found=False, warnings=[NO_HEADER])
    start, roles = found
    preamble = "\n".join(t for t in texts[:start] if t)
    body = blocks[start + 1 :]
    row_cells = [b.cells for b in body if b.cells is not None]
    repaired_cells, repaired = repair_split_columns(row_cells, len(roles))
    fixed: list[Block] = []
    it = iter(zip(repaired_cells, range(len(row_cells)), strict=True))
    for b in body:
        if b.cells is None:
            fixed.append(b)
            continue
        cells, n = next(it)
        notes = (*b.notes, "split column merged") if n in repaired else b.notes
        fixed.append(Block(cells=cells, page=b.page, header=b.header, notes=notes))
    fixed, legal_notes = split_notes(fixed, roles)
    header = blocks[start].cells or ()
    rows, warnings = build_rows(fixed, header)
    warnings = [*rows_above_header(blocks[:start], len(header)), *warnings]
    rows, doubts = place_headings(rows, roles)
    warnings += attach_notes(rows, legal_notes)
    table = PlanTable(rows, preamble, every_text, True, [*warnings, *doubts])
    table.abbreviations = defined_abbreviations(table.logical_text())
    return table
