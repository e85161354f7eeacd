"""A document's plain objects read as pdfminer reads them, put where pdfminer finds them.

Once the ToUnicode maps were read fast (`tounicode`), resolving the fonts' dictionaries
through pdfminer's parser — a font's /Widths is a hundred numbers and more — was most of
what a document's fonts cost. `prefetch` reads such an object from the file where
pdfminer's `PDFDocument.getobj` would (the first cross-reference section that has it),
replaying `PDFParser` over its plain tokens (`pstokens`; `R` references and `null`), and
puts it in the document's object cache, as `getobj` does after parsing it; pdfminer then
finds it there. A stream is read too, as `PDFParser` reads one (its dictionary, then /Length
bytes after the line of `stream`): every page's content stream is resolved when pdfminer
makes the page (`PDFPage.__init__`), though PDFium, not pdfminer, interprets it. Whatever
is not plain is left for pdfminer to read when asked: an object in an object stream, any
other keyword or token, an object whose number in the file is not the one looked up, an
encrypted document, one that does not cache objects.
"""

from __future__ import annotations

import re
from typing import Any, BinaryIO

from pdfminer import settings
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdftypes import PDFObjRef, PDFStream, int_value
from pdfminer.psparser import KWD

from plan_etl.extract.pdf.pdfium.pstokens import (
    DELIMITER,
    ENDS,
    NUMBER,
    NotPlain,
    Stack,
    next_token,
)

HEADER = re.compile(rb"\s*([0-9]+)\s+[0-9]+\s+obj" + ENDS)
R, NULL, ENDOBJ, STREAM = KWD(b"R"), KWD(b"null"), KWD(b"endobj"), KWD(b"stream")
# the line `PDFParser` reads from a stream's keyword: to its first end of line (\r\n as one)
STREAM_LINE = re.compile(rb"stream[^\r\n]*(?:\r\n?|\n)")
ARRAY = KWD(b"[")
# The rest of an array of numbers alone (a font's /Widths), read at once: each number cut
# whole (atomic, as the tokenizer cuts it) before the next.
NUMBERS = re.compile(rb"((?:\s*(?>" + NUMBER + rb"))*+)\s*\]")
EACH_NUMBER = re.compile(rb"(?>" + NUMBER + rb")")
CHUNK = 4096
ENDSTREAM_SEEN = 64  # bytes after a stream's data where its `endstream` must stand
LIMIT = 1 << 20  # bytes an object may take; a longer one is left to pdfminer
# How many references deep `prefetch` follows from a font: its descriptor and widths, a
# Type0 font's descendant and the descendant's descriptor and widths.
DEPTH = 3


def prefetch(
    doc: PDFDocument, fp: BinaryIO, obj: Any, depth: int = DEPTH, streams: bool = False
) -> None:
    """Put the object `obj` refers to, and the objects its value refers to, `depth`
    references deep, into `doc`'s object cache where they are plain (or `streams`) and not
    there yet."""
    if isinstance(obj, PDFObjRef):
        if obj.doc is not doc or not readable(doc):
            return
        cached = doc._cached_objs.get(obj.objid)
        if cached is None:
            cached = read(doc, fp, obj.objid, streams)
            if cached is None:
                return
            doc._cached_objs[obj.objid] = cached
        obj = cached[0]
    if depth > 0 and isinstance(obj, dict | list):
        for value in obj.values() if isinstance(obj, dict) else obj:
            if isinstance(value, PDFObjRef):
                prefetch(doc, fp, value, depth - 1)
            elif isinstance(value, dict | list):
                prefetch(doc, fp, value, depth)


def prefetch_pages(doc: PDFDocument, fp: BinaryIO) -> None:
    """The page tree's nodes, each with the objects it names directly (its resources, its
    boxes, its content streams), read fast before pdfminer walks the tree
    (`PDFPage.create_pages`, which pdfplumber's `pages` runs and which parsed every node
    token by token). A node is read once, whatever refers to it again (every page names its
    parent)."""
    if not readable(doc):
        return
    todo, seen = [doc.catalog.get("Pages")], set()
    while todo:
        ref = todo.pop()
        if not isinstance(ref, PDFObjRef) or ref.objid in seen:
            continue
        seen.add(ref.objid)
        prefetch(doc, fp, ref, 0)
        cached = doc._cached_objs.get(ref.objid)
        if cached is None or not isinstance(cached[0], dict):
            continue  # not plain: pdfminer reads it, and what is below it, itself
        node = cached[0]
        for key, value in node.items():
            if key == "Contents":  # a stream, or an array of them
                prefetch(doc, fp, value, 0, streams=True)
                contents = doc._cached_objs.get(getattr(value, "objid", None), (value,))[0]
                for part in contents if isinstance(contents, list) else ():
                    prefetch(doc, fp, part, 0, streams=True)
            elif key not in ("Parent", "Kids"):
                prefetch(doc, fp, value, 0)
        kids = node.get("Kids")
        if isinstance(kids, PDFObjRef):
            prefetch(doc, fp, kids, 0)
            kids = doc._cached_objs.get(kids.objid, (None,))[0]
        if isinstance(kids, list):
            todo.extend(reversed(kids))


def readable(doc: PDFDocument) -> bool:
    """Whether `getobj` keeps what it parses, without deciphering it, in `doc`."""
    return doc.caching and not doc.decipher and not settings.STRICT


def read(
    doc: PDFDocument, fp: BinaryIO, objid: int, streams: bool = False
) -> tuple[Any, int] | None:
    """What `doc.getobj(objid)` caches, (object, generation), where the object is plain
    (or, if `streams`, a stream with a plain dictionary) and stands in the file; else
    None."""
    for xref in doc.xrefs:
        try:
            strmid, pos, genno = xref.get_pos(objid)
        except KeyError:
            continue
        except Exception:  # pdfminer says what is wrong when it looks
            return None
        if strmid is not None:
            return None
        data = object_bytes(fp, pos)
        if data is None:
            return None
        try:
            value, stream_at = parse_object(data, objid, doc)
            if stream_at is not None:
                if not streams:
                    return None
                value = stream(doc, fp, value, pos, data, stream_at)
                value.set_objid(objid, genno)
        except NotPlain:
            return None
        return value, genno
    return None


def object_bytes(fp: BinaryIO, pos: int) -> bytes | None:
    """The file's bytes from `pos` through the first `endobj` and the byte after it, or,
    where `stream` comes first, through the end of its line; None where neither comes. The
    file is left where it was."""
    saved = fp.tell()
    try:
        fp.seek(pos)
        data = fp.read(CHUNK)
        whole = len(data) < CHUNK  # read to the end of the file
        while True:
            end, stream = data.find(b"endobj"), data.find(b"stream")
            if stream >= 0 and (end < 0 or stream < end):
                line = STREAM_LINE.match(data, stream)
                if line is not None and (line.end() < len(data) or whole):
                    return data[: line.end()]
            elif end >= 0 and (len(data) > end + 6 or whole):
                return data[: end + 7]
            if whole or len(data) >= LIMIT:
                return None
            more = fp.read(len(data))
            whole = len(more) < len(data)
            data += more
    finally:
        fp.seek(saved)


def parse_object(data: bytes, objid: int, doc: PDFDocument) -> tuple[Any, int | None]:
    """The object `objid genno obj … endobj` at the start of `data`, as `PDFParser`
    gives it, and None; or a stream's dictionary and where its `stream` keyword stands.
    Raises `NotPlain`."""
    m = HEADER.match(data)
    if m is None or int(m.group(1)) != objid:
        raise NotPlain("not the object's header")
    reader = Reader(doc)
    pos = m.end()
    while not reader.done:
        token = next_token(data, pos)
        if token is None:
            raise NotPlain("no endobj")
        kind, value, end = token
        if kind == DELIMITER and value is ARRAY and (numbers := NUMBERS.match(data, end)):
            reader.stack.append(
                [float(x) if b"." in x else int(x) for x in EACH_NUMBER.findall(numbers[1])]
            )
            pos = numbers.end()
            continue
        if value is STREAM:
            if reader.context or len(reader.stack) != 1 or not isinstance(reader.stack[0], dict):
                raise NotPlain("a stream without its dictionary")
            return reader.stack[0], end - len(b"stream")
        reader.take(kind, value)
        pos = end
    return reader.stack[0], None


def stream(
    doc: PDFDocument, fp: BinaryIO, attrs: dict[str, Any], pos: int, data: bytes, start: int
) -> PDFStream:
    """The stream whose dictionary is `attrs` and whose keyword stands at `start` in `data`
    (the object's bytes, from `pos` in the file), as `PDFParser.do_keyword` reads it:
    /Length bytes (resolved as it resolves them, 0 if absent) after the keyword's line.
    pdfminer then looks for the line of `endstream` (which only moves its parser on, unless
    there is none and it fails): a stream whose `endstream` does not follow its data
    closely is left to it."""
    try:
        length = int_value(attrs["Length"])
    except KeyError:
        length = 0
    except Exception as exc:  # an unresolvable /Length: pdfminer says what is wrong
        raise NotPlain("its /Length") from exc
    line = STREAM_LINE.match(data, start)
    if line is None:
        raise NotPlain("no line after stream")
    saved = fp.tell()
    try:
        fp.seek(pos + line.end())
        raw = fp.read(length)
        after = fp.read(ENDSTREAM_SEEN)
    finally:
        fp.seek(saved)
    if b"endstream" not in after:  # pdfminer reads on to find it, and may fail: its call
        raise NotPlain("no endstream after the data")
    return PDFStream(attrs, raw, doc.decipher)


class Reader(Stack):
    """`PDFParser` over an object's tokens: its stack, and whether `endobj` ended it."""

    def __init__(self, doc: PDFDocument) -> None:
        super().__init__()
        self.doc = doc
        self.done = False

    def keyword(self, word: Any) -> None:
        """`PDFParser.do_keyword` of the keywords of a plain object."""
        stack = self.stack
        if word is R:
            if len(stack) < 2 or type(stack[-2]) is not int or type(stack[-1]) is not int:
                raise NotPlain("a reference pdfminer would not make")
            stack[-2:] = [PDFObjRef(self.doc, stack[-2])]
        elif word is NULL:
            stack.append(None)
        elif word is ENDOBJ and not self.context and len(stack) == 1:
            self.done = True
        else:
            raise NotPlain(f"{word.name!r}")
