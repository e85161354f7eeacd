"""The PDFium functions a page reader calls once a character or text object, through cffi.

pypdfium2's bindings are ctypes functions that check and convert every argument; a text page
of 1,400 characters makes 2,800 such calls, and ctypes' cost per call was more than PDFium's
work in them. cffi calls the same C functions (by the addresses pypdfium2 loaded) for about
half of that, with handles passed as plain addresses, and writes their results straight into
C arrays numpy copies at once; the per-character loops run in `map`, not in bytecode.

Even so the two calls a character cost ≈ 1.1 ms a page; where the package was built with a C
compiler (setup.py), the optional helper `_loops.c` makes them in one loop of its own for
≈ 0.02 ms, writing into the arrays numpy returns. Both ways give the same bits.
"""

from __future__ import annotations

import ctypes
import importlib.util
import threading
from collections import deque
from itertools import repeat
from typing import Any

import numpy as np
import pypdfium2.raw as raw
from cffi import FFI

ffi = FFI()


def address(pointer: Any) -> int:
    """A pypdfium2 (ctypes) handle or function as the address the functions here take."""
    return ctypes.cast(pointer, ctypes.c_void_p).value or 0


def _c_function(signature: str, function: Any) -> Any:
    """pypdfium2's ctypes `function` as a cffi function pointer of `signature` (handles
    are `uintptr_t`: an address passes as a Python int, without a cast a call)."""
    return ffi.cast(signature, address(function))


text_object = _c_function("uintptr_t(*)(uintptr_t, int)", raw.FPDFText_GetTextObject)
char_origin = _c_function("int(*)(uintptr_t, int, double *, double *)", raw.FPDFText_GetCharOrigin)
is_generated = _c_function("int(*)(uintptr_t, int)", raw.FPDFText_IsGenerated)
char_matrix = _c_function("int(*)(uintptr_t, int, float *)", raw.FPDFText_GetMatrix)  # FS_MATRIX
text_font = _c_function("uintptr_t(*)(uintptr_t)", raw.FPDFTextObj_GetFont)
font_size = _c_function("int(*)(uintptr_t, float *)", raw.FPDFTextObj_GetFontSize)
# page objects and path segments (`drawing.draw`)
count_objects = _c_function("int(*)(uintptr_t)", raw.FPDFPage_CountObjects)
page_object = _c_function("uintptr_t(*)(uintptr_t, int)", raw.FPDFPage_GetObject)
count_form_objects = _c_function("int(*)(uintptr_t)", raw.FPDFFormObj_CountObjects)
form_object = _c_function("uintptr_t(*)(uintptr_t, unsigned long)", raw.FPDFFormObj_GetObject)
object_type = _c_function("int(*)(uintptr_t)", raw.FPDFPageObj_GetType)
object_matrix = _c_function("int(*)(uintptr_t, float *)", raw.FPDFPageObj_GetMatrix)
draw_mode = _c_function("int(*)(uintptr_t, int *, int *)", raw.FPDFPath_GetDrawMode)
count_segments = _c_function("int(*)(uintptr_t)", raw.FPDFPath_CountSegments)
path_segment = _c_function("uintptr_t(*)(uintptr_t, int)", raw.FPDFPath_GetPathSegment)
segment_type = _c_function("int(*)(uintptr_t)", raw.FPDFPathSegment_GetType)
segment_point = _c_function("int(*)(uintptr_t, float *, float *)", raw.FPDFPathSegment_GetPoint)
segment_closes = _c_function("int(*)(uintptr_t)", raw.FPDFPathSegment_GetClose)


_scratch = threading.local()  # a buffer for the out-parameters of one call at a time


def _floats() -> Any:
    floats = getattr(_scratch, "floats", None)
    if floats is None:
        floats = _scratch.floats = ffi.new("float[6]")
    return floats


def text_font_size(obj: int) -> float:
    """The font size of the text object at address `obj`."""
    out = _floats()
    font_size(obj, out)
    return out[0]


def object_user_matrix(obj: int) -> tuple[float, float, float, float, float, float]:
    """The matrix of the page object at address `obj` (to the space holding it)."""
    out = _floats()
    object_matrix(obj, out)
    return out[0], out[1], out[2], out[3], out[4], out[5]


class _Slots:
    """Two arrays of doubles and a pointer to each of their slots, made once for a thread
    and grown when a page has more characters: the origins' out-parameters, which would
    otherwise cost two new pointers a character."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.xs, self.ys = ffi.new("double[]", capacity), ffi.new("double[]", capacity)
        self.x_at = [self.xs + i for i in range(capacity)]
        self.y_at = [self.ys + i for i in range(capacity)]


def _slots(count: int) -> _Slots:
    slots = getattr(_scratch, "slots", None)
    if slots is None or slots.capacity < count:
        slots = _scratch.slots = _Slots(max(count, 2 * (slots.capacity if slots else 2048)))
    return slots


_C_DECLARATIONS = """
int plan_etl_loops_version(void);
void plan_etl_objects_and_origins(uintptr_t, uintptr_t, uintptr_t, int,
                                  uint64_t *, double *, double *);
"""
_C_VERSION = 1  # `plan_etl_loops_version` of the helper these declarations are of


def _c_loop() -> Any:
    """The C helper's loop (`_loops.c`), or None where the package was built without it (or
    with another version of it, which the Python loop stands in for)."""
    spec = importlib.util.find_spec("plan_etl.extract.pdf.pdfium._loops")
    if spec is None or not spec.origin:
        return None
    loops = FFI()
    loops.cdef(_C_DECLARATIONS)
    try:
        library = loops.dlopen(spec.origin)
        if library.plan_etl_loops_version() != _C_VERSION:
            return None
    except (OSError, AttributeError):  # built for another machine, or an older helper
        return None
    _loaded.append((loops, library))  # the library stays open while its function is used
    return library.plan_etl_objects_and_origins


_loaded: list[Any] = []
_C_LOOP = _c_loop()
_TEXT_OBJECT = address(raw.FPDFText_GetTextObject)
_CHAR_ORIGIN = address(raw.FPDFText_GetCharOrigin)


def objects_and_origins(textpage: Any, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every character's text object (its address, 0 for none) and origin (user space): in
    one C call where the helper was built, else two calls a character from `map`."""
    if _C_LOOP is None:
        return objects_and_origins_in_python(textpage, count)
    keys = np.empty(count, np.uint64)
    xs, ys = np.empty(count), np.empty(count)
    _C_LOOP(
        _TEXT_OBJECT,
        _CHAR_ORIGIN,
        address(textpage),
        count,
        ffi.from_buffer("uint64_t[]", keys),
        ffi.from_buffer("double[]", xs),
        ffi.from_buffer("double[]", ys),
    )
    return keys, xs, ys


def objects_and_origins_in_python(
    textpage: Any, count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`objects_and_origins` without the C helper."""
    page, indexes = address(textpage), range(count)
    keys = np.fromiter(map(text_object, repeat(page, count), indexes), np.uint64, count)
    slots = _slots(count)
    deque(map(char_origin, repeat(page, count), indexes, slots.x_at, slots.y_at), maxlen=0)
    size = 8 * count
    xs = np.frombuffer(ffi.buffer(slots.xs, size), np.float64).copy()
    return keys, xs, np.frombuffer(ffi.buffer(slots.ys, size), np.float64).copy()
