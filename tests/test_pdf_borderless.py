"""Column borders of a table without ruling, on words placed by hand."""

from __future__ import annotations

from plan_etl.extract.pdf.borderless import (
    bridges,
    column_bounds,
    find_table_header,
    header_texts,
)

HEIGHT = 10.0
# the header: «№ п/п» over 52–85, «Наименование» over 97–266, «Срок» over 380–470
SPANS = ((52.0, 85.0), (97.0, 266.0), (380.0, 470.0))


def word(text: str, x0: float, x1: float, top: float) -> dict:
    return {"text": text, "x0": x0, "x1": x1, "top": top, "bottom": top + HEIGHT}


def item(number: str, top: float) -> list[dict]:
    return [
        word(number, 52, 81, top),
        word("Утверждены", 97, 160, top),
        word("2024", 380, 410, top),
    ]


def test_a_heading_across_the_table_leaves_the_gutter_where_it_is() -> None:
    """An unnumbered heading whose first word reaches into the gutter (52–95.8), the next
    one a space further: the border stays in the gap the rows leave (81–97), not in the
    sliver between the heading's first word and the activity column."""
    heading = [word("Уровень", 52, 95.8, 40), word("зрелости", 99, 150, 40)]
    lines = [item("3.4.5.", 20), heading, item("3.4.6.", 60), item("3.4.7.", 80)]
    bounds = column_bounds(SPANS, lines, HEIGHT)
    assert 81 < bounds[0] < 95.8
    assert bridges(heading, 85, 97, HEIGHT)
    assert not bridges(item("1.", 0), 85, 97, HEIGHT)


# a header of five columns, as a decree typesets it without ruling
HEADER_LINES = [
    [
        word("№", 81, 93, 180),
        word("Наименование", 138, 219, 180),
        word("Срок", 282, 310, 180),
        word("Ответственные", 350, 435, 180),
        word("Ожидаемый", 474, 541, 180),
    ],
    [
        word("п/п", 78, 95, 194),
        word("мероприятия", 142, 215, 194),
        word("реализации", 265, 328, 194),
        word("исполнители", 357, 428, 194),
        word("результат", 481, 534, 194),
    ],
]
FIRST_ROW = [word("1.", 76, 85, 222), word("Определение", 108, 175, 222)]


def test_a_heading_right_under_the_header_is_not_taken_into_it() -> None:
    """«I. Организационные мероприятия», centred under the header with no gap: each of its
    words stands under a header cell of its own, but the words run on from cell to cell at
    a word's space; it is the first section's heading, not the header's third line."""
    heading = [word("I.", 222, 229, 208), word("Организационные", 232, 333, 208)]
    heading.append(word("мероприятия", 336, 408, 208))
    found = find_table_header([*HEADER_LINES, heading, FIRST_ROW], HEIGHT)
    assert found is not None
    start, end, groups, number = found
    assert (start, end, number) == (0, 2, 0)
    assert header_texts(groups) == (
        "№\nп/п",
        "Наименование\nмероприятия",
        "Срок\nреализации",
        "Ответственные\nисполнители",
        "Ожидаемый\nрезультат",
    )


def test_a_third_header_line_with_words_under_two_cells_is_taken_in() -> None:
    """A header's third line whose words stand under two cells, a gutter apart."""
    third = [word("(этап)", 280, 312, 208), word("(документ)", 476, 532, 208)]
    found = find_table_header([*HEADER_LINES, third, FIRST_ROW], HEIGHT)
    assert found is not None
    assert found[1] == 3
    assert header_texts(found[2])[2] == "Срок\nреализации\n(этап)"
