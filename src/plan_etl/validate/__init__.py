"""Named checks that tell whoever adds a decree to raw/ whether it was read correctly, and
whether the committed dataset is the one the code makes from raw/.

`plan-etl validate` re-extracts every decree with a fresh ingest into a temporary folder and
runs two kinds of rules:

- decree rules (`decree.py`) look at one file's records (its `Document` row and `Activity`
  rows, never at format-specific structures), so a PDF, a DOCX and a text dump of one decree
  are judged alike; the numbering rules' outline arithmetic is `numbering.py`;
- dataset rules (`dataset.py`) compare the committed Parquet files with that fresh ingest and
  with the schema contract.

A rule is a small function registered with its name, severity and a one-line doc (the first
line of its docstring, `rules.py`). An `error` means the decree or dataset must not be
published as it is (CI fails); a `warning` means a person should look, and CI passes.
`run.py` runs them into a `Report`; `output.py` prints it for people and for machines.
"""

from plan_etl.validate import dataset, decree  # noqa: F401  (their rules register on import)
from plan_etl.validate.numbering import continues, section_value, sequence_issues
from plan_etl.validate.output import as_json, render_text
from plan_etl.validate.rules import (
    DATASET_RULES,
    DECREE_RULES,
    DatasetPaths,
    Finding,
    Issue,
    Rule,
    all_rules,
)
from plan_etl.validate.run import DecreeReport, Report, check_dataset, check_decree, validate

__all__ = [
    "DATASET_RULES",
    "DECREE_RULES",
    "DatasetPaths",
    "DecreeReport",
    "Finding",
    "Issue",
    "Report",
    "Rule",
    "all_rules",
    "as_json",
    "check_dataset",
    "check_decree",
    "continues",
    "render_text",
    "section_value",
    "sequence_issues",
    "validate",
]
