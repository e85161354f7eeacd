"""Data files shipped with the package (catalogue, header words, abbreviations, regions).

Everything decree-specific lives here as TOML, read once per process through `load_toml`,
so a new wording, region or synonym is a data change, never a code change.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def load_toml(name: str) -> dict[str, Any]:
    """The parsed data file `name` (cached: callers must not modify it)."""
    return tomllib.loads(resources.files(__name__).joinpath(name).read_text("utf-8"))
