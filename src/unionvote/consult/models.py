"""Consultation tables.

Anonymity is a property of the schema: "who has joined" (consult_claim) and "what was said or
rated" (consult_participant, consult_thought, consult_rating) share no key, and the content side
has random ids and no timestamps. A claim names nobody to a reader of the database: its mark is
keyed by the server's secret key, which the database never holds, so joining changes no row
that says who someone is (no invitation, account or session row is written by it). The
participant row is written later, by their first thought, rating or report (participation.py).
What timing and the server's secret key could still tell: docs/consultation-anonymity.md. In
confidential mode only, consult_participant.person_ref names the person, for the named analysts.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from unionvote.db import UTCDateTime, utcnow

ATTRIBUTES = ("employer", "role", "region", "shift")


class Anonymity(StrEnum):
    ANONYMOUS = "anonymous"  # no one, staff included, can link a thought or rating to a person
    CONFIDENTIAL = "confidential"  # only the named analysts can


class ThoughtStatus(StrEnum):
    VISIBLE = "visible"
    HELD = "held"  # waiting for review (hold-for-review mode)
    HIDDEN = "hidden"  # hidden by staff, with a reason


def _when(nullable: bool = False) -> Field:  # type: ignore[valid-type]
    default = None if nullable else utcnow
    return Field(default_factory=default, sa_column=Column(UTCDateTime(), nullable=nullable))  # type: ignore[arg-type]


class Consultation(SQLModel, table=True):
    __tablename__ = "consult_consultation"

    id: int | None = Field(default=None, primary_key=True)
    question: str = Field(max_length=300)
    description: str = Field(default="", max_length=4000)
    audience: str = Field(max_length=16)  # a kind from consult.audience.AUDIENCES
    conference_id: int | None = Field(default=None, foreign_key="conference.id", ondelete="CASCADE", index=True)
    ballot_id: int | None = None  # audience "ballot": the member ballot (no foreign key: that table comes later)
    anonymity: str = Field(default=Anonymity.ANONYMOUS, max_length=16)
    hold_for_review: bool = False
    rating_target: int = 15
    share_opens_at: datetime | None = _when(nullable=True)
    share_closes_at: datetime | None = _when(nullable=True)
    star_opens_at: datetime | None = _when(nullable=True)
    star_closes_at: datetime | None = _when(nullable=True)
    discover_opens_at: datetime | None = _when(nullable=True)
    created_at: datetime = _when()
    # Languages (issue 21): the default for visitors who chose none, and the second language shown beside it.
    language: str | None = Field(default=None, max_length=8)
    bilingual_language: str | None = Field(default=None, max_length=8)
    translations: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # {"cy": {"question": ...}}


class Invitation(SQLModel, table=True):
    """One single-use link for a person on an imported list. Using it writes a claim, never to this row."""

    __tablename__ = "consult_invitation"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consult_consultation.id", ondelete="CASCADE", index=True)
    reference: str = Field(max_length=320)  # an email address or membership number, for the mail merge
    token_hash: str = Field(max_length=64, unique=True)
    employer: str | None = Field(default=None, max_length=100)
    role: str | None = Field(default=None, max_length=100)
    region: str | None = Field(default=None, max_length=100)
    shift: str | None = Field(default=None, max_length=100)


# SQLite would otherwise keep a hidden rowid counting up in insertion order on these tables.
NO_ROWID = {"sqlite_with_rowid": False}


class Claim(SQLModel, table=True):
    """Someone has joined: an invitation link was used, or a delegate joined. Never which person, or as whom.

    `mark` is an HMAC under the server's secret key of the invitation or the account (participation.py),
    so the server can refuse a second join while the database alone cannot tell whose claim it is.
    """

    __tablename__ = "consult_claim"
    __table_args__ = (NO_ROWID,)

    mark: str = Field(primary_key=True, max_length=64)
    consultation_id: int = Field(foreign_key="consult_consultation.id", ondelete="CASCADE", index=True)


class Participant(SQLModel, table=True):
    """A pseudonym: random id, the hash of the key the browser holds, optional segment attributes."""

    __tablename__ = "consult_participant"
    __table_args__ = (NO_ROWID,)

    id: str = Field(primary_key=True, max_length=32)
    consultation_id: int = Field(foreign_key="consult_consultation.id", ondelete="CASCADE", index=True)
    key_hash: str = Field(max_length=64, unique=True)
    employer: str | None = Field(default=None, max_length=100)
    role: str | None = Field(default=None, max_length=100)
    region: str | None = Field(default=None, max_length=100)
    shift: str | None = Field(default=None, max_length=100)
    person_ref: str | None = Field(default=None, max_length=40)  # confidential mode only: "user:5", "invitation:7"


class Thought(SQLModel, table=True):
    __tablename__ = "consult_thought"

    id: str = Field(primary_key=True, max_length=32)
    consultation_id: int = Field(foreign_key="consult_consultation.id", ondelete="CASCADE", index=True)
    number: int  # shown to people and in exports; drawn at random, unique per consultation
    participant_id: str | None = Field(default=None, foreign_key="consult_participant.id", ondelete="SET NULL")
    text: str = Field(max_length=280)
    status: str = Field(default=ThoughtStatus.VISIBLE, max_length=8)
    # Running totals, kept in step with consult_rating, so the sampler never scans the ratings.
    ratings: int = 0
    star_sum: int = 0
    star_squares: int = 0
    skips: int = 0
    theme_id: int | None = Field(default=None, foreign_key="consult_theme.id", ondelete="SET NULL")

    __table_args__ = (UniqueConstraint("consultation_id", "number", name="uq_consult_thought_number"), NO_ROWID)


class Rating(SQLModel, table=True):
    """1 to 5 stars, or a skip (stars is null). One per participant and thought, decided by the database."""

    __tablename__ = "consult_rating"
    __table_args__ = (UniqueConstraint("thought_id", "participant_id", name="uq_consult_rating"),
                      # Covering: a participant's own ratings and skips are read from the index alone.
                      Index("ix_consult_rating_participant_thought", "participant_id", "thought_id", "stars"),
                      NO_ROWID)

    id: str = Field(primary_key=True, max_length=32)
    thought_id: str = Field(foreign_key="consult_thought.id", ondelete="CASCADE")
    participant_id: str = Field(foreign_key="consult_participant.id", ondelete="CASCADE")
    stars: int | None = None


class Report(SQLModel, table=True):
    """A participant's report of a thought, waiting in the review queue."""

    __tablename__ = "consult_report"
    __table_args__ = (UniqueConstraint("thought_id", "participant_id", name="uq_consult_report"), NO_ROWID)

    id: str = Field(primary_key=True, max_length=32)
    thought_id: str = Field(foreign_key="consult_thought.id", ondelete="CASCADE", index=True)
    participant_id: str = Field(foreign_key="consult_participant.id", ondelete="CASCADE")
    reason: str = Field(max_length=200)
    resolved: bool = False


class Theme(SQLModel, table=True):
    __tablename__ = "consult_theme"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consult_consultation.id", ondelete="CASCADE", index=True)
    label: str = Field(max_length=100)


class Response(SQLModel, table=True):
    """Staff's answer to a thought: what the union will do."""

    __tablename__ = "consult_response"

    id: int | None = Field(default=None, primary_key=True)
    thought_id: str = Field(foreign_key="consult_thought.id", ondelete="CASCADE", unique=True)
    text: str = Field(max_length=2000)
    by_user_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    at: datetime = _when()


class Analyst(SQLModel, table=True):
    """Confidential mode: a person named to see who said what."""

    __tablename__ = "consult_analyst"
    __table_args__ = (UniqueConstraint("consultation_id", "user_id", name="uq_consult_analyst"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consult_consultation.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
