"""The analysts' examples in docs/analysts.md run, and print what the page says they print.

Each ```python block is executed in order in one namespace (so later blocks use earlier
names), in a folder whose `normalized/` is a dataset built from the seed decrees; where a
```text block follows, the block's output must equal it.
"""

from __future__ import annotations

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


@pytest.fixture(scope="module")
def workdir(seed_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose normalized/ is the seed dataset, as the examples expect."""
    work = tmp_path_factory.mktemp("work")
    shutil.copytree(seed_dataset, work / "normalized")
    return work


def test_the_page_has_pandas_and_duckdb_examples() -> None:
    code = "\n".join(body for body, _ in examples())
    assert "plan_etl.load(" in code and "duckdb.sql(" in code
    assert sum(out is not None for _, out in examples()) >= 5


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
