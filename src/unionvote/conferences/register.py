"""The register's tables: represented bodies, delegates, substitutions and presence.

Names, emails, mobiles and notes are personal data that a later purge erases; every
other table and the audit chain refer to delegates by id only.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from unionvote.db import UTCDateTime, utcnow


class BodyKind(StrEnum):
    BRANCH = "branch"
    REGION = "region"
    SECTOR = "sector"
    AFFILIATE = "affiliate"


class DelegateRole(StrEnum):
    DELEGATE = "delegate"
    SUBSTITUTE = "substitute"
    OBSERVER = "observer"
    VISITOR = "visitor"


class AccreditationStatus(StrEnum):
    NOT_ACCREDITED = "not_accredited"
    ACCREDITED = "accredited"
    REVOKED = "revoked"
    SUBSTITUTED = "substituted"  # a substitute holds this delegate's credential now


class Body(SQLModel, table=True):
    """A branch, region, sector or affiliate; its membership is its card-vote weight."""

    __tablename__ = "body"
    __table_args__ = (UniqueConstraint("conference_id", "code", name="uq_body_code"),)

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", ondelete="CASCADE")
    code: str = Field(max_length=32)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=16)
    membership: int
    counted_on: date | None = None  # the cut-off date of the membership count


class Delegate(SQLModel, table=True):
    __tablename__ = "delegate"
    __table_args__ = (
        UniqueConstraint("conference_id", "membership_number", name="uq_delegate_membership_number"),
        UniqueConstraint("conference_id", "user_id", name="uq_delegate_user"),
        Index("ix_delegate_body", "body_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", ondelete="CASCADE")
    membership_number: str = Field(max_length=32)
    name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    mobile: str | None = Field(default=None, max_length=32)
    body_id: int | None = Field(default=None, foreign_key="body.id")
    role: str = Field(max_length=16)
    user_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    status: str = Field(default=AccreditationStatus.NOT_ACCREDITED, max_length=16)
    is_lead: bool = False  # casts the body's whole card in block mode
    identity_check: str | None = Field(default=None, max_length=500)  # how staff checked who they are
    status_reason: str | None = Field(default=None, max_length=500)  # why revoked or reinstated
    status_changed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    erased_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class Substitution(SQLModel, table=True):
    """A substitute holding an absent delegate's credential: the body, and the lead if it was theirs."""

    __tablename__ = "substitution"
    __table_args__ = (UniqueConstraint("absent_delegate_id", name="uq_substitution_absent"),
                      UniqueConstraint("substitute_delegate_id", name="uq_substitution_substitute"))

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", ondelete="CASCADE", index=True)
    absent_delegate_id: int = Field(foreign_key="delegate.id", ondelete="CASCADE")
    substitute_delegate_id: int = Field(foreign_key="delegate.id", ondelete="CASCADE")
    reason: str = Field(max_length=500)
    created_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Presence(SQLModel, table=True):
    """One stretch of a delegate being checked in to a business session.

    At most one stretch per delegate and session is open (checked_out_at is null), so
    "who is here now" is one indexed query and past moments can still be answered.
    """

    __tablename__ = "presence"
    __table_args__ = (
        Index("ix_presence_session", "business_session_id", "checked_out_at"),
        Index("ix_presence_delegate", "delegate_id"),
        Index("uq_presence_open", "delegate_id", "business_session_id", unique=True,
              sqlite_where=text("checked_out_at IS NULL"), postgresql_where=text("checked_out_at IS NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    delegate_id: int = Field(foreign_key="delegate.id", ondelete="CASCADE")
    business_session_id: int = Field(foreign_key="business_session.id", ondelete="CASCADE")
    checked_in_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    checked_in_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    checked_out_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    checked_out_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
