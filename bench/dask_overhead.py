"""Dask's overhead: plan-etl ingest --dask local:2 beside --jobs 2 on the bench corpus.

    python bench/dask_overhead.py [--corpus bench/out/corpus] [--rounds 1] [--decrees N]

Runs `plan-etl ingest --no-cache` on the corpus bench/make_corpus.py built, with the local
pool (J: --jobs 2) and with a LocalCluster of two worker processes (D: --dask local:2), in
the order J D D J for each round: mirrored, as bench/run.py does, so that a drift of a shared
machine's speed over the bench falls on both sides alike. Both parse the same files on the
same two cores; what differs is the engine: the cluster's start (scheduler, two spawned
worker processes, each importing the readers), a task's trip through the scheduler, and a
result's two hops (reader → worker → client). Reports each run's wall time and pages a
second, and the ratio of summed wall times D / J (1.00 = no overhead); checks that every run
wrote the same tables, byte for byte. Measured with bench/run.py's `measure` (its notes on
CPU time and "others' CPU" hold here too). `--decrees N` times the first N decrees only (a
quicker figure, in which the cluster's fixed start weighs more). Writes bench/out/dask.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from run import OUT, TABLES, check, machine, measure, parsed_cached, plan_etl  # noqa: E402

RUNS = {
    "J": ("plan-etl ingest --jobs 2 --no-cache", ["--jobs", "2"]),
    "D": ("plan-etl ingest --dask local:2 --no-cache", ["--dask", "local:2"]),
}


def same_bytes(a: Path, b: Path) -> bool:
    return all(
        (a / f"{t}.parquet").read_bytes() == (b / f"{t}.parquet").read_bytes() for t in TABLES
    )


def subset(raw: Path, folder: Path, count: int) -> tuple[Path, dict]:
    """A folder of links to the first `count` decrees of `raw`, and their numbers."""
    import pypdfium2 as pdfium

    folder.mkdir()
    pages = 0
    for path in sorted(raw.glob("*.pdf"))[:count]:
        (folder / path.name).symlink_to(path.resolve())
        pdf = pdfium.PdfDocument(path)
        pages += len(pdf)
        pdf.close()
    return folder, {"decrees": count, "pages": pages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=OUT / "corpus")
    parser.add_argument("--rounds", type=int, default=1, help="J D D J this many times")
    parser.add_argument("--decrees", type=int, help="only the first N decrees of the corpus")
    args = parser.parse_args()
    manifest = json.loads((args.corpus / "manifest.json").read_text())
    raw, work = args.corpus / "raw", OUT / "dask-runs"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    if args.decrees:
        raw, manifest = subset(raw, work / "raw", args.decrees)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runs: list[dict] = []
    for n, kind in enumerate("JDDJ" * args.rounds):
        label, options = RUNS[kind]
        out = work / f"{kind}{n}"
        cmd = [*plan_etl(), "ingest", str(raw), "--out", str(out), *options, "--no-cache"]
        run = measure(cmd, env)
        check(run, label)
        run.update(kind=kind, label=label, out=str(out), parsed=parsed_cached(run)[0])
        runs.append(run)
        print(f"{label:<42} {run['wall_s']:7.1f} s  others' CPU {run['others_cpu_s']:6.1f} s")
    first = Path(runs[0]["out"])
    identical = all(same_bytes(first, Path(r["out"])) for r in runs[1:])
    wall = {k: sum(r["wall_s"] for r in runs if r["kind"] == k) for k in RUNS}
    count = {k: sum(1 for r in runs if r["kind"] == k) for k in RUNS}
    pages = manifest["pages"]
    summary = {
        "corpus": {"decrees": manifest["decrees"], "pages": pages},
        "pages_per_s": {k: round(pages * count[k] / wall[k], 1) for k in RUNS},
        "wall_ratio_dask_to_jobs": round(wall["D"] / wall["J"], 3),
        "tables_identical": identical,
        "others_cpu_s": round(sum(r["others_cpu_s"] for r in runs), 1),
    }
    for r in runs:
        del r["stdout"], r["stderr"]
    (OUT / "dask.json").write_text(
        json.dumps({"machine": machine(), "summary": summary, "runs": runs}, indent=2)
    )
    print(json.dumps(summary, indent=2))
    if not identical:
        sys.exit("the runs wrote different tables")


if __name__ == "__main__":
    main()
