"""A PDF cell's printed lines joined into the paragraphs they were typeset as.

A word processor breaks a line inside a paragraph only where the next word does not fit; a
line that ends with room left for the next line's first word ended its paragraph. Words here
are boxes as pdfplumber gives them (10 pt font, letters 5 pt wide, 5 pt cell padding).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from plan_etl.extract.base import Block
from plan_etl.extract.pdf.lines import WORD_CUT, cell_text, join_cut_words

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


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([100.0, 101.0, 102.0, 103.5, 105.0, 106.0, 110.0, 111.5]),
            st.sampled_from([10.0, 20.0, 20.0, 35.5, 50.0]),
        ),
        max_size=30,
    )
)
def test_word_lines_are_pdfplumbers_clusters_of_the_tops(drawn: list) -> None:
    """Words into lines as pdfplumber's `cluster_objects` groups them on their tops (a
    chain of tops each within the tolerance of the one before), each line by x0, words of
    one x0 in their order."""
    from operator import itemgetter

    from pdfplumber.utils import cluster_objects

    from plan_etl.extract.pdf.lines import word_lines
    from plan_etl.extract.pdf.settings import SETTINGS

    words = [{"text": str(i), "top": top, "x0": x0} for i, (top, x0) in enumerate(drawn)]
    expected = cluster_objects(words, itemgetter("top"), SETTINGS.tolerance)
    for group in expected:
        group.sort(key=itemgetter("x0"))
    assert word_lines(words) == expected


# --- words a narrow column cut without a hyphen ------------------------------------------------
# A cell 100 pt wide (text from 105 to 195): «клиентоцентричности» (19 letters, 95 pt) does
# not fit, so a word processor prints «клиентоцентричнос» (85 pt, to x = 190) and «ти» below.


def cut_cell(first: str, rest: str) -> str:
    return cell_text([*line(first, 0), *line(rest, 12)], 100.0, 200.0)


def test_a_word_cut_by_the_column_edge_is_marked_and_joined_where_the_document_prints_it() -> None:
    text = cut_cell("клиентоцентричнос", "ти в области")
    assert text == f"клиентоцентричнос{WORD_CUT}ти в области"
    title = Block(text="О внедрении стандартов клиентоцентричности")
    blocks = join_cut_words([title, Block(cells=("1.", text))])
    assert blocks[1].cells == ("1.", "клиентоцентричности в области")
    assert blocks[0] is title


def test_a_cut_word_of_the_dictionary_is_joined_without_the_document_printing_it() -> None:
    """«ежекварталь» (55 pt) fills a cell 60 pt wide (text from 105 to 165)."""
    text = cell_text([*line("ежекварталь", 0), *line("но", 12)], 100.0, 170.0)
    (block,) = join_cut_words([Block(cells=(text,))])
    assert block.cells == ("ежеквартально",)


def test_a_line_of_one_word_that_filled_the_cell_before_the_next_word_stays_two_words() -> None:
    """«Министерство» fills the line (12 letters, 60 pt, in a cell 62 pt wide); «цифрового»
    goes on below: marked, but the document prints no «министерствоцифрового»."""
    text = cell_text([*line("Министерство", 0), *line("цифрового развития", 12)], 100.0, 170.0)
    assert WORD_CUT in text
    (block,) = join_cut_words([Block(cells=(text,))])
    assert block.cells == ("Министерство цифрового развития",)


def test_no_cut_where_the_line_stopped_short_or_holds_two_words_or_a_capital_follows() -> None:
    assert WORD_CUT not in cut_cell("отчет", "ти в области")  # room was left on the line
    assert WORD_CUT not in cut_cell("в клиентоцентричн", "ости")  # two words: a wrap
    assert WORD_CUT not in cut_cell("клиентоцентричнос", "Министерство")  # a new name
    assert WORD_CUT not in cut_cell("информационно-", "коммуникационных")  # a hyphen's job


def test_a_stop_pushed_to_the_next_line_goes_on_the_word_without_a_space() -> None:
    """«клиентоцентричности» (95 pt) fills a cell 95 pt wide; its full stop did not fit."""
    words = [*line("клиентоцентричности", 0), *line(". Создание группы", 12)]
    assert cell_text(words, 100.0, 205.0) == "клиентоцентричности. Создание группы"


def page_break_rows(rest: str) -> list[Block]:
    """Row 1.1 cut by a page break inside «межведомственной» (its cell's last line filled
    the cell), the header repeated on page 2, then the rest of row 1.1 (no number)."""
    end = cell_text([*line("рабочей", 0), *line("межведомственн", 12)], 100.0, 180.0)
    header = ("№", "Мероприятие")
    return [
        Block(cells=header, page=1),
        Block(cells=("1.1.", end), page=1),
        Block(text="2", page=2),
        Block(cells=header, page=2),
        Block(cells=("", rest), page=2),
    ]


def test_a_word_a_page_break_cut_is_made_whole_in_the_row_above() -> None:
    blocks = join_cut_words(page_break_rows("ой группы"))
    assert blocks[1].cells == ("1.1.", "рабочей межведомственной")
    assert blocks[4].cells == ("", "группы")


def test_a_row_whose_last_line_filled_the_cell_before_the_break_keeps_its_words() -> None:
    blocks = join_cut_words(page_break_rows("группы по внедрению"))
    assert blocks[1].cells == ("1.1.", "рабочей межведомственн")  # no word to make: as printed
    assert blocks[4].cells == ("", "группы по внедрению")
