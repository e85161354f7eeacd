"""The ingest command as a user runs it: summary line, failures listed, exit codes."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import SEEDS
from typer.testing import CliRunner

from plan_etl.cli import app


def test_ingest_summary_and_exit_codes(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEEDS[0], raw / SEEDS[0].name)
    (raw / "notes.json").write_text("{}")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["ingest", str(raw), "--out", str(out), "--jobs", "1"])
    assert res.exit_code == 0, res.output
    assert "1 files: 1 ok, 0 partial, 0 failed, 0 duplicate; 1 skipped" in res.output
    assert "41 rows" in res.output
    assert (out / "activities.parquet").exists()
    (raw / "letter.txt").write_text("Уважаемые коллеги!", encoding="utf-8")
    strict = CliRunner().invoke(app, ["ingest", str(raw), "--out", str(out), "--strict"])
    assert strict.exit_code == 1
    assert "failed letter.txt: no plan table found" in strict.output


def test_ingest_usage_error_for_missing_folder(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["ingest", str(tmp_path / "nope")])
    assert res.exit_code == 2


def test_ingest_names_which_file_duplicates_which(tmp_path: Path) -> None:
    """The summary, -v and --json say which file is a copy of which, and why the kept one was
    kept (a copy of the same bytes: the kept file's reason too)."""
    import json

    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEEDS[0], raw / "a.txt")
    shutil.copy(SEEDS[0], raw / "b.txt")
    args = ["ingest", str(raw), "--out", str(tmp_path / "out"), "--jobs", "1"]
    res = CliRunner().invoke(app, [*args, "--json", "-v"])
    assert res.exit_code == 0, res.output
    assert "duplicate b.txt: same decree as a.txt, kept for coming first by file name" in res.stderr
    summary = json.loads(res.stdout)
    assert summary["duplicate_files"] == [
        {"file": "b.txt", "same_decree_as": "a.txt", "kept_for": "coming first by file name"}
    ]
