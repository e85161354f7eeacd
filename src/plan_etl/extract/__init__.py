"""Extractor registry: the format of a file decides which backend reads it.

Backends are imported when a file of their format is first read, not when the package is:
pdfplumber and python-docx take a tenth of a second to import, which a warm `plan-etl
ingest` (everything from the cache) or a text-only run should not pay.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from plan_etl.extract.base import Block, ExtractError, Extractor, RawDocument

__all__ = ["SUFFIXES", "Block", "ExtractError", "Extractor", "RawDocument", "extractor_for"]

# suffix → (module, class); each class's own `suffixes` must agree (a test checks).
_BACKENDS: dict[str, tuple[str, str]] = {
    ".txt": ("plan_etl.extract.text", "TextExtractor"),
    ".md": ("plan_etl.extract.text", "TextExtractor"),
    ".pdf": ("plan_etl.extract.pdf", "PdfExtractor"),
    ".docx": ("plan_etl.extract.docx", "DocxExtractor"),
}
SUFFIXES = frozenset(_BACKENDS)
_LOADED: dict[tuple[str, str], Extractor] = {}


def extractor_for(path: Path) -> Extractor:
    """The extractor for `path`'s suffix; `ExtractError` for a format we do not read."""
    try:
        backend = _BACKENDS[path.suffix.lower()]
    except KeyError:
        raise ExtractError(f"unsupported file format {path.suffix or '(no suffix)'!r}") from None
    extractor = _LOADED.get(backend)
    if extractor is None:
        module, name = backend
        extractor = _LOADED[backend] = getattr(import_module(module), name)()
    return extractor
