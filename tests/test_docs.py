"""The analysts' examples in docs/analysts.md run, and print what the page says they print.

Each ```python block is executed in order in one namespace (so later blocks use earlier
names), in a folder whose `normalized/` is the committed dataset (a fresh ingest of raw/);
where a
```text block follows, the block's output must equal it. Each common question is answered in
pandas, DuckDB and Polars, each one statement on one table: no join, no merge.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "analysts.md"
BLOCK = re.compile(r"```(python|text)\n(.*?)```", re.S)


def examples() -> list[tuple[str, str | None]]:
    """(code, expected output or None) for every python block of the page."""
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    pairs = []
    for i, (kind, body) in enumerate(blocks):
        if kind == "python":
            after = blocks[i + 1] if i + 1 < len(blocks) else None
            pairs.append((body, after[1] if after and after[0] == "text" else None))
    return pairs


NORMALIZED = DOC.parents[1] / "normalized"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose normalized/ is the committed dataset — what `make ingest` writes from
    raw/ (test_dataset.py keeps the two equal) — so the page prints what a reader gets."""
    work = tmp_path_factory.mktemp("work")
    shutil.copytree(NORMALIZED, work / "normalized")
    return work


QUESTIONS = (
    "Template items each region lacks",
    "Coverage by region",
    "Overdue items",
    "The bodies responsible most often",
    "Rows to review",
    "The plans in force",
)


def question_blocks() -> dict[str, list[str]]:
    """The python blocks under each `### ` heading of the questions section."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Common questions", 1)[1].split("\n## ", 1)[0]
    out = {}
    for part in section.split("\n### ")[1:]:
        heading = part.split("\n", 1)[0]
        out[heading] = [body for kind, body in BLOCK.findall(part) if kind == "python"]
    return out


def test_the_page_loads_with_both_engines_and_reads_the_files_directly() -> None:
    code = "\n".join(body for body, _ in examples())
    assert "plan_etl.load(" in code and 'engine="polars"' in code
    assert "pd.read_parquet(" in code and "pl.read_parquet(" in code and "duckdb.sql(" in code


@pytest.mark.parametrize("question", QUESTIONS)
def test_each_question_in_pandas_duckdb_and_polars_one_expression_no_join(question: str) -> None:
    blocks = next(b for heading, b in question_blocks().items() if heading.startswith(question))
    pandas, sql, polars = blocks
    assert "acts" in pandas or "docs" in pandas or "ds.coverage" in pandas
    assert "duckdb.sql(" in sql
    assert "pacts" in polars or "pdocs" in polars or "pds.coverage" in polars
    for code in blocks:
        assert len(ast.parse(code).body) == 1, code  # one statement: print(<expression>)
        assert not re.search(r"\b(join|merge)\b", code, re.IGNORECASE), code


def test_examples_run_and_print_what_the_page_shows(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workdir)
    namespace: dict[str, object] = {}
    for n, (code, expected) in enumerate(examples(), 1):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"{DOC.name} python block {n}", "exec"), namespace)
        if expected is not None:
            assert out.getvalue().rstrip() == expected.rstrip(), f"python block {n}"
