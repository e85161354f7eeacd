"""plan-etl: Russian client-centricity roadmap decrees to one typed dataset."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

# numpy's OpenBLAS otherwise starts a thread per core that spins for a while after every
# matrix product. The matcher's products are small, so the threads buy nothing, and in
# ingest's worker processes their spinning takes the cores from the other workers (measured:
# +16% CPU for every page parsed). Set before numpy loads; a value the user chose is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
__all__ = ["Dataset", "__version__", "load"]

if TYPE_CHECKING:
    from plan_etl.loader import Dataset, load


def __getattr__(name: str) -> Any:
    """`plan_etl.load` and `plan_etl.Dataset` import pandas only when first used, so the
    `plan-etl` command starts without it."""
    if name in ("load", "Dataset"):
        from plan_etl import loader

        return getattr(loader, name)
    raise AttributeError(f"module 'plan_etl' has no attribute {name!r}")
