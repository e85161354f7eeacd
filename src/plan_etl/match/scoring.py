"""Every row against every item: the section, step and action features, their weighted sum,
and the document's template when its heading does not name one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from plan_etl.match.headings import (
    _TITLE_NAMES,
    _TITLE_OTHER,
    _infer_groups,
    _overfull,
    _Query,
    _section_feature,
)
from plan_etl.match.index import _UNEXPLAINED, _Index, _index
from plan_etl.match.text import _action_term, _Text
from plan_etl.models import Template

W_SECTION, W_STEP, W_ACTION = 0.30, 0.55, 0.15
# Action feature values: the item allows the row's action; the row has no action word; it
# has one the item does not allow.
_ACTION_FITS, _ACTION_NONE, _ACTION_OTHER = 100.0, 60.0, 0.0


@dataclass(frozen=True, slots=True)
class _Hits:
    """Rows × terms presence, row by row (a row has a few terms of hundreds): the columns of
    row r's known terms, ascending, are `columns[pointers[r]:pointers[r + 1]]`; `unknown`
    counts per row the terms the catalogue lacks."""

    columns: np.ndarray
    pointers: np.ndarray
    unknown: np.ndarray


def _row_hits(idx: _Index, texts: Sequence[_Text]) -> _Hits:
    """The terms of each row that the catalogue knows, and how many it does not."""
    snapped = idx.words.snaps(w for t in texts for w in t.words)
    columns: list[int] = []
    known_count: list[int] = [0]
    unknown: list[int] = []
    for t in texts:
        terms = {snapped.get(w, w) for w in t.words}
        terms.update(map(_action_term, t.actions))
        known = sorted(c for c in map(idx.vocab.get, terms) if c is not None)
        columns.extend(known)
        known_count.append(len(known))
        unknown.append(len(terms) - len(known))
    pointers = np.cumsum(known_count)
    return _Hits(np.array(columns, dtype=np.intp), pointers, np.array(unknown, dtype=float))


# Rows scored at once by `_step_feature`: its rows × variants arrays stay a few megabytes
# whatever the plan's length.
_BLOCK_ROWS = 512


def _step_feature(idx: _Index, texts: Sequence[_Text]) -> np.ndarray:
    """Rows × items: the best section-weighted cosine of the row to the item's variants."""
    hits = _row_hits(idx, texts)
    out = np.zeros((len(texts), len(idx.ids)))
    for start in range(0, len(texts), _BLOCK_ROWS):
        rows = range(start, min(start + _BLOCK_ROWS, len(texts)))
        out[start : rows.stop] = _block_cosine(idx, hits, rows)
    return out


def _term_sums(table: np.ndarray, hits: _Hits, rows: range) -> np.ndarray:
    """Per row of `rows`, the sum of `table`'s rows (one a term) at the row's terms: the
    product of the rows' presence with `table`. Added one term after another in column
    order, as a sparse matrix product adds them (0 + first + second …), so every score is
    the same to the last bit as it was with one: the j-th terms of all rows that have one
    are added at once, for j = 0, 1, … No sparse library is imported for it (scipy.sparse
    took 0.2 s of every run's start)."""
    bounds = hits.pointers[rows.start : rows.stop + 1]
    starts, counts = bounds[:-1], np.diff(bounds)
    out = np.zeros((len(rows), table.shape[1]))
    for j in range(int(counts.max(initial=0))):
        have = np.flatnonzero(counts > j)
        out[have] += table[hits.columns[starts[have] + j]]
    return out


def _block_cosine(idx: _Index, hits: _Hits, rows: range) -> np.ndarray:
    shared = _term_sums(idx.term_vectors, hits, rows)
    unknown = hits.unknown[rows.start : rows.stop]
    row_norm2 = _term_sums(idx.term_weight2, hits, rows) + unknown[:, None] * _UNEXPLAINED**2
    denom = np.sqrt(row_norm2[:, idx.variant_section] * idx.variant_norm2[None, :])
    cosine = np.divide(shared, denom, out=np.zeros_like(shared), where=denom > 0)
    return 100.0 * np.maximum.reduceat(cosine, idx.item_start, axis=1)


@cache
def _action_rows() -> tuple[dict[str, int], np.ndarray]:
    """The action feature of each action lemma against every item, one row per lemma, and
    the row of a text with no action word and of an action no item allows, last."""
    idx = _index()
    lemmas = {a: n for n, a in enumerate(idx.allows)}
    fits = [np.where(idx.allows[a], _ACTION_FITS, _ACTION_OTHER) for a in lemmas]
    none, other = np.full(len(idx.ids), _ACTION_NONE), np.full(len(idx.ids), _ACTION_OTHER)
    return lemmas, np.array([*fits, none, other])


def _action_feature(texts: Sequence[_Text]) -> np.ndarray:
    """Rows × items: whether the row's action is one the item allows."""
    lemmas, table = _action_rows()
    none, other = len(table) - 2, len(table) - 1
    rows = [lemmas.get(t.action, other) if t.action else none for t in texts]
    return table[np.array(rows, dtype=int)]


@dataclass(frozen=True)
class _Scores:
    total: np.ndarray  # rows × items
    section: np.ndarray
    step: np.ndarray
    action: np.ndarray
    sources: list[str]  # per row: where its section was read
    group_margin: np.ndarray  # per row: how far its heading's section led (inf: a title named it)


def _item_fit(step: np.ndarray, action: np.ndarray) -> np.ndarray:
    """Rows × items: how well a row's own words fit an item, its section aside (0–100)."""
    return (W_STEP * step + W_ACTION * action) / (W_STEP + W_ACTION)


def _section_matrix(
    idx: _Index, named: Sequence[tuple[np.ndarray, str]], shape: tuple[int, ...]
) -> np.ndarray:
    """Rows × items: the section feature of each row's reading, spread over the items."""
    if not named:
        return np.zeros(shape)
    return np.array([v for v, _ in named])[:, idx.item_section]


def _score(queries: Sequence[_Query], template: Template | None) -> tuple[_Scores, Template]:
    """Every row against every item, and the document's template (`template`, or when the
    decree's heading did not say, the one whose items explain the rows best)."""
    idx = _index()
    texts = [q.activity for q in queries]
    named = _overfull(idx, queries, [_section_feature(idx, q) for q in queries])
    step, action = _step_feature(idx, texts), _action_feature(texts)
    fit = _item_fit(step, action)
    if template is None:
        section = _section_matrix(idx, named, fit.shape)
        template = _template(idx, W_SECTION * section + W_STEP * step + W_ACTION * action)
    inferred = _infer_groups(idx, queries, named, fit, idx.templates[template])
    margins = np.full(len(queries), np.inf)
    for row, (chosen, lead) in inferred.items():
        values = np.full(len(idx.section_ids), _TITLE_OTHER)
        values[chosen] = _TITLE_NAMES
        named[row] = (values, "rows")
        margins[row] = lead
    section = _section_matrix(idx, named, fit.shape)
    total = W_SECTION * section + W_STEP * step + W_ACTION * action
    sources = [source for _, source in named]
    return _Scores(total, section, step, action, sources, margins), template


def _template(idx: _Index, total: np.ndarray) -> Template:
    """The template whose items explain the rows best; region on a tie (the common one).
    Only for a decree whose heading names no issuer or act type."""
    if not len(total):
        return "region"
    fit = {t: total[:, mask].max(axis=1).sum() for t, mask in idx.templates.items()}
    return "agency" if fit["agency"] > fit["region"] else "region"
