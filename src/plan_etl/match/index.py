"""The catalogue compiled once into the arrays the scorer multiplies."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import numpy as np
from rapidfuzz import fuzz, process

from plan_etl.catalogue import Catalogue, Section, catalogue
from plan_etl.match.learned import load_learned
from plan_etl.match.text import _action_term, analyze

Learned = Mapping[str, Sequence[str]]  # catalogue id -> phrasings learned from labelled rows

# Weight, in the step cosine, of a row word that no item of a section has.
_UNEXPLAINED = 1.0
# An unknown word of at least `_SNAP_MIN` letters is read as the known word it matches with
# a rapidfuzz ratio of at least `_SNAP_CUTOFF` (a typo, an OCR slip: «координацня»).
_SNAP_CUTOFF, _SNAP_MIN = 88.0, 6


@dataclass(frozen=True)
class Lexicon:
    """Known words, to read an unknown one (a typo, an OCR slip) as the known word it nearly
    equals; built once, so membership is a set lookup."""

    words: list[str]  # sorted: the order `cdist` ties are broken in
    members: frozenset[str]

    @classmethod
    def of(cls, words: Iterable[str]) -> Lexicon:
        ordered = sorted(set(words))
        return cls(ordered, frozenset(ordered))

    def snaps(self, words: Iterable[str], cutoff: float = _SNAP_CUTOFF) -> dict[str, str]:
        """For the words (of `_SNAP_MIN` letters or more) not known, the known word each
        matches with a ratio of at least `cutoff`, if any (all in one `cdist` call)."""
        unknown = sorted({w for w in words if w not in self.members and len(w) >= _SNAP_MIN})
        if not unknown or not self.words:
            return {}
        ratios = process.cdist(unknown, self.words, scorer=fuzz.ratio, score_cutoff=cutoff)
        best = ratios.argmax(axis=1)
        found = ratios[np.arange(len(unknown)), best] > 0
        return {w: self.words[b] for w, b, ok in zip(unknown, best, found, strict=True) if ok}


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
    marker_words: Lexicon  # every marker's stems, for snapping a title's words
    parent: np.ndarray  # section -> parent section index, or -1
    kin: np.ndarray  # section × section: one may refine the other (same, parent, same family)
    vocab: dict[str, int]  # step term -> column
    words: Lexicon  # the vocabulary's words (no action terms), for snapping a row's words
    # term × section: squared term weights; term × variant: the squared weights of each
    # variant's terms. Term-major, so a row's terms pick whole rows (`scoring._term_sums`).
    term_weight2: np.ndarray
    variant_section: np.ndarray  # variant -> section index
    term_vectors: np.ndarray
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


def _terms(phrasing: str) -> set[str]:
    """A phrasing's step terms. Its action terms are the actions it names («Определение
    (утверждение перечня)…»: both), not every action the item allows: allowing an action is
    the action feature's business, while the step keeps an action as telling as any rare
    word."""
    text = analyze(phrasing)
    return {*text.words, *map(_action_term, text.actions)}


Variant = tuple[int, set[str]]  # (item, step terms) of one phrasing


def _variants(cat: Catalogue, learned: Learned) -> tuple[list[Variant], list[Variant]]:
    """The catalogue's own phrasings, and those learned from labelled plans."""
    own = [(i, _terms(p)) for i, e in enumerate(cat.entries) for p in e.phrasings]
    where = {e.item.catalogue_id: i for i, e in enumerate(cat.entries)}
    extra = [(where[cid], _terms(p)) for cid, ps in learned.items() if cid in where for p in ps]
    return own, [(i, terms) for i, terms in extra if terms]


def _kin(a: Section, b: Section) -> bool:
    """Whether a sub-heading naming `b` may refine a section titled `a`: the same section, a
    sub-domain, or a sibling made of the same steps (hr and hr_coord; two process domains)."""
    return a.id == b.id or b.parent == a.id or (a.family is not None and a.family == b.family)


def _build(cat: Catalogue, learned: Learned | None = None) -> _Index:
    """The catalogue compiled, with `learned` phrasings (catalogue id -> texts of labelled
    rows) as further variants of their items. A term's weight comes from the catalogue's own
    phrasings only, so what was learned adds ways to say an item without blurring which
    words tell the items apart."""
    section_ids = [s.id for s in cat.sections]
    where = {sid: i for i, sid in enumerate(section_ids)}
    item_section = np.array([where[e.section] for e in cat.entries])
    own, extra = _variants(cat, learned or {})
    variants = sorted(own + extra, key=lambda v: v[0])  # grouped by item, for reduceat
    vocab = {t: n for n, t in enumerate(sorted(set().union(*(terms for _, terms in variants))))}
    variant_item = np.array([i for i, _ in variants])
    hits = np.zeros((len(variants), len(vocab)))
    for row, (_, terms) in enumerate(variants):
        hits[row, [vocab[t] for t in terms]] = 1.0
    presence = np.zeros((len(cat.entries), len(vocab)))  # of the catalogue's own phrasings
    for i, terms in own:
        presence[i, [vocab[t] for t in terms]] = 1.0
    weight2 = _section_weights(presence, item_section, len(section_ids)) ** 2
    vectors = hits * weight2[item_section[variant_item]]
    markers = [[frozenset(analyze(m).words) for m in s.markers] for s in cat.sections]
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
        markers=markers,
        marker_words=Lexicon.of(w for ms in markers for m in ms for w in m),
        parent=np.array([where[s.parent] if s.parent else -1 for s in cat.sections]),
        kin=np.array([[_kin(a, b) for b in cat.sections] for a in cat.sections]),
        vocab=vocab,
        words=Lexicon.of(t for t in vocab if not t.startswith("@")),
        term_weight2=np.ascontiguousarray(weight2.T),
        variant_section=item_section[variant_item],
        term_vectors=np.ascontiguousarray(vectors.T),
        variant_norm2=vectors.sum(axis=1),
    )


@cache
def _default_index() -> _Index:
    return _build(catalogue(), load_learned())


_ACTIVE: list[_Index] = []  # an index put in place by `learned_from` (calibration folds)


def _index() -> _Index:
    return _ACTIVE[-1] if _ACTIVE else _default_index()


@contextmanager
def learned_from(learned: Learned) -> Iterator[_Index]:
    """Match with the catalogue plus `learned` phrasings instead of the shipped ones: a
    leave-one-decree-out fold learns from the other decrees only."""
    _ACTIVE.append(_build(catalogue(), learned))
    try:
        yield _ACTIVE[-1]
    finally:
        _ACTIVE.pop()
