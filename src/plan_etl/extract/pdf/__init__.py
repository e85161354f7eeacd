"""PDF decrees with a text layer: ruled tables become rows, the text around them paragraphs.

Decrees reach us as PDFs that Word, LibreOffice or a browser made: a ruled plan table whose
header repeats on every page, rows that break across pages, cells of many lines, section
rows merged across the whole table, cells merged down several rows, sometimes a table drawn
without its outer borders or without any ruling. This reader turns each page into blocks in
reading order and knows nothing about plans: the assembler finds the header, drops its
repeats and joins the broken rows.

- `page`: one parse of a page gives its words and ruled tables;
- `ruled`: the ruling's grid, merged cells, merges that cross a page break;
- `cells`: pdfplumber's table finder, its steps done on numbers (the same cells, cheaper);
- `borderless`: on a page whose ruling gives no table of `min_columns`, the columns from
  where the header's words stand and rows from item numbers;
- `lines`: words into lines and paragraphs; `settings`: every geometric threshold;
- `pdfium`: a page's words and ruling read by PDFium as pdfplumber would give them.

Every page is parsed once (pdfminer's parse is nearly all of the cost): its words and its
ruling come from the same cached layout, and the cache is released before the next page so
memory stays bounded on long decrees. Pages are read by PDFium (`pdfium`), which gives the
words and ruling pdfplumber gives at a fraction of the cost, or with `--pdf-engine pdfplumber`
(and for a page PDFium cannot read as pdfplumber would) by pdfplumber through
`pdfchars.CharPage`, which makes a page about a third cheaper to read and gives pdfplumber's
own character dicts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import pdfplumber
import pypdfium2
from pdfminer.pdfdocument import PDFEncryptionError
from pdfplumber.utils.exceptions import PdfminerException

from plan_etl.extract.base import Block, ExtractError, Extractor, RawDocument, one_line
from plan_etl.extract.pdf.borderless import Columns, borderless_blocks
from plan_etl.extract.pdf.lines import join_cut_words, join_lines
from plan_etl.extract.pdf.page import PageContent, parse_page, pdfminer_errors
from plan_etl.extract.pdf.pdfium import PdfiumPages
from plan_etl.extract.pdf.pdfium.objects import prefetch_pages
from plan_etl.extract.pdf.ruled import (
    VERTICALLY_MERGED,
    TableEnd,
    is_ruled_plan,
    mend,
    page_blocks,
)
from plan_etl.extract.pdf_engine import PDFIUM, pdf_engine
from plan_etl.extract.pdfchars import CharPage
from plan_etl.normalize.text import LOWER_START

__all__ = [
    "VERTICALLY_MERGED",
    "PageContent",
    "PdfExtractor",
    "document_blocks",
    "open_pdf",
    "parse_page",
]

# pdfminer logs what it skips in a damaged file («Cannot set gray non-stroke color …»); with
# no handler configured Python prints such warnings on stderr, lines beside the run's own
# report. The file's verdict says what matters; an application that configures logging still
# gets them.
for _library in ("pdfminer", "pdfplumber"):
    logging.getLogger(_library).addHandler(logging.NullHandler())


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
    if head is not None and tail is not None and LOWER_START.match(tail):
        before[last] = Block(cells=(join_lines((head, tail), "\n"),), page=before[last].page)
        del page[first]


def document_blocks(contents: Iterable[PageContent]) -> tuple[list[Block], list[str], list[int]]:
    """The blocks of a document's parsed pages in reading order, the warnings about its
    pages, and the numbers of its pages without text.

    Only a page where the ruling gave no table of `min_columns` or more is read as a table
    without ruling (when it holds one), so ruled pages cost nothing more.
    """
    blocks: list[Block] = []
    warnings: list[str] = []
    textless: list[int] = []
    columns: Columns | None = None  # of a table without ruling, for the next page
    end: TableEnd | None = None  # of the last ruled table, for the next page
    for content in contents:
        if not content.words:
            if content.has_images:
                warnings.append(f"page {content.number} has no text layer (scanned image?)")
            textless.append(content.number)
            continue
        ruled = any(is_ruled_plan(t) for t in content.tables)
        borderless = None if ruled else borderless_blocks(content, columns)
        if borderless is None:
            (found, ended), columns = page_blocks(content, end), None
            mend(blocks, end)  # the rows above the break whose text went on on this page
            end = ended
        else:
            (found, columns), end = borderless, None
        join_split_heading(blocks, found, content.number)
        blocks += found
    return join_cut_words(blocks), warnings, textless


class PdfExtractor(Extractor):
    """Text-layer PDFs. Pages without text (a scan, or text drawn as outlines) are read by
    OCR (`extract/ocr.py`), which turns them into the same page contents as text pages."""

    suffixes = (".pdf",)

    def read(self, path: Path) -> RawDocument:
        try:
            engine = pdf_engine()
        except ValueError as exc:
            raise ExtractError(str(exc)) from exc
        pdf = open_pdf(path)
        reader = PdfiumPages(path) if engine == PDFIUM else None
        try:
            with pdfminer_errors("page tree"):
                if reader is not None:  # the page tree read fast, as the fonts are
                    prefetch_pages(pdf.doc, pdf.stream)
                pages = pdf.pages
            # pages are parsed one at a time as they are read, so memory stays bounded
            read = reader.content if reader is not None else plumber_content
            blocks, warnings, textless = document_blocks(read(page) for page in pages)
            if reader is not None:
                warnings = [*reader.warnings, *warnings]
            raw = RawDocument(blocks=blocks, page_count=len(pages), warnings=warnings)
            opened = reader.document if reader is not None else None
            if textless and (not blocks or draws_on(path, textless, opened)):  # read by OCR
                from plan_etl.extract.ocr import with_ocr  # its libraries load for scans only

                return with_ocr(path, raw, pages)
            return raw
        finally:
            if reader is not None:
                reader.close()
            close_quietly(pdf)


def draws_on(path: Path, numbers: list[int], document: pypdfium2.PdfDocument | None = None) -> bool:
    """Whether any of the pages `numbers` (pages without text) draws anything: an image, text
    drawn as outlines, a stray line, what OCR may read. A text decree's blank page (a back
    side, a page left for signatures) draws nothing, and is not worth loading OCR for (its
    libraries, a Tesseract probe and a second pass over every page cost a worker ≈ 0.2 s).
    Asked of `document` where PDFium has the file open already (its reader's)."""
    if document is not None:
        return _draws(document, numbers)
    try:
        pdf = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError:
        return True  # OCR opens it again and says what is wrong
    try:
        return _draws(pdf, numbers)
    finally:
        pdf.close()


def _draws(pdf: pypdfium2.PdfDocument, numbers: list[int]) -> bool:
    """A page PDFium cannot load (a broken page tree) counts as drawing: OCR is asked, and
    says what is wrong with it."""
    try:
        return any(next(pdf[n - 1].get_objects(max_depth=1), None) is not None for n in numbers)
    except pypdfium2.PdfiumError:
        return True


def plumber_content(page: pdfplumber.page.Page) -> PageContent:
    """A page's content as pdfplumber reads it (the reference engine)."""
    return parse_page(CharPage.of(page))


def close_quietly(pdf: pdfplumber.PDF) -> None:
    """Close a PDF without masking the result: pdfplumber's close() walks the page list
    again, which raises once more on a damaged page tree; the file itself is closed anyway."""
    try:
        pdf.close()
    except Exception:
        pdf.stream.close()
