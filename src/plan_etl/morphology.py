"""The one pymorphy3 analyzer of a process: its dictionary costs 15 MB and a tenth of a second
or more to load, and the matcher, the OCR text mending and the PDF reader's cut words all ask
it. Loaded on first use (a run that reads no decree never does); a parent that warms the
matcher before forking its workers gives them this one."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pymorphy3


@cache
def analyzer() -> pymorphy3.MorphAnalyzer:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()
