"""The floor: what pdfplumber itself needs to open every PDF and extract its words.

    python bench/floor.py RAW_DIR [--jobs N]

One process by default (`--jobs 2` splits the files over two forked processes, one file at
a time, to compare with `plan-etl ingest --jobs 2`). Prints {"files": n, "pages": n} as JSON;
bench/run.py measures the time and memory from outside, as it does for plan-etl.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
from pathlib import Path

import pdfplumber


def words_of(path: Path) -> int:
    """Open one PDF and extract the words of every page; its page count."""
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_words()
            page.close()  # as plan-etl does: a page's parsed layout is dropped once read
        return len(pdf.pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("raw", type=Path)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    files = sorted(args.raw.rglob("*.pdf"))
    if args.jobs > 1:
        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            pages = sum(pool.imap_unordered(words_of, files, chunksize=1))
    else:
        pages = sum(map(words_of, files))
    print(json.dumps({"files": len(files), "pages": pages}))


if __name__ == "__main__":
    main()
