"""Quorum: the conference's rule, in words, and whether the present delegates meet it.

Rules are stored exactly as staff give them ("150", "1/2", "2/3") and checked with
integer arithmetic: a share p/q of n is met by k when k * q >= p * n.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.conferences.eligibility import present_credentials
from unionvote.conferences.models import Conference, QuorumKind
from unionvote.conferences.register import Body
from unionvote.conferences.services import ConferenceError
from unionvote.db import utcnow
from unionvote.i18n import _, format_number, ngettext

SHARE_RE = re.compile(r"^\s*(\d{1,4})\s*/\s*(\d{1,4})\s*$", re.ASCII)
MAX_DELEGATES = 1_000_000
NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
PARTS = {2: ("half", "halves"), 3: ("third", "thirds"), 4: ("quarter", "quarters"), 5: ("fifth", "fifths"),
         6: ("sixth", "sixths"), 7: ("seventh", "sevenths"), 8: ("eighth", "eighths"), 9: ("ninth", "ninths"),
         10: ("tenth", "tenths")}


@dataclass(frozen=True)
class QuorumRule:
    kind: QuorumKind
    value: str | None  # exactly as stored

    @property
    def delegates(self) -> int:
        return int(self.value or 0)

    @property
    def share(self) -> Fraction:
        match = SHARE_RE.match(self.value or "")
        assert match, "a share rule always holds p/q"
        return Fraction(int(match[1]), int(match[2]))

    @property
    def share_text(self) -> str:
        match = SHARE_RE.match(self.value or "")
        assert match
        return share_in_words(int(match[1]), int(match[2]))


def parse_quorum_rule(kind: str, value: str | None) -> QuorumRule:
    """Check a rule as staff enter it; raises ConferenceError saying how to write it."""
    try:
        rule_kind = QuorumKind(kind)
    except ValueError:
        choices = ", ".join(k.value for k in QuorumKind)
        raise ConferenceError(f"The quorum rule must be one of: {choices}.") from None
    value = (value or "").strip()
    if rule_kind is QuorumKind.NONE:
        return QuorumRule(rule_kind, None)
    if rule_kind is QuorumKind.DELEGATES:
        if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_DELEGATES:
            raise ConferenceError(f"A quorum of delegates is a whole number of delegates, such as 150, not '{value}'.")
        return QuorumRule(rule_kind, str(int(value)))
    match = SHARE_RE.match(value)
    if not match or not 0 < int(match[1]) <= int(match[2]):
        raise ConferenceError(f"Write the quorum share as a fraction such as 1/2 or 2/3 (at most 1), not '{value}'.")
    return QuorumRule(rule_kind, f"{int(match[1])}/{int(match[2])}")


def share_in_words(p: int, q: int) -> str:
    if p == q:
        return "all"
    if q == 100:
        return f"{p}%"
    if q in PARTS and p <= 10:
        return f"{NUMBERS[p]} {PARTS[q][0 if p == 1 else 1]}"
    return f"{p}/{q}"


def rule_in_words(rule: QuorumRule) -> str:
    if rule.kind is QuorumKind.NONE:
        return _("No quorum rule is set.")
    if rule.kind is QuorumKind.DELEGATES:
        return ngettext("At least %(n)s voting delegate must be present.",
                        "At least %(n)s voting delegates must be present.",
                        rule.delegates) % {"n": format_number(rule.delegates)}
    if rule.kind is QuorumKind.BODIES_SHARE:
        return _("At least %(share)s of the bodies must be represented by a present delegate.") % {
            "share": rule.share_text}
    return _("Bodies holding at least %(share)s of the total card vote (membership) must be represented.") % {
        "share": rule.share_text}


def share_needed(share: Fraction, total: int) -> int:
    """The smallest whole count k with k / total >= share; never less than one."""
    return max(1, -(-share.numerator * total // share.denominator))


@dataclass(frozen=True)
class QuorumStatus:
    rule: QuorumRule
    rule_text: str
    business_session_id: int | None
    present: int  # voting delegates present
    bodies_represented: int
    bodies_total: int
    weight_present: int  # membership of the bodies represented
    weight_total: int
    required: int | None  # in the rule's unit: delegates, bodies or members
    met: bool

    @property
    def summary(self) -> str:
        n = format_number
        if self.rule.kind is QuorumKind.BODIES_SHARE:
            counted = _("%(present)s of %(total)s bodies represented") % {
                "present": n(self.bodies_represented), "total": n(self.bodies_total)}
        elif self.rule.kind is QuorumKind.WEIGHT_SHARE:
            counted = _("%(present)s of %(total)s members represented") % {
                "present": n(self.weight_present), "total": n(self.weight_total)}
        else:
            counted = ngettext("%(n)s voting delegate present", "%(n)s voting delegates present",
                               self.present) % {"n": n(self.present)}
        verdict = _("Quorate") if self.met else _("Not quorate")
        if self.required is None:
            return _("%(verdict)s: %(counted)s.") % {"verdict": verdict, "counted": counted}
        return _("%(verdict)s: %(counted)s, %(needed)s needed.") % {
            "verdict": verdict, "counted": counted, "needed": n(self.required)}


async def quorum(db: AsyncSession, conference_id: int, at: datetime | None = None) -> QuorumStatus:
    """Is the conference quorate at `at` (now by default)? Counts voting credentials present only."""
    conference = await db.get(Conference, conference_id)
    if conference is None:
        raise ConferenceError("No such conference.", 404)
    rule = parse_quorum_rule(conference.quorum_kind, conference.quorum_value)
    session_id, present = await present_credentials(db, conference_id, at or utcnow())
    bodies = {p.body_id: p.membership for p in present if p.body_id is not None}
    bodies_total, weight_total = (await db.execute(
        select(func.count(Body.id), func.coalesce(func.sum(Body.membership), 0))
        .where(Body.conference_id == conference_id))).one()
    weight_present = sum(bodies.values())
    required: int | None = None
    if rule.kind is QuorumKind.DELEGATES:
        required, have = rule.delegates, len(present)
    elif rule.kind is QuorumKind.BODIES_SHARE:
        required, have = share_needed(rule.share, bodies_total), len(bodies)
    elif rule.kind is QuorumKind.WEIGHT_SHARE:
        required, have = share_needed(rule.share, int(weight_total)), weight_present
    met = required is None or have >= required
    return QuorumStatus(rule=rule, rule_text=rule_in_words(rule), business_session_id=session_id,
                        present=len(present), bodies_represented=len(bodies), bodies_total=bodies_total,
                        weight_present=weight_present, weight_total=int(weight_total), required=required,
                        met=met)
