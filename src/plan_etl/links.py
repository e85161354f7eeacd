"""Links between the decrees of one run: duplicates, and which decree amends which.

A decree is read file by file, but whether it is a copy of another, or has been amended by a
later one, is a question about the whole dataset. `Linker` sees every file's records in the
order they are written:

- a **duplicate** is a later file holding a decree already in the dataset: the same bytes
  under another name, or the same act in other bytes or another format (a PDF beside its
  DOCX, a text dump with one more newline). Its `documents` row keeps its own doc_id and
  points at the first file by `duplicate_of`; its rows are not written again, so counting
  rows or joining activities to documents counts the decree once. The first file in sorted
  path order is the original, so the answer does not depend on which worker finished first;
- **amendment chains** need every decree: `superseded_by` is the doc_id of a later decree
  in the dataset whose `amends` names this one by act number and date, and `in_force` says
  that none does. They are filled in after the last file, before `documents` is written.

Activities stream through (a duplicate's are dropped, nothing is kept); only the small
`Document` rows are held until the end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field

from plan_etl.models import Activity, Amendment, Document

# The fields of a decree's identity; two decrees whose values differ in any field both have
# are different acts, whatever their rows.
IDENTITY = ("region", "issuer", "act_type", "act_number", "act_date")
# The fields that alone make an act unique: an act number is unique per issuer and date.
ACT_KEY = ("issuer", "act_number", "act_date")
# The row fields whose equality over a whole plan makes two files the same decree.
ROW_FIELDS = ("item_number", "activity", "deadline_raw", "responsible_raw", "result_document")

_NUMBER_NOISE = re.compile(r"[\s№N]+")
_DASHES = re.compile(r"[‐‑‒–—―−]")


def act_number_key(number: str | None) -> str | None:
    """An act number as compared across decrees: «№ 254-пп», «254 – пп» → «254-пп»."""
    if not number:
        return None
    return _DASHES.sub("-", _NUMBER_NOISE.sub("", number)).casefold() or None


def rows_fingerprint(activities: list[Activity]) -> str | None:
    """A hash of the plan's rows as printed; None for a file without rows."""
    if not activities:
        return None
    rows = [[getattr(a, name) for name in ROW_FIELDS] for a in activities]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def _identity(doc: Document) -> dict[str, object]:
    values = {name: getattr(doc, name) for name in IDENTITY}
    values["act_number"] = act_number_key(doc.act_number)
    return values


def _contradict(a: dict[str, object], b: dict[str, object]) -> bool:
    """Two identities name different acts: some field both have differs."""
    return any(a[k] is not None and b[k] is not None and a[k] != b[k] for k in IDENTITY)


# (act number key, act date) → the (amendment, decree) pairs whose amendment names that act
AmendingIndex = dict[tuple[str | None, dt.date | None], list[tuple[Amendment, Document]]]


def _act(identity: dict[str, object]) -> tuple[object, ...] | None:
    """The identity's act key, where it has every part of it."""
    key = tuple(identity[k] for k in ACT_KEY)
    return None if None in key else key


@dataclass(slots=True)
class _Original:
    """A decree kept in the dataset (no duplicate, not failed), as duplicates are sought."""

    order: int
    document: Document
    identity: dict[str, object]
    rows: str | None


@dataclass(slots=True)
class Linker:
    """Marks duplicates as files arrive and links amendments once all have (see above).
    Earlier decrees are indexed by act key and by rows, so a file is compared with the few
    that could be its original, not with every decree before it."""

    documents: list[Document] = field(default_factory=list)
    _originals: list[_Original] = field(default_factory=list)
    _by_id: dict[str, Document] = field(default_factory=dict)
    _by_act: dict[tuple[object, ...], list[_Original]] = field(default_factory=dict)
    _by_rows: dict[str, list[_Original]] = field(default_factory=dict)

    def add(
        self, document: Document, activities: list[Activity]
    ) -> tuple[Document, list[Activity]]:
        """The records to write for one file: a duplicate's document row, without rows."""
        original, why = None, ""
        if document.duplicate_of:  # the same bytes, found before parsing
            original, why = self._by_id.get(document.duplicate_of), "same bytes"
        elif document.status != "failed":
            new = _Original(
                len(self._originals), document, _identity(document), rows_fingerprint(activities)
            )
            original, why = self._earlier(new)
            if original is None:
                self._register(new)
        if original is not None:
            document, activities = _as_duplicate(document, original, why), []
        self.documents.append(document)
        self._by_id[document.doc_id] = document
        return document, activities

    def _register(self, new: _Original) -> None:
        self._originals.append(new)
        if (act := _act(new.identity)) is not None:
            self._by_act.setdefault(act, []).append(new)
        if new.rows is not None:
            self._by_rows.setdefault(new.rows, []).append(new)

    def _earlier(self, new: _Original) -> tuple[Document | None, str]:
        """The first earlier decree that `new` repeats, and how it was recognised."""
        act = _act(new.identity)
        candidates = {
            o.order: o
            for o in [
                *(self._by_act.get(act, []) if act else []),
                *(self._by_rows.get(new.rows, []) if new.rows else []),
            ]
        }
        for earlier in (candidates[k] for k in sorted(candidates)):
            if _contradict(new.identity, earlier.identity):
                continue
            if act is not None and act == _act(earlier.identity):
                if new.document.consolidated_to == earlier.document.consolidated_to:
                    return earlier.document, "same act"
            elif new.rows is not None and new.rows == earlier.rows:
                return earlier.document, "same rows"
        return None, ""

    def finish(self) -> list[Document]:
        """Every document row in arrival order, with `superseded_by` and `in_force` set."""
        amending: AmendingIndex = {}
        for o in self._originals:
            for amendment in o.document.amends:
                key = (act_number_key(amendment.act_number), amendment.act_date)
                amending.setdefault(key, []).append((amendment, o.document))
        successor = {
            o.document.doc_id: _latest_amending(o.document, amending) for o in self._originals
        }
        linked = []
        for doc in self.documents:
            later = successor.get(doc.duplicate_of or doc.doc_id)
            linked.append(
                doc.model_copy(update={"superseded_by": later, "in_force": later is None})
            )
        return linked


def _as_duplicate(document: Document, original: Document | None, why: str) -> Document:
    """The row of a file that repeats `original`: its own file identity, the original's
    reading of the act, and no rows."""
    if original is None:
        return document
    own = {
        "doc_id": document.doc_id,
        "source_file": document.source_file,
        "source_format": document.source_format,
        "sha256": document.sha256,
    }
    base = original if why == "same bytes" else document
    note = f"same decree as {original.source_file} ({why}); its rows are not repeated"
    return base.model_copy(
        update={**own, "duplicate_of": original.doc_id, "row_count": 0, "error": note}
    )


def _latest_amending(
    doc: Document,
    amending: dict[tuple[str | None, dt.date | None], list[tuple[Amendment, Document]]],
) -> str | None:
    """The doc_id of the latest decree that amends `doc` (the one whose wording stands), by
    act date, then by order in the dataset: one whose `amends` names `doc`'s act number and
    date (and act type, where both have one)."""
    number = act_number_key(doc.act_number)
    if number is None or doc.act_date is None:
        return None
    later = [
        other
        for amendment, other in amending.get((number, doc.act_date), [])
        if other.doc_id != doc.doc_id
        and (not amendment.act_type or not doc.act_type or amendment.act_type == doc.act_type)
    ]
    if not later:
        return None
    return max(later, key=lambda d: d.act_date or dt.date.min).doc_id
