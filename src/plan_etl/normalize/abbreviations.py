"""The abbreviations a decree defines for itself, as the matcher reads them.

A decree names a body or a group of bodies once in full and then only by a short form it
defines: «исполнительные органы государственной власти (далее – ИОГВ)», «Министерство
цифрового развития Удмуртской Республики (далее — Минцифры УР)», «(далее также – ОИВ РК)».
A row «Утвердить ведомственные планы ИОГВ» means the same as one that spells the name out, so
the matcher expands these short forms. This module says which they are.

The «(далее – X)» phrases are read by `responsible.find_abbreviations`, the one reader of
definitions (the «Ответственный» cells are expanded with it too). Kept from it are the short
forms proper — an acronym («ИОГВ», «КУ «ЦХЭО»») or a contraction of the name's head word
(«Минцифры УР», «Депгосслужбы Югры») — not a decree's shorthand in ordinary words («рабочая
группа», «план», «министерство», «координационный орган»), which is no abbreviation and would
rewrite the common words it is made of. Two definitions that reader leaves out or reads
across an earlier one get a second look here (`_second_look`). Every «ё» is read as «е»,
since the matcher folds it in the row's words too.
"""

from __future__ import annotations

import re

from plan_etl.normalize.responsible import (
    _DEFINITION,
    _LIST_MARKER,
    _without_predicate,
    find_abbreviations,
)
from plan_etl.normalize.text import clean_text

_WORD = re.compile(r"[\w-]+")
_ACRONYM_WORD = re.compile(r"^[A-ZА-ЯЁ]{2,}$|^[A-ZА-ЯЁ]+[а-яё]*[A-ZА-ЯЁ]+")  # ИОГВ, МИРиС, ТФОМС
# A contraction keeps at least the opening letters of the name's head word it shortens: «Мин|цифры»
# for «Министерство …», «Деп|госслужбы» for «Департамент …»; a form of that word shares all but
# its ending (at most three letters differ).
CONTRACTION_PREFIX = 3
# Where the name before «(далее – …)» starts at the latest: after a sentence, «;», «:», or
# the end of an earlier definition in the same sentence.
_BOUNDARY = re.compile(r"(?:[.;:]\s|\(\s*далее[^()]*\)\s*,?\s*)", re.IGNORECASE)


def fold_yo(text: str) -> str:
    """«ё» read as «е», the way the matcher compares words."""
    return text.replace("ё", "е").replace("Ё", "Е")


def is_abbreviation(term: str, name: str) -> bool:
    """Whether `term` shortens `name`: an acronym, or a contraction of the name's head word
    («Минцифры» of «Министерство …», «Депфин» of «Департаменту финансов …»), not a form of it
    («министерство», «Управление кадров») nor other words («координационный орган»)."""
    words = _WORD.findall(term.replace("«", " ").replace("»", " "))
    if not words:
        return False
    if any(_ACRONYM_WORD.match(w) for w in words):
        return True
    head = _WORD.search(name)
    first, opening = words[0].lower(), head.group(0).lower() if head else ""
    shared = len(_common_opening(first, opening))
    return shared >= CONTRACTION_PREFIX and shared < max(len(first), len(opening)) - 3


def _common_opening(a: str, b: str) -> str:
    """The letters two words open with alike."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def defined_abbreviations(text: str) -> dict[str, str]:
    """Abbreviation → the words it stands for, «ё» read as «е», for every short form `text`
    (a decree's preamble and rows, `PlanTable.logical_text`) defines with «(далее – …)».
    The name is as the decree writes it, in its case («исполнительных органов …»)."""
    found = find_abbreviations(text)
    for raw in text.split("\n"):
        if "далее" not in raw.lower():
            continue  # most lines define nothing
        line = clean_text(raw)
        for m in _DEFINITION.finditer(line):
            term = _balanced(m["term"].strip("\"' "))
            read = found.get(term) or found.get(term.strip("«»"))
            misread = read is None or "(далее" in read.lower()
            if misread and (second := _second_look(line[: m.start()], term)):
                found.pop(term.strip("«»"), None)
                found[term] = second
    out: dict[str, str] = {}
    for term, name in found.items():
        term = _balanced(term)
        if is_abbreviation(term, name) and fold_yo(term) not in out:
            out[fold_yo(term)] = fold_yo(name)
    return out


def _balanced(term: str) -> str:
    """A term with its quotes paired: the reader strips a closing «»» with the brackets
    («ГБУ «МФЦ» → «ГБУ «МФЦ»»), and a term wholly in quotes loses them («ИОГВ»)."""
    term = term.strip()
    if term.startswith("«") and term.endswith("»") and term.count("«") == 1:
        return term[1:-1]
    missing = term.count("«") - term.count("»")
    return term + "»" * missing if missing > 0 else term


def _second_look(before: str, term: str) -> str | None:
    """The name of a short form the reader left out or read across an earlier definition: the
    words since the last boundary (`_BOUNDARY`), a list marker and an opening predicate
    («Определить») dropped, from the first word that opens the term (its contraction prefix
    or its first letter) — or, when a quoted proper name ends them («учреждению … «Центр
    бухгалтерского обслуживания»» for ЦБО), all of them. None when nothing of the kind is
    found: no name is guessed."""
    cuts = [m.end() for m in _BOUNDARY.finditer(before)]
    clause = before[max(cuts, default=0) :].strip(" ,")
    clause = _without_predicate(_LIST_MARKER.sub("", clause))
    if not clause:
        return None
    if clause.endswith("»"):
        return clause
    opening = term.lstrip("«").lower()
    prefix = opening[:CONTRACTION_PREFIX] if not _ACRONYM_WORD.match(term.split()[0]) else None
    for m in _WORD.finditer(clause):
        word = m.group(0).lower()
        if (prefix and word.startswith(prefix)) or (not prefix and word[0] == opening[0]):
            return clause[m.start() :]
    return None
