"""What the conference API takes in and gives back. Settings changes use settings.SettingsChange."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec

from unionvote.conferences.eligibility import EligibleVoter
from unionvote.conferences.lookup import RegisterPage, RegisterRow
from unionvote.conferences.quorum import QuorumStatus

Note = Annotated[str, msgspec.Meta(max_length=2000, description="A short note in plain words")]


class SettingsOut(msgspec.Struct):
    id: int
    slug: str
    name: str
    status: str
    starts_on: date | None
    ends_on: date | None
    time_zone: str
    totp_required_for_delegates: bool
    quorum_kind: str
    quorum_value: str | None
    quorum_rule: str  # the rule in words
    card_vote_mode: str
    retention_days: int


class NewBusinessSession(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(max_length=1000)]
    starts_at: Annotated[datetime, msgspec.Meta(description="With a time zone, e.g. 2027-05-14T09:30:00+01:00")]
    ends_at: datetime


class BusinessSessionOut(msgspec.Struct):
    id: int
    name: str
    starts_at: datetime
    ends_at: datetime


class BodyOut(msgspec.Struct):
    id: int
    code: str
    name: str
    kind: str
    membership: int
    counted_on: date | None


class ImportOut(msgspec.Struct):
    added: int
    updated: int
    unchanged: int


class DelegateOut(msgspec.Struct):
    id: int
    membership_number: str
    name: str
    email: str
    body_id: int | None
    body_code: str | None
    role: str
    status: str
    is_lead: bool
    account_linked: bool
    checked_in: bool  # to the session open for check-in now


class DelegatePageOut(msgspec.Struct):
    items: list[DelegateOut]
    total: int
    page: int
    per_page: int


class Accreditation(msgspec.Struct, forbid_unknown_fields=True):
    note: Annotated[str, msgspec.Meta(max_length=2000, description="How identity was checked")]


class Reason(msgspec.Struct, forbid_unknown_fields=True):
    reason: Note


class SubstitutionIn(msgspec.Struct, forbid_unknown_fields=True):
    substitute_id: int
    reason: Note


class PresenceOut(msgspec.Struct):
    delegate_id: int
    business_session_id: int
    business_session: str
    checked_in: bool


class MyStatusOut(msgspec.Struct):
    on_register: bool
    delegate_id: int | None = None
    status: str | None = None
    status_text: str | None = None
    business_session_id: int | None = None
    business_session: str | None = None
    checked_in: bool = False


class QuorumOut(msgspec.Struct):
    rule_kind: str
    rule_value: str | None
    rule_text: str
    business_session_id: int | None
    present: int
    bodies_represented: int
    bodies_total: int
    weight_present: int
    weight_total: int
    required: int | None
    met: bool
    summary: str


class VoterOut(msgspec.Struct):
    delegate_id: int
    user_id: int | None
    body_id: int | None
    weight: str  # exact: "1", "250" or "500/3"
    weight_numerator: int
    weight_denominator: int


class RowProblemOut(msgspec.Struct):
    line: int
    reason: str
    reasons: list[str]


def delegate_out(row: RegisterRow) -> DelegateOut:
    return DelegateOut(id=row.id, membership_number=row.membership_number, name=row.name, email=row.email,
                       body_id=row.body_id, body_code=row.body_code, role=row.role, status=row.status,
                       is_lead=row.is_lead, account_linked=row.user_id is not None, checked_in=row.present)


def delegate_page_out(page: RegisterPage) -> DelegatePageOut:
    return DelegatePageOut(items=[delegate_out(r) for r in page.rows], total=page.total, page=page.page,
                           per_page=page.per_page)


def quorum_out(q: QuorumStatus) -> QuorumOut:
    return QuorumOut(rule_kind=q.rule.kind.value, rule_value=q.rule.value, rule_text=q.rule_text,
                     business_session_id=q.business_session_id, present=q.present,
                     bodies_represented=q.bodies_represented, bodies_total=q.bodies_total,
                     weight_present=q.weight_present, weight_total=q.weight_total, required=q.required, met=q.met,
                     summary=q.summary)


def voter_out(v: EligibleVoter) -> VoterOut:
    return VoterOut(delegate_id=v.delegate_id, user_id=v.user_id, body_id=v.body_id, weight=str(v.weight),
                    weight_numerator=v.weight.numerator, weight_denominator=v.weight.denominator)


def settings_out(c: Any, rule_text: str) -> SettingsOut:
    return SettingsOut(id=c.id, slug=c.slug, name=c.name, status=c.status, starts_on=c.starts_on, ends_on=c.ends_on,
                       time_zone=c.time_zone, totp_required_for_delegates=c.totp_required_for_delegates,
                       quorum_kind=c.quorum_kind, quorum_value=c.quorum_value, quorum_rule=rule_text,
                       card_vote_mode=c.card_vote_mode, retention_days=c.retention_days)
