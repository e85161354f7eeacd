"""Words a narrow column cut without a hyphen, as a dataset of the bench corpus reads them.

    python bench/cut_words.py DATASET [DATASET ...]     # e.g. out of `plan-etl ingest`

The bench corpus (bench/make_corpus.py) draws the gold rows of tests/data/gold, moved to
other regions, and cuts a word too wide for its column where the line ends, as a word
processor does («межведомственн» / «ой»). Its texts are known word for word: every word of
a cell is a word of the gold rows or a region's name in some case. So, per dataset:

- cuts left: two neighbouring tokens of a cell, the first no such word, that make one
  («государственн ой»): a cut the reader did not join;
- words made: tokens that are no such word but split into two that are («цифровогоразвития»):
  a join the reader should not have made.

Prints both counts and the most frequent of each; nothing is timed.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from collections import Counter
from itertools import pairwise
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ("activity", "responsible_raw", "result_document", "deadline_raw")
TOKEN = re.compile(r"\w+")


def region_forms() -> set[str]:
    """Every case form of every word of the regions' names (regions.toml)."""
    data = tomllib.loads((ROOT / "src/plan_etl/data/regions.toml").read_text(encoding="utf-8"))
    endings = data["endings"]
    forms = set()
    for entry in data.get("region", []) + data.get("proper", []):
        for word in entry["words"]:
            stem, _, kind = word.partition("|")
            forms.update((stem + e).lower() for e in endings.get(kind, [""]))
    return forms


def lexicon() -> set[str]:
    """The words the corpus's cells are made of."""
    words = region_forms()
    for gold in (ROOT / "tests/data/gold").glob("*.json"):
        for row in json.loads(gold.read_text(encoding="utf-8"))["rows"]:
            for value in row.values():
                if isinstance(value, str):
                    words.update(w.lower() for w in TOKEN.findall(value))
    return words


def count(dataset: Path, words: set[str]) -> tuple[Counter[str], Counter[str]]:
    """(cuts left, words made) in a dataset's activities."""
    left: Counter[str] = Counter()
    made: Counter[str] = Counter()
    for row in pq.read_table(dataset / "activities.parquet", columns=list(FIELDS)).to_pylist():
        for field in FIELDS:
            tokens = TOKEN.findall(row[field] or "")
            for a, b in pairwise(tokens):
                if a.lower() not in words and (a + b).lower() in words:
                    left[f"{a} {b}"] += 1
            for token in tokens:
                low = token.lower()
                if low not in words and any(
                    low[:i] in words and low[i:] in words for i in range(2, len(low) - 1)
                ):
                    made[token] += 1
    return left, made


def main() -> None:
    words = lexicon()
    for dataset in map(Path, sys.argv[1:]):
        left, made = count(dataset, words)
        print(f"{dataset}: cuts left {sum(left.values())}, words made {sum(made.values())}")
        print(f"  cuts left, most frequent: {left.most_common(6)}")
        print(f"  words made, most frequent: {made.most_common(6)}")


if __name__ == "__main__":
    main()
