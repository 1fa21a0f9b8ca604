"""A ballot as pages, fragments and the API show it: what it asks, where it stands, how many voted.

Read-only. Before a ballot closes, nothing here reads ballot contents: only the turnout
count. The result is shown from the declared result document, never recounted here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.bilingual import Translations, Wording, wording
from unionvote.i18n import N_, _, current_language, format_number
from unionvote.voting.counting import INDICATIVE_NOTE, Turnout, options_of, rule_of, turnout
from unionvote.voting.models import Ballot, BallotState, Weighting
from unionvote.voting.receipts import format_tracker
from unionvote.voting.rules import Majority, Method, fraction_text
from unionvote.voting.schemas import BallotOut, TurnoutOut

STATE_WORDS = {BallotState.DRAFT: N_("Not open yet"), BallotState.OPEN: N_("Voting is open"),
               BallotState.CLOSED: N_("Voting has closed"), BallotState.DECLARED: N_("Result declared"),
               BallotState.VOID: N_("Void")}
OUTCOME_WORDS = {"carried": N_("Carried"), "lost": N_("Lost"), "inquorate": N_("Not quorate: no decision"),
                 "tied": N_("Tied: no result"), "decided": N_("Decided")}
# The hall's sentence for a for/against result, by outcome and by whether cards were counted.
VERDICTS = {("carried", False): N_("Carried by %(for)s votes to %(against)s."),
            ("lost", False): N_("Lost by %(for)s votes to %(against)s."),
            ("carried", True): N_("Carried by %(for)s card votes to %(against)s."),
            ("lost", True): N_("Lost by %(for)s card votes to %(against)s.")}


@dataclass(frozen=True)
class BallotView:
    ballot: Ballot
    options: list[tuple[str, str]]
    rule_text: str
    turnout: Turnout | None  # None for drafts
    result: dict[str, Any] | None
    titles: Translations = field(default_factory=dict)  # the title in other languages (a motion's, translated)
    bilingual: str | None = None  # the conference's second language, shown beside

    @property
    def title_words(self) -> Wording:
        """The title in the language of the moment (each live fragment is rendered once per language)."""
        return wording(self.ballot.title, self.titles, "title", language=current_language(), bilingual=self.bilingual)

    @property
    def id(self) -> int:
        return self.ballot.id  # type: ignore[return-value]

    @property
    def state(self) -> str:
        return self.ballot.state

    @property
    def state_words(self) -> str:
        return _(STATE_WORDS.get(self.ballot.state, self.ballot.state))  # type: ignore[call-overload]

    @property
    def multiple(self) -> bool:
        return self.ballot.method == Method.UP_TO

    @property
    def card(self) -> bool:
        return self.ballot.weighting == Weighting.CARD

    @property
    def turnout_text(self) -> str:
        t = self.turnout
        if t is None:
            return _("Voting has not opened.")
        counts = {"voters": format_number(t.voters), "electorate": format_number(t.electorate)}
        if self.card:
            return _("%(voters)s of %(electorate)s have voted (%(weight)s of %(electorate_weight)s card votes).") % {
                **counts, "weight": fraction_text(t.weight), "electorate_weight": fraction_text(t.electorate_weight)}
        return _("%(voters)s of %(electorate)s have voted.") % counts

    @property
    def outcome_words(self) -> str:
        if self.result is None:
            return ""
        decision = self.result["decision"]
        words = _(OUTCOME_WORDS.get(decision["outcome"], decision["outcome"]))
        if decision["winners"] and self.ballot.method != Method.FOR_AGAINST:
            labels = dict(self.options)
            words += ": " + ", ".join(labels.get(key, key) for key in decision["winners"])
        return words

    @property
    def needed_words(self) -> str:
        """The majority needed, as a hall says it: 'a simple majority', 'a two-thirds majority'."""
        rule = rule_of(self.ballot)
        return {
            Majority.SIMPLE: _("a simple majority"),
            Majority.ABSOLUTE: _("a majority of all those entitled to vote"),
            Majority.TWO_THIRDS: _("a two-thirds majority"),
            Majority.FRACTION: _("at least %(fraction)s of the votes") % {"fraction": rule.fraction},
            Majority.PLURALITY: _("the most votes"),
        }[rule.majority]

    @property
    def verdict_words(self) -> str:
        """The declared result in a sentence a hall understands: 'Carried by 2,105 votes to 1,377.'"""
        if self.result is None:
            return ""
        decision, combined = self.result["decision"], self.result["combined"]["choices"]
        if self.ballot.method == Method.FOR_AGAINST and decision["outcome"] in ("carried", "lost"):
            votes_for, votes_against = figure(combined.get("for", "0")), figure(combined.get("against", "0"))
            return _(VERDICTS[(decision["outcome"], self.card)]) % {"for": votes_for, "against": votes_against}
        return self.outcome_words + "."

    def label(self, key: str) -> str:
        return dict(self.options).get(key, key)


def figure(text: str) -> str:
    """A stored exact figure ('2105', '7/2') with thousands separators where it is whole."""
    value = Fraction(text)
    return format_number(value.numerator) if value.denominator == 1 else fraction_text(value)


async def view_of(db: AsyncSession, ballot: Ballot) -> BallotView:
    count = None if ballot.state == BallotState.DRAFT else await turnout(db, ballot)
    result = json.loads(ballot.result) if ballot.state == BallotState.DECLARED and ballot.result else None
    from unionvote.motions.languages import ballot_title_wording  # motions sits above voting

    titles, beside = await ballot_title_wording(db, ballot.motion_id, ballot.amendment_id, ballot.title)
    return BallotView(ballot, options_of(ballot), rule_of(ballot).describe(), count, result, titles, beside)


def ballot_out(view: BallotView) -> BallotOut:
    b, t = view.ballot, view.turnout
    return BallotOut(
        id=view.id, conference_id=b.conference_id, title=b.title, question=b.question, state=b.state,
        secrecy=b.secrecy, sealing=b.sealing, method=b.method, options=[[key, label] for key, label in view.options],
        max_choices=b.max_choices, weighting=b.weighting, rule=rule_of(b).as_dict(), rule_text=view.rule_text,
        countdown_seconds=b.countdown_seconds, opened_at=b.opened_at, closes_at=b.closes_at, closed_at=b.closed_at,
        declared_at=b.declared_at, motion_id=b.motion_id, amendment_id=b.amendment_id, follows_id=b.follows_id,
        relation=b.relation, void_reason=b.void_reason, certified_at=b.certified_at,
        turnout=None if t is None else TurnoutOut(voters=t.voters, electorate=t.electorate,
                                                  weight=fraction_text(t.weight),
                                                  electorate_weight=fraction_text(t.electorate_weight)),
        result=view.result, indicative=INDICATIVE_NOTE,
    )


def trackers_out(trackers: list[str]) -> list[str]:
    return [format_tracker(t) for t in trackers]
