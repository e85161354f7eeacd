"""Which library reads the pages of a text PDF: PDFium (the default) or pdfplumber.

PDFium (`extract/pdf/pdfium.py`) gives the words and ruling pdfplumber gives at a fraction
of the cost; pdfplumber stays as the reference it is checked against, selected with
`plan-etl ingest --pdf-engine pdfplumber`. The choice travels in the environment, as the
cache folder does, so that worker processes however started see it; this module imports
nothing heavy, so the cache's fingerprint can include the choice without loading either
library.
"""

from __future__ import annotations

import os

ENGINE_ENV = "PLAN_ETL_PDF_ENGINE"
PDFIUM = "pdfium"
PDFPLUMBER = "pdfplumber"
ENGINES = (PDFIUM, PDFPLUMBER)
DEFAULT_ENGINE = PDFIUM


def pdf_engine() -> str:
    """The engine `$PLAN_ETL_PDF_ENGINE` names, else the default; ValueError for a name
    that is neither."""
    value = os.environ.get(ENGINE_ENV, "").strip().lower() or DEFAULT_ENGINE
    if value not in ENGINES:
        raise ValueError(
            f"unknown PDF engine {value!r} in ${ENGINE_ENV}: use {' or '.join(ENGINES)}"
        )
    return value
