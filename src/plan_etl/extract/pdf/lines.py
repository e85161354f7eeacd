"""Words into printed lines, and lines outside tables into paragraphs: what both table
finders and the text around the tables share."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from operator import itemgetter
from typing import Any, NamedTuple

from plan_etl import vocabulary
from plan_etl.extract.base import Block
from plan_etl.extract.pdf.settings import SETTINGS
from plan_etl.normalize.text import join_hyphenated

Obj = dict[str, Any]  # a pdfplumber object: word, edge, line

_HYPHEN_END = re.compile(r"\w-$")
# Where a line of one word that filled its cell went on (`cut_in_word`): a word cut without
# a hyphen, or two words. It stands in the cell text until `join_cut_words` decides.
WORD_CUT = "\x1f"
_GOES_ON_IN_WORD = re.compile(r"^[а-яёa-z0-9]")
_AROUND_CUT = re.compile(rf"(\w*){WORD_CUT}(?=(\w*))")  # the tail may head the next cut
_WORD = re.compile(r"\w+")
_LAST_WORD = re.compile(rf"(\w+){WORD_CUT}$")  # a cell's last word, cut by the page's end
_FIRST_WORD = re.compile(r"(\w+)(.*)", re.DOTALL)
# A line that starts with closing punctuation: a writer breaks no line before it, but one
# word wider than its column leaves no room for the stop after it («…клиентоцентричности» /
# «. Создание …»); it goes on the line above without a space.
_CLOSING = re.compile(r"^[.,;:)»”!?]")


class Line(NamedTuple):
    """One printed line of words, with its box."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float


def word_lines(words: list[Obj]) -> list[list[Obj]]:
    """Words grouped into printed lines, top to bottom, each line's words left to right:
    pdfplumber's `cluster_objects` on the tops (a line goes on while each next distinct
    top is within the tolerance of the one before), written out for words, as it runs for
    every cell of every table and its general form cost more than the rest of a cell."""
    line_of_top: dict[float, int] = {}
    line, last = -1, None
    for top in sorted({w["top"] for w in words}):
        if last is None or top > last + SETTINGS.tolerance:
            line += 1
        line_of_top[top] = line
        last = top
    groups: list[list[Obj]] = [[] for _ in range(line + 1)]
    for word in words:  # in their order within a line, then by x0 (a stable sort)
        groups[line_of_top[word["top"]]].append(word)
    for group in groups:
        group.sort(key=itemgetter("x0"))
    return groups


def line_of(group: list[Obj]) -> Line:
    """The text and box of one printed line's words (left to right)."""
    return Line(
        " ".join([w["text"] for w in group]),
        group[0]["x0"],
        max([w["x1"] for w in group]),
        min([w["top"] for w in group]),
        max([w["bottom"] for w in group]),
    )


def lines_of(words: list[Obj]) -> list[Line]:
    """Words grouped into printed lines, top to bottom, each line read left to right."""
    return [line_of(group) for group in word_lines(words)]


def join_lines(lines: Iterable[str], sep: str) -> str:
    """Printed lines joined by `sep`, except across a hyphen: a line ending in a word or
    number and a hyphen («информационно-», «№ 85-») runs straight into a next line that
    starts in lower case, because the line broke inside a hyphenated word. Done here
    rather than left to the assembler, which joins only after letters and not in headings.
    """
    return join_hyphenated(lines, sep, _HYPHEN_END)


def cell_text(words: list[Obj], left: float, right: float) -> str:
    """The text of a table cell from `left` to `right` (its edges, or its column's): one
    `\\n`-separated part per paragraph. A printed line goes on the line above when it
    starts with a word that did not fit there: the line wrapped, so «Министерство цифрового
    / развития и связи / Курской области» is one paragraph, as in the DOCX it was printed
    from, while a name after a line that stopped short starts a paragraph of its own. The
    right padding is taken to equal the left one (the text's distance from `left`). A line
    of one word that filled the cell may have cut a word too wide for it (`cut_in_word`):
    the two lines are joined by `WORD_CUT` for the document to decide (`join_cut_words`),
    and a cell whose last line is such a line ends with it (the word may go on on the next
    page); a line that starts with closing punctuation goes on the line above without a
    space."""
    groups = word_lines(words)
    if not groups:
        return ""
    lines = [line_of(group) for group in groups]
    limit = right - max(0.0, min(line.x0 for line in lines) - left)
    paragraphs: list[list[str]] = [[lines[0].text]]
    for prev, above, group, line in zip(lines, groups, groups[1:], lines[1:], strict=False):
        height = prev.bottom - prev.top
        needed = prev.x1 + SETTINGS.wrap_space * height + group[0]["x1"] - group[0]["x0"]
        if needed + SETTINGS.wrap_slack * height <= limit:
            paragraphs.append([line.text])
        elif _CLOSING.match(line.text):  # a word too wide for the line pushed its stop down
            paragraphs[-1][-1] += line.text
        elif cut_in_word(above, line.text, limit):
            paragraphs[-1][-1] += WORD_CUT + line.text
        else:
            paragraphs[-1].append(line.text)
    text = "\n".join(join_lines(para, " ") for para in paragraphs)
    return text + WORD_CUT if fills_line(groups[-1], limit) else text


def cut_in_word(line: list[Obj], following: str, limit: float) -> bool:
    """Whether a word processor may have cut a word at the end of `line`: it fills the line
    (`fills_line`), and the line `following` goes on in lower case or digits
    («клиентоцентричнос» / «ти», «01.12.202» / «3»)."""
    return fills_line(line, limit) and bool(_GOES_ON_IN_WORD.match(following))


def fills_line(line: list[Obj], limit: float) -> bool:
    """Whether `line` is what a word wider than the cell leaves where it is broken with no
    hyphen: that one word, reaching the cell's right edge (`limit`)."""
    if len(line) != 1 or line[0]["text"].endswith(("-", "‐")):
        return False
    word = line[0]
    mean = (word["x1"] - word["x0"]) / max(1, len(word["text"]))
    return word["x1"] + SETTINGS.cut_word_reach * mean >= limit


def join_cut_words(blocks: list[Block]) -> list[Block]:
    """The blocks with each `WORD_CUT` resolved: the two parts are one word where the
    document prints that word whole somewhere else («клиентоцентричности» in its title), or
    where the joined word is one of the language or the plan's (`ocrtext.dictionary_word`);
    else they stay two words. A line of one word that merely filled its cell
    («Министерство» / «цифрового») makes no word. A cell that ends with the mark goes on
    in the row that continues it on the next page (`join_over_pages`); elsewhere that mark
    is dropped."""
    texts = [t for b in blocks for t in (b.cells if b.cells is not None else (b.text,)) if t]
    if not any(WORD_CUT in t for t in texts):
        return blocks
    printed = set(_WORD.findall(" ".join(texts).replace(WORD_CUT, " ").lower()))
    blocks = join_over_pages(blocks, printed)

    def resolve(match: re.Match[str]) -> str:
        head, tail = match[1], match[2]
        if not tail:  # a cell's last line (or a line a space follows): the mark goes
            return head
        return head if head and one_word(head, tail, printed) else f"{head} "

    def mended(text: str) -> str:
        return _AROUND_CUT.sub(resolve, text) if WORD_CUT in text else text

    return [
        replace(b, cells=tuple(map(mended, b.cells)))
        if b.cells is not None and any(WORD_CUT in c for c in b.cells)
        else b
        for b in blocks
    ]


def join_over_pages(blocks: list[Block], printed: set[str]) -> list[Block]:
    """The blocks with each word a page break cut made whole: a cell that ends with
    `WORD_CUT` («…межведомственн») in the last row of a page, and the row that continues it
    at the top of the next (`continuation`) starting that column with the rest («ой рабочей
    группы»): the rest goes up where the two are one word (`one_word`), so the assembler
    joins «…межведомственной» and «рабочей группы». Only where what stays below goes on in
    lower case: a continuation left empty would lose its page, and one left starting with a
    capital would read as a sub-heading (`assemble`); such a cut stays as printed."""
    rows = [i for i, b in enumerate(blocks) if b.cells is not None]
    repeated = Counter(_bare(blocks[i]) for i in rows)
    out = list(blocks)
    for k, i in enumerate(rows):
        above = out[i]
        assert above.cells is not None
        if not any(c.endswith(WORD_CUT) for c in above.cells):
            continue
        j = continuation(out, rows[k + 1 :], above, repeated)
        if j is None:
            continue
        below = out[j]
        assert below.cells is not None
        ends, starts = list(above.cells), list(below.cells)
        for c, (end, start) in enumerate(zip(ends, starts, strict=True)):
            head, tail = _LAST_WORD.search(end), _FIRST_WORD.match(start)
            joins = head and tail and _GOES_ON_IN_WORD.match(start)
            rest = tail[2].lstrip() if tail else ""
            if joins and _GOES_ON_IN_WORD.match(rest) and one_word(head[1], tail[1], printed):
                ends[c], starts[c] = end[:-1] + tail[1], rest
        out[i], out[j] = replace(above, cells=tuple(ends)), replace(below, cells=tuple(starts))
    return out


def continuation(
    blocks: list[Block], after: list[int], above: Block, repeated: Counter[tuple[str, ...]]
) -> int | None:
    """The index of the row that continues the row `above` on the next page: the first row
    of a later page, past the header it repeats (a row the document prints more than once,
    or a «1 2 3 …» row), if its number cell is blank."""
    for j in after:
        row = blocks[j]
        assert row.cells is not None
        if (row.page or 0) <= (above.page or 0) or len(row.cells) != len(above.cells or ()):
            return None
        bare = _bare(row)
        if not bare[0]:
            return j
        if repeated[bare] < 2 and not vocabulary.is_column_number_row(bare):
            return None
    return None


def _bare(block: Block) -> tuple[str, ...]:
    """A row's cells without cut marks, spaces squeezed: two printings of a header match."""
    return tuple(" ".join(c.replace(WORD_CUT, " ").split()) for c in block.cells or ())


def one_word(head: str, tail: str, printed: set[str]) -> bool:
    """Whether `head` and `tail`, a line end apart, are one word: the document prints it
    whole, or it is a word of the language or the plan. Whether the parts are words says
    nothing: the dictionary knows «администраци», «исполнительны» and «е», «я», «ти»."""
    from plan_etl.extract.ocrtext import dictionary_word  # the dictionary loads when asked

    joined = (head + tail).lower()
    return joined in printed or dictionary_word(joined)


def centre(word: Obj) -> float:
    """The x of a word's middle."""
    return (word["x0"] + word["x1"]) / 2


def gap(upper: list[Obj], lower: list[Obj]) -> float:
    """The vertical white space between two printed lines of words."""
    return min(w["top"] for w in lower) - max(w["bottom"] for w in upper)


def line_height(words: list[Obj]) -> float:
    """The median height of a page's words: the unit of the settings' line heights."""
    heights = sorted(w["bottom"] - w["top"] for w in words)
    return heights[len(heights) // 2]


# --- paragraphs outside tables -----------------------------------------------------------------


def continues_paragraph(prev: Line, line: Line, right: float) -> bool:
    """Whether `line` goes on the paragraph `prev` ends: it follows without a paragraph gap,
    and is not a first-line indent after a line that stopped short of the right margin
    (lines centred on one axis, as in a title, are one paragraph however long)."""
    height = prev.bottom - prev.top
    if line.top - prev.bottom > SETTINGS.paragraph_gap * height:
        return False
    indent = SETTINGS.indent * height
    indented = line.x0 > prev.x0 + indent
    short = prev.x1 < right - indent
    centred = abs(line.x0 + line.x1 - prev.x0 - prev.x1) / 2 < indent
    return centred or not (indented and short)


def paragraphs(lines: list[Line]) -> list[list[Line]]:
    """Lines grouped into the paragraphs they were typeset as."""
    right = max((line.x1 for line in lines), default=0.0)
    groups: list[list[Line]] = []
    for line in lines:
        if groups and continues_paragraph(groups[-1][-1], line, right):
            groups[-1].append(line)
        else:
            groups.append([line])
    return groups


def paragraph_blocks(lines: list[Line], page: int) -> list[tuple[float, Block]]:
    """Lines outside tables as paragraph blocks, each with its top."""
    return [
        (para[0].top, Block(text=join_lines((line.text for line in para), " "), page=page))
        for para in paragraphs(lines)
    ]
