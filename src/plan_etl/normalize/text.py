"""Text cleanup shared by every extractor and normalizer.

Decrees reach us through PDF text layers, Word XML and text dumps of both, so the same
layout debris shows up everywhere: `<p>` tags, non-breaking spaces, stretched spacing,
Latin letters typed (or OCR'd) inside Cyrillic words, words hyphenated at a line end.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

_TAG = re.compile(r"</?\s*(p|br|b|i|strong|em|span|div)\b[^>]*>", re.IGNORECASE)
_BLANKS = "\t\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff"  # besides the plain space
_SPACES = re.compile(f"[ {_BLANKS}]+")
# Most cells are spaced by single plain spaces only, which `_SPACES` would rewrite as they are;
# a search for anything else is twice as fast as that `sub`.
_ODD_SPACING = re.compile(f"[{_BLANKS}]| {{2}}")
_ZERO_WIDTH = re.compile(r"[\u00ad\u200c\u200d\u2060]")
_DASHES = str.maketrans({"\u2012": "–", "\u2015": "—", "\u2010": "-", "\u2011": "-"})
# `str.translate` walks every character through a dict; most cells have none of these dashes,
# and a regex finds that out ~10× faster.
_ODD_DASH = re.compile("[" + "".join(map(chr, _DASHES)) + "]")

# Straight and English/German-style double quotes become «»; whether one opens or closes is
# read from what stands before it, since “ opens in “…” but closes in „…“.
_DOUBLE_QUOTE = re.compile(r"[\"\u201c\u201d\u201e]")
_OPENS_AFTER = set(" ([{«„/-–—")

# A word that mixes the two scripts: Latin letters inside a Cyrillic word are a typing or
# extraction artifact, never intended («кlientоцентричности»).
_MIXED_WORD = re.compile(r"\b(?=\w*[а-яёА-ЯЁ])(?=\w*[a-zA-Z])[\w]+\b")
_CYRILLIC_WORD = re.compile(r"\b[а-яёА-ЯЁ]+\b")
_LATIN = re.compile(r"[a-zA-Z]")  # no Latin letter, no mixed word: a quick test before it
# Latin → Cyrillic: look-alikes map to their twin; the rest by transliteration, which is what
# such words show (l→л, i→и, n→н).
_LATIN_TO_CYRILLIC = str.maketrans(
    "aAbBcCeEHKkMmoOpPTtxXyYlLiInNdDfFgGrRsSuUvVzZ",
    "аАбВсСеЕНКкМмоОрРТтхХуУлЛиИнНдДфФгГрРсСуУвВзЗ",
)
# Letters with a second plausible reading: the look-alike where the table transliterates
# (n looks like п, u like и, r like г) or the transliteration where it takes the look-alike
# (p → п). The document's own vocabulary decides between them.
_OTHER_READINGS = {"n": "п", "N": "П", "u": "и", "U": "И", "r": "г", "p": "п", "P": "П", "m": "т"}
_MAX_AMBIGUOUS = 6
# Cyrillic letters that have a Latin twin: a mostly Latin word with a few of these («Еxcel»
# with a Cyrillic Е) is a Latin word, repaired the other way round.
_CYRILLIC_TO_LATIN = str.maketrans("аАВеЕКкМНоОрРсСТхХуУ", "aABeEKkMHoOpPcCTxXyY")
_HAS_NO_LATIN_TWIN = re.compile(r"[^аАВеЕКкМНоОрРсСТхХуУa-zA-Z0-9_]")

# A Roman numeral, possibly typed with Cyrillic Х and С and glued to a case ending («IIго»,
# «ХХI»), stays a Latin numeral.
_ROMAN_WORD = re.compile(
    r"^(?P<numeral>[IVXLCХС]*[IV][IVXLCХС]*|[IVXLCХС]{2,})(?P<ending>[а-яё]{0,3})$"
)
_ROMAN_TO_LATIN = str.maketrans("ХС", "XC")

_VOCABULARY: ContextVar[frozenset[str]] = ContextVar("document_vocabulary", default=frozenset())

_MARKUP = re.compile(r"\*\*|__|^#+\s*")
_LINE_END_HYPHEN = re.compile(r"[а-яёa-z]-$", re.IGNORECASE)
LOWER_START = re.compile(r"^[а-яёa-z]")


@contextmanager
def document_vocabulary(text: str) -> Iterator[None]:
    """Within this block, `clean_text` repairs a mixed-script word to the reading that the
    document spells elsewhere in plain Cyrillic («nлан» → «план» when «план» occurs), instead of
    the letter table's default. Extractors wrap one document's cleanup in it; without it only
    the words of the text being cleaned are consulted."""
    token = _VOCABULARY.set(_cyrillic_words(text))
    try:
        yield
    finally:
        _VOCABULARY.reset(token)


def _cyrillic_words(text: str) -> frozenset[str]:
    return frozenset(w.lower() for w in _CYRILLIC_WORD.findall(text))


def fix_mixed_script(text: str, vocabulary: frozenset[str] = frozenset()) -> str:
    """Rewrite a word that mixes scripts in the script most of its letters are in: Latin
    letters in a Cyrillic word become the Cyrillic letters they stand for, preferring a reading
    found in `vocabulary` (lower-case words); Cyrillic look-alikes in a Latin word, and in a
    Roman numeral, become Latin."""
    if not _LATIN.search(text) or not _MIXED_WORD.search(text):
        return text
    known = vocabulary | _VOCABULARY.get() | _cyrillic_words(text)
    return _MIXED_WORD.sub(lambda m: _fix_word(m.group(0), known), text)


def _fix_word(word: str, known: frozenset[str]) -> str:
    if roman := _ROMAN_WORD.match(word):
        return roman["numeral"].translate(_ROMAN_TO_LATIN) + roman["ending"]
    latin = sum(1 for ch in word if "a" <= ch.lower() <= "z")
    cyrillic = sum(1 for ch in word if ch.isalpha()) - latin
    if latin > cyrillic and not _HAS_NO_LATIN_TWIN.search(word):
        return word.translate(_CYRILLIC_TO_LATIN)
    default = word.translate(_LATIN_TO_CYRILLIC)
    ambiguous = [i for i, ch in enumerate(word) if ch in _OTHER_READINGS][:_MAX_AMBIGUOUS]
    if not ambiguous or default.lower() in known:
        return default
    options = [(default[i], _OTHER_READINGS[word[i]]) for i in ambiguous]
    for choice in itertools.product(*options):
        letters = list(default)
        for i, letter in zip(ambiguous, choice, strict=True):
            letters[i] = letter
        candidate = "".join(letters)
        if candidate.lower() in known:
            return candidate
    return default


def normalize_quotes(text: str) -> str:
    """Write every double quote as « or »: opening at the start or after a space, bracket or
    dash, closing elsewhere."""

    def one(m: re.Match[str]) -> str:
        before = text[m.start() - 1] if m.start() else " "
        return "«" if before in _OPENS_AFTER else "»"

    return _DOUBLE_QUOTE.sub(one, text)


def clean_text(text: str | None) -> str:
    """Normalize one cell or paragraph: NFC (never NFKC: it turns «№» into «No»), no tags,
    one space between words, «» quotes, no mixed-script words."""
    if not text:
        return ""
    return _clean(text, _VOCABULARY.get())


@lru_cache(maxsize=8192)
def _clean(text: str, vocabulary: frozenset[str]) -> str:
    """`clean_text`, remembered: the assembler asks for the same cells again and again (~88
    calls a plan row). Keyed by the document vocabulary too, which decides mixed-script
    words, so one document's reading never leaks into another's."""
    text = unicodedata.normalize("NFC", text)
    text = _TAG.sub(" ", text)
    text = _ZERO_WIDTH.sub("", text)
    if _ODD_DASH.search(text):
        text = text.translate(_DASHES)
    text = text.replace("\r", " ").replace("\n", " ")
    if _ODD_SPACING.search(text):
        text = _SPACES.sub(" ", text)
    return fix_mixed_script(normalize_quotes(text)).strip()


def join_hyphenated(
    pieces: Iterable[str], sep: str, hyphen_end: re.Pattern[str] = _LINE_END_HYPHEN
) -> str:
    """Pieces of text joined by `sep`, except that a piece ending in a hyphenated word
    (`hyphen_end`: «информационно-») runs straight into a next piece that starts in lower case:
    the one rule for words a line end broke, used by the assembler and the PDF backend.
    `hyphen_end` reads a text's last two characters (a letter and the hyphen, before `$`,
    which may stand before a last line break), so it is looked for in the last three only:
    searched from the start, a long cell's text was read again for every line added."""
    out = ""
    for piece in pieces:
        if out and hyphen_end.search(out, len(out) - 3) and LOWER_START.match(piece):
            out += piece
        else:
            out = f"{out}{sep}{piece}" if out else piece
    return out


def join_fragments(fragments: Iterable[str]) -> str:
    """Join the pieces of one logical cell (lines, paragraphs, page-break continuations):
    cleaned, empty ones left out, with one space or across a hyphenated word."""
    return join_hyphenated((f for f in map(clean_text, fragments) if f), " ")


def paragraphs_of(cell: str) -> list[str]:
    """Split a cell into its paragraphs (extractors mark paragraph ends with a newline)."""
    return [p for p in (clean_text(x) for x in cell.split("\n")) if p]


def strip_markup(text: str) -> str:
    """Drop the markdown emphasis and heading marks that text dumps put around headings."""
    return _MARKUP.sub("", text)
