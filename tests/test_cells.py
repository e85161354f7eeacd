"""The table finder of `extract.pdf.cells` against pdfplumber's own, the reference.

On every page of labelled PDFs (read by PDFium and by pdfplumber) and on ruling made to be
hard — merged cells, tables without outer borders, nested frames, rules drawn cell by cell,
gaps and offsets about the tolerances, two tables on a page, edges that are not finite or
drawn backwards, random jitter — both give the same tables with the same cells in the same
order, to the last bit; and its edge merging and clustering give pdfplumber's dicts and
groups.
"""

from __future__ import annotations

import math
import random
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from conftest import DATA
from pdfplumber.table import Table, TableFinder, TableSettings
from pdfplumber.table import merge_edges as plumber_merge_edges
from pdfplumber.utils import cluster_objects as plumber_cluster_objects

from plan_etl.extract.pdf import cells, open_pdf, plumber_content
from plan_etl.extract.pdf import page as page_module
from plan_etl.extract.pdf.page import DrawnPage, ruled_tables
from plan_etl.extract.pdf.pdfium import PdfiumPages
from plan_etl.extract.pdf.pdfium.drawing import edge as drawn_edge
from plan_etl.extract.pdf.ruled import closing_rules, joined_rules, outer_borders

Obj = dict[str, Any]
A4 = (0.0, 0.0, 595.0, 842.0)
# Pages from each producer, a table without outer borders (Samara), merges across pages
# (Perm), a legal-database print, and a long decree.
LABELLED = [
    *sorted((DATA / "fixtures" / "pdf").glob("*.pdf")),
    DATA / "corpus" / "samara-213r.pdf",
    DATA / "dev" / "sources" / "perm.pdf",
    DATA / "legaldb" / "sources" / "tyumen-consultant.pdf",
    DATA / "dev2" / "sources" / "vologda.pdf",
]


def edge(x0: float, x1: float, top: float, bottom: float, kind: str = "line") -> Obj:
    """An edge as a page gives it (orientation None for a slanted curve segment)."""
    orientation = "h" if top == bottom else "v" if x0 == x1 else None
    return drawn_edge(x0, x1, top, bottom, orientation, kind)


def with_pdf_space(edges: list[Obj], height: float = 842.0, above: float = 842.0) -> list[Obj]:
    """Edges as pdfminer's pages give them: with y0, y1 (from the page's bottom) and doctop
    (from the document's top), which pdfplumber moves along when it snaps and joins."""
    return [
        {**e, "y0": height - e["bottom"], "y1": height - e["top"], "doctop": above + e["top"]}
        for e in edges
    ]


def rect(x0: float, top: float, x1: float, bottom: float) -> list[Obj]:
    """A rectangle's four edges, as pdfplumber's `rect_to_edges` gives them."""
    return [
        edge(x0, x1, top, top, "rect_edge"),
        edge(x0, x1, bottom, bottom, "rect_edge"),
        edge(x0, x0, top, bottom, "rect_edge"),
        edge(x1, x1, top, bottom, "rect_edge"),
    ]


def grid(xs: list[float], ys: list[float]) -> list[Obj]:
    """A table ruled by full-length lines."""
    return [edge(xs[0], xs[-1], y, y) for y in ys] + [edge(x, x, ys[0], ys[-1]) for x in xs]


def cell_by_cell(xs: list[float], ys: list[float]) -> list[Obj]:
    """A table whose every cell is a rectangle of its own (Word, browsers)."""
    return [e for x0, x1 in pairwise(xs) for y0, y1 in pairwise(ys) for e in rect(x0, y0, x1, y1)]


def exactly(tables: list[Table]) -> str:
    """The tables' cells as text telling every float apart (repr round-trips, and shows
    -0.0), with the tables' boxes."""
    return repr([(t.cells, t.bbox) for t in tables])


def reference(page: Any, edges: list[Obj], vertical: list[Obj], horizontal: list[Obj]) -> str:
    settings = {"explicit_vertical_lines": vertical, "explicit_horizontal_lines": horizontal}
    return exactly(TableFinder(page, TableSettings.resolve(settings)).tables)


def assert_same_tables(page: Any, edges: list[Obj], vertical: list[Obj], horizontal: list[Obj]):
    """`cells.find_tables` gives what pdfplumber's finder gives, or raises what it raises."""
    try:
        want = reference(page, edges, vertical, horizontal)
    except Exception as exc:
        with pytest.raises(type(exc)):
            cells.find_tables(page, edges, vertical, horizontal)
        return
    assert exactly(cells.find_tables(page, edges, vertical, horizontal)) == want


def assert_same_merges(edges: list[Obj]) -> None:
    """The rules of each orientation merged, and clustered by each coordinate, are the
    dicts (every key, in order) and the groups pdfplumber makes; so are both merged at once."""
    both = [e for e in edges if e["orientation"] is not None]
    got, want = cells.merge_edges(both, 3, 3, 3, 3), plumber_merge_edges(both, 3, 3, 3, 3)
    assert repr([list(d.items()) for d in got]) == repr([list(d.items()) for d in want])
    for o in ("h", "v"):
        rules = [e for e in edges if e["orientation"] == o]
        got, want = cells.merge_edges(rules, 3, 3, 3, 3), plumber_merge_edges(rules, 3, 3, 3, 3)
        assert repr([list(d.items()) for d in got]) == repr([list(d.items()) for d in want])
        for key in ("x0", "x1", "top", "bottom"):
            clusters = cells.cluster_objects(rules, key, 3)
            reference_clusters = plumber_cluster_objects(rules, lambda e, k=key: e[k], 3)
            assert [list(map(id, c)) for c in clusters] == [
                list(map(id, c)) for c in reference_clusters
            ]


def assert_same_page(edges: list[Obj]) -> None:
    """A drawn page: its merged rules, their clusters, and its tables both with the lines
    `ruled_tables` adds and without, are pdfplumber's."""
    assert_same_merges(edges)
    page = DrawnPage(1, edges, A4)
    horizontal, vertical = joined_rules(edges, "h"), joined_rules(edges, "v")
    assert_same_tables(page, edges, outer_borders(horizontal, vertical), closing_rules(vertical))
    assert_same_tables(page, edges, [], [])


XS = [56.7, 85.05, 311.8, 425.2, 538.6]
YS = [70.9, 99.25, 141.7, 184.3, 226.8, 269.3]


def merged_cells() -> list[Obj]:
    """A section row merged across the table, and a cell merged down two rows."""
    edges = [edge(XS[0], XS[-1], y, y) for y in YS[:3]]
    edges += [edge(XS[0], XS[2], y, y) for y in YS[3:4]] + [edge(XS[3], XS[-1], YS[3], YS[3])]
    edges += [edge(XS[0], XS[-1], y, y) for y in YS[4:]]
    edges += [edge(x, x, YS[0], YS[1]) for x in XS] + [edge(x, x, YS[2], YS[-1]) for x in XS]
    return [*edges, edge(XS[0], XS[0], YS[1], YS[2]), edge(XS[-1], XS[-1], YS[1], YS[2])]


# rules cut, shifted and stopped short by about the tolerances
GAPS = [
    edge(XS[0], 200, YS[0], YS[0]),
    edge(202.9, 400, YS[0] + 1.5, YS[0] + 1.5),  # joined, snapped
    edge(403.0, XS[-1], YS[0] - 1.4, YS[0] - 1.4),  # exactly the join tolerance
    edge(XS[0], 300, YS[1], YS[1]),
    edge(303.01, XS[-1], YS[1], YS[1]),  # just past it
    edge(XS[0], XS[-1], YS[2] + 2.9, YS[2] + 2.9),
    edge(XS[0], XS[-1], YS[2] + 5.8, YS[2] + 5.8),  # a chain of snaps
    *[
        edge(x + d, x + d, YS[0] - 3, YS[2] + 2.9)
        for x, d in zip(XS, (0, 3, -2.9, 1, 0.5), strict=True)
    ],
    edge(XS[2] + 3.0, XS[2] + 3.0, YS[2] + 9, YS[2] + 12),  # too short alone
    edge(XS[1], XS[1], YS[1] + 3, YS[2] + 8.8),  # stops short of a rule, within reach
]


CASES = {
    "full grid": grid(XS, YS),
    "merged cells": merged_cells(),
    "no outer borders": [edge(XS[0], XS[-1], y, y) for y in YS]
    + [edge(x, x, YS[0], YS[-1]) for x in XS[1:-1]],
    "left open at a page break": [edge(XS[0], XS[-1], y, y) for y in YS[:-1]]
    + [edge(x, x, YS[0], YS[-1]) for x in XS],
    "nested frames": rect(20, 20, 575, 822) + rect(40, 40, 555, 802) + grid(XS, YS),
    "cell by cell": cell_by_cell(XS, YS),
    "cell by cell, 32-bit floats": cell_by_cell(
        [56.69291305541992, 85.03936767578125, 311.81103515625, 538.5826416015625],
        [70.86614227294922, 99.21259307861328, 141.73228454589844, 184.25196838378906],
    ),
    "gaps and offsets about the tolerances": GAPS,
    # a full-bleed table: its left border in two pieces, at 0.4 and 2.5 pt, snapped to their
    # mean, which rounds apart (1.4499999999999997 and 1.45): pdfplumber keeps two rules
    "a border at the page's edge snapped apart": [
        *[edge(0.4, XS[-1], y, y) for y in YS],
        edge(0.4, 0.4, YS[0], YS[2]),
        edge(2.5, 2.5, YS[2], YS[-1]),
        *[edge(x, x, YS[0], YS[-1]) for x in XS[1:]],
    ],
    # column rules of the minimum length, each drawn in two pieces, reaching rows 2 pt off
    # their ends: joined, they are 3.0 pt long as pdfplumber adds lengths, else 2.99999…
    "rules of the minimum length in two pieces": [
        edge(XS[0], XS[-1], 122.83, 122.83),
        edge(XS[0], XS[-1], 129.83, 129.83),
        *[edge(x, x, 124.83, 124.83 + 1.18) for x in XS],
        *[edge(x, x, 124.83 + 1.18, 127.83) for x in XS],
    ],
    # column rules ending exactly the intersection tolerance short of the row rules (sums
    # exact in binary), and one standing as far past their ends
    "rules reaching exactly as far as the tolerance": [
        edge(50, 300, 100, 100),
        edge(50, 300, 200, 200),
        *[edge(x, x, 103, 197) for x in (50, 175, 303)],
    ],
    "gaps and offsets, from pdfminer": with_pdf_space(GAPS),
    "two tables": grid(XS, YS[:3]) + grid(XS[:3], [y + 400 for y in YS]),
    "tables touching at a corner": grid(XS[:3], YS[:3]) + grid(XS[2:], YS[2:]),
    "lines, curves and slanted segments": [
        *grid(XS, YS),
        edge(100, 150, 300, 350, "curve_edge"),
        edge(XS[1], XS[1], YS[0], YS[-1], "curve_edge"),
    ],
    "rules below the minimum lengths": [
        *grid(XS, YS),
        *(edge(100, 100.5, 300, 300), edge(100, 102.9, 310, 310), edge(90, 90, 300, 302.9)),
    ],
    "one cell": rect(100, 100, 200, 200),
    "no ruling": [],
    "not finite": [*grid(XS, YS), edge(100, 100, 0, math.inf), edge(math.nan, 200, 50, 50)],
    "drawn backwards": [*grid(XS, YS), {**edge(100, 200, 300, 300), "x0": 250}],
}


@pytest.mark.parametrize("edges", CASES.values(), ids=CASES.keys())
def test_the_finder_gives_pdfplumbers_tables_on_hard_ruling(edges: list[Obj]) -> None:
    assert_same_page(edges)


def jittered_page(rng: random.Random) -> list[Obj]:
    """A random table or two: random columns and rows, rules cut into pieces, shifted by
    up to a little over the tolerance, some left out, some drawn twice."""
    edges: list[Obj] = []
    for _ in range(rng.randint(1, 2)):
        xs = sorted(rng.uniform(20, 580) for _ in range(rng.randint(2, 7)))
        ys = sorted(rng.uniform(20, 820) for _ in range(rng.randint(2, 9)))
        for y in ys:
            for a, b in pairwise(xs):
                if rng.random() < 0.9:
                    dy, gap = rng.uniform(-3.5, 3.5) * rng.random(), rng.uniform(-1, 4)
                    edges.append(edge(a + gap, b, y + dy, y + dy))
        for x in xs:
            for a, b in pairwise(ys):
                if rng.random() < 0.9:
                    dx = rng.choice((0.0, 0.1, 1e-9, 2.9999, 3.0, 3.0001, rng.uniform(-4, 4)))
                    edges.append(edge(x + dx, x + dx, a - rng.uniform(0, 4), b))
    edges += rng.sample(edges, len(edges) // 10)
    rng.shuffle(edges)
    return edges


def test_the_finder_gives_pdfplumbers_tables_on_random_ruling() -> None:
    rng = random.Random(20240601)
    for n in range(300):
        edges = jittered_page(rng)
        assert_same_page(edges if n % 2 else with_pdf_space(edges))


@pytest.mark.parametrize("pdf", LABELLED, ids=[str(p.relative_to(DATA)) for p in LABELLED])
def test_the_finder_gives_pdfplumbers_tables_on_labelled_pdfs(
    pdf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every page the PDF reader finds tables on, by either engine, as pdfplumber finds them
    from the same edges and lines (pdfplumber's finder reads the page's edges itself)."""
    calls: list[tuple[Any, ...]] = []

    def recorded(*args: Any) -> list[Table]:
        calls.append(args)
        return cells.find_tables(*args)

    monkeypatch.setattr(page_module, "find_tables", recorded)
    document, reader = open_pdf(pdf), PdfiumPages(pdf)
    try:
        for page in document.pages:
            reader.content(page)
            plumber_content(page)
            for args in calls:
                assert_same_tables(*args)
                assert_same_merges(args[1])
            calls.clear()
    finally:
        reader.close()
        document.close()


def test_ruled_tables_finds_the_tables_of_a_drawn_page() -> None:
    """The finder's tables reach the reader: two tables, the second without outer borders."""
    xs = [x + 10 for x in XS]
    second = [edge(xs[0], xs[-1], y + 400, y + 400) for y in YS]
    second += [edge(x, x, YS[0] + 400, YS[-1] + 400) for x in xs[1:-1]]
    edges = grid(XS, YS[:3]) + second
    tables, rules = ruled_tables(DrawnPage(1, edges, A4), edges)
    assert [len(t.cells) for t in tables] == [8, 20]
    assert tables[1].bbox == (xs[0], YS[0] + 400, xs[-1], YS[-1] + 400)
    assert len(rules) == 3 + len(YS)
