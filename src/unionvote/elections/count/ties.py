"""Breaking ties: look back over earlier stages, then draw lots.

Scottish STV looks at the most recent preceding stage at which the tied
candidates had unequal votes; ERS97 at the earliest such point (the first stage,
or after the transfer of any batch of papers). If they were equal at every
point, the lot decides. A software lot must be redrawable by a scrutineer, so
it is a SHA-256 draw: the candidate whose
SHA-256("<seed>|<stage>|<purpose>|<name>") hex digest sorts first is chosen.
When the election carries a tie order (a BLT `[tie ...]` line: a lot drawn
before the count), the candidate listed first in it is chosen instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from unionvote.elections.count.types import TieBreak


def draw_lot(seed: str, stage: int, purpose: str, names: Sequence[str]) -> str:
    def ticket(name: str) -> str:
        return hashlib.sha256(f"{seed}|{stage}|{purpose}|{name}".encode()).hexdigest()

    return min(names, key=ticket)


def look_back(
    tied: Sequence[int], history: Sequence[dict[int, int]], *, lowest: bool, earliest: bool
) -> tuple[list[int], int | None]:
    """Narrow `tied` to the lowest (or highest) at the look-back point; return them and that point's index + 1."""
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
    return remaining, decided_at


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
    history_stages: Sequence[int] | None = None,
    tie_order: Sequence[int] = (),
) -> tuple[int, TieBreak | None]:
    """Choose one of `tied` (lowest or highest by the look-back, then lot); record how, if it was a tie.

    `history_stages[i]` is the stage during which look-back point i was recorded (ERS97 records a point
    after every batch of papers, several in one exclusion stage); without it point i is stage i + 1."""
    if len(tied) == 1:
        return tied[0], None
    tied = sorted(tied)  # the record lists tied candidates in listing order
    remaining, decided_at = look_back(tied, history, lowest=lowest, earliest=earliest)
    if decided_at is not None and history_stages is not None:
        decided_at = history_stages[decided_at - 1]
    tied_names = tuple(names[c] for c in tied)
    if len(remaining) == 1:
        chosen = remaining[0]
        return chosen, TieBreak(purpose, tied_names, "look-back", names[chosen], decided_at)
    listed = [c for c in tie_order if c in remaining]
    if listed:
        return listed[0], TieBreak(purpose, tied_names, "tie order", names[listed[0]], None)
    winner = draw_lot(seed, stage, purpose, [names[c] for c in remaining])
    chosen = next(c for c in remaining if names[c] == winner)
    return chosen, TieBreak(purpose, tied_names, "lot", winner, None)
