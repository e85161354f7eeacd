"""Leave-one-decree-out evaluation of the catalogue matcher on the ten labelled decrees.

The rows are the gold rows themselves (number, section, section title, subsection, activity),
so the numbers measure the matcher, not the extraction. Every decree is scored once; then,
for each decree, the decision thresholds (`plan_etl.match.Settings`) are chosen on the other
nine by the rule below and measured on the left-out one. The thresholds shipped in
`plan_etl.match.SETTINGS` are the ones the same rule chooses on all ten.

The rule, in order: fewest wrong `matched` rows, counted on the decrees and on copies of
them damaged like OCR output (a confident wrong answer is the worst output, and a threshold
that only just separates clean rows will not hold on the next decree); then most rows right
with no review; then most rows right at all; then the most conservative thresholds. Run:

    python bench/eval_match.py          (or: make eval-match)
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import astuple, dataclass, fields, replace
from pathlib import Path

from plan_etl.assemble import LogicalRow
from plan_etl.match import SETTINGS, ScoredDocument, Settings, score_document

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
GOLD_DIRS = (DATA / "gold", DATA / "dev" / "gold", DATA / "dev2" / "gold")

# The candidate thresholds the rule chooses among.
GRID = {
    "matched_score": (70.0, 75.0, 80.0, 85.0, 90.0),
    "matched_margin": (5.0, 10.0, 15.0, 20.0),
    "review_score": (55.0, 60.0, 65.0, 70.0),
    "group_margin": (0.0, 5.0, 10.0),
    "repeat_score": (70.0, 80.0, 90.0, 101.0),
}


# OCR-like confusions for the damaged copies: one per copy, on every third word.
OCR_CONFUSIONS = (("и", "н"), ("щ", "ш"), ("о", "0"), ("-", ""), ("е", "с"))
DAMAGED_COPIES = 5


def ocr_damage(text: str, seed: int) -> str:
    """`text` with one OCR-like confusion applied to every third word it can hit."""
    wrong, right = OCR_CONFUSIONS[seed % len(OCR_CONFUSIONS)]
    words = text.split()
    for n in range(seed % 3, len(words), 3):
        words[n] = words[n].replace(wrong, right, 1)
    return " ".join(words)


def damaged(rows: list[LogicalRow], seed: int) -> list[LogicalRow]:
    return [
        replace(r, cells={"activity": [ocr_damage(r.text("activity") or "", seed + n)]})
        for n, r in enumerate(rows)
    ]


@dataclass(frozen=True)
class Decree:
    name: str
    gold: list[str | None]  # catalogue ids, row by row
    scored: ScoredDocument
    copies: list[ScoredDocument]  # the same rows damaged like OCR output


@dataclass
class Counts:
    rows: int = 0
    right: int = 0  # the catalogue id (or none) is the gold one
    automatic: int = 0  # right, and matched (or unmatched for a region's own row): no review
    review: int = 0
    wrong_matched: int = 0
    wrong_damaged: int = 0  # wrong `matched` rows in the OCR-damaged copies

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def key(self) -> tuple[int, int, int]:
        """What the rule maximises, most important first."""
        return (-self.wrong_matched - self.wrong_damaged, self.automatic, self.right)


def gold_rows(path: Path) -> tuple[list[LogicalRow], dict]:
    data = json.loads(path.read_text())
    rows = [
        LogicalRow(r["number"], r["section"], r["section_title"], r.get("subsection"),
                   {"activity": [r["activity"]]})
        for r in data["rows"]
    ]  # fmt: skip
    return rows, data


def load_decrees() -> list[Decree]:
    """The ten labelled decrees, each scored once with its heading's issuer and act type."""
    out = []
    for path in sorted(p for d in GOLD_DIRS for p in d.glob("*.json")):
        rows, data = gold_rows(path)
        doc = data["document"]
        heading = (doc.get("issuer"), doc.get("act_type"))
        copies = [score_document(damaged(rows, n), *heading) for n in range(DAMAGED_COPIES)]
        gold = [r["catalogue_id"] for r in data["rows"]]
        out.append(Decree(path.stem, gold, score_document(rows, *heading), copies))
    return out


def wrong_matched(gold: list[str | None], scored: ScoredDocument, settings: Settings) -> int:
    results = scored.decide(settings).results
    pairs = zip(gold, results, strict=True)
    return sum(r.status == "matched" and r.catalogue_id != g for g, r in pairs)


def count(decree: Decree, settings: Settings) -> Counts:
    results = decree.scored.decide(settings).results
    c = Counts(rows=len(results))
    c.wrong_damaged = sum(wrong_matched(decree.gold, copy, settings) for copy in decree.copies)
    for want, got in zip(decree.gold, results, strict=True):
        right = got.catalogue_id == want
        c.right += right
        c.automatic += right and got.status == ("matched" if want else "unmatched")
        c.review += got.status == "review"
        c.wrong_matched += got.status == "matched" and not right
    return c


def candidates(grid: dict[str, Iterable[float]] = GRID) -> list[Settings]:
    names = [f.name for f in fields(Settings)]
    return [Settings(**dict(zip(names, v, strict=True))) for v in itertools.product(*grid.values())]


def choose(table: dict[Settings, list[Counts]], train: list[int]) -> Settings:
    """The rule: best `Counts.key` summed over the `train` decrees, then the most conservative
    (highest) thresholds."""

    def rank(s: Settings) -> tuple:
        total = sum((table[s][i] for i in train), Counts())
        return (*total.key(), s.matched_score, s.matched_margin, s.group_margin, s.repeat_score)

    return max(table, key=rank)


def leave_one_out(
    decrees: list[Decree], grid: dict[str, Iterable[float]] = GRID
) -> tuple[list[tuple[str, Settings, Counts]], Settings]:
    """Per left-out decree: the settings fitted on the others and its counts under them;
    and the settings the rule fits on all decrees."""
    table = {s: [count(d, s) for d in decrees] for s in candidates(grid)}
    everyone = list(range(len(decrees)))
    folds = []
    for i, decree in enumerate(decrees):
        fitted = choose(table, [j for j in everyone if j != i])
        folds.append((decree.name, fitted, table[fitted][i]))
    return folds, choose(table, everyone)


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    —"


def line(name: str, c: Counts, settings: Settings) -> str:
    fitted = "/".join(f"{v:g}" for v in astuple(settings))
    return (
        f"| {name:<26} | {c.rows:4} | {percent(c.right, c.rows)} | {percent(c.automatic, c.rows)}"
        f" | {percent(c.review, c.rows)} | {c.wrong_matched:5} | {c.wrong_damaged:5} | {fitted} |"
    )


def main() -> None:
    folds, final = leave_one_out(load_decrees())
    print("| left-out decree | rows | top-1 | right & matched | review | wrong matched |"
          " wrong matched, OCR-damaged copies | fitted on the other nine |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for name, fitted, c in folds:
        print(line(name, c, fitted))
    total = sum((c for _, _, c in folds), Counts())
    print(f"| **total** | {total.rows} | {percent(total.right, total.rows)} | "
          f"{percent(total.automatic, total.rows)} | {percent(total.review, total.rows)} | "
          f"{total.wrong_matched} | {total.wrong_damaged} | |")  # fmt: skip
    names = ", ".join(f.name for f in fields(Settings))
    print(f"\nthresholds ({names}) fitted on all ten: {astuple(final)}")
    print(f"shipped (plan_etl.match.SETTINGS): {astuple(SETTINGS)}")


if __name__ == "__main__":
    main()
