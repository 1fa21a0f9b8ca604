"""Ranked-choice counts: pure functions from ballots to a full stage record."""

from __future__ import annotations

from collections.abc import Callable

from unionvote.elections.count import ers97, irv, meek, scottish_stv
from unionvote.elections.count.types import CountInput, CountRefused, CountResult, RankedBallot
from unionvote.i18n import N_

RULES: dict[str, Callable[[CountInput], CountResult]] = {
    scottish_stv.RULE: scottish_stv.count,
    ers97.RULE: ers97.count,
    meek.RULE: meek.count,
    irv.RULE: irv.count,
}
RULE_NAMES = {
    ers97.RULE: N_("ERS97 rules, as used by UK scrutineers"),
    scottish_stv.RULE: N_("Scottish STV, as in Scottish council elections"),
    meek.RULE: N_("Meek STV"),
    irv.RULE: N_("Alternative vote for one seat"),
}

# What each rule does, in a sentence, for the officer choosing one when setting up an election.
RULE_DESCRIPTIONS = {
    ers97.RULE: N_("The Electoral Reform Society's 1997 rules, counted as by hand: values to two decimal places, a "
                   "surplus taken from the last batch of papers received, the lowest candidates excluded together "
                   "when they cannot catch up."),
    scottish_stv.RULE: N_("The Scottish Local Government Elections Order 2007: every paper of an elected candidate "
                          "moves on at a share of its value, to five decimal places."),
    meek.RULE: N_("Each elected candidate keeps just a quota of every paper and passes the rest on, recounted until "
                  "it settles (to 0.000001); the method of New Zealand local elections."),
    irv.RULE: N_("One seat: the candidate with fewest votes is excluded, and their papers move on, until one "
                 "candidate has more than half of the votes still in the count."),
}


def run_count(rule: str, count_input: CountInput) -> CountResult:
    try:
        engine = RULES[rule]
    except KeyError:
        raise CountRefused(f"Unknown counting rule {rule!r}; choose one of {', '.join(RULES)}.") from None
    return engine(count_input)


__all__ = ["RULES", "RULE_DESCRIPTIONS", "RULE_NAMES", "CountInput", "CountRefused", "CountResult", "RankedBallot",
           "run_count"]
