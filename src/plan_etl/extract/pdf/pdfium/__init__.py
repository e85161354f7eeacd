"""Pages read by PDFium: the words and ruling pdfplumber gives, without pdfminer's interpreter.

pdfminer interpreting a page's content stream in Python was nearly all of a text page's cost;
PDFium (pypdfium2) has already interpreted it in C. This package reads from PDFium what
`page.parse_page` reads from pdfplumber — every character's box, the page's path objects as
ruling edges, whether it has images — and builds the same `PageContent`, so one table code
path serves both engines (and OCR). pdfplumber is the reference: `tests/test_pdfium.py` reads
every labelled PDF both ways and requires the same blocks.

Where the two libraries model a page differently, pdfplumber's model is rebuilt:

- a character's box is pdfminer's: from its origin, advance and the font size, with the
  font's widths and descent as pdfminer reads them (PDFium cuts widths to whole thousandths,
  and replaces a /Descent of 0 by the font program's); the fonts come from pdfminer's own
  font objects, which cost no content interpretation. PDFium places each next glyph of a
  text object by its cut widths: the origins are moved back by what that cut off;
- coordinates are turned by the page's /Rotate as pdfminer turns them, measured from the top;
- PDFium's text page leaves out a text object that draws only a space glyph, and generates
  spaces and line breaks of its own: the generated ones are dropped and the space objects
  put back, so words split where pdfplumber splits them; a ligature PDFium splits into its
  letters is one glyph again, and a hyphen it marks as a line end a hyphen again;
- paths become lines, rectangles and curves by pdfminer's rules (`paint_path`), and those
  become edges as pdfplumber makes them.

A page this cannot read as pdfplumber would — a character without Unicode (a broken font
map), a vertical font, a font pdfminer does not know by the name PDFium gives, a line-end
hyphen in a font that has both a hyphen and a soft hyphen — raises `Unreadable`, and
`PdfiumPages` reads that page with pdfplumber instead, with a warning.

- `fonts`: pdfminer's fonts, matched to PDFium's by name (descent, widths), built fast:
  `tounicode` reads a plain ToUnicode map, `objects` a plain object (and the page tree) as
  pdfminer would, both over `pstokens`, pdfminer's tokens for the plain syntax;
- `space`: pdfminer's device space (the /Rotate turn) and pdfplumber's coordinates;
- `calls`: the PDFium functions called once a character or path segment, through cffi;
- `chars`: characters from PDFium's text page as arrays (`PageChars`), and pdfplumber's
  words of them, by the same float operations in the same order as pdfminer's loop;
- `drawing`: path objects as pdfminer paints them and the edges pdfplumber makes of them.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
from pdfplumber.page import Page

from plan_etl.extract.base import one_line
from plan_etl.extract.pdf.page import DrawnPage, PageContent, parse_page, ruled_tables
from plan_etl.extract.pdf.pdfium.chars import page_chars, words_of
from plan_etl.extract.pdf.pdfium.drawing import Drawing, draw, page_objects
from plan_etl.extract.pdf.pdfium.fonts import Fonts, Unreadable
from plan_etl.extract.pdf.pdfium.space import Frame
from plan_etl.extract.pdfchars import CharPage

__all__ = ["Fonts", "PdfiumPages", "Unreadable", "page_objects", "read_page"]


def read_page(document: pdfium.PdfDocument, page: Page, fonts: Fonts) -> PageContent:
    """The content of pdfplumber's `page` as PDFium reads it: what `parse_page(page)` gives.
    Raises `Unreadable` where it could not be the same."""
    frame = Frame.of(page)
    handle = document[page.page_number - 1]
    try:
        textpage = handle.get_textpage()
        try:
            drawing = Drawing()
            draw(page_objects(handle.raw), frame.ctm, drawing, frame)
            chars = page_chars(textpage.raw, fonts, page, frame, drawing)
            words = words_of(chars, float(page.initial_doctop))
        finally:
            textpage.close()
    finally:
        handle.close()
    edges = drawing.edges() if words else []
    drawn = DrawnPage(page.page_number, edges, page.bbox)
    tables, rules = ruled_tables(drawn, edges) if words else ([], [])
    return PageContent(
        page.page_number, words, tables, drawing.has_images, float(page.width), rules
    )


class PdfiumPages:
    """A document's pages read by PDFium, each page it cannot read as pdfplumber would read
    by pdfplumber instead, with a warning saying so (`warnings`)."""

    def __init__(self, path: Path) -> None:
        self.warnings: list[str] = []
        self.fonts = Fonts()
        self.document: pdfium.PdfDocument | None = None
        try:
            self.document = pdfium.PdfDocument(path)
        except pdfium.PdfiumError as exc:
            self.warnings.append(
                f"read by pdfplumber: PDFium cannot open the file ({one_line(exc)})"
            )

    def content(self, page: Page) -> PageContent:
        """The page's content: PDFium's reading, else pdfplumber's."""
        if self.document is not None:
            try:
                return read_page(self.document, page, self.fonts)
            except Unreadable as exc:
                reason = str(exc)
            except Exception as exc:  # a damaged page or font: pdfplumber says what it is
                reason = f"failed ({one_line(exc)})"
            self.warnings.append(f"page {page.page_number} read by pdfplumber: PDFium {reason}")
        return parse_page(CharPage.of(page))

    def close(self) -> None:
        if self.document is not None:
            self.document.close()
