"""Characters and words: PDFium's text page as the characters pdfminer makes and the words
pdfplumber builds of them."""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import pypdfium2.raw as raw
from pdfminer.pdffont import PDFFont
from pdfplumber.page import Page
from pdfplumber.utils.clustering import make_cluster_dict
from pdfplumber.utils.text import LIGATURES, WordExtractor

from plan_etl.extract.pdf.lines import Obj
from plan_etl.extract.pdf.pdfium.drawing import Drawing
from plan_etl.extract.pdf.pdfium.fonts import Fonts, Glyph, Unreadable, subset_free
from plan_etl.extract.pdf.pdfium.space import IDENTITY, Frame, Matrix, multiply

# A character for the word builder: text, x0, x1, top, bottom, upright, size
Char = tuple[str, float, float, float, float, bool, float]

_MAYBE_GENERATED = frozenset({0x20, 0x0D, 0x0A})  # what PDFium generates: spaces, line breaks
_HYPHEN_MARK = "\x02"
_NO_UNICODE = frozenset({0, 0xFFFE, 0xFFFF})
_LINE_END_HYPHEN = 0x02  # how PDFium reports a hyphen that ends a line
_WORDS = WordExtractor()  # pdfplumber's defaults, as `Page.extract_words()` uses them
_X_TOLERANCE, _Y_TOLERANCE = _WORDS.x_tolerance, _WORDS.y_tolerance
_EXPAND_LIGATURES = str.maketrans(LIGATURES)


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
    order: int  # the object's place among the page's text objects, in content order


def text_object(
    obj: Any,
    user: tuple[float, float, float, float],
    fonts: Fonts,
    named: dict[str, PDFFont | None],
    ctm: Matrix,
    order: int,
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
        order,
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
    states: dict[int, TextObject] = {}
    a, b, c, d, e, f = frame.ctm
    shift, base = frame.x0, frame.top + frame.height
    found: list[tuple[int, Char]] = []
    key, state, drift = 0, None, 0.0
    for glyph_key, index, text, (ux, uy) in glyphs(textpage):
        if glyph_key != key:
            key, drift = glyph_key, 0.0
            state = states.get(key)
            if state is None:
                state = states[key] = text_object(
                    ctypes.cast(key, raw.FPDF_PAGEOBJECT),
                    char_matrix(textpage, index),
                    fonts,
                    named,
                    frame.ctm,
                    drawing.text_order.get(key, -1),
                )
        assert state is not None
        if text == _HYPHEN_MARK:
            text = hyphen(state)
        glyph = state.widths.get(text)
        if glyph is None:
            if unmapped(textpage, index, text):
                raise Unreadable("a character without Unicode (a broken font map)")
            glyph = Glyph(loose_advance(state, textpage, index) / state.size, 0.0)
        if drift:
            ux, uy = ux + state.user[0] * drift, uy + state.user[1] * drift
        drift += glyph.short * state.size
        ex, ey = a * ux + c * uy + e, b * ux + d * uy + f
        adv = glyph.width * state.size
        if state.axis_aligned:  # the common case, without the general box's min and max
            x0, x1 = ex + shift, ex + state.matrix[0] * adv + shift
            top, bottom = base - ey - state.high, base - ey - state.low
        else:
            x0, x1, top, bottom = char_box(state, (ex, ey), adv, frame)
        found.append((state.order, (text, x0, x1, top, bottom, state.upright, state.size)))
    for order, obj, own in drawing.blanks:
        blank = text_object(obj, own[:4], fonts, named, IDENTITY, order)
        if " " in blank.widths:
            box = char_box(blank, own[4:], 0.0, frame)
            found.append((order, (" ", *box, blank.upright, blank.size)))
    found.sort(key=itemgetter(0))  # content order: the blanks in their places
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
    lines: dict[int, list[Char]] = {}
    for char in chars:  # in content order within a line, as pdfplumber's stable sort keeps it
        lines.setdefault(cluster[char[3]], []).append(char)
    words: list[Obj] = []
    for number in sorted(lines):
        word: list[Char] = []
        for char in sorted(lines[number], key=itemgetter(1)):
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
    """`WordExtractor.merge_chars` of an upright word: its text, ligatures expanded, and box
    (its characters are in x0 order, so the first one's x0 is the word's)."""
    x1 = max([char[2] for char in word])
    top = min([char[3] for char in word])
    bottom = max([char[4] for char in word])
    return {
        "text": "".join([char[0] for char in word]).translate(_EXPAND_LIGATURES),
        "x0": word[0][1],
        "x1": x1,
        "top": top,
        "doctop": top + doctop,
        "bottom": bottom,
        "upright": True,
        "height": bottom - top,
        "width": x1 - word[0][1],
        "direction": "ltr",
    }
