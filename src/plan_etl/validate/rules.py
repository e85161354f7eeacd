"""What a validation rule is: a check registered with its name, severity and one-line doc,
the issues it yields and the findings the runner makes of them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from plan_etl.task import FileResult

Severity = Literal["error", "warning"]
Verdict = Literal["ok", "warnings", "errors"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem a rule found: where (file, item number), which rule, how bad, what."""

    file: str
    item_number: str | None
    rule: str
    severity: Severity
    message: str

    def as_line(self) -> str:
        where = f"{self.file} item {self.item_number}" if self.item_number else self.file
        return f"{self.severity:<8} {where}: [{self.rule}] {self.message}"


@dataclass(frozen=True, slots=True)
class Issue:
    """What a check yields before the runner names its rule and severity; `file` defaults to
    the decree's source file (decree rules) and is the Parquet file for dataset rules."""

    message: str
    item_number: str | None = None
    file: str | None = None


@dataclass(frozen=True, slots=True)
class DatasetPaths:
    """The folders a dataset rule compares."""

    committed: Path  # the dataset under review (normalized/)
    fresh: Path  # a fresh ingest of the same raw folder
    schemas: Path | None = None  # JSON Schema files to compare with the models' export


DecreeCheck = Callable[[FileResult], Iterable[Issue]]
DatasetCheck = Callable[[DatasetPaths], Iterable[Issue]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A named check with its severity and a one-line description."""

    name: str
    severity: Severity
    doc: str
    check: Callable[[Any], Iterable[Issue]]


DECREE_RULES: dict[str, Rule] = {}
DATASET_RULES: dict[str, Rule] = {}


def _register(registry: dict[str, Rule], name: str, severity: Severity) -> Callable[[Any], Any]:
    def add(check: Callable[[Any], Iterable[Issue]]) -> Callable[[Any], Iterable[Issue]]:
        doc = (check.__doc__ or "").strip().splitlines()[0]
        registry[name] = Rule(name, severity, doc, check)
        return check

    return add


def decree_rule(name: str, severity: Severity) -> Callable[[DecreeCheck], DecreeCheck]:
    """Register a check of one decree's records."""
    return _register(DECREE_RULES, name, severity)


def dataset_rule(name: str, severity: Severity) -> Callable[[DatasetCheck], DatasetCheck]:
    """Register a check of the committed dataset."""
    return _register(DATASET_RULES, name, severity)


def all_rules() -> dict[str, Rule]:
    return {**DECREE_RULES, **DATASET_RULES}
