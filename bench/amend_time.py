"""What reading amendments costs: the amendment reader on every decree, and the end of the run.

    python bench/amend_time.py [--repeats 5]

Every file is first read into blocks by its extractor (not timed). Then, in this process:

  read     `read_amending` on the blocks: what every decree now pays, amending or not;
  file     `process_file` of the whole file (extract, amendments, assemble, records);
  apply    `build_in_force` over the chain of tests/data/amend (the Tyumen plan and three
           amending decrees ingested once): what the end of a run adds for a chain.

It prints each file's medians over the repeats and the reader's share of the whole.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from plan_etl.amend.apply import build_in_force  # noqa: E402
from plan_etl.amend.read import read_amending  # noqa: E402
from plan_etl.catalogue import load_catalogue  # noqa: E402
from plan_etl.extract import extractor_for  # noqa: E402
from plan_etl.pipeline import identify, ingest, process_file  # noqa: E402

DATA = ROOT / "tests" / "data"
FILES = [
    *sorted((DATA / "corpus").glob("*.docx")),
    *sorted((DATA / "corpus").glob("*.pdf"))[:2],
    *sorted((DATA / "seeds").glob("*.txt"))[:2],
    *sorted((DATA / "amend").glob("amend-*")),
]
CHAIN = ["amend-150rp.docx", "amend-480rp.txt", "amend-610rp.pdf"]


def median_ms(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    load_catalogue()
    total_read = total_file = 0.0
    print(f"{'file':32} {'read ms':>8} {'file ms':>8} {'share':>6}")
    for path in FILES:
        blocks = extractor_for(path).read(path).blocks
        source, _ = identify(path, path.parent)
        read = median_ms(lambda b=blocks: read_amending(b), repeats)
        whole = median_ms(lambda p=path, s=source: process_file(p, s), max(1, repeats // 2))
        total_read, total_file = total_read + read, total_file + whole
        print(f"{path.name:32} {read:8.1f} {whole:8.1f} {read / whole:6.1%}")
    print(f"{'all':32} {total_read:8.1f} {total_file:8.1f} {total_read / total_file:6.1%}")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        raw.mkdir()
        shutil.copy(DATA / "dev" / "sources" / "tyumen.txt", raw)
        for name in CHAIN:
            shutil.copy(DATA / "amend" / name, raw)
        collected = []
        ingest(raw, Path(tmp) / "out", jobs=1, use_cache=False, on_file=collected.append)
        documents = [r.document for r in collected]
        changes = [c for r in collected for c in r.amendments]
        activities = Path(tmp) / "out" / "activities.parquet"

        def apply() -> None:
            built = build_in_force(activities, documents, changes)
            list(built.plans)

        took = median_ms(apply, repeats)
        print(f"apply: build_in_force over a chain of 4 decrees, {took:.1f} ms")


if __name__ == "__main__":
    main()
