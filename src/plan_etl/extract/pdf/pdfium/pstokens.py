"""PostScript tokens cut as pdfminer's tokenizer (`PSBaseParser`) cuts them, by one regular
expression instead of a state machine stepped a character at a time.

Only the plain tokens are cut: dictionary and array delimiters, hex strings of whole bytes,
names without `#` escapes, numbers, keywords, strings without escapes or parentheses, and
comments. Anything else — a procedure, an escape, an odd hex digit, a character pdfminer
would make a keyword of its own — raises `NotPlain`, and the caller leaves the reading to
pdfminer. Where a plain token is cut, it is the token pdfminer cuts there, with its value.
"""

from __future__ import annotations

import re
from binascii import unhexlify
from typing import Any

from pdfminer.psparser import KWD, LIT, PSLiteral, literal_name

# What a name or a keyword runs over in pdfminer (up to `END_LITERAL`, `END_KEYWORD`), and
# as a lookahead, where one ends: a keyword matched must end where pdfminer ends it.
RUN = rb"[^#/%\[\]()<>{}\s]*"
ENDS = rb"(?=[#/%\[\]()<>{}\s]|\Z)"

# A number as pdfminer cuts one: a real where the digits run into a dot, else an integer.
REAL_TEXT = rb"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)"
INTEGER_TEXT = rb"[-+]?[0-9]+"
NUMBER = REAL_TEXT + rb"|" + INTEGER_TEXT

# One token after optional white space, by group: 1 a delimiter, 2 a hex string, 3 a name,
# 4 a real, 5 an integer, 6 a keyword, 7 a string; a comment has no group.
TOKEN = re.compile(
    rb"\s*(?:"
    rb"(<<|>>|\[|\])"
    rb"|<((?:\s*[0-9A-Fa-f]\s*[0-9A-Fa-f])*\s*)>"
    rb"|/(" + RUN + rb")(?!#)"
    rb"|(" + REAL_TEXT + rb")"
    rb"|(" + INTEGER_TEXT + rb")"
    rb"|([A-Za-z]" + RUN + rb")(?!#)"
    rb"|\(([^()\\]*)\)"
    rb"|%[^\r\n]*"
    rb")"
)
SPACE = re.compile(rb"\s*")
DELIMITER, HEX, NAME, REAL, INTEGER, KEYWORD, STRING = range(1, 8)


class NotPlain(Exception):
    """What is being read has something the fast reading does not replay."""


def next_token(data: bytes, pos: int) -> tuple[int, Any, int] | None:
    """The token of `data` at `pos` (past white space and comments), as (group, pdfminer's
    value, end), or None at the end of `data`; a keyword's value is its `PSKeyword` (true
    and false are booleans), a delimiter's too. Raises `NotPlain` at a token it does not
    cut."""
    while True:
        m = TOKEN.match(data, pos)
        if m is None:
            if SPACE.match(data, pos).end() == len(data):  # type: ignore[union-attr]
                return None
            raise NotPlain(f"a token at {pos}")
        pos, kind = m.end(), m.lastindex
        if kind is not None:
            return kind, token_value(kind, m.group(kind)), pos


def token_value(kind: int, text: bytes) -> Any:
    """What pdfminer's tokenizer makes of a token of group `kind`."""
    if kind == KEYWORD:
        return True if text == b"true" else False if text == b"false" else KWD(text)
    if kind == HEX:
        return unhexlify(b"".join(text.split()))
    if kind == NAME:
        try:
            return LIT(str(text, "utf-8"))
        except UnicodeDecodeError:
            return LIT(text)
    if kind == INTEGER:
        return int(text)
    if kind == REAL:
        return float(text)
    return KWD(text) if kind == DELIMITER else text


class Stack:
    """`PSStackParser`'s stack over plain tokens: the innermost open dictionary's or
    array's objects (`stack`) and the open ones (`context`). A subclass says what its
    parser does with a keyword (`keyword`)."""

    def __init__(self) -> None:
        self.stack: list[Any] = []
        self.context: list[tuple[bytes, list[Any]]] = []

    def take(self, kind: int, value: Any) -> None:
        """`PSStackParser.nextobject` of one token: a delimiter opens or closes a dictionary
        or an array, a keyword goes to `keyword`, anything else (a boolean too) is pushed."""
        if kind == DELIMITER:
            self.delimiter(value.name)
        elif kind != KEYWORD or isinstance(value, bool):
            self.stack.append(value)
        else:
            self.keyword(value)

    def keyword(self, word: Any) -> None:
        raise NotImplementedError

    def delimiter(self, name: bytes) -> None:
        if name in (b"<<", b"["):
            self.context.append((name, self.stack))
            self.stack = []
            return
        opening = b"<<" if name == b">>" else b"["
        if not self.context or self.context[-1][0] != opening:
            raise NotPlain("a delimiter closing nothing open")
        objs, (_, self.stack) = self.stack, self.context.pop()
        if opening == b"[":
            self.stack.append(objs)
        elif len(objs) % 2 or not all(isinstance(k, PSLiteral) for k in objs[::2]):
            raise NotPlain("a dictionary pdfminer would fail on")
        else:
            pairs = zip(objs[::2], objs[1::2], strict=True)
            self.stack.append({literal_name(k): v for k, v in pairs if v is not None})
