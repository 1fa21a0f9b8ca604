"""Breaking ties: look back over earlier stages, then draw lots.

Scottish STV looks at the most recent preceding stage at which the tied
candidates had unequal votes; ERS97 at the earliest such stage. If they were
equal at every stage, the lot decides. A software lot must be redrawable by a
scrutineer, so it is a SHA-256 draw: the candidate whose
SHA-256("<seed>|<stage>|<purpose>|<name>") hex digest sorts first is chosen.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from unionvote.elections.count.types import TieBreak


def draw_lot(seed: str, stage: int, purpose: str, names: Sequence[str]) -> str:
    def ticket(name: str) -> str:
        return hashlib.sha256(f"{seed}|{stage}|{purpose}|{name}".encode()).hexdigest()

    return min(names, key=ticket)


def pick(
    tied: Sequence[int],
    *,
    names: Sequence[str],
    history: Sequence[dict[int, int]],
    lowest: bool,
    earliest: bool,
    purpose: str,
    seed: str,
    stage: int,
) -> tuple[int, TieBreak | None]:
    """Choose one of `tied` (lowest or highest by the look-back, then lot); record how, if it was a tie."""
    if len(tied) == 1:
        return tied[0], None
    remaining = list(tied)
    decided_at: int | None = None
    order = range(len(history)) if earliest else range(len(history) - 1, -1, -1)
    for index in order:
        values = {c: history[index].get(c, 0) for c in remaining}
        best = min(values.values()) if lowest else max(values.values())
        narrowed = [c for c in remaining if values[c] == best]
        if len(narrowed) < len(remaining):
            remaining = narrowed
            decided_at = index + 1
            if len(remaining) == 1:
                break
    tied_names = tuple(names[c] for c in tied)
    if len(remaining) == 1:
        chosen = remaining[0]
        return chosen, TieBreak(purpose, tied_names, "look-back", names[chosen], decided_at)
    winner = draw_lot(seed, stage, purpose, [names[c] for c in remaining])
    chosen = next(c for c in remaining if names[c] == winner)
    return chosen, TieBreak(purpose, tied_names, "lot", winner, None)
