"""The parsed-results cache: each file's records kept as data under its content hash and
the parser version, so an unchanged file is never parsed twice."""

from __future__ import annotations

import hashlib
import json
from contextlib import suppress
from pathlib import Path

from pydantic import BaseModel

from plan_etl.files import read_regular
from plan_etl.models import Activity, Document, PlanChange
from plan_etl.source import Source
from plan_etl.sources import Folder, Location
from plan_etl.task import FileResult
from plan_etl.versions import parser_version

RESULTS = "results"  # the parsed-results cache, a folder of the cache root
CACHE_FORMAT = 1  # bump when the layout of an entry changes
MAX_ENTRY_BYTES = 256 * 1024 * 1024  # a decree of 10,000 rows is a few tens of MB as JSON


class _Entry(BaseModel):
    """What a cache entry holds: one file's records, nothing executable."""

    document: Document
    activities: list[Activity]
    amendments: list[PlanChange] = []


class ResultCache:
    """Parsed results as data: one JSON file per source file, keyed by its content hash and
    the parser version, outside the dataset (`plan_etl.paths.cache_root()`).

    An entry is a header line, `{"format": 1, "sha256": <hash of the rest>}`, then the
    records as JSON; reading it is JSON parsing and pydantic validation, so a file planted
    in the cache can at worst be a wrong or invalid entry, never code. An entry whose
    format, checksum, records or source hash is not right is a miss (the file is parsed
    again), and so is one that is no regular file (a link, a FIFO, a device) or is larger
    than MAX_ENTRY_BYTES; a cache that cannot be written is no cache: neither stops a run.
    """

    def __init__(self, directory: Folder | Location | None) -> None:
        self.folder = Folder(directory) if isinstance(directory, (Path, str)) else directory
        if self.folder:
            try:
                self.folder.make()
                self.prune()
            except OSError:
                self.folder = None

    def prune(self) -> None:
        """Drop entries of other parser versions: no run of this code can use them, and
        without this the cache would grow with every parser change."""
        assert self.folder is not None
        keep = f"-{parser_version()}.json"
        for name in self.folder.names():
            if name.endswith(".json") and not name.endswith(keep):
                self.folder.remove(name)

    def _name(self, source: Source) -> str | None:
        if not self.folder or not source.sha256:
            return None
        return f"{source.sha256}-{parser_version()}.json"

    def has(self, source: Source) -> bool:
        name = self._name(source)
        try:
            return bool(name and self.folder and self.folder.exists(name))
        except OSError:
            return False

    def get(self, source: Source) -> FileResult | None:
        name = self._name(source)
        if not name or not self.folder:
            return None
        try:
            if self.folder.path is not None:  # on disk: a regular file of a sane size only
                entry = read_regular(self.folder.path / name, MAX_ENTRY_BYTES, follow=False)
            else:
                entry = self.folder.read(name)
            header, _, payload = entry.partition(b"\n")
            checksum = hashlib.sha256(payload).hexdigest()
            if json.loads(header) != {"format": CACHE_FORMAT, "sha256": checksum}:
                return None
            records = _Entry.model_validate_json(payload)
        except Exception:  # missing, truncated, tampered with, of another layout: a miss
            return None
        if records.document.sha256 != source.sha256:
            return None
        return _relocated(
            FileResult(records.document, records.activities, records.amendments), source
        )

    def put(self, source: Source, result: FileResult) -> None:
        """Keep `result` for the file's bytes; a failed one is not kept (it is read again
        next time: the failure may be the machine's). A worker that packed the result made
        its entry already (`PackedRows.entry`)."""
        name = self._name(source)
        if not name or not self.folder or result.document.status == "failed":
            return
        entry = result.packed.entry if result.packed else None
        # a full or read-only cache costs a re-parse next time, nothing more
        with suppress(OSError):
            self.folder.write(name, entry or entry_bytes(result))


def entry_bytes(result: FileResult) -> bytes:
    """A cache entry: the header line (format, checksum of the rest), then the records as
    JSON. Made by the parent, or by a worker that packs its rows (`packing.pack`)."""
    assert result.packed is None, "a packed result's entry is made before packing"
    payload = _Entry(
        document=result.document, activities=result.activities, amendments=result.amendments
    )
    body = payload.model_dump_json().encode()
    header = json.dumps({"format": CACHE_FORMAT, "sha256": hashlib.sha256(body).hexdigest()})
    return header.encode() + b"\n" + body


def _relocated(result: FileResult, source: Source) -> FileResult:
    """A cached result for the same bytes found under another path."""
    document = result.document
    if (document.source_file, document.doc_id) == (source.source_file, source.doc_id):
        return result
    where = {"source_file": source.source_file, "doc_id": source.doc_id}
    return FileResult(
        document.model_copy(update=where),
        [a.model_copy(update=where) for a in result.activities],
        [c.model_copy(update={"doc_id": source.doc_id}) for c in result.amendments],
    )
