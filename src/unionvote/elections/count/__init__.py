"""Ranked-choice counts: pure functions from ballots to a full stage record."""

from __future__ import annotations

from collections.abc import Callable

from unionvote.elections.count import ers97, irv, meek, scottish_stv
from unionvote.elections.count.types import CountInput, CountRefused, CountResult, RankedBallot

RULES: dict[str, Callable[[CountInput], CountResult]] = {
    scottish_stv.RULE: scottish_stv.count,
    ers97.RULE: ers97.count,
    meek.RULE: meek.count,
    irv.RULE: irv.count,
}
RULE_NAMES = {
    ers97.RULE: "ERS97 rules, as used by UK scrutineers",
    scottish_stv.RULE: "Scottish STV, as in Scottish council elections",
    meek.RULE: "Meek STV",
    irv.RULE: "Alternative vote for one seat",
}


def run_count(rule: str, count_input: CountInput) -> CountResult:
    try:
        engine = RULES[rule]
    except KeyError:
        raise CountRefused(f"Unknown counting rule {rule!r}; choose one of {', '.join(RULES)}.") from None
    return engine(count_input)


__all__ = ["RULES", "RULE_NAMES", "CountInput", "CountRefused", "CountResult", "RankedBallot", "run_count"]
