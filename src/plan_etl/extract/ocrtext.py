"""Words OCR misread, set right against a lexicon before the table code reads them.

Tesseract's slips on Russian print are single glyphs that look alike («Мсроприятие»,
«Координацня», «докумснта»). A word no lexicon knows is tried with each of its letters
swapped for a look-alike (`LOOK_ALIKES`); when exactly one such spelling is a known word,
that is what was printed; so is a known word with a one-letter word OCR glued to it
(«втечение», «Отчетв»). The lexicon is pymorphy3's dictionary (every form of every common
Russian word), the plan's own vocabulary — the words of the catalogue, header, body, region
and act data, which name what the dictionary lacks («клиентоцентричности», «медиаплана») —
and the decree's own words read with confidence (its preamble: the region's bodies, their
abbreviations). A word is left as read when no swap or more than one gives a known word,
when it is short (a two-letter slip can make any word), an abbreviation, a number, or a name
the swap would make (a surname is no evidence). An abbreviation no lexicon knows is split
into two the decree prints apart («ОИВРТ» → «ОИВ РТ»); capitals in a lower-case sentence
are a case slip («Назначение В органах»). Before the lexicon: a dash standing alone is
Word's «–», a dash glued before a word and a word that is only a speck (a lone comma, bar,
tick) are the edges of wiped rules and noise. Each change keeps the word as read in the
row's warning.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from importlib import resources
from itertools import pairwise

from plan_etl.morphology import analyzer
from plan_etl.normalize.dates import names_month, roman_numeral

# Letters Tesseract's Russian model takes for one another (each way): shapes a stroke or a
# serif apart. Generic print confusions, not words of any decree.
LOOK_ALIKES = (
    "ес", "ео", "ос", "ин", "ип", "нп", "лп", "лд", "шщ", "цщ", "шм", "ьы", "ьъ", "ьб",
    "тг", "зэ", "уч", "ад", "кх", "ая", "мн", "йи", "йн", "ёе",
)  # fmt: skip
_SWAPS: dict[str, str] = {}
for _a, _b in LOOK_ALIKES:
    _SWAPS[_a] = _SWAPS.get(_a, "") + _b
    _SWAPS[_b] = _SWAPS.get(_b, "") + _a
# Russian's one-letter words (prepositions, conjunctions), which OCR glues to a neighbour
# when the space before or after them is narrow
ONE_LETTER_WORDS = frozenset("вскоуиа")
MIN_LENGTH = 4  # shorter words are left as read: a swap turns most of them into another word
# Words the decree itself prints, read with at least this confidence and at least this
# often, join its lexicon (the preamble's names of bodies and the region).
OWN_CONFIDENCE = 90.0
OWN_TIMES = 2
# pymorphy3 tags of names: a swap that gives only a name is no correction.
NAME_TAGS = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad", "Abbr", "Init"})
DATA_FILES = ("catalogue.toml", "headers.toml", "bodies.toml", "regions.toml", "acts.toml")
# learned.json: the phrasings the matcher learned from labelled plans (the genre's words,
# «медиаплан» among them, which no dictionary has)
DATA_FILES += ("abbreviations.toml", "learned.json")
_WORD = re.compile(r"[а-яё]+", re.IGNORECASE)
CORRECTED_NOTE = "OCR words corrected:"


_morph = analyzer  # the process's one dictionary (`plan_etl.morphology`)


@cache
def plan_words() -> frozenset[str]:
    """Every Cyrillic word of the plan's data files, lower case."""
    package = resources.files("plan_etl.data")
    text = " ".join(package.joinpath(name).read_text(encoding="utf-8") for name in DATA_FILES)
    return frozenset(w.lower() for w in _WORD.findall(text))


@cache
def plan_forms() -> frozenset[str]:
    """The plan words and every form of those the dictionary lacks, inflected by pymorphy3's
    analogy («медиаплана» → «медиапланом»): the catalogue writes one form, a decree another."""
    morph = _morph()
    forms = set(plan_words())
    for word in plan_words():
        if not morph.word_is_known(word):
            forms.update(form.word for form in morph.parse(word)[0].lexeme)
    return frozenset(forms)


@cache
def region_abbreviations() -> frozenset[str]:
    """Every region's initials as officialese abbreviates it («Республика Татарстан» → «РТ»,
    «Самарская область» → «СО»), and its fixed short forms (ХМАО)."""
    from plan_etl.data import load_toml

    out = set()
    for region in load_toml("regions.toml")["region"]:
        words = [w for w in region["words"] if w[:1].isalpha()]
        out.add("".join(w[0].upper() for w in words))
        out.update(region.get("aliases", []))
    return frozenset(a for a in out if len(a) >= MIN_ABBREVIATION)


@dataclass(frozen=True)
class Lexicon:
    """The words a decree's OCR'd text is checked against: pymorphy3's dictionary, the plan
    vocabulary, and `own` (the decree's words read with confidence); `apart`, the region
    abbreviations the decree prints as words of their own («ОИВ РТ», «АГ СО»)."""

    own: frozenset[str] = frozenset()
    apart: frozenset[str] = frozenset()

    def knows(self, word: str) -> bool:
        low = word.lower()
        return low in self.own or dictionary_word(low)

    def correction(self, word: str, following: str = "") -> str | None:
        """The one known spelling of `word` OCR misread, in its case: a look-alike letter
        swapped, a one-letter word split off, or (an abbreviation) two abbreviations split
        apart; None when `word` is known, too short, or none or several spellings are.
        `following`, the next word of its printed line, decides between spellings where
        one splits off a preposition whose case it takes (`_governed`)."""
        if len(word) < MIN_LENGTH or not word.isalpha():
            return None
        if word.isupper() and (split := self._region_apart(word)):
            return split
        if self.knows(word):
            return self._own_glued(word, following)
        if _is_abbreviation(word):
            found = self._two_abbreviations(word) if word.isupper() else set()
        else:
            low = word.lower()
            found = {
                spelling
                for i, letter in enumerate(low)
                for other in _SWAPS.get(letter, "")
                if self.knows(spelling := low[:i] + other + low[i + 1 :])
                and not _only_name(spelling)
            }
            found |= self._unglued(low)
        if len(found) > 1:  # «отчето формировании»: «отчете» or «отчет о»
            governed = {f for f in found if _governed(f, following)}
            found = governed if len(governed) == 1 else found
        if len(found) != 1:
            return None
        return _in_case_of(found.pop(), word)

    def _own_glued(self, word: str, following: str) -> str | None:
        """`word`, known only as the decree's own (neither the dictionary nor the plan data
        has it), as a preposition glued to a word which takes its case («свнутренним» → «с
        внутренним», «отчето» before «формировании»): OCR glues the same narrow space each
        time, so the glued form recurs with confidence."""
        low = word.lower()
        if dictionary_word(low):
            return None
        found = {s for s in self._unglued(low, dictionary_word) if _governed(s, following)}
        return _in_case_of(found.pop(), word) if len(found) == 1 else None

    def _two_abbreviations(self, word: str) -> set[str]:
        """An all-capital `word` as two abbreviations the decree itself prints or the plan
        data knows, OCR having lost the space between them («ОИВРТ» → «ОИВ РТ»)."""
        known = self.own | plan_forms()
        return {
            f"{word[:n]} {word[n:]}".lower()
            for n in range(MIN_ABBREVIATION, len(word) - MIN_ABBREVIATION + 1)
            if word[:n].lower() in known and word[n:].lower() in known
        }

    def _region_apart(self, word: str) -> str | None:
        """An all-capital `word` that ends in a region abbreviation the decree prints on its
        own, with an abbreviation of two letters or more before it («ОИВРТ» → «ОИВ РТ»):
        officialese prints a body and its region apart, and OCR, seeing the same narrow space
        each time, glues them each time (so the glued form may be among the decree's own
        words). A word the dictionary or the plan data knows stays; so does one two region
        abbreviations could end («ГКУНСО»: «НСО» or «СО»)."""
        low = word.lower()
        if dictionary_word(low):
            return None
        found = {
            f"{word[: -len(region)]} {region}"
            for region in self.apart
            if word.endswith(region) and len(word) - len(region) >= MIN_ABBREVIATION
        }
        return found.pop() if len(found) == 1 else None

    def _unglued(self, low: str, known=None) -> set[str]:
        """`low` as a one-letter word and a known word OCR ran together («втечение» → «в
        течение», «отчетв» → «отчет в»); `known` tells a known word (the lexicon's)."""
        known = known or self.knows
        splits = set()
        if low[0] in ONE_LETTER_WORDS and len(low) > MIN_LENGTH and known(low[1:]):
            splits.add(f"{low[0]} {low[1:]}")
        if low[-1] in ONE_LETTER_WORDS and len(low) > MIN_LENGTH and known(low[:-1]):
            splits.add(f"{low[:-1]} {low[-1]}")
        return splits


def dictionary_word(low: str) -> bool:
    """Whether `low` is a word of pymorphy3's dictionary or of the plan data (a lexicon
    without the decree's own words)."""
    return low in plan_forms() or _known_to_dictionary(low)


# The cases a one-letter preposition governs in officialese (pymorphy3's tags): the word
# after it takes one («о» with the accusative, «удариться о стену», is no plan's)
PREPOSITION_CASES = {
    "в": frozenset({"accs", "loct", "loc2", "acc2"}),
    "о": frozenset({"loct"}),
    "с": frozenset({"ablt", "gent", "gen2"}),
    "к": frozenset({"datv"}),
    "у": frozenset({"gent", "gen2"}),
}
# Parts of speech that stand after a preposition (a noun, an adjective, a participle, a
# pronoun, a numeral)
_GOVERNABLE = frozenset({"NOUN", "ADJF", "PRTF", "NPRO", "NUMR"})


def _governed(spelling: str, following: str) -> bool:
    """Whether `spelling` is a preposition split off a word with the word after it taking
    the preposition's case: «с внутренним», or «отчет о» before «формировании»."""
    parts = spelling.split(" ")
    if len(parts) != 2:
        return False
    if parts[0] in PREPOSITION_CASES:
        return _takes(parts[0], parts[1])
    return parts[1] in PREPOSITION_CASES and _takes(parts[1], following)


@lru_cache(maxsize=65536)
def _takes(preposition: str, word: str) -> bool:
    """Whether `word` (lower case, as read) has a reading in a case `preposition` governs:
    a dictionary reading, or for a word of the plan data the dictionary lacks
    («реинжиниринге»), pymorphy3's reading by analogy."""
    core = word.rstrip(_PUNCTUATION)
    if not core.isalpha() or not core.islower():
        return False
    guess = core in plan_forms()
    return any(
        (p.is_known or guess)
        and p.tag.POS in _GOVERNABLE
        and p.tag.case in PREPOSITION_CASES[preposition]
        for p in _morph().parse(core)
    )


@lru_cache(maxsize=65536)
def _known_to_dictionary(low: str) -> bool:
    return bool(_morph().word_is_known(low))


@lru_cache(maxsize=65536)
def _only_name(low: str) -> bool:
    """Whether every dictionary reading of `low` is a name, place or abbreviation."""
    parses = _morph().parse(low)
    return all(p.tag.grammemes & NAME_TAGS for p in parses if p.is_known) and any(
        p.is_known for p in parses
    )


# An all-capital word longer than this is a heading's word («СОТРУДНИКОВ»), not an
# abbreviation («ИОГВ», «ТФОМС»)
MAX_ABBREVIATION = 6
MIN_ABBREVIATION = 2


@lru_cache(maxsize=65536)
def _plain_word(low: str) -> bool:
    """Whether the dictionary reads `low` as a common word (not only an abbreviation or a
    name): «связи» is one, «оив» and «мфц» are not."""
    parses = [p for p in _morph().parse(low) if p.is_known]
    return any(not p.tag.grammemes & NAME_TAGS for p in parses)


def _is_abbreviation(word: str) -> bool:
    """Two capitals or more in a word mixed in case («ДепИТ») or short («ОИВ»)."""
    capitals = sum(c.isupper() for c in word)
    return capitals >= 2 and (capitals < len(word) or len(word) <= MAX_ABBREVIATION)


def _in_case_of(spelling: str, word: str) -> str:
    """`spelling` written in the case pattern of `word` (capitalised, upper, lower)."""
    if word.isupper():
        return spelling.upper()
    return spelling[:1].upper() + spelling[1:] if word[:1].isupper() else spelling


def own_words(words: Iterable[tuple[str, float]], times: int = OWN_TIMES) -> frozenset[str]:
    """The words (lower case) a decree prints, read with at least OWN_CONFIDENCE, at least
    `times` times: its own names join its lexicon."""
    counts = Counter(
        w.lower() for text, conf in words if conf >= OWN_CONFIDENCE for w in _WORD.findall(text)
    )
    return frozenset(w for w, n in counts.items() if n >= times)


def apart_regions(words: Iterable[tuple[str, float]], times: int = OWN_TIMES) -> frozenset[str]:
    """The region abbreviations (`region_abbreviations`) a decree prints as a word of their
    own, read in capitals with at least OWN_CONFIDENCE, at least `times` times."""
    counts = Counter(
        core
        for text, conf in words
        if conf >= OWN_CONFIDENCE and (core := text.strip(_PUNCTUATION)) in region_abbreviations()
    )
    return frozenset(a for a, n in counts.items() if n >= times)


_PUNCTUATION = ",.;:()«»\"'–-"


def corrected(text: str, lexicon: Lexicon, following: str = "") -> str:
    """`text` (one OCR word, perhaps with punctuation or a hyphen) with each of its letter
    runs set right where the lexicon knows what was printed (`following`: the next word of
    its printed line). A run before a final hyphen is a line-end fragment of a longer word
    and is left as read."""
    hyphen_end = text.rstrip().endswith("-")

    def one(m: re.Match[str]) -> str:
        if hyphen_end and m.end() >= len(text.rstrip()) - 1:
            return m[0]
        after = following if m.end() == len(text) else ""
        return lexicon.correction(m[0], after) or m[0]

    return _WORD.sub(one, text)


# A word OCR split in two within one printed line of a cell: its head (after an opening
# quote or bracket) and its tail (before closing punctuation), both letters; a head shorter
# than this is more often a misread speck than half a word.
_HEAD = re.compile(r"^([«\"(]?)([а-яё]{3,})$", re.IGNORECASE)
_TAIL = re.compile(r"^([а-яё]+)([,.;:)»]*)$")


def rejoined(text: str, lexicon: Lexicon) -> tuple[str, list[tuple[str, str]]]:
    """`text` (a cell, lines apart by newlines) with each word OCR split in two joined
    («удовлетворенност и», «предоставляю щие»): two neighbours on one line, the second in
    lower case, that make a known word while one of them is none (a one-letter piece is a
    word only if Russian has it: «и», not «х»). Also the changes, as read → as joined."""
    changes: list[tuple[str, str]] = []
    lines = []
    for line in text.split("\n"):
        tokens, out = line.split(" "), []
        while tokens:
            token = tokens.pop(0)
            head = _HEAD.match(token)
            tail = _TAIL.match(tokens[0]) if tokens and head else None
            if head and tail and _split_word(head[2], tail[1], lexicon):
                joined = head[1] + head[2] + tokens.pop(0)
                changes.append((f"{token} {tail[0]}", joined))
                token = joined
            out.append(token)
        lines.append(" ".join(out))
    return "\n".join(lines), changes


def _split_word(head: str, tail: str, lexicon: Lexicon) -> bool:
    """Whether `head` and `tail` are one word OCR split: together known, apart not both
    words of the dictionary or the plan data (the decree's own words do not count here: OCR
    splits a long word at the same place each time, and reads the pieces with confidence)."""

    def word(piece: str) -> bool:
        low = piece.lower()
        if len(low) == 1:
            return low in ONE_LETTER_WORDS
        return dictionary_word(low)

    return lexicon.knows(head + tail) and not (word(head) and word(tail))


def split_by_government(text: str, lexicon: Lexicon) -> tuple[str, list[tuple[str, str]]]:
    """`text` (a cell, lines apart by newlines) with a word that is a known word and a
    one-letter preposition OCR glued («отчето формировании», «отчетс приложением») split
    where the word after it, on its line or the next, takes the preposition's case, and no
    other spelling does (`Lexicon.correction` with the following word: a look-alike swap,
    «отчете», stays a rival otherwise). Also the changes, as read → as split."""
    lines = [line.split(" ") for line in text.split("\n")]
    flat = [(i, j) for i, line in enumerate(lines) for j in range(len(line))]
    changes = []
    for (i, j), after in zip(flat, [*flat[1:], None], strict=True):
        token = lines[i][j]
        m = _GLUED_CORE.match(token)
        if not m or after is None or dictionary_word(m[2].lower()):
            continue
        split = lexicon.correction(m[2], lines[after[0]][after[1]])
        if split and " " in split:
            lines[i][j] = m[1] + split + m[3]
            changes.append((token, lines[i][j]))
    return "\n".join(" ".join(line) for line in lines), changes


_GLUED_CORE = re.compile(r"^([«\"(]?)([а-яё]+)([,.;:)»]*)$", re.IGNORECASE)


# Initials after a surname: «Р.К.» ends in a dot; OCR reads that dot as a comma («Р.К,»)
_CUT_INITIALS = re.compile(r"(?<![\w-])([А-ЯЁ][а-яё]+ )([А-ЯЁ]\.[А-ЯЁ]),(?=\s|$)")
_LISTED_INITIALS = re.compile(r"[А-ЯЁ][а-яё]+ [А-ЯЁ]\.[А-ЯЁ]\.,")


def initials(text: str) -> tuple[str, list[tuple[str, str]]]:
    """`text` (a cell) with initials whose final dot OCR read as a comma («Газимагомедов
    Р.К,», «Чуменко А.Н, Волженина») ending in their dot: initials always end in one, and
    a comma after it only where the cell separates its names by commas (another name's
    initials read whole are followed by one: «Петров П.П., Сидоров»), where a dot and a
    comma were printed and OCR read one mark. Also the changes, as read → as set right."""
    listed = bool(_LISTED_INITIALS.search(text))
    changes = []

    def one(m: re.Match[str]) -> str:
        mended = f"{m[2]}.," if listed else f"{m[2]}."
        changes.append((f"{m[2]},", mended))
        return m[1] + mended

    return _CUT_INITIALS.sub(one, text), changes


def unread_words(text: str) -> list[str]:
    """The words of `text` (a heading read by OCR) neither pymorphy3's dictionary nor the
    plan data knows: lower-case words of MIN_LENGTH letters or more (names and
    abbreviations are capitalised), which OCR garbled past setting right («доетупа»,
    «информацин»). The decree's own words do not vouch here: a misreading that recurs
    with confidence is still no word."""
    cores = (w.strip(_PUNCTUATION + _SPECK) for w in text.split())
    return [
        w
        for w in dict.fromkeys(cores)
        if len(w) >= MIN_LENGTH and w.isalpha() and w.islower() and not dictionary_word(w)
    ]


@dataclass(frozen=True)
class NumeralWidths:
    """Thresholds of reading a Roman numeral OCR garbled by its width (`numerals_by_width`)."""

    # A numeral's width over its height, for each value, is the median over the numerals of
    # the decree OCR read as that value (I ≈ 0.37, II ≈ 0.83, III ≈ 1.3 on the bench
    # scans), from at least this many readings (one the grammar reads is evidence) ...
    min_samples: int = 1
    # ... and a numeral whose glyphs read as none is the one value whose width it has
    # within this share (the values stand 40 % and more apart)
    tolerance: float = 0.15
    # Each value is at least this much wider than the one before it (a stroke more: II is
    # over twice I, III half again II), else one of the readings measured is a misread
    step: float = 1.3


NUMERAL_WIDTHS = NumeralWidths()
# The glyphs OCR reads for a numeral's strokes: those the deadline grammar reads
# (`roman_numeral`), and strokes with bars it miscounts («Ч», «Е», «ш», «п», «г»)
_STROKES = frozenset("IΙlі|[]\\1ТГПНИЙЦШЩVУЧЕтушпг")
_PERIOD_WORD = re.compile(r"^(?:кв|квартал|полугод)", re.IGNORECASE)
_V = frozenset("VУу")


def numerals_by_width(pages: list[list]) -> list[dict[int, str]]:
    """For each page's words (anything with a `text`, a box and a `line`, in reading
    order), the Roman numerals before a period noun («ПШ квартал», «ШП квартал») whose
    glyphs read as no numeral, read by their width instead: index → the numeral. The
    decree's own numerals OCR did read (`roman_numeral`) tell how wide each value is
    printed, as strokes do not blur into a different width the way they blur into a
    different letter; a numeral with a V-like glyph can only be IV. None is guessed: a
    width that is no value's, or two values', leaves the word as read."""
    slots = [[(i, w) for i, w in enumerate(words) if _numeral_slot(words, i)] for words in pages]
    widths: dict[str, list[float]] = {}
    for page in slots:
        for _, w in page:
            if value := roman_numeral(w.text):
                widths.setdefault(value, []).append(_aspect(w))
    medians = {
        value: sorted(found)[len(found) // 2]
        for value, found in widths.items()
        if len(found) >= NUMERAL_WIDTHS.min_samples
    }
    if not _widening(medians):
        return [{} for _ in pages]  # a reading the widths contradict: none is a measure
    out = []
    for page in slots:
        read = {}
        for i, w in page:
            if roman_numeral(w.text):
                continue
            values = ("IV",) if _V & set(w.text) else ("I", "II", "III")
            near = [
                v
                for v in values
                if v in medians
                and abs(_aspect(w) - medians[v]) <= NUMERAL_WIDTHS.tolerance * medians[v]
            ]
            if len(near) == 1:
                read[i] = near[0]
        out.append(read)
    return out


def _widening(medians: dict[str, float]) -> bool:
    """Whether the widths measured grow with the strokes, each value at least
    `NUMERAL_WIDTHS.step` times as wide as the one before it (I, II, III; IV beside II)."""
    order = [v for v in ("I", "II", "III") if v in medians]
    pairs = list(pairwise(order))
    pairs += [("II", "IV")] if "II" in medians and "IV" in medians else []
    return all(medians[b] >= NUMERAL_WIDTHS.step * medians[a] for a, b in pairs)


def _numeral_slot(words: list, i: int) -> bool:
    """Whether `words[i]` is numeral glyphs standing before a period noun on its line."""
    word = words[i]
    after = words[i + 1] if i + 1 < len(words) else None
    return (
        after is not None
        and after.line == word.line
        and after.x0 > word.x1
        and bool(_PERIOD_WORD.match(after.text))
        and 0 < len(word.text) <= 4
        and set(word.text) <= _STROKES
    )


def _aspect(word) -> float:
    return (word.x1 - word.x0) / max(word.bottom - word.top, 1e-6)


def corrected_note(changes: list[tuple[str, str]]) -> str:
    """The row warning naming the words corrected, as read → as corrected."""
    return f"{CORRECTED_NOTE} " + ", ".join(f"{old} → {new}" for old, new in changes)


def lower_case_slip(text: str, before: str, after: str, lexicon: Lexicon) -> str:
    """A word OCR read in capitals in the middle of a lower-case sentence («Назначение В
    органах», «целевого СОСТОЯНИЯ выбранных») in lower case: a one-letter word, or a known
    word too long for an abbreviation. `before` and `after` are its neighbours on its line."""
    if not (before[-1:].islower() and after[:1].islower() and text.isalpha() and text.isupper()):
        return text
    if roman_numeral(text) and _PERIOD_WORD.match(after):
        return text  # «план ШУ квартал»: a numeral's strokes, which the dates grammar reads
    low = text.lower()
    if len(text) == 1:
        return low if low in ONE_LETTER_WORDS else text
    if len(text) > MAX_ABBREVIATION:
        return low if lexicon.knows(low) else text
    return low if _plain_word(low) and low not in lexicon.own else text


@dataclass(frozen=True)
class CaseByHeight:
    """Thresholds of reading a word's case from its height (`lower_by_height`)."""

    # Words of the line read at least this surely are its lowercase reference ...
    min_confidence: float = 80.0
    # ... when their bottom is within this share of the font size of the word's (one
    # baseline), or up to `descender` below it for a word with a letter hanging below the
    # line (д, р, у); and a word whose top is as low as theirs within this share has no
    # capital. Capitals stand ≈ 0.22 em above the lowercase (measured on the bench scans).
    slack: float = 0.1
    descender: float = 0.35
    # A lowercase word's box is about as tall as its letters are wide (0.9–1.3 on the bench
    # scans); one this much taller holds noise (a stamp, a rule's remnant) and is no measure.
    max_aspect: float = 1.5


CASE = CaseByHeight()
MAX_SHORT_ABBREVIATION = 3
# A word this long followed by a stop may be a whole word whose stop is a speck (shorter
# ones are too often abbreviations: «гос.», «тыс.», «обл.»)
MIN_WHOLE_WORD = 4
# Words of one sentence on a line stand at most this many font sizes apart (a space is a
# quarter to a half of one; a column gap is several)
MAX_WORD_GAP = 1.5
# A dash standing alone is printed at least this many font sizes wide (an en dash is half
# of one, a hyphen a third); a narrower one is a speck or a rule's end OCR read as a dash
MIN_DASH_WIDTH = 0.2
# Lowercase letters with neither an ascender nor a descender: a word of these is x-height
# tall, which makes it the reference a word's case is told by
_X_HEIGHT = frozenset("авгежзиклмнопстхчшъыьэюя")
_DESCENDERS = frozenset("друщц")
_LOWERCASE = _X_HEIGHT | _DESCENDERS
_CORE = re.compile(r"^([а-яё]+)([,.;:]?)$", re.IGNORECASE)


def lower_by_height(word, words: list) -> str:
    """`word.text` in lower case where OCR read a capital its box shows was not printed
    («клиентоцентричности В регионе», «обратной СВЯЗИ»: Tesseract's Russian model takes в,
    с, т … for their capitals, which differ only in size): its top is as low as that of
    most lowercase words on its baseline (`words`, its Tesseract line). A capital stands ≈
    a fifth of an em above them; a lowercase word standing above the word itself has noise
    in its box and is no measure. Only a word with no letter below the line (its bottom is
    then its baseline) whose lower case is a common word (or a one-letter preposition), and
    not one of two or three capitals («СО» is an abbreviation more often than «со»)."""
    m = _CORE.match(word.text)
    if not m or m[1].islower():
        return word.text
    low = m[1].lower()
    if _DESCENDERS & set(low) or not (
        low in ONE_LETTER_WORDS if len(low) == 1 else _plain_word(low)
    ):
        return word.text
    if m[1].isupper() and 1 < len(low) <= MAX_SHORT_ABBREVIATION:
        return word.text  # «СО», «ВО»: a region's or a body's abbreviation, not «со», «во»
    slack = CASE.slack * word.size
    tops = [w.top for w in words if w is not word and _lowercase_on(w, word, slack)]
    level = sum(top <= word.top + slack for top in tops)
    return low + m[2] if tops and 2 * level > len(tops) else word.text


def _lowercase_on(ref, word, slack: float) -> bool:
    """Whether `ref` is a lowercase word read surely on the baseline of `word` (whose
    bottom is its baseline), its top a measure of the x-height there: no capital, no
    letter above the x-height, its top not above the word's, its box not noise-tall."""
    if len(ref.text) < 2 or not set(ref.text) <= _LOWERCASE or ref.confidence < CASE.min_confidence:
        return False
    hangs = CASE.descender * word.size if _DESCENDERS & set(ref.text) else slack
    x_height = word.bottom - ref.top
    return (
        word.bottom - slack <= ref.bottom <= word.bottom + hangs
        and ref.top >= word.top - slack
        and x_height * len(ref.text) <= CASE.max_aspect * (ref.x1 - ref.x0)
    )


# Dashes: OCR cannot tell a hyphen, an en and an em dash apart by length, and the dash that
# stands between words in office print is Word's «–» (a run of two, «-—», is one dash read
# twice); a dash glued to the front of a word or bracket is the edge of a wiped rule
# («—МТЗМ», «—(ОЦС-1)»), as print never joins a dash to the word after it, and so is a dash
# run with the specks a rule's blurred edge leaves («—_о», «—°МУФ»).
_DASH_RUN = re.compile(r"^[-–—―]+$")
_GLUED_DASH = re.compile(r"^[-–—―][-–—―_=°~]*(?=[^\W\d_]|[«(])")


# A speck of noise read as a quote or a tick inside an item number («5.1.«6.», «3.‹6») or
# before the piece of one OCR read apart («3.» «»6.»): nothing but digits and dots is
# printed between a number's dot and its next digit.
_SPECK = "«»\"'‹›`,*^~“”„‘’"
_NUMBER_SPECK = re.compile(rf"(?<=\d\.)[{_SPECK}](?=\d)|^[{_SPECK}](?=(?:\d+\.)+\d*$)")


# A «word» of nothing but these is a speck or a rule's edge: print attaches commas, stops
# and colons to the word before them, and has no bars, underscores or ticks in a plan's text
# (dashes count here when something else is among them: «—=—» is no dash, a rule's edge)
_SPECK_WORD = re.compile(r"^[|_=‘’'`~^*,.:;!•°$—–-]+$")
# Specks after a word's closing punctuation («орган;$»): print puts nothing after «;» in a
# word, and a plan prints no «$»
_TRAILING_SPECK = re.compile(r"(?<=[.,;:)»])[|_=`~^°$]+$")


# A single quote or tick glued to the edge of a Cyrillic word («‘в», «и’»): Russian print
# quotes with «» or „“ and has no apostrophe at a Cyrillic word's edge, so it is a speck
_GLUED_TICK = re.compile(r"^[‘’‚‛`](?=[а-яё])|(?<=[а-яё])[‘’‚‛`]$", re.IGNORECASE)


def dashes(text: str) -> str:
    """A word's dashes as printed (a dash alone is «–», a dash glued before a word is none),
    its item number without specks, a tick glued to its edge gone, and a word that is only
    a speck gone (empty)."""
    if _DASH_RUN.match(text):
        return "–"
    if _SPECK_WORD.match(text):
        return ""
    text = _TRAILING_SPECK.sub("", _GLUED_TICK.sub("", text))
    return _NUMBER_SPECK.sub("", _GLUED_DASH.sub("", text))


def after_verb(before: str) -> bool:
    """Whether `before`, the word before a lone dash, is a verb's form (an infinitive, an
    imperative, a finite verb): print sets a dash between a subject and its predicate noun,
    or in a range, never between a verb and its object («Утвердить – планы», «Провести –
    самооценку» are a speck between two words read as a dash)."""
    core = before.strip(_PUNCTUATION).lower()
    if not core.isalpha():
        return False
    parses = [p for p in _morph().parse(core) if p.is_known]
    return bool(parses) and all(p.tag.POS in ("INFN", "VERB") for p in parses)


def beside(words: list, cells: list | None, i: int, j: int) -> bool:
    """Whether word `j` is surely word `i`'s neighbour in its sentence: on its Tesseract
    line, in its ruled cell and a space away (a Tesseract line crosses the columns, so the
    next word on it may be another column's, far to the right)."""
    if not 0 <= j < len(words) or words[i].line is None:
        return False
    a, b = (words[i], words[j]) if i < j else (words[j], words[i])
    gap = b.x0 - a.x1
    return (
        b.line == a.line
        and (not cells or cells[j] == cells[i])
        and -a.size <= gap <= MAX_WORD_GAP * a.size
    )


def without_stray_stop(text: str, lexicon: Lexicon) -> str:
    """A word followed by a full stop, then (in its sentence) by a lower-case word, without
    that stop where the word is a whole word the lexicon knows and no abbreviation
    («власти. области», «реинжинирингу. процессов»): after a stop a sentence starts with a
    capital, so only an abbreviation's stop («г. Калуга», «обл. центр», «т. е.») stands
    before a lower-case word, and a stop after a whole word is a speck OCR read as one."""
    core = text[:-1]
    if not (text.endswith(".") and len(core) >= MIN_WHOLE_WORD and core.isalpha()):
        return text
    low = core.lower()
    if not lexicon.knows(low) or any("Abbr" in p.tag for p in _morph().parse(low)):
        return text
    return core


# The vowel-ended forms of one-letter prepositions («ко всем», «во время», «со дня»)
_PREPOSITION_OF = {"ко": "к", "во": "в", "со": "с", "обо": "о"}


def abbreviation_read_low(text: str, following: str, lexicon: Lexicon) -> str:
    """A region abbreviation the decree prints apart in capitals («КО», `Lexicon.apart`)
    that OCR read in lower case, as the preposition it spells («Минэкономразвития ко»):
    the abbreviation, unless the word after it (`following`, in its sentence) is one the
    preposition governs («ко всем органам» stays)."""
    core = text.rstrip(",.;:)")
    if not core.isalpha() or not core.islower() or core.upper() not in lexicon.apart:
        return text
    preposition = _PREPOSITION_OF.get(core)
    if preposition and following and _takes(preposition, following.lower()):
        return text
    return core.upper() + text[len(core) :]


def sentence_neighbours(words: list, cells: list | None) -> list[tuple[int | None, int | None]]:
    """Each word's previous and next word in its sentence: in a ruled cell, the cell's
    words in reading order (by line, top down, then x: a sentence goes on to the cell's next line,
    while the next word in Tesseract's order may be another column's); elsewhere, the
    word beside it on its line (`beside`)."""
    out: list[tuple[int | None, int | None]] = [
        (i - 1 if beside(words, cells, i, i - 1) else None,
         i + 1 if beside(words, cells, i, i + 1) else None)
        for i in range(len(words))
    ]  # fmt: skip
    by_cell: dict[object, list[int]] = {}
    for i, cell in enumerate(cells or ()):
        if cell is not None and words[i].line is not None:
            by_cell.setdefault(cell, []).append(i)
    for members in by_cell.values():
        # Tesseract numbers its lines block by block, not top to bottom: a cell's lines go
        # in the order of their baselines
        level: dict[object, float] = {}
        for i in members:
            level[words[i].line] = max(level.get(words[i].line, 0.0), words[i].baseline)
        members.sort(key=lambda i: (level[words[i].line], words[i].line, words[i].x0))
        for k, i in enumerate(members):
            before = members[k - 1] if k else None
            out[i] = (before, members[k + 1] if k + 1 < len(members) else None)
    return out


def with_corrections(
    words: list, lexicon: Lexicon, cells: list | None = None
) -> tuple[list, dict[str, str]]:
    """OCR `words` (anything with a `text` and a `line`, in reading order) with their
    misread words corrected and case slips undone, and each changed word part (as split by
    spaces) mapped to its part as read. `cells`, the ruled cell each word stands in, keeps
    the measure of a word's height to its own cell (Tesseract's lines cross the columns)."""
    out, originals = [], {}
    keys = [(w.line, cells[i] if cells else None) for i, w in enumerate(words)]
    lines: dict[tuple, list] = {}
    for key, word in zip(keys, words, strict=True):
        lines.setdefault(key, []).append(word)
    sentence = sentence_neighbours(words, cells)
    for i, word in enumerate(words):
        before, after = (words[j] if 0 <= j < len(words) else None for j in (i - 1, i + 1))
        text = dashes(word.text)
        if not text and after and names_month(after.text):
            text = word.text  # «до | июля»: a day the deadline grammar reads
        if text == "–" and (
            word.x1 - word.x0 < MIN_DASH_WIDTH * word.size
            or (before and keys[i - 1] == keys[i] and after_verb(before.text))
        ):
            text = ""  # a speck OCR read as a dash
        following = after.text if after and keys[i + 1] == keys[i] else ""
        text = corrected(text, lexicon, following)
        if word.line is not None:
            text = lower_by_height(replace(word, text=text), lines[keys[i]])
        prev, nxt = (words[j] if j is not None else None for j in sentence[i])
        if prev and nxt and word.line is not None:
            text = lower_case_slip(text, prev.text, nxt.text, lexicon)
        text = abbreviation_read_low(text, nxt.text if nxt else "", lexicon)
        if after and beside(words, cells, i, i + 1) and after.text[:1].islower():
            text = without_stray_stop(text, lexicon)  # a stop ends a line: its line only
        if text != word.text:
            for new, old in zip(text.split(), word.text.split(), strict=False):
                if new != old:
                    originals[new] = old
            word = replace(word, text=text)
        if text:
            out.append(word)
    return out, originals
