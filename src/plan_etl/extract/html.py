"""Web pages (.html, .htm) as legal databases and regional portals save decrees: read natively.

An HTML table already says what the assembler needs: its rows (`tr`, header rows in
`thead`), cells spanning columns (`colspan`) and rows (`rowspan`), and paragraphs inside a
cell (`<p>`, `<div>`, `<br>`). Converting the page to DOCX first would only risk losing
some of that, so lxml parses it and this module lays every table out on its grid the way
the DOCX backend does: one string per grid column, a spanned column '' beside the cell's
text, and the text of a cell spanning rows repeated in every row it spans (it belongs to
each, like DOCX `vMerge`). Paragraphs outside tables keep their reading order: the decree's
heading, number, date and title stand there.

The bytes are decoded by a byte-order mark, else the page's own `<meta charset>`, else as
UTF-8 if they are valid UTF-8, else as windows-1251 (what Russian Windows tools and older
portals write). Scripts, styles and comments are not text. A table inside a table cell is
read into that cell (with a note), except inside a layout table — a page framed by a table
of one or two columns — which is looked through, so the tables it holds are read as tables.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html
from lxml.etree import LxmlError, ParserError, _Element

from plan_etl.extract.base import Block, ExtractError, Extractor, RawDocument, one_line
from plan_etl.extract.text import decode as decode_text
from plan_etl.extract.text import read_text

# Elements whose content is not the document's text (hidden ones neither, see `_hidden`).
_SKIPPED = frozenset({"script", "style", "noscript", "template", "head", "title", "object"})
# Elements that start and end a paragraph (everything else is inline and flows into one).
_BLOCK_TAGS = frozenset(
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
        "pre", "blockquote", "center", "address", "section", "article", "header", "footer",
        "main", "nav", "aside", "form", "fieldset", "figure", "figcaption", "caption", "hr",
    }
)  # fmt: skip
_CELL_TAGS = frozenset({"td", "th"})
# A table holding tables is page layout, not data, when it is this narrow: a frame around
# the page or a sidebar beside the content. A data table (a plan has 4-6 columns) is wider.
LAYOUT_MAX_COLUMNS = 2
# Spans are clamped to what the HTML standard allows (colspan ≤ 1000, rowspan ≤ 65534), so
# a malformed page cannot make a grid of millions of cells.
_MAX_COLSPAN, _MAX_ROWSPAN = 1000, 65534
_WHITESPACE = re.compile(r"[ \t\n\r\f]+")  # HTML's collapsible whitespace; NBSP is text
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CHARSET_SNIFF_BYTES = 4096  # browsers look for <meta charset> in the first 1024 bytes; be generous


def decode(data: bytes) -> str:
    """The page's text: by BOM, else its declared charset, else UTF-8 or windows-1251."""
    if not data.strip():
        raise ExtractError("empty file")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:  # the mark promises what the bytes do not keep
                raise ExtractError(f"byte-order mark says {encoding}, but: {exc.reason}") from exc
    declared = _META_CHARSET.search(data[:_CHARSET_SNIFF_BYTES])
    if declared:
        try:
            encoding = codecs.lookup(declared.group(1).decode("ascii")).name
            # a page whose <meta> could be read as ASCII is not UTF-16/32 (browsers agree)
            if not encoding.startswith(("utf-16", "utf-32")):
                return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            pass  # an unknown or wrong declaration: detect from the bytes instead
    return decode_text(data)


def _local_tag(element: _Element) -> str | None:
    """The lower-case tag of an element; None for comments and processing instructions."""
    tag = element.tag
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else None


@dataclass(slots=True)
class _Flow:
    """Paragraphs and table rows in reading order, from a walk over the element tree."""

    blocks: list[Block] = field(default_factory=list)
    _pieces: list[str] = field(default_factory=list)

    def text(self, text: str | None) -> None:
        if text:  # a newline in the source is whitespace; only <br> breaks a line
            self._pieces.append(_WHITESPACE.sub(" ", text))

    def line_break(self) -> None:
        self._pieces.append("\n")

    def end_paragraph(self) -> None:
        lines = (_WHITESPACE.sub(" ", line).strip() for line in "".join(self._pieces).split("\n"))
        text = "\n".join(line for line in lines if line)
        self._pieces.clear()
        if text:
            self.blocks.append(Block(text=text))


def _hidden(element: _Element) -> bool:
    """The element is not shown (`hidden`, `display: none`): a browser shows no text of it."""
    style = (element.get("style") or "").replace(" ", "").lower()
    return element.get("hidden") is not None or "display:none" in style


def _walk(element: _Element, flow: _Flow, in_cell: bool) -> None:
    """Feed `element`'s content (not its tail) to `flow`."""
    flow.text(element.text)
    for child in element:
        tag = _local_tag(child)
        if tag is None or tag in _SKIPPED or _hidden(child):
            pass
        elif tag == "br":
            flow.line_break()
        elif tag == "table":
            flow.end_paragraph()
            _table(child, flow, in_cell)
        elif tag in _BLOCK_TAGS or tag in _CELL_TAGS:
            flow.end_paragraph()
            _walk(child, flow, in_cell)
            flow.end_paragraph()
        else:
            _walk(child, flow, in_cell)
        flow.text(child.tail)


def _rows(table: _Element) -> Iterator[tuple[_Element, bool]]:
    """The table's own rows with whether each is a header row: `thead` first, `tfoot` last,
    as a browser shows them; rows of tables nested in cells are not this table's."""
    groups: dict[str, list[_Element]] = {"thead": [], "body": [], "tfoot": []}
    for child in table:
        tag = _local_tag(child)
        if tag == "tr":
            groups["body"].append(child)
        elif tag in ("thead", "tbody", "tfoot"):
            rows = [tr for tr in child if _local_tag(tr) == "tr"]
            groups["body" if tag == "tbody" else tag].extend(rows)
    for name in ("thead", "body", "tfoot"):
        for tr in groups[name]:
            yield tr, name == "thead"


def _cells(tr: _Element) -> list[_Element]:
    return [c for c in tr if _local_tag(c) in _CELL_TAGS]


def _span(cell: _Element, name: str, limit: int) -> int:
    """A cell's `colspan`/`rowspan`: 1 when absent or malformed (as browsers read it)."""
    match = re.match(r"\s*(\d+)", cell.get(name) or "")
    return min(max(int(match.group(1)), 1), limit) if match else 1


def _is_layout(table: _Element) -> bool:
    """A narrow table that holds tables: it frames the page rather than holding data."""
    narrow = all(len(_cells(tr)) <= LAYOUT_MAX_COLUMNS for tr, _ in _rows(table))
    return narrow and any(
        _local_tag(inner) == "table" for cell in table.iter("td", "th") for inner in cell.iter()
    )


def cell_text(cell: _Element) -> tuple[str, bool]:
    """A cell's paragraphs joined by newlines (`<p>`, `<div>`, `<br>` end one), and whether
    it held a nested table, whose text is then part of the cell's, in reading order."""
    flow = _Flow()
    _walk(cell, flow, in_cell=True)
    flow.end_paragraph()
    nested = any(_local_tag(e) == "table" for e in cell.iterdescendants())
    return "\n".join(b.text for b in flow.blocks if b.text), nested


@dataclass(slots=True)
class _Pending:
    """A cell spanning rows: its text and how many more rows it covers."""

    text: str
    rows_left: int
    width: int


def _grid_row(cells: list[_Element], pending: dict[int, _Pending]) -> tuple[list[str], list[str]]:
    """One string per grid column, for a row whose columns `pending` cells (spanning rows
    from above) already occupy; `pending` is updated for the rows below."""
    values: list[str] = []
    notes: list[str] = []
    queue = list(cells)
    col = 0
    while queue or any(c >= col for c in pending):
        if col in pending:
            span = pending[col]
            values += [span.text] + [""] * (span.width - 1)
            if span.text:
                notes.append(f"vertically merged cell (column {col + 1}) copied from row above")
            span.rows_left -= 1
            if span.rows_left == 0:
                del pending[col]
            col += span.width
            continue
        if not queue:
            values.append("")
            col += 1
            continue
        cell = queue.pop(0)
        text, nested = cell_text(cell)
        if nested:
            notes.append(f"text of a table nested in column {col + 1} appended to the cell")
        width = _span(cell, "colspan", _MAX_COLSPAN)
        rows = _span(cell, "rowspan", _MAX_ROWSPAN)
        if rows > 1:
            pending[col] = _Pending(text, rows - 1, width)
        values += [text] + [""] * (width - 1)
        col += width
    return values, notes


def table_blocks(table: _Element) -> list[Block]:
    """One block per row, every row as wide as the table's widest."""
    pending: dict[int, _Pending] = {}
    laid_out = []
    for tr, header in _rows(table):
        values, notes = _grid_row(_cells(tr), pending)
        laid_out.append((values, notes, header))
    width = max((len(values) for values, _, _ in laid_out), default=0)
    return [
        Block(cells=tuple(values + [""] * (width - len(values))), header=header, notes=tuple(notes))
        for values, notes, header in laid_out
    ]


def _table(table: _Element, flow: _Flow, in_cell: bool) -> None:
    """A table met in the flow. Inside a cell its cells' paragraphs join the cell's text in
    reading order (as the DOCX backend reads a nested table); a layout table is looked
    through; any other table gives one row block per row."""
    if in_cell or _is_layout(table):
        for tr, _ in _rows(table):
            for cell in _cells(tr):
                _walk(cell, flow, in_cell)
                flow.end_paragraph()
    else:
        flow.blocks.extend(table_blocks(table))


def page_blocks(html: str) -> list[Block]:
    """The page body's paragraphs and table rows, in reading order."""
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8"), parser=parser)
    except (ParserError, LxmlError, ValueError) as exc:
        raise ExtractError(f"cannot parse HTML: {one_line(exc)}") from exc
    body = root.find("body")
    flow = _Flow()
    _walk(root if body is None else body, flow, in_cell=False)
    flow.end_paragraph()
    return flow.blocks


class HtmlExtractor(Extractor):
    """Reads .html and .htm pages: their tables natively, the paragraphs around them."""

    suffixes = (".html", ".htm")

    def read(self, path: Path) -> RawDocument:
        # text whose UTF-8 was once read as windows-1251 is repaired like a text dump's
        text, warnings = read_text(path, decode)
        return RawDocument(blocks=page_blocks(text), page_count=None, warnings=warnings)
