"""The federal template catalogue, read once from `data/catalogue.toml`.

The catalogue is data, not code, so that an item, a synonym or a section-title marker is
added by editing the TOML file. This module expands the file's shared step families (the
four HR steps, the seven process steps) into one entry per catalogue id and checks what the
matcher relies on: ids unique, templates known, every item's action word in the action table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, get_args

from plan_etl.data import load_toml
from plan_etl.models import CatalogueItem, Template

_TEMPLATES = frozenset(get_args(Template))
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Section:
    """A kind of plan section: the items it holds share the id prefix `id`."""

    id: str
    templates: tuple[Template, ...]
    markers: tuple[str, ...]
    parent: str | None
    family: str | None  # the shared steps it is made of (hr, process), if any


@dataclass(frozen=True, slots=True)
class Entry:
    """One catalogue item with what the matcher reads it by."""

    item: CatalogueItem
    section: str
    templates: tuple[Template, ...]
    phrasings: tuple[str, ...]  # the canonical wording first, then synonyms
    actions: frozenset[str]


@dataclass(frozen=True, slots=True)
class Rewrite:
    """A phrase other officials use, and the catalogue's words for it."""

    trigger: str  # text every match contains (a cheap test before the pattern)
    pattern: re.Pattern[str]
    replace: str

    def apply(self, text: str) -> str:
        return self.pattern.sub(self.replace, text) if self.trigger in text else text


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The normalizer's closed word lists."""

    stopwords: frozenset[str]  # dropped as written
    noise: tuple[str, ...]  # dropped in every form: the matcher compares them by stem
    abbreviations: Mapping[str, str]
    actions: Mapping[str, str]  # word form -> action lemma
    lemmas: Mapping[str, str]  # word form -> lemma, for forms the stemmer splits
    wrappers: frozenset[str]  # words wrapping a row's real action («Обеспечить …»): dropped
    implied: Mapping[str, str]  # opening noun -> the action it implies («Оценка …»)
    rewrites: tuple[Rewrite, ...]  # synonym phrases -> catalogue phrases
    doing: frozenset[str] = frozenset()  # actions that carry an item out
    means: frozenset[str] = frozenset()  # lemmas of a plan, the means of a `doing` action


@dataclass(frozen=True, slots=True)
class Issuers:
    """What a decree's issuer and act type say about its template (`[template]` in the data)."""

    region: tuple[str, ...]  # issuer head words of a region plan («правительство»)
    agency: tuple[str, ...]  # issuer head words of one body's plan («министерство»)
    act_types: Mapping[str, Template]  # an act type that decides alone («приказ» -> agency)
    local_heads: tuple[str, ...] = ()  # heads of a region's and a municipality's bodies alike
    units: Mapping[str, Template] = field(default_factory=dict)  # governed unit -> template

    def template(self, issuer: str | None, act_type: str | None) -> Template | None:
        """The template the decree's own heading names, or None when it is silent. An
        «Администрация» or «Глава» is read by the unit it governs (CATALOGUE.md: a
        municipality's own plan is one body's plan, the agency template)."""
        words = (issuer or "").lower().replace("ё", "е").split()
        for template, heads in (("region", self.region), ("agency", self.agency)):
            if _starts_with(words, heads):
                return template  # type: ignore[return-value]
        if _starts_with(words, self.local_heads) and (unit := self._unit(words[1:])):
            return unit
        return self.act_types.get((act_type or "").lower())

    def _unit(self, words: list[str]) -> Template | None:
        """The template of the first unit (`units`) the words name, in their order."""
        for start in range(len(words)):
            for phrase, template in self.units.items():
                if _starts_with(words[start:], (phrase,)):
                    return template
        return None


def _starts_with(words: list[str], heads: tuple[str, ...]) -> bool:
    return bool(words) and any(" ".join(words[: len(h.split())]) == h for h in heads)


@dataclass(frozen=True, slots=True)
class Catalogue:
    entries: tuple[Entry, ...]
    sections: tuple[Section, ...]
    vocabulary: Vocabulary
    issuers: Issuers


class _Blanks(dict[str, str]):
    """Template fill values where a placeholder a section does not give is empty."""

    def __missing__(self, key: str) -> str:
        return ""


def _fill(text: str, values: Mapping[str, str]) -> str:
    return _SPACES.sub(" ", text.format_map(_Blanks(values))).strip()


def _inverted(table: Mapping[str, list[str]]) -> dict[str, str]:
    return {form.lower(): lemma for lemma, forms in table.items() for form in forms}


def _vocabulary(text: dict[str, Any]) -> Vocabulary:
    return Vocabulary(
        stopwords=frozenset(w.lower() for w in text["stopwords"]),
        noise=tuple(w.lower() for w in text["noise"]),
        abbreviations={k.lower(): v for k, v in text["abbreviations"].items()},
        actions=_inverted(text["actions"]),
        lemmas=_inverted(text["lemmas"]),
        wrappers=frozenset(w.lower() for w in text["wrappers"]),
        implied=_inverted(text["implied"]),
        doing=frozenset(text.get("doing", ())),
        means=frozenset(text.get("means", ())),
        rewrites=tuple(
            Rewrite(r["trigger"], re.compile(r["pattern"]), r["replace"])
            for r in text.get("rewrite", [])
        ),
    )


def _section(raw: dict[str, Any]) -> Section:
    templates = tuple(raw["templates"])
    if not templates or not set(templates) <= _TEMPLATES:
        raise ValueError(f"section {raw['id']}: templates {templates} not in {sorted(_TEMPLATES)}")
    return Section(
        raw["id"], templates, tuple(raw["markers"]), raw.get("parent"), raw.get("family")
    )


def _entry(
    section: Section,
    raw: dict[str, Any],
    fill: Mapping[str, str],
    block: str | None,
    vocab: Vocabulary,
) -> Entry:
    """An item of `section`; `block` is set for family items that name their block (the
    process steps: block "process", the section id is then the domain)."""
    wording = _fill(raw["wording"], fill)
    first = wording.split()[0].lower()
    if first not in vocab.actions:
        raise ValueError(f"{section.id}.{raw['step']}: wording starts with no known action word")
    actions = frozenset(raw.get("actions", [vocab.actions[first]]))
    if unknown := actions - set(vocab.actions.values()):
        raise ValueError(f"{section.id}.{raw['step']}: unknown actions {sorted(unknown)}")
    item = CatalogueItem(
        catalogue_id=f"{section.id}.{raw['step']}",
        template=section.templates[0],
        block=block or section.id,
        domain=section.id if block else raw.get("domain"),
        step=raw["step"],
        wording=wording,
    )
    phrasings = (wording, *(_fill(s, fill) for s in raw.get("synonyms", [])))
    return Entry(item, section.id, section.templates, phrasings, actions)


@cache
def catalogue() -> Catalogue:
    """The whole catalogue: entries in file order, sections, vocabulary (parsed once)."""
    data = load_toml("catalogue.toml")
    vocab = _vocabulary(data["text"])
    families = {f["id"]: f for f in data["family"]}
    sections: list[Section] = []
    entries: list[Entry] = []
    for raw in data["section"]:
        section = _section(raw)
        sections.append(section)
        family = families.get(raw.get("family", ""), {})
        for item in family.get("step", raw.get("item", [])):
            entries.append(_entry(section, item, raw.get("fill", {}), family.get("block"), vocab))
    ids = [e.item.catalogue_id for e in entries]
    if len(ids) != len(set(ids)):
        raise ValueError("catalogue.toml: duplicate catalogue ids")
    raw = data["template"]
    issuers = Issuers(
        tuple(raw["region"]),
        tuple(raw["agency"]),
        dict(raw["act_types"]),
        tuple(raw.get("local_heads", ())),
        dict(raw.get("units", {})),
    )
    return Catalogue(tuple(entries), tuple(sections), vocab, issuers)


def load_catalogue() -> list[CatalogueItem]:
    """Every catalogue item, one per CATALOGUE.md id, in file order (for catalogue.parquet)."""
    return [e.item for e in catalogue().entries]
