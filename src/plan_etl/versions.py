"""Fingerprints of the package's code: what a parsed result depends on (`parser_version`,
the cache key) and what a dataset depends on (`dataset_code_version`, the record of what a
dataset folder was built from). Read once a process, from the installed files themselves,
so an edited checkout never reuses a result its own code would not give."""

from __future__ import annotations

import hashlib
import os
from functools import cache
from importlib import resources
from pathlib import Path

from plan_etl import __version__
from plan_etl.extract.pdf_engine import DEFAULT_ENGINE, ENGINE_ENV

# Modules that only present, check or write what the parse produced: a change to them does
# not change a file's records, so it must not throw away the whole cache.
_NOT_PARSING = frozenset(
    {
        "cli.py",
        "validate/__init__.py",
        "validate/rules.py",
        "validate/numbering.py",
        "validate/decree.py",
        "validate/dataset.py",
        "validate/run.py",
        "validate/output.py",
        "report.py",
        "loader.py",
        "write.py",
        "datapackage.py",
        "schemas.py",
        "links.py",
        "paths.py",
        "amend/apply.py",  # runs after the parse, on the whole run's records
        "executors.py",
        "cluster.py",
        "sources.py",
        "versions.py",
        "cache.py",  # how results are kept; what they hold is `task` and below
        "summary.py",
        "packing.py",  # how a worker's rows travel to the parent, the same tables either way
    }
)


def parser_version() -> str:
    """A fingerprint of the code and data that turn a file into records, and of the PDF
    engine chosen (`$PLAN_ETL_PDF_ENGINE`): any change to them invalidates the cache."""
    engine = os.environ.get(ENGINE_ENV, DEFAULT_ENGINE).strip().lower() or DEFAULT_ENGINE
    if engine == DEFAULT_ENGINE:
        return code_version()
    return hashlib.sha256(f"{code_version()}:{engine}".encode()).hexdigest()[:16]


@cache
def _fingerprints() -> tuple[str, str]:
    """The fingerprints of the package's code and data files (.py, .toml, .json), read in
    one pass: of the files that turn a file into records (all but `_NOT_PARSING`), and of
    them all."""
    parsing, everything = hashlib.sha256(__version__.encode()), hashlib.sha256(__version__.encode())
    package = Path(str(resources.files("plan_etl")))
    for path in sorted(package.rglob("*")):
        if path.suffix not in (".py", ".toml", ".json") or "__pycache__" in path.parts:
            continue
        rel, data = path.relative_to(package).as_posix().encode(), path.read_bytes()
        for digest in (everything,) if rel.decode() in _NOT_PARSING else (parsing, everything):
            digest.update(rel)
            digest.update(data)
    return parsing.hexdigest()[:16], everything.hexdigest()[:16]


def dataset_code_version() -> str:
    """A fingerprint of all the code and data of the package: what a dataset depends on,
    the writing, linking and amending included."""
    return _fingerprints()[1]


def code_version() -> str:
    """A fingerprint of the code and data that turn a file into records: any change to
    them invalidates the cache (a new module counts until it is listed in `_NOT_PARSING`)."""
    return _fingerprints()[0]
