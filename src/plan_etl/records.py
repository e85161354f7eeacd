"""Logical rows → validated dataset records: the one stage where normalizers and matcher meet.

Every field normalizer is a pure function of text; this module feeds them a decree's rows
and preamble and builds the pydantic records, so a value that breaks the schema fails here,
for this file, and never reaches the Parquet writer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plan_etl.assemble import LogicalRow, PlanTable
from plan_etl.match import MatchResult, match_document
from plan_etl.models import Activity, Document, SourceFormat
from plan_etl.normalize.dates import parse_deadline
from plan_etl.normalize.metadata import read_metadata
from plan_etl.normalize.responsible import (
    bodies_and_persons,
    find_abbreviations,
    split_responsible,
)

# A repealed item is no template item: no id, whatever its words score.
_REPEALED = MatchResult(catalogue_id=None, score=0.0, status="unmatched")


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
        **_identity(source), page_count=page_count, row_count=0, status="failed", error=one_line
    )


def _identity(source: Source) -> dict[str, str]:
    return {
        "doc_id": source.doc_id,
        "source_file": source.source_file,
        "source_format": source.source_format,
        "sha256": source.sha256,
    }


def build_records(
    table: PlanTable,
    source: Source,
    page_count: int | None,
    doc_warnings: list[str],
    text_source: str = "text",
) -> tuple[Document, list[Activity]]:
    """The decree's `documents` row and its `activities` rows."""
    if not table.rows:
        reason = table.warnings[0] if table.warnings else "plan table has no item rows"
        return failed_document(source, reason, page_count), []
    meta = read_metadata(table.preamble, table.text)
    matched = match_document(
        table.rows, meta.issuer, meta.act_type, abbreviations=table.abbreviations
    )
    decree = {
        "doc_id": source.doc_id,
        "source_file": source.source_file,
        **meta.model_dump(include={"region", "issuer", "act_type", "act_number", "act_date"}),
        "template": matched.template,
    }
    abbreviations = find_abbreviations(table.logical_text())
    responsible = [
        split_responsible(r.cells.get("responsible", []), abbreviations) for r in table.rows
    ]
    kinds = bodies_and_persons(responsible)
    activities = [
        _activity(index, row, match, (responsible[index], *kinds[index]), decree)
        for index, (row, match) in enumerate(zip(table.rows, matched.results, strict=True))
    ]
    problems = [*doc_warnings, *table.warnings]
    document = Document(
        **_identity(source),
        **meta.model_dump(),
        template=matched.template,
        text_source=text_source,
        page_count=page_count,
        row_count=len(activities),
        status="partial" if problems else "ok",
        error="; ".join(problems)[:500] if problems else None,
    )
    return document, activities


def _activity(
    index: int,
    row: LogicalRow,
    match: MatchResult,
    responsible: tuple[list[str], list[str], list[str]],
    decree: dict[str, Any],
) -> Activity:
    """One `activities` record: the row's cells normalized, its match (none for a repealed
    item), and the decree's identity repeated so that no question needs a join."""
    match = _REPEALED if row.repealed else match
    deadline_raw = row.text("deadline")
    deadline = parse_deadline(deadline_raw)
    everyone, bodies, persons = responsible
    return Activity(
        row_index=index,
        item_number=row.item_number,
        section_number=row.section_number,
        section_title=row.section_title,
        subsection_number=row.subsection_number,
        subsection_title=row.subsection_title,
        activity=row.text("activity") or "",
        deadline_raw=deadline_raw,
        deadline_date=deadline.date,
        deadline_done=deadline.done,
        deadline_precision=deadline.precision,
        deadline_recurring=deadline.recurring,
        responsible_raw=row.text("responsible"),
        responsible=everyone,
        responsible_bodies=bodies,
        responsible_persons=persons,
        result_document=row.text("result"),
        catalogue_id=match.catalogue_id,
        match_score=round(match.score, 2),
        match_status=match.status,
        runner_up_id=match.runner_up,
        runner_up_score=round(match.runner_up_score, 2),
        page_first=row.page_first,
        page_last=row.page_last,
        warnings=[*row.warnings, *([deadline.warning] if deadline.warning else [])],
        amended_by=row.amended_by,
        repealed=row.repealed,
        **decree,
    )
