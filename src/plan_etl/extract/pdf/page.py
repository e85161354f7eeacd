"""One page's single parse: its words and its ruled tables."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from pdfplumber.page import Page
from pdfplumber.table import Table

from plan_etl.extract.base import ExtractError, one_line
from plan_etl.extract.pdf.cells import find_tables
from plan_etl.extract.pdf.lines import Obj
from plan_etl.extract.pdf.ruled import closing_rules, joined_rules, outer_borders


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
    """What one page's single parse yields: words (dicts with text, x0, x1, top, bottom in
    points from the page's top left) and the ruled tables pdfplumber found."""

    number: int
    words: list[Obj]
    tables: list[Table]
    has_images: bool
    width: float = 0.0
    rules: list[Obj] = field(default_factory=list)  # the horizontal rules drawn, joined


@dataclass(frozen=True, slots=True)
class DrawnPage:
    """A page we know as words and ruling rather than as a PDF page (one read by OCR): the
    little of a pdfplumber page that its table finder reads with the "lines" strategies."""

    page_number: int
    edges: list[Obj]
    bbox: tuple[float, float, float, float]


def ruled_tables(page: Page | DrawnPage, edges: list[Obj]) -> tuple[list[Table], list[Obj]]:
    """The ruled tables of a page whose ruling is `edges` (pdfplumber edge dicts), with the
    outer borders and closing rules a table may lack put back; and the page's horizontal
    rules, joined, if it has a table (where a table that a page break cut ends)."""
    horizontal, vertical = joined_rules(edges, "h"), joined_rules(edges, "v")
    lines = outer_borders(horizontal, vertical), closing_rules(vertical)
    tables = find_tables(page, edges, *lines)  # what `Page.find_tables` does, cheaper
    return tables, horizontal if tables else []


def parse_page(page: Page) -> PageContent:
    """Parse a page once for its words and ruled tables, then release its cached layout."""
    where = f"page {page.page_number}"
    try:
        with pdfminer_errors(where):
            words = page.extract_words()
            edges = page.edges if words else []
            has_images = bool(page.images)
            tables, rules = ruled_tables(page, edges) if words else ([], [])
    finally:
        page.close()
    return PageContent(page.page_number, words, tables, has_images, float(page.width), rules)
