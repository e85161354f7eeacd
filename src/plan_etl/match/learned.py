"""Phrasings learned from labelled plans: every gold row's activity, as one more way to say
its catalogue item.

What officials write for an item is learned by code from the labelled decrees, not written
into the catalogue by hand after reading them: `bench/eval_match.py` learns it inside each
leave-one-decree-out fold from the other decrees only (so the fold tables measure it), and
`python bench/eval_match.py --write-learned` writes what all labelled decrees teach to
`data/learned.json`, which the product ships.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources


def learn(rows: Iterable[Mapping]) -> dict[str, list[str]]:
    """Catalogue id -> the distinct activities of the labelled rows (gold rows: `activity`,
    `catalogue_id`) that name it; rows of no item teach nothing here."""
    out: defaultdict[str, list[str]] = defaultdict(list)
    for row in rows:
        cid, text = row.get("catalogue_id"), (row.get("activity") or "").strip()
        if cid and text and text not in out[cid]:
            out[cid].append(text)
    return dict(out)


@cache
def load_learned() -> dict[str, tuple[str, ...]]:
    """The shipped phrasings (empty when none were written)."""
    path = resources.files("plan_etl.data").joinpath("learned.json")
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {cid: tuple(texts) for cid, texts in data["phrasings"].items()}
