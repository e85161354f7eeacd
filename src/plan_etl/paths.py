"""Where plan-etl keeps files that are not the published dataset.

The cache (parsed results, converted documents, OCR output) lives outside the dataset folder,
so publishing a dataset never publishes a cache and a cache never travels with the data.
Worker processes inherit the environment, so `--cache-dir` reaches them through
`PLAN_ETL_CACHE_DIR`.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "PLAN_ETL_CACHE_DIR"


def cache_root() -> Path:
    """`$PLAN_ETL_CACHE_DIR`, else `$XDG_CACHE_HOME/plan-etl`, else `~/.cache/plan-etl`."""
    if explicit := os.environ.get(CACHE_ENV):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "plan-etl"
