"""The dataset's tables as pydantic models: the single source of the schema.

The Parquet writer derives its Arrow schema from these models and `plan-etl schemas`
exports their JSON Schema, so a column is added or retyped here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "3.0.0"

MatchStatus = Literal["matched", "review", "unmatched"]
DocStatus = Literal["ok", "partial", "failed"]
SourceFormat = Literal[
    "pdf", "docx", "doc", "rtf", "odt", "html", "txt", "md", "other"
]  # other: unreadable formats, always failed
TextSource = Literal["text", "converted", "ocr", "mixed"]
DeadlinePrecision = Literal["day", "month", "quarter", "half_year", "year"]
Template = Literal["region", "agency"]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Amendment(_Row):
    """A reference to another act: one a decree amends, one that amended a row or that a
    consolidated text includes."""

    act_type: str | None = Field(
        default=None, description="постановление, распоряжение, … (lower case)"
    )
    act_number: str | None = Field(default=None, description="the act's number: 1060-пп")
    act_date: dt.date | None = Field(default=None, description="the act's date")


class Activity(_Row):
    """One plan item: a logical row of the decree's table."""

    doc_id: str = Field(description="id of the decree, derived from the file's content hash")
    source_file: str = Field(description="path of the source relative to RAW_DIR, /-separated")
    row_index: int = Field(
        ge=0,
        description="0-based order of the item within its decree",
        json_schema_extra={"arrow": "int32"},
    )
    item_number: str = Field(description="the item's number as printed, without a trailing dot")
    section_number: str | None = Field(
        default=None, description="the section's number as printed: 3, II"
    )
    section_title: str | None = Field(
        default=None, description="the section heading, without its number"
    )
    subsection_number: str | None = Field(
        default=None,
        description="the number of the sub-heading the row stands under (1.1), else null",
    )
    subsection_title: str | None = Field(
        default=None, description="the sub-heading the row stands under, without its number"
    )
    activity: str = Field(description="the «Мероприятие» cell, the whole logical text of the cell")
    deadline_raw: str | None = Field(default=None, description="the «Срок» cell as printed")
    deadline_date: dt.date | None = Field(
        default=None, description="the deadline as a date; a quarter or month → its last day"
    )
    deadline_done: bool = Field(
        default=False, description="the cell says the item is done («исполнено»)"
    )
    deadline_precision: DeadlinePrecision | None = Field(
        default=None,
        description="what deadline_date stands for: day, month, quarter, half_year, year",
    )
    deadline_recurring: bool = Field(
        default=False,
        description="the cell sets a repeating or standing duty (ежегодно, постоянно …)",
    )
    responsible_raw: str | None = Field(default=None, description="the «Ответственный» cell, whole")
    responsible: list[str] = Field(
        default_factory=list,
        description="responsible bodies or persons, one per element, abbreviations expanded",
    )
    responsible_bodies: list[str] = Field(
        default_factory=list,
        description="the organisations among the responsible, «(по согласованию)» dropped",
    )
    responsible_persons: list[str] = Field(
        default_factory=list,
        description="the officials among the responsible, named or by position",
    )
    result_document: str | None = Field(
        default=None, description="the «Вид документа (результат)» cell, whole"
    )
    catalogue_id: str | None = Field(default=None, description="the federal template item, or null")
    match_score: float = Field(
        default=0.0, ge=0, le=100, description="the matcher's score for catalogue_id, 0–100"
    )
    match_status: MatchStatus = Field(
        default="unmatched",
        description="matched (confident), review (a person should look), unmatched",
    )
    runner_up_id: str | None = Field(
        default=None, description="the second-best catalogue item, for a reviewer"
    )
    runner_up_score: float = Field(
        default=0.0, ge=0, le=100, description="the matcher's score for runner_up_id"
    )
    page_first: int | None = Field(
        default=None,
        description="PDF page the row starts on (1-based)",
        json_schema_extra={"arrow": "int32"},
    )
    page_last: int | None = Field(
        default=None,
        description="PDF page the row ends on (1-based)",
        json_schema_extra={"arrow": "int32"},
    )
    warnings: list[str] = Field(
        default_factory=list, description="what the extractor repaired or doubted for this row"
    )
    region: str | None = Field(default=None, description="the decree's region (as in documents)")
    issuer: str | None = Field(default=None, description="the decree's issuer (as in documents)")
    act_type: str | None = Field(default=None, description="the decree's act type")
    act_number: str | None = Field(default=None, description="the decree's number")
    act_date: dt.date | None = Field(default=None, description="the decree's date")
    template: Template = Field(
        default="region",
        description="the decree's template (region or agency), as the matcher decided it: "
        "the catalogue items the row is compared with",
    )
    amended_by: list[Amendment] = Field(
        default_factory=list,
        description="in a consolidated text, the acts that gave this row its present wording",
    )
    repealed: bool = Field(
        default=False, description="the item is repealed in this text («Утратил силу»)"
    )


class Document(_Row):
    """One decree: where it came from, what act it is, and how well it was read."""

    doc_id: str = Field(description="id of the decree, derived from the file's content hash")
    source_file: str = Field(description="path of the source relative to RAW_DIR, /-separated")
    source_format: SourceFormat = Field(
        description="pdf, docx, doc, rtf, odt, html, txt, md (other: unreadable)"
    )
    text_source: TextSource = Field(
        default="text",
        description="text (text layer, XML, text file), converted, ocr (page images), mixed",
    )
    sha256: str = Field(description="of the source file's bytes")
    region: str | None = Field(default=None, description="the region in the nominative")
    issuer: str | None = Field(default=None, description="the body that issued the act")
    act_type: str | None = Field(default=None, description="постановление, распоряжение, приказ, …")
    act_number: str | None = Field(default=None, description="the act's number: 254-пп")
    act_date: dt.date | None = Field(default=None, description="the act's own date")
    title: str | None = Field(default=None, description="the act's title")
    amends: list[Amendment] = Field(
        default_factory=list, description="acts this one amends («О внесении изменений в …»)"
    )
    superseded_by: str | None = Field(
        default=None, description="doc_id of a later decree in the dataset that amends this one"
    )
    consolidated_to: list[Amendment] = Field(
        default_factory=list,
        description="for a consolidated text, the amending acts it already includes",
    )
    in_force: bool = Field(
        default=True, description="no later decree in the dataset amends this one"
    )
    duplicate_of: str | None = Field(
        default=None,
        description="doc_id of the file kept for the same decree (the copy that carries more: "
        "a text layer, more rows, page numbers, the original format)",
    )
    template: Template = Field(
        default="region", description="the federal template the plan follows"
    )
    page_count: int | None = Field(
        default=None,
        description="pages, for formats that have them",
        json_schema_extra={"arrow": "int32"},
    )
    row_count: int = Field(
        default=0, ge=0, description="activities extracted", json_schema_extra={"arrow": "int32"}
    )
    status: DocStatus = Field(
        default="ok",
        description="ok, partial (extracted with warnings), failed (nothing extracted)",
    )
    error: str | None = Field(default=None, description="why the file failed, or its warnings")


class CatalogueItem(_Row):
    """A federal template item with its fixed id (shared CATALOGUE.md)."""

    catalogue_id: str = Field(description="fixed id: block.step")
    template: Template = Field(description="the template that lists the item")
    block: str = Field(description="org, life, coord, hr, hr_coord, agency, or a process domain")
    domain: str | None = Field(
        default=None, description="process domain (services … internal_property)"
    )
    step: str = Field(description="the step within the block")
    wording: str = Field(description="the canonical wording")


# --- schema version 3: amendments and the plan in force ---------------------------------------

ChangeAction = Literal["replace", "add", "repeal", "edit"]
ChangedField = Literal["activity", "deadline_raw", "responsible_raw", "result_document"]
InForceChange = Literal["replace", "add", "edit"]


class ChangedRow(_Row):
    """The new wording of a plan row that an amendment gives (`replace`, `add`): the
    activities columns of a row, normalized and matched like any row."""

    activity: str = Field(description="the «Мероприятие» cell of the new wording")
    deadline_raw: str | None = Field(default=None, description="the «Срок» cell as printed")
    deadline_date: dt.date | None = Field(default=None, description="the deadline as a date")
    deadline_done: bool = Field(default=False, description="the cell says «исполнено»")
    deadline_precision: DeadlinePrecision | None = Field(
        default=None, description="what deadline_date stands for"
    )
    deadline_recurring: bool = Field(default=False, description="a repeating or standing duty")
    responsible_raw: str | None = Field(default=None, description="the «Ответственный» cell")
    responsible: list[str] = Field(default_factory=list, description="responsible, one each")
    responsible_bodies: list[str] = Field(default_factory=list, description="the organisations")
    responsible_persons: list[str] = Field(default_factory=list, description="the officials")
    result_document: str | None = Field(default=None, description="the result cell, whole")
    catalogue_id: str | None = Field(default=None, description="the federal template item")
    match_score: float = Field(default=0.0, ge=0, le=100, description="score for catalogue_id")
    match_status: MatchStatus = Field(default="unmatched", description="as in activities")
    runner_up_id: str | None = Field(default=None, description="the second-best item")
    runner_up_score: float = Field(default=0.0, ge=0, le=100, description="its score")


class PlanChange(_Row):
    """One change an amending decree makes to an earlier plan (`amendments.parquet`)."""

    doc_id: str = Field(description="the amending decree")
    change_index: int = Field(
        ge=0,
        description="0-based order of the change in the amending text",
        json_schema_extra={"arrow": "int32"},
    )
    target: Amendment = Field(
        default_factory=Amendment, description="the act whose plan the change changes"
    )
    target_doc_id: str | None = Field(
        default=None, description="that act's doc_id where it is in the dataset"
    )
    item_number: str = Field(description="the item changed, or the new item's number (add)")
    action: ChangeAction = Field(description="replace, add, repeal or edit")
    after_item: str | None = Field(
        default=None, description="add: the item the new one follows (said or implied)"
    )
    field: ChangedField | None = Field(
        default=None, description="edit: the column whose words change, where the text names it"
    )
    old_text: str | None = Field(default=None, description="edit: the words replaced")
    new_text: str | None = Field(default=None, description="edit: their replacement")
    row: ChangedRow | None = Field(default=None, description="replace/add: the new row")
    warnings: list[str] = Field(
        default_factory=list, description="what the reader doubted about this change"
    )


class InForceActivity(Activity):
    """A row of a plan as in force after every amendment in the dataset (`in_force.parquet`):
    the activities columns (doc_id is the decree whose plan table the row stands in), plus
    where it came from and what changed it."""

    base_doc_id: str = Field(description="the original plan of the chain (earliest in dataset)")
    changed_by: list[str] = Field(
        default_factory=list, description="doc_ids of the amending decrees, in order"
    )
    change: InForceChange | None = Field(
        default=None,
        description="replace, add, edit, or null (unchanged; a repealed item has repealed)",
    )


TABLES: dict[str, type[_Row]] = {
    "activities": Activity,
    "documents": Document,
    "catalogue": CatalogueItem,
    "amendments": PlanChange,
    "in_force": InForceActivity,
}
