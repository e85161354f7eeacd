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
