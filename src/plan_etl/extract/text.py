"""Text dumps of decrees (.txt, .md): tab-separated or markdown pipe tables between paragraphs.

Dumps are what other tools made of a PDF or DOCX, so they keep its page structure (the
header repeated after every page break) and its artifacts (`<p>` tags, bold markers around
headings); the assembler deals with those. This reader only decodes the bytes and tells
table rows from paragraphs.
"""

from __future__ import annotations

import re
from pathlib import Path

from plan_etl.extract.base import Block, ExtractError, Extractor, RawDocument

_MD_SEPARATOR = re.compile(r"^\|?[\s:|-]*-{2,}[\s:|-]*$")
_MD_ROW = re.compile(r"^(?:[-*+]\s+)?\|")
_PARAGRAPH_BREAK = re.compile(r"</p>\s*<p[^>]*>|<br\s*/?>", re.IGNORECASE)


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


class TextExtractor(Extractor):
    suffixes = (".txt", ".md")

    def read(self, path: Path) -> RawDocument:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ExtractError(f"cannot read file: {exc.strerror or exc}") from exc
        return RawDocument(blocks=parse_text(decode(data)))
