"""Named checks that tell whoever adds a decree to raw/ whether it was read correctly, and
whether the committed dataset is the one the code makes from raw/.

`plan-etl validate` re-extracts every decree with a fresh ingest into a temporary folder and
runs two kinds of rules:

- decree rules look at one file's records (its `Document` row and `Activity` rows, never at
  format-specific structures), so a PDF, a DOCX and a text dump of one decree are judged
  alike;
- dataset rules compare the committed Parquet files with that fresh ingest and with the
  schema contract.

A rule is a small function registered with its name, severity and a one-line doc (the first
line of its docstring). An `error` means the decree or dataset must not be published as it is
(CI fails); a `warning` means a person should look, and CI passes.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError

from plan_etl import datapackage
from plan_etl.amend.apply import NotApplied
from plan_etl.assemble import DOUBTFUL
from plan_etl.limits import DEFAULT_MAX_MEMORY_MB
from plan_etl.models import SCHEMA_VERSION, TABLES, Activity, Document
from plan_etl.normalize.dates import parse_deadline
from plan_etl.pipeline import DEFAULT_TIMEOUT, FileResult, ingest
from plan_etl.schemas import render
from plan_etl.vocabulary import ITEM_NUMBER
from plan_etl.write import arrow_schema

Severity = Literal["error", "warning"]
Verdict = Literal["ok", "warnings", "errors"]

REVIEW_SHARE_LIMIT = 0.30
"""Above this share of rows in `review` or `unmatched`, a decree gets a `match-share` warning.

Regional plans follow the federal template, so most of their rows match a catalogue item (on
the five seed decrees every row does). A decree with a third of its rows undecided is either
not a client-centricity plan (a different programme) or was read badly enough to garble its
activities, and both are worth a person's look before publishing. It is a warning, not an
error: a plan may legitimately carry many items of its own that no template item covers.
"""

MAX_ROW_FINDINGS = 5
"""Invalid rows reported per Parquet file; past that, one finding counts the rest, so a
dataset written by an incompatible version does not print thousands of lines."""

METADATA_FIELDS = ("issuer", "act_type", "act_number", "act_date")
"""`documents` fields besides the region that identify the act; missing ones are a warning,
since an agency's plan or an annex published alone may lack them (the Stavropol seed does).
The title is left out: decrees are often published without a title line (the Dagestan seed)."""


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


# --- item numbers ------------------------------------------------------------------------------

_NUMBER_PARTS = re.compile(r"^(?P<levels>\d+(?:\.\d+)*)\.?(?P<letter>[а-я]?)$")
_ROMAN_DIGITS = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}

Levels = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ItemNumber:
    """«3.10» as (3, 10); an inserted item «5а» as (5,) with the letter «а»."""

    levels: Levels
    letter: str

    @classmethod
    def parse(cls, text: str) -> ItemNumber | None:
        m = _NUMBER_PARTS.match(text)
        if not m:
            return None
        return cls(tuple(int(p) for p in m["levels"].split(".")), m["letter"])

    def __str__(self) -> str:
        return ".".join(map(str, self.levels)) + self.letter


def section_value(section: str | None) -> int | None:
    """A section number as an integer: «3» → 3, «III» → 3; None for anything else."""
    if not section:
        return None
    if section.isdigit():
        return int(section)
    values = [_ROMAN_DIGITS.get(ch) for ch in section.lower()]
    if not values or None in values:
        return None
    digits = [v for v in values if v is not None]
    return sum(-v if nxt > v else v for v, nxt in zip(digits, [*digits[1:], 0], strict=True))


def _ones(levels: Levels) -> bool:
    return all(part == 1 for part in levels)


def continues(prev: Levels, cur: Levels) -> bool:
    """`cur` is a next number after `prev` in a well-kept outline: the next sibling at some
    level (1.2 → 1.3, 1.7 → 2, 9 → 10), optionally entering its first children (1.7 → 2.1,
    whose section heading «2» is not an item), or the first child of `prev` (3 → 3.1)."""
    if len(cur) > len(prev) and cur[: len(prev)] == prev and _ones(cur[len(prev) :]):
        return True
    for depth in range(len(prev), 0, -1):
        head = (*prev[: depth - 1], prev[depth - 1] + 1)
        if cur[:depth] == head and _ones(cur[depth:]):
            return True
    return False


def starts_outline(cur: Levels, section: str | None) -> bool:
    """`cur` can open a numbering: «1», «1.1», or the first item of the section it stands in
    («3.1» under section 3 or III)."""
    value = section_value(section)
    return _ones(cur) or (value is not None and cur[0] == value and _ones(cur[1:]))


def _heading(row: Activity) -> tuple[str | None, str | None, str | None]:
    return row.section_number, row.section_title, row.subsection_title


def _shown(levels: Levels) -> str:
    return ".".join(map(str, levels))


def _describe_break(prev: Levels, cur: Levels) -> str:
    """Name what lies between two numbers that do not continue one another."""
    if cur <= prev:
        return f"out of order: {_shown(cur)} after {_shown(prev)}"
    level = next((k for k, (a, b) in enumerate(zip(prev, cur, strict=False)) if a != b), None)
    if level is not None and cur[level] > prev[level] + 1:
        head = prev[:level]
        missing = [_shown((*head, n)) for n in range(prev[level] + 1, cur[level])]
        listed = ", ".join(missing) if len(missing) <= 3 else f"{missing[0]} … {missing[-1]}"
        return f"gap: {listed} missing between {_shown(prev)} and {_shown(cur)}"
    return f"gap: {_shown(cur)} does not follow {_shown(prev)}"


def sequence_issues(rows: list[Activity]) -> Iterator[Issue]:
    """Breaks in the order of well-formed item numbers.

    Numbers must continue one another (see `continues`). At a heading boundary (a new section
    or subsection) the numbering may also start over at «1» or «1.1» (every section numbered
    from one); a restart opens a new scope, so equal numbers in two sections are not
    duplicates. Flat numbering that runs on across sections (Stavropol's 1…69) simply
    continues, and «1.2» followed by «3.1» under a new heading is a gap (section 2 lost), not
    a restart. An inserted item («5а» after «5») is accepted; its letter must grow.
    """
    prev: ItemNumber | None = None
    prev_heading: tuple[str | None, str | None, str | None] | None = None
    seen: dict[ItemNumber, int] = {}
    for index, row in enumerate(rows):
        cur = ItemNumber.parse(row.item_number)
        if cur is None:
            continue  # reported by numbering-format
        heading = _heading(row)
        problem = None
        if prev is None:
            pass  # where the numbering starts is numbering-start's concern
        elif (
            heading != prev_heading and _ones(cur.levels) and not continues(prev.levels, cur.levels)
        ):
            seen.clear()  # numbering starts over under a new heading
        elif cur in seen:
            problem = f"duplicate: {cur} already stands at row {seen[cur] + 1}"
        elif cur.letter and cur.levels == prev.levels:
            if cur.letter <= prev.letter:
                problem = f"out of order: {cur} after {prev}"
        elif not continues(prev.levels, cur.levels):
            problem = _describe_break(prev.levels, cur.levels)
        if problem:
            yield Issue(problem, row.item_number)
        seen.setdefault(cur, index)
        prev, prev_heading = cur, heading


# --- decree rules ------------------------------------------------------------------------------


@decree_rule("plan-table", "error")
def plan_table_found(result: FileResult) -> Iterator[Issue]:
    """The file was read and a plan table with item rows was found in it."""
    doc = result.document
    if doc.duplicate_of:
        return  # its rows are its original's: `duplicate` reports it
    if result.amendments and doc.status != "failed":
        return  # an amending decree: its changes are its content (`amendment-not-applied`)
    if doc.status == "failed" or not result.activities:
        yield Issue(doc.error or "no plan rows extracted")


@decree_rule("duplicate", "warning")
def not_a_duplicate(result: FileResult) -> Iterator[Issue]:
    """The decree is in raw/ once: no other file holds the same act (bytes, act or rows).
    A warning: an analyst may keep a decree's PDF beside its DOCX, and ingest keeps one."""
    if result.document.duplicate_of:
        yield Issue(result.document.error or f"duplicate of {result.document.duplicate_of}")


@decree_rule("partial-read", "warning")
def read_without_doubts(result: FileResult) -> Iterator[Issue]:
    """The extractor read the decree without repairs or doubts at document level."""
    doc = result.document
    if doc.status == "partial":
        yield Issue(f"read with problems: {doc.error or 'no details'}")


@decree_rule("row-placed-with-doubt", "warning")
def row_placed_with_doubt(result: FileResult) -> Iterator[Issue]:
    """Every row was read as an item with certainty (none kept with a doubt about its cells)."""
    for row in result.activities:
        for warning in row.warnings:
            if warning.startswith(DOUBTFUL):
                yield Issue(warning, row.item_number)


@decree_rule("numbering-format", "error")
def numbering_format(result: FileResult) -> Iterator[Issue]:
    """Every item number is digits separated by dots, optionally one letter, no trailing dot."""
    for row in result.activities:
        if not ITEM_NUMBER.match(row.item_number) or row.item_number.endswith("."):
            yield Issue(f"malformed item number {row.item_number!r}", row.item_number)


@decree_rule("numbering-sequence", "error")
def numbering_sequence(result: FileResult) -> Iterator[Issue]:
    """Item numbers run in order without gaps or duplicates (restarts allowed per section)."""
    yield from sequence_issues(result.activities)


@decree_rule("numbering-start", "warning")
def numbering_start(result: FileResult) -> Iterator[Issue]:
    """The first item is numbered 1 (or 1.1, or N.1 in section N): no leading item was lost."""
    if not result.activities:
        return
    first = result.activities[0]
    number = ItemNumber.parse(first.item_number)
    if number and not starts_outline(number.levels, first.section_number):
        yield Issue(f"numbering starts at {first.item_number}, not at 1", first.item_number)


@decree_rule("section-prefix", "warning")
def section_prefix(result: FileResult) -> Iterator[Issue]:
    """An item numbered N.M stands in section N (or its Roman numeral)."""
    for row in result.activities:
        number, section = ItemNumber.parse(row.item_number), section_value(row.section_number)
        if (
            number
            and len(number.levels) > 1
            and section is not None
            and number.levels[0] != section
        ):
            yield Issue(f"item stands in section {row.section_number}", row.item_number)


@decree_rule("activity-present", "error")
def activity_present(result: FileResult) -> Iterator[Issue]:
    """Every row has an activity text."""
    for row in result.activities:
        if not row.activity.strip():
            yield Issue("empty activity", row.item_number)


@decree_rule("deadline-parsed", "warning")
def deadline_parsed(result: FileResult) -> Iterator[Issue]:
    """Every deadline is a date or period, done, explicitly recurring, or empty."""
    for row in result.activities:
        if not row.deadline_raw or row.deadline_date is not None or row.deadline_done:
            continue
        deadline = parse_deadline(row.deadline_raw)
        if not deadline.recurring:
            yield Issue(
                deadline.warning or f"deadline not understood: {row.deadline_raw!r}",
                row.item_number,
            )


@decree_rule("match-share", "warning")
def match_share(result: FileResult) -> Iterator[Issue]:
    """At most REVIEW_SHARE_LIMIT of the rows are in review or unmatched."""
    rows = result.activities
    review = sum(1 for r in rows if r.match_status == "review")
    unmatched = sum(1 for r in rows if r.match_status == "unmatched")
    if rows and (review + unmatched) / len(rows) > REVIEW_SHARE_LIMIT:
        share = (review + unmatched) / len(rows)
        yield Issue(
            f"{share:.0%} of {len(rows)} rows not matched with confidence "
            f"({review} review, {unmatched} unmatched; limit {REVIEW_SHARE_LIMIT:.0%})"
        )


@decree_rule("region-present", "error")
def region_present(result: FileResult) -> Iterator[Issue]:
    """A decree that was read names its region."""
    if result.document.status != "failed" and not result.document.region:
        yield Issue("region not found in the decree's heading or title")


@decree_rule("metadata", "warning")
def metadata_complete(result: FileResult) -> Iterator[Issue]:
    """A decree that was read names its issuer, act type, act number and act date."""
    doc = result.document
    if doc.status == "failed":
        return
    missing = [name for name in METADATA_FIELDS if getattr(doc, name) is None]
    if missing:
        yield Issue(f"not found: {', '.join(missing)}")


@decree_rule("amendment-not-applied", "warning")
def amendment_applied(result: FileResult) -> Iterator[Issue]:
    """Every change of an amending decree was applied to the plan it names.

    Applied means: the item is there, once; an added item is not there yet; the words an edit
    replaces stand in the cell. A change that is not is kept in amendments.parquet, unapplied.
    """
    for problem in result.not_applied:
        yield Issue(
            f"change {problem.change_index} not applied: {problem.message}", problem.item_number
        )


# --- dataset rules -----------------------------------------------------------------------------


def _rows_by_file(table: pa.Table) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in table.to_pylist():
        out.setdefault(row["source_file"], []).append(row)
    return out


def schema_difference(old: pa.Schema, new: pa.Schema) -> str:
    """How schema `old` differs from `new`: columns added, dropped or retyped, or metadata."""
    if old.remove_metadata().equals(new.remove_metadata()):
        meta = {k.decode(): v.decode() for k, v in (old.metadata or {}).items()}
        want = {k.decode(): v.decode() for k, v in (new.metadata or {}).items()}
        return f"schema metadata {meta} is not {want}"
    added = [n for n in new.names if n not in old.names]
    removed = [n for n in old.names if n not in new.names]
    retyped = [n for n in new.names if n in old.names and old.field(n) != new.field(n)]
    parts = [
        f"{label}: {', '.join(names)}"
        for label, names in (("missing", added), ("unexpected", removed), ("retyped", retyped))
        if names
    ]
    return "columns " + "; ".join(parts or ["in another order"])


def describe_difference(committed: pa.Table, fresh: pa.Table) -> str:
    """Why two tables are not equal, in terms a user can act on: which decrees changed."""
    if not committed.schema.equals(fresh.schema, check_metadata=True):
        return schema_difference(committed.schema, fresh.schema)
    if "source_file" in committed.column_names:
        old_rows, new_rows = _rows_by_file(committed), _rows_by_file(fresh)
        added = sorted(set(new_rows) - set(old_rows))
        removed = sorted(set(old_rows) - set(new_rows))
        changed = sorted(f for f in set(old_rows) & set(new_rows) if old_rows[f] != new_rows[f])
        parts = [
            f"{label} {', '.join(files[:5])}{' …' if len(files) > 5 else ''}"
            for label, files in (
                ("new in raw/:", added),
                ("gone from raw/:", removed),
                ("changed:", changed),
            )
            if files
        ]
        if parts:
            return "; ".join(parts)
    return f"{committed.num_rows} rows committed, {fresh.num_rows} in a fresh ingest, values differ"


@dataset_rule("dataset-fresh", "error")
def dataset_fresh(paths: DatasetPaths) -> Iterator[Issue]:
    """Each committed table equals, as a table, the same table from a fresh ingest of raw/."""
    for name in TABLES:
        committed_path = paths.committed / f"{name}.parquet"
        fresh = pq.read_table(paths.fresh / f"{name}.parquet")
        if not committed_path.is_file():
            yield Issue("missing: run `plan-etl ingest`", file=str(committed_path))
            continue
        try:
            committed = pq.read_table(committed_path)
        except (OSError, pa.ArrowException) as exc:
            yield Issue(f"unreadable Parquet: {exc}", file=str(committed_path))
            continue
        if not committed.equals(fresh) or not committed.schema.equals(
            fresh.schema, check_metadata=True
        ):
            reason = describe_difference(committed, fresh)
            yield Issue(f"stale, {reason}: run `plan-etl ingest`", file=str(committed_path))


def _schema_file_issues(schema_file: Path, name: str) -> Iterator[Issue]:
    if not schema_file.is_file():
        yield Issue("missing: run `plan-etl schemas`", file=str(schema_file))
    elif schema_file.read_text(encoding="utf-8") != render(name):
        yield Issue("differs from the models: run `plan-etl schemas`", file=str(schema_file))


@dataset_rule("dataset-schema", "error")
def dataset_schema(paths: DatasetPaths) -> Iterator[Issue]:
    """Committed Parquet files have the contract's Arrow types and rows valid for the schemas.

    The schemas are the package's own: the rows are validated with the pydantic models that
    schemas/*.json is exported from, wherever the dataset is; given a schemas folder, each
    file must also equal that export. The Arrow comparison checks what JSON Schema cannot
    express (date32 rather than a string, int32, list and struct types).
    """
    for name, model in TABLES.items():
        if paths.schemas is not None:
            yield from _schema_file_issues(paths.schemas / f"{name}.json", name)
        path = paths.committed / f"{name}.parquet"
        if not path.is_file():
            continue  # dataset-fresh reports it
        try:
            table = pq.read_table(path)
        except (OSError, pa.ArrowException):
            continue  # dataset-fresh reports it
        expected = arrow_schema(model)
        if not table.schema.equals(expected, check_metadata=False):
            difference = schema_difference(table.schema, expected)
            yield Issue(f"Arrow schema is not the contract's: {difference}", file=str(path))
            continue
        version = (table.schema.metadata or {}).get(b"schema_version", b"").decode()
        if version != SCHEMA_VERSION:
            shown = version or "(none)"
            yield Issue(f"schema_version {shown} is not {SCHEMA_VERSION}", file=str(path))
        bad = 0
        for index, row in enumerate(table.to_pylist()):
            try:
                model.model_validate(row)
            except ValidationError as exc:
                bad += 1
                if bad <= MAX_ROW_FINDINGS:
                    first = exc.errors()[0]
                    where = ".".join(map(str, first["loc"]))
                    yield Issue(
                        f"row {index}: {where}: {first['msg']}", row.get("item_number"), str(path)
                    )
        if bad > MAX_ROW_FINDINGS:
            yield Issue(f"{bad - MAX_ROW_FINDINGS} more invalid rows", file=str(path))


@dataset_rule("dataset-descriptor", "error")
def dataset_descriptor(paths: DatasetPaths) -> Iterator[Issue]:
    """datapackage.json describes the committed Parquet files (fields, sizes, hashes, rows).

    Checked against the committed files rather than compared with the fresh ingest's copy:
    its hashes are of Parquet bytes, which another pyarrow version writes differently for
    equal tables, so only "does it describe these files" is a stable question.
    """
    path = paths.committed / datapackage.FILENAME
    if not all((paths.committed / f"{name}.parquet").is_file() for name in TABLES):
        return  # dataset-fresh reports the missing tables
    try:
        described = datapackage.render(datapackage.build_descriptor(paths.committed))
    except (OSError, pa.ArrowException):
        return  # dataset-fresh reports the unreadable table
    if not path.is_file():
        yield Issue("missing: run `plan-etl ingest`", file=str(path))
    elif path.read_text(encoding="utf-8", errors="replace") != described:
        yield Issue("does not describe the committed files: run `plan-etl ingest`", file=str(path))


# --- running -----------------------------------------------------------------------------------


def _findings(rule: Rule, subject: Any, default_file: str) -> list[Finding]:
    return [
        Finding(
            issue.file or default_file, issue.item_number, rule.name, rule.severity, issue.message
        )
        for issue in rule.check(subject)
    ]


def _verdict(findings: Iterable[Finding]) -> Verdict:
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
        return _verdict(self.findings)


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


# --- output ------------------------------------------------------------------------------------


def render_text(report: Report) -> str:
    """One line per decree, the dataset's line, the findings, the rules that fired and a
    closing count: what a person reads in a CI log."""
    lines = []
    for d in report.decrees:
        counts = _counts(d.findings)
        lines.append(f"{d.verdict:<9}{d.document.source_file}  {d.rows} rows{counts}")
    if report.dataset is not None:
        verdict = _verdict(report.dataset_findings)
        note = (
            "fresh, conforms to schemas/"
            if verdict == "ok"
            else _counts(report.dataset_findings).strip()
        )
        lines.append(f"{verdict:<9}{report.dataset}/ (dataset)  {note}")
    findings = report.findings
    if findings:
        lines += ["", "findings:", *(f.as_line() for f in findings)]
        rules = all_rules()
        lines += [
            "",
            "rules:",
            *(f"  {n}: {rules[n].doc}" for n in dict.fromkeys(f.rule for f in findings)),
        ]
    verdicts = [d.verdict for d in report.decrees]
    summary = (
        f"{len(verdicts)} decrees: {verdicts.count('ok')} ok, "
        f"{verdicts.count('warnings')} with warnings, {verdicts.count('errors')} with errors"
    )
    if report.dataset is None:
        summary += "; no committed dataset checked"
    else:
        summary += f"; dataset {_verdict(report.dataset_findings)}"
    return "\n".join([*lines, "", summary]) + "\n"


def _counts(findings: list[Finding]) -> str:
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    parts = [
        f"{n} {label}{'s' if n != 1 else ''}"
        for n, label in ((errors, "error"), (warnings, "warning"))
        if n
    ]
    return f"  ({', '.join(parts)})" if parts else ""


def as_json(report: Report) -> dict[str, Any]:
    """The report for machines: per-decree verdicts, every finding, and the rules' docs."""
    return {
        "exit_code": report.exit_code,
        "decrees": [
            {
                "file": d.document.source_file,
                "verdict": d.verdict,
                "status": d.document.status,
                "rows": d.rows,
                "errors": sum(1 for f in d.findings if f.severity == "error"),
                "warnings": sum(1 for f in d.findings if f.severity == "warning"),
            }
            for d in report.decrees
        ],
        "dataset": None
        if report.dataset is None
        else {"path": str(report.dataset), "verdict": _verdict(report.dataset_findings)},
        "findings": [
            {
                "file": f.file,
                "item_number": f.item_number,
                "rule": f.rule,
                "severity": f.severity,
                "message": f.message,
            }
            for f in report.findings
        ],
        "rules": {r.name: {"severity": r.severity, "doc": r.doc} for r in all_rules().values()},
    }
