"""A document's plain objects read as pdfminer reads them, put where pdfminer finds them.

Once the ToUnicode maps were read fast (`tounicode`), resolving the fonts' dictionaries
through pdfminer's parser — a font's /Widths is a hundred numbers and more — was most of
what a document's fonts cost. `prefetch` reads such an object from the file where
pdfminer's `PDFDocument.getobj` would (the first cross-reference section that has it),
replaying `PDFParser` over its plain tokens (`pstokens`; `R` references and `null`), and
puts it in the document's object cache, as `getobj` does after parsing it; pdfminer then
finds it there. Whatever is not plain is left for pdfminer to read when asked: an object
in an object stream, a stream, any other keyword or token, an object whose number in the
file is not the one looked up, an encrypted document, one that does not cache objects.
"""

from __future__ import annotations

import re
from typing import Any, BinaryIO

from pdfminer import settings
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdftypes import PDFObjRef
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
R, NULL, ENDOBJ = KWD(b"R"), KWD(b"null"), KWD(b"endobj")
ARRAY = KWD(b"[")
# The rest of an array of numbers alone (a font's /Widths), read at once: each number cut
# whole (atomic, as the tokenizer cuts it) before the next.
NUMBERS = re.compile(rb"((?:\s*(?>" + NUMBER + rb"))*+)\s*\]")
EACH_NUMBER = re.compile(rb"(?>" + NUMBER + rb")")
CHUNK = 4096
LIMIT = 1 << 20  # bytes an object may take; a longer one is left to pdfminer
# How many references deep `prefetch` follows from a font: its descriptor and widths, a
# Type0 font's descendant and the descendant's descriptor and widths.
DEPTH = 3


def prefetch(doc: PDFDocument, fp: BinaryIO, obj: Any, depth: int = DEPTH) -> None:
    """Put the object `obj` refers to, and the objects its value refers to, `depth`
    references deep, into `doc`'s object cache where they are plain and not there yet."""
    if isinstance(obj, PDFObjRef):
        if obj.doc is not doc or not readable(doc):
            return
        cached = doc._cached_objs.get(obj.objid)
        if cached is None:
            cached = read(doc, fp, obj.objid)
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
    boxes), read fast before pdfminer walks the tree (`PDFPage.create_pages`, which
    pdfplumber's `pages` runs and which parsed every node token by token). A node is read
    once, whatever refers to it again (every page names its parent)."""
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
            if key not in ("Parent", "Kids"):
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


def read(doc: PDFDocument, fp: BinaryIO, objid: int) -> tuple[Any, int] | None:
    """What `doc.getobj(objid)` caches, (object, generation), where the object is plain
    and stands in the file; else None."""
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
            return parse_object(data, objid, doc), genno
        except NotPlain:
            return None
    return None


def object_bytes(fp: BinaryIO, pos: int) -> bytes | None:
    """The file's bytes from `pos` through the first `endobj` and the byte after it; None
    where `stream` comes first (a stream is pdfminer's to read) or no `endobj` comes. The
    file is left where it was."""
    saved = fp.tell()
    try:
        fp.seek(pos)
        data = fp.read(CHUNK)
        whole = len(data) < CHUNK  # read to the end of the file
        while True:
            end, stream = data.find(b"endobj"), data.find(b"stream")
            if stream >= 0 and (end < 0 or stream < end):
                return None
            if end >= 0 and (len(data) > end + 6 or whole):
                return data[: end + 7]
            if whole or len(data) >= LIMIT:
                return None
            more = fp.read(len(data))
            whole = len(more) < len(data)
            data += more
    finally:
        fp.seek(saved)


def parse_object(data: bytes, objid: int, doc: PDFDocument) -> Any:
    """The object `objid genno obj … endobj` at the start of `data`, as `PDFParser`
    gives it; raises `NotPlain`."""
    m = HEADER.match(data)
    if m is None or int(m.group(1)) != objid:
        raise NotPlain("not the object's header")
    reader = Reader(doc)
    pos = m.end()
    while not reader.done:
        token = next_token(data, pos)
        if token is None:
            raise NotPlain("no endobj")
        kind, value, pos = token
        if kind == DELIMITER and value is ARRAY and (numbers := NUMBERS.match(data, pos)):
            reader.stack.append(
                [float(x) if b"." in x else int(x) for x in EACH_NUMBER.findall(numbers[1])]
            )
            pos = numbers.end()
            continue
        reader.take(kind, value)
    return reader.stack[0]


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
