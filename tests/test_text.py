"""Text cleanup: tags, spaces, quotes, dashes, mixed-script words, fragment joining."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plan_etl.normalize.text import (
    clean_text,
    document_vocabulary,
    fix_mixed_script,
    join_fragments,
    join_hyphenated,
    normalize_quotes,
    paragraphs_of,
)

CLEAN = [
    # tags, as the dumps carry them
    ("<p>Протокол заседания</p> <p>Отчет</p>", "Протокол заседания Отчет"),
    ("<P class='x'>Отчет</P><br/>о назначении", "Отчет о назначении"),
    ("<strong>Итог</strong>", "Итог"),
    # spaces: non-breaking, thin, tabs, line breaks, doubled
    ("01.10.2023\u00a0г.", "01.10.2023 г."),
    ("Богданова\u202fГ.В.", "Богданова Г.В."),
    ("Рабочая\t\tгруппа", "Рабочая группа"),
    ("первая\r\nвторая  строка", "первая вторая строка"),
    ("  по краям  ", "по краям"),
    ("пере\u00adнос", "перенос"),
    # quotes: straight, English and German style all become «»
    ('Инициатива "Государство для людей"', "Инициатива «Государство для людей»"),
    ("Инициатива “Государство для людей”", "Инициатива «Государство для людей»"),
    ("Инициатива „Государство для людей“", "Инициатива «Государство для людей»"),
    ('(«дорожной карты») и ("x")', "(«дорожной карты») и («x»)"),
    # dashes: figure and bar dashes, Unicode hyphens
    ("2023\u20122024", "2023–2024"),
    ("социально\u2011экономического", "социально-экономического"),
    # NFC, never NFKC: «№» stays
    ("№ 254-пп", "№ 254-пп"),
    ("и\u0306", "й"),
    # Latin letters inside Cyrillic words (the seeds' own artifacts)
    ("кlientоцентричности", "клиентоцентричности"),
    ("кlientoцентричности", "клиентоцентричности"),
    ("Рeестр", "Реестр"),
    # a mostly Latin word with a Cyrillic look-alike is Latin
    ("Еxcel", "Excel"),
    # a Roman numeral stays Latin, even typed with Cyrillic Х or glued to an ending
    ("ХХI век", "XXI век"),
    ("IIго квартала", "IIго квартала"),
    ("Cо ссылкой", "Со ссылкой"),
    # pure Latin words, numerals and addresses are left alone
    ("(ogirk.ru)", "(ogirk.ru)"),
    ("IV квартал", "IV квартал"),
    (None, ""),
    ("", ""),
]


@pytest.mark.parametrize(("raw", "clean"), CLEAN)
def test_clean_text(raw: str | None, clean: str) -> None:
    assert clean_text(raw) == clean


QUOTES = [
    ('"а"', "«а»"),
    ('("а")', "(«а»)"),
    ('– "а".', "– «а»."),
    ("«а „б“»", "«а «б»»"),
]


@pytest.mark.parametrize(("raw", "clean"), QUOTES)
def test_quote_direction_from_context(raw: str, clean: str) -> None:
    assert normalize_quotes(raw) == clean


# word, vocabulary, repaired: the vocabulary decides between a look-alike and a transliteration
VOCABULARY = [
    ("nлан", frozenset(), "нлан"),  # no evidence: the letter table's default
    ("nлан", frozenset({"план"}), "план"),  # n read as the look-alike п
    ("pегион", frozenset({"регион"}), "регион"),  # p as the look-alike р (the default)
    ("иcпoлнeнo", frozenset(), "исполнено"),
    ("кuрс", frozenset({"курс"}), "курс"),
]


@pytest.mark.parametrize(("word", "vocabulary", "repaired"), VOCABULARY)
def test_mixed_script_vocabulary(word: str, vocabulary: frozenset[str], repaired: str) -> None:
    assert fix_mixed_script(word, vocabulary) == repaired


def test_document_vocabulary_applies_within_block_only() -> None:
    with document_vocabulary("утвержден план мероприятий"):
        assert clean_text("nлан") == "план"
    assert clean_text("nлан") == "нлан"


def test_remembered_cleanups_do_not_cross_documents() -> None:
    """`clean_text` is memoised with the document vocabulary in the key: the same cell reads
    differently in documents that spell the word differently, in whatever order they come."""
    assert clean_text("nлан") == "нлан"
    with document_vocabulary("утвержден план"):
        assert clean_text("nлан") == "план"
    with document_vocabulary("нлан"):
        assert clean_text("nлан") == "нлан"
    with document_vocabulary("утвержден план"):
        assert clean_text("nлан") == "план"


def test_words_of_the_same_text_are_a_vocabulary() -> None:
    assert clean_text("nлан мероприятий; план") == "план мероприятий; план"


JOIN = [
    (["информационно-", "технического"], "информационно-технического"),
    (["социально-", "Экономического"], "социально- Экономического"),
    (["Протокол", "", "заседания"], "Протокол заседания"),
    (["<p>Отчет</p>", "о назначении"], "Отчет о назначении"),
]


@pytest.mark.parametrize(("fragments", "joined"), JOIN)
def test_join_fragments(fragments: list[str], joined: str) -> None:
    assert join_fragments(fragments) == joined


def test_paragraphs_of_drops_empty_paragraphs() -> None:
    assert paragraphs_of("АГ СО;\n\n МТЗМ СО \n") == ["АГ СО;", "МТЗМ СО"]


@settings(max_examples=2000, deadline=None)
@given(
    pieces=st.lists(st.text(alphabet="аяZz1 -\n", max_size=6), max_size=6),
    sep=st.sampled_from([" ", "\n", ""]),
    cell_rule=st.booleans(),
)
def test_a_hyphen_is_looked_for_at_the_end_only(
    pieces: list[str], sep: str, cell_rule: bool
) -> None:
    """`join_hyphenated` reads the last three characters of what it joined so far; it joins
    as a search of the whole text would (the PDF cells' rule and the assembler's)."""
    from plan_etl.extract.pdf.lines import _HYPHEN_END
    from plan_etl.normalize.text import _LINE_END_HYPHEN, LOWER_START

    rule = _HYPHEN_END if cell_rule else _LINE_END_HYPHEN
    whole = ""
    for piece in pieces:
        if whole and rule.search(whole) and LOWER_START.match(piece):
            whole += piece
        else:
            whole = f"{whole}{sep}{piece}" if whole else piece
    assert join_hyphenated(pieces, sep, rule) == whole
