"""Word documents (.docx): body paragraphs and table rows, in the order they stand.

python-docx opens the package, but its table API is not used: `row.cells` returns a merged
cell once per grid column it spans, `cell.text` leaves out tables nested in a cell, and the
repeating-header flag has no API at all. So rows are read from the WordprocessingML itself
(`w:tr`/`w:tc` with `w:gridSpan`, `w:vMerge`, `w:tblHeader`), which gives every row exactly
one cell per grid column and keeps each value in the column it stands in.

`page_count` is None: a DOCX has no pages until a word processor lays it out, and the
`<Pages>` count in docProps/app.xml is whatever the last program that saved the file wrote
(python-docx leaves its template's «1» in a 13-page decree), so it would be a wrong number
presented as a measured one.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import docx
from docx.document import Document
from docx.opc.exceptions import OpcError
from docx.oxml.exceptions import InvalidXmlError
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from lxml import etree
from lxml.etree import LxmlError

from plan_etl.extract.archive import check_zip
from plan_etl.extract.base import Block, ExtractError, Extractor, RawDocument, one_line

_P, _TBL, _TR, _TC = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
# Content controls and custom-XML tags wrap paragraphs, tables, rows or cells without
# changing the layout; their content is read as if the wrapper were not there.
_WRAPPERS = frozenset({qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")})
_OFF = frozenset({"0", "false", "off"})
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# What python-docx, zipfile, zlib and lxml raise on a damaged package.
_PACKAGE_ERRORS = (
    OpcError,
    InvalidXmlError,
    LxmlError,
    zipfile.BadZipFile,
    zlib.error,
    KeyError,
    ValueError,
    EOFError,
    OSError,
)


def content_children(element: BaseOxmlElement) -> Iterator[BaseOxmlElement]:
    """The children of `element`, looking through content-control and custom-XML wrappers."""
    for child in element.iterchildren():
        if child.tag in _WRAPPERS:
            yield from content_children(child)
        else:
            yield child


def paragraph_text(p: BaseOxmlElement) -> str:
    """The text of a paragraph, from every run it holds.

    python-docx's `Paragraph.text` reads only direct runs and hyperlinks, so it drops runs
    inside smart tags, simple fields, inline content controls and tracked insertions, which
    old Russian Word files put around dates and numbers. Text boxes anchored in the
    paragraph are left out: they are drawings, not the paragraph's text. Deleted text
    (`w:delText`) is not run text and stays out.
    """
    runs = p.xpath("./descendant::w:r[not(ancestor::w:txbxContent)]")
    return "".join(r.text for r in runs)


def _on(flag: BaseOxmlElement) -> bool:
    """An OOXML on/off element: present means on unless its `w:val` says off."""
    return (flag.get(qn("w:val")) or "true").lower() not in _OFF


def _int_attr(element: BaseOxmlElement, path: str, default: int) -> int:
    """A non-negative integer attribute at `path`, or `default` when absent or malformed."""
    values = element.xpath(path)
    try:
        return max(int(values[0]), 0) if values else default
    except ValueError:
        return default


def cell_paragraphs(tc: BaseOxmlElement) -> tuple[list[str], bool]:
    """The non-empty paragraphs of a cell, those of nested tables included in reading
    order, and whether there was a nested table."""
    paragraphs: list[str] = []
    nested = False
    for child in content_children(tc):
        if child.tag == _P:
            text = paragraph_text(child).strip()
            if text:
                paragraphs.append(text)
        elif child.tag == _TBL:
            nested = True
            for tr in _rows(child):
                for inner in _cells(tr):
                    paragraphs.extend(cell_paragraphs(inner)[0])
    return paragraphs, nested


def _rows(tbl: BaseOxmlElement) -> list[BaseOxmlElement]:
    return [c for c in content_children(tbl) if c.tag == _TR]


def _cells(tr: BaseOxmlElement) -> list[BaseOxmlElement]:
    return [c for c in content_children(tr) if c.tag == _TC]


def _span(tc: BaseOxmlElement) -> int:
    return max(_int_attr(tc, "./w:tcPr/w:gridSpan/@w:val", 1), 1)


def _vmerge(tc: BaseOxmlElement) -> str | None:
    """`restart`, `continue` or None: a vertical merge starts, goes on, or is absent."""
    flags = tc.xpath("./w:tcPr/w:vMerge")
    if not flags:
        return None
    return "restart" if flags[0].get(qn("w:val")) == "restart" else "continue"


def _grid_skips(tr: BaseOxmlElement) -> tuple[int, int]:
    """Grid columns a row leaves out before its first and after its last cell."""
    return (
        _int_attr(tr, "./w:trPr/w:gridBefore/@w:val", 0),
        _int_attr(tr, "./w:trPr/w:gridAfter/@w:val", 0),
    )


def is_header_row(tr: BaseOxmlElement) -> bool:
    """The row repeats at the top of each page (`w:trPr/w:tblHeader`)."""
    return any(_on(flag) for flag in tr.xpath("./w:trPr/w:tblHeader"))


def grid_width(tbl: BaseOxmlElement) -> int:
    """Grid columns of a table: its `w:tblGrid`, or its widest row when the grid is short."""
    declared = len(tbl.xpath("./w:tblGrid/w:gridCol"))
    widest = max(
        (sum(_grid_skips(tr)) + sum(_span(tc) for tc in _cells(tr)) for tr in _rows(tbl)),
        default=0,
    )
    return max(declared, widest)


def row_cells(
    tr: BaseOxmlElement, width: int, merges: dict[int, str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """One string per grid column, and notes on what was repaired.

    A cell spanning several columns has its text in the first of them and '' in the rest.
    A cell continuing a vertical merge gets the text the merge started with, since the
    value belongs to every row the merge covers; `merges` carries that text from row to
    row, keyed by grid column.
    """
    values: list[str] = [""] * _grid_skips(tr)[0]
    notes: list[str] = []
    for tc in _cells(tr):
        col, span = len(values), _span(tc)
        paragraphs, nested = cell_paragraphs(tc)
        text = "\n".join(paragraphs)
        if nested:
            notes.append(f"text of a table nested in column {col + 1} appended to the cell")
        merge = _vmerge(tc)
        if merge != "continue":
            for covered in range(col, col + span):
                merges.pop(covered, None)
        if merge == "restart":
            merges[col] = text
        elif merge == "continue" and merges.get(col):
            text = merges[col]
            notes.append(f"vertically merged cell (column {col + 1}) copied from row above")
        values += [text] + [""] * (span - 1)
    values += [""] * (width - len(values))
    return tuple(values), tuple(notes)


def frame_cell(tr: BaseOxmlElement) -> BaseOxmlElement | None:
    """The cell of a row that only frames a nested table (a layout table around the plan): the
    one cell with content, holding a table. Its content is read as body, table rows and all."""
    full = [tc for tc in _cells(tr) if cell_paragraphs(tc)[0]]
    if len(full) == 1 and any(child.tag == _TBL for child in content_children(full[0])):
        return full[0]
    return None


def table_blocks(tbl: BaseOxmlElement) -> list[Block]:
    """One block per row of a table, every row as wide as the table's grid."""
    width = grid_width(tbl)
    merges: dict[int, str] = {}
    blocks = []
    for tr in _rows(tbl):
        frame = frame_cell(tr)
        if frame is not None:
            blocks.extend(body_blocks(frame))
            continue
        cells, notes = row_cells(tr, width, merges)
        blocks.append(Block(cells=cells, header=is_header_row(tr), notes=notes))
    return blocks


def body_blocks(body: BaseOxmlElement) -> list[Block]:
    """The non-empty paragraphs and all tables' rows of the body (or of a frame cell), in
    document order."""
    blocks: list[Block] = []
    for child in content_children(body):
        if child.tag == _P:
            text = paragraph_text(child).strip()
            if text:
                blocks.append(Block(text=text))
        elif child.tag == _TBL:
            blocks.extend(table_blocks(child))
    return blocks


def check_signature(path: Path) -> None:
    """Name the common ways a file called .docx is not one, before python-docx gives a
    generic «package not found»."""
    try:
        with path.open("rb") as f:
            head = f.read(len(_OLE_MAGIC))
    except OSError as exc:
        raise ExtractError(f"cannot read file: {exc.strerror or exc}") from exc
    if not head:
        raise ExtractError("empty file")
    if head == _OLE_MAGIC:
        raise ExtractError(
            "not a DOCX: an OLE file (a legacy .doc or a password-protected document)"
        )
    if not zipfile.is_zipfile(path):
        raise ExtractError("not a DOCX: not a zip archive (truncated or another format)")


def open_document(path: Path) -> Document:
    """The python-docx document of `path`; `ExtractError` when it is not a readable one
    (or a zip bomb: its sizes are checked before python-docx unpacks a member)."""
    check_signature(path)
    check_zip(path)
    try:
        document = docx.Document(str(path))
    except _PACKAGE_ERRORS as exc:
        raise ExtractError(f"cannot read DOCX package: {one_line(exc)}") from exc
    if getattr(document.element, "body", None) is None:
        raise ExtractError("cannot read DOCX package: word/document.xml has no w:document body")
    return document


class DocxExtractor(Extractor):
    """Reads .docx files: every body paragraph and table row, the plan found later by words."""

    suffixes = (".docx",)

    def read(self, path: Path) -> RawDocument:
        body = open_document(path).element.body
        return RawDocument(blocks=body_blocks(body), page_count=None, warnings=entity_notes(body))


def entity_notes(body: BaseOxmlElement) -> list[str]:
    """A warning when the body holds XML entity references. Word writes none; python-docx
    leaves them unexpanded (an external one could read a local file), so the text they stand
    for is missing from the rows, and the document must say so rather than pass as `ok`."""
    count = sum(1 for _ in body.iter(etree.Entity))
    if not count:
        return []
    return [f"{count} XML entity reference(s) not expanded: text they stand for is missing"]
