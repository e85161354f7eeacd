"""Which section each row stands in: read from the titles over it, or — for a heading that
names none — from its rows together and the plan's order of sections."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from plan_etl.match.index import _Index, _index
from plan_etl.match.text import _Text, analyze

# Section feature values: a section a title names, one it does not; the same when only the
# row's own words name one (weaker: coord rows name process domains too); none named at all.
_TITLE_NAMES, _TITLE_OTHER = 100.0, 0.0
_ROW_NAMES, _ROW_OTHER = 75.0, 40.0
_NO_SECTION = 50.0
_TITLES = ("subsection", "section")  # where a section is read from, most specific first
# A title's word OCR misspelt is read as the marker word it matches with at least this
# rapidfuzz ratio. Looser than the rows' cutoff: it is compared with the few dozen marker
# words only, and one slip in a 7-letter stem («имущсств») scores 87.5; no title word of the
# labelled decrees comes this close to a marker word it is not (nearest: «администрац» and
# «административн», 80).
_TITLE_SNAP_CUTOFF = 85.0


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


def _title_words(idx: _Index, title: str) -> set[str]:
    """A title's stems, a word OCR misspelt («Координацня») read as the marker word it
    nearly equals: a heading misread must not send its rows to another section."""
    words = analyze(title).words
    snapped = idx.marker_words.snaps(words, _TITLE_SNAP_CUTOFF)
    return {snapped.get(w, w) for w in words}


def _title_sizes(subsection: str | None, section: str | None) -> tuple[np.ndarray, str | None]:
    """Marker sizes of the most specific title that names a section, and which title it was.
    A sub-heading refines its section's title only within kin (`_kin`): under «Координация
    внедрения…», a sub-heading «Оптимизация государственных услуг» is a topic of
    coordination, not the services domain."""
    idx = _index()
    found = [
        (source, _marker_sizes(idx, _title_words(idx, title)) if title else None)
        for source, title in zip(_TITLES, (subsection, section), strict=True)
    ]
    (_, sub), (_, sec) = found
    named_both = sub is not None and sub.max() > 0 and sec is not None and sec.max() > 0
    if named_both and not idx.kin[np.ix_(sec == sec.max(), sub == sub.max())].any():
        return sec, "section"
    for source, sizes in found:
        if sizes is not None and sizes.max() > 0:
            return sizes, source
    return np.zeros(len(idx.markers), dtype=int), None


def _section_feature(idx: _Index, q: _Query) -> tuple[np.ndarray, str]:
    """Per section, how well the row's context names it (0–100), and where it was read."""
    values, source, children = _title_feature(q.subsection, q.section)
    if source is None:
        sizes = _marker_sizes(idx, set(q.activity.words))
        if sizes.max() == 0:
            return np.full(len(idx.markers), _NO_SECTION), "no section named"
        return np.where(sizes == sizes.max(), _ROW_NAMES, _ROW_OTHER), "row"
    if children is None:
        return values, source
    # a title naming a parent domain, a row naming a sub-domain: the latter
    named = children & (_marker_sizes(idx, set(q.activity.words)) > 0)
    return (np.where(named, _TITLE_NAMES, _TITLE_OTHER) if named.any() else values), source


@lru_cache(maxsize=4096)
def _title_feature(
    subsection: str | None, section: str | None
) -> tuple[np.ndarray, str | None, np.ndarray | None]:
    """What the titles alone say (`_section_feature`; titles repeat from row to row, so
    this is cached): per section its value, the title it was read from, and the sub-domains
    of the named section a row's own words may pick instead (None when there are none).
    The arrays are shared: never written to."""
    idx = _index()
    sizes, source = _title_sizes(subsection, section)
    top = sizes.max()
    children = (idx.parent >= 0) & (sizes[np.maximum(idx.parent, 0)] == top)
    values = np.where(sizes == top, _TITLE_NAMES, _TITLE_OTHER)
    return values, source, (children if source is not None and children.any() else None)


def _assigned_fit(fit: np.ndarray) -> float:
    """The mean fit of rows to items when each item takes at most `_ITEM_ROWS` rows (greedy,
    best pairs first; a row left over fits 0): rows that all pile onto one item of a section
    are not that section's rows."""
    best = fit.argmax(axis=1)
    if np.bincount(best).max() > _ITEM_ROWS:
        return _greedy_fit(fit)
    # No item is the best of more rows than it takes, so the greedy pass gives each row its
    # best item; the same sum, added in the order the greedy pass would add it.
    tops = fit[np.arange(len(fit)), best]
    total = 0.0
    for value in tops[np.argsort(-tops, kind="stable")].tolist():
        total += value
    return total / len(fit)


def _greedy_fit(fit: np.ndarray) -> float:
    """`_assigned_fit` when rows contest an item: pairs in order of fit, best first."""
    taken = [0] * fit.shape[1]
    done: set[int] = set()
    total = 0.0
    for flat in np.argsort(-fit, axis=None, kind="stable").tolist():
        row, item = divmod(flat, fit.shape[1])
        if row not in done and taken[item] < _ITEM_ROWS:
            done.add(row)
            taken[item] += 1
            total += float(fit[row, item])
            if len(done) == len(fit):
                break
    return total / len(fit)


def _heading_fit(fit: np.ndarray, columns: list[np.ndarray], sizes: np.ndarray) -> np.ndarray:
    """Per section, how well a heading's rows (`fit`: rows × items) fit its allowed items
    (`columns`, per section; `_assigned_fit`); a heading with more rows than the section's
    items can take fits 0."""
    out = np.zeros(len(columns))
    for s, items in enumerate(columns):
        if len(items) and len(fit) <= _ITEM_ROWS * sizes[s]:
            out[s] = _assigned_fit(fit[:, items])
    return out


# Penalties, in mean item-fit points, for reading a heading as a section that stands before
# the section of the heading above it (plans keep the template's order of sections, mostly),
# or as that very section (a plan holds a section under one heading, unless it splits it into
# sub-headings — and an extraction that lost the section's own title leaves only those: a
# higher repeat penalty pushed such sub-headings of one section onto later sections).
_ORDER_PENALTY, _REPEAT_PENALTY = 10.0, 10.0
# The most rows one template item takes in a plan (forming it, approving it).
_ITEM_ROWS = 2
# Fewer rows than this under a heading do not show which section it is: their section is a
# guess for review, never grounds for `matched`.
_GROUP_ROWS = 3
_IMPOSSIBLE = -1e6  # a section the heading cannot be (not named; none of its items allowed)


def _infer_groups(
    idx: _Index,
    queries: Sequence[_Query],
    named: list[tuple[np.ndarray, str]],
    fit: np.ndarray,
    allowed: np.ndarray,
) -> dict[int, tuple[int, float]]:
    """For rows under a heading that names no section: the section their heading holds, and
    by how much it led the next one. Read from the heading's rows together (the section whose
    items they fit best on average) and from the plan's order: the headings of a document, in
    order, are read as one increasing sequence of sections (a Viterbi pass in which a step back
    or a repeat costs `_ORDER_PENALTY`), so of two HR headings neither names, the first is the
    HR service's own (hr), the second its coordination (hr_coord). A heading over fewer than
    `_GROUP_ROWS` rows, or more than its section's items can fill, gets no lead (-inf): its
    section is a guess for review."""
    sizes = np.bincount(idx.item_section, minlength=len(idx.section_ids))
    groups: list[tuple[list[int], np.ndarray | None]] = []  # rows, mean fit (None: named)
    keys: list[tuple[str | None, str | None]] = []
    for row, (q, (_values, source)) in enumerate(zip(queries, named, strict=True)):
        key = (q.section, q.subsection)
        if not keys or keys[-1] != key:
            keys.append(key)
            groups.append(([], None if source in _TITLES else np.zeros(0)))
        groups[-1][0].append(row)
    if all(mean is None for _, mean in groups):  # every heading names its section
        return {}
    n = len(idx.section_ids)
    # [s_prev, s]: the cost of reading a heading as s after one read as s_prev
    back = _ORDER_PENALTY * np.tril(np.ones((n, n)), k=-1) + _REPEAT_PENALTY * np.eye(n)
    columns = [np.flatnonzero((idx.item_section == s) & allowed) for s in range(n)]
    held = np.array([len(items) > 0 for items in columns])  # sections with items here
    dp, trace, leads = np.zeros(n), [], []
    for rows, mean in groups:
        if mean is None:  # a named heading: its section stands, at no cost
            gain = np.where(named[rows[0]][0] == _TITLE_NAMES, 0.0, _IMPOSSIBLE)
        else:
            gain = np.where(held, _heading_fit(fit[rows], columns, sizes), _IMPOSSIBLE)
        moves = dp[:, None] - back
        trace.append(moves.argmax(axis=0))
        dp = moves.max(axis=0) + gain
        leads.append(dp)
    out: dict[int, tuple[int, float]] = {}
    state = int(dp.argmax())
    for (rows, mean), prev, score in zip(
        reversed(groups), reversed(trace), reversed(leads), strict=False
    ):
        if mean is not None:
            top2 = np.sort(score)[::-1][:2]
            fits = _GROUP_ROWS <= len(rows) <= _ITEM_ROWS * sizes[state]
            lead = float(top2[0] - top2[1]) if fits else -np.inf
            out.update({r: (state, lead) for r in rows})
        state = int(prev[state])
    return out


def _overfull(
    idx: _Index, queries: Sequence[_Query], named: list[tuple[np.ndarray, str]]
) -> list[tuple[np.ndarray, str]]:
    """A heading holds one section's items, each at most twice (forming and approving): a
    title over more rows than that is no longer one section's (a damaged table lost the
    headings between), so its rows are read as if it named nothing."""
    if not queries:
        return []
    sizes = np.bincount(idx.item_section, minlength=len(idx.section_ids))
    keys = [(q.section, q.subsection) for q in queries]
    counts = Counter(keys)
    values = np.array([v for v, _ in named])
    held = _ITEM_ROWS * np.where(values == _TITLE_NAMES, sizes, 0).max(axis=1)
    overfull = (np.full(len(idx.section_ids), _NO_SECTION), "an overfull heading")
    return [
        overfull if source in _TITLES and counts[key] > limit else (v, source)
        for key, limit, (v, source) in zip(keys, held.tolist(), named, strict=True)
    ]
