"""PDF decrees with a text layer: ruled tables become rows, the text around them paragraphs.

Decrees reach us as PDFs that Word or LibreOffice made: a ruled plan table whose header
repeats on every page, rows that break across pages, cells of many lines, section rows
merged across the whole table, sometimes a table drawn without its outer borders. This
reader turns each page into blocks in reading order and knows nothing about plans: the
assembler finds the header, drops its repeats and joins the broken rows.

Some decrees print the plan without ruling (or with a frame and a rule or two): on a page
where the ruling gives no table of three columns, the columns are taken from where the
header's words stand and rows start at item numbers (see "tables without ruling" below).

Every page is parsed once (pdfminer's parse is nearly all of the cost): its words and its
ruling come from the same cached layout, and the cache is released before the next page so
memory stays bounded on long decrees. Pages are read through `pdfchars.CharPage`, which makes a
page about a third cheaper to read and gives pdfplumber's own character dicts.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import accumulate, pairwise
from math import ceil, floor
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError
from pdfplumber.page import Page
from pdfplumber.table import Table, merge_edges
from pdfplumber.utils import cluster_objects
from pdfplumber.utils.exceptions import PdfminerException

from plan_etl import vocabulary
from plan_etl.extract.base import Block, ExtractError, Extractor, RawDocument, one_line
from plan_etl.extract.pdfchars import CharPage

Obj = dict[str, Any]  # a pdfplumber object: word, edge, line

# Rules and words closer than this (pt) are one rule or one line; pdfplumber's own default.
TOLERANCE = 3.0
VERTICALLY_MERGED = "vertically merged cell"
_HYPHEN_END = re.compile(r"\w-$")
_LOWER_START = re.compile(r"^[а-яёa-z]")


class Line(NamedTuple):
    """One printed line of words, with its box."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float


def word_lines(words: list[Obj]) -> list[list[Obj]]:
    """Words grouped into printed lines, top to bottom, each line's words left to right."""
    groups = cluster_objects(words, itemgetter("top"), TOLERANCE)
    for group in groups:
        group.sort(key=itemgetter("x0"))
    return groups


def line_of(group: list[Obj]) -> Line:
    """The text and box of one printed line's words (left to right)."""
    return Line(
        " ".join(w["text"] for w in group),
        group[0]["x0"],
        max(w["x1"] for w in group),
        min(w["top"] for w in group),
        max(w["bottom"] for w in group),
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
    out = ""
    for line in lines:
        if out and _HYPHEN_END.search(out) and _LOWER_START.match(line):
            out += line
        else:
            out = f"{out}{sep}{line}" if out else line
    return out


# --- paragraphs outside tables -----------------------------------------------------------------


def continues_paragraph(prev: Line, line: Line, right: float) -> bool:
    """Whether `line` goes on the paragraph `prev` ends: it follows without a paragraph gap,
    and is not a first-line indent after a line that stopped short of the right margin
    (lines centred on one axis, as in a title, are one paragraph however long)."""
    height = prev.bottom - prev.top
    if line.top - prev.bottom > height / 2:
        return False
    indented = line.x0 > prev.x0 + height
    short = prev.x1 < right - height
    centred = abs(line.x0 + line.x1 - prev.x0 - prev.x1) / 2 < height
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


# --- ruled tables ------------------------------------------------------------------------------


def _clusters(edges: list[Obj], key: str) -> list[list[Obj]]:
    return cluster_objects(edges, itemgetter(key), TOLERANCE)


def _vertical_line(x: float, top: float, bottom: float) -> Obj:
    return {
        "object_type": "line",
        "x0": x,
        "x1": x,
        "top": top,
        "bottom": bottom,
        "width": 0.0,
        "height": bottom - top,
    }


def outer_borders(edges: list[Obj]) -> list[Obj]:
    """Vertical lines at both ends of every run of horizontal rules that spans a table.

    Some tables are drawn without left and right borders (Samara): their row rules still
    run the table's full width, but pdfplumber closes cells only between vertical lines, so
    the first and last columns and every full-width section row would vanish. A run of two
    or more rules with the same ends, crossed by a vertical rule, is such a table; drawing
    its two ends back in restores them, and merely doubles the border of a table that has
    one (pdfplumber snaps the two together).
    """
    horizontal = [e for e in edges if e["orientation"] == "h"]
    # a rule drawn cell by cell is one rule
    horizontal = merge_edges(horizontal, TOLERANCE, TOLERANCE, TOLERANCE, TOLERANCE)
    vertical = [e for e in edges if e["orientation"] == "v"]
    lines = []
    for by_start in _clusters(horizontal, "x0"):
        for run in _clusters(by_start, "x1"):
            left = min(e["x0"] for e in run)
            right = max(e["x1"] for e in run)
            top = min(e["top"] for e in run)
            bottom = max(e["top"] for e in run)
            crossed = any(
                left + TOLERANCE < v["x0"] < right - TOLERANCE
                and v["top"] < bottom
                and v["bottom"] > top
                for v in vertical
            )
            if len(run) > 1 and crossed:
                lines += [_vertical_line(left, top, bottom), _vertical_line(right, top, bottom)]
    return lines


@dataclass(slots=True, eq=False)
class Cell:
    """A cell of the grid: its box, the grid row and column it starts in, its words."""

    bbox: tuple[float, float, float, float]
    row: int
    col: int
    words: list[Obj] = field(default_factory=list)

    def contains(self, x: float, y: float) -> bool:
        x0, top, x1, bottom = self.bbox
        return x0 <= x <= x1 and top <= y <= bottom

    def text(self) -> str:
        """The cell's printed lines, one per `\\n`-separated part."""
        return join_lines((line.text for line in lines_of(self.words)), "\n")


@dataclass(slots=True)
class Grid:
    """One ruled table as a matrix: `owner[r][c]` is the cell covering grid row r and
    column c (a merged cell covers several), None where the ruling leaves a hole."""

    bbox: tuple[float, float, float, float]
    lefts: list[float]  # each column's left edge
    tops: list[float]  # each row's top edge
    owner: list[list[Cell | None]]

    def cell_at(self, x: float, y: float) -> Cell | None:
        row, col = bisect_right(self.tops, y) - 1, bisect_right(self.lefts, x) - 1
        if row < 0 or col < 0:
            return None
        cell = self.owner[row][col]
        return cell if cell is not None and cell.contains(x, y) else None


def grid_of(table: Table) -> Grid:
    """The grid of a pdfplumber table, with the row and column span of every cell.

    pdfplumber reports a position covered by a merged cell as None, whether the cell
    spans from the left (a section row) or from above (a vertically merged value); the
    spans tell the two apart.
    """
    lefts = sorted({c[0] for c in table.cells})
    tops = sorted({c[1] for c in table.cells})
    owner: list[list[Cell | None]] = [[None] * len(lefts) for _ in tops]
    for x0, top, x1, bottom in table.cells:
        cell = Cell((x0, top, x1, bottom), tops.index(top), lefts.index(x0))
        row_end = bisect_left(tops, bottom - TOLERANCE)
        col_end = bisect_left(lefts, x1 - TOLERANCE)
        for r in range(cell.row, row_end):
            for c in range(cell.col, col_end):
                owner[r][c] = cell
    return Grid(table.bbox, lefts, tops, owner)


def place_words(grids: list[Grid], words: list[Obj]) -> list[Obj]:
    """Put every word into the table cell its centre falls in; return the words outside
    every table."""
    free = []
    for word in words:
        x, y = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
        cell = next((c for g in grids if (c := g.cell_at(x, y)) is not None), None)
        if cell is None:
            free.append(word)
        else:
            cell.words.append(word)
    return free


def row_texts(row: list[Cell | None], r: int) -> tuple[tuple[str, ...], bool]:
    """The strings of grid row `r`, and whether a vertically merged value was repeated.

    A row that is one cell across the whole table (a section heading) is one string. Else
    a cell merged across columns gives its text to its first column and '' to the others,
    and a cell merged down several rows belongs to each of them: its text is repeated in
    every row it covers.
    """
    first = row[0]
    if first is not None and all(cell is first for cell in row):
        return (first.text(),), False
    texts: list[str] = []
    repeated = False
    for c, cell in enumerate(row):
        text = cell.text() if cell is not None and cell.col == c else ""
        repeated = repeated or bool(text and cell is not None and cell.row != r)
        texts.append(text)
    return tuple(texts), repeated


def row_blocks(grid: Grid, page: int) -> list[Block]:
    """One block per non-empty grid row, one string per grid column."""
    blocks = []
    for r, row in enumerate(grid.owner):
        cells, repeated = row_texts(row, r)
        if any(cells):
            notes = (VERTICALLY_MERGED,) if repeated else ()
            blocks.append(Block(cells=cells, page=page, notes=notes))
    return blocks


def spanning_text(block: Block) -> str | None:
    """The text of a row that is one cell across the whole table, else None."""
    return block.cells[0] if block.cells is not None and len(block.cells) == 1 else None


def join_split_heading(before: list[Block], page: list[Block], number: int) -> None:
    """Put a heading row that a page break cut in two back together, in place.

    The last row of page `number - 1`, if it is one cell across the table, may go on in
    the first such row of page `number` (below the repeated header), which then starts in
    lower case («учета»). Item rows cut this way are joined by the assembler, but a
    heading's tail alone would read as the continuation of the item above the heading, so
    the two halves are joined here.
    """
    last = next((i for i in range(len(before) - 1, -1, -1) if before[i].is_row), None)
    first = next((i for i, b in enumerate(page) if spanning_text(b) is not None), None)
    if last is None or first is None or before[last].page != number - 1:
        return
    head, tail = spanning_text(before[last]), spanning_text(page[first])
    if head is not None and tail is not None and _LOWER_START.match(tail):
        before[last] = Block(cells=(join_lines((head, tail), "\n"),), page=before[last].page)
        del page[first]


# --- pages -------------------------------------------------------------------------------------


@contextmanager
def pdfminer_errors(where: str) -> Iterator[None]:
    """Turn whatever pdfminer raises on a damaged file (it can be anything from a KeyError
    to a struct.error) into an `ExtractError` naming the place."""
    try:
        yield
    except Exception as exc:
        raise ExtractError(f"corrupt PDF ({where}): {one_line(exc)}") from exc


@dataclass(slots=True)
class PageContent:
    """What one page's single parse yields."""

    number: int
    words: list[Obj]
    tables: list[Table]
    has_images: bool
    width: float = 0.0


def parse_page(page: Page) -> PageContent:
    """Parse a page once for its words and ruled tables, then release its cached layout."""
    where = f"page {page.page_number}"
    try:
        with pdfminer_errors(where):
            words = page.extract_words()
            edges = page.edges if words else []
            has_images = bool(page.images)
        settings = {"explicit_vertical_lines": outer_borders(edges)}
        with pdfminer_errors(where):
            tables = page.find_tables(settings) if words else []
    finally:
        page.close()
    return PageContent(page.page_number, words, tables, has_images, float(page.width))


def paragraph_blocks(lines: list[Line], page: int) -> list[tuple[float, Block]]:
    """Lines outside tables as paragraph blocks, each with its top."""
    return [
        (para[0].top, Block(text=join_lines((line.text for line in para), " "), page=page))
        for para in paragraphs(lines)
    ]


def page_blocks(content: PageContent) -> list[Block]:
    """A page's table rows and paragraphs in reading order (top to bottom)."""
    grids = [grid_of(t) for t in content.tables]
    free = place_words(grids, content.words)
    placed: list[tuple[float, list[Block]]] = [
        (g.bbox[1], row_blocks(g, content.number)) for g in grids
    ]
    placed += [(top, [block]) for top, block in paragraph_blocks(lines_of(free), content.number)]
    placed.sort(key=itemgetter(0))
    return [block for _, blocks in placed for block in blocks]


# --- tables without ruling ---------------------------------------------------------------------
#
# Some decrees print the plan with no ruling at all (or a few horizontal rules): pdfplumber
# finds no table and the rows would come out as paragraphs. On such a page the header is
# found by its words, the columns by where those words stand, and rows by the number column.

# A header is looked for in windows of up to this many printed lines (cells of two or three
# lines, and one-line cells centred between them), and may then grow to HEADER_DEPTH lines
# by lines that fit under its cells.
HEADER_WINDOW = 3
HEADER_DEPTH = 5
# Words of one header cell stand closer than this many line heights (a space is about a
# quarter); cells stand farther apart, by their padding at least.
CELL_GAP = 0.4
# A gap of more than this many line heights ends the table on its page.
TABLE_END_GAP = 3.0
_GOES_ON = re.compile(r"^[(«\"]?[а-яёa-z]")  # a line that goes on the one above


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
            abs(a - b) < TOLERANCE for a, b in zip(edges, others, strict=True)
        )


def _centre(word: Obj) -> float:
    return (word["x0"] + word["x1"]) / 2


def _gap(upper: list[Obj], lower: list[Obj]) -> float:
    return min(w["top"] for w in lower) - max(w["bottom"] for w in upper)


def line_height(words: list[Obj]) -> float:
    heights = sorted(w["bottom"] - w["top"] for w in words)
    return heights[len(heights) // 2]


def cell_groups(words: list[Obj], gap: float) -> list[list[Obj]]:
    """A header band's words grouped into its cells, left to right: words one above the
    other (overlapping in x) or closer than `gap` side by side are one cell."""
    groups: list[list[Obj]] = []
    right = 0.0
    for word in sorted(words, key=itemgetter("x0")):
        if groups and word["x0"] < right + gap:
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
    groups = cell_groups(words, CELL_GAP * height)
    if len(groups) < 3:
        return None
    roles = vocabulary.header_roles(header_texts(groups))
    if roles is None or "number" not in roles or roles.count(None) > len(roles) // 3:
        return None
    named = [r for r in roles if r is not None]
    if len(set(named)) < len(named):
        return None
    return groups, roles.index("number")


def fit_under(groups: list[list[Obj]], line: list[Obj], height: float) -> list[int] | None:
    """The header cell each word of `line` stands under (its centre within a line height of
    the cell's words, nearest to them), or None if a word stands under none, or is an item
    number (the first row, or a «1 2 3 …» row of column numbers, has begun)."""
    spans = [(min(w["x0"] for w in g), max(w["x1"] for w in g)) for g in groups]
    under = []
    for word in line:
        if vocabulary.ITEM_NUMBER.match(word["text"]):
            return None
        x = _centre(word)
        away, cell = min((max(x0 - x, 0.0, x - x1), i) for i, (x0, x1) in enumerate(spans))
        if away > height:
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
        len(cell_groups(line, CELL_GAP * height)) > 1
        and vocabulary.header_role(line_of(line).text) is not None
        for line in lines
    ]
    for start in range(len(lines)):
        best: tuple[int, list[list[Obj]], int] | None = None
        for end in range(start + 1, min(start + HEADER_WINDOW, len(lines)) + 1):
            if end - start > 1 and _gap(lines[end - 2], lines[end - 1]) >= height:
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
        while end < min(start + HEADER_DEPTH, len(lines)):
            line = lines[end]
            if _gap(lines[end - 1], line) >= height or known == header_texts(groups):
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
    spans: tuple[tuple[float, float], ...], words: list[Obj], prior: tuple[float, ...] = ()
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
    starting on its right (left-aligned text); then the widest.
    """
    bounds = []
    for n, ((first, left), (right, last)) in enumerate(pairwise(spans)):
        before = prior[n] if len(prior) == len(spans) - 1 else None
        lo, hi = floor(first), ceil(last)
        a, b = ceil(left) - lo, floor(right) - lo  # the x strictly between the header words
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
                lined_up = sum(ends[run + d] + starts[x + d] for d in (-1, 0, 1))
                key = (held, lined_up, x - run, -abs(mid - (left + right) / 2))
                if best is None or key > best[0]:
                    best = (key, mid)
            run = None
        assert best is not None
        bounds.append(best[1])
    return bounds


def _crosses(bounds: list[float], word: Obj) -> bool:
    i = bisect_right(bounds, word["x0"] + 1)
    return i < len(bounds) and bounds[i] < word["x1"] - 1


def is_page_number(
    line: list[Obj], neighbour: list[Obj] | None, width: float, height: float
) -> bool:
    """A page number printed above or below a table: digits alone near the page's middle,
    a line height or more away from its neighbouring line."""
    middle = abs(line[0]["x0"] + line[-1]["x1"] - width) / 2 < width / 10
    apart = neighbour is None or max(_gap(line, neighbour), _gap(neighbour, line)) >= height
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

    def goes_on_heading(self, line: Line, height: float) -> bool:
        """Whether `line` goes on the heading this row is: it starts in lower case (or with
        a bracket), where the heading's last line starts or centred on the same axis."""
        last = self.heading
        if last is None or not _GOES_ON.match(line.text):
            return False
        return (
            abs(line.x0 - last.x0) < height
            or abs(line.x0 + line.x1 - last.x0 - last.x1) < 2 * height
        )


def table_rows(
    body: list[list[Obj]], columns: Columns, bounds: list[float], height: float, page: int
) -> list[Block]:
    """The rows of a table without ruling.

    Each word goes to the column its centre falls in, so words spread apart in justified
    text stay in their cell. A row starts at a line whose number column holds an item
    number, or at a heading: a line across column borders that starts in the first column,
    is centred on the table or reads as a numbered section, or a numbered section all in
    the number column. Other lines go on the row
    above, each line of a cell as one `\\n`-separated part; a line in lower case at a
    heading's left edge or centred on its axis goes on the heading. A «1 2 3 …» line of
    column numbers is a row of its own.
    """
    left = min(min(w["x0"] for line in body for w in line), columns.spans[0][0])
    right = max(max(w["x1"] for line in body for w in line), columns.spans[-1][1])
    blocks: list[Block] = []
    row: _Row | None = None

    def close() -> None:
        if row is None:
            return
        cells = (join_lines(lines, "\n") for lines in row.cells)
        blocks.append(Block(cells=tuple(cells), page=page))

    for words in body:
        line = line_of(words)
        if row is not None and row.goes_on_heading(line, height):
            row.cells[0].append(line.text)
            row.heading = line
            continue
        parts: list[list[str]] = [[] for _ in range(len(bounds) + 1)]
        for word in words:
            parts[bisect_right(bounds, _centre(word))].append(word["text"])
        number = " ".join(parts[columns.number])
        section = vocabulary.SECTION_HEADING.match(line.text)
        if any(_crosses(bounds, w) for w in words):
            centred = abs(line.x0 + line.x1 - left - right) / 2 < 2 * height
            heading = line.x0 < bounds[0] or centred or section
        else:  # a short numbered heading may fit in a wide number column
            heading = section and number == line.text and not vocabulary.ITEM_NUMBER.match(number)
        if heading:
            close()
            row = _Row([[line.text]], line)
            continue
        item = vocabulary.ITEM_NUMBER.match(number)
        if row is None or row.heading is not None or item:
            close()
            row = _Row([[] for _ in parts])
        for cell, part in zip(row.cells, parts, strict=True):
            if part:
                cell.append(" ".join(part))
        if vocabulary.is_column_number_row(tuple(" ".join(part) for part in parts)):
            close()  # «1 2 3 …» under the header is a row of its own
            row = None
    close()
    return blocks


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
    stop = next(
        (n for n in range(1, len(body)) if _gap(body[n - 1], body[n]) > TABLE_END_GAP * height),
        len(body),
    )
    body, after = body[:stop], body[stop:] + after
    rows: list[Block] = []
    if body:
        bounds = column_bounds(columns.spans, [w for line in body for w in line], columns.bounds)
        crossing = sum(1 for line in body if any(_crosses(bounds, w) for w in line))
        if found is None and crossing * 3 > len(body):
            return None
        rows = table_rows(body, columns, bounds, height, content.number)
        columns = Columns(columns.spans, columns.header, columns.number, tuple(bounds))
    elif found is None:
        return None
    blocks = [b for _, b in paragraph_blocks([line_of(line) for line in before], content.number)]
    blocks += header + rows
    blocks += [b for _, b in paragraph_blocks([line_of(line) for line in after], content.number)]
    return blocks, columns


# --- files -------------------------------------------------------------------------------------


def check_header(path: Path) -> None:
    """Refuse early, with a plain cause, what is not a PDF at all."""
    try:
        with path.open("rb") as f:
            head = f.read(1024)
    except OSError as exc:
        raise ExtractError(f"cannot read file: {exc.strerror or exc}") from exc
    if not head.strip():
        raise ExtractError("empty file")
    if b"%PDF-" not in head:
        raise ExtractError("not a PDF: no %PDF header")


def open_pdf(path: Path) -> pdfplumber.PDF:
    """Open a PDF; an encrypted or unreadable one raises `ExtractError`."""
    check_header(path)
    try:
        return pdfplumber.open(path)
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc
        if isinstance(cause, PDFEncryptionError):
            raise ExtractError("encrypted PDF: a password is needed to read it") from exc
        raise ExtractError(f"corrupt PDF: {one_line(cause)}") from exc


def is_ruled_plan(table: Table) -> bool:
    """Whether the ruling drew a table of three columns or more (a frame around text is a
    table of one column)."""
    return len({cell[0] for cell in table.cells}) >= 3


def document_blocks(contents: Iterable[PageContent]) -> tuple[list[Block], list[str], int]:
    """The blocks of a document's parsed pages in reading order, the warnings about its
    pages, and how many pages have text.

    Only a page where the ruling gave no table of three columns or more is read as a table
    without ruling (when it holds one), so ruled pages cost nothing more.
    """
    blocks: list[Block] = []
    warnings: list[str] = []
    text_pages = 0
    columns: Columns | None = None  # of a table without ruling, for the next page
    for content in contents:
        if not content.words:
            if content.has_images:
                warnings.append(f"page {content.number} has no text layer (scanned image?)")
            continue
        text_pages += 1
        ruled = any(is_ruled_plan(t) for t in content.tables)
        borderless = None if ruled else borderless_blocks(content, columns)
        if borderless is None:
            found, columns = page_blocks(content), None
        else:
            found, columns = borderless
        join_split_heading(blocks, found, content.number)
        blocks += found
    return blocks, warnings, text_pages


class PdfExtractor(Extractor):
    """Text-layer PDFs. Pages without text (a scan, or text drawn as outlines) are read by
    OCR (`extract/ocr.py`), which rebuilds them as text pages and reads them back here."""

    suffixes = (".pdf",)

    def read(self, path: Path) -> RawDocument:
        pdf = open_pdf(path)
        try:
            with pdfminer_errors("page tree"):
                pages = pdf.pages
            # pages are parsed one at a time as they are read, so memory stays bounded
            contents = (parse_page(CharPage.of(page)) for page in pages)
            blocks, warnings, text_pages = document_blocks(contents)
            raw = RawDocument(blocks=blocks, page_count=len(pages), warnings=warnings)
            if text_pages < len(pages):  # pages without a text layer: read them by OCR
                from plan_etl.extract.ocr import with_ocr  # its libraries load for scans only

                return with_ocr(path, raw)
            return raw
        finally:
            close_quietly(pdf)


def close_quietly(pdf: pdfplumber.PDF) -> None:
    """Close a PDF without masking the result: pdfplumber's close() walks the page list
    again, which raises once more on a damaged page tree; the file itself is closed anyway."""
    try:
        pdf.close()
    except Exception:
        pdf.stream.close()
