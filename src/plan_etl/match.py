"""Map plan rows to the federal template items of the catalogue (`data/catalogue.toml`).

Plans reword every item («Назначение ответственного…», «Назначен ответственный…», «Во всех
ОИВ СО назначен ответственный…»), repeat the same seven process steps in ten domains and name
the domain only in a section or subsection title, so no single string similarity to the
catalogue wordings separates right from wrong («Разработка плана…» and «Утверждение плана…»
score ≈ 91 on token_set_ratio). A row is scored against every item by three features, each
0–100, and their weighted sum is the match score:

- section (`W_SECTION`): the section the row stands in, named by marker phrases of its
  subsection title, else of its section title, else (weaker evidence) of its own words. It
  decides the block and the domain: «Кадровый блок» → hr, «Координация исполнения мероприятий
  кадрового блока» → hr_coord, «…внутренним клиентом по вопросам ведения бухгалтерского учета»
  → internal_accounting.
- step (`W_STEP`): what the row does to what (its first action word and its other words)
  against the item's phrasings, as a cosine in which each word is weighted by how rare it is
  among the items of the item's own section. Words all items of a section share (the domain
  phrase «взаимодействия с внутренним клиентом…») count for almost nothing; the words that tell
  the steps apart («сегментации», «удовлетворенности», «порядка ведения», «Утверждение» against
  «Формирование») decide. A row word no item of the section has counts against the match.
- action (`W_ACTION`): whether the row's first action word is one the item allows.

Words are compared after expanding abbreviations (ОИВ, ИОГВ), dropping stop words, noise words
(the region, its executive bodies) and the region's name, mapping the closed set of action
words to one lemma each («Утвержден», «Утвердить», «Утверждение» → утверждение; table in the
data file) and stemming the rest (Snowball). A word the catalogue does not know is snapped to a
catalogue word it nearly equals (rapidfuzz ratio ≥ `_SNAP_CUTOFF`: typos, stems Snowball splits).
All rows of a document are scored at once with numpy matrix products.

The document's template (region or agency plan) is the one whose items explain its rows best:
the larger sum over rows of the best score among the items that template's plans hold. Rows
are then matched among that template's items only.

Statuses (thresholds calibrated on the five seed decrees and on the reworded and non-template
rows of tests/test_match.py; see `_decide`):
- `matched`: score ≥ `MATCHED_SCORE`, a lead of ≥ `MATCHED_MARGIN` over the runner-up, the
  item's section named by a section or subsection title, and a row action the item allows;
- `unmatched` (no catalogue id): score < `REVIEW_SCORE`, the row is a region's own item;
- `review` otherwise: the id is the best guess, a person should look.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal

import numpy as np
import snowballstemmer
from rapidfuzz import fuzz, process

from plan_etl.assemble import LogicalRow
from plan_etl.catalogue import Catalogue, catalogue
from plan_etl.models import Template
from plan_etl.normalize.text import clean_text

W_SECTION, W_STEP, W_ACTION = 0.30, 0.55, 0.15
# Calibration: the seeds' 263 rows score ≥ 85.3 and lead their runner-up by ≥ 19.5; the
# reworded rows of the tests score ≥ 84.7 with leads ≥ 12.7; a region's own rows under template
# sections score ≤ 62.7 (section and action alone give 45). With seed rows losing words at
# random (20 / 35 / 50 %), these thresholds let 0 / 2 / 2 of 789 rows through as a wrong
# `matched`; the rest of the damaged rows go to review.
MATCHED_SCORE = 80.0
MATCHED_MARGIN = 10.0
REVIEW_SCORE = 65.0

# Section feature values: a section a title names, one it does not; the same when only the
# row's own words name one (weaker: coord rows name process domains too); none named at all.
_TITLE_NAMES, _TITLE_OTHER = 100.0, 0.0
_ROW_NAMES, _ROW_OTHER = 75.0, 40.0
_NO_SECTION = 50.0
_TITLES = ("subsection", "section")  # where a section is read from, most specific first
# Action feature values: the item allows the row's action; the row has no action word; it
# has one the item does not allow.
_ACTION_FITS, _ACTION_NONE, _ACTION_OTHER = 100.0, 60.0, 0.0
# Weight, in the step cosine, of a row word that no item of a section has.
_UNEXPLAINED = 1.0
# An unknown word of at least `_SNAP_MIN` letters is read as the catalogue word it matches
# with a rapidfuzz ratio of at least `_SNAP_CUTOFF`.
_SNAP_CUTOFF, _SNAP_MIN = 88.0, 6

_WORD = re.compile(r"[a-zа-я]+")  # numbers («не менее 1», «10%») tell no item from another
# A region's own name («Курской области», «Республики Дагестан», «Чувашская Республика»): in
# almost every row, it says nothing about the item. Found before lower-casing, by its capital.
_REGION_NAME = re.compile(
    r"\b[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?(?:ой|ого|ому|ом|ая|ую|ий|ей|им)\s+"
    r"(?:автономн[а-яё]+\s+)?(?:област|кра[йяюе]|округ)[а-яё]*"
    r"|\b[Рр]еспублик[а-яё]*\s+[А-ЯЁ][а-яё-]+|\b[А-ЯЁ][а-яё]+(?:ая|ой|ую)\s+Республик[а-яё]*"
)

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


# --- text ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Text:
    actions: tuple[str, ...]  # action lemmas in reading order
    words: tuple[str, ...]  # stems of the other words

    @property
    def action(self) -> str | None:
        """The row's action: the first action word (later ones are usually part of the
        object: «…утвержден порядок его ведения»)."""
        return self.actions[0] if self.actions else None


@cache
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("russian")


@cache
def _stem(word: str) -> str:
    return _stemmer().stemWord(catalogue().vocabulary.lemmas.get(word, word))


@cache
def _noise_stems() -> frozenset[str]:
    return frozenset(_stem(w) for w in catalogue().vocabulary.noise)


def analyze(text: str | None) -> _Text:
    """A cleaned text (`clean_text`) as the matcher compares it: action lemmas apart, the
    other words stemmed; abbreviations expanded; stop words, noise words, the region's name
    dropped."""
    vocab = catalogue().vocabulary
    tokens: list[str] = []
    for token in _WORD.findall(_REGION_NAME.sub(" ", text or "").lower().replace("ё", "е")):
        expansion = vocab.abbreviations.get(token)
        tokens.extend(_WORD.findall(expansion) if expansion else [token])
    actions = [vocab.actions[t] for t in tokens if t in vocab.actions]
    stems = (_stem(t) for t in tokens if t not in vocab.actions and t not in vocab.stopwords)
    return _Text(tuple(actions), tuple(w for w in stems if w not in _noise_stems()))


def _action_term(action: str) -> str:
    return f"@{action}"  # an action in the step vocabulary, apart from any word


# --- the compiled catalogue ------------------------------------------------------------------


@dataclass(frozen=True)
class _Index:
    """The catalogue in the shape the scorer needs, built once.

    Every phrasing of an item (wording, synonyms) is one step variant; variants are grouped
    by item, in item order (`item_start` for `np.maximum.reduceat`)."""

    ids: list[str]
    templates: dict[str, np.ndarray]  # template -> bool mask of the items its plans hold
    item_section: np.ndarray  # item -> section index
    item_start: np.ndarray  # item -> its first variant
    allows: dict[str, np.ndarray]  # action lemma -> bool mask of the items allowing it
    section_ids: list[str]
    markers: list[list[frozenset[str]]]  # per section, each marker's stems
    parent: np.ndarray  # section -> parent section index, or -1
    vocab: dict[str, int]  # step term -> column
    words: list[str]  # the vocabulary's words (no action terms), for snapping
    section_weight2: np.ndarray  # section × term: squared term weights
    variant_section: np.ndarray  # variant -> section index
    variant_vectors: np.ndarray  # variant × term: squared weights of its terms
    variant_norm2: np.ndarray


def _section_weights(presence: np.ndarray, item_section: np.ndarray, n_sections: int) -> np.ndarray:
    """Per section, the weight of each term: log((n+1)/df) over the section's n items, so a
    term all of them share weighs almost nothing and a term of one item weighs most; a term
    none of them has is an unexplained word."""
    weights = np.full((n_sections, presence.shape[1]), _UNEXPLAINED)
    for s in range(n_sections):
        members = presence[item_section == s]
        df = members.sum(axis=0)
        weights[s] = np.where(df > 0, np.log((len(members) + 1) / np.maximum(df, 1)), _UNEXPLAINED)
    return weights


def _variants(cat: Catalogue) -> list[tuple[int, set[str]]]:
    """(item, step terms) of every phrasing, grouped by item. A phrasing's action term is
    its own first action, not every action the item allows: allowing an action is the action
    feature's business, while the step keeps an action as telling as any rare word."""
    out = []
    for i, entry in enumerate(cat.entries):
        for phrasing in entry.phrasings:
            text = analyze(phrasing)
            out.append((i, {*text.words, *(_action_term(a) for a in text.actions[:1])}))
    return out


def _build(cat: Catalogue) -> _Index:
    section_ids = [s.id for s in cat.sections]
    where = {sid: i for i, sid in enumerate(section_ids)}
    item_section = np.array([where[e.section] for e in cat.entries])
    variants = _variants(cat)
    vocab = {t: n for n, t in enumerate(sorted(set().union(*(terms for _, terms in variants))))}
    variant_item = np.array([i for i, _ in variants])
    hits = np.zeros((len(variants), len(vocab)))
    for row, (_, terms) in enumerate(variants):
        hits[row, [vocab[t] for t in terms]] = 1.0
    presence = np.zeros((len(cat.entries), len(vocab)))
    np.maximum.at(presence, variant_item, hits)
    weight2 = _section_weights(presence, item_section, len(section_ids)) ** 2
    vectors = hits * weight2[item_section[variant_item]]
    lemmas = {a for e in cat.entries for a in e.actions}
    return _Index(
        ids=[e.item.catalogue_id for e in cat.entries],
        templates={
            t: np.array([t in e.templates for e in cat.entries]) for t in ("region", "agency")
        },
        item_section=item_section,
        item_start=np.searchsorted(variant_item, np.arange(len(cat.entries))),
        allows={a: np.array([a in e.actions for e in cat.entries]) for a in lemmas},
        section_ids=section_ids,
        markers=[[frozenset(analyze(m).words) for m in s.markers] for s in cat.sections],
        parent=np.array([where[s.parent] if s.parent else -1 for s in cat.sections]),
        vocab=vocab,
        words=[t for t in vocab if not t.startswith("@")],
        section_weight2=weight2,
        variant_section=item_section[variant_item],
        variant_vectors=vectors,
        variant_norm2=vectors.sum(axis=1),
    )


@cache
def _index() -> _Index:
    return _build(catalogue())


# --- features --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Query:
    activity: _Text
    section: str | None
    subsection: str | None


def _marker_sizes(idx: _Index, words: set[str]) -> np.ndarray:
    """Per section, the word count of its largest marker found in `words`; a sub-domain adds
    its parent's when both are found (it is the more specific reading)."""
    own = np.array([max((len(m) for m in ms if m <= words), default=0) for ms in idx.markers])
    with_parent = own + np.where(idx.parent >= 0, own[idx.parent], 0)
    return np.where(own > 0, with_parent, 0)


@lru_cache(maxsize=4096)
def _title_sizes(subsection: str | None, section: str | None) -> tuple[np.ndarray, str | None]:
    """Marker sizes of the most specific title that names a section, and which title it was
    (titles repeat from row to row, so this is cached)."""
    idx = _index()
    for source, title in zip(_TITLES, (subsection, section), strict=True):
        if title and (sizes := _marker_sizes(idx, set(analyze(title).words))).max() > 0:
            return sizes, source
    return np.zeros(len(idx.markers), dtype=int), None


def _section_feature(idx: _Index, q: _Query) -> tuple[np.ndarray, str]:
    """Per section, how well the row's context names it (0–100), and where it was read."""
    sizes, source = _title_sizes(q.subsection, q.section)
    if source is None:
        sizes = _marker_sizes(idx, set(q.activity.words))
        if sizes.max() == 0:
            return np.full(len(idx.markers), _NO_SECTION), "no section named"
        return np.where(sizes == sizes.max(), _ROW_NAMES, _ROW_OTHER), "row"
    top = sizes.max()
    children = (idx.parent >= 0) & (sizes[np.maximum(idx.parent, 0)] == top)
    if children.any():  # a title naming a parent domain, a row naming a sub-domain: the latter
        sizes = np.where(children & (_marker_sizes(idx, set(q.activity.words)) > 0), top + 1, sizes)
    return np.where(sizes == sizes.max(), _TITLE_NAMES, _TITLE_OTHER), source


def _snaps(idx: _Index, texts: Sequence[_Text]) -> dict[str, str]:
    """For the words of `texts` the catalogue does not know, the catalogue word each nearly
    equals (all looked up in one `cdist` call)."""
    unknown = sorted(
        {w for t in texts for w in t.words if w not in idx.vocab and len(w) >= _SNAP_MIN}
    )
    if not unknown:
        return {}
    ratios = process.cdist(unknown, idx.words, scorer=fuzz.ratio, score_cutoff=_SNAP_CUTOFF)
    best = ratios.argmax(axis=1)
    found = ratios[np.arange(len(unknown)), best] > 0
    return {w: idx.words[b] for w, b, ok in zip(unknown, best, found, strict=True) if ok}


def _row_hits(idx: _Index, texts: Sequence[_Text]) -> tuple[np.ndarray, np.ndarray]:
    """Rows × terms presence, and per row the number of terms the catalogue lacks."""
    snaps = _snaps(idx, texts)
    hits = np.zeros((len(texts), len(idx.vocab)))
    unknown = np.zeros(len(texts))
    for row, t in enumerate(texts):
        terms = {snaps.get(w, w) for w in t.words}
        if t.action:
            terms.add(_action_term(t.action))
        known = [idx.vocab[w] for w in terms if w in idx.vocab]
        hits[row, known] = 1.0
        unknown[row] = len(terms) - len(known)
    return hits, unknown


def _step_feature(idx: _Index, texts: Sequence[_Text]) -> np.ndarray:
    """Rows × items: the best section-weighted cosine of the row to the item's variants."""
    hits, unknown = _row_hits(idx, texts)
    shared = hits @ idx.variant_vectors.T
    row_norm2 = hits @ idx.section_weight2.T + unknown[:, None] * _UNEXPLAINED**2
    denom = np.sqrt(row_norm2[:, idx.variant_section] * idx.variant_norm2[None, :])
    cosine = np.divide(shared, denom, out=np.zeros_like(shared), where=denom > 0)
    return 100.0 * np.maximum.reduceat(cosine, idx.item_start, axis=1)


def _action_feature(idx: _Index, texts: Sequence[_Text]) -> np.ndarray:
    """Rows × items: whether the row's action is one the item allows."""
    out = np.full((len(texts), len(idx.ids)), _ACTION_NONE)
    nothing = np.zeros(len(idx.ids), dtype=bool)
    for row, t in enumerate(texts):
        if t.action:
            out[row] = np.where(idx.allows.get(t.action, nothing), _ACTION_FITS, _ACTION_OTHER)
    return out


@dataclass(frozen=True)
class _Scores:
    total: np.ndarray  # rows × items
    section: np.ndarray
    step: np.ndarray
    action: np.ndarray
    sources: list[str]  # per row: where its section was read


def _score(queries: Sequence[_Query]) -> _Scores:
    idx = _index()
    texts = [q.activity for q in queries]
    by_section = [_section_feature(idx, q) for q in queries]
    section = np.array([v[idx.item_section] for v, _ in by_section]).reshape(
        len(queries), len(idx.ids)
    )
    step, action = _step_feature(idx, texts), _action_feature(idx, texts)
    total = W_SECTION * section + W_STEP * step + W_ACTION * action
    return _Scores(total, section, step, action, [source for _, source in by_section])


# --- decisions -------------------------------------------------------------------------------


def _template(idx: _Index, total: np.ndarray) -> Template:
    """The template whose items explain the rows best; region on a tie (the common one)."""
    if not len(total):
        return "region"
    fit = {t: total[:, mask].max(axis=1).sum() for t, mask in idx.templates.items()}
    return "agency" if fit["agency"] > fit["region"] else "region"


def _decide(idx: _Index, scores: _Scores, allowed: np.ndarray) -> list[MatchResult]:
    """Each row's best item among the `allowed` ones, and its status.

    Besides score and margin, `matched` needs a section or subsection title that names the
    item's section (without one the block or domain is a guess: «Проведена сегментация
    внутренних клиентов» is internal or internal_it by its subsection only) and a row action
    the item allows («Утвержден» for a «Проведение реинжиниринга» item says something else)."""
    total = np.where(allowed, scores.total, -1.0).round(1)
    rows = np.arange(len(total))
    order = np.argsort(-total, axis=1, kind="stable")
    best, second = order[:, 0], order[:, 1]
    score, runner = total[rows, best], total[rows, second]
    titled = np.array([source in _TITLES for source in scores.sources], dtype=bool)
    confident = (
        (score >= MATCHED_SCORE)
        & (score - runner >= MATCHED_MARGIN)
        & titled
        & (scores.section[rows, best] == _TITLE_NAMES)
        & (scores.action[rows, best] != _ACTION_OTHER)
    )
    return [
        MatchResult(None, float(s), "unmatched", idx.ids[b], float(s))
        if s < REVIEW_SCORE
        else MatchResult(idx.ids[b], float(s), "matched" if ok else "review", idx.ids[r], float(rs))
        for b, r, s, rs, ok in zip(best, second, score, runner, confident, strict=True)
    ]


def _query(row: LogicalRow) -> _Query:
    return _Query(analyze(row.text("activity")), row.section_title, row.subsection_title)


def match_document(rows: Sequence[LogicalRow]) -> DocumentMatch:
    """The template of a document and the catalogue item of each of its rows."""
    idx = _index()
    scores = _score([_query(r) for r in rows])
    template = _template(idx, scores.total)
    return DocumentMatch(template, _decide(idx, scores, idx.templates[template]))


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
    scores = _score([query])
    order = np.argsort(-scores.total[0], kind="stable")[:top]
    reasons = [_reason(idx, scores, i, query.activity.action) for i in order]
    return [
        (idx.ids[i], round(float(scores.total[0, i]), 1), r)
        for i, r in zip(order, reasons, strict=True)
    ]
