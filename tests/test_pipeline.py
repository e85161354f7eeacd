"""The ingest run end to end: typed Parquet, determinism, cache, bad input, atomicity."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import DATA, SEEDS, gold

import plan_etl
from plan_etl.models import SCHEMA_VERSION, Activity
from plan_etl.pipeline import ingest
from plan_etl.write import TableWriter, arrow_schema


def test_parquet_columns_are_typed(seed_dataset: Path) -> None:
    acts = pq.read_table(seed_dataset / "activities.parquet")
    assert acts.schema.field("deadline_date").type == pa.date32()
    assert acts.schema.field("row_index").type == pa.int32()
    assert acts.schema.field("responsible").type == pa.list_(pa.string())
    assert acts.schema.field("warnings").type == pa.list_(pa.string())
    docs = pq.read_table(seed_dataset / "documents.parquet")
    assert docs.schema.field("act_date").type == pa.date32()
    assert pa.types.is_list(docs.schema.field("amends").type)
    for name in ("activities", "documents", "catalogue"):
        meta = pq.read_schema(seed_dataset / f"{name}.parquet").metadata
        assert meta[b"schema_version"] == SCHEMA_VERSION.encode()


def test_rows_and_values_follow_gold(seed_dataset: Path) -> None:
    acts = pq.read_table(seed_dataset / "activities.parquet").to_pylist()
    by_file: dict[str, list[dict]] = {}
    for a in acts:
        by_file.setdefault(a["source_file"], []).append(a)
    assert sorted(by_file) == [s.name for s in SEEDS]
    for name, rows in by_file.items():
        expected = gold(Path(name).stem)["rows"]
        assert [r["row_index"] for r in rows] == list(range(len(expected)))
        assert [r["item_number"] for r in rows] == [g["number"] for g in expected]
        assert [r["activity"] for r in rows] == [g["activity"] for g in expected]
        want_dates = [
            dt.date.fromisoformat(g["deadline_date"]) if g["deadline_date"] else None
            for g in expected
        ]
        assert [r["deadline_date"] for r in rows] == want_dates


def test_documents_one_row_per_decree(seed_dataset: Path) -> None:
    docs = pq.read_table(seed_dataset / "documents.parquet").to_pylist()
    assert [d["source_file"] for d in docs] == [s.name for s in SEEDS]
    assert {d["status"] for d in docs} == {"ok"}
    assert [d["row_count"] for d in docs] == [41, 60, 34, 69, 59]
    assert all(len(d["doc_id"]) == 16 and len(d["sha256"]) == 64 for d in docs)


def test_same_input_same_output_and_warm_cache(seed_dataset: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, raw / seed.name)
    first = ingest(raw, tmp_path / "a", jobs=1, cache_dir=tmp_path / "cache")
    second = ingest(raw, tmp_path / "b", jobs=2, cache_dir=tmp_path / "cache")
    assert (first.parsed, second.parsed, second.cached) == (5, 0, 5)
    for name in ("activities", "documents", "catalogue"):
        a = pq.read_table(tmp_path / "a" / f"{name}.parquet")
        b = pq.read_table(tmp_path / "b" / f"{name}.parquet")
        c = pq.read_table(seed_dataset / f"{name}.parquet")
        assert a.equals(b) and a.equals(c)


def test_two_workers_parse_pdfs_and_docx_as_one_does(tmp_path: Path) -> None:
    """--jobs 2 parsing (not reading a cache) gives the tables --jobs 1 gives, in its order."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in (DATA / "corpus").iterdir():
        if path.suffix in (".pdf", ".docx"):
            (raw / path.name).symlink_to(path)
    one = ingest(raw, tmp_path / "one", jobs=1, use_cache=False)
    two = ingest(raw, tmp_path / "two", jobs=2, use_cache=False)
    # each PDF is the same decree as the DOCX before it: its rows are written once
    assert (one.parsed, two.parsed, one.rows, one.duplicates) == (10, 10, 263, 5)
    for name in ("activities", "documents"):
        a = pq.read_table(tmp_path / "one" / f"{name}.parquet")
        assert a.equals(pq.read_table(tmp_path / "two" / f"{name}.parquet"))


def test_adding_one_decree_parses_only_it(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEEDS[0], raw / SEEDS[0].name)
    ingest(raw, tmp_path / "out", jobs=1)
    shutil.copy(SEEDS[1], raw / SEEDS[1].name)
    summary = ingest(raw, tmp_path / "out", jobs=1)
    assert (summary.parsed, summary.cached) == (1, 1)
    summary = ingest(raw, tmp_path / "out", jobs=1, use_cache=False)
    assert (summary.parsed, summary.cached) == (2, 0)


def test_bad_files_get_failed_records_and_run_goes_on(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEEDS[2], raw / "good.txt")
    (raw / "empty.txt").write_bytes(b"")
    (raw / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    (raw / "letter.txt").write_text("Уважаемые коллеги!\n\nТаблицы здесь нет.", encoding="utf-8")
    (raw / "photo.jpeg").write_bytes(b"\xff\xd8\xff\xe0 not a decree")
    shutil.copy(SEEDS[2], raw / "z_copy.txt")
    summary = ingest(raw, tmp_path / "out", jobs=2)
    docs = {
        d["source_file"]: d
        for d in pq.read_table(tmp_path / "out" / "documents.parquet").to_pylist()
    }
    assert docs["good.txt"]["status"] == "ok"
    assert docs["z_copy.txt"]["duplicate_of"] == docs["good.txt"]["doc_id"]
    assert docs["empty.txt"]["error"] == "empty file"
    assert "binary" in docs["binary.txt"]["error"]
    assert "no plan table" in docs["letter.txt"]["error"]
    assert "photo.jpeg" not in docs  # not a decree format: skipped, not failed
    assert all("\n" not in d["error"] for d in docs.values() if d["error"])
    assert (summary.statuses["failed"], summary.duplicates, summary.skipped) == (3, 1, 1)
    assert summary.rows == 34


def test_failed_run_leaves_previous_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEEDS[0], raw / SEEDS[0].name)
    out = tmp_path / "out"
    ingest(raw, out, jobs=1)
    before = pq.read_table(out / "activities.parquet")

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("plan_etl.write.TableWriter.finish", boom)
    shutil.copy(SEEDS[1], raw / SEEDS[1].name)
    with pytest.raises(RuntimeError):
        ingest(raw, out, jobs=1, use_cache=False)
    assert pq.read_table(out / "activities.parquet").equals(before)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.lock", "out", "raw"]


def test_empty_run_writes_typed_empty_tables(tmp_path: Path) -> None:
    (tmp_path / "raw").mkdir()
    ingest(tmp_path / "raw", tmp_path / "out", allow_empty=True)
    table = pq.read_table(tmp_path / "out" / "activities.parquet")
    assert table.num_rows == 0
    assert table.schema.remove_metadata().equals(arrow_schema_no_meta())


def arrow_schema_no_meta() -> pa.Schema:
    from plan_etl.models import Activity

    return arrow_schema(Activity).remove_metadata()


def test_leftovers_of_killed_runs_are_cleaned(tmp_path: Path) -> None:
    """What a killed run leaves beside the dataset (its staging folder, a retired dataset) is
    removed by the next run; temporary tables an older version left inside it are not
    carried into the new dataset, while a file the user keeps there is."""
    out = tmp_path / "out"
    (tmp_path / "raw").mkdir()
    shutil.copy(SEEDS[0], tmp_path / "raw" / SEEDS[0].name)
    ingest(tmp_path / "raw", out, jobs=1)
    (out / ".activities.parquet.tmp-999999999").write_bytes(b"half a table")
    (out / "NOTES.txt").write_text("mine")
    staging = tmp_path / ".out.staging-999999999-abcd"
    staging.mkdir()
    (staging / "activities.parquet").write_bytes(b"half a table")
    retired = tmp_path / ".out.old-999999999-abcd"
    retired.mkdir()
    ingest(tmp_path / "raw", out, jobs=1)
    assert not staging.exists() and not retired.exists()
    assert sorted(p.name for p in out.iterdir()) == [
        "NOTES.txt",
        "activities.parquet",
        "amendments.parquet",
        "catalogue.parquet",
        "datapackage.json",
        "documents.parquet",
        "in_force.parquet",
    ]


# --- scale: bounded memory, row groups, lazy imports -------------------------------------------


class _InlinePool:
    """Stands in for pebble's pool: runs each task when it is scheduled and records how many
    results were scheduled but not yet taken, the most the real pool could hold in memory."""

    outstanding = 0
    most = 0

    def __init__(self, max_workers: int, **_: object) -> None:
        type(self).outstanding = type(self).most = 0

    def __enter__(self) -> _InlinePool:
        return self

    def __exit__(self, *_: object) -> None:
        pass

    def schedule(self, fn, args, timeout):  # type: ignore[no-untyped-def]
        from concurrent.futures import Future

        pool = type(self)
        pool.outstanding += 1
        pool.most = max(pool.most, pool.outstanding)
        future: Future = Future()
        future.set_result(fn(*args))
        original = future.result

        def result(*a: object) -> object:
            pool.outstanding -= 1
            return original(*a)

        future.result = result  # type: ignore[method-assign]
        return future


def test_files_in_flight_are_bounded(
    seed_dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for n, seed in enumerate(SEEDS * 3):  # 15 distinct files (a number in each)
        (raw / f"{n:02d}-{seed.name}").write_bytes(seed.read_bytes() + f"\n{n}\n".encode())
    monkeypatch.setattr("pebble.ProcessPool", _InlinePool)
    monkeypatch.setattr("plan_etl.executors.window_size", lambda jobs: 3)
    summary = ingest(raw, tmp_path / "out", jobs=2, use_cache=False)
    assert summary.parsed == 15 and summary.statuses["failed"] == 0
    assert _InlinePool.most == 3


def test_warm_run_reads_one_cached_result_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, raw / seed.name)
    ingest(raw, tmp_path / "out", jobs=1)
    from plan_etl.pipeline import ResultCache

    loads: list[str] = []
    get = ResultCache.get
    monkeypatch.setattr(
        ResultCache, "get", lambda self, s: loads.append(s.source_file) or get(self, s)
    )
    seen: list[int] = []
    # into another folder: the first one is already built from these files (`runs`)
    summary = ingest(raw, tmp_path / "out2", jobs=1, on_file=lambda _: seen.append(len(loads)))
    assert summary.cached == 5
    assert seen == [1, 2, 3, 4, 5]  # each written before the next is loaded


def test_tables_are_written_in_row_groups_not_per_file(
    seed_dataset: Path, seed_raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("documents", "activities"):
        assert pq.ParquetFile(seed_dataset / f"{name}.parquet").metadata.num_row_groups == 1
    monkeypatch.setattr("plan_etl.write.ROW_GROUP_ROWS", 50)
    ingest(seed_raw, tmp_path / "out", jobs=1, use_cache=False)
    small = pq.ParquetFile(tmp_path / "out" / "activities.parquet")
    assert small.metadata.num_row_groups == 6  # 263 rows
    assert small.read().equals(pq.read_table(seed_dataset / "activities.parquet"))


@pytest.mark.parametrize("drop", [False, True])
def test_a_table_written_in_pieces_is_the_table_written_at_once(
    seed_dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, drop: bool
) -> None:
    """Validated rows and Arrow tables, in any mix, in pieces that cross row groups, give
    the bytes the same rows give written in one piece; a decree dropped on the way (some of
    its rows written, some waiting) is left out and nothing else. Rows are made Arrow a
    batch at a time (20 here), wherever a piece ends."""
    monkeypatch.setattr("plan_etl.write.ROW_GROUP_ROWS", 50)
    monkeypatch.setattr("plan_etl.write.ARROW_BATCH_ROWS", 20)
    table = pq.read_table(seed_dataset / "activities.parquet")  # 263 rows, 5 decrees
    models = [Activity.model_validate(r) for r in table.to_pylist()]
    dropped = models[100].doc_id if drop else None
    whole = _writer(tmp_path / "whole")
    whole.write([m for m in models if m.doc_id != dropped])
    whole.finish()
    pieces = _writer(tmp_path / "pieces")
    start = 0
    for n, size in enumerate([7, 60, 1, 33, 90, 12, 60]):
        chunk = models[start : start + size]
        if n % 2:
            pieces.write_arrow(table.slice(start, len(chunk)))
        else:
            pieces.write(chunk)
        if dropped and start <= 100 < start + size:
            pieces.drop(dropped)
        start += size
    pieces.finish()
    got, want = (tmp_path / d / "activities.parquet" for d in ("pieces", "whole"))
    if drop:  # the file was rewritten without the dropped rows, in other row groups
        assert pq.read_table(got).equals(pq.read_table(want))
        assert pq.read_table(got).num_rows < table.num_rows
    else:
        assert got.read_bytes() == want.read_bytes()


def _writer(folder: Path) -> TableWriter:
    folder.mkdir(exist_ok=True)
    return TableWriter(folder, "activities")


def test_a_warm_ingest_command_loads_neither_the_readers_nor_pandas(
    seed_raw: Path, seed_dataset: Path, tmp_path: Path
) -> None:
    """`plan-etl ingest` as its console script runs it: the first run reads the files (the
    matcher loads), the warm one is served from the cache and imports neither the matcher
    nor pandas (pyarrow would); both write the tables the library writes. (The second goes
    to a new folder: into the first one's it would find the dataset built, and write none.)"""

    def code(out: Path) -> str:
        return (
            "import sys\n"
            f"sys.argv = ['plan-etl', 'ingest', {str(seed_raw)!r}, '--out', {str(out)!r},"
            f" '--cache-dir', {str(tmp_path / 'cache')!r}, '-q']\n"
            "from plan_etl.cli import command\n"
            "try:\n    command()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
            "print(sorted(m for m in ('pandas', 'plan_etl.match', 'scipy') if m in sys.modules))\n"
        )

    outs = [tmp_path / "out", tmp_path / "warm"]
    loaded = [
        subprocess.run(
            [sys.executable, "-c", code(out)], check=True, capture_output=True, text=True
        ).stdout.strip()
        for out in outs
    ]
    assert loaded == ["['plan_etl.match']", "[]"]  # the matcher sums without scipy
    for out in outs:
        for name in ("documents", "activities", "in_force"):
            got = pq.read_table(out / f"{name}.parquet")
            assert got.equals(pq.read_table(seed_dataset / f"{name}.parquet")), name


def test_backends_load_on_first_use() -> None:
    """`plan-etl` starts without pdfplumber, python-docx or pebble (a warm run needs none),
    and the lazy registry agrees with what each extractor declares."""
    code = (
        "import sys, plan_etl.cli\n"
        "from pathlib import Path\n"
        "assert not {'pdfplumber', 'docx', 'pebble'} & set(sys.modules), sys.modules.keys()\n"
        "from plan_etl.extract import SUFFIXES, extractor_for\n"
        "for s in SUFFIXES: assert s in extractor_for(Path('x' + s)).suffixes\n"
        "assert 'pdfplumber' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_parser_version_ignores_only_modules_that_exist() -> None:
    from plan_etl.pipeline import _NOT_PARSING

    package = Path(plan_etl.__file__).parent
    assert all((package / name).is_file() for name in _NOT_PARSING)


def test_cache_entries_of_other_parser_versions_are_pruned(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEEDS[0], raw / SEEDS[0].name)
    cache = tmp_path / "cache"
    (cache / "results").mkdir(parents=True)
    stale = cache / "results" / f"{'0' * 64}-oldparserversion.json"
    stale.write_bytes(b"from an older plan-etl")
    summary = ingest(raw, tmp_path / "out", jobs=1, cache_dir=cache)
    assert summary.parsed == 1
    assert not stale.exists() and len(list((cache / "results").glob("*.json"))) == 1


def _files(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Each file of a folder: its inode and bytes (a rewrite changes the inode)."""
    return {p.name: (p.stat().st_ino, p.read_bytes()) for p in folder.iterdir() if p.is_file()}


def test_a_re_run_over_the_same_files_leaves_the_built_dataset(tmp_path: Path) -> None:
    """Re-running into a folder already built from these very files writes nothing and says
    so; a changed decree, a changed published file or --no-cache builds it again, and the
    result is what a rebuild gives."""
    raw, out, cache = tmp_path / "raw", tmp_path / "out", tmp_path / "cache"
    raw.mkdir()
    for seed in SEEDS[:3]:
        shutil.copy(seed, raw / seed.name)
    first = ingest(raw, out, jobs=1, cache_dir=cache)
    built = _files(out)
    again = ingest(raw, out, jobs=1, cache_dir=cache)
    assert again.unchanged and again.published and not first.unchanged
    assert (again.statuses, again.rows, again.parsed, again.cached) == (
        first.statuses,
        first.rows,
        0,
        3,
    )
    assert _files(out) == built  # not a byte nor an inode changed

    (out / "activities.parquet").write_bytes(b"damaged")  # the folder is not as published
    repaired = ingest(raw, out, jobs=1, cache_dir=cache)
    assert not repaired.unchanged and repaired.cached == 3
    assert {n: b for n, (_, b) in _files(out).items()} == {n: b for n, (_, b) in built.items()}

    assert not ingest(raw, out, jobs=1, use_cache=False, cache_dir=cache).unchanged
    with (raw / SEEDS[0].name).open("a") as fh:
        fh.write("\n")
    changed = ingest(raw, out, jobs=1, cache_dir=cache)
    assert not changed.unchanged and (changed.parsed, changed.cached) == (1, 2)


def test_a_run_with_messages_of_its_own_is_built_every_time(tmp_path: Path) -> None:
    """A run with a failed file (which may read next time) or a duplicate is not recorded:
    each re-run reads again and says again what it said."""
    raw, out, cache = tmp_path / "raw", tmp_path / "out", tmp_path / "cache"
    raw.mkdir()
    shutil.copy(SEEDS[0], raw / "a.txt")
    (raw / "broken.pdf").write_bytes(b"not a pdf")
    ingest(raw, out, jobs=1, cache_dir=cache)
    again = ingest(raw, out, jobs=1, cache_dir=cache)
    assert not again.unchanged and again.failures


def test_other_code_builds_the_dataset_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record's key holds the package's code: a new version never reuses an old
    dataset, even where the parsing (and so the cache) is unchanged."""
    import plan_etl.pipeline as pipeline

    raw, out, cache = tmp_path / "raw", tmp_path / "out", tmp_path / "cache"
    raw.mkdir()
    shutil.copy(SEEDS[0], raw / SEEDS[0].name)
    ingest(raw, out, jobs=1, cache_dir=cache)
    monkeypatch.setattr(pipeline, "dataset_code_version", lambda: "another writer")
    again = ingest(raw, out, jobs=1, cache_dir=cache)
    assert not again.unchanged and (again.parsed, again.cached) == (0, 1)


def _packing_mix(raw: Path) -> None:
    """Copies (a decree in two formats, the same bytes twice), amending decrees, a file
    that fails and one without a plan."""
    raw.mkdir()
    for path in [*(DATA / "corpus").glob("[dk]*.*"), *(DATA / "amend").iterdir()]:
        shutil.copy(path, raw / path.name)
    shutil.copy(SEEDS[2], raw / "seed.txt")
    shutil.copy(SEEDS[2], raw / "z-same-bytes.txt")
    (raw / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    (raw / "letter.txt").write_text("Уважаемые коллеги!\n\nТаблицы здесь нет.", encoding="utf-8")


def _bytes_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_rows_packed_by_the_workers_give_the_same_tables_and_cache(tmp_path: Path) -> None:
    """Workers that pack their rows (Arrow, fingerprint, cache entry: `plan_etl.packing`)
    give the tables and cache entries, byte for byte, that workers sending models give, on
    copies, amending decrees and failures; a warm run from the packed run's cache too."""
    from plan_etl.executors import LocalPool

    raw = tmp_path / "raw"
    _packing_mix(raw)
    runs = {}
    for packs in (False, True):
        name = f"packs-{packs}"
        summary = ingest(
            raw,
            tmp_path / name,
            executor=LocalPool(2, packs=packs),
            cache_dir=tmp_path / f"c{name}",
        )
        runs[packs] = (summary.rows, summary.duplicates, dict(summary.statuses))
    assert runs[True] == runs[False] and runs[True][1] >= 3  # two formats, the same bytes
    assert runs[True][2]["failed"] == 2
    packed, models = tmp_path / "packs-True", tmp_path / "packs-False"
    assert _bytes_of(packed) == _bytes_of(models)
    assert _bytes_of(tmp_path / "cpacks-True" / "results") == _bytes_of(
        tmp_path / "cpacks-False" / "results"
    )
    warm = ingest(raw, tmp_path / "warm", jobs=2, cache_dir=tmp_path / "cpacks-True")
    assert warm.parsed == 2 and _bytes_of(tmp_path / "warm") == _bytes_of(packed)  # the failures


def test_a_packed_result_carries_what_the_parent_would_make() -> None:
    """`pack` sends the rows as the table the writer would make of them, their
    fingerprint, and the cache entry the parent would write; a result without rows goes as
    it is; rows of another schema are refused."""
    from dataclasses import replace

    import pandas  # noqa: F401  (`pack` tells pyarrow pandas is absent unless it is loaded)

    from plan_etl.cache import entry_bytes
    from plan_etl.links import rows_fingerprint
    from plan_etl.packing import pack, unpacked_table
    from plan_etl.pipeline import identify
    from plan_etl.task import PackedRows, Packing, process_file
    from plan_etl.write import to_table

    result = process_file(SEEDS[2], identify(SEEDS[2], SEEDS[2].parent)[0])
    assert result.row_count == 34
    packed = pack(result, Packing(cache_entry=True))
    assert packed.activities == [] and packed.packed is not None and packed.row_count == 34
    assert unpacked_table(packed.packed).equals(to_table(result.activities, Activity))
    assert packed.packed.fingerprint == rows_fingerprint(result.activities)
    assert packed.packed.entry == entry_bytes(result)
    assert pack(result, Packing(cache_entry=False)).packed.entry is None  # type: ignore[union-attr]
    without = replace(result, activities=[])
    assert pack(without, Packing(cache_entry=True)) is without
    other = pa.table({"doc_id": ["x"]})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, other.schema) as stream:
        stream.write_table(other)
    with pytest.raises(ValueError, match="another schema"):
        unpacked_table(PackedRows(sink.getvalue().to_pybytes(), 1, None))


def test_workers_pack_only_when_they_take_every_core(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A pool as large as the cores packs (the parent has no core to spare); a smaller one
    does not; a run whose caller asks for every file's records (`on_file`) gets models."""
    from plan_etl.executors import LocalPool

    monkeypatch.setattr("plan_etl.executors.cores", lambda: 4)
    assert [LocalPool(j).packs for j in (1, 3, 4, 6)] == [False, False, True, True]
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEEDS[2], raw / "seed.txt")
    seen = []
    ingest(raw, tmp_path / "out", executor=LocalPool(1, packs=True), on_file=seen.append)
    assert [(r.packed, len(r.activities)) for r in seen] == [(None, 34)]
