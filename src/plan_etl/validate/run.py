"""Running the rules: a fresh ingest of raw/, every decree rule on each file's records,
every dataset rule on the committed dataset, and the `Report` of what they found."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from plan_etl.amend.apply import NotApplied
from plan_etl.limits import DEFAULT_MAX_MEMORY_MB
from plan_etl.models import Document
from plan_etl.pipeline import DEFAULT_TIMEOUT, FileResult, ingest
from plan_etl.validate.rules import (
    DATASET_RULES,
    DECREE_RULES,
    DatasetPaths,
    Finding,
    Rule,
    Verdict,
)


def _findings(rule: Rule, subject: Any, default_file: str) -> list[Finding]:
    return [
        Finding(
            issue.file or default_file, issue.item_number, rule.name, rule.severity, issue.message
        )
        for issue in rule.check(subject)
    ]


def verdict_of(findings: Iterable[Finding]) -> Verdict:
    severities = {f.severity for f in findings}
    return "errors" if "error" in severities else "warnings" if severities else "ok"


@dataclass(slots=True)
class DecreeReport:
    """One decree's verdict: its document row and what the rules found."""

    document: Document
    rows: int
    findings: list[Finding]

    @property
    def verdict(self) -> Verdict:
        return verdict_of(self.findings)


@dataclass(slots=True)
class Report:
    """Everything `plan-etl validate` prints."""

    decrees: list[DecreeReport]
    dataset: Path | None  # None: no committed dataset was checked
    dataset_findings: list[Finding] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f for d in self.decrees for f in d.findings] + self.dataset_findings

    @property
    def exit_code(self) -> int:
        """0 when nothing is an error (warnings pass), 1 otherwise."""
        return 1 if any(f.severity == "error" for f in self.findings) else 0


def check_decree(result: FileResult) -> DecreeReport:
    """Run every decree rule on one file's records."""
    found = [
        f
        for rule in DECREE_RULES.values()
        for f in _findings(rule, result, result.document.source_file)
    ]
    return DecreeReport(result.document, len(result.activities), found)


def check_dataset(paths: DatasetPaths) -> list[Finding]:
    """Run every dataset rule on the committed dataset."""
    return [
        f for rule in DATASET_RULES.values() for f in _findings(rule, paths, str(paths.committed))
    ]


def _as_linked(results: list[FileResult], fresh: Path) -> list[FileResult]:
    """The files' results as the run finally linked them: a file read before a copy of its
    decree that carries more became that copy's duplicate after it was reported, so its
    row in the fresh documents table (and no rows of its own) is what is checked."""
    if not (fresh / "documents.parquet").is_file():
        return results
    final = {row["doc_id"]: row for row in pq.read_table(fresh / "documents.parquet").to_pylist()}
    out = []
    for result in results:
        row = final.get(result.document.doc_id)
        if row is not None and row["duplicate_of"] and not result.document.duplicate_of:
            result = FileResult(Document.model_validate(row), [])
        out.append(result)
    return out


def validate(
    raw_dir: Path,
    dataset: Path | None,
    schemas: Path | None = None,
    *,
    jobs: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_memory_mb: int = DEFAULT_MAX_MEMORY_MB,
) -> Report:
    """Re-extract every decree below `raw_dir` (no cache: the point is to read them again)
    and check each one; with `dataset`, also check it against that fresh ingest (and, with
    `schemas`, that folder's JSON Schema files against the models)."""
    results: list[FileResult] = []
    with tempfile.TemporaryDirectory(prefix="plan-etl-validate-") as tmp:
        fresh = Path(tmp)
        summary = ingest(
            raw_dir,
            fresh,
            jobs=jobs,
            use_cache=False,
            timeout=timeout,
            allow_empty=True,  # an empty or unreadable raw/ is reported, not refused
            on_file=results.append,
            max_memory_mb=max_memory_mb,
        )
        unapplied: dict[str, list[NotApplied]] = {}
        for problem in summary.not_applied:
            unapplied.setdefault(problem.doc_id, []).append(problem)
        results = [replace(r, not_applied=unapplied.get(r.document.doc_id, [])) for r in results]
        decrees = [check_decree(r) for r in _as_linked(results, fresh)]
        dataset_findings = check_dataset(DatasetPaths(dataset, fresh, schemas)) if dataset else []
    return Report(decrees, dataset, dataset_findings)
