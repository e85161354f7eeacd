"""pdfminer's fonts of a document, matched to PDFium's by name: the descent and the widths
pdfminer gives a character, read from the font dictionaries without interpreting a page."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pdfminer.pdffont import PDFFont, PDFType3Font
from pdfminer.pdfinterp import PDFResourceManager
from pdfminer.pdftypes import PDFObjRef, dict_value, resolve1
from pdfminer.psparser import literal_name
from pdfplumber.page import Page
from pdfplumber.utils.text import LIGATURES


class Glyph(NamedTuple):
    """A glyph's width as pdfminer reads it and PDFium's shortfall from it (`shortfall`),
    in text space per unit of font size."""

    width: float
    short: float


class Unreadable(Exception):
    """A page PDFium's reading cannot give as pdfplumber would; the message says why."""


def subset_free(name: str) -> str:
    """A font name without its subset tag («BAAAAA+LiberationSerif» → «LiberationSerif»)."""
    tag, plus, rest = name.partition("+")
    return rest if plus and len(tag) == 6 and tag.isupper() else name


@dataclass(slots=True)
class Fonts:
    """pdfminer's fonts of a document, by name: the descent and kind pdfminer gives a
    character of each, read from the font dictionaries without interpreting any page."""

    manager: PDFResourceManager = field(default_factory=lambda: PDFResourceManager(caching=True))
    _seen: dict[int, dict[str, PDFFont | None]] = field(default_factory=dict)
    _widths: dict[int, dict[str, Glyph | None]] = field(default_factory=dict)

    def of_page(self, page: Page) -> dict[str, PDFFont | None]:
        """The page's fonts (its own and its forms'), by subset-free name; None where two
        fonts of one name differ in what a box needs (the page is then unreadable)."""
        key = id(page.page_obj)
        if key not in self._seen:
            fonts: dict[str, PDFFont | None] = {}
            self._collect(resolve1(page.page_obj.resources), fonts, set())
            self._seen[key] = fonts
        return self._seen[key]

    def alike(self, a: PDFFont, b: PDFFont) -> bool:
        """Whether two fonts of one name give a character the same box (PDFium names a
        character's font only by name; a Type3 font has none)."""
        return a is b or (
            type(a) is type(b)
            and a.get_descent() == b.get_descent()
            and self.widths(a) == self.widths(b)
        )

    def widths(self, font: PDFFont) -> dict[str, Glyph | None]:
        """The glyph of each text the font maps a code to (`glyph_widths`); None where codes
        of one text differ in width."""
        key = id(font)
        if key not in self._widths:
            self._widths[key] = glyph_widths(font)
        return self._widths[key]

    def _collect(self, resources: Any, fonts: dict[str, PDFFont | None], seen: set[int]) -> None:
        if not isinstance(resources, dict):
            return
        for spec in (resolve1(resources.get("Font")) or {}).values():
            objid = spec.objid if isinstance(spec, PDFObjRef) else None
            font = self.manager.get_font(objid, dict_value(spec))
            name = subset_free(str(getattr(font, "basefont", "") or ""))
            known = fonts.get(name, font)
            fonts[name] = font if known is not None and self.alike(known, font) else None
        for xobject in (resolve1(resources.get("XObject")) or {}).values():
            if isinstance(xobject, PDFObjRef) and xobject.objid in seen:
                continue
            if isinstance(xobject, PDFObjRef):
                seen.add(xobject.objid)
            stream = resolve1(xobject)
            attrs = getattr(stream, "attrs", {})
            if literal_name(attrs.get("Subtype")) == "Form":
                self._collect(resolve1(attrs.get("Resources")), fonts, seen)


def glyph_widths(font: PDFFont) -> dict[str, Glyph | None]:
    """What `Fonts.widths` gives: the font's codes as pdfminer maps them to text (its
    ToUnicode map, else its encoding), each text with the width of its codes and what
    PDFium's width falls short of it (`Glyph`); a ligature character's entry stands for
    the letters PDFium splits it into too."""
    unicode_map = getattr(font, "unicode_map", None)
    codes = unicode_map.cid2unichr if unicode_map is not None else getattr(font, "cid2unicode", {})
    exact = isinstance(font, PDFType3Font)  # PDFium keeps a Type3 font's widths as they are
    widths: dict[str, Glyph | None] = {}
    for cid, text in codes.items():
        width = font.char_width(cid)
        glyph = Glyph(width, 0.0 if exact else shortfall(width))
        widths[text] = glyph if widths.get(text, glyph) == glyph else None
    for ligature, letters in LIGATURES.items():
        if ligature in widths and letters not in widths:
            widths[letters] = widths[ligature]
    return widths


def shortfall(width: float) -> float:
    """What PDFium's width of a glyph falls short of pdfminer's `width` (text space, per
    unit of size): PDFium keeps a font's widths as whole thousandths, cut off, and places
    each next glyph of a text object by them, so its origins drift from pdfminer's by this
    much a glyph (0.007 pt a glyph at 9 pt, a fifth of a point along a line drawn by one Tj)."""
    units = round(width * 1000, 6)
    return (units - math.trunc(units)) / 1000
