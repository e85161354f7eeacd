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
- action (`W_ACTION`): whether the row's action word is one the item allows.

Words are compared after rewriting other officials' phrases into the catalogue's (data:
«разделение … на группы» → сегментация, «отзывы» → обратная связь), expanding abbreviations
(ОИВ, ИОГВ), dropping stop words, wrapper verbs («Обеспечить…»), noise words (the region, its
bodies and heads) and the region's name, mapping the closed set of action words to one lemma
each («Утвержден», «Утвердить», «Утверждение» → утверждение) and stemming the rest (Snowball).
A word the catalogue does not know is snapped to a catalogue word it nearly equals (rapidfuzz
ratio ≥ `_SNAP_CUTOFF`: typos, stems Snowball splits). All rows of a document are scored at
once with numpy matrix products.

Decisions are per document (`score_document`): the template from the decree's heading (issuer,
act type), else from the rows; the section of a heading that names none from its rows
together and the plan's order (`_infer_groups`); items said twice contest each other
(`_rivals`). The statuses then follow thresholds (`Settings`) chosen by leave-one-decree-out
over the labelled decrees (bench/eval_match.py; see `_decide`):
- `matched`: confident — score, lead over the runner-up, a known section, an allowed action,
  no contest, no doubtful OCR;
- `unmatched` (no catalogue id): score < `review_score`, the row is a region's own item;
- `review` otherwise: the id (or, beside a stronger row on the same item, none) is the best
  guess; a person should look.
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
from plan_etl.catalogue import Catalogue, Section, catalogue
from plan_etl.models import Template
from plan_etl.normalize.text import clean_text

W_SECTION, W_STEP, W_ACTION = 0.30, 0.55, 0.15
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
    action: str | None  # the row's action lemma (see `_row_action`)
    words: tuple[str, ...]  # stems of the other words


@cache
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("russian")


@cache
def _stem(word: str) -> str:
    return _stemmer().stemWord(catalogue().vocabulary.lemmas.get(word, word))


@cache
def _noise_stems() -> frozenset[str]:
    return frozenset(_stem(w) for w in catalogue().vocabulary.noise)


def _row_action(tokens: list[str]) -> str | None:
    """The row's action. A row opening with an action word («Утвердить…», «Назначен…») has
    that one; a row whose action words all come later puts its verb last («Планы … по
    которым сформированы …, утверждены», «Оптимизация … завершена»): the last one. A row with
    no action word opening with an object noun («Оценка…», «Описание…») implies one."""
    vocab = catalogue().vocabulary
    found = [(n, vocab.actions[t]) for n, t in enumerate(tokens) if t in vocab.actions]
    if found:
        return found[0][1] if found[0][0] == 0 else found[-1][1]
    return vocab.implied.get(tokens[0]) if tokens else None


def _tokens(text: str) -> list[str]:
    """Lower-cased words after the region's name is dropped, synonym phrases rewritten,
    abbreviations expanded, wrapper and stop words dropped."""
    vocab = catalogue().vocabulary
    lowered = _REGION_NAME.sub(" ", text).lower().replace("ё", "е")
    for rewrite in vocab.rewrites:
        lowered = rewrite.apply(lowered)
    tokens: list[str] = []
    for token in _WORD.findall(lowered):
        expansion = vocab.abbreviations.get(token)
        tokens.extend(_WORD.findall(expansion) if expansion else [token])
    return [t for t in tokens if t not in vocab.wrappers and t not in vocab.stopwords]


def analyze(text: str | None) -> _Text:
    """A cleaned text (`clean_text`) as the matcher compares it: the action lemma apart, the
    other words stemmed; synonyms rewritten, abbreviations expanded; stop words, noise words,
    the region's name dropped."""
    tokens = _tokens(text or "")
    actions = catalogue().vocabulary.actions
    stems = (_stem(t) for t in tokens if t not in actions)
    return _Text(_row_action(tokens), tuple(w for w in stems if w not in _noise_stems()))


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
    kin: np.ndarray  # section × section: one may refine the other (same, parent, same family)
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
            out.append((i, {*text.words, *([_action_term(text.action)] if text.action else [])}))
    return out


def _kin(a: Section, b: Section) -> bool:
    """Whether a sub-heading naming `b` may refine a section titled `a`: the same section, a
    sub-domain, or a sibling made of the same steps (hr and hr_coord; two process domains)."""
    return a.id == b.id or b.parent == a.id or (a.family is not None and a.family == b.family)


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
        kin=np.array([[_kin(a, b) for b in cat.sections] for a in cat.sections]),
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
    (titles repeat from row to row, so this is cached). A sub-heading refines its section's
    title only within kin (`_kin`): under «Координация внедрения…», a sub-heading
    «Оптимизация государственных услуг» is a topic of coordination, not the services domain."""
    idx = _index()
    found = [
        (source, _marker_sizes(idx, set(analyze(title).words)) if title else None)
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
    group_margin: np.ndarray  # per row: how far its heading's section led (inf: a title named it)


def _item_fit(step: np.ndarray, action: np.ndarray) -> np.ndarray:
    """Rows × items: how well a row's own words fit an item, its section aside (0–100)."""
    return (W_STEP * step + W_ACTION * action) / (W_STEP + W_ACTION)


def _assigned_fit(fit: np.ndarray) -> float:
    """The mean fit of rows to items when each item takes at most `_ITEM_ROWS` rows (greedy,
    best pairs first; a row left over fits 0): rows that all pile onto one item of a section
    are not that section's rows."""
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


def _heading_fit(
    idx: _Index, fit: np.ndarray, allowed: np.ndarray, sizes: np.ndarray
) -> np.ndarray:
    """Per section, how well a heading's rows (`fit`: rows × items) fit its `allowed` items
    (`_assigned_fit`); a heading with more rows than the section's items can take fits 0."""
    out = np.zeros(len(idx.section_ids))
    for s in range(len(idx.section_ids)):
        mask = (idx.item_section == s) & allowed
        if mask.any() and len(fit) <= _ITEM_ROWS * sizes[s]:
            out[s] = _assigned_fit(fit[:, mask])
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
    n = len(idx.section_ids)
    # [s_prev, s]: the cost of reading a heading as s after one read as s_prev
    back = _ORDER_PENALTY * np.tril(np.ones((n, n)), k=-1) + _REPEAT_PENALTY * np.eye(n)
    held = np.array([bool((allowed & (idx.item_section == s)).any()) for s in range(n)])
    dp, trace, leads = np.zeros(n), [], []
    for rows, mean in groups:
        if mean is None:  # a named heading: its section stands, at no cost
            gain = np.where(named[rows[0]][0] == _TITLE_NAMES, 0.0, _IMPOSSIBLE)
        else:
            gain = np.where(held, _heading_fit(idx, fit[rows], allowed, sizes), _IMPOSSIBLE)
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
    sizes = np.bincount(idx.item_section, minlength=len(idx.section_ids))
    counts: dict[tuple[str | None, str | None], int] = {}
    for q in queries:
        counts[(q.section, q.subsection)] = counts.get((q.section, q.subsection), 0) + 1
    out = []
    for q, (values, source) in zip(queries, named, strict=True):
        held = _ITEM_ROWS * sizes[values == _TITLE_NAMES].max(initial=0)
        if source in _TITLES and counts[(q.section, q.subsection)] > held:
            out.append((np.full(len(values), _NO_SECTION), "an overfull heading"))
        else:
            out.append((values, source))
    return out


def _score(queries: Sequence[_Query], template: Template | None) -> tuple[_Scores, Template]:
    """Every row against every item, and the document's template (`template`, or when the
    decree's heading did not say, the one whose items explain the rows best)."""
    idx = _index()
    texts = [q.activity for q in queries]
    named = _overfull(idx, queries, [_section_feature(idx, q) for q in queries])
    step, action = _step_feature(idx, texts), _action_feature(idx, texts)
    fit = _item_fit(step, action)
    if template is None:
        section = np.array([v[idx.item_section] for v, _ in named]).reshape(fit.shape)
        template = _template(idx, W_SECTION * section + W_STEP * step + W_ACTION * action)
    inferred = _infer_groups(idx, queries, named, fit, idx.templates[template])
    margins = np.full(len(queries), np.inf)
    for row, (chosen, lead) in inferred.items():
        values = np.full(len(idx.section_ids), _TITLE_OTHER)
        values[chosen] = _TITLE_NAMES
        named[row] = (values, "rows")
        margins[row] = lead
    section = np.array([v[idx.item_section] for v, _ in named]).reshape(fit.shape)
    total = W_SECTION * section + W_STEP * step + W_ACTION * action
    sources = [source for _, source in named]
    return _Scores(total, section, step, action, sources, margins), template


# --- decisions -------------------------------------------------------------------------------


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


def _template(idx: _Index, total: np.ndarray) -> Template:
    """The template whose items explain the rows best; region on a tie (the common one).
    Only for a decree whose heading names no issuer or act type."""
    if not len(total):
        return "region"
    fit = {t: total[:, mask].max(axis=1).sum() for t, mask in idx.templates.items()}
    return "agency" if fit["agency"] > fit["region"] else "region"


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
    for item in np.unique(best):
        rows = np.flatnonzero(best == item)
        if len(rows) < 2:
            continue
        a = acts[rows]
        again = (a[:, None] == a[None, :]) | (a[:, None] < 0) | (a[None, :] < 0)
        np.fill_diagonal(again, False)
        rival = np.where(again, score[rows][None, :], 0.0)
        order = np.argsort(-rival, axis=1, kind="stable")
        top = np.take_along_axis(rival, order, axis=1)
        out[rows, : min(2, len(rows))] = top[:, :2]
        out[rows, 2] = np.abs(rows[order[:, 0]] - rows) == 1
    return out


def _choices(
    idx: _Index, scores: _Scores, allowed: np.ndarray, rows: Sequence, texts: Sequence[_Text]
) -> list[_Choice]:
    """Each row's best item among the `allowed` ones. A plan names each template item once,
    or in two rows with different actions (forming it and approving it): a row whose item a
    better row already has with the same action, or whose own action is unknown, is most
    likely the region's own addition."""
    total = np.where(allowed, scores.total, -1.0).round(1)
    n = np.arange(len(total))
    order = np.argsort(-total, axis=1, kind="stable")
    best, second = order[:, 0], order[:, 1]
    score = total[n, best]
    rivals = _rivals(best, score, texts)
    sure = np.isin(scores.sources, [*_TITLES, "rows"]) & (scores.section[n, best] == _TITLE_NAMES)
    fits = scores.action[n, best] != _ACTION_OTHER
    out = []
    for r in n:
        out.append(
            _Choice(
                best=int(best[r]),
                second=int(second[r]),
                score=float(score[r]),
                runner_score=float(total[r, second[r]]),
                sure_section=bool(sure[r]),
                group_margin=float(scores.group_margin[r]),
                action_fits=bool(fits[r]),
                rival=float(rivals[r, 0]),
                rival2=float(rivals[r, 1]),
                rival_next=bool(rivals[r, 2]),
                low_ocr=any(w.startswith(_LOW_OCR) for w in rows[r].warnings),
            )
        )
    return out


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
