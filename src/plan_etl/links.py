"""Links between the decrees of one run: duplicates, and which decree amends which.

A decree is read file by file, but whether it is a copy of another, or has been amended by a
later one, is a question about the whole dataset. `Linker` sees every file's records in the
order they are written:

- a **duplicate** is a later file holding a decree already in the dataset: the same bytes
  under another name, or the same act in other bytes or another format (a PDF beside its
  DOCX, a text dump with one more newline). Its `documents` row keeps its own doc_id and
  points at the copy kept by `duplicate_of`; its rows are not written again, so counting
  rows or joining activities to documents counts the decree once. The copy kept is the one
  that carries more (`richness`: a text layer over a scan, more rows read, page numbers,
  the original format over a converted one), the first in sorted path order among equals,
  so the answer does not depend on which worker finished first. A later copy that carries
  more takes the place of the one kept so far, whose rows the writer then drops
  (`Linker.demoted`);
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


# How well a file's text was read, best first: a text layer or a document's XML, text that
# is partly recognised from page images, text recognised from images only.
_READING = {"text": 2, "converted": 2, "mixed": 1, "ocr": 0}


def richness(doc: Document) -> tuple[int, int, bool, bool]:
    """What a copy of a decree carries, compared field by field: how its text was read (a
    text layer beats a scan, whose words OCR may garble), how many rows were read, whether
    rows have page numbers (a PDF's, which the report links to), and whether the file is the
    original format rather than one converted for reading (.doc, .rtf, .odt)."""
    return (
        _READING[doc.text_source],
        doc.row_count,
        doc.page_count is not None,
        doc.text_source != "converted",
    )


_WHY_KEPT = ("its text layer", "more rows", "its page numbers", "the original format")


def why_kept(kept: Document, other: Document) -> str:
    """Why `kept` stands for the decree rather than `other`, in a few words."""
    for reason, a, b in zip(_WHY_KEPT, richness(kept), richness(other), strict=True):
        if a != b:
            return reason
    return "coming first by file name"


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
    # doc_ids of decrees whose rows were written and then found to be a copy of a later file
    # that carries more: the caller drops their rows (and takes them off this list)
    demoted: list[Document] = field(default_factory=list)
    # for each duplicate's doc_id, why the copy kept was kept (`why_kept`)
    kept_because: dict[str, str] = field(default_factory=dict)
    _originals: list[_Original] = field(default_factory=list)
    _by_id: dict[str, Document] = field(default_factory=dict)
    _by_act: dict[tuple[object, ...], list[_Original]] = field(default_factory=dict)
    _by_rows: dict[str, list[_Original]] = field(default_factory=dict)

    def add(self, document: Document, fingerprint: str | None) -> Document:
        """One file's document row as it is to be written, `fingerprint` being its rows'
        (`rows_fingerprint`): a duplicate's points at the copy kept (`duplicate_of`), and
        its rows are not to be written."""
        original, why = None, ""
        if document.duplicate_of:  # the same bytes, found before parsing
            original, why = self._kept(document.duplicate_of), "same bytes"
            if document.duplicate_of in self.kept_because:  # its twin gave way to a better copy
                self.kept_because[document.doc_id] = self.kept_because[document.duplicate_of]
        elif document.status != "failed":
            new = _Original(len(self._originals), document, _identity(document), fingerprint)
            earlier, why = self._earlier(new)
            if earlier is None:
                self._register(new)
            elif richness(document) > richness(earlier.document):
                self._replace(earlier, new, why)
            else:
                self.kept_because[document.doc_id] = why_kept(earlier.document, document)
                original = earlier.document
        if original is not None:
            document = _as_duplicate(document, original, why)
        self.documents.append(document)
        self._by_id[document.doc_id] = document
        return document

    def _kept(self, doc_id: str) -> Document | None:
        """The decree kept for `doc_id`: itself, or the copy that later took its place."""
        doc = self._by_id.get(doc_id)
        while doc is not None and doc.duplicate_of:
            doc = self._by_id.get(doc.duplicate_of)
        return doc

    def _register(self, new: _Original) -> None:
        self._originals.append(new)
        if (act := _act(new.identity)) is not None:
            self._by_act.setdefault(act, []).append(new)
        if new.rows is not None:
            self._by_rows.setdefault(new.rows, []).append(new)

    def _replace(self, earlier: _Original, new: _Original, why: str) -> None:
        """`new` carries more than `earlier`, kept so far: it takes `earlier`'s place (and
        order), `earlier` and every copy that pointed at it become copies of `new`."""
        new.order = earlier.order
        self._originals[self._originals.index(earlier)] = new
        for index in (self._by_act, self._by_rows):
            for group in index.values():
                group[:] = [new if o is earlier else o for o in group]
        self._register_keys(new)
        old_id = earlier.document.doc_id
        for i, doc in enumerate(self.documents):
            if doc.doc_id == old_id or doc.duplicate_of == old_id:
                how = why if doc.doc_id == old_id else _why(doc)
                self.kept_because[doc.doc_id] = why_kept(new.document, earlier.document)
                self.documents[i] = _as_duplicate(doc, new.document, how, own_reading=True)
                self._by_id[doc.doc_id] = self.documents[i]
        self.demoted.append(earlier.document)

    def _register_keys(self, new: _Original) -> None:
        """Index `new` under its own keys where its stand-in was not indexed under them."""
        if (act := _act(new.identity)) is not None and new not in self._by_act.get(act, []):
            self._by_act.setdefault(act, []).append(new)
        if new.rows is not None and new not in self._by_rows.get(new.rows, []):
            self._by_rows.setdefault(new.rows, []).append(new)

    def _earlier(self, new: _Original) -> tuple[_Original | None, str]:
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
                    return earlier, "same act"
            elif new.rows is not None and new.rows == earlier.rows:
                return earlier, "same rows"
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


_NOTE = re.compile(r"^same decree as .* \((?P<why>[^()]*)\); its rows are not repeated$")


def _why(doc: Document) -> str:
    """How a duplicate was recognised, from its note."""
    m = _NOTE.match(doc.error or "")
    return m["why"] if m else "same act"


def _as_duplicate(
    document: Document, original: Document | None, why: str, own_reading: bool = False
) -> Document:
    """The row of a file that repeats `original`: its own file identity, the original's
    reading of the act (its own reading where it was read, or `own_reading`), and no rows."""
    if original is None:
        return document
    own = {
        "doc_id": document.doc_id,
        "source_file": document.source_file,
        "source_format": document.source_format,
        "sha256": document.sha256,
    }
    base = original if why == "same bytes" and not own_reading else document
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
    date (and act type, where both have one) and that is of `doc`'s region, where both
    have one (an act number and date recur across regions)."""
    number = act_number_key(doc.act_number)
    if number is None or doc.act_date is None:
        return None
    later = [
        other
        for amendment, other in amending.get((number, doc.act_date), [])
        if other.doc_id != doc.doc_id
        and (not amendment.act_type or not doc.act_type or amendment.act_type == doc.act_type)
        and (not other.region or not doc.region or other.region == doc.region)
    ]
    if not later:
        return None
    return max(later, key=lambda d: d.act_date or dt.date.min).doc_id
