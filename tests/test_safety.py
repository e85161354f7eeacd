"""Issue 17: never lose or corrupt data, and a command line that fails cleanly.

One section per numbered finding of the issue; each test failed on the code before the fix.
The atomic-publication tests inject faults at every filesystem step of a run (no timing).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pickle
import re
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import DATA, SEEDS
from typer.testing import CliRunner

import plan_etl.write as write
from plan_etl.cli import app
from plan_etl.links import richness, why_kept
from plan_etl.models import TABLES, Document
from plan_etl.paths import cache_root
from plan_etl.pipeline import NothingRead, ingest, parser_version
from plan_etl.validate import validate

ROOT = Path(__file__).resolve().parents[1]
KURSK = SEEDS[0]  # 000_…: Курская область, 254-пп of 02.04.2024, 41 rows
KURSK_DOCX = DATA / "corpus" / "kursk-254pp.docx"
runner = CliRunner()


def raw_with(folder: Path, *seeds: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        shutil.copy(seed, folder / seed.name)
    return folder


def view(out: Path) -> dict[str, bytes] | None:
    """The dataset as a reader sees it: every visible file's bytes (None: no folder)."""
    if not out.is_dir():
        return None
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if not p.name.startswith(".")}


def tables(out: Path) -> dict[str, object]:
    return {name: pq.read_table(out / f"{name}.parquet") for name in TABLES}


def invoke(*args: object) -> tuple[int, str, str]:
    res = runner.invoke(app, [str(a) for a in args])
    return res.exit_code, res.stdout, res.stderr


# --- 1. the cache runs code ---------------------------------------------------------------------


class Bomb:
    """Unpickling this writes a file: what an attacker's cache entry would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Callable[..., object], tuple[object, ...]]:
        return Path.write_text, (self.marker, "code ran")


def entry_name(seed: Path, suffix: str) -> str:
    return f"{hashlib.sha256(seed.read_bytes()).hexdigest()}-{parser_version()}{suffix}"


def test_a_planted_cache_entry_never_runs_code(tmp_path: Path) -> None:
    raw = raw_with(tmp_path / "raw", KURSK)
    out = tmp_path / "out"
    ingest(raw, out, jobs=1)
    marker = tmp_path / "pwned"
    bomb = pickle.dumps(Bomb(marker))
    # the entry replaced where this version and where the pickle cache kept it
    for folder, suffix in ((out / ".cache", ".pkl"), (cache_root() / "results", ".json")):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / entry_name(KURSK, suffix)).write_bytes(bomb)
    # into another folder: `out` is already built from this file and its cache is not read
    summary = ingest(raw, tmp_path / "out2", jobs=1)
    assert not marker.exists()
    assert summary.parsed == 1 and summary.rows == 41  # the planted entry was a miss


def _corrupt(kind: str, entry: Path, other: Path) -> None:
    header, _, body = entry.read_bytes().partition(b"\n")
    if kind == "not json":
        entry.write_bytes(b"\x80\x04garbage")
    elif kind == "wrong type":
        body = b"[1, 2]"
        digest = hashlib.sha256(body).hexdigest()
        entry.write_bytes(json.dumps({"format": 1, "sha256": digest}).encode() + b"\n" + body)
    elif kind == "bad checksum":
        entry.write_bytes(header + b"\n" + body.replace("Курск".encode(), "Омск".encode(), 1))
    elif kind == "other version":
        entry.write_bytes(header.replace(b'"format": 1', b'"format": 99') + b"\n" + body)
    elif kind == "other file":  # a valid entry, but of another decree
        entry.write_bytes(other.read_bytes())


@pytest.mark.parametrize(
    "kind", ["not json", "wrong type", "bad checksum", "other version", "other file"]
)
def test_a_bad_cache_entry_is_a_miss_not_a_crash(kind: str, tmp_path: Path) -> None:
    raw = raw_with(tmp_path / "raw", KURSK, SEEDS[1])
    cache = tmp_path / "cache"
    ingest(raw, tmp_path / "a", jobs=1, cache_dir=cache)
    results = cache / "results"
    # and an entry of the wrong type where a pickle cache would have looked
    (cache / entry_name(KURSK, ".pkl")).write_bytes(pickle.dumps({"not": "a result"}))
    _corrupt(kind, results / entry_name(KURSK, ".json"), results / entry_name(SEEDS[1], ".json"))
    summary = ingest(raw, tmp_path / "b", jobs=1, cache_dir=cache)
    assert (summary.parsed, summary.cached) == (1, 1)
    assert tables(tmp_path / "b") == tables(tmp_path / "a")


def test_a_cache_that_cannot_be_written_never_fails_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = raw_with(tmp_path / "raw", KURSK)
    not_a_folder = tmp_path / "cache-file"
    not_a_folder.write_text("")
    assert ingest(raw, tmp_path / "a", jobs=1, cache_dir=not_a_folder).rows == 41

    def disk_full(self: Path, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    assert ingest(raw, tmp_path / "b", jobs=1, cache_dir=tmp_path / "cache").rows == 41


def test_the_cache_lives_outside_the_dataset(tmp_path: Path) -> None:
    raw = raw_with(tmp_path / "raw", KURSK)
    ingest(raw, tmp_path / "out", jobs=1)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "activities.parquet",
        "amendments.parquet",
        "catalogue.parquet",
        "datapackage.json",
        "documents.parquet",
        "in_force.parquet",
    ]
    assert (cache_root() / "results" / entry_name(KURSK, ".json")).is_file()


# --- 2. an empty run destroys the dataset ---------------------------------------------------


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A good dataset of one decree in tmp/ds."""
    ingest(raw_with(tmp_path / "good", KURSK), tmp_path / "ds", jobs=1)
    return tmp_path / "ds"


def test_a_run_that_read_no_decree_does_not_replace_the_dataset(
    dataset: Path, tmp_path: Path
) -> None:
    before = view(dataset)
    (tmp_path / "empty").mkdir()
    with pytest.raises(NothingRead, match="no decree file"):
        ingest(tmp_path / "empty", dataset)
    unreadable = tmp_path / "unreadable"
    unreadable.mkdir()
    (unreadable / "letter.txt").write_text("Уважаемые коллеги!", encoding="utf-8")
    with pytest.raises(NothingRead, match="no decree could be read"):
        ingest(unreadable, dataset, jobs=1)
    assert view(dataset) == before


def test_the_command_refuses_an_empty_run_unless_allowed(dataset: Path, tmp_path: Path) -> None:
    before = view(dataset)
    (tmp_path / "empty").mkdir()
    code, _, err = invoke("ingest", tmp_path / "empty", "--out", dataset)
    assert code == 1
    assert err == "error: no decree file: the dataset was not replaced (--allow-empty to force)\n"
    code, _, err = invoke("ingest", tmp_path / "good", "--out", dataset, "--timeout", "-1")
    assert code == 2 and err.count("\n") == 1
    assert view(dataset) == before
    code, _, _ = invoke("ingest", tmp_path / "empty", "--out", dataset, "--allow-empty")
    assert code == 0 and pq.read_table(dataset / "activities.parquet").num_rows == 0


# --- 3. duplicates, and amendment chains --------------------------------------------------------


def documents(out: Path) -> dict[str, dict]:
    return {d["source_file"]: d for d in pq.read_table(out / "documents.parquet").to_pylist()}


def test_the_same_bytes_under_two_names_are_one_decree(tmp_path: Path) -> None:
    raw = raw_with(tmp_path / "raw", KURSK)
    shutil.copy(KURSK, raw / "copy.txt")
    summary = ingest(raw, tmp_path / "out", jobs=1)
    docs = documents(tmp_path / "out")
    original, copy = docs[KURSK.name], docs["copy.txt"]
    assert original["doc_id"] != copy["doc_id"] and copy["duplicate_of"] == original["doc_id"]
    assert (copy["region"], copy["act_number"]) == (original["region"], original["act_number"])
    acts = pq.read_table(tmp_path / "out" / "activities.parquet").to_pandas()
    docs_frame = pq.read_table(tmp_path / "out" / "documents.parquet").to_pandas()
    assert docs_frame["doc_id"].is_unique
    assert len(acts.merge(docs_frame, on="doc_id")) == len(acts) == 41  # docs/analysts.md's join
    assert (summary.rows, summary.duplicates) == (41, 1)


def test_the_same_decree_in_other_bytes_or_formats_is_a_duplicate(tmp_path: Path) -> None:
    raw = raw_with(tmp_path / "raw", KURSK)
    (raw / "z-newline.txt").write_bytes(KURSK.read_bytes() + b"\n")
    shutil.copy(KURSK_DOCX, raw / "z-kursk.docx")
    summary = ingest(raw, tmp_path / "out", jobs=1)
    docs = documents(tmp_path / "out")
    original = docs[KURSK.name]["doc_id"]
    assert docs["z-newline.txt"]["duplicate_of"] == original
    assert docs["z-kursk.docx"]["duplicate_of"] == original
    assert (summary.rows, summary.duplicates, summary.statuses["ok"]) == (41, 2, 1)
    report = validate(raw, None, jobs=1)
    flagged = {f.file for f in report.findings if f.rule == "duplicate"}
    assert flagged == {"z-newline.txt", "z-kursk.docx"}
    assert report.exit_code == 0  # a warning: keeping two formats of a decree is no error


KURSK_PDF = DATA / "corpus" / "kursk-254pp.pdf"


@pytest.mark.parametrize("row_group", [write.ROW_GROUP_ROWS, 8])
def test_the_copy_that_carries_more_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, row_group: int
) -> None:
    """The DOCX comes first by name, the PDF carries page numbers: the PDF's rows are
    published, the DOCX and a copy of its bytes point at it, the counts count the decree once
    (also when the DOCX's rows had already reached the file: row groups of 8)."""
    monkeypatch.setattr("plan_etl.write.ROW_GROUP_ROWS", row_group)
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(KURSK_DOCX, raw / "a-kursk.docx")
    shutil.copy(KURSK_PDF, raw / "b-kursk.pdf")
    shutil.copy(KURSK_DOCX, raw / "c-copy.docx")
    summary = ingest(raw, tmp_path / "out", jobs=1)
    docs = documents(tmp_path / "out")
    kept = docs["b-kursk.pdf"]
    assert kept["duplicate_of"] is None and kept["row_count"] == 41
    assert docs["a-kursk.docx"]["duplicate_of"] == kept["doc_id"]
    assert docs["c-copy.docx"]["duplicate_of"] == kept["doc_id"]
    acts = pq.read_table(tmp_path / "out" / "activities.parquet").to_pandas()
    assert set(acts["source_file"]) == {"b-kursk.pdf"} and len(acts) == 41
    assert acts["page_first"].notna().all()
    assert (summary.statuses["ok"], summary.duplicates, summary.rows) == (1, 2, 41)
    assert sorted(summary.duplicate_files) == [
        ("a-kursk.docx", "b-kursk.pdf", "its page numbers"),
        ("c-copy.docx", "b-kursk.pdf", "its page numbers"),
    ]


def test_validate_warns_of_the_copy_given_up_and_passes(tmp_path: Path) -> None:
    """A PDF+DOCX pair is no error: the DOCX, read first and given up for the PDF, is the
    one `duplicate` warning, and validate exits 0."""
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(KURSK_DOCX, raw / "a-kursk.docx")
    shutil.copy(KURSK_PDF, raw / "b-kursk.pdf")
    report = validate(raw, None, jobs=1)
    flagged = {f.file: f.severity for f in report.findings if f.rule == "duplicate"}
    assert flagged == {"a-kursk.docx": "warning"} and report.exit_code == 0
    verdicts = {d.document.source_file: d.rows for d in report.decrees}
    assert verdicts == {"a-kursk.docx": 0, "b-kursk.pdf": 41}


def test_richness_prefers_a_text_layer_then_rows_then_pages_then_the_original() -> None:
    base = Document(
        doc_id="a", source_file="a", source_format="pdf", sha256="", row_count=40, page_count=5
    )
    scan = base.model_copy(update={"text_source": "ocr"})
    docx = base.model_copy(update={"source_format": "docx", "page_count": None})
    doc = docx.model_copy(update={"text_source": "converted"})
    assert richness(base) > richness(docx) > richness(doc) > richness(scan)
    assert why_kept(docx, scan) == "its text layer"
    assert why_kept(base, docx) == "its page numbers"
    assert why_kept(docx, doc) == "the original format"
    assert why_kept(docx.model_copy(update={"row_count": 41}), base) == "more rows"


def test_an_amended_decree_is_superseded_by_the_amending_one(tmp_path: Path) -> None:
    """Kursk 254-пп amends 1060-пп of 29.09.2023; with 1060-пп in the dataset too (made here
    from the same text with its own number, date and title), the chain is linked."""
    lines = KURSK.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[8].startswith("от 02.04.2024 № 254-пп") and "О внесении" in lines[12]
    title = "Об утверждении плана мероприятий по внедрению стандартов клиентоцентричности\n"
    original = [*lines[:8], "от 29.09.2023 № 1060-пп\n", *lines[9:12], title, *lines[13:]]
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a-1060.txt").write_text("".join(original), encoding="utf-8")
    shutil.copy(KURSK, raw / "b-254.txt")
    ingest(raw, tmp_path / "out", jobs=1)
    docs = documents(tmp_path / "out")
    old, new = docs["a-1060.txt"], docs["b-254.txt"]
    assert old["duplicate_of"] is None  # the same rows, but another act
    assert (old["superseded_by"], old["in_force"]) == (new["doc_id"], False)
    assert (new["superseded_by"], new["in_force"]) == (None, True)


# --- 4. one atomic commit under a lock ----------------------------------------------------------

# Every filesystem step a run takes to write and publish; the tests wrap each one.
STEPS: list[tuple[object, str]] = [
    (os, "rename"),
    (os, "replace"),
    (os, "fsync"),
    (os, "mkdir"),
    (shutil, "rmtree"),
    (shutil, "copy2"),
    (write, "_exchange"),
    (write.TableWriter, "finish"),
]


class Killed(BaseException):
    """Stands in for SIGKILL at a step (a BaseException: no `except Exception` catches it)."""


def watch_steps(
    monkeypatch: pytest.MonkeyPatch,
    before_each: Callable[[str], None],
    after_each: Callable[[str], None] | None = None,
) -> None:
    """Call `before_each` (and `after_each`) around every step of `STEPS`."""
    for owner, name in STEPS:
        original = getattr(owner, name)

        def wrapper(*args, _original=original, _name=name, **kwargs):  # type: ignore[no-untyped-def]
            before_each(_name)
            try:
                return _original(*args, **kwargs)
            finally:
                if after_each:
                    after_each(_name)

        monkeypatch.setattr(owner, name, wrapper)


@pytest.fixture
def two_runs(tmp_path: Path) -> tuple[Path, Path, dict, dict]:
    """(raw of the next run, its OUT, the view before it, the view it publishes). The next
    run's decree is already cached, so a run takes milliseconds."""
    out = tmp_path / "out"
    ingest(raw_with(tmp_path / "raw1", KURSK), out, jobs=1)
    (out / "NOTES.txt").write_text("kept by the user")
    old = view(out)
    raw2 = raw_with(tmp_path / "raw2", SEEDS[1])
    reference = tmp_path / "reference"
    shutil.copytree(out, reference)
    ingest(raw2, reference, jobs=1)
    new = view(reference)
    assert old and new and old != new
    return raw2, out, old, new


@pytest.mark.parametrize("exchange", ["renameat2", "two renames"])
def test_a_reader_sees_the_old_dataset_or_the_new_at_every_step(
    exchange: str, two_runs: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dataset folder is looked at before and after every step of a run: what a reader
    would find if the run were killed there."""
    raw2, out, old, new = two_runs
    if exchange == "two renames":
        monkeypatch.setattr(write, "_exchange", lambda a, b: False)
    seen: list[dict | None] = []
    watch_steps(monkeypatch, lambda _: seen.append(view(out)), lambda _: seen.append(view(out)))
    ingest(raw2, out, jobs=1)
    assert view(out) == new and len(seen) > 10
    allowed = [old, new] + ([None] if exchange == "two renames" else [])
    assert all(v in allowed for v in seen)  # never a mix of two runs' files


@pytest.mark.parametrize("exchange", ["renameat2", "two renames"])
def test_a_run_killed_at_any_step_leaves_old_or_new_and_the_next_run_recovers(
    exchange: str, two_runs: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw2, out, old, new = two_runs
    if exchange == "two renames":
        monkeypatch.setattr(write, "_exchange", lambda a, b: False)
    pristine = tmp_path / "pristine"
    shutil.copytree(out, pristine)
    steps = 0

    def count(_: str) -> None:
        nonlocal steps
        steps += 1

    with monkeypatch.context() as m:
        watch_steps(m, count)
        ingest(raw2, tmp_path / "count", jobs=1)
    for kill_at in range(1, steps + 1):
        shutil.rmtree(out)
        shutil.copytree(pristine, out)
        calls = 0

        def kill(_: str, at: int = kill_at) -> None:
            nonlocal calls
            calls += 1
            if calls == at:
                raise Killed(at)

        with monkeypatch.context() as m:
            watch_steps(m, kill)
            with pytest.raises(Killed):
                ingest(raw2, out, jobs=1)
        assert view(out) in (old, new, None if exchange == "two renames" else old)
        ingest(raw2, out, jobs=1)  # the next run tidies up and publishes
        assert view(out) == new
        assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".out")) == [
            ".out.lock"
        ]


def test_a_second_ingest_into_the_same_folder_waits_for_the_first(two_runs: tuple) -> None:
    raw2, out, old, new = two_runs
    waiting = threading.Event()
    errors: list[BaseException] = []

    def second_run() -> None:
        try:
            ingest(raw2, out, jobs=1, on_wait=lambda _: waiting.set())
        except BaseException as exc:
            errors.append(exc)

    with write.dataset_lock(out.resolve()):  # a first run, holding the folder
        thread = threading.Thread(target=second_run)
        thread.start()
        assert waiting.wait(timeout=30), "the second run did not wait for the lock"
        assert view(out) == old
    thread.join(timeout=60)
    assert not errors and view(out) == new


def test_a_held_lock_times_out_and_a_killed_holder_frees_it(tmp_path: Path) -> None:
    """A run that cannot have the folder in time says so (`DatasetBusy`); a run killed while
    holding it leaves no lock behind (the kernel drops a dead process's lock)."""
    out = (tmp_path / "out").resolve()
    busy = pytest.raises(write.DatasetBusy, match="another plan-etl run is writing")
    with write.dataset_lock(out), busy, write.dataset_lock(out, timeout=0.1):
        pass
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom pathlib import Path\n"
            "from plan_etl.write import dataset_lock\n"
            "with dataset_lock(Path(sys.argv[1])):\n    print('held', flush=True)\n"
            "    time.sleep(60)\n",
            str(out),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    with pytest.raises(write.DatasetBusy), write.dataset_lock(out, timeout=0.1):
        pass
    holder.kill()
    holder.wait()
    with write.dataset_lock(out, timeout=5):
        pass


# --- 5. file names with Rich markup ------------------------------------------------------------


def test_file_names_are_printed_literally(tmp_path: Path) -> None:
    raw = raw_with(tmp_path / "raw", KURSK)
    (raw / "x[").mkdir()
    (raw / "x[" / "y].pdf").write_text("not a pdf")
    (raw / "[bold]x.pdf").write_text("not a pdf either")
    (raw / "bell\x07\x1b[31mred.txt").write_text("no table here")
    code, _, err = invoke("ingest", raw, "--out", tmp_path / "out", "--jobs", "1")
    assert code == 0, err
    assert "failed x[/y].pdf: not a PDF" in err
    assert "failed [bold]x.pdf: not a PDF" in err
    assert "failed bell\\x07\\x1b[31mred.txt: no plan table found" in err
    assert "\x1b" not in err and "\x07" not in err


# --- 6. user errors: one clean line, documented exit codes --------------------------------------


def test_bad_option_values_are_one_line_usage_errors(dataset: Path, tmp_path: Path) -> None:
    good = tmp_path / "good"
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    cases = [
        (["ingest", good, "--out", a_file], "is a file, not a folder"),
        (["ingest", good, "--out", tmp_path], "holds the decrees"),
        (["ingest", good, "--out", ROOT / "src"], "is not a dataset (no datapackage.json)"),
        (["ingest", good, "--out", dataset, "--jobs", "-1"], "--jobs must be at least 1"),
        (["ingest", good, "--out", dataset, "--jobs", "0"], "--jobs must be at least 1"),
        (["ingest", good, "--out", dataset, "--timeout", "0"], "--timeout must be a positive"),
        (["ingest", good, "--out", dataset, "--timeout", "-5"], "--timeout must be a positive"),
        (["ingest", good, "--out", dataset, "--timeout", "nan"], "--timeout must be a positive"),
        (["validate", good, "--timeout", "inf"], "--timeout must be a positive"),
        (["report", "--dataset", dataset, "--out", "/missing/dir/r.html"], "does not exist"),
    ]
    before = view(dataset)
    for args, message in cases:
        code, _, err = invoke(*args)
        assert code == 2, (args, err)
        assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err
    assert view(dataset) == before


@pytest.mark.parametrize(
    ("where", "cause"),
    [
        ("write.fresh_sibling", OSError(errno.EROFS, "Read-only file system")),
        ("write.TableWriter.finish", OSError(errno.ENOSPC, "No space left on device")),
        ("write.publish", OSError(errno.EACCES, "Permission denied")),
    ],
)
def test_a_dataset_that_cannot_be_written_is_one_line_and_exit_1(
    where: str, cause: OSError, dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = view(dataset)
    owner, _, name = where.rpartition(".")

    def fails(*_: object, **__: object) -> None:
        raise cause

    target = write if owner == "write" else write.TableWriter
    monkeypatch.setattr(target, name, fails)
    # --no-cache: the same files into the same folder would find it built and write nothing
    code, _, err = invoke("ingest", tmp_path / "good", "--out", dataset, "--no-cache", "-q")
    assert code == 1
    assert err == f"error: cannot write the dataset to {dataset}: {cause.strerror}\n"
    assert view(dataset) == before


# --- 7. files that are not decrees -------------------------------------------------------------


def test_files_of_other_formats_are_skipped_not_failed(tmp_path: Path) -> None:
    raw = raw_with(tmp_path / "raw", KURSK)
    (raw / "README").write_text("What this folder holds.")
    (raw / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (raw / "notes.json").write_text("{}")
    summary = ingest(raw, tmp_path / "out", jobs=1)
    assert (summary.statuses["failed"], summary.skipped, summary.files) == (0, 3, 1)
    assert list(documents(tmp_path / "out")) == [KURSK.name]
    _, _, err = invoke("ingest", raw, "--out", tmp_path / "out")
    assert "0 failed, 0 duplicate; 3 skipped (not a decree format)" in err


# --- 8. validate finds the schemas wherever the dataset is ----------------------------------


def test_validate_checks_a_dataset_anywhere_against_the_package_schemas(tmp_path: Path) -> None:
    raw = raw_with(tmp_path / "project" / "raw", KURSK)
    elsewhere = tmp_path / "somewhere" / "else" / "ds"  # no schemas/ anywhere near it
    ingest(raw, elsewhere, jobs=1)
    code, out, _ = invoke("validate", raw, "--dataset", elsewhere, "--format", "json")
    assert code == 0, out
    assert json.loads(out)["dataset"]["verdict"] == "ok"


# --- 9. command-line conventions ----------------------------------------------------------------


def test_version_quiet_verbose_json_and_completion(tmp_path: Path) -> None:
    from plan_etl import __version__

    assert invoke("--version")[:2] == (0, f"plan-etl {__version__}\n")
    raw = raw_with(tmp_path / "raw", KURSK)
    long_name = "a-very-long-file-name-" * 5 + ".txt"
    (raw / long_name).write_text("no table")
    out = tmp_path / "out"
    code, stdout, stderr = invoke("ingest", raw, "--out", out, "--json")
    assert code == 0
    summary = json.loads(stdout)  # stdout holds the JSON and nothing else
    assert (summary["ok"], summary["failed"], summary["rows"]) == (1, 1, 41)
    assert summary["failures"][0]["file"] == long_name and summary["published"] is True
    assert f"failed {long_name}: no plan table found" in stderr.splitlines()[0]  # not wrapped
    assert len(stderr.splitlines()) == 2
    assert invoke("ingest", raw, "--out", out, "-q")[1:] == ("", "")
    verbose = invoke("ingest", raw, "--out", out, "-v")[2].splitlines()
    assert f"ok        {KURSK.name}  41 rows" in verbose
    helps = runner.invoke(app, ["--help"]).output
    assert "--install-completion" in helps and "--show-completion" in helps


# --- 10. raw/ and the README's commands ---------------------------------------------------------


def test_raw_holds_each_seed_decree_once_in_mixed_formats(tmp_path: Path) -> None:
    raw = ROOT / "raw"
    assert {p.suffix for p in raw.iterdir()} == {".pdf", ".docx", ".txt"}
    summary = ingest(raw, tmp_path / "out", jobs=2)
    assert (summary.statuses["ok"], summary.duplicates, summary.rows) == (5, 0, 263)
    regions = {d["region"] for d in documents(tmp_path / "out").values()}
    assert len(regions) == 5


def readme_commands() -> list[list[str]]:
    """The commands of the README's «Use» section, as written."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block
    return [shlex.split(line, comments=True) for line in block[1].splitlines() if line.strip()]


def test_the_readme_use_commands_run_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each command is `make …` or `.venv/bin/plan-etl …` (the only place `make` installs
    the command); the plan-etl ones run in a copy of the project and exit 0."""
    shutil.copytree(ROOT / "raw", tmp_path / "raw")
    monkeypatch.chdir(tmp_path)
    commands = readme_commands()
    assert commands and all(c[0] in ("make", ".venv/bin/plan-etl") for c in commands)
    for command in commands:
        if command[0] == "make" or "--install-completion" in command:
            continue  # make sets up .venv; completion installs into the user's shell
        res = runner.invoke(app, command[1:])
        assert res.exit_code == 0, (command, res.output)
    assert (tmp_path / "report.html").is_file() and (tmp_path / "schemas").is_dir()
