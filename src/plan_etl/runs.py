"""What each dataset folder was last built from, so a run over the same inputs finds it built.

A re-run over a folder whose decrees have not changed, with the same code, would write the
very tables already published (every result comes from the cache, and the writing is
deterministic): it would only churn the folder readers are using. So each run that publishes
records, in the cache root's `runs/` folder (never in the dataset), a key of what the dataset
depends on — the package's code and data, the PDF engine, the schema version, every decree's
relative path and content hash, the count of skipped files — with the hash of every file it
published and the counts of its summary line. A later run with the same key, into a folder
whose files still hash as recorded, leaves the folder as it is and reports those counts.

Only a clean run is recorded: one with a failed file (a timeout may not fail next time), a
duplicate, an amendment not applied or an unreadable folder has messages of its own to say,
and is simply built again. The cache's own safety holds: a record is JSON, and a wrong or
planted one can at worst make a run rebuild, or find a folder "built" whose every file
hashes exactly as a run of these inputs published it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from plan_etl.sources import Folder

RUNS = "runs"  # in the cache root, beside the results


def run_key(versions: str, decrees: Iterable[tuple[str, str]], skipped: int) -> str:
    """What a dataset built from these inputs depends on: `versions` (code, engine,
    schema), every decree's (relative path, content hash), the number of skipped files."""
    digest = hashlib.sha256(versions.encode())
    for name, sha256 in sorted(decrees):
        digest.update(f"\n{name}\0{sha256}".encode())
    digest.update(f"\nskipped {skipped}".encode())
    return digest.hexdigest()


def published_files(out_dir: Path) -> dict[str, str]:
    """The content hash of every file of a dataset folder, by name."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(out_dir.iterdir())
        if path.is_file()
    }


class Runs:
    """The records of the runs that published each dataset folder (see the module)."""

    def __init__(self, folder: Folder | None) -> None:
        self.folder = folder

    @staticmethod
    def _name(out_dir: Path) -> str:
        return hashlib.sha256(str(out_dir).encode()).hexdigest()[:32] + ".json"

    def built(self, out_dir: Path, key: str) -> dict[str, Any] | None:
        """The counts of the run that built `out_dir` from inputs of `key`, if the folder's
        files are still exactly those it published; else None."""
        if self.folder is None or not out_dir.is_dir():
            return None
        try:
            self.folder.make()
            record = json.loads(self.folder.read(self._name(out_dir)))
            if record.get("key") != key or record.get("files") != published_files(out_dir):
                return None
            counts = record["counts"]
        except Exception:  # none, unreadable, of another form: the run builds, nothing more
            return None
        return counts if isinstance(counts, dict) else None

    def record(self, out_dir: Path, key: str, counts: dict[str, Any] | None) -> None:
        """Record that `out_dir` was just built from inputs of `key` (`counts`: the summary's,
        None for a run with messages of its own, which is then not recorded)."""
        if self.folder is None:
            return
        name = self._name(out_dir)
        try:
            self.folder.make()
            if counts is None:
                self.folder.remove(name)
                return
            files = published_files(out_dir)
            body = {"key": key, "out": str(out_dir), "files": files, "counts": counts}
            self.folder.write(name, json.dumps(body, ensure_ascii=False).encode())
        except OSError:  # a full or read-only cache: the next run builds again, nothing more
            return
