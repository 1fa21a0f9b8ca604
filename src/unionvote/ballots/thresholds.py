"""Threshold analysis in exact integer arithmetic. Pure: no database.

A threshold is a whole percentage of those entitled to vote: turnout at least 50%,
optionally yes votes at least 40%. Met when votes × 100 ≥ percent × entitled; the
votes still needed are the smallest whole number that would make it so. Each segment
(employer, workplace, ...) is judged on its own figures only, so an aggregate pass
can never mark a failing employer as passing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from unionvote.i18n import _, format_number, format_tenths_percent, ngettext


def required(percent: int, entitled: int) -> int:
    """The smallest whole number of votes that is at least `percent`% of `entitled`."""
    return -(-percent * entitled // 100)


@dataclass(frozen=True)
class Threshold:
    label: str  # "Turnout" or "Yes votes"
    percent: int
    votes: int
    entitled: int

    @property
    def needed_in_all(self) -> int:
        return required(self.percent, self.entitled)

    @property
    def met(self) -> bool:
        return self.entitled > 0 and self.votes * 100 >= self.percent * self.entitled

    @property
    def short_by(self) -> int:
        """How many more votes would meet it (0 when met)."""
        return max(0, self.needed_in_all - self.votes)

    def words(self) -> str:
        """The verdict as a sentence in the reader's language: each label has sentences of its own."""
        nobody, met, not_met = _VERDICTS.get(self.label, _VERDICTS["Turnout"])
        if self.entitled == 0:
            return nobody()
        figures = {"percent": self.percent, "votes": format_number(self.votes),
                   "entitled": format_number(self.entitled), "short": format_number(self.short_by)}
        return (met() if self.met else not_met(self.short_by)) % figures


# Per label: nobody is entitled, the threshold is met, it is not (by how many votes).
_VERDICTS: dict[str, tuple[Callable[[], str], Callable[[], str], Callable[[int], str]]] = {
    "Turnout": (
        lambda: _("Turnout: nobody is entitled to vote here."),
        lambda: _("Turnout threshold of %(percent)s%% met (%(votes)s of %(entitled)s)."),
        lambda n: ngettext("Turnout threshold of %(percent)s%% not met: %(short)s more vote needed (%(votes)s of "
                           "%(entitled)s).",
                           "Turnout threshold of %(percent)s%% not met: %(short)s more votes needed (%(votes)s of "
                           "%(entitled)s).", n)),
    "Yes votes": (
        lambda: _("Yes votes: nobody is entitled to vote here."),
        lambda: _("Yes votes threshold of %(percent)s%% met (%(votes)s of %(entitled)s)."),
        lambda n: ngettext("Yes votes threshold of %(percent)s%% not met: %(short)s more vote needed (%(votes)s "
                           "of %(entitled)s).",
                           "Yes votes threshold of %(percent)s%% not met: %(short)s more votes needed (%(votes)s "
                           "of %(entitled)s).", n)),
}


@dataclass(frozen=True)
class SegmentAnalysis:
    name: str
    entitled: int
    voted: int
    turnout: Threshold
    yes: Threshold | None  # known only once the ballot has closed

    @property
    def met(self) -> bool:
        return self.turnout.met and (self.yes is None or self.yes.met)

    def percent_text(self) -> Percentage:
        return percent_text(self.voted, self.entitled)

    def percent_shown(self) -> str:
        return percent_shown(self.voted, self.entitled)


def _tenths(part: int, whole: int) -> int:
    return (part * 1000 * 2 + whole) // (whole * 2)


class Percentage(str):
    """A percentage as machine-read files hold it (12.3%), which a printable page shows in its reader's
    language instead (`shown()`): the same rows feed a CSV file and a printed statement."""

    part: int
    whole: int

    def __new__(cls, part: int, whole: int) -> Percentage:
        tenths = _tenths(part, whole) if whole else 0
        made = super().__new__(cls, f"{tenths // 10}.{tenths % 10}%" if whole else "–")
        made.part, made.whole = part, whole
        return made

    def shown(self) -> str:
        return percent_shown(self.part, self.whole)


def percent_text(part: int, whole: int) -> Percentage:
    """A percentage to one decimal place, rounded half up, from integers, as machine-read files hold it (12.3%)."""
    return Percentage(part, whole)


def percent_shown(part: int, whole: int) -> str:
    """The same percentage as a page shows it, in the reader's language: 12.3% in English, 12,3% in Polish."""
    return "–" if whole == 0 else format_tenths_percent(_tenths(part, whole))


def analyse(name: str, entitled: int, voted: int, *, turnout_percent: int, yes_percent: int | None = None,
            yes_votes: int | None = None) -> SegmentAnalysis:
    yes = (Threshold("Yes votes", yes_percent, yes_votes, entitled)
           if yes_percent is not None and yes_votes is not None else None)
    return SegmentAnalysis(name, entitled, voted, Threshold("Turnout", turnout_percent, voted, entitled), yes)
