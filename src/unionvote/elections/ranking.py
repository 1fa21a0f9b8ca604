"""Reading a ranked ballot form: one rank per candidate, 1, 2, 3... with no repeats and no gaps."""

from __future__ import annotations

from collections.abc import Mapping

from unionvote.elections.services import ElectionError


def ranking_from_form(ranks: Mapping[str, str], names: Mapping[str, str]) -> list[str]:
    """Candidate keys in preference order, or an ElectionError saying exactly what to put right.

    `ranks`: candidate key -> the rank typed or chosen ("" for none); `names`: key -> name."""
    given: dict[int, list[str]] = {}
    for key, raw in ranks.items():
        raw = raw.strip()
        if not raw:
            continue
        if key not in names:
            raise ElectionError("That candidate is not standing in this election: reload the ballot page.")
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= len(names):
            raise ElectionError(f"The rank for {names[key]} must be a number from 1 to {len(names)}.")
        given.setdefault(int(raw), []).append(key)
    if not given:
        raise ElectionError("Rank at least one candidate: put 1 beside your first choice.")
    for rank, keys in sorted(given.items()):
        if len(keys) > 1:
            both = " and ".join(names[k] for k in keys)
            raise ElectionError(f"You gave rank {rank} to {both}: each rank goes to one candidate only.")
    expected = 1
    for rank in sorted(given):
        if rank != expected:
            raise ElectionError(f"You gave rank {rank} but no rank {expected}: number your choices 1, 2, 3... "
                                "without gaps.")
        expected += 1
    return [given[rank][0] for rank in sorted(given)]
