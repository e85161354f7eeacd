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
