"""A `Report` for people (`render_text`: what a CI log shows) and for machines (`as_json`)."""

from __future__ import annotations

from typing import Any

from plan_etl.validate.rules import Finding, all_rules
from plan_etl.validate.run import Report, verdict_of


def render_text(report: Report) -> str:
    """One line per decree, the dataset's line, the findings, the rules that fired and a
    closing count: what a person reads in a CI log."""
    lines = []
    for d in report.decrees:
        counts = _counts(d.findings)
        lines.append(f"{d.verdict:<9}{d.document.source_file}  {d.rows} rows{counts}")
    if report.dataset is not None:
        verdict = verdict_of(report.dataset_findings)
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
        summary += f"; dataset {verdict_of(report.dataset_findings)}"
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
        else {"path": str(report.dataset), "verdict": verdict_of(report.dataset_findings)},
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
