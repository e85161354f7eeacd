"""Pages read by PDFium: the words and ruling pdfplumber gives, without pdfminer's interpreter.

pdfminer interpreting a page's content stream in Python was nearly all of a text page's cost;
PDFium (pypdfium2) has already interpreted it in C. This module reads from PDFium what
`page.parse_page` reads from pdfplumber — every character's box, the page's path objects as
ruling edges, whether it has images — and builds the same `PageContent`, so one table code
path serves both engines (and OCR). pdfplumber is the reference: `tests/test_pdfium.py` reads
every labelled PDF both ways and requires the same blocks.

Where the two libraries model a page differently, pdfplumber's model is rebuilt:

- a character's box is pdfminer's: from its origin, advance and the font size, with the
  font's descent as pdfminer reads it (the descriptor's /Descent, which PDFium replaces by the
  font program's when it is 0); the fonts come from pdfminer's own font objects, which cost
  no content interpretation;
- coordinates are turned by the page's /Rotate as pdfminer turns them, measured from the top;
- PDFium's text page drops a drawn space glyph and generates spaces and line breaks of its
  own: every space it reports splits words (as a drawn space does in pdfplumber), generated
  line breaks are dropped (pdfplumber splits lines by position);
- paths become lines, rectangles and curves by pdfminer's rules (`paint_path`), and those
  become edges as pdfplumber makes them.

A page this cannot read as pdfplumber would — a character without Unicode (a broken font
map), a Type3 or vertical font, a font pdfminer names differently — raises `Unreadable`, and
the caller reads that page with pdfplumber instead, with a warning.
"""

from __future__ import annotations

import ctypes
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

import pypdfium2 as pdfium
import pypdfium2.raw as raw
from pdfminer.pdffont import PDFFont, PDFType3Font
from pdfminer.pdfinterp import PDFResourceManager
from pdfminer.pdftypes import PDFObjRef, dict_value, resolve1
from pdfminer.psparser import literal_name
from pdfplumber.page import Page
from pdfplumber.utils.clustering import make_cluster_dict
from pdfplumber.utils.text import LIGATURES, WordExtractor

from plan_etl.extract.base import one_line
from plan_etl.extract.pdf.lines import Obj
from plan_etl.extract.pdf.page import DrawnPage, PageContent, parse_page, ruled_tables
from plan_etl.extract.pdfchars import CharPage

Matrix = tuple[float, float, float, float, float, float]
# A character for the word builder: text, x0, x1, top, bottom, upright, size
Char = tuple[str, float, float, float, float, bool, float]


class Glyph(NamedTuple):
    """A glyph's width as pdfminer reads it and PDFium's shortfall from it (`shortfall`),
    in text space per unit of font size."""

    width: float
    short: float


IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

_MAYBE_GENERATED = frozenset({0x20, 0x0D, 0x0A})  # what PDFium generates: spaces, line breaks
_HYPHEN_MARK = "\x02"
_NO_UNICODE = frozenset({0, 0xFFFE, 0xFFFF})
_EMPTY_TEXT = 2  # the bytes `FPDFTextObj_GetText` needs for no text (its terminator)
_LINE_END_HYPHEN = 0x02  # how PDFium reports a hyphen that ends a line
_WORDS = WordExtractor()  # pdfplumber's defaults, as `Page.extract_words()` uses them
_X_TOLERANCE, _Y_TOLERANCE = _WORDS.x_tolerance, _WORDS.y_tolerance


class _Api:
    """The PDFium functions called once a character, with plain C types: checking the
    bindings' typed pointers costs more than some of the calls themselves."""

    def __init__(self) -> None:
        page, index = ctypes.c_void_p, ctypes.c_int
        double = ctypes.POINTER(ctypes.c_double)
        self.is_generated = self._plain(raw.FPDFText_IsGenerated, ctypes.c_int, page, index)
        self.text_object = self._plain(raw.FPDFText_GetTextObject, ctypes.c_void_p, page, index)
        self.char_origin = self._plain(
            raw.FPDFText_GetCharOrigin, ctypes.c_int, page, index, double, double
        )

    @staticmethod
    def _plain(function: Any, restype: Any, *argtypes: Any) -> Any:
        address = ctypes.cast(function, ctypes.c_void_p).value
        return ctypes.CFUNCTYPE(restype, *argtypes)(address)


_api = _Api()


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


# --- characters and words ----------------------------------------------------------------------


@dataclass(slots=True)
class TextObject:
    """What every character of one PDFium text object shares: the matrix (the page turn
    included), the font size and pdfminer's descent of the font, upright or not."""

    matrix: Matrix
    user: tuple[float, float]  # the advance direction in user space (the loose box's)
    size: float
    descent: float
    upright: bool
    widths: dict[str, Glyph | None]  # pdfminer's, by text (`Fonts.widths`)
    low: float  # the bottom and top of its glyphs' box (text space, times the matrix's d)
    high: float
    axis_aligned: bool  # upright and neither turned nor mirrored: the box is the quick one


def text_object(
    obj: Any,
    user: tuple[float, float, float, float],
    fonts: Fonts,
    named: dict[str, PDFFont | None],
    ctm: Matrix,
) -> TextObject:
    """The shared state of a text object whose characters' matrix in user space is `user`."""
    font = raw.FPDFTextObj_GetFont(obj)
    buf = ctypes.create_string_buffer(256)
    raw.FPDFFont_GetBaseFontName(font, buf, 256)
    name = subset_free(buf.value.decode("latin-1"))
    known = named.get(name)
    if known is None:
        raise Unreadable(f"font {name or '(unnamed)'} not known to pdfminer")
    if known.is_vertical():
        raise Unreadable(f"font {name} writes vertically")
    size = ctypes.c_float()
    raw.FPDFTextObj_GetFontSize(obj, ctypes.byref(size))
    matrix = multiply((*user, 0.0, 0.0), ctm)
    a, b, c, d = matrix[:4]
    upright = a * d > 0 and b * c <= 0
    low = known.get_descent() * size.value
    aligned = b == 0 and c == 0 and a > 0 and d > 0
    return TextObject(
        matrix,
        user[:2],
        size.value,
        known.get_descent(),
        upright,
        fonts.widths(known),
        d * low,
        d * (low + size.value),
        aligned,
    )


def char_box(
    state: TextObject, origin: tuple[float, float], adv: float, frame: Frame
) -> tuple[float, float, float, float]:
    """pdfminer's box of a character (`LTChar`) whose origin in device space is `origin`:
    (0, descent) to (advance, descent + size) in text space, through its matrix, as
    pdfplumber's x0, x1, top, bottom."""
    a, b, c, d, _, _ = state.matrix
    ex, ey = origin
    low = state.descent * state.size
    high = low + state.size
    xs = (ex + c * low, ex + a * adv + c * low, ex + a * adv + c * high, ex + c * high)
    ys = (ey + d * low, ey + b * adv + d * low, ey + b * adv + d * high, ey + d * high)
    x0, x1 = min(xs) + frame.x0, max(xs) + frame.x0
    top = frame.top + frame.height - max(ys)
    return x0, x1, top, frame.top + frame.height - min(ys)


def loose_advance(state: TextObject, textpage: Any, index: int) -> float:
    """A glyph's advance in text space by PDFium's loose box of character `index` (the
    advance across, the font's ascent and descent up, axis-aligned in user space), whose
    width is the font program's and may differ a little from pdfminer's: for a text the
    font maps no code to, or codes of different widths."""
    box = raw.FS_RECTF()
    raw.FPDFText_GetLooseCharBox(textpage, index, ctypes.byref(box))
    ua, ub = state.user
    if abs(ua) >= abs(ub):
        return abs(box.right - box.left) / abs(ua) if ua else 0.0
    return abs(box.top - box.bottom) / abs(ub)


def hyphen(state: TextObject) -> str:
    """The text of a hyphen PDFium marked as a line end (it reports it as 0x02): a hyphen
    or a soft hyphen, whichever the font maps a code to."""
    found = [h for h in ("-", "\xad") if h in state.widths]
    if len(found) != 1:
        raise Unreadable("a line-end hyphen that may be a hyphen or a soft hyphen")
    return found[0]


def page_chars(
    textpage: Any, fonts: Fonts, page: Page, frame: Frame, drawing: Drawing
) -> list[Char]:
    """The page's characters as pdfplumber's word builder reads them, in content order:
    PDFium's characters with pdfminer's boxes, and the space glyphs PDFium leaves out.

    PDFium's text page drops a text object that draws only a space (Chromium draws every
    glyph as its own object) and generates spaces where it judges letters far apart (a
    letter-spaced title) and line breaks: its generated characters are dropped and the
    space objects put back, so words split where pdfplumber splits them. A ligature glyph
    PDFium splits into its letters («ﬁ» into «f», «i», at one origin) is one character
    again, as pdfminer gives it.
    """
    named = fonts.of_page(page)
    found: list[tuple[int, Char]] = []
    states: dict[int, TextObject] = {}
    a, b, c, d, e, f = frame.ctm
    shift, base = frame.x0, frame.top + frame.height
    previous, drift = 0, 0.0
    for key, index, text, (ux, uy) in glyphs(textpage):
        state = states.get(key)
        if state is None:
            obj = ctypes.cast(key, raw.FPDF_PAGEOBJECT)
            state = states[key] = text_object(
                obj, char_matrix(textpage, index), fonts, named, frame.ctm
            )
        if text == _HYPHEN_MARK:
            text = hyphen(state)
        glyph = state.widths.get(text)
        if glyph is None:
            if unmapped(textpage, index, text):
                raise Unreadable("a character without Unicode (a broken font map)")
            glyph = Glyph(loose_advance(state, textpage, index) / state.size, 0.0)
        if key != previous:
            previous, drift = key, 0.0
        ua, ub = state.user
        ux, uy = ux + ua * drift, uy + ub * drift
        drift += glyph.short * state.size
        ex, ey = a * ux + c * uy + e, b * ux + d * uy + f
        adv = glyph.width * state.size
        if state.axis_aligned:  # the common case, without the general box's min and max
            box = (
                ex + shift,
                ex + state.matrix[0] * adv + shift,
                base - ey - state.high,
                base - ey - state.low,
            )
        else:
            box = char_box(state, (ex, ey), adv, frame)
        found.append((drawing.text_order.get(key, -1), (text, *box, state.upright, state.size)))
    for order, obj, own in drawing.blanks:
        state = text_object(obj, own[:4], fonts, named, IDENTITY)
        if " " in state.widths:
            box = char_box(state, own[4:], 0.0, frame)
            found.append((order, (" ", *box, state.upright, state.size)))
    found.sort(key=itemgetter(0))
    return [char for _, char in found]


def glyphs(textpage: Any) -> Iterator[tuple[int, int, str, tuple[float, float]]]:
    """The glyphs of PDFium's text page: their text object (its address), the index of
    their first character, their text and origin (user space). Generated characters are
    left out; characters PDFium split one glyph into (same object, same origin) are one."""
    handle = ctypes.cast(textpage, ctypes.c_void_p).value
    x, y = ctypes.c_double(), ctypes.c_double()
    px, py = ctypes.byref(x), ctypes.byref(y)
    is_generated, text_object_of, origin_of = _api.is_generated, _api.text_object, _api.char_origin
    last: list[Any] | None = None
    for i, code in enumerate(page_codes(textpage)):
        if code in _MAYBE_GENERATED and is_generated(handle, i):
            continue
        key = text_object_of(handle, i) or 0
        origin_of(handle, i, px, py)
        origin = (x.value, y.value)
        text = _HYPHEN_MARK if code == _LINE_END_HYPHEN else chr(code)
        if last is not None and last[0] == key and last[3] == origin and code != _LINE_END_HYPHEN:
            last[2] += text
            continue
        if last is not None:
            yield last[0], last[1], last[2], last[3]
        last = [key, i, text, origin]
    if last is not None:
        yield last[0], last[1], last[2], last[3]


def page_codes(textpage: Any) -> list[int]:
    """The Unicode code of every character of the text page, read in one call; each is
    asked for where that call's text differs (a code beyond 16 bits takes two units of
    UTF-16; a line-end hyphen's mark and a code without Unicode both read 0xFFFE)."""
    count = raw.FPDFText_CountChars(textpage)
    buffer = (ctypes.c_ushort * (count + 1))()
    if raw.FPDFText_GetText(textpage, 0, count, buffer) != count + 1:
        return [raw.FPDFText_GetUnicode(textpage, i) for i in range(count)]
    codes = list(buffer[:count])
    for i, code in enumerate(codes):
        if code in _NO_UNICODE:
            codes[i] = raw.FPDFText_GetUnicode(textpage, i)
    return codes


def char_matrix(textpage: Any, index: int) -> tuple[float, float, float, float]:
    """The matrix (user space, no translation) of character `index`'s text object."""
    m = raw.FS_MATRIX()
    raw.FPDFText_GetMatrix(textpage, index, ctypes.byref(m))
    return (m.a, m.b, m.c, m.d)


def unmapped(textpage: Any, index: int, text: str) -> bool:
    """Whether PDFium found no Unicode for a character whose text its font's map lacks."""
    return any(ord(c) in _NO_UNICODE for c in text) or bool(
        raw.FPDFText_HasUnicodeMapError(textpage, index)
    )


def words_of(chars: list[Char], doctop: float) -> list[Obj]:
    """pdfplumber's words of the characters (`Page.extract_words()` with its defaults);
    `doctop` is the page's top in the document."""
    if all(char[5] for char in chars):
        return upright_words(chars, doctop)
    keys = ("text", "x0", "x1", "top", "bottom", "upright", "size")
    dicts = [dict(zip(keys, char, strict=True)) for char in chars]
    for char in dicts:
        char["doctop"] = char["top"] + doctop
    return [word for word, _ in _WORDS.iter_extract_tuples(dicts)] if dicts else []


def upright_words(chars: list[Char], doctop: float) -> list[Obj]:
    """What pdfplumber's `WordExtractor` makes of upright characters, built from tuples:
    lines by `cluster_objects` on the tops, each line's characters by x0, a word ended by
    a blank character, a step back, a gap wider than x_tolerance or a top that moves more
    than y_tolerance (the default 3 pt each)."""
    cluster = make_cluster_dict([char[3] for char in chars], _Y_TOLERANCE)
    ordered = sorted(chars, key=lambda char: cluster[char[3]])
    words: list[Obj] = []
    for _, line in groupby(ordered, key=lambda char: cluster[char[3]]):
        word: list[Char] = []
        for char in sorted(line, key=itemgetter(1)):
            if char[0].isspace():
                if word:
                    words.append(merged(word, doctop))
                    word = []
                continue
            if word:
                last = word[-1]
                if (
                    char[1] < last[1]
                    or char[1] > last[2] + _X_TOLERANCE
                    or abs(char[3] - last[3]) > _Y_TOLERANCE
                ):
                    words.append(merged(word, doctop))
                    word = []
            word.append(char)
        if word:
            words.append(merged(word, doctop))
    return words


def merged(word: list[Char], doctop: float) -> Obj:
    """`WordExtractor.merge_chars` of an upright word: its text, ligatures expanded, and box."""
    x0 = min(char[1] for char in word)
    x1 = max(char[2] for char in word)
    top = min(char[3] for char in word)
    bottom = max(char[4] for char in word)
    return {
        "text": "".join(LIGATURES.get(char[0], char[0]) for char in word),
        "x0": x0,
        "x1": x1,
        "top": top,
        "doctop": top + doctop,
        "bottom": bottom,
        "upright": True,
        "height": bottom - top,
        "width": x1 - x0,
        "direction": "ltr",
    }


# --- ruling: paths as pdfminer paints them, edges as pdfplumber makes them -----------------------

Point = tuple[float, float]
_SEGMENT_OP = {raw.FPDF_SEGMENT_MOVETO: "m", raw.FPDF_SEGMENT_LINETO: "l"}


@dataclass(slots=True)
class Drawing:
    """A page's drawn objects as pdfplumber sorts them into edges: lines, rectangles and
    curves (each as its points in pdfplumber's coordinates), and whether it has an image."""

    lines: list[tuple[Point, Point]] = field(default_factory=list)
    rects: list[tuple[Point, Point]] = field(default_factory=list)
    curves: list[list[Point]] = field(default_factory=list)
    has_images: bool = False
    # text objects: each one's place in content order (by handle), and those PDFium's text
    # page leaves out (no text: a space glyph alone), with their matrix in device space
    text_order: dict[int, int] = field(default_factory=dict)
    blanks: list[tuple[int, Any, Matrix]] = field(default_factory=list)

    def edges(self) -> list[Obj]:
        """`Page.edges`: lines, then four edges a rectangle, then a curve's segments."""
        found = [line_edge(p, q) for p, q in self.lines]
        found += [e for p, q in self.rects for e in rect_edges(p, q)]
        found += [e for pts in self.curves for e in curve_edges(pts)]
        return found


def edge(
    x0: float, x1: float, top: float, bottom: float, orientation: str | None, kind: str
) -> Obj:
    return {
        "object_type": kind,
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "width": x1 - x0,
        "height": bottom - top,
        "orientation": orientation,
    }


def line_edge(p: Point, q: Point) -> Obj:
    """pdfplumber's `line_to_edge` of an `LTLine` from p to q."""
    x0, x1 = sorted((p[0], q[0]))
    top, bottom = sorted((p[1], q[1]))
    return edge(x0, x1, top, bottom, "h" if top == bottom else "v", "line")


def rect_edges(p: Point, q: Point) -> list[Obj]:
    """pdfplumber's `rect_to_edges` of an `LTRect` with corners p and q: top, bottom, left,
    right."""
    x0, x1 = sorted((p[0], q[0]))
    top, bottom = sorted((p[1], q[1]))
    return [
        edge(x0, x1, top, top, "h", "rect_edge"),
        edge(x0, x1, bottom, bottom, "h", "rect_edge"),
        edge(x0, x0, top, bottom, "v", "rect_edge"),
        edge(x1, x1, top, bottom, "v", "rect_edge"),
    ]


def curve_edges(pts: list[Point]) -> list[Obj]:
    """pdfplumber's `curve_to_edges`: one edge between each two consecutive points."""
    found = []
    for p, q in itertools.pairwise(pts):
        orientation = "v" if p[0] == q[0] else ("h" if p[1] == q[1] else None)
        found.append(
            edge(
                min(p[0], q[0]),
                max(p[0], q[0]),
                min(p[1], q[1]),
                max(p[1], q[1]),
                orientation,
                "curve_edge",
            )
        )
    return found


def subpaths(obj: Any, matrix: Matrix) -> Iterator[tuple[str, list[Point]]]:
    """A path object's subpaths as pdfminer's operator shape («mlllh») and end points in
    device space; a Bézier segment is one «c» with its end point."""
    shape, pts = "", []
    x, y = ctypes.c_float(), ctypes.c_float()
    n = raw.FPDFPath_CountSegments(obj)
    bezier = 0
    for i in range(n):
        segment = raw.FPDFPath_GetPathSegment(obj, i)
        kind = raw.FPDFPathSegment_GetType(segment)
        raw.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y))
        if kind == raw.FPDF_SEGMENT_MOVETO and shape:
            yield shape, pts
            shape, pts = "", []
        if kind == raw.FPDF_SEGMENT_BEZIERTO:
            bezier += 1
            if bezier % 3:
                continue  # a control point
            shape += "c"
        else:
            bezier = 0
            shape += _SEGMENT_OP.get(kind, "l")
        pts.append(apply(matrix, x.value, y.value))
        if raw.FPDFPathSegment_GetClose(segment):
            shape += "h"
            pts.append(pts[0])
    if shape:
        yield shape, pts


def paint(drawing: Drawing, shape: str, pts: list[Point], frame: Frame) -> None:
    """pdfminer's `paint_path` of one subpath: a line, a rectangle or a curve."""
    if not shape.startswith("m"):
        return
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
        shape, pts = shape[:-2] + "h", pts[:-1]
    coords = [frame.device_point(px, py) for px, py in pts]
    if shape in ("mlh", "ml"):
        drawing.lines.append((coords[0], coords[1]))
        return
    if shape in ("mlllh", "mllll"):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (
            y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0
        )
        if pts[0] == pts[4] and square:
            drawing.rects.append((coords[0], coords[2]))
            return
    drawing.curves.append(coords)


def draw(
    objects: Iterator[Any], matrix: Matrix, textpage: Any, drawing: Drawing, frame: Frame
) -> None:
    """Walk page objects (into forms) in content order for paths, images and text objects;
    `matrix` takes the objects' space to pdfminer's device space."""
    m = raw.FS_MATRIX()
    mode, stroke = ctypes.c_int(), ctypes.c_int()
    for obj in objects:
        kind = raw.FPDFPageObj_GetType(obj)
        if kind == raw.FPDF_PAGEOBJ_IMAGE:
            drawing.has_images = True
            continue
        if kind == raw.FPDF_PAGEOBJ_TEXT:
            key = ctypes.cast(obj, ctypes.c_void_p).value or 0
            order = drawing.text_order[key] = len(drawing.text_order)
            if raw.FPDFTextObj_GetText(obj, textpage, None, 0) <= _EMPTY_TEXT:
                raw.FPDFPageObj_GetMatrix(obj, ctypes.byref(m))
                own = multiply((m.a, m.b, m.c, m.d, m.e, m.f), matrix)
                drawing.blanks.append((order, obj, own))
            continue
        if kind not in (raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM):
            continue
        raw.FPDFPageObj_GetMatrix(obj, ctypes.byref(m))
        own = multiply((m.a, m.b, m.c, m.d, m.e, m.f), matrix)
        if kind == raw.FPDF_PAGEOBJ_FORM:
            children = (
                raw.FPDFFormObj_GetObject(obj, i) for i in range(raw.FPDFFormObj_CountObjects(obj))
            )
            draw(children, own, textpage, drawing, frame)
            continue
        raw.FPDFPath_GetDrawMode(obj, ctypes.byref(mode), ctypes.byref(stroke))
        if mode.value or stroke.value:
            for shape, pts in subpaths(obj, own):
                paint(drawing, shape, pts, frame)


# --- a page ------------------------------------------------------------------------------------


def page_objects(page: Any) -> Iterator[Any]:
    return (raw.FPDFPage_GetObject(page, i) for i in range(raw.FPDFPage_CountObjects(page)))


def read_page(document: pdfium.PdfDocument, page: Page, fonts: Fonts) -> PageContent:
    """The content of pdfplumber's `page` as PDFium reads it: what `parse_page(page)` gives.
    Raises `Unreadable` where it could not be the same."""
    frame = Frame.of(page)
    handle = document[page.page_number - 1]
    try:
        textpage = handle.get_textpage()
        try:
            drawing = Drawing()
            draw(page_objects(handle.raw), frame.ctm, textpage.raw, drawing, frame)
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
