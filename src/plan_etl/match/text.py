"""How the matcher reads a text: the row's action apart from its object, every other word by
its lemma (pymorphy3's dictionary, so case, number, aspect and participles stop mattering:
«сформированы», «сформировать», «Рабочую группу … создать») then stemmed (Snowball, so
derivations of one stem meet), after the data's rewrites, abbreviations, stop, wrapper and
noise words (`data/catalogue.toml`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from itertools import chain

import snowballstemmer

from plan_etl.catalogue import catalogue
from plan_etl.morphology import analyzer

_WORD = re.compile(r"[a-zа-я]+")  # numbers («не менее 1», «10%») tell no item from another
# A region's own name («Курской области», «Республики Дагестан», «Чувашская Республика»): in
# almost every row, it says nothing about the item. Found before lower-casing, by its capital.
_REGION_NAME = re.compile(
    r"\b[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?(?:ой|ого|ому|ом|ая|ую|ий|ей|им)\s+"
    r"(?:автономн[а-яё]+\s+)?(?:област|кра[йяюе]|округ)[а-яё]*"
    r"|\b[Рр]еспублик[а-яё]*\s+[А-ЯЁ][а-яё-]+|\b[А-ЯЁ][а-яё]+(?:ая|ой|ую)\s+Республик[а-яё]*"
)
# Every match holds one of these: most rows have none, and `in` tells that faster than the regex.
_REGION_WORDS = ("област", "кра", "округ", "еспублик")


@dataclass(frozen=True, slots=True)
class _Text:
    action: str | None  # the row's action lemma (see `_row_action`)
    words: tuple[str, ...]  # stems of the other words
    actions: tuple[str, ...] = ()  # every action lemma it names as a predicate, in order


@cache
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("russian")


_morph = analyzer  # the process's one dictionary (`plan_etl.morphology`)


# Grammatical forms in which an action word is the row's predicate: a verb in any form, a short
# participle, a noun in the nominative or accusative («Утверждение…», «Обеспечить
# утверждение…»). A noun in an oblique case («по итогам проведения», «для утверждения») is part
# of the object.
_PREDICATE_POS = frozenset({"VERB", "INFN", "PRTS"})
_PREDICATE_CASES = frozenset({"nomn", "accs"})


@dataclass(frozen=True, slots=True)
class _Word:
    lemma: str  # the dictionary form, ё read as е
    predicate: bool  # in a form that can be the row's predicate


@cache
def _parse(token: str) -> _Word:
    """A word's lemma and whether its form can be a predicate (its most likely parse).
    Remembered: rows repeat words, and a new word costs pymorphy3 about half a millisecond."""
    if not _morph().word_is_known(token):  # a made-up or misread word: guessing costs more
        return _Word(token.replace("ё", "е"), False)  # than it tells
    parse = _morph().parse(token)[0]
    tag = parse.tag
    predicate = tag.POS in _PREDICATE_POS or (tag.POS == "NOUN" and tag.case in _PREDICATE_CASES)
    return _Word(parse.normal_form.replace("ё", "е"), predicate)


@cache
def _stem(word: str) -> str:
    lemma = catalogue().vocabulary.lemmas.get(word) or _parse(word).lemma
    return _stemmer().stemWord(lemma)


@cache
def _action_of(token: str) -> str | None:
    """The action lemma a word names, as written or by its dictionary form (any aspect,
    tense, participle: «утверждены», «утвердят»), when its form can be the predicate."""
    actions = catalogue().vocabulary.actions
    if token in actions:
        return actions[token]
    word = _parse(token)
    return actions.get(word.lemma) if word.predicate else None


@cache
def _noise_stems() -> frozenset[str]:
    return frozenset(_stem(w) for w in catalogue().vocabulary.noise)


def _row_action(tokens: list[str]) -> str | None:
    """The row's action. A row opening with an action word («Утвердить…», «Назначен…») has
    that one; a row whose action words all come later puts its verb last («Планы … по
    которым сформированы …, утверждены», «Оптимизация … завершена»): the last one. A row with
    no action word opening with an object noun («Оценка…», «Описание…») implies one."""
    vocab = catalogue().vocabulary
    found = [(n, a) for n, t in enumerate(tokens) if (a := _action_of(t)) is not None]
    if found:
        return found[0][1] if found[0][0] == 0 else found[-1][1]
    if not tokens:
        return None
    return vocab.implied.get(tokens[0]) or vocab.implied.get(_parse(tokens[0]).lemma)


@cache
def _expand(token: str) -> tuple[str, ...]:
    """One word as the matcher keeps it: an abbreviation expanded, wrapper and stop words
    dropped (words repeat from row to row, so this is remembered)."""
    vocab = catalogue().vocabulary
    expansion = vocab.abbreviations.get(token)
    words = _WORD.findall(expansion) if expansion else [token]
    return tuple(w for w in words if w not in vocab.wrappers and w not in vocab.stopwords)


def _tokens(text: str) -> list[str]:
    """Lower-cased words after the region's name is dropped, synonym phrases rewritten,
    abbreviations expanded, wrapper and stop words dropped."""
    vocab = catalogue().vocabulary
    if any(word in text for word in _REGION_WORDS):
        text = _REGION_NAME.sub(" ", text)
    lowered = text.lower().replace("ё", "е")
    for rewrite in vocab.rewrites:
        lowered = rewrite.apply(lowered)
    return list(chain.from_iterable(map(_expand, _WORD.findall(lowered))))


@cache
def _kept_stem(token: str) -> str | None:
    """A non-action word's stem, or None for an action word or a noise word (remembered)."""
    if _action_of(token) is not None:
        return None
    stem = _stem(token)
    return None if stem in _noise_stems() else stem


def expand_defined(text: str | None, defined: Mapping[str, str] | None) -> str | None:
    """`text` with the abbreviations its decree defines («… (далее – ИОГВ)») written out, so a
    region's own shorthand reads as the words it stands for."""
    if not text or not defined:
        return text
    keys = sorted(defined, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, keys)) + r")(?!\w)")
    return pattern.sub(lambda m: defined[m.group(0)], text)


def analyze(text: str | None) -> _Text:
    """A cleaned text (`clean_text`) as the matcher compares it: the action lemma apart, the
    other words stemmed; synonyms rewritten, abbreviations expanded; stop words, noise words,
    the region's name dropped. With an action that carries an item out («Выполнить…»,
    «Реализация…») a plan is the means, not the object: its words (`means`) are dropped."""
    tokens = _tokens(text or "")
    action = _row_action(tokens)
    if action in catalogue().vocabulary.doing:
        tokens = [t for t in tokens if _parse(t).lemma not in catalogue().vocabulary.means]
    stems = [w for w in map(_kept_stem, tokens) if w is not None]
    named = tuple(dict.fromkeys(a for t in tokens if (a := _action_of(t)) is not None))
    return _Text(action, tuple(stems), named or ((action,) if action else ()))


def _action_term(action: str) -> str:
    return f"@{action}"  # an action in the step vocabulary, apart from any word
