"""Text dumps of decrees (.txt, .md): tab-separated or markdown pipe tables between paragraphs.

Dumps are what other tools made of a PDF or DOCX, so they keep its page structure (the
header repeated after every page break) and its artifacts (`<p>` tags, bold markers around
headings); the assembler deals with those. This reader only decodes the bytes and tells
table rows from paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from plan_etl.extract.base import Block, ExtractError, Extractor, RawDocument

_MD_SEPARATOR = re.compile(r"^\|?[\s:|-]*-{2,}[\s:|-]*$")
_MD_ROW = re.compile(r"^(?:[-*+]\s+)?\|")
_PARAGRAPH_BREAK = re.compile(r"</p>\s*<p[^>]*>|<br\s*/?>", re.IGNORECASE)

# Mojibake: UTF-8 bytes read once as windows-1251 («РџР»Р°РЅ» for «План», «в„–» for «№»).
# Every Cyrillic letter turns into «Р» or «С» (the lead bytes D0/D1) followed by a character
# of the bytes 80–BF, and «№», dashes and quotes into «в» (E2) and two such characters; these
# pairs never occur in Russian. A text is taken for mojibake when they stand for at least
# `_MOJIBAKE_SHARE` of its Cyrillic letters (in such a text about half of them; in a clean
# decree none), and only repaired when the whole text then decodes as UTF-8.
_CONTINUATION = bytes(range(0x80, 0xC0)).decode("cp1251", errors="replace")
_MOJIBAKE_PAIR = re.compile(f"[РСв][{re.escape(_CONTINUATION)}\u0098]")
_MOJIBAKE_SHARE = 0.2
# cp1251 leaves one byte undefined, 98 (the second byte of «И», D0 98, and of «‘»): a
# decoder writes it as U+FFFD, as U+0098 or drops it, and a cp1251 file stores U+FFFD as «?».
# U+FFFD and U+0098 are put back as 98; a «?» or nothing where a lead byte D0 («И») or
# E2 80 («‘») lacks its continuation byte is 98 too, the only byte that can be lost there.
_LOST_98 = re.compile(rb"(?<=\xd0)(?:\?|(?![\x80-\xbf]))|(?<=\xe2\x80)(?:\?|(?![\x80-\xbf]))")
_MAX_PASSES = 3  # a text read wrongly twice on its way is repaired twice; more is not seen
MOJIBAKE_REPAIRED = "text repaired: UTF-8 that had been read as windows-1251 (mojibake)"


def decode(data: bytes) -> str:
    """Decode a dump: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1251, the
    encoding Russian Windows tools still write."""
    if not data.strip():
        raise ExtractError("empty file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise ExtractError("binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1251", errors="replace")
    cyrillic = sum(1 for ch in text if "а" <= ch.lower() <= "я")
    letters = sum(1 for ch in text if ch.isalpha())
    if letters == 0 or cyrillic / letters < 0.3:
        raise ExtractError("text is neither UTF-8 nor cp1251 Russian")
    return text


def repair_mojibake(text: str) -> tuple[str, bool]:
    """`text` with UTF-8 mojibake undone (also when it was done twice), and whether it had
    any. Raises `ExtractError` for mojibake that does not decode back: bytes lost on the way
    other than 98, or characters that windows-1251 cannot have produced."""
    repaired = False
    for _ in range(_MAX_PASSES):
        if not _looks_like_mojibake(text):
            return text, repaired
        parts = text.replace("\ufffd", "\u0098").split("\u0098")
        try:
            data = b"\x98".join(part.encode("cp1251") for part in parts)
            text, repaired = _LOST_98.sub(b"\x98", data).decode("utf-8"), True
        except UnicodeError as exc:
            raise ExtractError(
                "text is UTF-8 read as windows-1251 (mojibake) and cannot be repaired: "
                f"{exc.reason} ({exc.object[exc.start : exc.start + 4]!r})"
            ) from exc
    raise ExtractError(f"text is still mojibake after {_MAX_PASSES} repairs")


def _looks_like_mojibake(text: str) -> bool:
    cyrillic = sum(1 for ch in text if "\u0400" <= ch <= "\u04ff")
    return bool(cyrillic) and len(_MOJIBAKE_PAIR.findall(text)) >= _MOJIBAKE_SHARE * cyrillic


def _cells(line: str) -> tuple[str, ...]:
    if "\t" in line:
        parts = line.split("\t")
    else:
        body = _MD_ROW.sub("|", line.strip(), count=1).strip()
        parts = body.strip("|").split("|")
    return tuple(_PARAGRAPH_BREAK.sub("\n", p).strip() for p in parts)


def parse_text(text: str) -> list[Block]:
    """Split a dump into table rows and paragraphs (blank-line separated runs of lines)."""
    blocks: list[Block] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(Block(text=" ".join(para)))
            para.clear()

    for raw in text.splitlines():
        line = raw.rstrip("\r\n")
        stripped = line.strip()
        if "\t" in line or _MD_ROW.match(stripped):
            flush()
            if not _MD_SEPARATOR.match(stripped):
                blocks.append(Block(cells=_cells(line)))
        elif not stripped:
            flush()
        else:
            para.append(stripped)
    flush()
    return blocks


def read_text(path: Path, decoder: Callable[[bytes], str] = decode) -> tuple[str, list[str]]:
    """A file's text decoded by `decoder` and repaired of mojibake, with the document warning
    that says so: the one way text dumps and HTML pages are read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExtractError(f"cannot read file: {exc.strerror or exc}") from exc
    text, repaired = repair_mojibake(decoder(data))
    return text, [MOJIBAKE_REPAIRED] if repaired else []


class TextExtractor(Extractor):
    suffixes = (".txt", ".md")

    def read(self, path: Path) -> RawDocument:
        text, warnings = read_text(path)
        return RawDocument(blocks=parse_text(text), warnings=warnings)
