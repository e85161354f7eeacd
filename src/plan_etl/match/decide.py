"""Statuses from scores: per document, with the thresholds of `Settings`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Literal

import numpy as np

from plan_etl.assemble import LogicalRow
from plan_etl.catalogue import catalogue
from plan_etl.match.headings import _TITLE_NAMES, _TITLES, _Query
from plan_etl.match.index import _Index, _index
from plan_etl.match.order import decode
from plan_etl.match.scoring import _ACTION_OTHER, _score, _Scores
from plan_etl.match.text import _Text, analyze, expand_defined
from plan_etl.models import Template
from plan_etl.normalize.text import clean_text

Status = Literal["matched", "review", "unmatched"]


@dataclass(frozen=True)
class MatchResult:
    """The catalogue item of one row. For `unmatched`, `catalogue_id` is None and
    `runner_up` is the nearest item, rejected."""

    catalogue_id: str | None
    score: float
    status: Status
    runner_up: str | None = None
    runner_up_score: float = 0.0
    probability: float = 0.0  # calibrated probability that the best item is right


@dataclass(frozen=True)
class DocumentMatch:
    """The template a document follows and the match of each of its rows, in row order."""

    template: Template
    results: list[MatchResult]


# The features the calibrated model reads, in order (`_Choice.features`).
FEATURES = (
    "score",  # the row's total score for its best item, 0-1
    "margin",  # its lead over the runner-up, 0-1
    "step",  # how well its own words fit the item, 0-1
    "sure_section",  # the item's section named by a title or read from its heading's rows
    "section_lead",  # how clearly the heading's rows chose that section (1: a title named it)
    "action_fits",  # the row's action word is one the item allows
    "action_known",  # the row has an action word at all
    "contested",  # another row of the plan is on the same item
    "order",  # the order-aware reading of the plan puts the row on this item (`order.decode`)
)


@dataclass(frozen=True)
class Settings:
    """How statuses follow from a row's features: a logistic model of the probability that
    the best item is right, and the thresholds around it. Fitted by leave-one-decree-out over
    the labelled decrees (bench/eval_match.py writes the fit on all of them to
    `data/calibration.json`)."""

    weights: tuple[float, ...]  # per feature of `FEATURES`
    intercept: float
    matched_probability: float  # least probability of a `matched` row
    review_score: float  # below it, a row is a region's own item (`unmatched`)
    repeat_score: float  # a row on an item another row has keeps it (for review) above this
    matched_margin: float = 10.0  # least lead over the runner-up of a `matched` row
    # For the report's wording of a review reason: a score below this is a partial fit.
    matched_score: float = 70.0

    def probability(self, features: np.ndarray) -> np.ndarray:
        """Rows × `FEATURES` -> the probability that each row's best item is right."""
        z = features @ np.array(self.weights) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))


def _load_settings() -> Settings:
    path = resources.files("plan_etl.data").joinpath("calibration.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError("data/calibration.json was fitted on other features: re-run eval")
    return Settings(
        weights=tuple(data["weights"]),
        intercept=data["intercept"],
        matched_probability=data["matched_probability"],
        review_score=data["review_score"],
        repeat_score=data["repeat_score"],
        matched_margin=data["matched_margin"],
    )


SETTINGS = _load_settings()

# A row whose text was read by OCR with low confidence is never `matched`: its words may be
# misread in ways that land on a neighbouring item.
_LOW_OCR = "text read by OCR (low confidence)"


@dataclass(frozen=True)
class _Choice:
    """A row's best item and what its status depends on, before any threshold."""

    best: int
    second: int
    score: float
    runner_score: float
    step: float  # how well its own words fit the best item
    sure_section: bool  # its section named by a title or read from its heading's rows
    group_margin: float
    action_fits: bool
    action_known: bool
    order: bool  # the order-aware reading of the plan puts the row on it (`order.decode`)
    rival: float  # best score of another row on the same item, not as its other step (or 0)
    rival2: float  # the second-best such score (a third row on the item)
    rival_next: bool  # the best such row stands right before or after it
    low_ocr: bool

    @property
    def vouched(self) -> bool:
        """What `matched` needs whatever the probability: the item's section named by a title
        or read from at least `_GROUP_ROWS` rows of its heading (else its block or domain is a
        guess), an action the item allows, and the plan's order placing the row on it."""
        return self.sure_section and self.group_margin > -np.inf and self.action_fits and self.order

    def contested(self, settings: Settings) -> bool:
        """Another row is on the same item, and not as the other half of one item split in
        two: both next to each other and scoring at least `repeat_score` (no plan splits an
        item over three rows)."""
        third = self.rival2 >= settings.review_score
        split = (
            self.rival_next and not third and min(self.rival, self.score) >= settings.repeat_score
        )
        return self.rival >= settings.review_score and not split

    def features(self, settings: Settings) -> list[float]:
        """The row as the calibrated model reads it (`FEATURES`, in order)."""
        lead = 1.0 if self.group_margin == np.inf else max(0.0, min(self.group_margin, 20)) / 20
        return [
            self.score / 100,
            max(0.0, self.score - self.runner_score) / 100,
            self.step / 100,
            float(self.sure_section),
            lead,
            float(self.action_fits),
            float(self.action_known),
            float(self.contested(settings)),
            float(self.order),
        ]


# How many of the best rows per item and action `_rivals` keeps: a row's two best rivals are
# among the three best of its own action and of the rows with none (itself may be one).
_KEEP = 3


def _rivals(
    best: np.ndarray, score: np.ndarray, texts: Sequence[_Text], scopes: Sequence[object]
) -> np.ndarray:
    """Rows × 3: the best and second-best scores of other rows on the same item in the same
    scope (a sub-heading: a plan that repeats the life-situation steps under one sub-heading
    per situation names each item once per situation) that are not its other step (0 when
    there is none), and whether the best of them stands next to it. Two rows with different
    known actions (forming, then approving) are one item's two steps; the same action, or an
    unknown one, says the item again. Linear in the rows: only the `_KEEP` best rows of each
    (scope, item, action) are candidates."""
    tops: dict[tuple, list[tuple[float, int]]] = {}
    for row, (item, value, text, scope) in enumerate(zip(best, score, texts, scopes, strict=True)):
        for action in (text.action, "*"):  # "*": every row of the item, whatever its action
            kept = tops.setdefault((scope, int(item), action), [])
            kept.append((-float(value), row))
            kept.sort()
            del kept[_KEEP:]
    out = np.zeros((len(best), 3))
    for row, (item, text, scope) in enumerate(zip(best, texts, scopes, strict=True)):
        groups = ["*"] if text.action is None else [text.action, None]
        found = sorted({c for g in groups for c in tops.get((scope, int(item), g), [])})
        others = [(-neg, other) for neg, other in found if other != row][:2]
        for k, (value, _) in enumerate(others):
            out[row, k] = value
        if others:
            out[row, 2] = abs(others[0][1] - row) == 1
    return out


# A row's item is the one the order-aware reading places it on when that scores within this
# many points of its best: a row worded its own way is placed by its neighbours.
_ORDER_SWAP = 5.0


def _placed_by_order(
    total: np.ndarray, best: np.ndarray, second: np.ndarray, placed: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Best and runner-up items, the order's placement first where it nearly ties."""
    n = np.arange(len(total))
    near = (placed >= 0) & (placed != best)
    near &= total[n, np.maximum(placed, 0)] >= total[n, best] - _ORDER_SWAP
    return np.where(near, placed, best), np.where(near, best, second)


def _top_two(total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the best column and the next one, the first of equals first (as a stable sort
    of the scores, descending, would order them; two `argmax` are cheaper than a sort)."""
    best = total.argmax(axis=1)
    rest = total.copy()
    rest[np.arange(len(total)), best] = -np.inf
    return best, rest.argmax(axis=1)


def _choices(
    idx: _Index, scores: _Scores, allowed: np.ndarray, rows: Sequence, texts: Sequence[_Text]
) -> list[_Choice]:
    """Each row's best item among the `allowed` ones, with what its status depends on. A plan
    names each template item once, or in two rows with different actions (forming it and
    approving it): a row whose item a better row already has with the same action, or whose
    own action is unknown, is most likely the region's own addition."""
    total = np.where(allowed, scores.total, -1.0).round(1)
    n = np.arange(len(total))
    best, second = _top_two(total)
    placed = decode(total, idx.item_section)
    best, second = _placed_by_order(total, best, second, placed)
    score = total[n, best]
    scopes = [getattr(row, "subsection_title", None) for row in rows]
    rivals = _rivals(best, score, texts, scopes)
    sure = np.isin(scores.sources, [*_TITLES, "rows"]) & (scores.section[n, best] == _TITLE_NAMES)
    fits = scores.action[n, best] != _ACTION_OTHER
    order = placed == best
    return [
        _Choice(
            best=int(best[r]),
            second=int(second[r]),
            score=float(score[r]),
            runner_score=float(total[r, second[r]]),
            step=float(scores.step[r, best[r]]),
            sure_section=bool(sure[r]),
            group_margin=float(scores.group_margin[r]),
            action_fits=bool(fits[r]),
            action_known=texts[r].action is not None,
            order=bool(order[r]),
            rival=float(rivals[r, 0]),
            rival2=float(rivals[r, 1]),
            rival_next=bool(rivals[r, 2]),
            low_ocr=_low_ocr(row),
        )
        for r, row in enumerate(rows)
    ]


def _low_ocr(row: LogicalRow) -> bool:
    return any(w.startswith(_LOW_OCR) for w in row.warnings)


def _decide(idx: _Index, choices: Sequence[_Choice], settings: Settings) -> list[MatchResult]:
    """The status of each row's best item.

    `matched` needs the calibrated probability that the item is right (`Settings.probability`
    over the row's features: score, lead, section evidence, action, order) of at least
    `matched_probability`, a lead of `matched_margin` over the runner-up (two items that close
    are a choice a person should see), what `_Choice.vouched` asks (a sure section, an allowed
    action, the order's placement), an item no other row of the plan contests, and text not read
    by a doubtful OCR. A row below `review_score` is a region's own item. Two rows on one item
    (not its forming and approving) contest it unless they stand next to each other and both
    score at least `repeat_score` (a plan may split one item: «порядок ведения реестра
    утвержден», «реестры утверждены»): neither is `matched`, and the weaker one's best guess is
    no item (a region's own row beside the template item), for a person to check."""
    if not choices:
        return []
    probability = settings.probability(np.array([c.features(settings) for c in choices]))
    out = []
    for c, p in zip(choices, probability.tolist(), strict=True):
        contested = c.contested(settings)
        repeated = contested and (c.rival > c.score or c.rival2 >= settings.review_score)
        lead = c.score - c.runner_score >= settings.matched_margin
        confident = p >= settings.matched_probability and lead and c.vouched and not contested
        confident = confident and not c.low_ocr
        best, second = idx.ids[c.best], idx.ids[c.second]
        if c.score < settings.review_score:
            out.append(MatchResult(None, c.score, "unmatched", best, c.score, p))
        elif repeated:
            out.append(MatchResult(None, c.score, "review", best, c.score, p))
        else:
            status: Status = "matched" if confident else "review"
            out.append(MatchResult(best, c.score, status, second, c.runner_score, p))
    return out


def _query(row: LogicalRow, defined: Mapping[str, str] | None = None) -> _Query:
    text = expand_defined(row.text("activity"), defined)
    return _Query(analyze(text), row.section_title, row.subsection_title)


@dataclass(frozen=True)
class ScoredDocument:
    """A document scored once, to be decided under any `Settings` (calibration needs that)."""

    template: Template
    template_source: str  # "heading" (issuer, act type) or "rows"
    choices: list[_Choice]
    sections: list[str]  # per row: the section its heading was read as, and from what

    def decide(self, settings: Settings = SETTINGS) -> DocumentMatch:
        return DocumentMatch(self.template, _decide(_index(), self.choices, settings))


def score_document(
    rows: Sequence[LogicalRow],
    issuer: str | None = None,
    act_type: str | None = None,
    abbreviations: Mapping[str, str] | None = None,
) -> ScoredDocument:
    """Score a document's rows; the template comes from the decree's heading (`issuer`,
    `act_type`) when it names one, else from the rows. `abbreviations` are the ones the
    decree defines («… (далее – ИОГВ)»), written out before the rows are read."""
    idx = _index()
    heading = catalogue().issuers.template(issuer, act_type)
    queries = [_query(r, abbreviations) for r in rows]
    scores, template = _score(queries, heading)
    choices = _choices(idx, scores, idx.templates[template], rows, [q.activity for q in queries])
    sections = [
        f"{idx.section_ids[idx.item_section[c.best]]} (from {source})"
        for c, source in zip(choices, scores.sources, strict=True)
    ]
    return ScoredDocument(template, "heading" if heading else "rows", choices, sections)


def explain_document(
    rows: Sequence[LogicalRow], issuer: str | None = None, act_type: str | None = None
) -> list[str]:
    """One line for the document's template and one per row (number, status, item, score,
    runner-up, the section its heading was read as): why the matcher decided as it did."""
    scored = score_document(rows, issuer, act_type)
    lines = [f"template {scored.template} (from the {scored.template_source})"]
    results = scored.decide().results
    for row, result, section in zip(rows, results, scored.sections, strict=True):
        lines.append(
            f"{row.item_number:<8} {result.status:<9} {result.catalogue_id or '—':<36} "
            f"{result.score:5.1f}  runner-up {result.runner_up} {result.runner_up_score:.1f}; "
            f"section {section}"
        )
    return lines


def match_document(
    rows: Sequence[LogicalRow],
    issuer: str | None = None,
    act_type: str | None = None,
    settings: Settings = SETTINGS,
    abbreviations: Mapping[str, str] | None = None,
) -> DocumentMatch:
    """The template of a document and the catalogue item of each of its rows."""
    return score_document(rows, issuer, act_type, abbreviations).decide(settings)


def _reason(idx: _Index, scores: _Scores, item: int, action: str | None) -> str:
    if action is None:
        verb = "no action word"
    else:
        fits = action in idx.allows and idx.allows[action][item]
        verb = f"action {action} {'fits' if fits else 'differs'}"
    return (
        f"section {idx.section_ids[idx.item_section[item]]} {scores.section[0, item]:.0f} "
        f"(from {scores.sources[0]}), step {scores.step[0, item]:.0f}, {verb}"
    )


def explain(
    activity: str, section: str | None = None, subsection: str | None = None, top: int = 5
) -> list[tuple[str, float, str]]:
    """The `top` candidate items of one row (id, score, why), best first, among the items of
    both templates: what the CLI shows a person judging a row."""
    idx = _index()
    query = _Query(
        analyze(clean_text(activity)), clean_text(section) or None, clean_text(subsection) or None
    )
    scores, _ = _score([query], None)
    order = np.argsort(-scores.total[0], kind="stable")[:top]
    reasons = [_reason(idx, scores, i, query.activity.action) for i in order]
    return [
        (idx.ids[i], round(float(scores.total[0, i]), 1), r)
        for i, r in zip(order, reasons, strict=True)
    ]
