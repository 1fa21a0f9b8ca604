"""The tables behind a delegate's ways in: enrolment invitations and voting codes.

Neither stores the secret itself: an invitation keeps the SHA-256 of its link token,
a voting code an HMAC keyed by the server's secret (see voting_codes.py for why).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, text
from sqlmodel import Field, SQLModel

from unionvote.db import UTCDateTime, utcnow

LIVE_INVITATION = text("used_at IS NULL AND superseded_at IS NULL")


class Invitation(SQLModel, table=True):
    """A one-time enrolment link for a delegate's account. At most one is live per delegate."""

    __tablename__ = "invitation"
    __table_args__ = (
        Index("ix_invitation_conference", "conference_id"),
        Index("uq_invitation_live", "delegate_id", unique=True,
              sqlite_where=LIVE_INVITATION, postgresql_where=LIVE_INVITATION),
    )

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", ondelete="CASCADE")
    delegate_id: int = Field(foreign_key="delegate.id", ondelete="CASCADE", index=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    created_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    superseded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    emailed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    email_error: str | None = Field(default=None, max_length=300)


class VotingCode(SQLModel, table=True):
    """A delegate's voting code: membership number plus code logs in to this conference only.

    One row per delegate; issuing a new code overwrites the hash, so the old code stops working.
    """

    __tablename__ = "voting_code"

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", ondelete="CASCADE", index=True)
    delegate_id: int = Field(foreign_key="delegate.id", ondelete="CASCADE", unique=True)
    code_hash: str = Field(max_length=64)
    issued_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    issued_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    failed_attempts: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
