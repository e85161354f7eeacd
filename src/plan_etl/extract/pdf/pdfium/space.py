"""Coordinates: pdfminer's device space of a page (its /Rotate turn) and pdfplumber's
(from the top of the page)."""

from __future__ import annotations

from dataclasses import dataclass

from pdfplumber.page import Page

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def page_ctm(page: Page) -> Matrix:
    """The matrix pdfminer puts before a page's content: its /Rotate turn and MediaBox
    origin (`PDFPageInterpreter.process_page`)."""
    x0, y0, x1, y1 = page.page_obj.mediabox
    rotation = page.rotation
    if rotation == 90:
        return (0, -1, 1, 0, -y0, x1)
    if rotation == 180:
        return (-1, 0, 0, -1, x1, y1)
    if rotation == 270:
        return (0, 1, -1, 0, y1, -x0)
    return (1, 0, 0, 1, -x0, -y0)


def multiply(m: Matrix, n: Matrix) -> Matrix:
    """The matrix `m` then `n` (pdfminer's `mult_matrix`)."""
    a1, b1, c1, d1, e1, f1 = m
    a0, b0, c0, d0, e0, f0 = n
    return (
        a0 * a1 + c0 * b1,
        b0 * a1 + d0 * b1,
        a0 * c1 + c0 * d1,
        b0 * c1 + d0 * d1,
        a0 * e1 + c0 * f1 + e0,
        b0 * e1 + d0 * f1 + f0,
    )


def apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


@dataclass(slots=True)
class Frame:
    """From pdfminer's device space of a page to pdfplumber's coordinates (from the top)."""

    ctm: Matrix
    x0: float
    top: float
    height: float

    @classmethod
    def of(cls, page: Page) -> Frame:
        return cls(page_ctm(page), float(page.mediabox[0]), float(page.mediabox[1]), page.height)

    def point(self, x: float, y: float) -> tuple[float, float]:
        """A PDF user-space point as pdfplumber's (x, top)."""
        return self.device_point(*apply(self.ctm, x, y))

    def device_point(self, x: float, y: float) -> tuple[float, float]:
        """A point of pdfminer's device space as pdfplumber's (x, top)."""
        return self.x0 + x, self.top + self.height - y
