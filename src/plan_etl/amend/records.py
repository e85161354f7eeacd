"""An amending decree's records: its `documents` row and one `amendments` row per change.

The decree has no plan table of its own, so its metadata comes from the text before its
enacting clause and its new rows are normalized here as any row (deadline, responsible with
the abbreviations the amending text defines). Their catalogue match waits for the end of the
run (`apply`), where the plan they enter gives them their section, as every row has one.
"""

from __future__ import annotations

from plan_etl.amend.read import OWN_TEXT, AmendingText, ReadChange, cell_paragraphs
from plan_etl.match import match_document
from plan_etl.models import ChangedRow, Document, PlanChange
from plan_etl.normalize.dates import parse_deadline
from plan_etl.normalize.metadata import read_metadata
from plan_etl.normalize.responsible import (
    bodies_and_persons,
    find_abbreviations,
    split_responsible,
)
from plan_etl.normalize.text import join_fragments
from plan_etl.source import Source


def changed_row(cells: dict[str, str], abbreviations: dict[str, str]) -> ChangedRow:
    """A new row's cells normalized as any plan row's (catalogue match left for `apply`)."""
    paragraphs = cell_paragraphs(cells)

    def text(role: str) -> str | None:
        return join_fragments(paragraphs.get(role, [])) or None

    deadline_raw = text("deadline")
    deadline = parse_deadline(deadline_raw)
    everyone = split_responsible(paragraphs.get("responsible", []), abbreviations)
    [(bodies, persons)] = bodies_and_persons([everyone])
    return ChangedRow(
        activity=text("activity") or "",
        deadline_raw=deadline_raw,
        deadline_date=deadline.date,
        deadline_done=deadline.done,
        deadline_precision=deadline.precision,
        deadline_recurring=deadline.recurring,
        responsible_raw=text("responsible"),
        responsible=everyone,
        responsible_bodies=bodies,
        responsible_persons=persons,
        result_document=text("result"),
    )


def _change(
    index: int, change: ReadChange, doc_id: str, abbreviations: dict[str, str]
) -> PlanChange:
    row = None
    warnings = list(change.warnings)
    if change.action in ("replace", "add") and change.cells:
        row = changed_row(change.cells, abbreviations)
        if not row.activity:
            warnings.append("the new row has no activity text")
    return PlanChange(
        doc_id=doc_id,
        change_index=index,
        target=change.target or {},
        item_number=change.item_number,
        action=change.action,
        after_item=change.after_item,
        field=change.column,
        old_text=change.old_text,
        new_text=change.new_text,
        row=row,
        warnings=warnings,
    )


def amending_records(
    reading: AmendingText,
    text: str,
    source: Source,
    page_count: int | None,
    doc_warnings: list[str],
    text_source: str = "text",
) -> tuple[Document, list[PlanChange]]:
    """The `documents` row of a decree that changes single plan items, and its changes."""
    meta = read_metadata(reading.preamble, text)
    abbreviations = find_abbreviations(text)
    changes = [_change(i, c, source.doc_id, abbreviations) for i, c in enumerate(reading.changes)]
    if not meta.amends:
        targets = [c.target for c in changes if c.target.act_number]
        meta = meta.model_copy(update={"amends": list({t: None for t in targets})})
    doubts = [
        f"change {c.change_index} (item {c.item_number}): {w}" for c in changes for w in c.warnings
    ]
    doubts += [w for w in reading.warnings if OWN_TEXT not in w]
    problems = [*doc_warnings, *reading.warnings, *doubts]
    document = Document(
        doc_id=source.doc_id,
        source_file=source.source_file,
        source_format=source.source_format,
        sha256=source.sha256,
        **meta.model_dump(),
        text_source=text_source,
        template=match_document([], meta.issuer, meta.act_type).template,  # by its heading
        page_count=page_count,
        row_count=0,
        status="partial" if doubts or doc_warnings else "ok",  # own-text changes are no doubt
        error="; ".join(problems)[:500] if problems else None,
    )
    return document, changes
