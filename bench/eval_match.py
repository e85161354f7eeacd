"""Leave-one-decree-out (and leave-one-style-out) evaluation of the catalogue matcher on the
labelled decrees, every learned part refit inside each fold.

The rows are the gold rows themselves (number, section, section title, subsection, activity),
so the numbers measure the matcher, not the extraction. What the matcher learns from labelled
decrees, and so refits per fold on the training decrees only:

1. phrasings: every training row's activity becomes one more way to say its item
   (`plan_etl.match.learned`);
2. the calibrated model: a logistic regression of "the best item is right" on the row's
   features (`plan_etl.match.decide.FEATURES`), fitted on the training decrees' rows as a new
   decree's rows would look — each training decree scored with phrasings learned from the
   other training decrees only (nested leave-one-out), plus copies damaged like OCR output;
3. the thresholds (`Settings`): matched probability, review score, repeat score, least lead
   over the runner-up, chosen on
   the same training rows by one rule — fewest wrong `matched` (on the rows and their
   OCR-damaged copies), then most rows right with no review, then most right, then the most
   conservative thresholds.

The left-out decree is then scored with the fold's phrasings and decided with the fold's model
and thresholds. Leave-one-style-out holds out a decree together with every decree sharing its
section titles (a region that copied another's plan teaches the fold nothing honest).

    python bench/eval_match.py                  (or: make eval-match)
    python bench/eval_match.py --write          also write the fit on all decrees to
                                                src/plan_etl/data/{learned,calibration}.json
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Sequence
from dataclasses import astuple, dataclass, replace
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from plan_etl.assemble import LogicalRow
from plan_etl.match import ScoredDocument, Settings, score_document
from plan_etl.match.decide import FEATURES
from plan_etl.match.index import learned_from
from plan_etl.match.learned import learn

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
GOLD_DIRS = (DATA / "gold", DATA / "dev" / "gold", DATA / "dev2" / "gold")
OUT = ROOT / "src" / "plan_etl" / "data"

GRID = {
    "matched_probability": (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99),
    "review_score": (55.0, 60.0, 65.0, 70.0),
    "repeat_score": (70.0, 80.0, 90.0, 101.0),
    "matched_margin": (0.0, 5.0, 10.0),
}
# Two decrees share a style when this share of their section titles is the same.
STYLE_OVERLAP = 0.5

# OCR-like confusions for the damaged copies: one per copy, on every third word.
OCR_CONFUSIONS = (("и", "н"), ("щ", "ш"), ("о", "0"), ("-", ""), ("е", "с"))
DAMAGED_COPIES = 2


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
    rows: list[LogicalRow]
    gold_rows: list[dict]
    gold: list[str | None]  # catalogue ids, row by row
    heading: tuple[str | None, str | None]  # issuer, act type
    titles: frozenset[str]  # its section titles, lower-cased


def gold_rows(path: Path) -> tuple[list[LogicalRow], dict]:
    data = json.loads(path.read_text())
    rows = [
        LogicalRow(r["number"], r["section"], r["section_title"], r.get("subsection"),
                   {"activity": [r["activity"]]})
        for r in data["rows"]
    ]  # fmt: skip
    return rows, data


def load_decrees() -> list[Decree]:
    out = []
    for path in sorted(p for d in GOLD_DIRS for p in d.glob("*.json")):
        rows, data = gold_rows(path)
        doc = data["document"]
        titles = frozenset((r["section_title"] or "").lower() for r in data["rows"])
        gold = [r["catalogue_id"] for r in data["rows"]]
        heading = (doc.get("issuer"), doc.get("act_type"))
        out.append(Decree(path.stem, rows, data["rows"], gold, heading, titles - {""}))
    return out


def same_style(a: Decree, b: Decree) -> bool:
    shared = len(a.titles & b.titles)
    return shared >= STYLE_OVERLAP * min(len(a.titles), len(b.titles), key=lambda n: n or 1)


@dataclass(frozen=True)
class Scored:
    """A decree scored as a new one would be (phrasings learned without it), and copies."""

    decree: Decree
    clean: ScoredDocument
    copies: list[ScoredDocument]


def score(decree: Decree, teachers: Sequence[Decree], copies: int = DAMAGED_COPIES) -> Scored:
    """`decree` scored with the phrasings the `teachers` teach (and its OCR-damaged copies)."""
    with learned_from(learn(r for t in teachers for r in t.gold_rows)):
        clean = score_document(decree.rows, *decree.heading)
        damaged_copies = [score_document(damaged(decree.rows, n), *decree.heading)
                          for n in range(copies)]  # fmt: skip
    return Scored(decree, clean, damaged_copies)


def labels(decree: Decree, scored: ScoredDocument) -> np.ndarray:
    """Per row: whether its best item is the gold one."""
    from plan_etl.match.index import _index

    ids = _index().ids
    pairs = zip(decree.gold, scored.choices, strict=True)
    return np.array([g is not None and ids[c.best] == g for g, c in pairs])


PROVISIONAL = Settings(weights=(0.0,) * len(FEATURES), intercept=0.0, matched_probability=1.0,
                       review_score=70.0, repeat_score=70.0)  # fmt: skip


def fit_model(training: Sequence[Scored]) -> tuple[tuple[float, ...], float]:
    """The logistic regression of "best item right" on the features of the training rows."""
    x, y = [], []
    for s in training:
        for doc in (s.clean, *s.copies):
            x.extend(c.features(PROVISIONAL) for c in doc.choices)
            y.extend(labels(s.decree, doc).tolist())
    model = LogisticRegression(C=1.0, max_iter=1000).fit(np.array(x), np.array(y))
    return tuple(float(w) for w in model.coef_[0]), float(model.intercept_[0])


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
        return (-self.wrong_matched - self.wrong_damaged, self.automatic, self.right)


def count(s: Scored, settings: Settings) -> Counts:
    results = s.clean.decide(settings).results
    c = Counts(rows=len(results))
    for copy in s.copies:
        pairs = zip(s.decree.gold, copy.decide(settings).results, strict=True)
        c.wrong_damaged += sum(r.status == "matched" and r.catalogue_id != g for g, r in pairs)
    for want, got in zip(s.decree.gold, results, strict=True):
        right = got.catalogue_id == want
        c.right += right
        c.automatic += right and got.status == ("matched" if want else "unmatched")
        c.review += got.status == "review"
        c.wrong_matched += got.status == "matched" and not right
    return c


def fit_settings(training: Sequence[Scored]) -> Settings:
    """The model and the thresholds the rule chooses on the training rows."""
    weights, intercept = fit_model(training)

    def rank(values: tuple[float, ...]) -> tuple:
        s = Settings(weights, intercept, *values)
        total = sum((count(t, s) for t in training), Counts())
        return (*total.key(), values[0], values[3], values[2])

    best = max(itertools.product(*GRID.values()), key=rank)
    return Settings(weights, intercept, *best)


def fold(test: Decree, train: Sequence[Decree]) -> tuple[Settings, Counts]:
    """Fit everything on `train` (nested: each training decree scored with phrasings from
    the other training decrees) and count `test` scored with phrasings from all of `train`."""
    training = [score(d, [t for t in train if t is not d]) for d in train]
    settings = fit_settings(training)
    return settings, count(score(test, train), settings)


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    —"


def line(name: str, c: Counts, note: str = "") -> str:
    return (
        f"| {name:<22} | {c.rows:4} | {percent(c.right, c.rows)} | {percent(c.automatic, c.rows)}"
        f" | {percent(c.review, c.rows)} | {c.wrong_matched:5} | {c.wrong_damaged:5} | {note} |"
    )


def table(title: str, results: list[tuple[str, Counts, str]]) -> Counts:
    print(f"\n### {title}\n")
    print("| left-out decree | rows | top-1 | right & matched | review | wrong matched |"
          " wrong matched, OCR-damaged copies | held out with it / fitted p |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for name, c, note in results:
        print(line(name, c, note))
    total = sum((c for _, c, _ in results), Counts())
    print(line("**total**", total))
    return total


def write(decrees: list[Decree]) -> Settings:
    """Fit on all decrees and write what the product ships."""
    training = [score(d, [t for t in decrees if t is not d]) for d in decrees]
    settings = fit_settings(training)
    phrasings = learn(r for d in decrees for r in d.gold_rows)
    (OUT / "learned.json").write_text(
        json.dumps({"source": "bench/eval_match.py --write: the activities of the labelled "
                    "decrees' gold rows, by catalogue id", "phrasings": phrasings},
                   ensure_ascii=False, indent=1) + "\n", encoding="utf-8")  # fmt: skip
    calibration = {
        "source": "bench/eval_match.py --write: fitted on all labelled decrees",
        "features": list(FEATURES),
        "weights": [round(w, 4) for w in settings.weights],
        "intercept": round(settings.intercept, 4),
        "matched_probability": settings.matched_probability,
        "review_score": settings.review_score,
        "repeat_score": settings.repeat_score,
        "matched_margin": settings.matched_margin,
    }
    (OUT / "calibration.json").write_text(json.dumps(calibration, indent=1) + "\n")
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the fit on all decrees")
    parser.add_argument("--no-style", action="store_true", help="skip leave-one-style-out")
    args = parser.parse_args()
    decrees = load_decrees()
    results = []
    for d in decrees:
        settings, c = fold(d, [t for t in decrees if t is not d])
        results.append((d.name, c, f"p ≥ {settings.matched_probability}"))
    table("Leave one decree out", results)
    if not args.no_style:
        results = []
        for d in decrees:
            held = [t for t in decrees if t is d or same_style(d, t)]
            settings, c = fold(d, [t for t in decrees if t not in held])
            names = ", ".join(t.name for t in held if t is not d) or "—"
            results.append((d.name, c, f"{names} / p ≥ {settings.matched_probability}"))
        table("Leave one style out", results)
    if args.write:
        s = write(decrees)
        print(f"\nwritten: learned.json, calibration.json (p ≥ {s.matched_probability}, "
              f"review {s.review_score}, repeat {s.repeat_score})")  # fmt: skip


if __name__ == "__main__":
    main()
