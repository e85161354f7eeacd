"""«Ответственный» cells as lists of bodies or persons, with abbreviations expanded.

A cell names one or more bodies or officials: separated by «;», by paragraph, by a comma that
starts a new body («Рабочая группа, исполнительные органы …»), or as a run of names with
initials («Богданова Г.В. Чижик Е.В.»). A comma followed by a lower-case clause continues the
body before it («ОИВ СО, предоставляющие государственные услуги»; «министерство труда,
занятости и …»). Decrees shorten names they define once — «Администрация Губернатора Самарской
области (далее – АГ СО)» — and later cells use the short form, so the dataset expands them back.

Which words head a body and which open an activity before a defined name is data
(`data/bodies.toml`); abbreviations decrees use without defining them are in
`data/abbreviations.toml`.

The elements are then told apart (`bodies_and_persons`): an official is named («Иванов И.И.»)
or by position («Заместитель Председателя Правительства …», words in `data/bodies.toml`);
everything else is a body, without «(по согласованию)». A decree spells one body in several
ways — «Департамент информатизации» in one row, «Департаменту информатизации» in the next,
«органы исполнительной власти» and «Органы исполнительной власти» — so within one decree the
bodies whose words have the same stems are written the way the decree writes them most often.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import cache

import snowballstemmer

from plan_etl.data import load_toml
from plan_etl.normalize.text import clean_text

_DEFINITION = re.compile(
    r"\s*\(\s*далее(?:\s+(?:также|по тексту|в тексте))?\s*[–—-]+\s*(?P<term>[^()]+?)\s*\)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w-]+")
_ADJECTIVE = re.compile(r"(?:ые|ие|ый|ий|ая|яя|ое|ее|ой)$")
_LIST_MARKER = re.compile(r"^\s*(?:\d{1,2}[.)]|[а-я]\)|[-–—•])\s*")
# A sentence ends at «.» after a lower-case word or a closing bracket, before a capital; not
# after an initial («Р.К.») or inside a date («29.09.2023»).
_SENTENCE_END = re.compile(r"(?<=[а-яё)»])\.\s+(?=[А-ЯЁ])")
_PERSON = re.compile(
    r"(?P<surname>[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?)\s+(?P<i1>[А-ЯЁ])\.\s?(?P<i2>[А-ЯЁ])\.?(?![\w])"
    r"|(?P<j1>[А-ЯЁ])\.\s?(?P<j2>[А-ЯЁ])\.\s?(?P<surname2>[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?)"
)
_OPENERS, _CLOSERS = "(«", ")»"
_OPENING = frozenset(_OPENERS)
_BY_AGREEMENT = re.compile(r"\s*\(?\s*по\s+согласованию\s*\)?", re.IGNORECASE)


@cache
def _common_abbreviations() -> dict[str, str]:
    return dict(load_toml("abbreviations.toml")["abbreviations"])


@cache
def _head_stems() -> tuple[str, ...]:
    return tuple(load_toml("bodies.toml")["heads"]["stems"])


@cache
def _predicate_stems() -> tuple[str, ...]:
    return tuple(load_toml("bodies.toml")["predicates"]["stems"])


# --- abbreviations a decree defines ----------------------------------------------------------


def find_abbreviations(text: str) -> dict[str, str]:
    """Short forms the decree defines anywhere in `text` with «(далее – X)», mapped to the name
    they stand for: {"АГ СО": "Администрация Губернатора Самарской области"}.

    The name is the noun phrase before the parenthesis, found in three steps:
    1. its clause: back to the nearest «;», «:», sentence end or line start, and back over a
       comma only when what follows the comma does not start a body of its own (a lower-case
       clause such as «, ответственный за …» belongs to the name);
    2. an opening predicate («Назначен», «Создание») is not part of it;
    3. an acronym's name starts at the first run of words whose initials spell it, else at
       the first word with its initial letter (no such word: the text is a fragment and the
       definition is skipped rather than guessed); a word term's name starts at the first
       word that is a form of one of the term's words, and those words are put in the term's
       own case («Создание рабочей группы по … (далее – рабочая группа)» → «рабочая группа
       по …»).
    The first definition of a term wins; parentheses and quotes are never cut through.
    """
    found: dict[str, str] = {}
    for line in text.split("\n"):
        line = clean_text(line)
        if "(" not in line:  # no definition can stand in it
            continue
        line = _without_open_quote(line)
        for m in _DEFINITION.finditer(line):
            term = m["term"].strip("«»\"' ")
            name = _defined_name(line[: m.start()], term) if term else None
            if name and term not in found and name.lower() != term.lower():
                found[term] = name
    return found


def _without_open_quote(line: str) -> str:
    """An amending act quotes whole paragraphs («3. Исполнительным органам … (далее – …),
    Департаменту … .»): a quote that opens the line and closes only at its end (or not in it)
    would put the whole line inside quotes, where no comma or clause is seen; it is dropped.
    A quote that closes earlier («Центр …» as a name) stays."""
    if not line.startswith("«"):
        return line
    depth = 0
    for i, ch in enumerate(line):
        depth += (ch == "«") - (ch == "»")
        if depth == 0:
            rest = line[i + 1 :]
            return line[1:i] + rest if not rest.strip(" .;") else line
    return line[1:]


def _defined_name(before: str, term: str) -> str | None:
    clause = _without_predicate(_LIST_MARKER.sub("", _clause_before(_unclosed_dropped(before))))
    if _is_acronym(term):
        return _from_acronym(clause, term)
    return _from_term_words(clause, term) or clause or None


def _unclosed_dropped(text: str) -> str:
    """`text` without the quotes it opens and does not close: a quoted new wording («…: «3.
    Исполнительным органам … (далее – …), Департаменту …») read inside a longer paragraph,
    as a PDF's lines are joined, would otherwise hide every comma of the wording."""
    opened: list[int] = []
    for i, ch in enumerate(text):
        if ch == "«":
            opened.append(i)
        elif ch == "»" and opened:
            opened.pop()
    for i in reversed(opened):
        text = text[:i] + text[i + 1 :]
    return text


def _clause_before(text: str) -> str:
    """The clause that ends where `text` ends (step 1 of `find_abbreviations`)."""
    top = _top_level(text)
    stops = [i for i, ch in enumerate(text) if ch in ";:" and top[i]]
    stops += [m.end() - 1 for m in _SENTENCE_END.finditer(text) if top[m.start()]]
    clause = text[max(stops) + 1 :] if stops else text
    segments = _split_top(clause, ",")
    name = segments.pop()
    while segments and not _starts_body(name):
        name = segments.pop() + "," + name
    return name.strip()


def _without_predicate(clause: str) -> str:
    first = _WORD.search(clause)
    if first and first.start() == 0 and _is_predicate(first.group(0)):
        return clause[first.end() :].lstrip()
    return clause


def _is_predicate(word: str) -> bool:
    low = word.lower()
    return any(low.startswith(s) and len(low) <= len(s) + 3 for s in _predicate_stems())


def _from_acronym(clause: str, term: str) -> str | None:
    """The clause from the first run of words whose initials spell the acronym («органов
    исполнительной власти …» for ОИВ), else from the first word with its first letter."""
    letters = [ch.upper() for ch in term.split()[0] if ch.isalpha()]
    words = _top_level_words(clause)
    initials = [word[0].upper() for _, word in words]
    for k in range(len(words)):
        if initials[k : k + len(letters)] == letters:
            return clause[words[k][0] :]
    return next((clause[start:] for start, w in words if w[0].upper() == letters[0]), None)


def _from_term_words(clause: str, term: str) -> str | None:
    """The clause from the first form of one of the term's words on (step 3)."""
    term_words = [w for w in term.split() if w.isalpha()]
    words = _top_level_words(clause)
    for k, (_, word) in enumerate(words):
        j = next((j for j, t in enumerate(term_words) if _same_word(word, t)), None)
        if j is not None:
            return _in_term_case(clause, words[k:], term_words[j:])
    return None


def _in_term_case(clause: str, words: list[tuple[int, str]], term_words: list[str]) -> str:
    """`clause` from its word `words[0]` on, the adjacent run of forms of `term_words` written
    as the term writes them (the name is then in the nominative, like the term)."""
    pos = words[0][0]
    out = []
    for (begin, word), want in zip(words, term_words, strict=False):
        if clause[pos:begin].strip() or not _same_word(word, want):
            break
        out.append(clause[pos:begin] + (want if word.lower() != want.lower() else word))
        pos = begin + len(word)
    return "".join(out) + clause[pos:]


def _same_word(a: str, b: str) -> bool:
    """Two case forms of one word: they share all but at most three final letters."""
    a, b = a.lower(), b.lower()
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    return common >= 3 and common >= len(a) - 3 and common >= len(b) - 3


def _is_acronym(term: str) -> bool:
    first = term.split()[0] if term.split() else ""
    letters = [ch for ch in first if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


# --- splitting a cell ----------------------------------------------------------------------------


def split_responsible(paragraphs: list[str], abbreviations: Mapping[str, str]) -> list[str]:
    """The bodies or persons a «Ответственный» cell names, one per element, in order, each
    without its own «(далее – …)» and with abbreviations expanded: the decree's own
    (`find_abbreviations`) first, then the common ones of `data/abbreviations.toml`.

    An acronym is expanded wherever it stands as a whole token outside quotes («ОИВ СО,
    предоставляющие …» → «органы исполнительной власти Самарской области, предоставляющие …»);
    a word term only when it is the body itself («Координационный орган», not «орган» inside
    «министерство … орган …»), matched regardless of case.
    """
    expand = _expander(tuple(sorted(abbreviations.items())))
    out: list[str] = []
    for paragraph in _joined_paragraphs(paragraphs):
        for piece in _split_top(paragraph, ";"):
            for body in _split_bodies(piece):
                for person_or_body in _split_persons(body):
                    element = " ".join(expand(_DEFINITION.sub("", person_or_body)).split())
                    element = _PERSON.sub(_format_person, element).strip(" ,")
                    if element and element not in out:
                        out.append(element)
    return out


def _joined_paragraphs(paragraphs: list[str]) -> list[str]:
    """The cell's paragraphs, a paragraph that starts no body («предоставляющие
    государственные услуги» after «ИОКО,») put back on the one before: a paragraph end
    separates bodies only where a comma would."""
    out: list[str] = []
    for paragraph in map(clean_text, paragraphs):
        if out and paragraph and not _starts_body(paragraph):
            out[-1] += " " + paragraph
        elif paragraph:
            out.append(paragraph)
    return out


def _split_bodies(piece: str) -> list[str]:
    """Split at the commas after which a new body starts."""
    bodies: list[str] = []
    for segment in _split_top(piece, ","):
        if bodies and not _starts_body(segment):
            bodies[-1] += "," + segment
        else:
            bodies.append(segment)
    return [b.strip() for b in bodies if b.strip()]


# At most this many adjectives stand before the head word of a body written in lower case
# («областные исполнительные органы»).
_LEADING_ADJECTIVES = 2


def _starts_body(segment: str) -> bool:
    """A capitalised word, a body's head word, or adjectives and a head word
    («исполнительные органы», «областные исполнительные органы») start a body; a lower-case
    clause does not («предоставляющие государственные услуги»)."""
    words = _WORD.findall(segment)
    if not words:
        return False
    if words[0][0].isupper() or _is_head(words[0]):
        return True
    for i in range(1, min(len(words), _LEADING_ADJECTIVES + 1)):
        if not _ADJECTIVE.search(words[i - 1].lower()):
            return False
        if _is_head(words[i]):
            return True
    return False


def _is_head(word: str) -> bool:
    return word.lower().startswith(_head_stems())


def _split_persons(body: str) -> list[str]:
    """A run of names with initials is one person each; words before the first name stay with
    it («заместитель Председателя … Газимагомедов Р.К.» is one element). A body named after
    a name («Зотов А.Г. Руководители ПМО», two paragraphs of a cell printed as wrapped lines)
    is an element of its own: a name ends where a capitalised word follows it."""
    names = list(_PERSON.finditer(body))
    cuts = [
        a.end() for a, b in itertools.pairwise(names) if not body[a.end() : b.start()].strip(" ,")
    ]
    cuts += [
        n.end()
        for n in names
        if n.end() not in cuts and _starts_body(rest := body[n.end() :]) and rest[:1].isspace()
    ]
    cuts.sort()
    bounds = [0, *cuts, len(body)]
    return [body[a:b].strip(" ,") for a, b in itertools.pairwise(bounds)]


def _format_person(m: re.Match[str]) -> str:
    if m["surname"]:
        return f"{m['surname']} {m['i1']}.{m['i2']}."
    return f"{m['j1']}.{m['j2']}. {m['surname2']}"


@cache
def _expander(abbreviations: tuple[tuple[str, str], ...]) -> Callable[[str], str]:
    """A function expanding the decree's and the common abbreviations in one element."""
    table = {" ".join(k.split()): v for k, v in [*_common_abbreviations().items(), *abbreviations]}
    table.pop("", None)
    acronyms = {k: v for k, v in table.items() if _is_acronym(k)}
    terms = {k.lower(): v for k, v in table.items() if not _is_acronym(k)}
    acronym_re = _alternation(acronyms, r"(?<![\w-])(?:{})(?![\w-])", 0)
    term_re = _alternation(terms, r"^(?:{})(?=\s*(?:$|[,;(]))", re.IGNORECASE)

    def expand(element: str) -> str:
        if term_re and (m := term_re.match(element)):
            value = terms[" ".join(m.group(0).lower().split())]
            value = value[0].upper() + value[1:] if m.group(0)[0].isupper() else value
            element = value + element[m.end() :]
        if acronym_re:
            top = _top_level(element)
            element = acronym_re.sub(
                lambda a: acronyms[" ".join(a.group(0).split())] if top[a.start()] else a.group(0),
                element,
            )
        return element

    return expand


def _alternation(keys: Mapping[str, str], template: str, flags: int) -> re.Pattern[str] | None:
    if not keys:
        return None
    spelled = [r"\s+".join(map(re.escape, k.split())) for k in sorted(keys, key=len, reverse=True)]
    return re.compile(template.format("|".join(spelled)), flags)


# --- bodies and persons ----------------------------------------------------------------------


def bodies_and_persons(
    cells: Sequence[Sequence[str]],
) -> list[tuple[list[str], list[str]]]:
    """For each row's elements (`split_responsible` of one decree, in row order), its bodies
    and its persons; each body written as the decree writes it most often (ties: first seen)."""
    split = [_bodies_persons(elements) for elements in cells]
    spellings = Counter(body for bodies, _ in split for body in bodies)
    canonical: dict[tuple[str, ...], str] = {}
    for body, _ in sorted(spellings.items(), key=lambda kv: -kv[1]):  # stable: first seen wins
        canonical.setdefault(_body_key(body), body)
    return [
        (list(dict.fromkeys(canonical[_body_key(b)] for b in bodies)), persons)
        for bodies, persons in split
    ]


def _bodies_persons(elements: Sequence[str]) -> tuple[list[str], list[str]]:
    bodies: list[str] = []
    persons: list[str] = []
    for element in elements:
        if _is_person(element):
            persons.append(element)
        elif body := " ".join(_BY_AGREEMENT.sub(" ", element).split()).strip(" ,"):
            bodies.append(body)
    return list(dict.fromkeys(bodies)), list(dict.fromkeys(persons))


def _is_person(element: str) -> bool:
    """Named with initials, or opening with a position word (after at most one qualifier)."""
    if _PERSON.search(element):
        return True
    words = [w.lower() for w in _WORD.findall(element)[:2]]
    positions, qualifiers = _position_words()
    if words and words[0] in qualifiers:
        words = words[1:]
    return bool(words) and words[0] in positions


@cache
def _position_words() -> tuple[frozenset[str], frozenset[str]]:
    table = load_toml("bodies.toml")["positions"]
    return frozenset(table["words"]), frozenset(table["qualifiers"])


def _body_key(body: str) -> tuple[str, ...]:
    """The body's words as stems, lower case, quotes and brackets ignored: equal for two
    spellings or case forms of one name."""
    return tuple(_stemmer().stemWords([w.lower() for w in _WORD.findall(body)]))


@cache
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("russian")


# --- brackets and quotes -------------------------------------------------------------------------


def _top_level(text: str) -> list[bool]:
    """For each character, whether it stands outside every (…) and «…» (brackets included)."""
    if _OPENING.isdisjoint(text):  # the common text: no bracket or quote opens
        return [True] * len(text)
    depth, out = 0, []
    for ch in text:
        if ch in _OPENERS:
            depth += 1
        out.append(depth == 0)
        if ch in _CLOSERS:
            depth = max(0, depth - 1)
    return out


def _split_top(text: str, separator: str) -> list[str]:
    if separator not in text:
        return [text]
    top = _top_level(text)
    parts, start = [], 0
    for i, ch in enumerate(text):
        if ch == separator and top[i]:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _top_level_words(text: str) -> list[tuple[int, str]]:
    top = _top_level(text)
    return [(m.start(), m.group(0)) for m in _WORD.finditer(text) if top[m.start()]]
