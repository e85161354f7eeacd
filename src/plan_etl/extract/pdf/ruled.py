"""Ruled tables: pdfplumber's ruling grid, rebuilt so that merged cells keep their spans.

pdfplumber's table finder finds the cells between the rules (`Page.find_tables`, done
cheaper by `cells.find_tables`); we rebuild the grid of rows and columns from them
(`grid_of`), put each word into the cell its centre falls in (`place_words`), and read
each grid row as a block (`row_blocks`). A cell merged down several rows — there is no
rule between them in its column — gives its text to every row it covers; where such a
merge crosses a page break, the cell at the top of the next page continues it
(`continue_merges`): blank, it has the text printed above the break; holding the rest of
a sentence the break cut, the two parts are one text in every row they cover. Tables
drawn without their outer borders get them back first (`outer_borders`), and tables a
page break left open are closed (`closing_rules`).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from operator import itemgetter
from typing import TYPE_CHECKING

from pdfplumber.table import Table

from plan_etl import vocabulary
from plan_etl.extract.base import Block
from plan_etl.extract.pdf.cells import cluster_objects, merge_edges
from plan_etl.extract.pdf.lines import Obj, cell_text, lines_of, paragraph_blocks
from plan_etl.extract.pdf.settings import SETTINGS

if TYPE_CHECKING:
    from plan_etl.extract.pdf.page import PageContent

TOLERANCE = SETTINGS.tolerance
VERTICALLY_MERGED = "vertically merged cell"


def _clusters(edges: list[Obj], key: str) -> list[list[Obj]]:
    return cluster_objects(edges, key, TOLERANCE)


def ruling_line(x0: float, x1: float, top: float, bottom: float) -> Obj:
    """A ruling line as pdfplumber's explicit lines are given (and OCR's rules): vertical
    (x0 == x1) or horizontal (top == bottom)."""
    return {
        "object_type": "line",
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "width": x1 - x0,
        "height": bottom - top,
    }


def joined_rules(edges: list[Obj], orientation: str) -> list[Obj]:
    """The page's rules of one orientation ("h", "v"), a rule drawn piece by piece (cell by
    cell, as Word and browsers do) joined into one."""
    rules = [e for e in edges if e["orientation"] == orientation]
    return merge_edges(rules, TOLERANCE, TOLERANCE, TOLERANCE, TOLERANCE)


def outer_borders(horizontal: list[Obj], vertical: list[Obj]) -> list[Obj]:
    """Vertical lines at both ends of every run of horizontal rules that spans a table.

    Some tables are drawn without left and right borders (Samara): their row rules still
    run the table's full width, but pdfplumber closes cells only between vertical lines, so
    the first and last columns and every full-width section row would vanish. A run of two
    or more rules with the same ends, crossed by a vertical rule, is such a table; drawing
    its two ends back in restores them, and merely doubles the border of a table that has
    one (pdfplumber snaps the two together).
    """
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
                lines += [
                    ruling_line(x, x, top, bottom)
                    for x in (left, right)
                    if not _has_vertical(vertical, x, top, bottom)
                ]
    return lines


def closing_rules(vertical: list[Obj]) -> list[Obj]:
    """Horizontal rules along the top and the bottom end of a table's vertical rules.

    A browser (Chromium) draws no rule under a row that a page break cuts, nor under a
    merged cell that goes on on the next page: the table is left open there, pdfplumber
    closes no cell, and the words of the cut row would fall outside the table. Where two
    or more column rules (each joined from its cell-by-cell pieces) end at one height,
    the table ends there; a rule between them closes it, and merely doubles a rule that
    is drawn already.
    """
    lines = []
    for end in ("top", "bottom"):
        for run in _clusters(vertical, end):
            if len(run) > 1:
                y = sum(v[end] for v in run) / len(run)
                x0, x1 = min(v["x0"] for v in run), max(v["x0"] for v in run)
                lines.append(ruling_line(x0, x1, y, y))
    return lines


def _has_vertical(vertical: list[Obj], x: float, top: float, bottom: float) -> bool:
    """Whether a vertical rule already stands at `x` beside rules from `top` to `bottom`.

    Row rules broken off at an inner column border (beside a vertically merged cell) end
    where that column's rule stands; drawing a border there would cut the section rows
    merged across the whole table in two.
    """
    return any(
        abs(v["x0"] - x) <= TOLERANCE and v["top"] < bottom and v["bottom"] > top for v in vertical
    )


@dataclass(slots=True, eq=False)
class Cell:
    """A cell of the grid: its box, the grid row and column it starts in, its words."""

    bbox: tuple[float, float, float, float]
    row: int
    col: int
    rows: int = 1  # how many grid rows it spans
    words: list[Obj] = field(default_factory=list)
    # the text of the cell this one continues across a page break (a vertical merge)
    carried: str = ""
    # its words' text, made once: every row the cell spans and the header comparisons read
    # it, and all words are placed (`place_words`) before the first read
    printed: str | None = None

    def contains(self, x: float, y: float) -> bool:
        x0, top, x1, bottom = self.bbox
        return x0 <= x <= x1 and top <= y <= bottom

    def text(self) -> str:
        """The cell's paragraphs, one per `\\n`-separated part (`cell_text`); a blank cell
        that continues a merged cell from the page before has that cell's text."""
        if self.printed is None:
            self.printed = cell_text(self.words, self.bbox[0], self.bbox[2])
        return self.printed or self.carried


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
        row_end = bisect_left(tops, bottom - TOLERANCE)
        col_end = bisect_left(lefts, x1 - TOLERANCE)
        first = tops.index(top)
        cell = Cell((x0, top, x1, bottom), first, lefts.index(x0), rows=row_end - first)
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
        for grid in grids:
            cell = grid.cell_at(x, y)
            if cell is not None:
                cell.words.append(word)
                break
        else:
            free.append(word)
    return free


def row_texts(row: list[Cell | None], r: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The strings of grid row `r`, and a note for each vertically merged value repeated.

    A row that is one cell across the whole table (a section heading) is one string. Else
    a cell merged across columns gives its text to its first column and '' to the others,
    and a cell merged down several rows belongs to each of them: its text is repeated in
    every row it covers. A cell carried over from the page before gives nothing to the row
    it opens if that row goes on the previous page's last row (its first cell is blank):
    that row has the text already.
    """
    first = row[0]
    if first is not None and all(cell is first for cell in row):
        return (first.text(),), ()
    cut = first is not None and first.row == r and not first.words
    texts: list[str] = []
    notes: list[str] = []
    for c, cell in enumerate(row):
        if cell is None or cell.col != c or (cell.carried and cell.row == r and cut):
            texts.append("")
            continue
        text = cell.text()
        if text and (cell.row != r or cell.carried):
            joined = cell.row == r and cell.words  # its own words and the text above the break
            how = "joined over a page break" if joined else "copied from row above"
            notes.append(f"{VERTICALLY_MERGED} (column {c + 1}) {how}")
        texts.append(text)
    return tuple(texts), tuple(notes)


def row_blocks(grid: Grid, page: int) -> dict[int, Block]:
    """One block per non-empty grid row, one string per grid column, by grid row."""
    blocks = {}
    for r, row in enumerate(grid.owner):
        cells, notes = row_texts(row, r)
        if any(cells):
            blocks[r] = Block(cells=cells, page=page, notes=notes)
    return blocks


# --- vertical merges across a page break -------------------------------------------------------
#
# A cell merged down rows that a page break divides is printed once, at the top of its area on
# the first page; on the next page, below the repeated header, the rest of it is a blank cell.


@dataclass(slots=True)
class TableEnd:
    """What a page's last ruled table leaves for the next page: its leading rows (the header
    the next page repeats), the cells of its bottom row, those of them the page left open
    (no rule drawn under them: a merged cell that goes on), and the blocks read from its
    rows by grid row; `mended` is filled by the next page: the blocks to put in place of
    those rows' (by `id`) where a cell's text went on over the break (`join_over_break`)."""

    lead: list[tuple[tuple[int, str], ...]]
    bottom: list[Cell]
    open: list[Cell]
    rows: dict[int, Block] = field(default_factory=dict)
    mended: dict[int, Block] = field(default_factory=dict)


def row_key(grid: Grid, r: int) -> tuple[tuple[int, str], ...]:
    """The cells that start in grid row `r`, by column, with their text: two printings of
    one header row have the same key."""
    return tuple(
        (c, cell.text())
        for c, cell in enumerate(grid.owner[r])
        if cell is not None and cell.row == r and cell.col == c
    )


def table_end(grid: Grid, rules: list[Obj], rows: dict[int, Block]) -> TableEnd:
    """What the table `grid` leaves for the next page; `rules` are the page's horizontal
    rules as drawn, `rows` the blocks read from its rows."""
    lead = [row_key(grid, r) for r in range(min(SETTINGS.lead_rows, len(grid.owner)))]
    bottom = [c for c in dict.fromkeys(grid.owner[-1]) if c is not None]
    return TableEnd(lead, bottom, [c for c in bottom if not ruled_under(c, rules)], rows)


def ruled_under(cell: Cell, rules: list[Obj]) -> bool:
    """Whether a drawn rule runs along the whole bottom of `cell`."""
    x0, _, x1, bottom = cell.bbox
    return any(
        abs(r["top"] - bottom) <= TOLERANCE
        and r["x0"] <= x0 + TOLERANCE
        and r["x1"] >= x1 - TOLERANCE
        for r in rules
    )


def repeated_header_rows(grid: Grid, end: TableEnd) -> int:
    """How many of the grid's first rows repeat the leading rows of the page before."""
    n = 0
    while n < min(len(end.lead), len(grid.owner)) and row_key(grid, n) == end.lead[n]:
        n += 1
    return n


def continue_merges(grid: Grid, end: TableEnd) -> None:
    """Continue at the top of the table's body the cells that a vertical merge carries over
    the page break.

    The body's first row starts below the repeated header. Its cell continues the cell
    standing over the same columns at the bottom of the page before when that cell has
    text and the merge shows: either of the two spans several rows, or the page before
    left that cell open (a browser draws no rule under it). A blank cell then has the text
    printed above the break (Word prints a merged cell's text once, at the top of its
    area); a cell whose text goes on with the sentence the break cut (`vocabulary.
    reads_on`: «…области,» above, «органы …» below: a writer flowed the text on) in a row
    of its own (its number printed) joins it, in its own rows and in the rows above the
    break (`join_over_break`); a row cut by the break goes on the row above as a whole
    (`assemble`). A cell that is merely empty beside a closed one-row cell above is left
    empty, and one that starts a text of its own keeps it.
    """
    r = repeated_header_rows(grid, end)
    if r >= len(grid.owner):
        return
    first = grid.owner[r][0]
    opens_row = first is not None and bool(first.words)  # else the row goes on the one above
    for cell in dict.fromkeys(grid.owner[r]):
        if cell is None or cell.row != r:
            continue
        above = next((b for b in end.bottom if same_columns(b, cell)), None)
        if above is None or not above.text():
            continue
        if not (max(cell.rows, above.rows) > 1 or above in end.open):
            continue
        if not cell.words:
            cell.carried = above.text()
        elif opens_row and vocabulary.reads_on(above.text(), cell.text()):
            join_over_break(above, cell, end)


def join_over_break(above: Cell, cell: Cell, end: TableEnd) -> None:
    """Make `cell` and the cell `above` it on the page before one text: in `cell`, and in
    the rows `above` covers, whose blocks, already read, are mended (`end.mended`, each
    noted)."""
    joined = f"{above.text()} {cell.text()}"
    cell.printed, cell.carried = joined, above.text()  # a row that goes on the row above: cut
    note = f"{VERTICALLY_MERGED} (column {above.col + 1}) joined over a page break"  # as below
    for r in range(above.row, above.row + above.rows):
        read = end.rows.get(r)
        if read is None or read.cells is None or len(read.cells) <= above.col:
            continue
        block = end.mended.get(id(read), read)  # a row two cells of which went on
        cells = (*block.cells[: above.col], joined, *block.cells[above.col + 1 :])
        end.mended[id(read)] = replace(block, cells=cells, notes=(*block.notes, note))


def mend(blocks: list[Block], end: TableEnd | None) -> None:
    """Put in `blocks` the blocks the next page mended in the table `end` ended."""
    if end is None or not end.mended:
        return
    for i in range(len(blocks) - 1, -1, -1):  # the rows mended are the last page's
        blocks[i] = end.mended.get(id(blocks[i]), blocks[i])


def same_columns(a: Cell, b: Cell) -> bool:
    """Whether two cells (on two pages) stand over the same columns."""
    return abs(a.bbox[0] - b.bbox[0]) <= TOLERANCE and abs(a.bbox[2] - b.bbox[2]) <= TOLERANCE


def page_blocks(content: PageContent, end: TableEnd | None) -> tuple[list[Block], TableEnd | None]:
    """A page's table rows and paragraphs in reading order (top to bottom), and what its
    last ruled table leaves for the next page; `end` is what the page before left."""
    grids = sorted((grid_of(t) for t in content.tables), key=lambda g: g.bbox[1])
    free = place_words(grids, content.words)
    if grids and end is not None:
        continue_merges(grids[0], end)
    rows = [row_blocks(g, content.number) for g in grids]
    placed: list[tuple[float, list[Block]]] = [
        (g.bbox[1], list(blocks.values())) for g, blocks in zip(grids, rows, strict=True)
    ]
    placed += [(top, [block]) for top, block in paragraph_blocks(lines_of(free), content.number)]
    placed.sort(key=itemgetter(0))
    blocks = [block for _, blocks in placed for block in blocks]
    return blocks, table_end(grids[-1], content.rules, rows[-1]) if grids else None


def is_ruled_plan(table: Table) -> bool:
    """Whether the ruling drew a table of `min_columns` or more (a frame around text is a
    table of one column)."""
    return len({cell[0] for cell in table.cells}) >= SETTINGS.min_columns
