"""How fast the catalogue matcher scores plan rows: 5,000 (or ROWS) of them.

The rows are the five seed decrees' rows, cycled; every copy's activity gets a made-up word
of its own, so that no two rows are alike and every row has a word the catalogue does not know
(the slow path: it is looked up for a near catalogue word). The matcher decides per document
(headings, items said twice), so the rows are scored as the pipeline calls it: one
`match_document` per decree copy; `--one-document` scores them all as one document instead
(every heading then repeats dozens of times, the worst case for the per-document reading).
The goal is under a second for 10,000 rows. Wall time depends on what else the machine runs,
so CPU time is printed as well; both vary by a third from run to run on a shared machine, so
quote the median of several runs. The timing includes `LogicalRow.text` joining each row's
activity fragments and cleaning them once more (`clean_text`, about a sixth of the total), as
the matcher does in the pipeline too. Run:

    .venv/bin/python bench/match_speed.py [ROWS] [--one-document]
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


def documents(count: int) -> list[list[LogicalRow]]:
    """`count` rows cycled from the seeds, each with a word of its own, in decree copies."""
    seeds = [assemble(TextExtractor().read(p).blocks).rows for p in sorted(SEEDS.glob("*.txt"))]
    out: list[list[LogicalRow]] = []
    n = 0
    while n < count:
        doc = []
        for row in seeds[len(out) % len(seeds)][: count - n]:
            text = f"{row.text('activity')} {made_up_word(n)}"
            doc.append(replace(row, cells={**row.cells, "activity": [text]}))
            n += 1
        out.append(doc)
    return out


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 5000
    docs = documents(count)
    if "--one-document" in sys.argv:
        docs = [[row for doc in docs for row in doc]]
    match_document(docs[0][:10])  # read the catalogue and build the index outside the timing
    wall, cpu = time.perf_counter(), time.process_time()
    results = [r for doc in docs for r in match_document(doc).results]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    matched = sum(r.status == "matched" for r in results)
    rate = f"{count / wall:,.0f} rows/s"
    print(f"{count} rows: {wall:.3f} s wall, {cpu:.3f} s CPU ({rate}); {matched} matched")


if __name__ == "__main__":
    main()
