"""Ruling: PDFium's path objects as pdfminer paints them (lines, rectangles, curves) and as
the edges pdfplumber makes of them; images; the text objects PDFium's text page leaves out."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import pypdfium2.raw as raw

from plan_etl.extract.pdf.lines import Obj
from plan_etl.extract.pdf.pdfium import calls
from plan_etl.extract.pdf.pdfium.space import Frame, Matrix, multiply

Point = tuple[float, float]
_MOVETO, _BEZIERTO = raw.FPDF_SEGMENT_MOVETO, raw.FPDF_SEGMENT_BEZIERTO
_TEXT, _IMAGE = raw.FPDF_PAGEOBJ_TEXT, raw.FPDF_PAGEOBJ_IMAGE
_PATH, _FORM = raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM
_SEGMENT_OP = {_MOVETO: "m", raw.FPDF_SEGMENT_LINETO: "l"}


@dataclass(slots=True)
class Drawing:
    """A page's drawn objects as pdfplumber sorts them into edges: lines, rectangles and
    curves (each as its points in pdfplumber's coordinates), and whether it has an image."""

    lines: list[tuple[Point, Point]] = field(default_factory=list)
    rects: list[tuple[Point, Point]] = field(default_factory=list)
    curves: list[list[Point]] = field(default_factory=list)
    has_images: bool = False
    # text objects by address, in content order: each one's place in that order and the
    # matrix from the space holding it (page or form) to device space, for those PDFium's
    # text page leaves out (`chars.blank_chars`)
    texts: dict[int, tuple[int, Matrix]] = field(default_factory=dict)

    def edges(self) -> list[Obj]:
        """`Page.edges`: lines, then four edges a rectangle, then a curve's segments."""
        found = [line_edge(p, q) for p, q in self.lines]
        found += [e for p, q in self.rects for e in rect_edges(p, q)]
        found += [e for pts in self.curves for e in curve_edges(pts)]
        return found


def edge(
    x0: float, x1: float, top: float, bottom: float, orientation: str | None, kind: str
) -> Obj:
    return {
        "object_type": kind,
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "width": x1 - x0,
        "height": bottom - top,
        "orientation": orientation,
    }


def line_edge(p: Point, q: Point) -> Obj:
    """pdfplumber's `line_to_edge` of an `LTLine` from p to q."""
    x0, x1 = sorted((p[0], q[0]))
    top, bottom = sorted((p[1], q[1]))
    return edge(x0, x1, top, bottom, "h" if top == bottom else "v", "line")


def rect_edges(p: Point, q: Point) -> list[Obj]:
    """pdfplumber's `rect_to_edges` of an `LTRect` with corners p and q: top, bottom, left,
    right."""
    x0, x1 = sorted((p[0], q[0]))
    top, bottom = sorted((p[1], q[1]))
    return [
        edge(x0, x1, top, top, "h", "rect_edge"),
        edge(x0, x1, bottom, bottom, "h", "rect_edge"),
        edge(x0, x0, top, bottom, "v", "rect_edge"),
        edge(x1, x1, top, bottom, "v", "rect_edge"),
    ]


def curve_edges(pts: list[Point]) -> list[Obj]:
    """pdfplumber's `curve_to_edges`: one edge between each two consecutive points."""
    found = []
    for p, q in itertools.pairwise(pts):
        orientation = "v" if p[0] == q[0] else ("h" if p[1] == q[1] else None)
        found.append(
            edge(
                min(p[0], q[0]),
                max(p[0], q[0]),
                min(p[1], q[1]),
                max(p[1], q[1]),
                orientation,
                "curve_edge",
            )
        )
    return found


def subpaths(obj: int, matrix: Matrix, xy: Any) -> list[tuple[str, list[Point]]]:
    """A path object's subpaths as pdfminer's operator shape («mlllh») and end points in
    device space; a Bézier segment is one «c» with its end point. `xy` takes each point
    (two floats, made once a page). PDFium's functions are bound to names here: a page's
    paths make thousands of segment calls."""
    segment_at, kind_of = calls.path_segment, calls.segment_type
    point_of, closes = calls.segment_point, calls.segment_closes
    a, b, c, d, e, f = matrix
    found: list[tuple[str, list[Point]]] = []
    shape, pts = "", []
    x, y = xy, xy + 1
    bezier = 0
    for i in range(calls.count_segments(obj)):
        segment = segment_at(obj, i)
        kind = kind_of(segment)
        point_of(segment, x, y)
        if kind == _MOVETO and shape:
            found.append((shape, pts))
            shape, pts = "", []
        if kind == _BEZIERTO:
            bezier += 1
            if bezier % 3:
                continue  # a control point
            shape += "c"
        else:
            bezier = 0
            shape += _SEGMENT_OP.get(kind, "l")
        px, py = xy[0], xy[1]
        pts.append((a * px + c * py + e, b * px + d * py + f))  # `space.apply`
        if closes(segment):
            shape += "h"
            pts.append(pts[0])
    if shape:
        found.append((shape, pts))
    return found


def paint(drawing: Drawing, shape: str, pts: list[Point], frame: Frame) -> None:
    """pdfminer's `paint_path` of one subpath: a line, a rectangle or a curve."""
    if not shape.startswith("m"):
        return
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
        shape, pts = shape[:-2] + "h", pts[:-1]
    shift, base = frame.x0, frame.top + frame.height  # `Frame.device_point`, for each point
    coords = [(shift + px, base - py) for px, py in pts]
    if shape in ("mlh", "ml"):
        drawing.lines.append((coords[0], coords[1]))
        return
    if shape in ("mlllh", "mllll"):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (
            y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0
        )
        if pts[0] == pts[4] and square:
            drawing.rects.append((coords[0], coords[2]))
            return
    drawing.curves.append(coords)


def page_objects(page: Any) -> Iterator[int]:
    """The addresses of a PDFium page's objects, in content order."""
    handle = calls.address(page)
    return map(calls.page_object, repeat(handle), range(calls.count_objects(handle)))


def form_objects(form: int) -> Iterator[int]:
    """The addresses of a form object's objects, in content order."""
    return map(calls.form_object, repeat(form), range(calls.count_form_objects(form)))


def draw(objects: Iterable[int], matrix: Matrix, drawing: Drawing, frame: Frame) -> None:
    """Walk page objects (into forms) in content order for paths, images and text objects;
    `matrix` takes the objects' space to pdfminer's device space."""
    modes = calls.ffi.new("int[2]")
    xy = calls.ffi.new("float[2]")  # a segment's point
    object_type, texts = calls.object_type, drawing.texts
    for obj in objects:
        kind = object_type(obj)
        if kind == _TEXT:
            texts[obj] = (len(texts), matrix)
            continue
        if kind == _IMAGE:
            drawing.has_images = True
            continue
        if kind != _PATH and kind != _FORM:
            continue
        own = multiply(calls.object_user_matrix(obj), matrix)
        if kind == _FORM:
            draw(form_objects(obj), own, drawing, frame)
            continue
        calls.draw_mode(obj, modes, modes + 1)
        if modes[0] or modes[1]:
            for shape, pts in subpaths(obj, own, xy):
                paint(drawing, shape, pts, frame)
