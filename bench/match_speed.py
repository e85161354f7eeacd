"""How fast the catalogue matcher scores a large document: 5,000 plan rows at once.

The rows are the five seed decrees' rows, cycled; every copy's activity gets a made-up word
of its own, so that no two rows are alike and every row has a word the catalogue does not know
(the slow path: it is looked up for a near catalogue word). `match_document` scores the batch
at once; the goal is well under a second. Wall time depends on what else the machine runs,
so CPU time is printed as well. Run:

    .venv/bin/python bench/match_speed.py [ROWS]
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

from plan_etl.assemble import LogicalRow, assemble
from plan_etl.extract.text import TextExtractor
from plan_etl.match import match_document

SEEDS = Path(__file__).resolve().parent.parent / "tests" / "data" / "seeds"
LETTERS = "абвгдежзиклмнопрстуфхцчшщэюя"


def made_up_word(n: int) -> str:
    """A word no catalogue has, different for every n."""
    out = ""
    while True:
        n, digit = divmod(n, len(LETTERS))
        out += LETTERS[digit]
        if not n:
            return "щщ" + out + "ъ"


def rows(count: int) -> list[LogicalRow]:
    """`count` rows cycled from the seeds, each with a word of its own."""
    seeds = [
        r
        for p in sorted(SEEDS.glob("*.txt"))
        for r in assemble(TextExtractor().read(p).blocks).rows
    ]
    out = []
    for n in range(count):
        row = seeds[n % len(seeds)]
        text = f"{row.text('activity')} {made_up_word(n)}"
        out.append(replace(row, cells={**row.cells, "activity": [text]}))
    return out


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    batch = rows(count)
    match_document(batch[:10])  # read the catalogue and build the index outside the timing
    wall, cpu = time.perf_counter(), time.process_time()
    result = match_document(batch)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    matched = sum(r.status == "matched" for r in result.results)
    rate = f"{count / wall:,.0f} rows/s"
    print(f"{count} rows: {wall:.3f} s wall, {cpu:.3f} s CPU ({rate}); {matched} matched")


if __name__ == "__main__":
    main()
