"""The PDFium reader's fonts are pdfminer's, only built faster: a ToUnicode map or a font's
dictionary read fast where plain must be what pdfminer reads, whatever is not plain must be
left to pdfminer, and `Fonts` must give every labelled page what pdfminer's own path gives."""

from __future__ import annotations

import struct
from io import BytesIO
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from conftest import DATA
from pdfminer.cmapdb import CMapParser, FileUnicodeMap
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdffont import PDFFont, PDFType3Font
from pdfminer.pdfinterp import PDFResourceManager
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFObjRef, PDFStream, dict_value, resolve1
from pdfminer.psparser import LIT, PSKeyword, PSLiteral, literal_name
from pdfplumber.utils.text import LIGATURES

from plan_etl.extract.pdf.pdfium import fonts as fonts_module
from plan_etl.extract.pdf.pdfium import objects
from plan_etl.extract.pdf.pdfium.fonts import Fonts, Glyph, make_font, shortfall, subset_free
from plan_etl.extract.pdf.pdfium.tounicode import read_tounicode

PDFS = sorted(DATA.rglob("*.pdf"))
IDS = [str(p.relative_to(DATA)) for p in PDFS]

HEAD = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
"""
TAIL = b"""endcmap
CMapName currentdict /CMap defineresource pop
end
end
"""
ONE_BYTE = b"1 begincodespacerange\n<00> <FF>\nendcodespacerange\n"
TWO_BYTES = b"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"


def cmap(body: bytes, space: bytes = ONE_BYTE) -> bytes:
    return HEAD + space + body + TAIL


# ToUnicode maps in the plain form: the fast reading must give pdfminer's map.
PLAIN = {
    "bfchar": cmap(b"3 beginbfchar\n<01> <0041>\n<02> <0431>\n<03> <2116>\nendbfchar\n"),
    "bfrange": cmap(b"2 beginbfrange\n<10> <1F> <0030>\n<20> <22> <0410>\nendbfrange\n"),
    "bfrange arrays": cmap(
        b"1 beginbfrange\n<01> <03> [<0041> <00660069> <D835DC00>]\nendbfrange\n"
    ),
    "multi-byte codes": cmap(
        b"1 beginbfchar\n<0102> <0041>\nendbfchar\n1 beginbfrange\n<0200> <020F> <0410>\n"
        b"endbfrange\n",
        TWO_BYTES,
    ),
    "codespace of 1 and 2 bytes": cmap(
        b"2 beginbfchar\n<41> <0041>\n<8141> <0431>\nendbfchar\n",
        b"2 begincodespacerange\n<00> <80>\n<8100> <FFFF>\nendcodespacerange\n",
    ),
    "surrogates": cmap(
        b"1 beginbfchar\n<01> <D835DC00>\nendbfchar\n1 beginbfrange\n<02> <04> <D835DC01>\n"
        b"endbfrange\n"
    ),
    "lone surrogate": cmap(b"1 beginbfchar\n<01> <D800>\nendbfchar\n"),
    "ligatures": cmap(b"2 beginbfchar\n<05> <00660069>\n<06> <006600660069>\nendbfchar\n"),
    "no-break space after a space": cmap(
        b"3 beginbfchar\n<20> <0020>\n<20> <00A0>\n<A0> <00A0>\nendbfchar\n"
    ),
    "bfrange counting past FFFF": cmap(b"1 beginbfrange\n<00> <02> <FFFF>\nendbfrange\n"),
    "bfrange counting a long text": cmap(b"1 beginbfrange\n<00> <02> <004100420043>\nendbfrange\n"),
    "bfrange of an empty text": cmap(b"1 beginbfrange\n<00> <01> <>\nendbfrange\n"),
    "hex strings with spaces, comments": cmap(
        b"% the map\n2 beginbfchar\n<0 1> < 00 41 >\n<02><0042> % B\nendbfchar\n"
    ),
    "a block after endcmap": cmap(b"") + b"1 beginbfchar\n<01> <0041>\nendbfchar\n",
    "without begincmap": b"1 beginbfchar\n<01> <0041>\nendbfchar",
    "one line": b"/CIDInit/ProcSet findresource begin 12 dict begin begincmap "
    b"1 beginbfchar <01><0041> endbfchar endcmap",
    "header of every kind of value": cmap(
        b"/Flags [1 -2 +3 .5 -.25 6. true false] def\n/Empty <> def\n"
        b"/Nested << /A [ << /B (x) >> ] /C /D >> def\n"
        b"1 beginbfchar\n<01> <0041>\nendbfchar\n"
    ),
    "empty": b"",
}

# Maps the fast reading leaves to pdfminer (which may read them, warn, or fail).
NOT_PLAIN = {
    "odd hex digits": cmap(b"1 beginbfchar\n<041> <0041>\nendbfchar\n"),
    "usecmap": cmap(b"/Adobe-Identity-UCS usecmap\n"),
    "cidrange": cmap(b"1 begincidrange\n<00> <FF> 0\nendcidrange\n"),
    "cidchar": cmap(b"1 begincidchar\n<01> 1\nendcidchar\n"),
    "escaped string": cmap(b"/Registry (Ad\\(obe) def\n"),
    "bfrange ends of different lengths": cmap(b"1 beginbfrange\n<00> <0001> <0041>\nendbfrange\n"),
    "bfrange counting past 32 bits": cmap(
        b"1 beginbfrange\n<00> <02> <0041FFFFFFFF>\nendbfrange\n"
    ),
    "bfrange array too short": cmap(b"1 beginbfrange\n<00> <02> [<0041>]\nendbfrange\n"),
    "bfrange of a number": cmap(b"1 beginbfrange\n<00> <02> 65\nendbfrange\n"),
    "bfchar of an odd count": cmap(b"2 beginbfchar\n<01> <0041>\n<02>\nendbfchar\n"),
    "bfchar of a name": cmap(b"1 beginbfchar\n<01> /A\nendbfchar\n"),
    "def without a value": cmap(b"/Lonely def\n"),
    "def of a number": cmap(b"1 2 def\n"),
    "procedure": cmap(b"/Proc { pop } def\n"),
    "unclosed array": cmap(b"/A [<01> def\n"),
    "name escape": cmap(b"/A#20B 1 def\n"),
    "keyword inside a dictionary": cmap(b"/A << /B begincmap >> def\n"),
    "keyword inside an array": cmap(b"/A [null] def\n"),
    "odd dictionary": cmap(b"/A << /B >> def\n"),
    "a stray delimiter": cmap(b"] 1 beginbfchar\n<01> <0041>\nendbfchar\n"),
    "a stray character": cmap(b"* 1 beginbfchar\n<01> <0041>\nendbfchar\n"),
}


def pdfminer_map(data: bytes) -> FileUnicodeMap:
    unicode_map = FileUnicodeMap()
    CMapParser(unicode_map, BytesIO(data)).run()
    return unicode_map


def map_key(unicode_map: Any) -> tuple:
    """A map as compared: its entries in order, and its attributes."""
    return list(unicode_map.cid2unichr.items()), canon(unicode_map.attrs)


def canon(x: Any) -> Any:
    """A value with its floats' bits, names and keywords by identity and references by
    number, to compare two readings exactly."""
    if isinstance(x, PDFObjRef):
        return ("ref", x.objid)
    if isinstance(x, PDFStream):
        return ("stream", x.objid, canon(x.attrs))
    if isinstance(x, PSLiteral | PSKeyword):
        return (type(x).__name__, id(x))
    if isinstance(x, float):
        return ("float", struct.pack(">d", x))
    if isinstance(x, bool | int | str | bytes | None):
        return (type(x).__name__, x)
    if isinstance(x, dict):
        return ("dict", [(k, canon(v)) for k, v in x.items()])
    if isinstance(x, list | tuple):
        return (type(x).__name__, [canon(v) for v in x])
    if hasattr(x, "__dict__"):
        return (type(x).__name__, canon(vars(x)))
    return (type(x).__name__, repr(x))


@pytest.mark.parametrize("name", PLAIN)
def test_plain_tounicode_maps_are_read_as_pdfminer_reads_them(name: str) -> None:
    fast = read_tounicode(PLAIN[name])
    assert fast is not None, "read by pdfminer"
    assert map_key(fast) == map_key(pdfminer_map(PLAIN[name]))


@pytest.mark.parametrize("name", NOT_PLAIN)
def test_tounicode_maps_not_plain_are_left_to_pdfminer(name: str) -> None:
    assert read_tounicode(NOT_PLAIN[name]) is None


def tounicode_streams(pdf: Path) -> list[bytes]:
    """The ToUnicode streams of every font object of a PDF."""
    streams = []
    with pdfplumber.open(pdf) as document:
        for obj in all_objects(document.doc).values():
            if isinstance(obj, dict) and isinstance(resolve1(obj.get("ToUnicode")), PDFStream):
                streams.append(resolve1(obj["ToUnicode"]).get_data())
    return streams


def all_objects(doc: PDFDocument) -> dict[int, Any]:
    found = {}
    for objid in sorted({i for xref in doc.xrefs for i in xref.get_objids()}):
        try:
            found[objid] = doc.getobj(objid)
        except Exception:
            continue
    return found


@pytest.mark.parametrize("pdf", PDFS, ids=IDS)
def test_tounicode_maps_of_labelled_pdfs_are_plain_and_pdfminers(pdf: Path) -> None:
    for data in tounicode_streams(pdf):
        fast = read_tounicode(data)
        assert fast is not None, "a labelled font read by pdfminer"
        assert map_key(fast) == map_key(pdfminer_map(data))


def reference_widths(font: PDFFont) -> dict[str, Glyph | None]:
    """`glyph_widths` as first written, on pdfminer's own `char_width`."""
    unicode_map = getattr(font, "unicode_map", None)
    codes = unicode_map.cid2unichr if unicode_map is not None else getattr(font, "cid2unicode", {})
    exact = isinstance(font, PDFType3Font)
    widths: dict[str, Glyph | None] = {}
    for cid, text in codes.items():
        width = font.char_width(cid)
        glyph = Glyph(width, 0.0 if exact else shortfall(width))
        widths[text] = glyph if widths.get(text, glyph) == glyph else None
    for ligature, letters in LIGATURES.items():
        if ligature in widths and letters not in widths:
            widths[letters] = widths[ligature]
    return widths


def font_key(font: PDFFont | None, widths: dict[str, Glyph | None] | None) -> Any:
    """A font as compared: everything pdfminer set on it, and its widths table."""
    return None if font is None else (canon(font), canon(widths))


def font_specs(stream: bytes) -> dict[str, dict[str, Any]]:
    """In-memory font dictionaries of each kind, with the ToUnicode stream `stream`."""
    descriptor = {"FontName": LIT("X"), "Descent": -200, "FontBBox": [0, -200, 1000, 800]}
    simple = {"FirstChar": 0, "Widths": [500.5, 600, 333.25] * 85, "FontDescriptor": descriptor}
    descendant = {
        "Subtype": LIT("CIDFontType2"),
        "BaseFont": LIT("X"),
        "CIDSystemInfo": {"Registry": b"Adobe", "Ordering": b"Identity", "Supplement": 0},
        "FontDescriptor": descriptor,
        "W": [1, [500, 600.5], 16, 40, 700],
    }
    specs = {
        "TrueType": {"Subtype": LIT("TrueType"), "BaseFont": LIT("X"), **simple},
        "Type1": {"Subtype": LIT("Type1"), "BaseFont": LIT("Helvetica")},
        "Type0": {
            "Subtype": LIT("Type0"),
            "BaseFont": LIT("X"),
            "Encoding": LIT("Identity-H"),
            "DescendantFonts": [descendant],
        },
    }
    return {kind: {**spec, "ToUnicode": PDFStream({}, stream)} for kind, spec in specs.items()}


def built(make: Any, widths: Any, spec: dict[str, Any]) -> Any:
    """A font built and its widths table, as compared; or the error building it raised."""
    try:
        font = make(spec)
        return font_key(font, widths(font))
    except Exception as exc:
        return ("error", type(exc).__name__, str(exc))


@pytest.mark.parametrize("kind", ["TrueType", "Type1", "Type0"])
@pytest.mark.parametrize("name", [*PLAIN, *NOT_PLAIN])
def test_fonts_built_fast_are_pdfminers(name: str, kind: str) -> None:
    data = {**PLAIN, **NOT_PLAIN}[name]
    fast = built(
        lambda s: make_font(PDFResourceManager(), s),
        fonts_module.glyph_widths,
        font_specs(data)[kind],
    )
    pdfminer = built(
        lambda s: PDFResourceManager().get_font(None, s), reference_widths, font_specs(data)[kind]
    )
    assert fast == pdfminer


class ReferenceFonts:
    """`Fonts` as first written: pdfminer's own font objects and widths, nothing read fast."""

    def __init__(self) -> None:
        self.manager = PDFResourceManager(caching=True)
        self.tables: dict[int, dict[str, Glyph | None]] = {}

    def widths(self, font: PDFFont) -> dict[str, Glyph | None]:
        if id(font) not in self.tables:
            self.tables[id(font)] = reference_widths(font)
        return self.tables[id(font)]

    def of_page(self, page: Any) -> dict[str, PDFFont | None]:
        fonts: dict[str, PDFFont | None] = {}
        self.collect(resolve1(page.page_obj.resources), fonts, set())
        return fonts

    def collect(self, resources: Any, fonts: dict[str, PDFFont | None], seen: set[int]) -> None:
        if not isinstance(resources, dict):
            return
        for spec in (resolve1(resources.get("Font")) or {}).values():
            objid = spec.objid if isinstance(spec, PDFObjRef) else None
            font = self.manager.get_font(objid, dict_value(spec))
            name = subset_free(str(getattr(font, "basefont", "") or ""))
            known = fonts.get(name, font)
            alike = known is font or (
                known is not None
                and type(known) is type(font)
                and known.get_descent() == font.get_descent()
                and self.widths(known) == self.widths(font)
            )
            fonts[name] = font if alike else None
        for xobject in (resolve1(resources.get("XObject")) or {}).values():
            if isinstance(xobject, PDFObjRef) and xobject.objid in seen:
                continue
            if isinstance(xobject, PDFObjRef):
                seen.add(xobject.objid)
            attrs = getattr(resolve1(xobject), "attrs", {})
            if literal_name(attrs.get("Subtype")) == "Form":
                self.collect(resolve1(attrs.get("Resources")), fonts, seen)


@pytest.fixture
def fast_reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts the maps and objects read fast, so that an equality is not vacuous."""
    counts = {"maps": 0, "objects": 0}

    def counted(key: str, read: Any) -> Any:
        def reading(*args: Any) -> Any:
            result = read(*args)
            counts[key] += result is not None
            return result

        return reading

    monkeypatch.setattr(fonts_module, "read_tounicode", counted("maps", read_tounicode))
    monkeypatch.setattr(objects, "parse_object", counted("objects", objects.parse_object))
    return counts


@pytest.mark.parametrize("pdf", PDFS, ids=IDS)
def test_fonts_of_labelled_pages_are_pdfminers(pdf: Path, fast_reads: dict[str, int]) -> None:
    fonts, reference, found = Fonts(), ReferenceFonts(), 0
    with pdfplumber.open(pdf) as ours, pdfplumber.open(pdf) as theirs:
        for a, b in zip(ours.pages, theirs.pages, strict=True):
            got = [(k, font_key(f, f and fonts.widths(f))) for k, f in fonts.of_page(a).items()]
            want = reference.of_page(b)
            assert got == [(k, font_key(f, f and reference.widths(f))) for k, f in want.items()]
            found += len(got)
    assert not found or fast_reads["objects"] > 0
    assert not tounicode_streams(pdf) or fast_reads["maps"] > 0


# Objects in the plain form: read fast, they must be what pdfminer's `getobj` gives.
PLAIN_OBJECTS = {
    "a font": b"<< /Type /Font /Subtype /TrueType /BaseFont /AAAAAA+DejaVuSans /FirstChar 0\n"
    b"/Widths [600.0977 751.9531 -.5 5. +3 1.2.3 12-3] /FontDescriptor 3 0 R >>",
    "references and null": b"<< /A 3 0 R /B null /C [null 4 0 R [5 0 R]] >>",
    "every kind of value": b"<< /Int -12 /Real .25 /Str (plain) /Hex <4F 6b> /Name /A-b.c\n"
    b"/T true /F false /Empty [] /D << >> >>",
    "a number": b"42",
    "an array of numbers": b"[1 2 3]",
    "an array of numbers and a reference": b"[1 0 R 2]",
    "a comment": b"<< /A 1 % note\n/B 2 >>",
    "a name in UTF-8": "<< /Имя 1 >>".encode(),
}
# Objects the fast reading leaves to pdfminer.
NOT_PLAIN_OBJECTS = {
    "an escaped string": b"<< /A (a\\)b) >>",
    "a stream": b"<< /Length 3 >>\nstream\nabc\nendstream",
    "a procedure": b"{ 1 }",
    "another keyword": b"<< /A 1 foo >>",
    "two values": b"1 2",
    "a reference without numbers": b"[ R ]",
    "a name escape": b"<< /A#20B 1 >>",
    "an odd dictionary": b"<< /A >>",
    "an unclosed array": b"[1 2",
}


def tiny_pdf(bodies: dict[int, bytes], headers: dict[int, bytes] | None = None) -> bytes:
    """A PDF of a catalog (object 1) and `bodies`, each `n 0 obj body endobj` but for the
    headers given (`headers`), with a cross-reference table."""
    out, offsets = bytearray(b"%PDF-1.4\n"), {}
    for objid, body in {1: b"<< /Type /Catalog >>", **bodies}.items():
        offsets[objid] = len(out)
        out += (headers or {}).get(objid, b"%d 0 obj" % objid) + b"\n" + body + b"\nendobj\n"
    size, xref = max(offsets) + 1, len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for objid in range(1, size):
        out += b"%010d 00000 n \n" % offsets[objid] if objid in offsets else b"0 65535 f \n"
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


def opened(data: bytes) -> tuple[PDFDocument, BytesIO]:
    fp = BytesIO(data)
    return PDFDocument(PDFParser(fp)), fp


@pytest.mark.parametrize("name", PLAIN_OBJECTS)
def test_plain_objects_are_read_as_pdfminer_reads_them(name: str) -> None:
    data = tiny_pdf({2: PLAIN_OBJECTS[name]})
    fast = objects.read(*opened(data), 2)
    doc, _ = opened(data)
    assert fast is not None, "read by pdfminer"
    assert canon(fast) == canon((doc.getobj(2), 0))


@pytest.mark.parametrize("name", NOT_PLAIN_OBJECTS)
def test_objects_not_plain_are_left_to_pdfminer(name: str) -> None:
    assert objects.read(*opened(tiny_pdf({2: NOT_PLAIN_OBJECTS[name]})), 2) is None


def test_an_object_under_another_number_is_left_to_pdfminer() -> None:
    data = tiny_pdf({2: b"<< /A 1 >>"}, headers={2: b"9 0 obj"})
    assert objects.read(*opened(data), 2) is None


def test_prefetch_puts_plain_objects_where_pdfminer_finds_them() -> None:
    stream = b"<< /Length 3 >>\nstream\nabc\nendstream"
    data = tiny_pdf(
        {2: b"<< /F 3 0 R >>", 3: b"<< /Widths [1 2] /D 4 0 R /S 5 0 R >>", 4: b"-200", 5: stream}
    )
    doc, fp = opened(data)
    fp.seek(7)
    objects.prefetch(doc, fp, PDFObjRef(doc, 2))
    assert fp.tell() == 7
    assert {2, 3, 4} <= set(doc._cached_objs) and 5 not in doc._cached_objs
    fresh, _ = opened(data)
    for objid in (2, 3, 4, 5):
        assert canon(doc.getobj(objid)) == canon(fresh.getobj(objid))


def test_prefetch_leaves_a_document_that_does_not_cache_alone() -> None:
    fp = BytesIO(tiny_pdf({2: b"<< /A 1 >>"}))
    doc = PDFDocument(PDFParser(fp), caching=False)
    objects.prefetch(doc, fp, PDFObjRef(doc, 2))
    assert 2 not in doc._cached_objs


@pytest.mark.parametrize("pdf", PDFS, ids=IDS)
def test_objects_of_labelled_pdfs_read_fast_are_pdfminers(pdf: Path) -> None:
    fast = 0
    with pdfplumber.open(pdf) as ours, pdfplumber.open(pdf) as theirs:
        for objid, obj in all_objects(theirs.doc).items():
            got = objects.read(ours.doc, ours.stream, objid)
            if got is not None:
                fast += 1
                assert canon(got) == canon((obj, theirs.doc._cached_objs[objid][1])), objid
    assert fast > 0


def _page_tree(pdf: Path, fast: bool) -> list[tuple[Any, ...]]:
    """Each page as pdfplumber opens it: number, boxes, turn, place, and its dictionary
    with every reference resolved (but the parent's)."""

    def plain(obj: Any, depth: int = 0) -> Any:
        obj = resolve1(obj)
        if depth > 3:
            return type(obj).__name__
        if isinstance(obj, dict):
            return {k: plain(v, depth + 1) for k, v in obj.items() if k != "Parent"}
        if isinstance(obj, list):
            return [plain(v, depth + 1) for v in obj]
        return ("stream", len(obj.get_data())) if isinstance(obj, PDFStream) else repr(obj)

    with pdfplumber.open(pdf) as opened:
        if fast:
            objects.prefetch_pages(opened.doc, opened.stream)
        return [
            (
                p.page_number,
                p.bbox,
                p.mediabox,
                p.rotation,
                p.initial_doctop,
                plain(p.page_obj.attrs),
            )
            for p in opened.pages
        ]


@pytest.mark.parametrize("pdf", PDFS[::3], ids=lambda p: p.name)
def test_the_page_tree_read_fast_is_pdfminers(pdf: Path) -> None:
    """Pages opened after `prefetch_pages` are the pages pdfminer reads by itself."""
    assert _page_tree(pdf, fast=True) == _page_tree(pdf, fast=False)


# Streams the fast reading reads as pdfminer's `PDFParser` does, when asked to (a page's
# content streams): the data is /Length bytes after the line of `stream`, however the line
# ends, wherever `endstream` really is, /Length direct, indirect or absent.
STREAM_OBJECTS = {
    "a newline": b"<< /Length 3 >>\nstream\nabc\nendstream",
    "a carriage return and newline": b"<< /Length 3 >>\nstream\r\nabc\r\nendstream",
    "a carriage return": b"<< /Length 3 >>\nstream\rabc\rendstream",
    "blanks after the keyword": b"<< /Length 3 >> stream  \nabc\nendstream",
    "a length too short": b"<< /Length 2 >>\nstream\nabcdef\nendstream",
    "an indirect length": b"<< /Length 3 0 R >>\nstream\nabc\nendstream",
    "no length": b"<< /Filter /FlateDecode >>\nstream\nabc\nendstream",
    "a length that is no number": b"<< /Length /A >>\nstream\nabc\nendstream",
    "binary data with the keywords": b"<< /Length 18 >>\nstream\n"
    b"endobj stream \x00\xff\r\nendstream",
    "a length into the keyword, another endstream close": b"<< /Length 5 >>\nstream\n"
    b"abcdendstream endstream",
}
# Streams pdfminer is left to read: no `endstream` close after the data (pdfminer reads to
# the end of the file looking for it, and fails).
STREAMS_LEFT = {
    "a length too long": b"<< /Length 40 >>\nstream\nab\nendstream",
    "a length into the keyword": b"<< /Length 5 >>\nstream\nabcdendstream",
}


def stream_key(obj: Any) -> Any:
    assert isinstance(obj, PDFStream)
    return (canon(obj.attrs), obj.rawdata, obj.objid, obj.genno, obj.decipher, obj.data)


@pytest.mark.parametrize("name", STREAM_OBJECTS)
def test_streams_are_read_as_pdfminer_reads_them(name: str) -> None:
    data = tiny_pdf({2: STREAM_OBJECTS[name], 3: b"3"})
    doc, fp = opened(data)
    assert objects.read(doc, fp, 2) is None  # only when asked for
    fast = objects.read(doc, fp, 2, streams=True)
    theirs, _ = opened(data)
    assert fast is not None, "read by pdfminer"
    assert fast[1] == 0 and stream_key(fast[0]) == stream_key(theirs.getobj(2))


@pytest.mark.parametrize("name", STREAMS_LEFT)
def test_streams_pdfminer_may_fail_on_are_left_to_it(name: str) -> None:
    assert objects.read(*opened(tiny_pdf({2: STREAMS_LEFT[name]})), 2, streams=True) is None


@pytest.mark.parametrize("pdf", PDFS, ids=IDS)
def test_content_streams_read_fast_are_pdfminers(pdf: Path) -> None:
    """Every page's content streams, read by `prefetch_pages`, are the streams pdfminer
    reads: dictionary, raw data, number and generation."""

    def contents(fast: bool) -> list[Any]:
        with pdfplumber.open(pdf) as opened:
            if fast:
                objects.prefetch_pages(opened.doc, opened.stream)
            return [[stream_key(c) for c in p.page_obj.contents] for p in opened.pages]

    assert contents(fast=True) == contents(fast=False)
