"""A conference and its business sessions: the scope that registers, agendas and ballots hang from."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from unionvote.db import UTCDateTime, utcnow


class ConferenceStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


class QuorumKind(StrEnum):
    NONE = "none"
    DELEGATES = "delegates"  # value: a whole number of delegates present
    BODIES_SHARE = "bodies_share"  # value: "p/q" of the bodies represented
    WEIGHT_SHARE = "weight_share"  # value: "p/q" of the total card weight represented


class CardVoteMode(StrEnum):
    BLOCK = "block"  # the body's lead delegate casts the body's whole membership
    SPLIT = "split"  # the membership divides equally among the body's present delegates


class Conference(SQLModel, table=True):
    __tablename__ = "conference"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    status: str = Field(default=ConferenceStatus.DRAFT, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    starts_on: date | None = None
    ends_on: date | None = None
    time_zone: str = Field(default="Europe/London", max_length=64)
    totp_required_for_delegates: bool = False
    # The rule is stored exactly as given ("150", "1/2") and evaluated with integers only.
    quorum_kind: str = Field(default=QuorumKind.NONE, max_length=16)
    quorum_value: str | None = Field(default=None, max_length=32)
    card_vote_mode: str = Field(default=CardVoteMode.BLOCK, max_length=8)
    retention_days: int = 365
    # Languages (issue 21): the default for visitors who chose none, and the second language shown beside it.
    language: str | None = Field(default=None, max_length=8)
    bilingual_language: str | None = Field(default=None, max_length=8)


class BusinessSession(SQLModel, table=True):
    """A sitting of conference ('Tuesday morning'); delegates check in to each one."""

    __tablename__ = "business_session"
    __table_args__ = (Index("ix_business_session_conference_starts", "conference_id", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", ondelete="CASCADE")
    name: str = Field(max_length=200)
    starts_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
