"""The plan read as one sequence against the template's order of items.

Plans take each block's steps in the template's order (forming before approving, touchpoints
before reengineering), insert rows of their own and leave some items out; blocks and domains
they order their own way. `decode` finds the placement of every row that best balances each
row's own score for an item against that order — a Viterbi pass over the items in which a row
either takes an item (its score, less `STEP_BACK` when the item stands before the last item
placed in the same section) or is the region's own row (`OWN_ROW`, the last item unchanged).
A row whose words are unfamiliar is so placed by its neighbours, and a row whose best item
goes against the order is told apart. Linear in rows and items: the best previous item is a
running maximum per section, not an items × items matrix.
"""

from __future__ import annotations

import numpy as np

# What a step back within a section costs, in score points; and what a row scores as the
# region's own row (it is placed on an item only where that item scores more).
STEP_BACK = 10.0
OWN_ROW = 60.0


def decode(total: np.ndarray, item_section: np.ndarray) -> np.ndarray:
    """Per row, the item the order-aware reading places it on, or -1 for a row of the region's
    own. `total` is rows × items (items in template order, each section's items together; a
    disallowed item far below 0)."""
    rows, items = total.shape
    if not rows:
        return np.zeros(0, dtype=int)
    sections = _Sections.of(item_section)
    dp = np.zeros(items)  # best reading so far with the last placed item j (none yet: all 0)
    came = np.empty((rows, items), dtype=np.int32)  # where item j's reading came from
    took = np.empty((rows, items), dtype=bool)  # whether row t took item j, or kept it
    for t in range(rows):
        prev, origin = sections.best_before(dp)
        place = prev + total[t]
        keep = dp + OWN_ROW
        took[t] = place > keep
        came[t] = np.where(took[t], origin, np.arange(items))
        dp = np.maximum(place, keep)
    out = np.empty(rows, dtype=int)
    j = int(dp.argmax())
    for t in range(rows - 1, -1, -1):
        out[t] = j if took[t, j] else -1
        j = int(came[t, j])
    return out


class _Sections:
    """The items' sections, for the running maxima `best_before` takes per row."""

    def __init__(self, section: np.ndarray, ends: np.ndarray) -> None:
        self.section = section  # item -> section ordinal (0, 1, …: contiguous)
        self.last = ends - 1  # section -> its last item
        # added to a reading so a running maximum restarts at each section
        self.shift = section * 1e12

    @classmethod
    def of(cls, item_section: np.ndarray) -> _Sections:
        change = np.r_[False, item_section[1:] != item_section[:-1]]
        ends = np.r_[np.flatnonzero(change), len(item_section)]
        return cls(np.cumsum(change), ends)

    def best_before(self, dp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per item j, the best reading a row placed on j can follow, and the item it ends
        on: any item of another section, or one of j's section at or before j, at no cost;
        one of j's section after j at `STEP_BACK`."""
        n = np.arange(len(dp))
        shifted = dp + self.shift
        running = np.maximum.accumulate(shifted)
        upto_at = np.maximum.accumulate(np.where(shifted == running, n, 0))
        upto = dp[upto_at]
        sec_at = upto_at[self.last]  # per section, its best item
        sec_best = dp[sec_at]
        ranked = np.argsort(-sec_best, kind="stable")
        first, second = int(ranked[0]), int(ranked[min(1, len(ranked) - 1)])
        other = np.where(self.section == first, second, first)  # best other section
        outside = np.where(len(sec_best) > 1, sec_best[other], -np.inf)
        back = sec_best[self.section] - STEP_BACK
        cands = np.stack([outside, upto, back])
        pick = cands.argmax(axis=0)
        origin = np.choose(pick, [sec_at[other], upto_at, sec_at[self.section]])
        return cands[pick, n], origin
