"""Text cleanup shared by every extractor and normalizer.

Decrees reach us through PDF text layers, Word XML and text dumps of both, so the same
layout debris shows up everywhere: `<p>` tags, non-breaking spaces, stretched spacing,
Latin letters typed (or OCR'd) inside Cyrillic words, words hyphenated at a line end.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_TAG = re.compile(r"</?\s*(p|br|b|i|strong|em|span|div)\b[^>]*>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
_ZERO_WIDTH = re.compile(r"[\u00ad\u200c\u200d\u2060]")
_QUOTES = str.maketrans({"\u201c": "«", "\u201d": "»", "\u201e": "«", "\u00ab": "«", "\u00bb": "»"})
_DASHES = str.maketrans({"\u2012": "–", "\u2015": "—"})

# A word that mixes the two scripts: Latin letters inside a Cyrillic word are a typing or
# extraction artifact, never intended («кlientоцентричности»).
_MIXED_WORD = re.compile(r"\b(?=\w*[а-яёА-ЯЁ])(?=\w*[a-zA-Z])[\w]+\b")
# Latin → Cyrillic: look-alikes map to their twin; the rest by transliteration, which is what
# such words show (l→л, i→и, n→н).
_LATIN_TO_CYRILLIC = str.maketrans(
    "aAbBcCeEHKkMmoOpPTtxXyYlLiInNdDfFgGrRsSuUvVzZ",
    "аАбВсСеЕНКкМмоОрРТтхХуУлЛиИнНдДфФгГрРсСуУвВзЗ",
)

_LINE_END_HYPHEN = re.compile(r"[а-яёa-z]-$", re.IGNORECASE)
_LOWER_START = re.compile(r"^[а-яёa-z]")


def fix_mixed_script(text: str) -> str:
    """Rewrite Latin letters inside Cyrillic words as the Cyrillic letters they stand for."""
    return _MIXED_WORD.sub(lambda m: m.group(0).translate(_LATIN_TO_CYRILLIC), text)


def clean_text(text: str | None) -> str:
    """Normalize one cell or paragraph: NFC (never NFKC: it turns «№» into «No»), no tags,
    one space between words, unified quotes, no mixed-script words."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = _TAG.sub(" ", text)
    text = _ZERO_WIDTH.sub("", text)
    text = text.translate(_QUOTES).translate(_DASHES)
    text = _SPACES.sub(" ", text.replace("\r", " ").replace("\n", " "))
    return fix_mixed_script(text).strip()


def join_fragments(fragments: Iterable[str]) -> str:
    """Join the pieces of one logical cell (lines, paragraphs, page-break continuations).

    Pieces are joined with one space, except that a word hyphenated at the end of a piece
    («информационно-») joins the next piece without one when that piece starts in lower case.
    """
    out = ""
    for frag in fragments:
        frag = clean_text(frag)
        if not frag:
            continue
        if not out:
            out = frag
        elif _LINE_END_HYPHEN.search(out) and _LOWER_START.match(frag):
            out += frag
        else:
            out += " " + frag
    return out


def paragraphs_of(cell: str) -> list[str]:
    """Split a cell into its paragraphs (extractors mark paragraph ends with a newline)."""
    return [p for p in (clean_text(x) for x in cell.split("\n")) if p]
