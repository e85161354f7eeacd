"""A PDF cell's printed lines joined into the paragraphs they were typeset as.

A word processor breaks a line inside a paragraph only where the next word does not fit; a
line that ends with room left for the next line's first word ended its paragraph. Words here
are boxes as pdfplumber gives them (10 pt font, letters 5 pt wide, 5 pt cell padding).
"""

from __future__ import annotations

from plan_etl.extract.pdf.lines import cell_text

CHAR = 5.0  # width of a letter
SPACE = 2.5


def line(text: str, top: float, x0: float = 105.0) -> list[dict]:
    words, x = [], x0
    for word in text.split():
        width = CHAR * len(word)
        words.append({"text": word, "x0": x, "x1": x + width, "top": top, "bottom": top + 10})
        x += width + SPACE
    return words


def test_wrapped_lines_are_one_paragraph() -> None:
    """In a cell 130 pt wide (text up to x = 225) each line stops because its next word
    would pass the edge: «развития» after «цифрового» would end at 255, «области» after
    «Курской» at 255 too."""
    words = [
        *line("Министерство цифрового", 0),
        *line("развития и связи Курской", 12),
        *line("области", 24),
    ]
    text = cell_text(words, 100.0, 230.0)
    assert text == "Министерство цифрового развития и связи Курской области"
    # the same lines in a cell twice as wide: every next word would have fitted
    assert cell_text(words, 100.0, 330.0).split("\n") == [
        "Министерство цифрового",
        "развития и связи Курской",
        "области",
    ]


def test_a_line_that_stops_short_ends_its_paragraph() -> None:
    words = [*line("Зотов А.Г.", 0), *line("Лапшина Е.Ю.", 12)]
    assert cell_text(words, 100.0, 300.0) == "Зотов А.Г.\nЛапшина Е.Ю."


def test_a_long_word_that_does_not_fit_joins_and_a_hyphen_joins_without_space() -> None:
    words = [
        *line("Министерство информационно-", 0),
        *line("коммуникационных технологий", 12),
    ]
    assert (
        cell_text(words, 100.0, 300.0) == "Министерство информационно-коммуникационных технологий"
    )
    assert cell_text([], 100.0, 300.0) == ""
