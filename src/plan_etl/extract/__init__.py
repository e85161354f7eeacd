"""Extractor registry: the format of a file decides which backend reads it."""

from __future__ import annotations

from pathlib import Path

from plan_etl.extract.base import Block, ExtractError, Extractor, RawDocument
from plan_etl.extract.docx import DocxExtractor
from plan_etl.extract.pdf import PdfExtractor
from plan_etl.extract.text import TextExtractor

__all__ = ["SUFFIXES", "Block", "ExtractError", "Extractor", "RawDocument", "extractor_for"]


def _registry() -> dict[str, Extractor]:
    extractors: list[Extractor] = [TextExtractor()]
    extractors.append(PdfExtractor())
    extractors.append(DocxExtractor())
    return {suffix: ex for ex in extractors for suffix in ex.suffixes}


_BY_SUFFIX = _registry()
SUFFIXES = frozenset(_BY_SUFFIX)


def extractor_for(path: Path) -> Extractor:
    """The extractor for `path`'s suffix; `ExtractError` for a format we do not read."""
    try:
        return _BY_SUFFIX[path.suffix.lower()]
    except KeyError:
        raise ExtractError(f"unsupported file format {path.suffix or '(no suffix)'!r}") from None
