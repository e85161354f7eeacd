"""Logical rows → validated dataset records: the one stage where normalizers and matcher meet.

Every field normalizer is a pure function of text; this module feeds them a decree's rows
and preamble and builds the pydantic records, so a value that breaks the schema fails here,
for this file, and never reaches the Parquet writer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from plan_etl.assemble import DOUBTFUL, LogicalRow, PlanTable
from plan_etl.extract.base import LOW_CONFIDENCE_NOTE, OCR_NOTE, doubted_words
from plan_etl.extract.ocrtext import corrected_note, unread_words
from plan_etl.match import DocumentMatch, MatchResult, match_document
from plan_etl.models import Activity, Document
from plan_etl.normalize.dates import parse_deadline, restore_dates
from plan_etl.normalize.metadata import read_metadata
from plan_etl.normalize.responsible import (
    bodies_and_persons,
    find_abbreviations,
    split_responsible,
)
from plan_etl.normalize.text import join_fragments
from plan_etl.source import Source as Source  # re-exported: its old home
from plan_etl.source import failed_document
from plan_etl.source import identity as _identity

# A row whose heading OCR garbled, matched by its own words to another item than with it
UNREAD_HEADING_NOTE = "heading read by OCR has words no lexicon knows:"
# A repealed item is no template item: no id, whatever its words score.
_REPEALED = MatchResult(catalogue_id=None, score=0.0, status="unmatched")


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
    heading = (meta.issuer, meta.act_type, table.abbreviations)
    matched = match_document(table.rows, *heading[:2], abbreviations=heading[2])
    rows, matched = _sure_of_ocr(table.rows, matched, *heading)
    rows = [_deadline_read_whole(row) for row in rows]
    decree = {
        "doc_id": source.doc_id,
        "source_file": source.source_file,
        **meta.model_dump(include={"region", "issuer", "act_type", "act_number", "act_date"}),
        "template": matched.template,
    }
    abbreviations = find_abbreviations(table.logical_text())
    responsible = [split_responsible(r.cells.get("responsible", []), abbreviations) for r in rows]
    kinds = bodies_and_persons(responsible)
    activities = [
        _activity(index, row, match, (responsible[index], *kinds[index]), decree)
        for index, (row, match) in enumerate(zip(rows, matched.results, strict=True))
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


def _sure_of_ocr(
    rows: list[LogicalRow],
    matched: DocumentMatch,
    issuer: str | None,
    act_type: str | None,
    abbreviations: Mapping[str, str] | None = None,
) -> tuple[list[LogicalRow], DocumentMatch]:
    """The rows and their matches, where a row read by OCR and placed with doubt is not
    `matched`, nor one under a heading OCR garbled whose own words give another item
    (`_sure_of_headings`), and a row holding words OCR read with low confidence is lowered
    only if its match depends on them: the document is matched again with those words
    masked (left out of every row's text the matcher reads), and a `matched` row that is
    then not `matched` to the same item — the words decided its id, or its lead over the
    runner-up — becomes `review` with the low-confidence warning. A match that survives
    the masking stands on the words OCR was sure of."""
    matched = replace(
        matched,
        results=[
            replace(m, status="review") if m.status == "matched" and _placed_from_ocr(r) else m
            for r, m in zip(rows, matched.results, strict=True)
        ],
    )
    rows, matched = _sure_of_headings(rows, matched, issuer, act_type, abbreviations)
    doubted = [doubted_words(row.warnings) for row in rows]
    if not any(doubted):
        return rows, matched
    masked = [_masked(row, words) for row, words in zip(rows, doubted, strict=True)]
    again = match_document(masked, issuer, act_type, abbreviations=abbreviations).results
    out_rows, results = [], []
    for row, words, match, check in zip(rows, doubted, matched.results, again, strict=True):
        survives = check.status == "matched" and check.catalogue_id == match.catalogue_id
        if words and match.status == "matched" and not survives:
            row = replace(row, warnings=[*row.warnings, LOW_CONFIDENCE_NOTE])
            match = replace(match, status="review")
        out_rows.append(row)
        results.append(match)
    return out_rows, replace(matched, results=results)


def _sure_of_headings(
    rows: list[LogicalRow],
    matched: DocumentMatch,
    issuer: str | None,
    act_type: str | None,
    abbreviations: Mapping[str, str] | None,
) -> tuple[list[LogicalRow], DocumentMatch]:
    """The rows and their matches, where a `matched` row read by OCR under a section or
    sub-heading with words no lexicon knows (`unread_words`: OCR garbled the heading that
    names the row's domain, «Процессы обеспечения доетупа к информацин …») is `matched` only
    if its own words give the same item: the document is matched again with those headings
    left out of their rows, and a row that is then not `matched` to the same item becomes
    `review` with the warning naming the words."""
    unread = [
        unread_words(" ".join(filter(None, (r.section_title, r.subsection_title))))
        if OCR_NOTE in r.warnings
        else []
        for r in rows
    ]
    suspect = [
        bool(words) and m.status == "matched"
        for words, m in zip(unread, matched.results, strict=True)
    ]
    if not any(suspect):
        return rows, matched
    bare = [
        replace(r, section_title=None, subsection_title=None) if doubt else r
        for r, doubt in zip(rows, suspect, strict=True)
    ]
    again = match_document(bare, issuer, act_type, abbreviations=abbreviations).results
    out_rows, results = [], []
    for row, words, doubt, match, check in zip(
        rows, unread, suspect, matched.results, again, strict=True
    ):
        if doubt and not (check.status == "matched" and check.catalogue_id == match.catalogue_id):
            row = replace(row, warnings=[*row.warnings, f"{UNREAD_HEADING_NOTE} {' '.join(words)}"])
            match = replace(match, status="review")
        out_rows.append(row)
        results.append(match)
    return out_rows, replace(matched, results=results)


def _deadline_read_whole(row: LogicalRow) -> LogicalRow:
    """An OCR'd row with its deadline cell read by the deadline grammar as assembled: a
    cell that continued across a page break («П» | «квартал 2024 года») was read in pieces,
    and one copied from a vertically merged cell above was not read in this row."""
    pieces = row.cells.get("deadline", [])
    if not pieces or OCR_NOTE not in row.warnings:
        return row
    joined = join_fragments(pieces)
    restored = restore_dates(joined)
    if restored == joined:
        return row
    cells = {**row.cells, "deadline": [restored]}
    return replace(row, cells=cells, warnings=[*row.warnings, corrected_note([(joined, restored)])])


def _placed_from_ocr(row: LogicalRow) -> bool:
    """Whether a row read by OCR was placed with doubt — its number misread (not only
    spaced: «1.1 .»), not an item number, or its number cell held words: where it stands,
    so which section names its item, is a guess."""
    if OCR_NOTE not in row.warnings:
        return False
    for warning in row.warnings:
        spaced = _REPAIRED.match(warning)
        if warning.startswith(DOUBTFUL) and not (
            spaced and _digits(spaced[1]) == _digits(spaced[2])
        ):
            return True
    return False


# «placed with doubt: its number cell '1.1 .' read as '1.1.'» (assemble.py's wording)
_REPAIRED = re.compile(rf"^{DOUBTFUL}: its number cell '(.*)' read as '(.*)'$")


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def _masked(row: LogicalRow, words: set[str]) -> LogicalRow:
    """`row` with `words` left out of the texts the matcher reads (activity, section and
    subsection titles), and without its OCR notes."""
    if not words:
        return row

    # a line-end fragment («информацион-») was joined to the rest of its word by assembly
    fragments = tuple(w[:-1] for w in words if w.endswith("-") and len(w) > 1)

    def mask(text: str | None) -> str | None:
        if text is None:
            return None
        kept = (t for t in text.split() if t not in words and not t.startswith(fragments or "\0"))
        return " ".join(kept)

    cells = {**row.cells, "activity": [mask(p) or "" for p in row.cells.get("activity", [])]}
    return replace(
        row,
        cells=cells,
        section_title=mask(row.section_title),
        subsection_title=mask(row.subsection_title),
        warnings=[],
    )


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
