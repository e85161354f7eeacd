"""PDF decrees with a text layer: ruled tables become rows, the text around them paragraphs.

Decrees reach us as PDFs that Word or LibreOffice made: a ruled plan table whose header
repeats on every page, rows that break across pages, cells of many lines, section rows
merged across the whole table, sometimes a table drawn without its outer borders. This
reader turns each page into blocks in reading order and knows nothing about plans: the
assembler finds the header, drops its repeats and joins the broken rows.

Every page is parsed once (pdfminer's parse is nearly all of the cost): its words and its
ruling come from the same cached layout, and the cache is released before the next page so
memory stays bounded on long decrees.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError
from pdfplumber.page import Page
from pdfplumber.table import Table, merge_edges
from pdfplumber.utils import cluster_objects
from pdfplumber.utils.exceptions import PdfminerException

from plan_etl.extract.base import Block, ExtractError, Extractor, RawDocument

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


def lines_of(words: list[Obj]) -> list[Line]:
    """Words grouped into printed lines, top to bottom, each line read left to right."""
    lines = []
    for group in cluster_objects(words, itemgetter("top"), TOLERANCE):
        group.sort(key=itemgetter("x0"))
        lines.append(
            Line(
                " ".join(w["text"] for w in group),
                group[0]["x0"],
                max(w["x1"] for w in group),
                min(w["top"] for w in group),
                max(w["bottom"] for w in group),
            )
        )
    return lines


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


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())


@contextmanager
def pdfminer_errors(where: str) -> Iterator[None]:
    """Turn whatever pdfminer raises on a damaged file (it can be anything from a KeyError
    to a struct.error) into an `ExtractError` naming the place."""
    try:
        yield
    except Exception as exc:
        raise ExtractError(f"corrupt PDF ({where}): {_one_line(exc)}") from exc


@dataclass(slots=True)
class PageContent:
    """What one page's single parse yields."""

    number: int
    words: list[Obj]
    tables: list[Table]
    has_images: bool


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
    return PageContent(page.page_number, words, tables, has_images)


def page_blocks(content: PageContent) -> list[Block]:
    """A page's table rows and paragraphs in reading order (top to bottom)."""
    grids = [grid_of(t) for t in content.tables]
    free = place_words(grids, content.words)
    placed: list[tuple[float, list[Block]]] = [
        (g.bbox[1], row_blocks(g, content.number)) for g in grids
    ]
    for para in paragraphs(lines_of(free)):
        text = join_lines((line.text for line in para), " ")
        placed.append((para[0].top, [Block(text=text, page=content.number)]))
    placed.sort(key=itemgetter(0))
    return [block for _, blocks in placed for block in blocks]


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
        raise ExtractError(f"corrupt PDF: {_one_line(cause)}") from exc


class PdfExtractor(Extractor):
    """Text-layer PDFs. A page without text (a scan) is skipped with a warning; a PDF with
    no text on any page (scanned, or its text drawn as outlines) needs OCR, which this
    reader does not do."""

    suffixes = (".pdf",)

    def read(self, path: Path) -> RawDocument:
        blocks: list[Block] = []
        warnings: list[str] = []
        with open_pdf(path) as pdf:
            with pdfminer_errors("page tree"):
                pages = pdf.pages
            text_pages = 0
            for page in pages:
                content = parse_page(page)
                if content.words:
                    text_pages += 1
                    found = page_blocks(content)
                    join_split_heading(blocks, found, content.number)
                    blocks += found
                elif content.has_images:
                    warnings.append(f"page {content.number} has no text layer (scanned image?)")
            if not text_pages:
                raise ExtractError("no text layer: scanned PDF needs OCR")
            return RawDocument(blocks=blocks, page_count=len(pages), warnings=warnings)
