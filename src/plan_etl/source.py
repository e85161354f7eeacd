"""A file's identity and the record of a file that could not be read: what the run's client
needs of a file without the readers, matcher and normalizers `records` brings (a warm
re-run served from the cache imports none of them)."""

from __future__ import annotations

from dataclasses import dataclass

from plan_etl.models import Document, SourceFormat


@dataclass(frozen=True, slots=True)
class Source:
    """Identity of one input file."""

    doc_id: str
    source_file: str
    source_format: SourceFormat
    sha256: str


def failed_document(source: Source, error: str, page_count: int | None = None) -> Document:
    """The `documents` row of a file from which nothing could be extracted."""
    one_line = " ".join(error.split())[:300]
    return Document(
        **identity(source), page_count=page_count, row_count=0, status="failed", error=one_line
    )


def identity(source: Source) -> dict[str, str]:
    """The fields of a `documents` row that name the file."""
    return {
        "doc_id": source.doc_id,
        "source_file": source.source_file,
        "source_format": source.source_format,
        "sha256": source.sha256,
    }
