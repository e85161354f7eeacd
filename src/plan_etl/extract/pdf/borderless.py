"""Tables without ruling: columns from where the header's words stand, rows from item numbers.

Some decrees print the plan with no ruling at all (or a few horizontal rules): pdfplumber
finds no table and the rows would come out as paragraphs. On such a page the header is
found by its words (`find_table_header`), the borders between columns in the gutters under
it that no word crosses (`column_bounds`), and a row starts where the number column holds
an item number or a heading crosses the table (`table_rows`); every other line goes on the
row above. A page without a header of its own goes on the table of the page before.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate, pairwise
from math import ceil, floor
from operator import itemgetter

from plan_etl import vocabulary
from plan_etl.extract.base import Block
from plan_etl.extract.pdf.lines import (
    Line,
    Obj,
    cell_text,
    centre,
    gap,
    join_lines,
    line_height,
    line_of,
    lines_of,
    paragraph_blocks,
    word_lines,
)
from plan_etl.extract.pdf.page import PageContent
from plan_etl.extract.pdf.settings import SETTINGS

_CLOSING_QUOTE = re.compile(r"^[»”\"]+\s*[.;]?$")
_LINE_UP = range(-SETTINGS.line_up_slack, SETTINGS.line_up_slack + 1)


@dataclass(frozen=True, slots=True)
class Columns:
    """A table without ruling as its header lays it out: the x-extent of each column's
    header words, left to right, the header's cells, which column holds the item numbers,
    and the column borders found on the last page read."""

    spans: tuple[tuple[float, float], ...]
    header: tuple[str, ...]
    number: int
    bounds: tuple[float, ...] = ()

    def same_header(self, other: Columns) -> bool:
        """Whether `other` was read from the same header (a repeat on the next page)."""
        edges = [x for span in self.spans for x in span]
        others = [x for span in other.spans for x in span]
        return self.header == other.header and all(
            abs(a - b) < SETTINGS.tolerance for a, b in zip(edges, others, strict=True)
        )


def cell_groups(words: list[Obj], apart: float) -> list[list[Obj]]:
    """A header band's words grouped into its cells, left to right: words one above the
    other (overlapping in x) or closer than `apart` side by side are one cell."""
    groups: list[list[Obj]] = []
    right = 0.0
    for word in sorted(words, key=itemgetter("x0")):
        if groups and word["x0"] < right + apart:
            groups[-1].append(word)
            right = max(right, word["x1"])
        else:
            groups.append([word])
            right = word["x1"]
    return groups


def group_text(words: list[Obj]) -> str:
    """The printed lines of a group of words, one per `\\n`-separated part."""
    return join_lines((line.text for line in lines_of(words)), "\n")


def header_texts(groups: list[list[Obj]]) -> tuple[str, ...]:
    return tuple(group_text(g) for g in groups)


def header_cells(words: list[Obj], height: float) -> tuple[list[list[Obj]], int] | None:
    """The cells of a plan header and the index of its number column, if `words` are one:
    three or more cells that name the plan's columns, each a different one, the number
    among them, at most a third of them naming nothing known, and no item number (a row of
    the table whose cells happen to hold such words, «приказ №», «в срок», is no header)."""
    if any(vocabulary.ITEM_NUMBER.match(w["text"]) for w in words):
        return None
    groups = cell_groups(words, SETTINGS.cell_gap * height)
    if len(groups) < SETTINGS.min_columns:
        return None
    roles = vocabulary.header_roles(header_texts(groups))
    if (
        roles is None
        or "number" not in roles
        or roles.count(None) > int(len(roles) * SETTINGS.max_unnamed_share)
    ):
        return None
    named = [r for r in roles if r is not None]
    if len(set(named)) < len(named):
        return None
    return groups, roles.index("number")


def fit_under(groups: list[list[Obj]], line: list[Obj], height: float) -> list[int] | None:
    """The header cell each word of `line` stands under (its centre within a line height of
    the cell's words, nearest to them), or None if a word stands under none, reaches under
    two cells (a heading across the table, «I. Общеорганизационные мероприятия», begins
    under the number column and runs on), runs on from one cell into the next with no
    wider gap than between a cell's words (the same heading centred, each of its words
    under a cell of its own: `cell_groups` would make one cell of it), or is an item
    number (the first row, or a «1 2 3 …» row of column numbers, has begun)."""
    spans = [(min(w["x0"] for w in g), max(w["x1"] for w in g)) for g in groups]
    apart = SETTINGS.cell_gap * height
    under: list[int] = []
    for word in line:
        if vocabulary.ITEM_NUMBER.match(word["text"]):
            return None
        if sum(1 for x0, x1 in spans if word["x0"] < x1 and word["x1"] > x0) > 1:
            return None
        x = centre(word)
        away, cell = min((max(x0 - x, 0.0, x - x1), i) for i, (x0, x1) in enumerate(spans))
        if away > SETTINGS.header_gap * height:
            return None
        if under and cell != under[-1] and word["x0"] - line[len(under) - 1]["x1"] < apart:
            return None
        under.append(cell)
    return under


def find_table_header(
    lines: list[list[Obj]], height: float, known: tuple[str, ...] = ()
) -> tuple[int, int, list[list[Obj]], int] | None:
    """The first plan header among a page's lines: the index of its first line, the index
    after its last, its cells' words and the index of its number column.

    Of the windows of lines that start at the same line and read as a header, the one with
    the most cells wins (a header whose cells are centred one under the other reads as a
    header of fewer columns before its last column's line is in), or the one that reads as
    the header of the page before (`known`). That one then takes in the lines below that
    fit under its cells, until it reads as `known`: the continuation of a broken row below
    a repeated header might fit under its cells too.
    """
    # a header has a line of two or more cells, one of which names a column: other lines
    # (prose) open no window, which keeps the search cheap on pages of text
    hints = [
        len(cell_groups(line, SETTINGS.cell_gap * height)) > 1
        and vocabulary.header_role(line_of(line).text) is not None
        for line in lines
    ]
    for start in range(len(lines)):
        best: tuple[int, list[list[Obj]], int] | None = None
        for end in range(start + 1, min(start + SETTINGS.header_window, len(lines)) + 1):
            if (
                end - start > 1
                and gap(lines[end - 2], lines[end - 1]) >= SETTINGS.header_gap * height
            ):
                break
            if not any(hints[start:end]):
                continue
            found = header_cells([w for line in lines[start:end] for w in line], height)
            if found is not None and (best is None or len(found[0]) > len(best[1])):
                best = (end, *found)
            if best is not None and known and header_texts(best[1]) == known:
                break
        if best is None:
            continue
        end, groups, number = best
        while end < min(start + SETTINGS.header_depth, len(lines)):
            line = lines[end]
            if gap(lines[end - 1], line) >= SETTINGS.header_gap * height or known == header_texts(
                groups
            ):
                break
            under = fit_under(groups, line, height)
            if under is None:
                break
            for word, cell in zip(line, under, strict=True):
                groups[cell].append(word)
            end += 1
        return start, end, groups, number
    return None


def column_bounds(
    spans: tuple[tuple[float, float], ...],
    lines: list[list[Obj]],
    height: float,
    prior: tuple[float, ...] = (),
) -> list[float]:
    """The x of the border between each two adjacent columns.

    It lies between the two columns' header words, in a gutter that no word of the table
    crosses. Header words are often centred over left-aligned text, so the midpoint between
    them can fall inside a column; the border goes in the middle of a run of the least
    covered x between them instead (a heading across the table covers every gutter once).
    A run is measured in full, also where it reaches under a header word (text narrower
    than its header). Of several runs (a justified line's stretched space is one too) the
    gutter is the one holding the border found on the page before (`prior`), else the one
    most words line up at, ending on its left (justified or right-aligned text) and
    starting on its right (left-aligned text); then the widest. A line that runs across
    the space between the header words with no wider gap than between words (a heading)
    is left out: the gaps between its words are no gutter.
    """
    bounds = []
    for n, ((first, left), (right, last)) in enumerate(pairwise(spans)):
        before = prior[n] if len(prior) == len(spans) - 1 else None
        lo, hi = floor(first), ceil(last)
        a, b = ceil(left) - lo, floor(right) - lo  # the x strictly between the header words
        words = [w for line in lines if not bridges(line, left, right, height) for w in line]
        inside = [w for w in words if w["x1"] > lo and w["x0"] < hi]
        if b <= a or not inside:
            bounds.append((left + right) / 2)
            continue
        diff = [0] * (hi - lo + 1)
        for word in inside:
            diff[max(floor(word["x0"]), lo) - lo] += 1
            diff[min(ceil(word["x1"]), hi) - lo] -= 1
        cover = list(accumulate(diff[:-1]))
        least = min(cover[a:b])
        starts = Counter(floor(w["x0"]) - lo for w in inside)
        ends = Counter(ceil(w["x1"]) - lo for w in inside)
        best: tuple[tuple[bool, int, int, float], float] | None = None
        run = None
        for x, count in enumerate([*cover, least + 1]):
            if count == least:
                run = x if run is None else run
                continue
            if run is not None and run < b and x > a:
                mid = min(max(lo + (run + x) / 2, left), right)
                held = before is not None and lo + run <= before <= lo + x
                lined_up = sum(ends[run + d] + starts[x + d] for d in _LINE_UP)
                key = (held, lined_up, x - run, -abs(mid - (left + right) / 2))
                if best is None or key > best[0]:
                    best = (key, mid)
            run = None
        assert best is not None
        bounds.append(best[1])
    return bounds


def bridges(line: list[Obj], left: float, right: float, height: float) -> bool:
    """Whether the words of `line` run from `left` to `right` without a gap wider than a
    header cell's words leave (`cell_gap`): text across a gutter, not beside it."""
    apart = SETTINGS.cell_gap * height
    reach = None
    for word in line:  # left to right
        if reach is not None and word["x0"] - reach > apart:
            if reach >= right:
                break
            reach = None
        if reach is None:
            if word["x0"] > left:
                return False
            reach = word["x1"]
        else:
            reach = max(reach, word["x1"])
    return reach is not None and reach >= right


def _crosses(bounds: list[float], word: Obj) -> bool:
    slack = SETTINGS.crossing_slack
    i = bisect_right(bounds, word["x0"] + slack)
    return i < len(bounds) and bounds[i] < word["x1"] - slack


def is_page_number(
    line: list[Obj], neighbour: list[Obj] | None, width: float, height: float
) -> bool:
    """A page number printed above or below a table: digits alone near the page's middle,
    a line height or more away from its neighbouring line."""
    middle = abs(line[0]["x0"] + line[-1]["x1"] - width) / 2 < SETTINGS.page_number_centre * width
    apart = (
        neighbour is None
        or max(gap(line, neighbour), gap(neighbour, line)) >= SETTINGS.header_gap * height
    )
    return middle and apart and bool(vocabulary.PAGE_NUMBER.match(line_of(line).text))


def page_numbers_apart(
    body: list[list[Obj]], top: bool, width: float, height: float
) -> tuple[list[list[Obj]], list[list[Obj]], list[list[Obj]]]:
    """`body` as (lines above it, itself, lines below it) once a page number printed at its
    bottom, or at its top too if `top`, is taken out of it."""
    above: list[list[Obj]] = []
    below: list[list[Obj]] = []
    if top and body and is_page_number(body[0], (body[1:] or [None])[0], width, height):
        above, body = body[:1], body[1:]
    if body and is_page_number(body[-1], (body[:-1] or [None])[-1], width, height):
        body, below = body[:-1], body[-1:]
    return above, body, below


@dataclass(slots=True)
class _Row:
    """A row being read: the lines of each cell, or of one cell across the table."""

    cells: list[list[str]]
    heading: Line | None = None  # the last line of a heading across the table
    words: list[list[Obj]] | None = None  # each cell's words, for a row of cells

    def goes_on_heading(self, line: Line, height: float) -> bool:
        """Whether `line` goes on the heading this row is: it starts in lower case (or with
        a bracket), where the heading's last line starts or centred on the same axis."""
        last = self.heading
        if last is None or not vocabulary.GOES_ON.match(line.text):
            return False
        return (
            abs(line.x0 - last.x0) < SETTINGS.indent * height
            or abs(line.x0 + line.x1 - last.x0 - last.x1) < SETTINGS.centred * height
        )


def column_edges(body: list[list[Obj]], bounds: list[float]) -> list[tuple[float, float]]:
    """Each column's extent as its words on the page reach: the widest line of a column
    shows where its lines wrap, but never past where the next column's words begin (a
    word reaching over the gutter is no measure of the width)."""
    edges: list[tuple[float, float]] = []
    for k in range(len(bounds) + 1):
        words = [w for line in body for w in line if bisect_right(bounds, centre(w)) == k]
        xs = [(w["x0"], w["x1"]) for w in words]
        edges.append((min(x for x, _ in xs), max(x for _, x in xs)) if xs else (0.0, 0.0))
    return [
        (left, min(right, nxt[0]) if nxt[1] > nxt[0] else right)
        for (left, right), nxt in zip(edges, [*edges[1:], (0.0, 0.0)], strict=True)
    ]


def table_rows(
    body: list[list[Obj]], columns: Columns, bounds: list[float], height: float, page: int
) -> list[Block]:
    """The rows of a table without ruling.

    Each word goes to the column its centre falls in, so words spread apart in justified
    text stay in their cell. A row starts at a line whose number column holds an item
    number, or at a heading: a line across column borders that starts in the first column,
    is centred on the table or reads as a numbered section, or a numbered section all in
    the number column. Other lines go on the row above, each paragraph of a cell
    (`cell_text`) as one `\\n`-separated part; a line in lower case at a heading's left edge
    or centred on its axis goes on the heading. A «1 2 3 …» line of
    column numbers is a row of its own.
    """
    left = min(min(w["x0"] for line in body for w in line), columns.spans[0][0])
    right = max(max(w["x1"] for line in body for w in line), columns.spans[-1][1])
    blocks: list[Block] = []
    row: _Row | None = None
    edges = column_edges(body, bounds)

    def close() -> None:
        if row is None:
            return
        if row.words is None:
            cells = tuple(join_lines(lines, "\n") for lines in row.cells)
        else:
            cells = tuple(cell_text(w, *edge) for w, edge in zip(row.words, edges, strict=True))
        blocks.append(Block(cells=cells, page=page))

    for words in body:
        line = line_of(words)
        if row is not None and row.goes_on_heading(line, height):
            row.cells[0].append(line.text)
            row.heading = line
            continue
        placed: list[list[Obj]] = [[] for _ in range(len(bounds) + 1)]
        for word in words:
            placed[bisect_right(bounds, centre(word))].append(word)
        parts = [[w["text"] for w in cell] for cell in placed]
        number = " ".join(parts[columns.number])
        section = vocabulary.SECTION_HEADING.match(line.text)
        if any(_crosses(bounds, w) for w in words):
            centred = abs(line.x0 + line.x1 - left - right) / 2 < SETTINGS.centred * height
            heading = line.x0 < bounds[0] or centred or section
        else:  # a short numbered heading may fit in a wide number column
            heading = section and number == line.text and not vocabulary.ITEM_NUMBER.match(number)
        if heading:
            close()
            row = _Row([[line.text]], line)
            continue
        # a number OCR misread («5.З.») still starts its row
        item = vocabulary.is_item_number(number)
        if row is None or row.heading is not None or item:
            close()
            row = _Row([[] for _ in parts], words=[[] for _ in parts])
        cells_words = row.words or [[] for _ in parts]  # a row of cells always has them
        for cell, cell_words, part, on in zip(row.cells, cells_words, parts, placed, strict=True):
            if part:
                cell.append(" ".join(part))
                cell_words.extend(on)
        if vocabulary.is_column_number_row(tuple(" ".join(part) for part in parts)):
            close()  # «1 2 3 …» under the header is a row of its own
            row = None
    close()
    return blocks


def table_stop(body: list[list[Obj]], height: float) -> int:
    """How many of the lines below the header are the table: it ends at a wide gap, or
    before the closing quote that ends a quoted appendix («».» after the last row of an
    amending act's old wording); a line breaks before such a quote in no cell.
    """
    stop = next(
        (
            n
            for n in range(1, len(body))
            if gap(body[n - 1], body[n]) > SETTINGS.table_end_gap * height
        ),
        len(body),
    )
    while stop > 1 and _CLOSING_QUOTE.match(line_of(body[stop - 1]).text):
        stop -= 1
    return stop


def borderless_blocks(
    content: PageContent, columns: Columns | None
) -> tuple[list[Block], Columns] | None:
    """A page's blocks read as a table without ruling, and the columns to read the next
    page with; None if the page holds no such table.

    The table starts at a header that names the plan's columns; a page without one goes on
    the table of the page before if its lines fit that table's columns (most lines cross
    no column border). Text above the header is paragraphs, and so is text after the table.
    """
    height = line_height(content.words)
    lines = word_lines(content.words)
    header: list[Block] = []
    found = find_table_header(lines, height, columns.header if columns is not None else ())
    if found is not None:
        start, end, groups, number = found
        spans = tuple((min(w["x0"] for w in g), max(w["x1"] for w in g)) for g in groups)
        fresh = Columns(spans, header_texts(groups), number)
        columns = columns if columns is not None and fresh.same_header(columns) else fresh
        before, body = lines[:start], lines[end:]
        header = [Block(cells=fresh.header, page=content.number)]
    elif columns is not None:
        before, body = [], lines
    else:
        return None
    above, body, after = page_numbers_apart(body, found is None, content.width, height)
    before += above
    stop = table_stop(body, height)
    body, after = body[:stop], body[stop:] + after
    rows: list[Block] = []
    if body:
        bounds = column_bounds(columns.spans, body, height, columns.bounds)
        crossing = sum(1 for line in body if any(_crosses(bounds, w) for w in line))
        if found is None and crossing > SETTINGS.max_crossing_share * len(body):
            return None
        rows = table_rows(body, columns, bounds, height, content.number)
        columns = Columns(columns.spans, columns.header, columns.number, tuple(bounds))
    elif found is None:
        return None
    blocks = [b for _, b in paragraph_blocks([line_of(line) for line in before], content.number)]
    blocks += header + rows
    blocks += [b for _, b in paragraph_blocks([line_of(line) for line in after], content.number)]
    return blocks, columns
