"""Column borders of a table without ruling, on words placed by hand."""

from __future__ import annotations

from plan_etl.extract.pdf.borderless import bridges, column_bounds

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
