"""Elections at conference: the position and its seats, nominations, supporters, and the papers counted.

Bodies and delegates belong to the conferences domain, ballots to voting: these tables hold their ids only.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from unionvote.db import UTCDateTime, utcnow


class ElectionState(StrEnum):
    NOMINATIONS = "nominations"  # nominations open, or closed and awaiting the committee
    CONTESTED = "contested"  # more valid candidates than seats: a ballot decides
    DECLARED = "declared"


class NominatorKind(StrEnum):
    BODY = "body"  # a branch or region nominates
    DELEGATES = "delegates"  # a number of delegates support the nomination


class NominationState(StrEnum):
    SUBMITTED = "submitted"
    VALID = "valid"
    INVALID = "invalid"
    WITHDRAWN = "withdrawn"


class Election(SQLModel, table=True):
    __tablename__ = "election"
    __table_args__ = (Index("ix_election_conference", "conference_id"),)

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", ondelete="CASCADE")
    title: str = Field(max_length=200)
    seats: int
    rule: str = Field(max_length=16)
    nominator_kind: str = Field(max_length=16)
    supporters_needed: int = 0
    statement_limit: int = 1500  # characters
    nominations_close_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    state: str = Field(default=ElectionState.NOMINATIONS, max_length=16)
    uncontested: bool = False
    ballot_id: int | None = Field(default=None, foreign_key="ballot.id", ondelete="SET NULL")
    result: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # the count's JSON record
    declared_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    created_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Nomination(SQLModel, table=True):
    __tablename__ = "election_nomination"
    __table_args__ = (Index("ix_election_nomination_election", "election_id"),)

    id: int | None = Field(default=None, primary_key=True)
    election_id: int = Field(foreign_key="election.id", ondelete="CASCADE")
    candidate_name: str = Field(max_length=200)
    statement: str = Field(default="", sa_column=Column(Text, nullable=False))
    body_id: int | None = Field(default=None, foreign_key="body.id", ondelete="SET NULL")
    nominated_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    state: str = Field(default=NominationState.SUBMITTED, max_length=16)
    committee_note: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Support(SQLModel, table=True):
    """A delegate supporting a nomination (when delegates, not bodies, nominate)."""

    __tablename__ = "election_support"
    __table_args__ = (UniqueConstraint("nomination_id", "user_id", name="uq_election_support"),)

    id: int | None = Field(default=None, primary_key=True)
    nomination_id: int = Field(foreign_key="election_nomination.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")


class Paper(SQLModel, table=True):
    """Counted papers grouped by ranking (nomination ids in order, space-separated): no voter, no order."""

    __tablename__ = "election_paper"
    __table_args__ = ({"sqlite_with_rowid": False},)

    election_id: int = Field(foreign_key="election.id", primary_key=True, ondelete="CASCADE")
    ranking: str = Field(primary_key=True, max_length=2000)
    papers: int
