"""Extractor registry: the format of a file decides which backend reads it.

One table says, for every suffix we read, the format it is recorded as
(`documents.source_format`) and the backend that reads it, so the two can never disagree.

Backends are imported when a file of their format is first read, not when the package is:
pdfplumber and python-docx take a tenth of a second to import, which a warm `plan-etl
ingest` (everything from the cache) or a text-only run should not pay.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from plan_etl.extract.base import Block, ExtractError, Extractor, RawDocument

__all__ = [
    "SUFFIXES",
    "Block",
    "ExtractError",
    "Extractor",
    "RawDocument",
    "extractor_for",
    "source_format",
]

# suffix → (source_format, module, class); each class's own `suffixes` must agree (a test checks).
_BACKENDS: dict[str, tuple[str, str, str]] = {
    ".txt": ("txt", "plan_etl.extract.text", "TextExtractor"),
    ".md": ("md", "plan_etl.extract.text", "TextExtractor"),
    ".pdf": ("pdf", "plan_etl.extract.pdf", "PdfExtractor"),
    ".docx": ("docx", "plan_etl.extract.docx", "DocxExtractor"),
    ".doc": ("doc", "plan_etl.extract.convert", "ConvertedExtractor"),
    ".rtf": ("rtf", "plan_etl.extract.convert", "ConvertedExtractor"),
    ".odt": ("odt", "plan_etl.extract.convert", "ConvertedExtractor"),
    ".html": ("html", "plan_etl.extract.html", "HtmlExtractor"),
    ".htm": ("html", "plan_etl.extract.html", "HtmlExtractor"),
}
SUFFIXES = frozenset(_BACKENDS)
UNKNOWN_FORMAT = "other"  # the source_format of a file no backend reads (always failed)
_LOADED: dict[tuple[str, str], Extractor] = {}


def source_format(path: Path) -> str:
    """What `documents.source_format` records for `path`: its format by suffix, or `other`."""
    backend = _BACKENDS.get(path.suffix.lower())
    return backend[0] if backend else UNKNOWN_FORMAT


def extractor_for(path: Path) -> Extractor:
    """The extractor for `path`'s suffix; `ExtractError` for a format we do not read."""
    try:
        _, *backend = _BACKENDS[path.suffix.lower()]
    except KeyError:
        raise ExtractError(f"unsupported file format {path.suffix or '(no suffix)'!r}") from None
    module, name = backend
    extractor = _LOADED.get((module, name))
    if extractor is None:
        extractor = _LOADED[module, name] = getattr(import_module(module), name)()
    return extractor
