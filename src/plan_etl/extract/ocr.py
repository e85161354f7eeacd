"""Scanned PDF pages: read by OCR, then by the same table code as text PDFs.

A page without a text layer is rendered (300 dpi, greyscale), turned upright if it was
scanned sideways, straightened by its fraction-of-a-degree skew, cleaned of its ruling
(found by morphology: long straight runs of ink), and read by Tesseract (Russian) into
words with boxes and confidences. Nothing here reads tables: each OCR'd page becomes what
the text-PDF reader's parse of a page gives (`PageContent`: words in points, and the tables
pdfplumber's finder draws from the ruling), and the pages of the file, text pages parsed as
usual, go through the same grid, borderless and assembly code as a text PDF.

Every row from an OCR'd page carries the note "text read by OCR"; a row holding words
Tesseract was unsure of also names them (`DOUBTED_NOTE`: records.py lowers the row's match
only if it depends on them). Before the table code, misread words are set right against a
lexicon (`ocrtext`); after it, misreads inside dates by the deadline grammar
(`restore_dates`); either kind of change is named in the row's warnings, as read.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import cache
from operator import itemgetter
from pathlib import Path
from statistics import median

import cv2
import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.page import Page
from pdfplumber.utils import line_to_edge

from plan_etl.extract.base import (
    LOW_CONFIDENCE_NOTE,
    OCR_NOTE,
    Block,
    ExtractError,
    RawDocument,
    doubted_note,
    one_line,
)
from plan_etl.extract.ocrtext import (
    Lexicon,
    apart_regions,
    corrected_note,
    initials,
    numerals_by_width,
    own_words,
    rejoined,
    split_by_government,
    with_corrections,
)
from plan_etl.extract.pdf import document_blocks
from plan_etl.extract.pdf.lines import Obj
from plan_etl.extract.pdf.page import DrawnPage, PageContent, parse_page, ruled_tables
from plan_etl.extract.pdf.ruled import ruling_line
from plan_etl.extract.pdfchars import CharPage
from plan_etl.normalize.dates import restore_dates

__all__ = ["LOW_CONFIDENCE_NOTE", "OCR_NOTE", "with_ocr"]
INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-rus"

RENDER_DPI = 300  # Tesseract reads body text best at 300 dpi (its documented sweet spot)
PT_PER_PX = 72 / RENDER_DPI
# A scan is mostly one image filling its page: its stored picture, scaled to RENDER_DPI, is
# PDFium's rendering less a grey level on average (0.75 on the bench scans) at a sixth of the
# cost. Taken when the image fills the page to PAGE_FIT_PT and a THUMBNAIL_DPI rendering of
# the page differs from it by at most SAME_PICTURE grey levels on average (a mask, a Decode
# array, a colour space PDFium maps otherwise would show there); otherwise rendered.
PAGE_FIT_PT = 1.0
THUMBNAIL_DPI = 18
SAME_PICTURE = 8.0
# Pixels a page may have at RENDER_DPI: A3 is 17.4 million, a 200-inch page (a 453-byte PDF
# can declare one) 3.6 billion, gigabytes of image. A page past this is refused before it is
# rendered (OCR holds a few copies of a page, on two pages at once).
MAX_PAGE_PIXELS = 25_000_000
# Pixels of the images a page draws, together: PDFium decodes each whole to render it, and a
# few KB of packed zeros can declare a gigapixel. An A4 page scanned at 800 dpi is 62 million.
MAX_IMAGE_PIXELS = 64_000_000
# A page with less ink than this share of its pixels (darker than INK_LEVEL) is not read by
# Tesseract: a short signature line inks about 0.1 %, a dot or a speck of dust far less, and
# each page read costs a Tesseract run.
MIN_PAGE_INK = 0.0002
INK_LEVEL = 128
# Decrees print no curly braces; on a noisy scan Tesseract reads «(» and «)» as them.
CHARACTER_FIXES = str.maketrans("{}", "()")
# Tesseract's Russian model reads Roman numerals as Cyrillic letters (measured on the dev
# scans: «Г», «П», «Ш» every time). In dates the deadline grammar reads them by their place
# (`restore_dates`); the numbers of Roman sections («П. Кадровый блок») are put back at the
# start of a printed line, before a capitalised word (no line of a plan starts with «П.»).
ROMAN_MISREADS = {"Г": "I", "П": "II", "И": "II", "Ш": "III", "ГУ": "IV", "ТУ": "IV", "ПУ": "IV"}
INITIALS = {"И"}  # «И. Петров»: a common initial, not read as a section number
# Tesseract drops the space between a number and a word («до1марта», «2024года»); Russian
# print never joins digits to lower-case words, so a space goes back between them.
_DIGIT_WORD = re.compile(r"(?<=[а-яё]{2})(?=\d)|(?<=\d)(?=[а-яё]{2})")
LANGUAGE = "rus"
# Page segmentation 6, "one uniform block of text": with the ruling wiped, a table page
# reads as lines of words, which is all the table code needs (the boxes place the words).
# Measured on the fixture scans against 3 (automatic layout): 3 misreads fewer words in
# staggered two-line headers, but its blocks and line groups lost every row of two of the
# four fixtures; 4 and 11 read no better than 6 and took longer.
PSM = 6
# Tesseract's word confidence (0–100) under which a word is doubted. Its confidence tells
# right from wrong only weakly: on the fixture scans (words of 3+ letters) 6 of 1,115 right
# words and 4 of 18 misread ones score below 40; below 60, 32 right and 6 misread.
LOW_CONFIDENCE = 40
# Tesseract 5 reads every line it is unsure of a second time inverted (white on black). Its
# input here is always black on white (the ink is cleaned and the ruling wiped first), so
# that second reading only costs time: a quarter of Tesseract's time on a plan page (2.83 →
# 2.14 s on perm's page 2, the same words).
TESSERACT_CONFIG = ("-c", "tessedit_do_invert=0")
# Words shorter than this are not doubted: punctuation and one- or two-letter words score
# low without changing what a row says.
MIN_DOUBTED_LENGTH = 3

# Skew: scans lean by fractions of a degree; searched on a reduced image in steps that
# shrink around the best angle so far (a step's neighbours always bracket the true angle).
MAX_SKEW = 3.0  # degrees either way
SKEW_STEPS = (0.5, 0.1, 0.02)  # 13 + 11 + 11 rotations instead of 301 at the finest step
SKEW_SCALE = 0.25  # the skew search works on a 75-dpi copy: enough for lines of text
# A page may have been scanned sideways when its ink's column profile is this much sharper
# than its rows' (text lines make the row profile of an upright page the sharper one).
TURNED_RATIO = 1.5
# A page that looks sideways is read in this many horizontal bands; the inkiest tells which
# way is up.
ORIENTATION_BANDS = 6

# Ruling: a straight run of ink at least this long (px at 300 dpi, ≈ 8.5 mm) is a rule;
# no glyph of body text has one (an em dash at 14 pt is ≈ 58 px).
RULE_MIN_PX = 100
RULE_MAX_THICKNESS_PX = 12  # thicker runs are filled areas (stamps, photos), not rules
RULE_GAP_PX = 9  # a rule broken by scan noise for up to this many px is one rule
# The ruling is wiped from the image Tesseract reads with this margin (px) around it: the
# blurred edge of a rule left behind reads as «|» or «—».
WIPE_PX = 9
# A word box with less ink than this share of its pixels is blank paper (the thinnest real
# word, a «-» or «1», inks several per cent of its box).
MIN_INK_SHARE = 0.01
# Words on one printed line share a baseline; a word whose bottom is this share of the
# line's height from the line's median bottom sits on that baseline (descenders, noise).
# (Measured on the Tatarstan scan: each word on its own baseline, raised for letters that
# hang below the line, mixed the words of two lines in 8 rows, this snapping in 5.)
BASELINE_SNAP = 0.35
# Two words of one cell whose baselines lie within this share of the font size stand on one
# printed line (two lines of a cell are at least a font size apart).
LINE_SHIFT = 0.5
FONT_PER_PX_HEIGHT = 1.3  # font size (pt) per pt of a line's median word height (x-height to caps)
MIN_FONT, MAX_FONT = 4.0, 24.0
# The share of a line's font size below its baseline (р, у, д hang there): a text PDF's
# words reach from the font's ascent to its descent, and OCR'd words are given the same
# box (the typical sans descent, as DejaVu's 0.24 em).
DESCENT = 0.24

_PDFIUM = threading.Lock()  # PDFium is not thread-safe: pages render one at a time
# Pages are read in parallel by our own threads (one per core); OpenCV's own thread pool on
# top of them only adds threads that wait for cores (measured: a fifth more CPU a page).
cv2.setNumThreads(1)


@dataclass(frozen=True, slots=True)
class Word:
    """A recognised word, its box in points on the upright page, and its confidence."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    baseline: float
    size: float  # font size (pt) of its printed line: one size keeps the line one line
    confidence: float
    line: int | None = None  # Tesseract's line it was read in (None: a line of its own)

    @property
    def doubted(self) -> bool:
        return self.confidence < LOW_CONFIDENCE and len(self.text) >= MIN_DOUBTED_LENGTH


@dataclass(frozen=True, slots=True)
class Rule:
    """A ruling line in points on the upright page (horizontal or vertical)."""

    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(frozen=True, slots=True)
class OcrPage:
    """What OCR read on one page: its upright size in points, words and ruling."""

    width: float
    height: float
    words: list[Word]
    rules: list[Rule]


# --- set-up ------------------------------------------------------------------------------------


@cache
def tesseract_problem() -> str | None:
    """Why Tesseract cannot read Russian on this machine, or None if it can."""
    if shutil.which("tesseract") is None:
        return f"Tesseract is not installed ({INSTALL_HINT})"
    found = subprocess.run(
        ["tesseract", "--list-langs"], capture_output=True, text=True, check=False
    )
    if LANGUAGE not in found.stdout.split():
        return f"Tesseract has no Russian language data ({INSTALL_HINT})"
    return None


# --- image ---------------------------------------------------------------------------------------


def grey(bitmap: pdfium.PdfBitmap) -> np.ndarray | None:
    """A PDFium bitmap as one greyscale channel, or None for a layout we do not expect."""
    array = bitmap.to_numpy()
    if bitmap.format == pdfium_c.FPDFBitmap_Gray:
        return np.ascontiguousarray(array[..., 0] if array.ndim == 3 else array)
    if bitmap.format in (
        pdfium_c.FPDFBitmap_BGR,
        pdfium_c.FPDFBitmap_BGRx,
        pdfium_c.FPDFBitmap_BGRA,
    ):
        return cv2.cvtColor(np.ascontiguousarray(array[..., :3]), cv2.COLOR_BGR2GRAY)
    return None


def stored_image(page: pdfium.PdfPage) -> np.ndarray | None:
    """The page's picture as stored, if the page is one upright image filling it (a scan's
    usual make-up): decoding it is a sixth of rendering the page at RENDER_DPI."""
    objects = list(page.get_objects(max_depth=1))
    if len(objects) != 1 or objects[0].type != pdfium_c.FPDF_PAGEOBJ_IMAGE or page.get_rotation():
        return None
    a, b, c, d, e, f = objects[0].get_matrix().get()
    width, height = page.get_size()
    fills = max(abs(a - width), abs(d - height), abs(e), abs(f)) <= PAGE_FIT_PT
    return grey(objects[0].get_bitmap(render=False)) if fills and b == c == 0 else None


def check_pixels(page: pdfium.PdfPage, number: int) -> None:
    """Refuse (`ExtractError`) a page whose rendering or images would take more pixels than
    MAX_PAGE_PIXELS / MAX_IMAGE_PIXELS, before any is decoded."""
    width, height = page.get_size()
    pixels = (width * RENDER_DPI / 72) * (height * RENDER_DPI / 72)
    if pixels > MAX_PAGE_PIXELS:
        raise ExtractError(
            f"page {number} is too large to read by OCR ({width / 72:.0f} x {height / 72:.0f} "
            f"inches: {pixels / 1e6:,.0f} million pixels at {RENDER_DPI} dpi, at most "
            f"{MAX_PAGE_PIXELS / 1e6:.0f})"
        )
    images = page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])
    drawn = sum(math.prod(image.get_px_size()) for image in images)
    if drawn > MAX_IMAGE_PIXELS:
        raise ExtractError(
            f"page {number} draws images of {drawn / 1e6:,.0f} million pixels, too large to "
            f"read by OCR (at most {MAX_IMAGE_PIXELS / 1e6:.0f})"
        )


def worth_reading(image: np.ndarray) -> bool:
    """The page has ink enough to hold a word (MIN_PAGE_INK)."""
    return np.count_nonzero(image < INK_LEVEL) >= MIN_PAGE_INK * image.size


def render(pdf: pdfium.PdfDocument, index: int) -> np.ndarray:
    """Page `index` as a greyscale image at RENDER_DPI: its stored image scaled (when that
    is the page: its thumbnail agrees with PDFium's), else PDFium's rendering. A page too
    large to render is refused (`check_pixels`)."""
    with _PDFIUM:
        page = pdf[index]
        check_pixels(page, index + 1)
        stored, thumbnail = stored_image(page), None
        if stored is not None:
            thumbnail = grey(page.render(scale=THUMBNAIL_DPI / 72, grayscale=True))
            size = tuple(math.ceil(side * RENDER_DPI / 72) for side in page.get_size())
    if stored is not None and thumbnail is not None:
        small = cv2.resize(stored, thumbnail.shape[::-1], interpolation=cv2.INTER_AREA)
        if cv2.absdiff(small, thumbnail).mean() <= SAME_PICTURE:
            return cv2.resize(stored, size, interpolation=cv2.INTER_LINEAR)
    with _PDFIUM:
        rendered = grey(pdf[index].render(scale=RENDER_DPI / 72, grayscale=True))
    assert rendered is not None  # a grayscale rendering is one channel
    return rendered


def ink_of(image: np.ndarray) -> np.ndarray:
    """Dark pixels as 255 on 0 (Otsu's threshold suits a scan's two-peaked histogram)."""
    _, ink = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return ink


def profile_sharpness(ink: np.ndarray, axis: int) -> float:
    """How sharply ink alternates with gaps along an axis (1: rows, 0: columns)."""
    sums = ink.sum(axis=axis, dtype=np.float64)
    return float(np.square(np.diff(sums)).sum())


def rotate(image: np.ndarray, degrees: float, fill: int) -> np.ndarray:
    """The image turned by `degrees` (counter-clockwise) about its centre, same size."""
    h, w = image.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=fill)


def reduced(ink: np.ndarray) -> np.ndarray:
    """The ink at SKEW_SCALE, where orientation and skew are measured."""
    return cv2.resize(ink, None, fx=SKEW_SCALE, fy=SKEW_SCALE, interpolation=cv2.INTER_AREA)


def skew_angle(small: np.ndarray) -> float:
    """The rotation (degrees) that makes the text lines and rules horizontal: the one whose
    row profile of the reduced ink (`reduced`) is sharpest, in ever finer steps around the
    best."""

    def best(angles: np.ndarray) -> float:
        return float(max(angles, key=lambda a: profile_sharpness(rotate(small, a, 0), 1)))

    angle, span = 0.0, MAX_SKEW
    for step in SKEW_STEPS:
        angle = best(angle + np.arange(-span, span + step / 2, step))
        span = step
    return angle


def mean_confidence(image: np.ndarray) -> float:
    """Tesseract's mean word confidence on an image (0 if it finds no word)."""
    tsv = run_tesseract(image, ["--psm", str(PSM)], "tsv")
    scores = [
        float(c[10])
        for r in tsv.splitlines()[1:]
        if len(c := r.split("\t")) == 12 and c[0] == "5" and c[11].strip()
    ]
    return sum(scores) / len(scores) if scores else 0.0


def inkiest_band(image: np.ndarray) -> np.ndarray:
    """The horizontal band of the page (of ORIENTATION_BANDS) with the most ink."""
    h = image.shape[0]
    bands = [
        image[i * h // ORIENTATION_BANDS : (i + 1) * h // ORIENTATION_BANDS]
        for i in range(ORIENTATION_BANDS)
    ]
    return min(bands, key=lambda b: float(b.mean()))


def turned_upright(image: np.ndarray) -> np.ndarray:
    """A page that looks scanned sideways, turned whichever way (a quarter either way, or
    not at all) its inkiest band reads with the most confidence. (Tesseract's own
    orientation detection took seconds a page; three reads of one band take a fraction.)"""
    turns = (None, cv2.ROTATE_90_COUNTERCLOCKWISE, cv2.ROTATE_90_CLOCKWISE)
    candidates = [image if t is None else cv2.rotate(image, t) for t in turns]
    return max(candidates, key=lambda c: mean_confidence(inkiest_band(c)))


def upright(image: np.ndarray) -> np.ndarray:
    """The page turned upright (if scanned sideways) and straightened."""
    small = reduced(ink_of(image))
    if profile_sharpness(small, 0) > TURNED_RATIO * profile_sharpness(small, 1):
        image = turned_upright(image)
        small = reduced(ink_of(image))
    return rotate(image, skew_angle(small), 255)


def rule_masks(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The horizontal and the vertical ruling: straight runs of ink at least RULE_MIN_PX
    long, then bridged where scan noise broke them (bridging first would join the letters
    of a text line into runs too)."""
    masks = []
    for shape in ((RULE_MIN_PX, 1), (1, RULE_MIN_PX)):
        gap = (RULE_GAP_PX, 1) if shape[0] > 1 else (1, RULE_GAP_PX)
        runs = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(0, shape))
        masks.append(cv2.morphologyEx(runs, cv2.MORPH_CLOSE, cv2.getStructuringElement(0, gap)))
    return masks[0], masks[1]


def rules_of(mask: np.ndarray, horizontal: bool) -> list[Rule]:
    """Each thin straight run of a rule mask as a line through its middle, in points; the
    mask keeps only those runs (thick ones are filled areas, which stay in the image).
    (A run's outer contour gives its box: tracing the few runs' borders costs a twentieth of
    labelling every pixel of the page.)"""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    rules = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if (h if horizontal else w) > RULE_MAX_THICKNESS_PX:
            cv2.drawContours(mask, [contour], -1, 0, cv2.FILLED)
        elif horizontal:
            mid = (y + h / 2) * PT_PER_PX
            rules.append(Rule(x * PT_PER_PX, mid, (x + w) * PT_PER_PX, mid))
        else:
            mid = (x + w / 2) * PT_PER_PX
            rules.append(Rule(mid, y * PT_PER_PX, mid, (y + h) * PT_PER_PX))
    return sorted(rules, key=lambda r: (r.top, r.x0) if horizontal else (r.x0, r.top))


# --- Tesseract -----------------------------------------------------------------------------------


def run_tesseract(image: np.ndarray, args: list[str], output: str) -> str:
    """Tesseract's output for an image, one thread (pages run in parallel instead). The
    image goes through a temporary PGM file (no PNG compression): fed on stdin, Python's
    `communicate` writes the megabytes in thousands of 512-byte pieces, a tenth of a
    second of CPU a page."""
    ok, encoded = cv2.imencode(".pgm", image)
    assert ok
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    with tempfile.NamedTemporaryFile(suffix=".pgm") as file:
        file.write(encoded.tobytes())
        file.flush()
        done = subprocess.run(
            [
                *("tesseract", file.name, "stdout", "-l", LANGUAGE, "--dpi", str(RENDER_DPI)),
                *TESSERACT_CONFIG,
                *args,
                output,
            ],
            capture_output=True,
            env=env,
            check=False,
        )
    if done.returncode != 0:
        raise ExtractError(
            f"Tesseract failed: {done.stderr.decode(errors='replace').strip()[:200]}"
        )
    return done.stdout.decode("utf-8", errors="replace")


def has_ink(ink: np.ndarray, cols: list[str]) -> bool:
    """Whether a word's box holds ink: in the wide gap between two table columns Tesseract
    sometimes reports a «—» over blank paper."""
    left, top, w, h = (int(c) for c in cols[6:10])
    box = ink[top : top + h, left : left + w]
    return box.size > 0 and float(box.mean()) / 255 >= MIN_INK_SHARE


def fixed(text: str) -> str:
    """A word as Tesseract read it, with its known slips undone."""
    return _DIGIT_WORD.sub(" ", text.strip().translate(CHARACTER_FIXES))


def roman_section(texts: list[str]) -> list[str]:
    """A printed line's words with the Roman section number it starts with put back where
    OCR read it as Cyrillic letters («П. Кадровый блок» → «II. Кадровый блок»)."""
    if len(texts) < 2 or not texts[0].endswith(".") or not texts[1][:1].isupper():
        return texts
    roman = ROMAN_MISREADS.get(texts[0][:-1]) if texts[0][:-1] not in INITIALS else None
    return texts if roman is None else [f"{roman}.", *texts[1:]]


ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
# A paragraph opening like a Roman section heading whose numeral OCR garbled («ПИ.
# Внедрение …»): a run of numeral-like glyphs and a dot, then a capitalised word
_GARBLED_SECTION = re.compile(r"^([IVXΙlі|\[\]1ТГПНИЙШЩУ]{1,4})\.\s+(?=[А-ЯЁA-Z«])")


def numbered_sections(blocks: list[Block]) -> list[Block]:
    """Paragraphs that open like a Roman section heading whose numeral OCR garbled past
    reading («ПИ. Внедрение …» after «II. Кадровый блок») numbered by their place: the
    section after the last one read. Only in a plan whose sections were read as Roman
    numerals before it; a paragraph whose numeral reads stays as read."""
    out, last = [], 0
    for block in blocks:
        texts = block.cells if block.cells is not None else (block.text or "",)
        filled = [i for i, t in enumerate(texts) if t.strip()]
        text = texts[filled[0]] if len(filled) == 1 else ""  # a heading fills one cell
        m = _GARBLED_SECTION.match(text)
        if m and m[1] in ROMAN:
            last = ROMAN.index(m[1]) + 1
        elif m and last and m[1] not in INITIALS and last < len(ROMAN):
            numbered = f"{ROMAN[last]}. {text[m.end() :]}"
            if block.cells is None:
                block = replace(block, text=numbered)
            else:
                cells = tuple(numbered if i == filled[0] else t for i, t in enumerate(texts))
                block = replace(block, cells=cells)
            last += 1
        out.append(block)
    return out


# A heading opening with a number of two or three digits and a dot («31. Оптимизация …»)
_UNDOTTED_HEADING = re.compile(r"^(\d{2,3})\.\s+(?=[А-ЯЁA-Z«])")
_ITEM_NUMBER = re.compile(r"^(\d+(?:\.\d+)+)\.?$")
# How many blocks after such a heading its first item row may stand (a repeated table
# header and its column numbers between them on a new page)
HEADING_LOOKAHEAD = 4


def dotted_subheadings(blocks: list[Block]) -> list[Block]:
    """Sub-headings whose number lost its inner dot to OCR («31. Оптимизация …» for «3.1.»)
    numbered as printed: the item row under it is numbered «3.1.1.», so the heading is its
    parent «3.1.», not a section 31. Without such an item row it stays as read."""
    out = list(blocks)
    for at, block in enumerate(blocks):
        texts = block.cells if block.cells is not None else (block.text or "",)
        filled = [i for i, t in enumerate(texts) if t.strip()]
        m = _UNDOTTED_HEADING.match(texts[filled[0]]) if len(filled) == 1 else None
        parent = _first_item_parent(blocks[at + 1 : at + 1 + HEADING_LOOKAHEAD]) if m else None
        if m and parent and parent.replace(".", "") == m[1]:
            text = f"{parent}. {texts[filled[0]][m.end() :]}"
            if block.cells is None:
                out[at] = replace(block, text=text)
            else:
                cells = tuple(text if i == filled[0] else t for i, t in enumerate(texts))
                out[at] = replace(block, cells=cells)
    return out


def _first_item_parent(blocks: list[Block]) -> str | None:
    """The number of the heading over the first item row of `blocks` («3.1» for «3.1.1.»)."""
    for block in blocks:
        first = (block.cells or ("",))[0].strip()
        if m := _ITEM_NUMBER.match(first):
            return m[1].rsplit(".", 1)[0]
    return None


def words_of(tsv: str, ink: np.ndarray) -> list[Word]:
    """Tesseract's TSV as words in points, each on its printed line's baseline."""
    lines: dict[tuple[str, str, str], list[list[str]]] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) == 12 and cols[0] == "5" and cols[11].strip() and has_ink(ink, cols):
            lines.setdefault((cols[2], cols[3], cols[4]), []).append(cols)
    words = []
    for number, group in enumerate(lines.values()):
        boxes = [tuple(int(c) for c in cols[6:10]) for cols in group]
        confs = [float(cols[10]) for cols in group]
        line_bottom = median(top + h for _, top, _, h in boxes)
        line_height = median(h for *_, h in boxes)
        size = min(max(line_height * PT_PER_PX * FONT_PER_PX_HEIGHT, MIN_FONT), MAX_FONT)
        texts = roman_section([fixed(c[11]) for c in group])
        for text, (left, top, w, h), conf in zip(texts, boxes, confs, strict=True):
            bottom = top + h
            snap = abs(bottom - line_bottom) <= BASELINE_SNAP * line_height
            base = line_bottom if snap else bottom
            words.append(
                Word(
                    text,
                    left * PT_PER_PX,
                    top * PT_PER_PX,
                    (left + w) * PT_PER_PX,
                    bottom * PT_PER_PX,
                    base * PT_PER_PX,
                    size,
                    conf,
                    number,
                )
            )
    return words


def read_page(pdf: pdfium.PdfDocument, index: int) -> OcrPage:
    """OCR one page: upright, ruling found and wiped, words read (none on a page without
    ink worth reading)."""
    image = render(pdf, index)
    if not worth_reading(image):
        h, w = image.shape
        return OcrPage(w * PT_PER_PX, h * PT_PER_PX, [], [])
    image = upright(image)
    ink = ink_of(image)
    horizontal, vertical = rule_masks(ink)
    rules = rules_of(horizontal, True) + rules_of(vertical, False)
    ruling = cv2.dilate(cv2.bitwise_or(horizontal, vertical), np.ones((WIPE_PX, WIPE_PX), np.uint8))
    # Tesseract gets the ink without the ruling, black on white: a wiped stripe left in
    # a grey, noisy background reads as «—» itself
    text_ink = cv2.bitwise_and(ink, cv2.bitwise_not(ruling))
    words = words_of(run_tesseract(cv2.bitwise_not(text_ink), ["--psm", str(PSM)], "tsv"), text_ink)
    h, w = image.shape
    return OcrPage(w * PT_PER_PX, h * PT_PER_PX, words, rules)


def page_workers(pages: int) -> int:
    """Threads to OCR a file's pages with: one Tesseract process per core this process may
    use (the threads only wait on Tesseract and OpenCV, which release the GIL)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(pages, cores))


def read_pages(pdf: pdfium.PdfDocument, indices: list[int]) -> list[OcrPage]:
    """OCR the given pages in parallel, results in page order."""
    with ThreadPoolExecutor(page_workers(len(indices))) as pool:
        return list(pool.map(lambda i: read_page(pdf, i), indices))


# --- the page for the table code ----------------------------------------------------------------


def cell_of(word: Word, verticals: list[Rule], horizontals: list[Rule]) -> tuple[int, int]:
    """Which cell of the ruling a word stands in: the vertical rules beside its height left
    of its centre, and the horizontal rules above it over its centre ((0, 0) on a page
    without ruling)."""
    x, y = (word.x0 + word.x1) / 2, (word.top + word.bottom) / 2
    column = sum(1 for r in verticals if r.top <= y <= r.bottom and r.x0 < x)
    row = sum(1 for r in horizontals if r.x0 <= x <= r.x1 and r.top < y)
    return column, row


def cell_lines(words: list[Word], rules: list[Rule]) -> list[Word]:
    """Words with one baseline and size for each printed line of a ruled cell. Tesseract
    reads a ruled page's lines across the columns, and one of its lines mixes words of cells
    whose lines stand a little higher or lower: a word far from its line's baseline kept its
    own, and could then sort above or below the rest of its printed line in its cell
    («квартал 2024г. 4»). Within a cell, words whose baselines lie within LINE_SHIFT of
    their font size of the first one's are one printed line, and take the baseline (and
    size) most of them stand on; left to right is then the table code's reading."""
    verticals = [r for r in rules if r.x0 == r.x1]
    if not verticals:
        return words
    horizontals = [r for r in rules if r.top == r.bottom]
    cells: dict[tuple[int, int], list[Word]] = {}
    for word in words:
        cells.setdefault(cell_of(word, verticals, horizontals), []).append(word)
    out = []
    for cell in cells.values():
        for line in printed_lines(cell):
            base, size = Counter((w.baseline, w.size) for w in line).most_common(1)[0][0]
            out += [replace(w, baseline=base, size=size) for w in line]
    return out


def printed_lines(words: list[Word]) -> list[list[Word]]:
    """One cell's words grouped into printed lines by their baselines, top to bottom."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: w.baseline):
        if lines and word.baseline - lines[-1][0].baseline <= LINE_SHIFT * word.size:
            lines[-1].append(word)
        else:
            lines.append([word])
    return lines


def word_objects(word: Word) -> list[Obj]:
    """A recognised word as the table code's word dicts: one per space-separated part (the
    fixes above may split a word), the box's width shared by character count; every word of
    a printed line gets the same top and bottom, from the line's baseline and font size, as
    a text PDF gives its words."""
    bottom = word.baseline + DESCENT * word.size
    top = bottom - word.size
    parts = word.text.split()
    if not parts:
        return []
    per_char = (word.x1 - word.x0) / len(" ".join(parts))
    objects, x0 = [], word.x0
    for part in parts:
        x1 = x0 + per_char * len(part)
        objects.append({"text": part, "x0": x0, "x1": x1, "top": top, "bottom": bottom})
        x0 = x1 + per_char
    return objects


def rule_edge(rule: Rule) -> Obj:
    """A ruling line as a pdfplumber edge."""
    return line_to_edge(ruling_line(rule.x0, rule.x1, rule.top, rule.bottom))


@dataclass(frozen=True)
class PageRepairs:
    """Thresholds of the repairs made to a page OCR read before the table code gets it."""

    # A table's outer border: vertical rules within this many points of the outermost x, and
    # horizontal rules ending as close to it.
    frame_x: float = 2.0
    # A border piece ends at a horizontal rule (the table's top or bottom edge) this close.
    frame_y: float = 3.0
    # A page number stands within this share of the page width from the page's middle ...
    page_number_centre: float = 0.1
    # ... and has at most this many glyphs (a decree's pages number in the tens).
    page_number_glyphs: int = 3


REPAIRS = PageRepairs()
# Glyphs Tesseract's Russian model reads for a lone digit (a page number has no word beside
# it to tell it by): their digits; which digit is immaterial, as a page number is dropped.
DIGIT_LOOK_ALIKES = str.maketrans("оОбЗзlI|Ч", "006331114")


def mended_frame(rules: list[Rule]) -> list[Rule]:
    """The ruling with a table's outer border whole. Scan noise or a stamp breaks a border
    rule for longer than the gap rule masks bridge, and the table finder then loses the
    column beside it (its words end up outside the table, read as headings). A table's frame
    is a rectangle: where one side border runs unbroken between two horizontal rules that
    cross the whole table, the other side does too."""
    verticals = [r for r in rules if r.x0 == r.x1]
    if len(verticals) < 2:
        return rules
    xs = (min(r.x0 for r in verticals), max(r.x0 for r in verticals))
    sides = [[r for r in verticals if abs(r.x0 - x) <= REPAIRS.frame_x] for x in xs]
    if set(map(id, sides[0])) & set(map(id, sides[1])):
        return rules
    # the table's top and bottom edges, and the rules between its rows, end at its frame (a
    # table without side borders has none: its outermost verticals are column rules)
    across = [r for r in rules if r.top == r.bottom and abs(r.x0 - xs[0]) <= REPAIRS.frame_x]
    across = [r.top for r in across if abs(r.x1 - xs[1]) <= REPAIRS.frame_x]

    def closed(y: float) -> bool:
        return any(abs(y - edge) <= REPAIRS.frame_y for edge in across)

    framed = {id(r) for side in sides for r in side}
    out = [r for r in rules if id(r) not in framed]
    for x, side, other in ((xs[0], sides[0], sides[1]), (xs[1], sides[1], sides[0])):
        spans = [(r.top, r.bottom) for r in side]
        spans += [(r.top, r.bottom) for r in other if closed(r.top) and closed(r.bottom)]
        out += [Rule(x, top, x, bottom) for top, bottom in joined(spans, REPAIRS.frame_y)]
    return out


def joined(spans: list[tuple[float, float]], slack: float) -> list[tuple[float, float]]:
    """Intervals that overlap or lie within `slack` of each other joined into one."""
    out: list[tuple[float, float]] = []
    for top, bottom in sorted(spans):
        if out and top <= out[-1][1] + slack:
            out[-1] = (out[-1][0], max(out[-1][1], bottom))
        else:
            out.append((top, bottom))
    return out


def page_number_read(page: OcrPage) -> OcrPage:
    """`page` with a page number OCR read as letters («б» for 6) in digits: a lone word of a
    few glyphs, each a digit's look-alike, near the page's middle, above or below every other
    word. Left as letters, it would read as a one-letter heading over the table's rows."""
    words = list(page.words)
    if len(words) < 2:
        return page
    first = min(range(len(words)), key=lambda i: words[i].top)
    last = max(range(len(words)), key=lambda i: words[i].bottom)
    for i in {first, last}:
        word, others = words[i], words[:i] + words[i + 1 :]
        alone = all(w.top > word.bottom for w in others) or all(w.bottom < word.top for w in others)
        middle = abs(word.x0 + word.x1 - page.width) / 2 < REPAIRS.page_number_centre * page.width
        digits = word.text.translate(DIGIT_LOOK_ALIKES)
        if alone and middle and len(word.text) <= REPAIRS.page_number_glyphs and digits.isdigit():
            words[i] = replace(word, text=digits)
    return replace(page, words=words)


def page_content(number: int, page: OcrPage) -> PageContent:
    """An OCR'd page as the text-PDF reader's parse of a page: its words, and the tables
    its ruling draws (its frame mended), found by the same table finder."""
    rules = mended_frame(page.rules)
    words = [o for word in cell_lines(page.words, rules) for o in word_objects(word)]
    words.sort(key=itemgetter("top", "x0"))
    edges = [rule_edge(rule) for rule in rules]
    drawn = DrawnPage(number, edges, (0.0, 0.0, page.width, page.height))
    tables, found = ruled_tables(drawn, edges) if words else ([], [])
    return PageContent(number, words, tables, False, page.width, found)


def contents(pages: list[Page], read: dict[int, OcrPage]) -> Iterator[PageContent]:
    """Every page's content in order: an OCR'd page from what OCR read, a text page parsed."""
    for index, page in enumerate(pages):
        ocr_page = read.get(index)
        yield page_content(index + 1, ocr_page) if ocr_page else parse_page(CharPage.of(page))


def noted(
    block: Block, doubted: set[str], originals: dict[str, str], lexicon: Lexicon | None = None
) -> Block:
    """A block from an OCR'd page with the OCR notes added: that OCR read it, the words it
    read with low confidence, and the words set right (`originals`: as set right → as read).
    Words OCR split in two within a cell's line are joined (`rejoined`, by `lexicon`), and
    misreads inside dates are set right, each cell by the deadline grammar."""
    texts = block.cells if block.cells is not None else (block.text or "",)
    tokens = [t for text in texts for t in text.split()]
    joined = [rejoined(text, lexicon) if lexicon else (text, []) for text in texts]
    joined = [_split(text, found, lexicon) for text, found in joined]
    restored = tuple(restore_dates(text) for text, _ in joined)
    changes = [(originals[t], t) for t in dict.fromkeys(tokens) if t in originals]
    changes += [change for _, found in joined for change in found]
    changes += [(a, b) for (a, _), b in zip(joined, restored, strict=True) if a != b]
    doubts = [t for t in dict.fromkeys(tokens) if t in doubted]
    notes = [OCR_NOTE, *([doubted_note(doubts)] if doubts else [])]
    notes += [corrected_note(changes)] if changes else []
    notes = [*block.notes, *(n for n in notes if n not in block.notes)]
    if block.cells is not None:
        return replace(block, cells=restored, notes=tuple(notes))
    return replace(block, text=restored[0] if block.text is not None else None, notes=tuple(notes))


def _split(
    text: str, found: list[tuple[str, str]], lexicon: Lexicon | None
) -> tuple[str, list[tuple[str, str]]]:
    """A cell's text with its prepositions OCR glued split off (`split_by_government`) and
    its initials' final dots put back (`initials`), and the changes so far with those
    added."""
    if lexicon is None:
        return text, found
    text, split = split_by_government(text, lexicon)
    text, dotted = initials(text)
    return text, [*found, *split, *dotted]


def corrected_pages(
    read: dict[int, OcrPage], raw: RawDocument
) -> tuple[dict[int, OcrPage], dict[int, dict[str, str]], Lexicon]:
    """The OCR'd pages with misread words set right against the lexicon (pymorphy3's
    dictionary, the plan vocabulary, the decree's own words: those its text pages print and
    those OCR read with confidence) and garbled Roman numerals read by their width
    (`numerals_by_width`), per page the words changed (new → as read), and the lexicon."""
    texts = [t for b in raw.blocks for t in (b.cells or (b.text or "",))]
    own = own_words([*((w.text, w.confidence) for p in read.values() for w in p.words)])
    own |= own_words(((t, 100.0) for t in texts), times=1)
    apart = apart_regions((w.text, w.confidence) for p in read.values() for w in p.words)
    lexicon = Lexicon(own, apart)
    read = {index: page_number_read(page) for index, page in read.items()}
    numerals = numerals_by_width([page.words for page in read.values()])
    pages, originals = {}, {}
    for (index, page), numeral in zip(read.items(), numerals, strict=True):
        as_read = {numeral[i]: w.text for i, w in enumerate(page.words) if i in numeral}
        page = replace(
            page,
            words=[
                replace(w, text=numeral[i]) if i in numeral else w for i, w in enumerate(page.words)
            ],
        )
        verticals = [r for r in page.rules if r.x0 == r.x1]
        horizontals = [r for r in page.rules if r.top == r.bottom]
        cells = [cell_of(w, verticals, horizontals) for w in page.words]
        words, originals[index + 1] = with_corrections(page.words, lexicon, cells)
        originals[index + 1] |= as_read
        pages[index] = replace(page, words=words)
    return pages, originals, lexicon


def without_text(pdf: pdfium.PdfDocument) -> list[int]:
    """Indices of the pages that have no text layer (no character but spaces) yet show
    something (an image, or text drawn as outlines): a blank page is not worth reading."""
    with _PDFIUM:
        return [
            i
            for i in range(len(pdf))
            if not pdf[i].get_textpage().get_text_range().strip()
            and next(pdf[i].get_objects(max_depth=1), None) is not None
        ]


def with_ocr(path: Path, raw: RawDocument, pages: list[Page]) -> RawDocument:
    """`raw`, the text-layer reading of `path` (whose pdfplumber pages are `pages`), read
    again with its pages that have no text layer read by OCR; unchanged if OCR finds no text
    on them. A file with no text at all fails with the cause (and, if Tesseract is missing,
    what to install)."""
    text_pages = bool(raw.blocks)
    problem = tesseract_problem()
    if problem is not None:
        if text_pages:
            return replace(raw, warnings=[*raw.warnings, f"pages without text skipped: {problem}"])
        raise ExtractError(f"no text layer: scanned PDF needs OCR, but {problem}")
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        raise ExtractError(f"corrupt PDF (opening it for OCR): {one_line(exc)}") from exc
    try:
        scanned = without_text(pdf)
        read = dict(zip(scanned, read_pages(pdf, scanned), strict=True))
    except pdfium.PdfiumError as exc:
        raise ExtractError(f"corrupt PDF (rendering a page for OCR): {one_line(exc)}") from exc
    finally:
        pdf.close()
    if not any(page.words for page in read.values()):
        if not text_pages:
            raise ExtractError("no text layer, and OCR found no text in the page images")
        return raw
    read, originals, lexicon = corrected_pages(read, raw)
    blocks, warnings, _ = document_blocks(contents(pages, read))
    doubted = {
        index + 1: {t for w in page.words if w.doubted for t in w.text.split()}
        for index, page in read.items()
    }
    blocks = [
        noted(b, doubted[b.page], originals[b.page], lexicon) if b.page in doubted else b
        for b in blocks
    ]
    blocks = dotted_subheadings(numbered_sections(blocks))
    source = "mixed" if len(read) < len(pages) else "ocr"
    return RawDocument(blocks, page_count=len(pages), warnings=warnings, text_source=source)
