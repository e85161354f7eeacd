"""Legal-database notes in a plan table: which rows they name, and out of every cell.

Legal databases (КонсультантПлюс, Гарант, Кодекс) publish a decree as a consolidated text:
the amendments are worked in, and a note says which act gave a row its present wording —
«(п. 2.3 в ред. распоряжения Правительства … от 08.11.2023 N 351)», «(пп. 3.5 - 3.7 введены
распоряжением …)», «(раздел 3 в ред. …)», a bare «(в ред. …)» for the row it stands in or
after. A repealed item keeps its number: «3.6. Утратил силу. - Распоряжение … N 40.». Editors'
notes («КонсультантПлюс: примечание.», «Примечание.»), footnotes and the database's page
running heads are not plan text at all.

A note is a paragraph of its own: a row across the table, a paragraph between rows, or a
paragraph of a cell after the row's text. `split_notes` takes them out of the blocks before
the rows are built (so none becomes a row, a heading or a continuation); `attach_notes` gives
each note's acts to the rows it names, once the rows exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from plan_etl.extract.base import Block
from plan_etl.models import Amendment
from plan_etl.normalize.metadata import act_references, boilerplate
from plan_etl.normalize.text import clean_text, join_fragments
from plan_etl.vocabulary import ITEM_NUMBER, PAGE_NUMBER

if TYPE_CHECKING:
    from plan_etl.assemble import LogicalRow

# An editor's note or a footnote: not the plan's text. The lone marker line
# («КонсультантПлюс: примечание.») is followed by the note's text in the next paragraph.
_EDITORIAL = re.compile(
    r"^(?:КонсультантПлюс:\s*примечание|Примечани[ея]\s*(?:[.:]|$)|<\*+>|\*{1,3}\s|Сноска\b"
    r"|Информация\s+об\s+изменениях)",
    re.IGNORECASE,
)
_EDITORIAL_MARKER = re.compile(
    r"^(?:КонсультантПлюс:\s*примечание|Примечани[ея]|Информация\s+об\s+изменениях)\s*[.:]?$",
    re.IGNORECASE,
)
# Гарант frames its notes: «Информация об изменениях: Пункт 1.3 изменен с … - Распоряжение …
# См. предыдущую редакцию».
_FRAME = re.compile(
    r"^Информация\s+об\s+изменениях:\s*|\s*См\.\s+(?:предыдущую|будущую)\s+редакцию\.?$",
    re.IGNORECASE,
)
_PARENTHESISED = re.compile(r"^\((?P<body>.+)\)\s*[.;]?$")
_TRAILING_PARENTHESIS = re.compile(r"\s(\((?:[^()]|\([^()]*\))*\)[.;]?)\s*$")
# What a note says happened: the row got its wording from, was added by, or lost force by an act.
_NOTE_VERB = re.compile(
    r"(?<!\w)(?:в\s+ред\.|в\s+редакции|введен[аоы]?|включен[аоы]?|дополнен[аоы]?"
    r"|изменен[аоы]?|утратил[аио]?\s+силу|исключен[аоы]?)(?!\w)",
    re.IGNORECASE,
)
# What a note names before its verb: items («п. 2.3», «пп. 3.5 - 3.7», «строки 2.3, 2.4») or
# sections and sub-sections («раздел 3», «разд. III», «подраздел 2.2»).
_TARGET = re.compile(
    r"(?:(?P<section>(?:под)?разд(?:ел[ыа]?|\.))|пп?\.|пункт[ыа]?|подпункт[ыа]?|строк[аи]"
    r"|позици[яи])"
    r"\s*(?P<list>[\dIVXLC][\dIVXLC.,\s–—-]*(?:\s+и\s+[\dIVXLC.]+)?)\s*",
    re.IGNORECASE,
)
_NUMBER_OR_DASH = re.compile(r"\d+(?:\.\d+)*|[IVXLC]+|[–—-]")
# A repealed item keeps its row: «Утратил силу. - …», or «Исключен. - …» for a table row.
_REPEALED = re.compile(
    r"^(?P<words>Утратил[аио]?\s+силу|Исключен[аоы]?)(?!\w)\s*[.;]?\s*(?:[-–—]\s*)?(?P<act>.*)$",
    re.IGNORECASE,
)
_REPEAL_VERB = ("утратил", "исключен")
# A repealed item, or a range of them, with its number: «3.6. Утратил силу. - …»,
# «3.5 - 3.7. Утратили силу. - …» (in one cell, in a paragraph, or over number and activity).
_ITEM = r"\d{1,3}(?:\.\d{1,3})*"
_REPEALED_ITEMS = re.compile(
    rf"^(?P<first>{_ITEM})\.?(?:\s*[-–—]\s*(?P<last>{_ITEM})\.?)?\s+(?P<rest>\S.*)$"
)
# A range of repealed items is expanded when its ends are siblings (3.5 … 3.7) this close:
# more than a plan section ever holds is a misreading, and only its ends are kept.
_MAX_RANGE = 100


@dataclass(frozen=True, slots=True)
class Note:
    """One note: the acts it names and the rows it applies to."""

    text: str
    amendments: tuple[Amendment, ...] = ()
    ranges: tuple[tuple[str, str], ...] = ()  # named items, first and last of each range
    sections: tuple[str, ...] = ()  # named sections
    after: str | None = None  # the item the note stands in or after, for a note naming none
    repeal: bool = False


def parse_note(text: str, after: str | None = None) -> Note | None:
    """The note a paragraph is, or None when it is plan text: a parenthesis that opens with
    what it names and its verb («(пп. 3.5 - 3.7 введены …)», «(в ред. …)»), or a sentence
    that names items and an act («Пункт 1.3 изменен с … - Распоряжение … N 912-рп»)."""
    text = clean_text(text)
    body = _FRAME.sub("", text)
    parenthesised = _PARENTHESISED.match(body)
    body = parenthesised["body"].strip() if parenthesised else body
    verb = _NOTE_VERB.search(body)
    target = _TARGET.fullmatch(body[: verb.start()]) if verb else None
    if verb is None or not (target or (parenthesised and verb.start() == 0)):
        return None  # words before the verb that name no item: a parenthesis of the plan
    amendments = tuple(act_references(body[verb.end() :]))
    repeal = verb.group().lower().startswith(_REPEAL_VERB)
    if not (parenthesised or amendments or repeal):
        return None  # a sentence of the plan that happens to name an item
    names = _named(target["list"]) if target else ()
    sections = target is not None and target["section"] is not None
    return Note(
        text=text,
        amendments=amendments,
        ranges=() if sections else names,
        sections=_sections(names) if sections else (),
        after=None if target else after,
        repeal=repeal,
    )


def _named(listed: str) -> tuple[tuple[str, str], ...]:
    """«3.5 - 3.7, 3.9» → (3.5, 3.7), (3.9, 3.9)."""
    ranges: list[tuple[str, str]] = []
    dash = False
    for token in _NUMBER_OR_DASH.findall(listed):
        if token in "–—-":
            dash = bool(ranges)
        elif dash:
            ranges[-1] = (ranges[-1][0], token.rstrip("."))
            dash = False
        else:
            ranges.append((token.rstrip("."), token.rstrip(".")))
    return tuple(ranges)


def _sections(ranges: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    """«разделы 3 - 5» → 3, 4, 5; Roman ranges keep their ends only."""
    out: list[str] = []
    for first, last in ranges:
        if first.isdigit() and last.isdigit():
            out.extend(str(n) for n in range(int(first), int(last) + 1))
        else:
            out.extend(dict.fromkeys((first, last)))
    return tuple(out)


# --- blocks --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Walk:
    """State of one pass over the table's blocks."""

    roles: tuple[str | None, ...]
    blocks: list[Block]
    notes: list[Note]
    last_item: str | None = None
    editorial_open: bool = False  # a lone editor's-note marker: its text comes next


def split_notes(
    blocks: list[Block], roles: tuple[str | None, ...]
) -> tuple[list[Block], list[Note]]:
    """The table's blocks without notes, and the notes. A repealed item («3.6. Утратил силу.
    - …») becomes an item row of number and activity only, a repealed range one per item."""
    walk = _Walk(roles, [], [])
    for block in blocks:
        if repealed := _repealed_rows(walk, block):
            walk.blocks.extend(repealed)
            continue
        if block.cells is None:
            single = clean_text(block.text)
        else:
            values = {clean_text(c) for c in block.cells} - {""}
            single = values.pop() if len(values) == 1 else None
        if single is not None and _paragraph_note(walk, block, single):
            continue
        walk.editorial_open = False  # an editor's note ends where the plan goes on
        if single and _is_heading(walk, block, single):
            walk.last_item = None  # a bare «(в ред. …)» under a heading is the heading's
        if block.cells is not None:
            block = _strip_cells(walk, block)
        walk.blocks.append(block)
    return walk.blocks, walk.notes


def _is_heading(walk: _Walk, block: Block, text: str) -> bool:
    """A section or sub-heading: a paragraph (not a page number) or a row whose one text
    stands in its number cell and is no item number."""
    if block.cells is None:
        return not PAGE_NUMBER.match(text)
    number = _cell(list(block.cells), walk.roles, "number")
    return number == text and not ITEM_NUMBER.match(number)


def _paragraph_note(walk: _Walk, block: Block, text: str) -> bool:
    """Handle a paragraph (or a row with one text) that is no plan text; False if it is."""
    note = parse_note(text, walk.last_item)
    if note is None and (walk.editorial_open or boilerplate(text) or _EDITORIAL.match(text)):
        note = Note(text)
    if note is None:
        return False
    walk.editorial_open = bool(_EDITORIAL_MARKER.match(text))
    walk.notes.append(note)
    return True


def _strip_cells(walk: _Walk, block: Block) -> Block:
    """A row's cells without their note paragraphs."""
    cells = list(block.cells or ())
    number = _cell(cells, walk.roles, "number")
    if ITEM_NUMBER.match(number):
        walk.last_item = number.rstrip(".")
    kept: list[str] = []
    for cell in cells:
        paragraphs = []
        for para in _note_paragraphs(cell.split("\n")):
            note = parse_note(para, walk.last_item)
            if note is None:
                para, note = _trailing_note(para, walk.last_item)
                paragraphs.append(para)
            if note is not None:
                walk.notes.append(note)
        kept.append("\n".join(paragraphs))
    return replace(block, cells=tuple(kept))


def _trailing_note(para: str, after: str | None) -> tuple[str, Note | None]:
    """A note run on at the end of a cell's text by a dump that flattened the cell («…
    процессов (в ред. распоряжения … N 351-рп)»): only one that names an act is taken."""
    m = _TRAILING_PARENTHESIS.search(para)
    note = parse_note(m.group(1), after) if m else None
    if m is None or note is None or not note.amendments:
        return para, None
    return para[: m.start()].rstrip(), note


def _note_paragraphs(lines: list[str]) -> list[str]:
    """A cell's paragraphs, a parenthesis that a PDF cell printed over several lines («(в ред.
    распоряжения … / … N 351-рп)») put back into one when it reads as a note."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        end = i
        if clean_text(lines[i]).startswith("("):
            closing = (j for j in range(i, len(lines)) if _closes(lines[j]))
            end = next(closing, i)
        joined = join_fragments(lines[i : end + 1])
        if end > i and parse_note(joined) is not None:
            out.append(joined)
            i = end + 1
        else:
            out.append(lines[i])
            i += 1
    return out


def _closes(line: str) -> bool:
    return clean_text(line).rstrip(".;").endswith(")")


def _repealed_rows(walk: _Walk, block: Block) -> list[Block]:
    """The item rows of a repealed item or range, number and «Утратил силу» only; [] for
    any other block. The repealing act is a note on them."""
    cells = (block.text,) if block.cells is None else block.cells
    text = " ".join(filter(None, map(clean_text, cells)))
    items = _REPEALED_ITEMS.match(text)
    repeal = _REPEALED.match(items["rest"]) if items else None
    if items is None or repeal is None:
        return []
    numbers = _item_range(items["first"], items["last"] or items["first"])
    walk.last_item = numbers[-1]
    walk.notes.append(
        Note(
            text=text,
            amendments=tuple(act_references(repeal["act"])),
            ranges=((numbers[0], numbers[-1]),),
            repeal=True,
        )
    )
    return [
        replace(block, text=None, cells=_repealed_cells(walk.roles, number, repeal["words"]))
        for number in numbers
    ]


def _repealed_cells(roles: tuple[str | None, ...], number: str, words: str) -> tuple[str, ...]:
    return tuple(number if r == "number" else words if r == "activity" else "" for r in roles)


def _item_range(first: str, last: str) -> list[str]:
    """«3.5» … «3.7» → 3.5, 3.6, 3.7; ends that are no siblings, or too far apart, alone."""
    head, _, start = first.rpartition(".")
    last_head, _, end = last.rpartition(".")
    if head == last_head and 0 <= int(end) - int(start) <= _MAX_RANGE:
        return [f"{head}.{n}" if head else str(n) for n in range(int(start), int(end) + 1)]
    return list(dict.fromkeys((first, last)))


def _cell(cells: list[str], roles: tuple[str | None, ...], role: str) -> str:
    found = (cells[i] for i, r in enumerate(roles) if r == role and i < len(cells))
    return clean_text(next(found, ""))


# --- rows ----------------------------------------------------------------------------------


def attach_notes(rows: list[LogicalRow], notes: list[Note]) -> list[str]:
    """Give each note's acts to the rows it names (`amended_by`) and mark repealed rows;
    return a warning for each amending note that names no row of the plan."""
    warnings = []
    for note in notes:
        if not (note.amendments or note.repeal):
            continue  # an editor's note or a database line: nothing to attach
        named = _rows_named(rows, note)
        if not named:
            warnings.append(f"note names no row of the plan: {note.text[:80]!r}")
        for row in named:
            row.amended_by.extend(a for a in note.amendments if a not in row.amended_by)
            row.repealed = row.repealed or note.repeal
    return warnings


def _rows_named(rows: list[LogicalRow], note: Note) -> list[LogicalRow]:
    """The rows a note names: its sections (by the rows' section number, or their items'
    numbers under it: «подраздел 2.2» → 2.2.1 …), its items and ranges of items (in table
    order), else the row it stands in or after."""
    if note.sections:
        wanted = {s.upper() for s in note.sections}
        prefixes = tuple(f"{s}." for s in note.sections)
        return [
            r
            for r in rows
            if (r.section_number or "").upper() in wanted or r.item_number.startswith(prefixes)
        ]
    ranges = note.ranges or (((note.after, note.after),) if note.after else ())
    position = {row.item_number.rstrip("."): i for i, row in enumerate(rows)}
    out: list[LogicalRow] = []
    for first, last in ranges:
        if first in position and last in position and position[first] <= position[last]:
            out.extend(rows[position[first] : position[last] + 1])
    return out
