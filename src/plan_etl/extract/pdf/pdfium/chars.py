"""Characters and words: PDFium's text page as the characters pdfminer makes and the words
pdfplumber builds of them."""

from __future__ import annotations

import ctypes
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, pairwise
from typing import Any

import numpy as np
import pypdfium2.raw as raw
from pdfminer.pdffont import PDFFont
from pdfplumber.page import Page
from pdfplumber.utils.text import LIGATURES, WordExtractor

from plan_etl.extract.pdf.lines import Obj
from plan_etl.extract.pdf.pdfium import calls
from plan_etl.extract.pdf.pdfium.drawing import Drawing
from plan_etl.extract.pdf.pdfium.fonts import Fonts, Glyph, Unreadable, subset_free
from plan_etl.extract.pdf.pdfium.space import IDENTITY, Frame, Matrix, multiply

# A character for the word builder: text, x0, x1, top, bottom, upright, size
Char = tuple[str, float, float, float, float, bool, float]

_MAYBE_GENERATED = (0x20, 0x0D, 0x0A)  # what PDFium generates: spaces, line breaks
_HYPHEN_MARK = "\x02"
_NO_UNICODE = (0, 0xFFFE, 0xFFFF)
_LINE_END_HYPHEN = 0x02  # how PDFium reports a hyphen that ends a line
_WORDS = WordExtractor()  # pdfplumber's defaults, as `Page.extract_words()` uses them
_X_TOLERANCE, _Y_TOLERANCE = _WORDS.x_tolerance, _WORDS.y_tolerance
_EXPAND_LIGATURES = str.maketrans(LIGATURES)
_DRIFT_MATRIX = 1 << 20  # numbers the drift's matrix may hold (8 MB); beyond, run by run
_LIGATURE_CHARS = frozenset(LIGATURES)


@dataclass(frozen=True, slots=True)
class TextObject:
    """What every character of one PDFium text object shares: the matrix (the page turn
    included), the font size and pdfminer's descent of the font, upright or not. Text
    objects of one font, size and matrix share one (a page's ≈ 80 objects have a few)."""

    matrix: Matrix
    user: tuple[float, float]  # the advance direction in user space (the loose box's)
    size: float
    descent: float
    upright: bool
    widths: dict[str, Glyph | None]  # pdfminer's, by text (`Fonts.widths`)
    low: float  # the bottom and top of its glyphs' box (text space, times the matrix's d)
    high: float
    axis_aligned: bool  # upright and neither turned nor mirrored: the box is the quick one


@dataclass(frozen=True, slots=True)
class Face:
    """What a character's box needs of its font, as pdfminer reads the font: the descent
    and the widths (`Fonts.widths`)."""

    descent: float
    widths: dict[str, Glyph | None]


def face_of(
    font: int, fonts: Fonts, named: dict[str, PDFFont | None], faces: dict[int, Face]
) -> Face:
    """pdfminer's reading of the PDFium font at address `font`, found by its name; looked
    up once a font of the page (`faces`), as a page's many text objects share a few fonts."""
    face = faces.get(font)
    if face is None:
        buf = ctypes.create_string_buffer(256)
        raw.FPDFFont_GetBaseFontName(ctypes.cast(font, raw.FPDF_FONT), buf, 256)
        name = subset_free(buf.value.decode("latin-1"))
        known = named.get(name)
        if known is None:
            raise Unreadable(f"font {name or '(unnamed)'} not known to pdfminer")
        if known.is_vertical():
            raise Unreadable(f"font {name} writes vertically")
        face = faces[font] = Face(known.get_descent(), fonts.widths(known))
    return face


def text_object(
    size: float, user: tuple[float, float, float, float], face: Face, ctm: Matrix
) -> TextObject:
    """The shared state of a text object of font size `size` whose characters' matrix in
    user space is `user`."""
    matrix = multiply((*user, 0.0, 0.0), ctm)
    a, b, c, d = matrix[:4]
    upright = a * d > 0 and b * c <= 0
    low = face.descent * size
    aligned = b == 0 and c == 0 and a > 0 and d > 0
    return TextObject(
        matrix,
        user[:2],
        size,
        face.descent,
        upright,
        face.widths,
        d * low,
        d * (low + size),
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
) -> PageChars:
    """The page's characters as pdfplumber's word builder reads them, in content order:
    PDFium's characters with pdfminer's boxes, and the space glyphs PDFium leaves out.

    PDFium's text page drops a text object that draws only a space (Chromium draws every
    glyph as its own object) and generates spaces where it judges letters far apart (a
    letter-spaced title) and line breaks: its generated characters are dropped and the
    space objects put back, so words split where pdfplumber splits them. A ligature glyph
    PDFium splits into its letters («ﬁ» into «f», «i», at one origin) is one character
    again, as pdfminer gives it.

    The arithmetic runs on arrays of the page's glyphs, in the order and with the
    operations of pdfminer's per-character code, so every box is the same to the last bit;
    what is per text object (its font, matrix, size) is looked up once a run of glyphs.
    """
    glyphs = Glyphs.of(textpage)
    states, orders, failure = run_states(glyphs, textpage, fonts, page, frame, drawing)
    if failure is not None:  # what a glyph before that text object lacks is said first
        glyph_widths(glyphs, states, textpage, int(glyphs.run_first[len(states)]))
        raise failure
    widths, shorts = glyph_widths(glyphs, states, textpage)
    each = floats(
        [
            (s.size, s.matrix[0], s.high, s.low, s.axis_aligned, s.upright, order)
            for s, order in zip(states, orders, strict=True)
        ],
        7,
    )[glyphs.run]  # each glyph's text object's state
    size = each[:, 0]
    ux, uy = drifted(glyphs, states, shorts * size)
    a, b, c, d, e, f = frame.ctm
    ex, ey = a * ux + c * uy + e, b * ux + d * uy + f
    adv = widths * size
    shift, base = frame.x0, frame.top + frame.height
    x0, x1 = ex + shift, ex + each[:, 1] * adv + shift
    top, bottom = base - ey - each[:, 2], base - ey - each[:, 3]
    box = np.stack([x0, x1, top, bottom], axis=1)
    for j in np.flatnonzero(each[:, 4] == 0).tolist():  # turned or mirrored: the general box
        state = states[int(glyphs.run[j])]
        box[j] = char_box(state, (float(ex[j]), float(ey[j])), float(adv[j]), frame)
    chars = PageChars(glyphs.texts, box, each[:, 5] != 0, size)
    read = set(glyphs.key[glyphs.run_first].tolist())
    return in_content_order(chars, each[:, 6], blank_chars(fonts, page, frame, drawing, read))


@dataclass(slots=True)
class PageChars:
    """A page's characters as columns (what the word rules read as arrays): each one's
    text, box (x0, x1, top, bottom: pdfplumber's coordinates), whether upright, font size."""

    texts: list[str]
    box: np.ndarray  # (n, 4)
    upright: np.ndarray  # bool
    size: np.ndarray

    @classmethod
    def of(cls, rows: list[Char]) -> PageChars:
        """Characters given as rows (`Char` tuples)."""
        box = floats([row[1:5] for row in rows], 4)
        upright = np.array([row[5] for row in rows], dtype=bool)
        size = np.array([row[6] for row in rows], dtype=np.float64)
        return cls([row[0] for row in rows], box, upright, size)

    def rows(self) -> list[Char]:
        """The characters as `Char` tuples."""
        columns = self.box.T.tolist() if len(self.texts) else [[], [], [], []]
        return list(
            zip(self.texts, *columns, self.upright.tolist(), self.size.tolist(), strict=True)
        )

    def __len__(self) -> int:
        return len(self.texts)

    def __add__(self, other: PageChars) -> PageChars:
        return PageChars(
            self.texts + other.texts,
            np.concatenate([self.box, other.box]),
            np.concatenate([self.upright, other.upright]),
            np.concatenate([self.size, other.size]),
        )

    def take(self, order: np.ndarray) -> PageChars:
        """The characters in `order` (indexes)."""
        texts = list(map(self.texts.__getitem__, order.tolist()))
        return PageChars(texts, self.box[order], self.upright[order], self.size[order])


def floats(rows: Iterable[Sequence[float]], width: int) -> np.ndarray:
    """Rows of `width` numbers as a 2-D array (quicker than `np.array`, which inspects
    every tuple)."""
    rows = list(rows)
    return np.fromiter(chain.from_iterable(rows), np.float64, width * len(rows)).reshape(-1, width)


def in_content_order(
    chars: PageChars, orders: np.ndarray, blanks: list[tuple[int, Char]]
) -> PageChars:
    """The text page's characters with the blanks put in their places, by their text
    objects' order in the content (a stable sort: a text object's characters keep theirs)."""
    if blanks:
        orders = np.concatenate([orders, np.array([order for order, _ in blanks], dtype=float)])
        chars = chars + PageChars.of([char for _, char in blanks])
    if len(orders) < 2 or not (orders[1:] < orders[:-1]).any():
        return chars
    return chars.take(np.argsort(orders, kind="stable"))


@dataclass(slots=True)
class Glyphs:
    """The glyphs of PDFium's text page, as arrays: the index of each one's first character,
    its text object (address), text and origin (user space), and the run of consecutive
    glyphs of one text object it belongs to. Generated characters are left out; characters
    PDFium split one glyph into (same object, same origin) are one glyph."""

    first: np.ndarray
    key: np.ndarray
    texts: list[str]
    ux: np.ndarray
    uy: np.ndarray
    run: np.ndarray  # each glyph's run number
    run_first: np.ndarray  # each run's first glyph

    @classmethod
    def of(cls, textpage: Any) -> Glyphs:
        codes = page_codes(textpage)
        keys, xs, ys = calls.objects_and_origins(textpage, len(codes))
        kept = kept_chars(textpage, codes, keys)
        key, x, y, code = keys[kept], xs[kept], ys[kept], codes[kept]
        same = np.zeros(len(kept), dtype=bool)
        same[1:] = (key[1:] == key[:-1]) & (x[1:] == x[:-1]) & (y[1:] == y[:-1])
        same &= code != _LINE_END_HYPHEN
        starts = np.flatnonzero(~same)
        texts = list(map(chr, code.tolist()))  # a line-end hyphen: chr(2), its mark
        if len(starts) < len(kept):  # a glyph split into characters: its texts joined
            ends = [*starts[1:].tolist(), len(kept)]
            texts = ["".join(texts[s:t]) for s, t in zip(starts.tolist(), ends, strict=True)]
        key = key[starts]
        new_run = np.ones(len(starts), dtype=bool)
        new_run[1:] = key[1:] != key[:-1]
        return cls(
            kept[starts],
            key,
            texts,
            x[starts],
            y[starts],
            np.cumsum(new_run) - 1,
            np.flatnonzero(new_run),
        )


def kept_chars(textpage: Any, codes: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """The indexes of the characters the page draws: all but those PDFium generated. Only a
    space or line break may be generated, and one without a text object (`keys` 0) is (a
    character the page draws always has its object: none of 3.7 million on the bench and
    test PDFs lacked one); PDFium is asked about the others."""
    keep = ~any_of(codes, _MAYBE_GENERATED)
    page = calls.address(textpage)
    for i in np.flatnonzero(~keep & (keys != 0)).tolist():
        keep[i] = not calls.is_generated(page, i)
    return np.flatnonzero(keep)


def run_states(
    glyphs: Glyphs, textpage: Any, fonts: Fonts, page: Page, frame: Frame, drawing: Drawing
) -> tuple[list[TextObject], list[int], Unreadable | None]:
    """Each run's text object state and the object's place in content order; up to the
    first run whose text object is `Unreadable`, and that failure. A state is made once a
    font, size and matrix, and looked up once a text object."""
    named, faces = fonts.of_page(page), {}
    text_page = calls.address(textpage)
    made: dict[int, TextObject] = {}  # by text object
    alike: dict[tuple[int, bytes], TextObject] = {}  # by font, matrix and size (their bits)
    states, orders = [], []
    # the matrix's a b c d, then the size (written over the matrix's e), and their bits
    out = calls.ffi.new("float[6]")
    bits = calls.ffi.buffer(out, 20)
    text_font, char_matrix, font_size = calls.text_font, calls.char_matrix, calls.font_size
    for key, first in zip(
        glyphs.key[glyphs.run_first].tolist(),
        glyphs.first[glyphs.run_first].tolist(),
        strict=True,
    ):
        state = made.get(key)
        if state is None:
            font = text_font(key)
            char_matrix(text_page, first, out)
            font_size(key, out + 4)
            seen = (font, bits[:])
            state = alike.get(seen)
            if state is None:
                try:
                    face = face_of(font, fonts, named, faces)
                except Unreadable as exc:
                    return states, orders, exc
                user = (out[0], out[1], out[2], out[3])
                state = alike[seen] = text_object(out[4], user, face, frame.ctm)
            made[key] = state
        states.append(state)
        place = drawing.texts.get(key)
        orders.append(place[0] if place else -1)
    return states, orders, None


def glyph_widths(
    glyphs: Glyphs, states: list[TextObject], textpage: Any, count: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Each glyph's width and PDFium's shortfall from it (text space per unit of size), as
    pdfminer's font gives it; a line-end hyphen's mark read as the hyphen its font has; a
    text the font maps no code to measured by PDFium's loose box, and a character without
    Unicode `Unreadable`. Only the first `count` glyphs, if given."""
    runs = glyphs.run[:count].tolist()
    texts = glyphs.texts if count is None else glyphs.texts[:count]
    tables = [state.widths for state in states]
    found = list(map(dict.get, map(tables.__getitem__, runs), texts))
    if None not in found and _HYPHEN_MARK not in texts:  # the common page: all found
        return widths_and_shortfalls(found)
    for j, glyph in enumerate(found):
        if glyph is not None and texts[j] != _HYPHEN_MARK:
            continue
        state, index = states[runs[j]], int(glyphs.first[j])
        if texts[j] == _HYPHEN_MARK:
            texts[j] = hyphen(state)
            glyph = found[j] = state.widths.get(texts[j])
        if glyph is None:
            if unmapped(textpage, index, texts[j]):
                raise Unreadable("a character without Unicode (a broken font map)")
            found[j] = Glyph(loose_advance(state, textpage, index) / state.size, 0.0)
    return widths_and_shortfalls(found)


def widths_and_shortfalls(glyphs: list[Glyph]) -> tuple[np.ndarray, np.ndarray]:
    """The glyphs' widths and shortfalls as two arrays."""
    pairs = floats(glyphs, 2)
    return pairs[:, 0], pairs[:, 1]


def drifted(
    glyphs: Glyphs, states: list[TextObject], shortfall: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The glyphs' origins moved back by what PDFium's cut widths took off the glyphs
    before them in their run (a sum, in order, as the per-character code adds it)."""
    if not shortfall.any():
        return glyphs.ux, glyphs.uy
    drift = drift_in_runs(shortfall, glyphs.run, glyphs.run_first)
    user = floats((state.user for state in states), 2)[glyphs.run]
    moved = drift != 0
    ux = np.where(moved, glyphs.ux + user[:, 0] * drift, glyphs.ux)
    return ux, np.where(moved, glyphs.uy + user[:, 1] * drift, glyphs.uy)


def drift_in_runs(
    shortfall: np.ndarray, run: np.ndarray, run_first: np.ndarray, limit: int = _DRIFT_MATRIX
) -> np.ndarray:
    """Each glyph's sum of the shortfalls before it in its run, added one by one in order
    (as the per-character code added them): the runs laid out as the rows of a matrix,
    padded with zeros, and summed along the rows, which `np.add.accumulate` does in order
    within each row; a run in one matrix row and its end in the next would not be. Where
    one long run among short ones would make that matrix larger than `limit`, run by run."""
    n = len(shortfall)
    position = np.arange(n) - run_first[run]  # each glyph's place in its run
    width = int(position.max()) + 1 if n else 0
    if len(run_first) * width <= limit:
        rows = np.zeros((len(run_first), width + 1))
        rows[run, position + 1] = shortfall  # a glyph's own shortfall counts from the next
        return np.add.accumulate(rows, axis=1)[run, position]
    drift = np.zeros(n)
    ends = np.append(run_first[1:], n)
    for start, end in zip(run_first.tolist(), ends.tolist(), strict=True):
        if end - start > 1:
            drift[start + 1 : end] = np.cumsum(shortfall[start : end - 1])
    return drift


def blank_chars(
    fonts: Fonts, page: Page, frame: Frame, drawing: Drawing, read: set[int]
) -> list[tuple[int, Char]]:
    """The space glyphs of the text objects PDFium's text page leaves out (none of its
    characters is among those `read`: it draws a space alone), with their place in content
    order. Told by the text page's characters already read rather than by asking PDFium for
    each object's text, which scans the whole text page an object (a third of a
    millisecond a page)."""
    named, faces = fonts.of_page(page), {}
    found = []
    for obj, (order, space) in drawing.texts.items():
        if obj in read:
            continue
        own = multiply(calls.object_user_matrix(obj), space)
        face = face_of(calls.text_font(obj), fonts, named, faces)
        blank = text_object(calls.text_font_size(obj), own[:4], face, IDENTITY)
        if " " in blank.widths:
            box = char_box(blank, own[4:], 0.0, frame)
            found.append((order, (" ", *box, blank.upright, blank.size)))
    return found


def any_of(codes: np.ndarray, values: tuple[int, ...]) -> np.ndarray:
    """Where `codes` is one of a few `values` (`np.isin` sorts, and cost more a page)."""
    found = np.zeros(len(codes), dtype=bool)
    for value in values:
        found |= codes == value
    return found


def page_codes(textpage: Any) -> np.ndarray:
    """The Unicode code of every character of the text page, read in one call; each is
    asked for where that call's text differs (a code beyond 16 bits takes two units of
    UTF-16; a line-end hyphen's mark and a code without Unicode both read 0xFFFE)."""
    count = raw.FPDFText_CountChars(textpage)
    buffer = (ctypes.c_ushort * (count + 1))()
    if raw.FPDFText_GetText(textpage, 0, count, buffer) != count + 1:
        return np.array([raw.FPDFText_GetUnicode(textpage, i) for i in range(count)], np.int64)
    codes = np.frombuffer(buffer, np.uint16, count).astype(np.int64)
    for i in np.flatnonzero(any_of(codes, _NO_UNICODE)).tolist():
        codes[i] = raw.FPDFText_GetUnicode(textpage, i)
    return codes


def unmapped(textpage: Any, index: int, text: str) -> bool:
    """Whether PDFium found no Unicode for a character whose text its font's map lacks."""
    return any(ord(c) in _NO_UNICODE for c in text) or bool(
        raw.FPDFText_HasUnicodeMapError(textpage, index)
    )


def words_of(chars: PageChars, doctop: float) -> list[Obj]:
    """pdfplumber's words of the characters (`Page.extract_words()` with its defaults);
    `doctop` is the page's top in the document."""
    if chars.upright.all():
        return upright_words(chars, doctop)
    keys = ("text", "x0", "x1", "top", "bottom", "upright", "size")
    dicts = [dict(zip(keys, char, strict=True)) for char in chars.rows()]
    for char in dicts:
        char["doctop"] = char["top"] + doctop
    return [word for word, _ in _WORDS.iter_extract_tuples(dicts)] if dicts else []


def upright_words(chars: PageChars, doctop: float) -> list[Obj]:
    """What pdfplumber's `WordExtractor` makes of upright characters, on arrays: lines by
    `cluster_objects` on the tops (a line goes on while each next top, in order, is within
    y_tolerance of the one before), each line's characters by x0 (stable: content order
    among equals), a word ended by a blank character, a step back, a gap wider than
    x_tolerance or a top that moves more than y_tolerance (the default 3 pt each)."""
    if not len(chars):
        return []
    x0, x1, top, bottom = chars.box.T
    tops = np.unique(top)  # the sorted distinct tops, as `make_cluster_dict` clusters them
    line_of_top = np.concatenate([[0], np.cumsum(tops[1:] > tops[:-1] + _Y_TOLERANCE)])
    line = line_of_top[np.searchsorted(tops, top)]
    order = np.lexsort((x0, line))  # by line, then x0; content order among equals
    texts = list(map(chars.texts.__getitem__, order.tolist()))
    line, x0, x1, top, bottom = line[order], x0[order], x1[order], top[order], bottom[order]
    blank = np.fromiter(map(str.isspace, texts), bool, len(texts))
    new = np.ones(len(texts), dtype=bool)
    new[1:] = (
        (line[1:] != line[:-1])
        | blank[:-1]
        | (x0[1:] < x0[:-1])
        | (x0[1:] > x1[:-1] + _X_TOLERANCE)
        | (np.abs(top[1:] - top[:-1]) > _Y_TOLERANCE)
    )
    kept = np.flatnonzero(~blank)
    if not len(kept):
        return []
    first = np.flatnonzero(new[kept])  # each word's first character, among the kept ones
    kept_texts = list(map(texts.__getitem__, kept.tolist()))
    bounds = [*first.tolist(), len(kept)]
    words = ["".join(kept_texts[a:b]) for a, b in pairwise(bounds)]
    if not _LIGATURE_CHARS.isdisjoint("".join(texts)):
        words = [word.translate(_EXPAND_LIGATURES) for word in words]
    x0, x1 = x0[kept][first].tolist(), np.maximum.reduceat(x1[kept], first).tolist()
    top = np.minimum.reduceat(top[kept], first).tolist()
    bottom = np.maximum.reduceat(bottom[kept], first).tolist()
    return [
        {
            "text": text,
            "x0": left,
            "x1": right,
            "top": high,
            "doctop": high + doctop,
            "bottom": low,
            "upright": True,
            "height": low - high,
            "width": right - left,
            "direction": "ltr",
        }
        for text, left, right, high, low in zip(words, x0, x1, top, bottom, strict=True)
    ]
