"""pdfminer's fonts of a document, matched to PDFium's by name: the descent and the widths
pdfminer gives a character, read from the font dictionaries without interpreting a page.

The fonts are pdfminer's own objects, built by pdfminer; what made building them slow is
read fast where it is plain, with pdfminer's results: the font dictionaries (`objects`) and
the ToUnicode maps (`tounicode`), and the widths looked up without pdfminer's exception for
a missing one (`char_width`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, BinaryIO, NamedTuple

from pdfminer import settings
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdffont import PDFFont, PDFType3Font
from pdfminer.pdfinterp import PDFResourceManager
from pdfminer.pdftypes import PDFObjRef, PDFStream, dict_value, resolve1
from pdfminer.psparser import literal_name
from pdfplumber.page import Page
from pdfplumber.utils.text import LIGATURES

from plan_etl.extract.pdf.pdfium.objects import prefetch
from plan_etl.extract.pdf.pdfium.tounicode import FileUnicodeMap, read_tounicode


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
    _fonts: dict[int, PDFFont] = field(default_factory=dict)  # by font object
    _seen: dict[int, dict[str, PDFFont | None]] = field(default_factory=dict)
    _widths: dict[int, dict[str, Glyph | None]] = field(default_factory=dict)
    _file: tuple[PDFDocument, BinaryIO] | None = None  # the document being read, and its file

    def of_page(self, page: Page) -> dict[str, PDFFont | None]:
        """The page's fonts (its own and its forms'), by subset-free name; None where two
        fonts of one name differ in what a box needs (the page is then unreadable)."""
        key = id(page.page_obj)
        if key not in self._seen:
            self._file = (page.page_obj.doc, page.pdf.stream)
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

    def font(self, spec: Any) -> PDFFont:
        """The font of the dictionary `spec` (or reference to it) as `PDFResourceManager`
        makes it, once a font object: its objects read fast into pdfminer's cache first
        (`prefetch`), its ToUnicode map read fast (`make_font`)."""
        objid = spec.objid if isinstance(spec, PDFObjRef) else None
        font = self._fonts.get(objid) if objid else None
        if font is None:
            if self._file is not None:
                prefetch(*self._file, spec)
                unicode = dict_value(spec).get("ToUnicode")  # a stream: read when asked to
                prefetch(*self._file, unicode, 0, streams=True)
            font = make_font(self.manager, dict_value(spec))
            if objid:
                self._fonts[objid] = font
        return font

    def _collect(self, resources: Any, fonts: dict[str, PDFFont | None], seen: set[int]) -> None:
        if not isinstance(resources, dict):
            return
        if self._file is not None:
            prefetch(*self._file, resources.get("Font"), 0)
        for spec in (resolve1(resources.get("Font")) or {}).values():
            font = self.font(spec)
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


def make_font(manager: PDFResourceManager, spec: dict[str, Any]) -> PDFFont:
    """`manager.get_font(None, spec)`. Where the font's ToUnicode map is a plain stream
    (`plain_tounicode`), pdfminer is handed an empty one instead, which takes it down the
    same path through the font, and the font is given the map read fast."""
    unicode_map = plain_tounicode(spec)
    if unicode_map is None:
        return manager.get_font(None, spec)
    font = manager.get_font(None, {**spec, "ToUnicode": PDFStream({}, b"")})
    font.unicode_map = unicode_map  # type: ignore[attr-defined]
    return font


def plain_tounicode(spec: dict[str, Any]) -> FileUnicodeMap | None:
    """The font's ToUnicode map as pdfminer would read it (`read_tounicode`), or None
    where pdfminer should read it itself: no stream, a stream it cannot decode or one not
    plain, a CID font met directly (pdfminer does not resolve its ToUnicode reference), or
    pdfminer's strict mode."""
    if "ToUnicode" not in spec or settings.STRICT:
        return None
    if literal_name(spec.get("Subtype")) in ("CIDFontType0", "CIDFontType2"):
        return None
    stream = resolve1(spec["ToUnicode"])
    if not isinstance(stream, PDFStream):
        return None
    try:
        data = stream.get_data()
    except Exception:  # pdfminer's own reading says what is wrong with the stream
        return None
    return read_tounicode(data)


def glyph_widths(font: PDFFont) -> dict[str, Glyph | None]:
    """What `Fonts.widths` gives: the font's codes as pdfminer maps them to text (its
    ToUnicode map, else its encoding), each text with the width of its codes and what
    PDFium's width falls short of it (`Glyph`); a ligature character's entry stands for
    the letters PDFium splits it into too."""
    unicode_map = getattr(font, "unicode_map", None)
    codes = unicode_map.cid2unichr if unicode_map is not None else getattr(font, "cid2unicode", {})
    exact = isinstance(font, PDFType3Font)  # PDFium keeps a Type3 font's widths as they are
    widths: dict[str, Glyph | None] = {}
    made: dict[float, Glyph] = {}  # by width: a font has far fewer widths than codes
    table, scale = font.widths, font.hscale
    for cid, text in codes.items():
        found = table.get(cid)
        if type(found) is float or type(found) is int:  # `char_width`'s first case, inline
            width = float(found) * scale
        else:
            width = char_width(font, cid, text)
        glyph = made.get(width) if width else None  # 0.0 and -0.0 are equal keys
        if glyph is None:
            glyph = made[width] = Glyph(width, 0.0 if exact else shortfall(width))
        widths[text] = glyph if widths.get(text, glyph) == glyph else None
    for ligature, letters in LIGATURES.items():
        if ligature in widths and letters not in widths:
            widths[letters] = widths[ligature]
    return widths


def char_width(font: PDFFont, cid: int, text: str) -> float:
    """`font.char_width(cid)` of a code the font maps to `text`, without its cost where a
    width is a plain number or missing: pdfminer looks the width up by code, then by the
    code's text (`to_unichr`, which gives `text` for a code of the map `glyph_widths`
    reads), else takes the default width; converting a missing width raises and catches
    an exception each time, which made a standard font's widths slow."""
    found = font.widths.get(cid)
    if found is None:
        found = font.widths.get(text)
        if found is None:
            return font.default_width * font.hscale
    if type(found) is float or type(found) is int:
        return float(found) * font.hscale
    return font.char_width(cid)


def shortfall(width: float) -> float:
    """What PDFium's width of a glyph falls short of pdfminer's `width` (text space, per
    unit of size): PDFium keeps a font's widths as whole thousandths, cut off, and places
    each next glyph of a text object by them, so its origins drift from pdfminer's by this
    much a glyph (0.007 pt a glyph at 9 pt, a fifth of a point along a line drawn by one Tj)."""
    units = round(width * 1000, 6)
    return (units - math.trunc(units)) / 1000
