"""Statuses from scores: per document, with the thresholds of `Settings`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from plan_etl.assemble import LogicalRow
from plan_etl.catalogue import catalogue
from plan_etl.match.headings import _TITLE_NAMES, _TITLES, _Query
from plan_etl.match.index import _Index, _index
from plan_etl.match.scoring import _ACTION_OTHER, _score, _Scores
from plan_etl.match.text import _Text, analyze
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


@dataclass(frozen=True)
class DocumentMatch:
    """The template a document follows and the match of each of its rows, in row order."""

    template: Template
    results: list[MatchResult]


@dataclass(frozen=True)
class Settings:
    """The decision thresholds (see `_decide`), chosen by leave-one-decree-out over the
    labelled decrees (bench/eval_match.py)."""

    matched_score: float  # least score of a `matched` row
    matched_margin: float  # least lead over the runner-up of a `matched` row
    review_score: float  # below it, a row is a region's own item (`unmatched`)
    group_margin: float  # least lead of the section a heading's rows chose, for `matched`
    repeat_score: float  # a row on an item another row has keeps it (for review) above this


# Chosen by `python bench/eval_match.py` on all ten labelled decrees (the procedure each
# leave-one-out fold runs on nine): see the README's matching section.
SETTINGS = Settings(
    matched_score=70.0, matched_margin=10.0, review_score=70.0, group_margin=0.0, repeat_score=80.0
)

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
    sure_section: bool  # its section named by a title or read from its heading's rows
    group_margin: float
    action_fits: bool
    rival: float  # best score of another row on the same item, not as its other step (or 0)
    rival2: float  # the second-best such score (a third row on the item)
    rival_next: bool  # the best such row stands right before or after it
    low_ocr: bool


def _rivals(best: np.ndarray, score: np.ndarray, texts: Sequence[_Text]) -> np.ndarray:
    """Rows × 3: the best and second-best scores of other rows on the same item that are not
    its other step (0 when there is none), and whether the best of them stands next to it.
    Two rows with different known actions (forming, then approving) are one item's two steps;
    the same action, or an unknown one, says the item again."""
    lemmas = {a: n for n, a in enumerate(sorted({t.action for t in texts if t.action}))}
    acts = np.array([lemmas.get(t.action, -1) for t in texts], dtype=int)
    out = np.zeros((len(best), 3))
    for item in np.flatnonzero(np.bincount(best) >= 2):  # items more than one row is on
        rows = np.flatnonzero(best == item)
        a = acts[rows]
        again = (a[:, None] == a[None, :]) | (a[:, None] < 0) | (a[None, :] < 0)
        np.fill_diagonal(again, False)
        rival = np.where(again, score[rows][None, :], 0.0)
        order = np.argsort(-rival, axis=1, kind="stable")
        top = np.take_along_axis(rival, order, axis=1)
        out[rows, : min(2, len(rows))] = top[:, :2]
        out[rows, 2] = np.abs(rows[order[:, 0]] - rows) == 1
    return out


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
    """Each row's best item among the `allowed` ones. A plan names each template item once,
    or in two rows with different actions (forming it and approving it): a row whose item a
    better row already has with the same action, or whose own action is unknown, is most
    likely the region's own addition."""
    total = np.where(allowed, scores.total, -1.0).round(1)
    n = np.arange(len(total))
    best, second = _top_two(total)
    score = total[n, best]
    rivals = _rivals(best, score, texts)
    sure = np.isin(scores.sources, [*_TITLES, "rows"]) & (scores.section[n, best] == _TITLE_NAMES)
    fits = scores.action[n, best] != _ACTION_OTHER
    columns = zip(
        best.tolist(),
        second.tolist(),
        score.tolist(),
        total[n, second].tolist(),
        sure.tolist(),
        scores.group_margin.tolist(),
        fits.tolist(),
        rivals.tolist(),
        rows,
        strict=True,
    )
    return [
        _Choice(b, s, sc, runner, su, margin, fit, rival, rival2, bool(near), _low_ocr(row))
        for b, s, sc, runner, su, margin, fit, (rival, rival2, near), row in columns
    ]


def _low_ocr(row: LogicalRow) -> bool:
    return any(w.startswith(_LOW_OCR) for w in row.warnings)


def _decide(idx: _Index, choices: Sequence[_Choice], settings: Settings) -> list[MatchResult]:
    """The status of each row's best item.

    `matched` needs, besides score and lead, the item's section named by a title or read from
    the rows of its heading with a clear lead (without either, the block or domain is a
    guess: «Проведена сегментация внутренних клиентов» is internal or internal_it by its
    subsection only), a row action the item allows («Утвержден» for a «Проведение
    реинжиниринга» item says something else), an item no other row of the plan contests, and
    text not read by a doubtful OCR. A row below `review_score` is a region's own item. Two
    rows on one item (not its forming and approving) contest it unless they stand next to each
    other and both score at least `repeat_score` (a plan may split one item: «порядок ведения
    реестра утвержден», «реестры утверждены»): neither is `matched`, and the weaker one's best
    guess is no item (a region's own row beside the template item), for a person to check."""
    out = []
    for c in choices:
        # another row on the same item, and not as the other half of one item split in two
        # (no plan splits an item over three rows)
        third = c.rival2 >= settings.review_score
        split = c.rival_next and not third and min(c.rival, c.score) >= settings.repeat_score
        contested = c.rival >= settings.review_score and not split
        repeated = contested and (c.rival > c.score or third)
        confident = (
            c.score >= settings.matched_score
            and c.score - c.runner_score >= settings.matched_margin
            and c.sure_section
            and c.group_margin >= settings.group_margin
            and c.action_fits
            and not contested
            and not c.low_ocr
        )
        best, second = idx.ids[c.best], idx.ids[c.second]
        if c.score < settings.review_score:
            out.append(MatchResult(None, c.score, "unmatched", best, c.score))
        elif repeated:
            out.append(MatchResult(None, c.score, "review", best, c.score))
        else:
            status: Status = "matched" if confident else "review"
            out.append(MatchResult(best, c.score, status, second, c.runner_score))
    return out


def _query(row: LogicalRow) -> _Query:
    return _Query(analyze(row.text("activity")), row.section_title, row.subsection_title)


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
    rows: Sequence[LogicalRow], issuer: str | None = None, act_type: str | None = None
) -> ScoredDocument:
    """Score a document's rows; the template comes from the decree's heading (`issuer`,
    `act_type`) when it names one, else from the rows."""
    idx = _index()
    heading = catalogue().issuers.template(issuer, act_type)
    queries = [_query(r) for r in rows]
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
) -> DocumentMatch:
    """The template of a document and the catalogue item of each of its rows."""
    return score_document(rows, issuer, act_type).decide(settings)


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
