"""The dataset's tables as pydantic models: the single source of the schema.

The Parquet writer derives its Arrow schema from these models and `plan-etl schemas`
exports their JSON Schema, so a column is added or retyped here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0.0"

MatchStatus = Literal["matched", "review", "unmatched"]
DocStatus = Literal["ok", "partial", "failed"]
SourceFormat = Literal["pdf", "docx", "txt", "md", "other"]  # other: unreadable formats, always failed
Template = Literal["region", "agency"]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Activity(_Row):
    """One plan item: a logical row of the decree's table."""

    doc_id: str = Field(description="id of the decree, derived from the file's content hash")
    source_file: str = Field(description="path of the source relative to RAW_DIR, /-separated")
    row_index: int = Field(ge=0, json_schema_extra={"arrow": "int32"})
    item_number: str = Field(description="the item's number as printed, without a trailing dot")
    section_number: str | None = None
    section_title: str | None = None
    subsection_title: str | None = None
    activity: str
    deadline_raw: str | None = None
    deadline_date: dt.date | None = None
    deadline_done: bool = False
    responsible_raw: str | None = None
    responsible: list[str] = Field(default_factory=list)
    result_document: str | None = None
    catalogue_id: str | None = None
    match_score: float = Field(default=0.0, ge=0, le=100)
    match_status: MatchStatus = "unmatched"
    page_first: int | None = Field(default=None, json_schema_extra={"arrow": "int32"})
    page_last: int | None = Field(default=None, json_schema_extra={"arrow": "int32"})
    warnings: list[str] = Field(default_factory=list)


class Amendment(_Row):
    """An act that a decree amends («О внесении изменений в …»)."""

    act_type: str | None = None
    act_number: str | None = None
    act_date: dt.date | None = None


class Document(_Row):
    """One decree: where it came from, what act it is, and how well it was read."""

    doc_id: str
    source_file: str
    source_format: SourceFormat
    sha256: str
    region: str | None = None
    issuer: str | None = None
    act_type: str | None = None
    act_number: str | None = None
    act_date: dt.date | None = None
    title: str | None = None
    amends: list[Amendment] = Field(default_factory=list)
    template: Template = "region"
    page_count: int | None = Field(default=None, json_schema_extra={"arrow": "int32"})
    row_count: int = Field(default=0, ge=0, json_schema_extra={"arrow": "int32"})
    status: DocStatus = "ok"
    error: str | None = None


class CatalogueItem(_Row):
    """A federal template item with its fixed id (shared CATALOGUE.md)."""

    catalogue_id: str
    template: Template
    block: str
    domain: str | None = None
    step: str
    wording: str


TABLES: dict[str, type[_Row]] = {
    "activities": Activity,
    "documents": Document,
    "catalogue": CatalogueItem,
}
