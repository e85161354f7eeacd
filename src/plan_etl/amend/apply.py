"""The plan in force: every amendment in the dataset applied to the plan it names.

Decrees form chains by what they amend: an original plan, the decrees that restate its whole
appendix (full plans with `amends`) and those that change single items (`amendments`). A
chain is keyed by the act at its root (an amending decree names the original act, or a
decree that itself amends it); its members are taken in act-date order: a full plan replaces
the plan so far, an amending decree's changes are applied to it one by one.

A change is applied only where the plan says what the change says: the item it names is
there (once), an added item is not there yet and the item it follows is, the words an edit
replaces stand in the cell. Anything else is kept in `amendments` and reported as not applied
(`validate`: `amendment-not-applied`), never applied elsewhere.

New and replaced rows, and rows whose activity an edit changed, are matched to the catalogue
through the public matcher API, in the section of the plan they stand in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from plan_etl.links import act_number_key
from plan_etl.models import Amendment, ChangedRow, Document, InForceActivity, PlanChange
from plan_etl.write import arrow_schema, to_table

REPEALED_TEXT = "Утратил силу"  # the activity of a repealed item, as consolidated texts print it
ROW_CELLS = ("activity", "deadline_raw", "responsible_raw", "result_document")
_CLEARED: dict[str, Any] = {
    "deadline_raw": None,
    "deadline_date": None,
    "deadline_done": False,
    "deadline_precision": None,
    "deadline_recurring": False,
    "responsible_raw": None,
    "responsible": [],
    "responsible_bodies": [],
    "responsible_persons": [],
    "result_document": None,
    "catalogue_id": None,
    "match_score": 0.0,
    "match_status": "unmatched",
    "runner_up_id": None,
    "runner_up_score": 0.0,
}
_ROW_FIELDS = tuple(ChangedRow.model_fields)

if TYPE_CHECKING:  # the matcher loads only for a run with rows to match (not a warm re-run)
    from plan_etl.assemble import LogicalRow
    from plan_etl.match import MatchResult

ActKey = tuple[str | None, str, dt.date]  # region, act number, act date
SOURCE = "_source"  # in a row being applied: (doc_id, change_index) that gave its wording


@dataclass(frozen=True, slots=True)
class NotApplied:
    """A change kept in `amendments` but not applied, and why."""

    doc_id: str
    source_file: str
    change_index: int
    item_number: str
    message: str


@dataclass(slots=True)
class InForce:
    """What `build_in_force` gives the writer."""

    amendments: list[PlanChange]
    plans: Iterator[pa.Table]  # of the in_force schema, in the order of the activities
    not_applied: list[NotApplied] = field(default_factory=list)


def act_key(act: Document | Amendment, region: str | None) -> ActKey | None:
    """An act as chains know it: its number and date within its region. Each issuer
    numbers its acts anew, so «№ 45-р» of one date in two regions are two acts (one
    region's plan must not replace another's); an act a decree names is of that decree's
    region."""
    number = act_number_key(act.act_number)
    return (region, number, act.act_date) if number and act.act_date else None


@dataclass(slots=True)
class _Chains:
    """Decrees grouped by the act at the root of what they amend, each group in act order."""

    owner: dict[ActKey, Document]
    groups: dict[object, list[Document]]
    changes: dict[str, list[PlanChange]]

    @classmethod
    def of(cls, documents: list[Document], changes: list[PlanChange]) -> _Chains:
        kept = [d for d in documents if not d.duplicate_of and d.status != "failed"]
        owner: dict[ActKey, Document] = {}
        for doc in sorted(kept, key=lambda d: bool(d.consolidated_to)):  # the original first
            if (key := act_key(doc, doc.region)) is not None:
                owner.setdefault(key, doc)
        by_doc: dict[str, list[PlanChange]] = {}
        for change in changes:
            by_doc.setdefault(change.doc_id, []).append(change)
        chains = cls(owner, {}, by_doc)
        for doc in kept:
            chains.groups.setdefault(chains.root(doc), []).append(doc)
        order = {d.doc_id: i for i, d in enumerate(kept)}
        for members in chains.groups.values():
            members.sort(key=lambda d: (*_in_effect(d), order[d.doc_id]))
        return chains

    def target(self, doc: Document) -> Amendment | None:
        """The act a decree amends: the first its title names, else its changes' target."""
        if doc.amends:
            return doc.amends[0]
        named = [c.target for c in self.changes.get(doc.doc_id, []) if act_key(c.target, None)]
        return named[0] if named else None

    def root(self, doc: Document) -> object:
        """The chain key: the act at the end of the `amends` links (a decree that amends
        nothing, or an act not in the dataset); a decree with no act key is its own chain."""
        seen: set[str] = set()
        while doc.doc_id not in seen:
            seen.add(doc.doc_id)
            target = self.target(doc)
            key = act_key(target, doc.region) if target else None
            if key is None:
                return act_key(doc, doc.region) or doc.doc_id
            upstream = self.find(key)
            if upstream is None or upstream.doc_id == doc.doc_id:
                return key
            doc = upstream
        return act_key(doc, doc.region) or doc.doc_id

    def find(self, key: ActKey) -> Document | None:
        """The decree of an act in the dataset. An act named by a decree whose region was
        not read is found by number and date where one decree alone has them."""
        if key[0] is not None:
            return self.owner.get(key)
        alike = [doc for (_, *act), doc in self.owner.items() if tuple(act) == key[1:]]
        return alike[0] if len(alike) == 1 else None


def _in_effect(doc: Document) -> tuple[dt.date, int]:
    """Where a decree stands in its chain: its act date; a consolidated text after the last
    amending act it includes (and after that act itself), so those acts are not applied to
    it a second time."""
    if doc.consolidated_to:
        dates = [a.act_date for a in doc.consolidated_to if a.act_date]
        return max([*dates, doc.act_date or dt.date.min]), 1
    return doc.act_date or dt.date.max, 0


def build_in_force(
    activities: Path, documents: list[Document], changes: list[PlanChange]
) -> InForce:
    """The `amendments` rows (target resolved, new rows matched) and the plans in force.

    Only the rows of chains with more than one decree are held in memory: as Python rows
    where a member changes items (they are edited and matched again), as Arrow columns where
    the members only restate the whole plan (the last one stands as printed); every other
    plan streams from the activities file as it is, so a run over many decrees holds the
    amended plans, not the whole dataset."""
    chains = _Chains.of(documents, changes)
    chains.changes = {}
    region_of = {d.doc_id: d.region for d in documents}  # an act named is of its namer's region
    for change in _matched_alone(changes):
        owner = _owner_id(chains, change.target, region_of.get(change.doc_id))
        resolved = change.model_copy(update={"target_doc_id": owner})
        chains.changes.setdefault(change.doc_id, []).append(resolved)
    chained = [members for members in chains.groups.values() if len(members) > 1]
    amended = [m for m in chained if any(d.doc_id in chains.changes for d in m)]
    restated = [m for m in chained if not any(d.doc_id in chains.changes for d in m)]
    held = {d.doc_id for members in chained for d in members}
    tables = _plan_tables(activities, held)  # read once, for both kinds of chain
    first_with_rows = {  # where each chain's plan stands: at its first plan's rows
        next((d.doc_id for d in chain if d.doc_id in tables), chain[0].doc_id): chain[0].doc_id
        for chain in chained
    }
    rows = {
        d.doc_id: tables.pop(d.doc_id).to_pylist()
        for members in amended
        for d in members
        if d.doc_id in tables
    }
    result = InForce(amendments=[], plans=iter(()))
    applied: dict[str, list[InForceActivity] | pa.Table | None] = {
        members[0].doc_id: _apply_chain(members, chains, rows, result) for members in amended
    }
    applied |= {members[0].doc_id: _last_restated(members, tables) for members in restated}
    del rows, tables
    result.amendments = [c for group in chains.changes.values() for c in group]
    result.plans = _in_order(activities, held, applied, first_with_rows)
    return result


def _in_order(
    activities: Path,
    held: set[str],
    applied: dict[str, list[InForceActivity] | pa.Table | None],
    first_with_rows: dict[str, str],
) -> Iterator[pa.Table]:
    """The plans in force in the order of the activities: a chain's plan where its first
    plan stands, and every plan no one amends as it is, passed through as Arrow columns
    (with no base, no change) without becoming Python rows: those are nearly all the rows
    of a run, and a warm re-run would spend most of its time on them."""
    schema = arrow_schema(InForceActivity)
    placed: set[str] = set()  # chains written (a plan's rows may straddle two batches)
    for batch in pq.ParquetFile(activities).iter_batches():
        ids = batch.column("doc_id").to_pylist()
        kept_from = 0  # the start of the run of unamended rows not yet yielded
        for i, doc_id in enumerate(ids):
            if doc_id not in held:
                continue
            if i > kept_from:
                yield _as_it_is(batch.slice(kept_from, i - kept_from), schema)
            kept_from = i + 1
            chain = first_with_rows.get(doc_id)
            plan = applied.get(chain) if chain is not None else None
            if plan is not None and len(plan) and chain not in placed:
                placed.add(chain)
                yield plan if isinstance(plan, pa.Table) else to_table(plan, InForceActivity)
        if kept_from < len(ids):
            yield _as_it_is(batch.slice(kept_from), schema)


def _as_it_is(
    rows: pa.RecordBatch | pa.Table, schema: pa.Schema, base: str | None = None
) -> pa.Table:
    """Activities rows as rows of the plan in force no amending decree changes: no amending
    decrees, no change, and their own decree the base unless `base` (the first plan of a
    chain whose later plans restate it) is given."""
    count = rows.num_rows
    no_offsets = pa.array([0] * (count + 1), pa.int32())
    empty = pa.ListArray.from_arrays(no_offsets, pa.nulls(0, pa.string()))
    base_ids = rows.column("doc_id") if base is None else pa.array([base] * count, pa.string())
    columns = [*rows.columns, base_ids, empty, pa.nulls(count, pa.string())]
    return pa.Table.from_arrays(columns, schema=schema)


def _last_restated(members: list[Document], tables: dict[str, pa.Table]) -> pa.Table | None:
    """The plan in force of a chain whose members only restate the whole plan: the last
    one's rows as printed, numbered from 0 in the plan, with the first plan as their base
    (what `_apply_chain` gives such a chain, without making its rows Python objects)."""
    with_rows = [d.doc_id for d in members if d.row_count and d.doc_id in tables]
    if not with_rows:
        return None
    last = tables[with_rows[-1]]
    numbered = last.set_column(
        last.schema.get_field_index("row_index"),
        last.schema.field("row_index"),
        pa.array(range(last.num_rows), last.schema.field("row_index").type),
    )
    return _as_it_is(numbered, arrow_schema(InForceActivity), base=with_rows[0])


def _matched_alone(changes: list[PlanChange]) -> list[PlanChange]:
    """Every new row matched without a section, as the amending decree alone gives it: the
    match of a row whose plan is not in the dataset (a row that enters a plan is matched
    again there, in its section)."""
    out = list(changes)
    by_doc: dict[str, list[int]] = {}
    for i, change in enumerate(changes):
        if change.row is not None:
            by_doc.setdefault(change.doc_id, []).append(i)
    if not by_doc:
        return out
    from plan_etl.assemble import LogicalRow
    from plan_etl.match import match_document

    for indices in by_doc.values():
        logical = [
            LogicalRow(
                item_number=changes[i].item_number,
                section_number=None,
                section_title=None,
                subsection_title=None,
                cells={"activity": [changes[i].row.activity]},  # type: ignore[union-attr]
            )
            for i in indices
        ]
        found = match_document(logical)
        for i, match in zip(indices, found.results, strict=True):
            row = changes[i].row
            assert row is not None
            out[i] = changes[i].model_copy(
                update={"row": row.model_copy(update=_match_fields(match))}
            )
    return out


def _owner_id(chains: _Chains, target: Amendment, region: str | None) -> str | None:
    key = act_key(target, region)
    doc = chains.find(key) if key else None
    if doc is None or (target.act_type and doc.act_type and target.act_type != doc.act_type):
        return None
    return doc.doc_id


def _plan_tables(path: Path, only: set[str]) -> dict[str, pa.Table]:
    """The written activities of the decrees in `only`, each as one Arrow table of its own
    rows, read a row group at a time. A slice shares its row group's buffers, so each
    decree's slices are copied out (one empty piece more makes `combine_chunks` concatenate,
    which copies; a single piece it would return as it is): memory holds these plans, not
    every row group one of their rows stood in."""
    if not only:
        return {}
    pieces: dict[str, list[pa.RecordBatch]] = {}
    for batch in pq.ParquetFile(path).iter_batches():
        ids = batch.column("doc_id").to_pylist()
        wanted = [i for i, d in enumerate(ids) if d in only]
        for doc_id, indexes in groupby(wanted, key=ids.__getitem__):
            for start, length in _runs(list(indexes)):
                pieces.setdefault(doc_id, []).append(batch.slice(start, length))
    return {
        doc_id: pa.Table.from_batches([*parts, parts[0].slice(0, 0)]).combine_chunks()
        for doc_id, parts in pieces.items()
    }


def _runs(indexes: list[int]) -> Iterator[tuple[int, int]]:
    """Ascending indexes as (start, length) runs of consecutive ones: a decree's rows stand
    together, so a batch is read in a few slices (`take` would import pyarrow.compute, a
    tenth of a second of a warm re-run, to pick them)."""
    start = 0
    for i in range(1, len(indexes) + 1):
        if i == len(indexes) or indexes[i] != indexes[i - 1] + 1:
            yield indexes[start], i - start
            start = i


@dataclass(slots=True)
class _Plan:
    """The plan of a chain as the members are applied."""

    doc: Document
    rows: list[dict[str, Any]]
    base_doc_id: str
    rematch: set[int] = field(default_factory=set)  # ids of rows whose words changed

    def find(self, number: str) -> tuple[dict[str, Any] | None, str | None]:
        """The one row numbered `number`, or the reason there is none."""
        hits = [r for r in self.rows if r["item_number"] == number]
        if not hits:
            return None, f"item {number} is not in the plan of {_act_text(self.doc)}"
        if len(hits) > 1:
            return None, f"item {number} stands {len(hits)} times in the plan"
        return hits[0], None


def _apply_chain(
    members: list[Document],
    chains: _Chains,
    rows: dict[str, list[dict[str, Any]]],
    result: InForce,
) -> list[InForceActivity]:
    plan: _Plan | None = None
    for doc in members:
        if doc.row_count and doc.doc_id in rows:
            base = plan.base_doc_id if plan else doc.doc_id
            fresh = [{**r, "changed_by": [], "change": None} for r in rows[doc.doc_id]]
            plan = _Plan(doc, fresh, base)
        amending = chains.changes.get(doc.doc_id, [])
        for change in amending:
            problem = _apply(plan, change, doc) if plan else _missing(change)
            if problem:
                where = (doc.doc_id, doc.source_file, change.change_index, change.item_number)
                result.not_applied.append(NotApplied(*where, problem))
    if plan is None:
        return []
    _match(plan, chains)
    return [
        InForceActivity(
            **{k: v for k, v in r.items() if k not in (SOURCE, "row_index")},
            row_index=i,
            base_doc_id=plan.base_doc_id,
        )
        for i, r in enumerate(plan.rows)
    ]


def _missing(change: PlanChange) -> str:
    return f"the plan of {_act_text(change.target)} is not in the dataset"


def _act_text(act: Document | Amendment) -> str:
    date = act.act_date.strftime("%d.%m.%Y") if act.act_date else "?"
    return f"{act.act_type or 'акт'} от {date} № {act.act_number or '?'}"


def _amending_act(doc: Document) -> dict[str, Any]:
    return {"act_type": doc.act_type, "act_number": doc.act_number, "act_date": doc.act_date}


# What `change` says of a row changed more than once: the strongest of its changes (an added
# item stays `add` whatever changes it later; a replaced one edited later stays `replace`).
_STRENGTH = {None: 0, "edit": 1, "replace": 2, "add": 3}


def _mark(row: dict[str, Any], doc: Document, action: str | None) -> None:
    row["changed_by"] = [*row["changed_by"], doc.doc_id]
    row["amended_by"] = [*row["amended_by"], _amending_act(doc)]
    if _STRENGTH[action] > _STRENGTH[row["change"]]:
        row["change"] = action


def _apply(plan: _Plan, change: PlanChange, doc: Document) -> str | None:
    """Apply one change to the plan; the reason it cannot be applied, else None."""
    if change.action == "add":
        return _add(plan, change, doc)
    row, problem = plan.find(change.item_number)
    if row is None:
        return problem
    if change.action == "repeal":
        if row["repealed"]:
            return f"item {change.item_number} is already repealed"
        row.update(_CLEARED, activity=REPEALED_TEXT, repealed=True, warnings=[])
        _mark(row, doc, None)
        return None
    if row["repealed"]:
        return f"item {change.item_number} is repealed"
    if change.action == "replace":
        if change.row is None:
            return "the new wording of the item was not read"
        row.update(change.row.model_dump(), page_first=None, page_last=None)
        row["warnings"] = list(change.warnings)
        row[SOURCE] = (change.doc_id, change.change_index)
        plan.rematch.add(id(row))
        _mark(row, doc, "replace")
        return None
    return _edit(plan, row, change, doc)


def _edit(plan: _Plan, row: dict[str, Any], change: PlanChange, doc: Document) -> str | None:
    """Replace the words an edit names in the cells that hold them, and read a changed
    deadline or responsible cell again; why not, where the words are not there."""
    # the normalizers load for an edited cell only, not with the plan in force of a
    # run that amends nothing
    from plan_etl.normalize.dates import parse_deadline
    from plan_etl.normalize.responsible import bodies_and_persons, split_responsible
    from plan_etl.normalize.text import paragraphs_of

    old, new = change.old_text or "", change.new_text or ""
    if change.old_text is None:  # the whole cell restated («графу «Срок» … изложить …»)
        if not change.field or change.new_text is None:
            return "the cell's new wording was not read"
        hit = [change.field]
        row[change.field] = new or None
    else:
        cells = [change.field] if change.field else list(ROW_CELLS)
        hit = [c for c in cells if old and old in (row[c] or "")]
        if not hit:
            where = change.field or "any cell"
            return f"the words «{old}» are not in {where} of item {change.item_number}"
        for cell in hit:
            row[cell] = " ".join(row[cell].replace(old, new).split()) or None
    if "activity" in hit:
        row["activity"] = row["activity"] or ""
        plan.rematch.add(id(row))
    if "deadline_raw" in hit:
        deadline = parse_deadline(row["deadline_raw"])
        row.update(
            deadline_date=deadline.date,
            deadline_done=deadline.done,
            deadline_precision=deadline.precision,
            deadline_recurring=deadline.recurring,
        )
    if "responsible_raw" in hit:
        everyone = split_responsible(paragraphs_of(row["responsible_raw"] or ""), {})
        [(bodies, persons)] = bodies_and_persons([everyone])
        row.update(responsible=everyone, responsible_bodies=bodies, responsible_persons=persons)
    _mark(row, doc, "edit")
    return None


def _position(plan: _Plan, change: PlanChange) -> tuple[int | None, str | None]:
    """Where an added item goes: after the item it follows (and the items numbered under
    it); with none said or implied, before the first item numbered after it."""

    if change.after_item:
        row, problem = plan.find(change.after_item)
        if row is None:
            return None, problem
        at = plan.rows.index(row) + 1
        prefix = f"{change.after_item}."
        while at < len(plan.rows) and plan.rows[at]["item_number"].startswith(prefix):
            at += 1
        return at, None
    key = _number_key(change.item_number)
    later = [i for i, r in enumerate(plan.rows) if _number_key(r["item_number"]) > key]
    return (later[0] if later else len(plan.rows)), None


def _number_key(number: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in number.split("."))


def _add(plan: _Plan, change: PlanChange, doc: Document) -> str | None:
    if change.row is None:
        return "the new item's wording was not read"
    if any(r["item_number"] == change.item_number for r in plan.rows):
        return f"item {change.item_number} is already in the plan"
    at, problem = _position(plan, change)
    if at is None:
        return problem
    neighbour = plan.rows[at - 1] if at else (plan.rows[0] if plan.rows else {})
    placed = {k: neighbour.get(k) for k in ("section_number", "section_title")}
    placed.update(subsection_number=None, subsection_title=None)
    sub = neighbour.get("subsection_number")
    if (sub is None and neighbour.get("subsection_title")) or (
        sub is not None and change.item_number.startswith(f"{sub}.")
    ):  # under the neighbour's sub-heading: an unnumbered one, or one its number falls under
        placed.update(subsection_number=sub, subsection_title=neighbour.get("subsection_title"))
    template = plan.rows[0] if plan.rows else {}
    row = {
        **template,
        **placed,
        **change.row.model_dump(),
        "item_number": change.item_number,
        "page_first": None,
        "page_last": None,
        "warnings": list(change.warnings),
        "amended_by": [],
        "repealed": False,
        "changed_by": [],
        "change": None,
        SOURCE: (change.doc_id, change.change_index),
    }
    plan.rows.insert(at, row)
    plan.rematch.add(id(row))
    _mark(row, doc, "add")
    return None


def as_logical_row(row: dict[str, Any]) -> LogicalRow:
    """A plan row as the matcher reads it: its place in the plan and its activity."""
    from plan_etl.assemble import LogicalRow

    return LogicalRow(
        item_number=row["item_number"],
        section_number=row["section_number"],
        section_title=row["section_title"],
        subsection_title=row["subsection_title"],
        subsection_number=row["subsection_number"],
        cells={"activity": [row["activity"]]},
    )


def _match(plan: _Plan, chains: _Chains) -> None:
    """Match the rows whose words changed through the public matcher, as rows of the whole
    plan in force (its headings, its order, the items its other rows hold are the evidence
    a row is matched by); the changes that gave them write the same match into their `row`."""
    if not any(id(r) in plan.rematch for r in plan.rows):
        return
    from plan_etl.match import match_document

    standing = [r for r in plan.rows if not r.get("repealed")]
    logical = [as_logical_row(r) for r in standing]
    found = match_document(logical, plan.doc.issuer, plan.doc.act_type)
    pairs = zip(standing, found.results, strict=True)
    for row, match in ((r, m) for r, m in pairs if id(r) in plan.rematch):
        row.update(_match_fields(match))
        if SOURCE not in row:
            continue  # an edited activity: no change row holds it
        doc_id, index = row[SOURCE]
        group = chains.changes[doc_id]
        at = next(i for i, c in enumerate(group) if c.change_index == index)
        new_row = group[at].row
        assert new_row is not None
        group[at] = group[at].model_copy(
            update={"row": new_row.model_copy(update=_match_fields(match))}
        )


def _match_fields(match: MatchResult) -> dict[str, Any]:
    return {
        "catalogue_id": match.catalogue_id,
        "match_score": round(match.score, 2),
        "match_status": match.status,
        "runner_up_id": match.runner_up,
        "runner_up_score": round(match.runner_up_score, 2),
    }
