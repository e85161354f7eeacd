"""pdfplumber's table finder with its "lines" strategies, done on plain numbers.

pdfplumber's `TableFinder` copies an edge dict at every snap and join, builds two sets of
edge boxes for every pair of points it compares, and scans every later point for each point
to find the one below it and the one to its right: on a page of a few dozen rules that is
most of the cost of finding its tables. This module takes the same steps — snap, join,
keep the long edges, intersect, close cells, group them into tables — on tuples of numbers,
with the same floating-point operations in the same order, so that every coordinate is the
one pdfplumber computes, bit for bit, and every comparison it makes comes out the same.

Edges whose coordinates are not finite, or whose ends are inverted (a rule drawn backwards
would make pdfplumber's `resize_object` assert), are left to pdfplumber itself: its result,
or its error, is then the result.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from math import isfinite
from operator import itemgetter, le
from typing import Any

from pdfplumber.table import Table, TableFinder, TableSettings
from pdfplumber.table import merge_edges as plumber_merge_edges
from pdfplumber.utils import cluster_objects as plumber_cluster_objects

from plan_etl.extract.pdf.lines import Obj

# The finder's thresholds are pdfplumber's defaults, which the PDF reader has always used;
# taking them from there keeps this finder pdfplumber's.
PDFPLUMBER = TableSettings()
SNAP = {"v": PDFPLUMBER.snap_x_tolerance, "h": PDFPLUMBER.snap_y_tolerance}
JOIN = {"v": PDFPLUMBER.join_y_tolerance, "h": PDFPLUMBER.join_x_tolerance}
CROSS_X = PDFPLUMBER.intersection_x_tolerance  # a vertical rule this near a horizontal one's end
CROSS_Y = PDFPLUMBER.intersection_y_tolerance  # a horizontal rule this near a vertical one's end
MIN_LENGTH = PDFPLUMBER.edge_min_length  # shorter merged edges are dropped
MIN_DRAWN_LENGTH = PDFPLUMBER.edge_min_length_prefilter  # shorter drawn edges are not read

# An edge along its line: where the line stands (x0 of a vertical edge, top of a horizontal
# one), where the edge starts and ends along it, and its length as pdfplumber keeps it (the
# edge's own "height" or "width", which is not always its end minus its start).
AXES = {"v": ("x0", "top", "bottom", "height"), "h": ("top", "x0", "x1", "width")}

Point = tuple[float, float]
Box = tuple[float, float, float, float]
# an edge as the finder keeps it: position, start, end, length
Edge = tuple[float, float, float, float]
# a point: the vertical and the horizontal edges (by index) that meet there
Meeting = tuple[set[int], set[int]]
# a point in its column: its height, its x as pdfplumber keys it (0.0 or -0.0), its edges
InColumn = tuple[float, float, set[int], set[int]]
# a point in its row: its x, its edges
InRow = tuple[float, set[int], set[int]]


def usable(positions: Sequence[float], starts: Sequence[float], ends: Sequence[float]) -> bool:
    """Whether edges can be merged here as pdfplumber would: finite and not inverted."""
    total = sum(positions) + sum(starts) + sum(ends)  # infinite or NaN if any value is
    return isfinite(total) and all(map(le, starts, ends))


def clustered(values: Sequence[float], tolerance: float) -> list[list[int]]:
    """pdfplumber's `cluster_objects` as indices: values at most `tolerance` apart, chained,
    are one cluster; clusters by value, each in the order of `values` (finite values)."""
    if not values:
        return []
    order = sorted(range(len(values)), key=values.__getitem__)
    clusters, current, last = [], [], values[order[0]]
    for i in order:
        if not values[i] <= last + tolerance:
            clusters.append(current)
            current = []
        current.append(i)
        last = values[i]
    clusters.append(current)
    for indices in clusters:
        indices.sort()
    return clusters


def cluster_objects(objs: list[Obj], key: str, tolerance: float) -> list[list[Obj]]:
    """pdfplumber's `cluster_objects(objs, itemgetter(key), tolerance)`, cheaper."""
    values = list(map(itemgetter(key), objs))
    if not isfinite(sum(values)):
        return plumber_cluster_objects(objs, itemgetter(key), tolerance)
    return [[objs[i] for i in indices] for indices in clustered(values, tolerance)]


def runs(
    positions: Sequence[float],
    starts: Sequence[float],
    ends: Sequence[float],
    snap: float,
    join: float,
) -> list[tuple[int, float, list[float]]]:
    """pdfplumber's `snap_objects` and `join_edge_group` for `usable` edges of one
    orientation.

    Each edge moves by its cluster's mean position minus its own (`snap`). The moved edges
    are grouped by their new position (the move rounds, so one cluster can give two groups)
    and, along each, an edge starting at most `join` after where the run so far ends extends
    that run. A run is the index of its first edge, that edge's move, and the ends the run
    was extended to one after the other (pdfplumber resizes its edge at each); runs come in
    pdfplumber's order: by position, then by start, then as its snapping lists them.
    """
    moved = []
    for c, indices in enumerate(clustered(positions, snap)):
        mean = sum([positions[i] for i in indices]) / len(indices)
        for i in indices:
            shift = mean - positions[i]
            moved.append((positions[i] + shift, starts[i], c, i, shift))
    moved.sort()
    found = []
    here = end = extended = None
    for position, start, _, i, shift in moved:
        if position == here and start <= end + join:
            if ends[i] > end:
                end = ends[i]
                extended.append(end)
        else:
            here, end, extended = position, ends[i], []
            found.append((i, shift, extended))
    return found


def moved_dict(e: Obj, orientation: str, shift: float, extended: list[float]) -> Obj:
    """An edge dict as pdfplumber's `move_object` then `resize_object` leave it."""
    d = dict(e)
    if orientation == "v":
        d["x0"], d["x1"] = e["x0"] + shift, e["x1"] + shift
        for value in extended:
            diff = value - d["bottom"]
            d["bottom"], d["height"] = value, d["height"] + diff
            if "y0" in d:
                d["y0"] = d["y0"] - diff
    else:
        d["top"], d["bottom"] = e["top"] + shift, e["bottom"] + shift
        if "doctop" in e:
            d["doctop"] = e["doctop"] + shift
        if "y0" in e:
            d["y0"], d["y1"] = e["y0"] - shift, e["y1"] - shift
        for value in extended:
            d["x1"], d["width"] = value, value - d["x0"]
    return d


def merge_edges(
    edges: list[Obj], snap_x: float, snap_y: float, join_x: float, join_y: float
) -> list[Obj]:
    """pdfplumber's `merge_edges`: the same dicts in the same order, without its copies;
    pdfplumber's own where it would snap nothing or an edge is neither horizontal nor
    vertical, or not `usable`."""
    by = {o: [e for e in edges if e["orientation"] == o] for o in ("h", "v")}
    axes = {o: [list(map(itemgetter(k), by[o])) for k in AXES[o][:3]] for o in by}
    if (
        len(by["h"]) + len(by["v"]) < len(edges)
        or not (snap_x > 0 or snap_y > 0)
        or not all(usable(*axes[o]) for o in by)
    ):
        return plumber_merge_edges(edges, snap_x, snap_y, join_x, join_y)
    tolerances = {"h": (snap_y, join_x), "v": (snap_x, join_y)}
    return [
        moved_dict(by[o][i], o, shift, extended)
        for o in by
        for i, shift, extended in runs(*axes[o], *tolerances[o])
    ]


def finder_edges(edges: list[Obj], lines: list[Obj], orientation: str) -> list[Edge] | None:
    """The merged edges of one orientation that pdfplumber's finder keeps: the page's edges
    at least `MIN_DRAWN_LENGTH` long and the explicit `lines` of this orientation, snapped,
    joined, and at least `MIN_LENGTH` long, by position then start; None where they are
    not `usable`."""
    position, start, end, length = AXES[orientation]
    chosen = [e for e in edges if e["orientation"] == orientation and e[length] >= MIN_DRAWN_LENGTH]
    chosen += [line for line in lines if (line["top"] == line["bottom"]) == (orientation == "h")]
    positions, starts, ends = (list(map(itemgetter(k), chosen)) for k in (position, start, end))
    if not usable(positions, starts, ends):
        return None
    merged = []
    for i, shift, extended in runs(positions, starts, ends, SNAP[orientation], JOIN[orientation]):
        size, last = chosen[i][length], ends[i]
        for value in extended:  # `resize_object`'s arithmetic, step by step
            size = size + (value - last) if orientation == "v" else value - starts[i]
            last = value
        if size >= MIN_LENGTH:
            merged.append((positions[i] + shift, starts[i], last, size))
    return merged


@dataclass(frozen=True, slots=True)
class Crossings:
    """pdfplumber's intersections: every point where a vertical edge meets a horizontal
    one, with the edges meeting there; and the points of each column (by height) and of
    each row (left to right), each with its edges."""

    points: dict[Point, Meeting]
    columns: dict[float, list[InColumn]]  # by x
    rows: dict[float, list[InRow]]


def crossings(vertical: list[Edge], horizontal: list[Edge]) -> Crossings:
    """pdfplumber's `edges_to_intersections` (to `CROSS_X`, `CROSS_Y`).

    pdfplumber tells edges apart by their boxes; two merged `usable` edges never share one
    (edges on one line are joined unless one starts past where the other ends), so indices
    do. The rows a vertical edge spans are found by bisection in the very sums pdfplumber
    compares it with, which grow with the rows' heights.
    """
    vertical, horizontal = sorted(vertical), sorted(horizontal)
    ys = [y for y, _, _, _ in horizontal]
    ups = [y + CROSS_Y for y in ys]  # a vertical edge's top at most this
    downs = [y - CROSS_Y for y in ys]  # its bottom at least this
    lefts = [x0 - CROSS_X for _, x0, _, _ in horizontal]
    rights = [x1 + CROSS_X for _, _, x1, _ in horizontal]
    points: dict[Point, Meeting] = {}
    columns: dict[float, list[InColumn]] = {}
    rows: dict[float, list[InRow]] = {}
    for j, (x, top, bottom, _) in enumerate(vertical):
        column = columns.setdefault(x, [])
        for i in range(bisect_left(ups, top), bisect_right(downs, bottom)):
            if x >= lefts[i] and x <= rights[i]:
                y = ys[i]
                meeting = points.get((x, y))
                if meeting is None:
                    v, h = {j}, {i}
                    points[x, y] = v, h
                    column.append((y, x, v, h))
                    rows.setdefault(y, []).append((x, v, h))
                else:
                    meeting[0].add(j)
                    meeting[1].add(i)
    for column in columns.values():  # two edges of one column may meet rows apart
        column.sort(key=itemgetter(0))
    return Crossings(points, columns, rows)


def closing_corner(
    x: float,
    y: float,
    meeting: Meeting,
    below: list[InColumn],
    right: list[InRow],
    points: dict[Point, Meeting],
) -> Box | None:
    """pdfplumber's `find_smallest_cell` for the point (x, y): the first point `below` it
    joined to it by a vertical edge and the first point `right` of it joined by a horizontal
    edge whose fourth corner is a point joined to both, nearest first, as one cell."""
    vertical, horizontal = meeting
    for yb, _, under_v, under_h in below:
        if vertical.isdisjoint(under_v):
            continue
        for xr, side_v, side_h in right:
            if horizontal.isdisjoint(side_h):
                continue
            far = points.get((xr, yb))
            if far is not None and not far[0].isdisjoint(side_v) and not far[1].isdisjoint(under_h):
                return (x, y, xr, yb)
    return None


def cells_of(found: Crossings) -> list[Box]:
    """pdfplumber's `intersections_to_cells`: the cell each point is the top left corner of,
    in the order of the points (by x, then y); the points below one and right of it are read
    off its column and its row, not found by a scan of every later point."""
    behind = dict.fromkeys(found.rows, 0)  # how many points of each row are left of here
    cells = []
    for column in found.columns.values():
        for k, (y, x, *meeting) in enumerate(column, 1):
            row = found.rows[y]
            r = behind[y] = behind[y] + 1
            if k < len(column) and r < len(row):
                cell = closing_corner(x, y, meeting, column[k:], row[r:], found.points)
                if cell is not None:
                    cells.append(cell)
    return cells


def tables_of(cells: list[Box]) -> list[list[Box]]:
    """pdfplumber's `cells_to_tables`: cells sharing a corner, passed over in order again
    and again until a pass adds none, are one table; tables of one cell are dropped."""
    tables, remaining = [], cells
    group: list[Box] = []
    corners: set[Point] = set()
    while remaining:
        before, left = len(group), []
        for cell in remaining:
            x0, top, x1, bottom = cell
            touching = ((x0, top), (x0, bottom), (x1, top), (x1, bottom))
            if not group or not corners.isdisjoint(touching):
                corners.update(touching)
                group.append(cell)
            else:
                left.append(cell)
        remaining = left
        if len(group) == before:
            tables.append(group)
            group, corners = [], set()
    if group:
        tables.append(group)
    tables.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in tables if len(t) > 1]


def find_tables(
    page: Any, edges: list[Obj], vertical: list[Obj], horizontal: list[Obj]
) -> list[Table]:
    """What pdfplumber's `TableFinder(page, settings).tables` gives, `edges` being the
    page's edges and `settings` pdfplumber's defaults with the explicit lines `vertical`
    and `horizontal` (ruling lines, `ruled.ruling_line`)."""
    v = h = None
    if all(line["object_type"] == "line" for line in (*vertical, *horizontal)):
        v, h = finder_edges(edges, vertical, "v"), finder_edges(edges, horizontal, "h")
    if v is None or h is None:
        settings = {"explicit_vertical_lines": vertical, "explicit_horizontal_lines": horizontal}
        return TableFinder(page, TableSettings.resolve(settings)).tables
    return [Table(page, cells) for cells in tables_of(cells_of(crossings(v, h)))]
