"""The plan read as one sequence against the template's order of items.

Plans take each block's steps in the template's order (forming before approving, touchpoints
before reengineering), insert rows of their own and leave some items out; blocks and domains
they order their own way. `decode` finds the placement of every row that best balances each
row's own score for an item against that order — a Viterbi pass over the items in which a row
either takes an item (its score, less `STEP_BACK` when the item stands before the last item
placed in the same section) or is the region's own row (`OWN_ROW`, the last item unchanged).
A row whose words are unfamiliar is so placed by its neighbours, and a row whose best item
goes against the order is told apart.

The states are the items rows have taken so far whose reading is within `STEP_BACK` of the
best (no other can win again), and a row may take only an item it scores at least `OWN_ROW -
STEP_BACK` on: a few steps a row, linear in the rows.
"""

from __future__ import annotations

import numpy as np

# What a step back within a section costs, in score points; and what a row scores as the
# region's own row (it is placed on an item only where that item scores more).
STEP_BACK = 10.0
OWN_ROW = 60.0
_START = -1  # the state before any row has taken an item


def decode(total: np.ndarray, item_section: np.ndarray) -> np.ndarray:
    """Per row, the item the order-aware reading places it on, or -1 for a row of the region's
    own. `total` is rows × items, items in template order (a disallowed item below 0)."""
    section = item_section.tolist()
    dp: dict[int, float] = {_START: 0.0}  # last item taken -> best reading ending there
    took: list[dict[int, int]] = []  # per row: item it took -> the state it came from
    for t, row in enumerate(total):
        candidates = np.flatnonzero(row >= OWN_ROW - STEP_BACK).tolist()
        step: dict[int, int] = {}
        new = {state: value + OWN_ROW for state, value in dp.items()}
        for j in candidates:
            origin, before = _best_before(dp, j, section)
            value = before + float(total[t, j])
            if value > new.get(j, -np.inf):
                new[j], step[j] = value, origin
        # a reading more than a step back behind the best can never win again (the best one
        # reaches any item for at most `STEP_BACK` more): dropped, so the states stay few
        floor = max(new.values()) - STEP_BACK
        dp = {state: value for state, value in new.items() if value >= floor}
        took.append(step)
    out = np.full(len(total), -1, dtype=int)
    state = max(dp, key=dp.__getitem__)
    for t in range(len(total) - 1, -1, -1):
        if state in took[t]:
            out[t], state = state, took[t][state]
    return out


def _best_before(dp: dict[int, float], item: int, section: list[int]) -> tuple[int, float]:
    """The state a row taking `item` best follows, and its reading: any state at no cost but
    a later item of the same section, which costs `STEP_BACK`."""
    best_state, best = _START, -np.inf
    for state, value in dp.items():
        if state != _START and state > item and section[state] == section[item]:
            value -= STEP_BACK
        if value > best:
            best_state, best = state, value
    return best_state, best
