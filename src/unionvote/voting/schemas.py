"""What the voting pages and API take in and give back.

A BallotDraft is what the chair asks for, in plain values (from JSON or from the console's
form); `to_spec` turns it into a checked services.BallotSpec or says, in words, what is wrong.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

import msgspec

from unionvote.i18n import N_, _
from unionvote.voting.models import SealingMode, Secrecy, Weighting
from unionvote.voting.rules import Base, Majority, Method, Quorum, Rule, TieRule, parse_fraction
from unionvote.voting.services import FOR_AGAINST_OPTIONS, BallotError, BallotSpec

Text = Annotated[str, msgspec.Meta(max_length=20_000)]
Short = Annotated[str, msgspec.Meta(max_length=500)]
OptionKey = Annotated[str, msgspec.Meta(max_length=100)]

METHOD_WORDS = {Method.FOR_AGAINST: N_("For, against or abstain"), Method.ONE_OF: N_("One of several options"),
                Method.UP_TO: N_("Up to K of several options")}
MAJORITY_WORDS = {Majority.SIMPLE: N_("Simple majority (more than half)"), Majority.ABSOLUTE:
                  N_("Absolute majority (more than half of all entitled)"), Majority.TWO_THIRDS: N_("Two thirds"),
                  Majority.FRACTION: N_("A custom fraction"), Majority.PLURALITY: N_("Most votes (options only)")}
BASE_WORDS = {Base.VALID: N_("Valid votes"), Base.CAST: N_("All votes cast"),
              Base.PRESENT: N_("Those present when it opened"), Base.ENTITLED: N_("All those entitled to vote")}
QUORUM_WORDS = {Quorum.NONE: N_("No quorum for this ballot"), Quorum.VOTERS: N_("At least this many voters"),
                Quorum.SHARE: N_("Votes cast carry at least this share of the entitled vote")}
TIE_WORDS = {TieRule.FALLS: N_("A tie falls"), TieRule.CASTING_VOTE: N_("The chair's casting vote decides a tie")}


class BallotDraft(msgspec.Struct, forbid_unknown_fields=True):
    """A new ballot. Options are labels, one per option (not for for/against/abstain); keys are made from them."""

    title: Annotated[str, msgspec.Meta(max_length=200)] = ""
    question: Text = ""
    method: str = Method.FOR_AGAINST.value
    options: Annotated[list[Short], msgspec.Meta(max_length=50)] = []
    max_choices: int = 1
    secret: bool = True
    sealing: str | None = None  # server or trustees (who holds the key of a secret ballot's votes)
    card_vote: bool = False
    majority: str | None = None  # simple; two thirds for a rule-change motion
    fraction: str | None = None
    base: str = Base.VALID.value
    abstentions_in_base: bool = False
    quorum: str = Quorum.NONE.value
    quorum_value: str | None = None
    tie_rule: str = TieRule.FALLS.value
    countdown_seconds: int | None = None
    motion_id: int | None = None
    amendment_id: int | None = None


def _choice(value: str, kind: Any, what: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise BallotError(f"{what} must be one of: {allowed} (not {value!r}).") from None


def option_keys(labels: list[str]) -> list[tuple[str, str]]:
    """(key, label) pairs: a key is the label in lower-case letters, digits and hyphens, unique on the ballot."""
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for number, label in enumerate(labels, start=1):
        key = re.sub(r"[^a-z0-9]+", "-", label.strip().lower()).strip("-")[:40] or f"option-{number}"
        if key in seen:
            key = f"{key}-{number}"
        seen.add(key)
        pairs.append((key, label.strip()))
    return pairs


def rule_of_draft(draft: BallotDraft, *, two_thirds: bool = False) -> Rule:
    default = Majority.TWO_THIRDS if two_thirds else Majority.SIMPLE
    majority = _choice(draft.majority, Majority, "The majority") if draft.majority else default
    fraction = draft.fraction.strip() if draft.fraction else ""
    quorum = _choice(draft.quorum, Quorum, "The quorum")
    quorum_value = draft.quorum_value.strip() if draft.quorum_value else ""
    return Rule(
        majority=majority,
        fraction=parse_fraction(fraction, "The custom majority") if majority is Majority.FRACTION else None,
        base=_choice(draft.base, Base, "The base"),
        abstentions_in_base=draft.abstentions_in_base,
        quorum=quorum,
        quorum_value=parse_fraction(quorum_value, "The quorum") if quorum is not Quorum.NONE else None,
        tie_rule=_choice(draft.tie_rule, TieRule, "The tie rule"),
    )


def to_spec(draft: BallotDraft, *, title: str | None = None, question: str | None = None,
            two_thirds: bool = False) -> BallotSpec:
    """A checked BallotSpec; `title` and `question` replace the draft's (a ballot on a motion, which
    needs two thirds by default when it changes the rules)."""
    method = _choice(draft.method, Method, "The method")
    if method is Method.RANKED:
        raise BallotError(_("Ranked ballots are run as elections, not from the chair's console."))
    options = FOR_AGAINST_OPTIONS if method is Method.FOR_AGAINST else tuple(
        option_keys([label for label in draft.options if label.strip()]))
    return BallotSpec(
        title=draft.title if title is None else title, question=draft.question if question is None else question,
        method=method, options=options, max_choices=draft.max_choices,
        secrecy=Secrecy.SECRET if draft.secret else Secrecy.OPEN,
        sealing=_choice(draft.sealing, SealingMode, "Sealing") if draft.secret and draft.sealing else None,
        weighting=Weighting.CARD if draft.card_vote else Weighting.ONE_EACH,
        rule=rule_of_draft(draft, two_thirds=two_thirds), countdown_seconds=draft.countdown_seconds,
        motion_id=draft.motion_id, amendment_id=draft.amendment_id,
    )


# ---- the API's own shapes ------------------------------------------------------------------

class VoteIn(msgspec.Struct, forbid_unknown_fields=True):
    choice: Annotated[list[OptionKey], msgspec.Meta(max_length=60, description="Option keys, e.g. [\"for\"]")]
    token: Annotated[str, msgspec.Meta(max_length=200, description="22-128 characters A-Z a-z 0-9 _ -, made by "
                                                                   "the client once per ballot; resend it to retry")]


class VoteOut(msgspec.Struct):
    ballot: int
    tracker: str
    choice: list[str]
    repeated: bool


class Declaration(msgspec.Struct, forbid_unknown_fields=True):
    casting_vote: Annotated[str, msgspec.Meta(max_length=200, description=(
        "Only for a tie under the casting-vote rule: 'for' or 'against', or the option keys chosen, comma-separated"
    ))] | None = None


class OpenIn(msgspec.Struct, forbid_unknown_fields=True):
    override_reason: Annotated[str, msgspec.Meta(max_length=500, description=(
        "Only to open while the conference is not quorate: why standing orders allow it (recorded)"))] | None = None


class QuestionIn(msgspec.Struct, forbid_unknown_fields=True):
    """A motion or amendment to put to the vote now (name one)."""

    motion_id: int | None = None
    amendment_id: int | None = None
    secret: bool = True
    card_vote: bool = False
    countdown_seconds: Annotated[int, msgspec.Meta(ge=10, le=24 * 3600)] | None = None
    override_reason: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class VoidIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Short


class FollowUpIn(msgspec.Struct, forbid_unknown_fields=True):
    relation: Annotated[str, msgspec.Meta(description="revote, or card_vote (the card vote after a show of hands)")]


class HallCountIn(msgspec.Struct, forbid_unknown_fields=True):
    section: Annotated[str, msgspec.Meta(max_length=100)]
    counts: dict[OptionKey, int]
    invalid: int = 0
    papers: int | None = None


class TurnoutOut(msgspec.Struct):
    voters: int
    electorate: int
    weight: str  # exact, as text: '1200' or '3/2'
    electorate_weight: str


class BallotOut(msgspec.Struct):
    id: int
    conference_id: int
    title: str
    question: str
    state: str
    secrecy: str
    sealing: str | None  # a secret ballot's votes: sealed by the server, or with the trustees' keys
    method: str
    options: list[list[str]]
    max_choices: int
    weighting: str
    rule: dict[str, Any]
    rule_text: str
    countdown_seconds: int | None
    opened_at: datetime | None
    closes_at: datetime | None
    closed_at: datetime | None
    declared_at: datetime | None
    motion_id: int | None
    amendment_id: int | None
    follows_id: int | None
    relation: str | None
    void_reason: str | None
    certified_at: datetime | None
    turnout: TurnoutOut | None  # counts only: never a running tally
    result: dict[str, Any] | None  # once declared
    indicative: str


class TrackersOut(msgspec.Struct):
    ballot: int
    trackers: list[str]


# ---- the chair's console form --------------------------------------------------------------

DRAFT_TEXT_FIELDS = ("title", "question", "method", "majority", "fraction", "base", "quorum", "quorum_value",
                     "tie_rule", "sealing")


def _whole(form: Any, name: str, what: str, default: int | None) -> int | None:
    raw = form.get(name, "")
    raw = raw.strip() if isinstance(raw, str) else ""
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        raise BallotError(f"{what} must be a whole number, not {raw!r}.")
    return int(raw)


def draft_from_form(form: Any) -> BallotDraft:
    """The console's form as a BallotDraft; numbers that are not whole numbers are refused by name."""
    values: dict[str, Any] = {}
    for name in DRAFT_TEXT_FIELDS:
        raw = form.get(name)
        if isinstance(raw, str) and raw.strip():
            values[name] = raw.strip()
    options = form.get("options", "")
    values["options"] = [line for line in (options if isinstance(options, str) else "").splitlines() if line.strip()]
    values["max_choices"] = _whole(form, "max_choices", "The number of options a voter may choose", 1)
    values["countdown_seconds"] = _whole(form, "countdown_seconds", "The countdown", None)
    values["motion_id"] = _whole(form, "motion_id", "The motion", None)
    values["amendment_id"] = _whole(form, "amendment_id", "The amendment", None)
    values["secret"] = form.get("secrecy", "secret") != "open"
    values["card_vote"] = form.get("weighting") == "card"
    values["abstentions_in_base"] = form.get("abstentions_in_base") == "on"
    try:
        return msgspec.convert(values, BallotDraft)
    except msgspec.ValidationError as exc:
        raise BallotError(f"The ballot form has a value that is too long or of the wrong kind ({exc}).") from None
