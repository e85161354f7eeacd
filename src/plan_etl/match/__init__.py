"""Map plan rows to the federal template items of the catalogue (`data/catalogue.toml`).

Plans reword every item («Назначение ответственного…», «Назначен ответственный…», «Во всех
ОИВ СО назначен ответственный…»), repeat the same seven process steps in ten domains and name
the domain only in a section or subsection title. The matcher's knowledge is of three kinds,
kept apart: the template (items, blocks, domains, allowed actions, order: the catalogue
file), general language (`text`: lemmas by pymorphy3, the grammar of actions — a predicate
form, verb-last rows, a plan as the means of a doing action — and abbreviations the decree
defines), and phrasings learned by code from labelled rows (`learned`; refit inside every
leave-one-decree-out fold by bench/eval_match.py, shipped in `data/learned.json`).

A row is scored against every item (`scoring`): section (`W_SECTION`: the section its titles
name, or its heading's rows read together with the plan's order of sections, `headings`),
step (`W_STEP`: a cosine over the item's phrasings, each word weighted by its rarity among the
catalogue wordings of the item's section) and action (`W_ACTION`: the row's action is one the
item allows). The plan is then decoded against the template's item order (`order`: a Viterbi
pass with the region's own rows as insertions), contests between rows on one item are found
(`decide._rivals`, per sub-heading, linear in rows), and each row's status follows from a
calibrated probability that its best item is right (`Settings.probability`, a logistic model
over the row's features fitted by leave-one-decree-out, `data/calibration.json`):
- `matched`: probability and lead over the runner-up above the fitted thresholds, a section
  named by a title or read from enough rows, an allowed action, the order's placement, no
  contest, no doubtful OCR;
- `unmatched` (no catalogue id): score < `review_score`, the row is a region's own item;
- `review` otherwise: the id (or, beside a stronger row on the same item, none) is the best
  guess with the runner-up beside it; a person should look.
"""

from plan_etl.match.decide import (
    SETTINGS,
    DocumentMatch,
    MatchResult,
    ScoredDocument,
    Settings,
    explain,
    explain_document,
    match_document,
    score_document,
)
from plan_etl.match.text import analyze

__all__ = [
    "SETTINGS",
    "DocumentMatch",
    "MatchResult",
    "ScoredDocument",
    "Settings",
    "analyze",
    "explain",
    "explain_document",
    "match_document",
    "score_document",
    "warm_matcher",
]


def warm_matcher() -> None:
    """Build the matcher's index (catalogue, learned phrasings, the dictionary) now: a
    process about to fork workers does it once for all of them."""
    from plan_etl.match.index import _index

    _index()
    analyze("Утверждение")
