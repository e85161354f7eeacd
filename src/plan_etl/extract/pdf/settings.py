"""Every geometric judgement the PDF reader makes, in one place, each with why.

Distances are in points (pt) where the name says so, else in line heights (the median
height of a page's words), so that they hold for any font size; a fraction of the page
width is said so too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PdfSettings:
    """The knobs of both table finders and of paragraph building."""

    # --- shared ---------------------------------------------------------------------------
    # Rules and words closer than this (pt) are one rule or one line: pdfplumber's own
    # default, wide enough for a border drawn as a thin filled rectangle (its two edges)
    # and for words of one line set in fonts of different heights.
    tolerance: float = 3.0

    # --- paragraphs outside tables (line heights) ----------------------------------------
    # A vertical gap wider than this between two lines is a paragraph break (lines of one
    # paragraph stand about a fifth of a line apart, paragraphs get spacing).
    paragraph_gap: float = 0.5
    # A line starting this much right of the line above is a first-line indent; a line
    # ending this much short of the right margin ends a paragraph; two lines whose centres
    # differ by less than this are centred on one axis (a title).
    indent: float = 1.0

    # --- lines of a table cell (line heights) ------------------------------------------------
    # A word processor breaks a line inside a paragraph only where the next word does not
    # fit; a line after which the next line's first word (and a space, about a quarter of a
    # line height) would still have fitted ended its paragraph. A break is called a paragraph
    # end only with this much room to spare, so that measuring noise never splits a name.
    wrap_space: float = 0.25
    wrap_slack: float = 0.1
    # A word wider than its column is cut where the line ends, without a hyphen
    # («клиентоцентричнос» / «ти»): a line of one word that reaches the cell's right edge
    # within this many of its characters' mean width may be such a cut (`lines.cut_in_word`;
    # LibreOffice leaves a little more room on the right than on the left).
    cut_word_reach: float = 1.5

    # --- ruled tables ---------------------------------------------------------------------
    # A plan table has at least this many columns: a frame around text, or a letterhead of
    # two cells, is not one (ruled), nor two runs of words side by side (without ruling).
    min_columns: int = 3
    # A page repeats at most this many of the table's first rows as its header (the header,
    # a «1 2 3 4 5» row of column numbers, a header of two rows).
    lead_rows: int = 3

    # --- tables without ruling (line heights unless said) ---------------------------------
    # A header is looked for in windows of up to this many printed lines (cells of two or
    # three lines, and one-line cells centred between them) …
    header_window: int = 3
    # … and may then grow to this many lines by lines that fit under its cells.
    header_depth: int = 5
    # Words of one header cell stand closer than this (a space is about a quarter of a line
    # height); cells stand farther apart, by their padding at least.
    cell_gap: float = 0.4
    # A header may leave at most this share of its cells naming no known column.
    max_unnamed_share: float = 1 / 3
    # A gap of a line height or more ends a header (its lines stand close together); a word
    # whose centre is this far beside every header cell stands under none of them.
    header_gap: float = 1.0
    # A gap of more than this ends the table on its page (what follows is the signature).
    table_end_gap: float = 3.0
    # A line centred on the table to within this is a heading across it, and a lower-case
    # line centred to within this on a heading's axis goes on that heading.
    centred: float = 2.0
    # A word must reach this far (pt) over a column border to cross it: a justified line's
    # last letter may touch the border.
    crossing_slack: float = 1.0
    # Words lining up at a gutter's edge are counted this far (pt) either side of it.
    line_up_slack: int = 1
    # On a page without its own header, more than this share of lines crossing the column
    # borders of the page before means the table has ended (prose follows).
    max_crossing_share: float = 1 / 3
    # A page number stands within this share of the page width from the page's middle.
    page_number_centre: float = 0.1


SETTINGS = PdfSettings()
