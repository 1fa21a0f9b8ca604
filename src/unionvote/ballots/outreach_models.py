"""Getting the vote out: reps' chase lists and what they recorded, the ballot's outreach settings,
member-portal links already used, and text messages sent.

Contact outcomes and texts name members by internal id only; none of them records how anyone voted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from unionvote.db import UTCDateTime, utcnow
from unionvote.i18n import N_

REP_SEGMENTS = ("workplace", "branch")
OUTCOMES = {
    "spoke": N_("Spoke to them"),
    "no-answer": N_("No answer"),
    "wrong-number": N_("Wrong number"),
    "will-vote": N_("Will vote"),
    "no-contact": N_("Does not want contact"),
}


def _now() -> datetime:
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class MemberBallotRep(SQLModel, table=True):
    """A rep (a user) who chases the non-voters of one workplace or branch of one member ballot."""

    __tablename__ = "member_ballot_rep"
    __table_args__ = (UniqueConstraint("ballot_id", "user_id", name="uq_member_ballot_rep"),
                      Index("ix_member_ballot_rep_user", "user_id"))

    id: int | None = Field(default=None, primary_key=True)
    ballot_id: int = Field(foreign_key="member_ballot.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    kind: str = Field(max_length=16)  # one of REP_SEGMENTS
    value: str = Field(max_length=200)
    granted_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    granted_at: datetime = _now()


class MemberContact(SQLModel, table=True):
    """One outcome a rep recorded for one member: who voted is read from `member`, never how."""

    __tablename__ = "member_contact"
    __table_args__ = (Index("ix_member_contact_ballot_member", "ballot_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    ballot_id: int = Field(foreign_key="member_ballot.id", ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    rep_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    outcome: str = Field(max_length=16)  # a key of OUTCOMES
    recorded_at: datetime = _now()


class MemberBallotOutreach(SQLModel, table=True):
    """Per ballot: the words reps text, and the secret the union's member portal signs links with."""

    __tablename__ = "member_ballot_outreach"

    ballot_id: int = Field(foreign_key="member_ballot.id", primary_key=True, ondelete="CASCADE")
    chase_message: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    portal_secret: str | None = Field(default=None, max_length=128)


class MemberPortalUse(SQLModel, table=True):
    """A signed member-portal link that has been used once: a second use is a replay and is refused."""

    __tablename__ = "member_portal_use"

    ballot_id: int = Field(foreign_key="member_ballot.id", primary_key=True, ondelete="CASCADE")
    signature: str = Field(primary_key=True, max_length=64)
    used_at: datetime = _now()


class MemberText(SQLModel, table=True):
    """One text message to a member: the provider's id for it and the latest delivery receipt."""

    __tablename__ = "member_text"
    __table_args__ = (UniqueConstraint("ballot_id", "run", "member_id", name="uq_member_text_run"),
                      Index("ix_member_text_provider_id", "provider_id"))

    id: int | None = Field(default=None, primary_key=True)
    ballot_id: int = Field(foreign_key="member_ballot.id", ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    run: str = Field(max_length=64)  # a run's name: one text per member per run, and a stopped run resumes
    provider_id: str | None = Field(default=None, max_length=64)
    status: str = Field(default="sending", max_length=16)
    error: str | None = Field(default=None, max_length=200)
    sent_at: datetime = _now()
    updated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class TextOptOut(SQLModel, table=True):
    """A mobile number that replied STOP: the union texts it no more, on any ballot."""

    __tablename__ = "text_opt_out"

    mobile: str = Field(primary_key=True, max_length=20)
    at: datetime = _now()
