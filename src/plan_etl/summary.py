"""What an ingest run did, counted for its closing line and its exit code."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from plan_etl.models import Document

if TYPE_CHECKING:  # the amending code (and pyarrow) loads with the run, not with the counts
    from plan_etl.amend.apply import NotApplied

# How a file's result was reached: parsed now, read from the cache, or settled without either
# (unreadable, or the same bytes as an earlier file).
Reading = Literal["parsed", "cached", "settled"]


@dataclass(slots=True)
class RunSummary:
    """Counts for the closing line of `plan-etl ingest`."""

    statuses: Counter[str] = field(default_factory=Counter)  # of decrees that are no copy
    duplicates: int = 0
    skipped: int = 0  # files of no decree format (a README, an image)
    unreadable_folders: int = 0  # sub-folders that could not be listed (in `failures` too)
    rows: int = 0
    parsed: int = 0
    cached: int = 0
    seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)
    # (duplicate file, file kept, why that one was kept), filled in once every file is read
    duplicate_files: list[tuple[str, str, str]] = field(default_factory=list)
    published: bool = False
    not_applied: list[NotApplied] = field(default_factory=list)  # amendments kept unapplied
    unchanged: bool = False  # the dataset was already built from these very inputs (`Runs`)

    @property
    def files(self) -> int:
        """Decree files read, duplicates included."""
        return sum(self.statuses.values()) + self.duplicates

    @property
    def read(self) -> int:
        """Decrees read (with plan rows, or an amending decree with changes): a run with none
        must not replace a dataset."""
        return self.statuses["ok"] + self.statuses["partial"]

    def add(self, document: Document, rows: int, how: Reading) -> None:
        if document.duplicate_of:
            self.duplicates += 1
        else:
            self.statuses[document.status] += 1
            if document.status == "failed":
                self.failures.append((document.source_file, document.error or ""))
        self.rows += rows
        self.parsed += how == "parsed"
        self.cached += how == "cached"

    def demote(self, document: Document) -> None:
        """A decree counted as read turned out to be a copy of a later file."""
        self.statuses[document.status] -= 1
        self.duplicates += 1
        self.rows -= document.row_count

    def name_duplicates(self, documents: list[Document], why: dict[str, str]) -> None:
        """Which file duplicates which, and why the kept one was kept (`Linker.kept_because`;
        a copy of the same bytes: the first by file name)."""
        by_id = {d.doc_id: d for d in documents}
        self.duplicate_files = [
            (d.source_file, kept.source_file, why.get(d.doc_id, "coming first by file name"))
            for d in documents
            if d.duplicate_of and (kept := by_id.get(d.duplicate_of)) is not None
        ]


class NothingRead(RuntimeError):
    """The run read no decree, so it did not replace the dataset."""

    def __init__(self, summary: RunSummary) -> None:
        what = "no decree file" if not summary.files else "no decree could be read"
        super().__init__(f"{what}: the dataset was not replaced (--allow-empty to force)")
        self.summary = summary
