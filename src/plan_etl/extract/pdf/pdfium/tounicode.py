"""A font's ToUnicode CMap read as pdfminer's `CMapParser` reads it, in a fraction of the time.

pdfminer reads a ToUnicode stream with its pure-Python PostScript parser, a character state
at a time, which made building a document's fonts most of what reading its fonts cost. The
streams producers write are plain (`pstokens`): names, numbers, strings and hex strings,
dictionaries and arrays of them, the header's `def`s, then bfchar and bfrange blocks.
`read_tounicode` replays what `CMapParser` does with each token (its stack, its
`begincmap`/`endcmap` state, its bfchar and bfrange rules), reading a block of hex strings
at once, and gives the same map. Whatever is not plain — a token `pstokens` does not cut,
a keyword inside a dictionary or an array, `usecmap`, cidchar and cidrange blocks, a block
pdfminer would skip parts of, warn about or fail on — gives None: the caller then lets
pdfminer parse the stream, so its result, warnings and errors stay pdfminer's own.
"""

from __future__ import annotations

import re
import struct
from binascii import unhexlify
from typing import Any

from pdfminer.cmapdb import FileUnicodeMap
from pdfminer.psparser import KWD, PSLiteral, literal_name

from plan_etl.extract.pdf.pdfium.pstokens import ENDS, KEYWORD, NotPlain, Stack, next_token

# A bfchar or bfrange block's body of hex strings of whole bytes up to its end keyword
# (which ends where pdfminer ends a keyword, or with the stream), read at once: the tokens
# `next_token` would give one by one.
HEX = rb"<(?:[0-9A-Fa-f]{2})*>"
PAIR = HEX + rb"\s*" + HEX
TRIPLE = PAIR + rb"\s*(?:" + HEX + rb"|\[(?:\s*" + HEX + rb")*\s*\])"
BFCHAR_BODY = re.compile(rb"(?:\s*" + PAIR + rb")*\s*endbfchar" + ENDS)
BFRANGE_BODY = re.compile(rb"(?:\s*" + TRIPLE + rb")*\s*endbfrange" + ENDS)
HEX_DIGITS = re.compile(rb"<([0-9A-Fa-f]*)>|\[|\]")

BEGINCMAP, ENDCMAP, DEF = KWD(b"begincmap"), KWD(b"endcmap"), KWD(b"def")
BEGINBFCHAR, ENDBFCHAR = KWD(b"beginbfchar"), KWD(b"endbfchar")
BEGINBFRANGE, ENDBFRANGE = KWD(b"beginbfrange"), KWD(b"endbfrange")
BLOCKS = {BEGINBFCHAR: BFCHAR_BODY, BEGINBFRANGE: BFRANGE_BODY}
# Keywords `CMapParser` answers by emptying its stack.
CLEARING = frozenset(
    KWD(word)
    for word in (
        b"begincodespacerange",
        b"endcodespacerange",
        b"begincidrange",
        b"begincidchar",
        b"beginbfrange",
        b"beginbfchar",
        b"beginnotdefrange",
        b"endnotdefrange",
    )
)
# Keywords whose handling is not replayed.
FOREIGN = frozenset(KWD(word) for word in (b"usecmap", b"endcidrange", b"endcidchar"))


def read_tounicode(data: bytes) -> FileUnicodeMap | None:
    """The map pdfminer's `CMapParser` builds of the ToUnicode stream `data` (its
    `cid2unichr` and `attrs`), or None where the stream is not plain."""
    reader = Reader()
    try:
        reader.read(data)
    except NotPlain:
        return None
    return reader.map


class Reader(Stack):
    """`CMapParser` over the tokens: its stack, whether it is inside the CMap, its map."""

    def __init__(self) -> None:
        super().__init__()
        self.in_cmap = True
        self.map = FileUnicodeMap()

    def read(self, data: bytes) -> None:
        """`CMapParser.run` over `data`; raises `NotPlain`. A bfchar or bfrange block of
        hex strings alone is read at once (`block`)."""
        pos = 0
        while (token := next_token(data, pos)) is not None:
            kind, value, pos = token
            if kind == KEYWORD and value in BLOCKS and self.in_cmap and not self.context:
                block = BLOCKS[value].match(data, pos)
                if block is not None:
                    self.block(value, block.group(0))
                    pos = block.end()
                    continue
            self.take(kind, value)
        if self.context:
            raise NotPlain("an unclosed dictionary or array")

    def block(self, begin: Any, body: bytes) -> None:
        """What the tokens of a block's `body` of hex strings (and arrays of them), up to
        its end keyword, do after its `begin` keyword has emptied the stack."""
        if b"[" in body:
            objs: list[Any] = []
            top = objs
            for m in HEX_DIGITS.finditer(body):
                if m.group(1) is not None:
                    top.append(unhexlify(m.group(1)))
                elif m.group(0) == b"[":
                    top = []
                    objs.append(top)
                else:
                    top = objs
        else:
            objs = [unhexlify(digits) for digits in HEX_DIGITS.findall(body)]
        self.stack = []
        if begin is BEGINBFCHAR:
            self.bfchar(objs)
        else:
            self.bfrange(objs)

    def keyword(self, word: Any) -> None:
        """`CMapParser.do_keyword` (which works on the innermost open dictionary's or
        array's objects, a case not replayed)."""
        if self.context:
            raise NotPlain("a keyword inside a dictionary or array")
        if word is BEGINCMAP:
            self.in_cmap, self.stack = True, []
        elif word is ENDCMAP:
            self.in_cmap = False
        elif not self.in_cmap:
            return
        elif word is DEF:
            if len(self.stack) < 2 or not isinstance(self.stack[-2], PSLiteral):
                raise NotPlain("a def pdfminer would fail on")
            self.map.attrs[literal_name(self.stack[-2])] = self.stack[-1]
            del self.stack[-2:]
        elif word in CLEARING:
            self.stack = []
        elif word is ENDBFCHAR:
            self.bfchar(self.stack)
            self.stack = []
        elif word is ENDBFRANGE:
            self.bfrange(self.stack)
            self.stack = []
        elif word in FOREIGN:
            raise NotPlain(f"{word.name!r}")
        else:
            self.stack.append(word)

    def bfchar(self, objs: list[Any]) -> None:
        """A bfchar block's pairs of source code and UTF-16 text."""
        if len(objs) % 2 or not all(type(x) is bytes for x in objs):
            raise NotPlain("a bfchar block pdfminer would skip parts of")
        add = self.add
        for code, text in zip(objs[::2], objs[1::2], strict=True):
            add(int.from_bytes(code, "big"), text)

    def bfrange(self, objs: list[Any]) -> None:
        """A bfrange block's triples: first and last code, then the first text (its last
        four bytes counted up, as pdfminer counts) or an array of the texts."""
        if len(objs) % 3:
            raise NotPlain("a bfrange block pdfminer would skip parts of")
        for first, last, text in zip(objs[::3], objs[1::3], objs[2::3], strict=True):
            if type(first) is not bytes or type(last) is not bytes or len(first) != len(last):
                raise NotPlain("a bfrange pdfminer would warn about")
            start, end = int.from_bytes(first, "big"), int.from_bytes(last, "big")
            if type(text) is list:
                if len(text) != end - start + 1 or not all(type(x) is bytes for x in text):
                    raise NotPlain("a bfrange array pdfminer would warn about")
                for cid, each in zip(range(start, end + 1), text, strict=True):
                    self.add(cid, each)
                continue
            if type(text) is not bytes:
                raise NotPlain("a bfrange pdfminer would fail on")
            prefix, var = text[:-4], text[-4:]
            base, size = int.from_bytes(var, "big"), len(var)
            if end >= start and base + end - start > 0xFFFFFFFF:
                raise NotPlain("a bfrange pdfminer would fail on")
            for i in range(end - start + 1):
                self.add(start + i, prefix + struct.pack(">L", base + i)[-size:])

    def add(self, cid: int, text: bytes) -> None:
        """`FileUnicodeMap.add_cid2unichr` of a UTF-16BE text (one code unit outside the
        surrogates is its character: decoded without the codec, as most are)."""
        if len(text) == 2 and not 0xD8 <= text[0] <= 0xDF:
            unichr = chr(text[0] << 8 | text[1])
        else:
            unichr = text.decode("UTF-16BE", "ignore")
        if unichr == "\u00a0" and self.map.cid2unichr.get(cid) == " ":
            return
        self.map.cid2unichr[cid] = unichr
