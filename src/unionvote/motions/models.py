"""Motions and the agenda: motions with their text versions, amendments, the agenda, publications, speakers.

Bodies and delegates belong to the conferences domain: these tables hold their ids only.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from unionvote.db import UTCDateTime, utcnow


class MotionKind(StrEnum):
    ORDINARY = "ordinary"
    EMERGENCY = "emergency"
    RULE_CHANGE = "rule_change"
    COMPOSITE = "composite"


class MotionState(StrEnum):
    SUBMITTED = "submitted"
    ADMITTED = "admitted"
    RULED_OUT = "ruled_out"
    COMPOSITED = "composited"
    SCHEDULED = "scheduled"
    MOVED = "moved"
    CARRIED = "carried"
    CARRIED_AS_AMENDED = "carried_as_amended"
    LOST = "lost"
    REMITTED = "remitted"
    WITHDRAWN = "withdrawn"
    FELL = "fell"
    NOT_REACHED = "not_reached"


class AmendmentKind(StrEnum):
    DELETE = "delete"
    INSERT = "insert"
    REPLACE = "replace"


class AmendmentState(StrEnum):
    SUBMITTED = "submitted"
    ADMITTED = "admitted"
    RULED_OUT = "ruled_out"
    ACCEPTED = "accepted"  # accepted by the mover: part of the motion without a vote
    CARRIED = "carried"
    LOST = "lost"
    WITHDRAWN = "withdrawn"
    FELL = "fell"


class Recommendation(StrEnum):
    SUPPORT = "support"
    OPPOSE = "oppose"
    REMIT = "remit"
    QUALIFIED = "support_with_qualification"


def _moment(nullable: bool = False) -> Field:  # type: ignore[valid-type]
    if nullable:
        return Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class MotionsSettings(SQLModel, table=True):
    """A conference's motions settings and what is on the floor now."""

    __tablename__ = "motions_settings"

    conference_id: int = Field(foreign_key="conference.id", ondelete="CASCADE", primary_key=True)
    motion_deadline: datetime | None = _moment(nullable=True)
    amendment_deadline: datetime | None = _moment(nullable=True)
    current_item_id: int | None = Field(default=None, foreign_key="agenda_item.id", ondelete="SET NULL")
    deciding_motion_id: int | None = Field(default=None, foreign_key="motion.id", ondelete="SET NULL")
    deciding_amendment_id: int | None = Field(default=None, foreign_key="amendment.id", ondelete="SET NULL")
    speech_seconds: int | None = None  # the chair's limit on each speech; None: no limit


class AgendaSection(SQLModel, table=True):
    __tablename__ = "agenda_section"
    __table_args__ = (Index("ix_agenda_section_conference", "conference_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", ondelete="CASCADE")
    title: str = Field(max_length=200)
    position: int


class AgendaItem(SQLModel, table=True):
    """One debate or piece of business; its motions are taken in debate_order."""

    __tablename__ = "agenda_item"
    __table_args__ = (Index("ix_agenda_item_section", "section_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", ondelete="CASCADE", index=True)
    section_id: int = Field(foreign_key="agenda_section.id", ondelete="CASCADE")
    title: str = Field(max_length=200)
    position: int
    minutes: int = 0
    speaking_seconds: int | None = None  # the chair's limit on all speeches in this item together


class Motion(SQLModel, table=True):
    __tablename__ = "motion"
    __table_args__ = (UniqueConstraint("conference_id", "number", name="uq_motion_number"),
                      Index("ix_motion_agenda_item", "agenda_item_id"))

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", ondelete="CASCADE")
    number: int
    kind: str = Field(max_length=16)
    title: str = Field(max_length=200)
    body_id: int | None = Field(default=None, foreign_key="body.id", ondelete="SET NULL")  # None: the committee's
    submitted_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    state: str = Field(default=MotionState.SUBMITTED, max_length=24)
    version: int = 1  # the current text version
    emergency_reason: str | None = Field(default=None, max_length=2000)
    ruling_reason: str | None = Field(default=None, max_length=2000)
    recommendation: str | None = Field(default=None, max_length=32)
    recommendation_note: str | None = Field(default=None, max_length=2000)
    composited_into: int | None = Field(default=None, foreign_key="motion.id", ondelete="SET NULL")
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_item.id", ondelete="SET NULL")
    debate_order: int = 0
    ballot_id: int | None = None  # the ballot that decided it, when one did
    submitted_at: datetime = _moment()
    translations: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # {"cy": {"title": ...}}


class MotionSupporter(SQLModel, table=True):
    """A body seconding or supporting a motion."""

    __tablename__ = "motion_supporter"

    motion_id: int = Field(foreign_key="motion.id", ondelete="CASCADE", primary_key=True)
    body_id: int = Field(foreign_key="body.id", ondelete="CASCADE", primary_key=True)


class MotionVersion(SQLModel, table=True):
    __tablename__ = "motion_version"
    __table_args__ = (UniqueConstraint("motion_id", "version", name="uq_motion_version"),)

    id: int | None = Field(default=None, primary_key=True)
    motion_id: int = Field(foreign_key="motion.id", ondelete="CASCADE")
    version: int
    text: str = Field(sa_column=Column(Text(), nullable=False))
    made_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    made_at: datetime = _moment()


class Amendment(SQLModel, table=True):
    """A change to a line range of one version of a motion: delete, insert (after first_line) or replace."""

    __tablename__ = "amendment"
    __table_args__ = (UniqueConstraint("motion_id", "number", name="uq_amendment_number"),)

    id: int | None = Field(default=None, primary_key=True)
    motion_id: int = Field(foreign_key="motion.id", ondelete="CASCADE")
    number: int
    body_id: int | None = Field(default=None, foreign_key="body.id", ondelete="SET NULL")
    submitted_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    kind: str = Field(max_length=8)
    first_line: int
    last_line: int
    text: str = Field(default="", sa_column=Column(Text(), nullable=False))
    motion_version: int
    state: str = Field(default=AmendmentState.SUBMITTED, max_length=16)
    ruling_reason: str | None = Field(default=None, max_length=2000)
    ballot_id: int | None = None
    submitted_at: datetime = _moment()


class AgendaPublication(SQLModel, table=True):
    """A published agenda (preliminary or final) as delegates saw it: one line per entry."""

    __tablename__ = "agenda_publication"
    __table_args__ = (UniqueConstraint("conference_id", "version", name="uq_agenda_publication_version"),)

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", ondelete="CASCADE")
    version: int
    stage: str = Field(max_length=16)  # preliminary or final
    snapshot: str = Field(sa_column=Column(Text(), nullable=False))  # JSON list of lines
    published_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    published_at: datetime = _moment()


class SpeakerStance(StrEnum):
    FOR = "for"
    AGAINST = "against"
    POINT_OF_ORDER = "point_of_order"


class SpeakerState(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    DONE = "done"
    WITHDRAWN = "withdrawn"  # by the delegate
    REMOVED = "removed"  # by the chair


class SpeakerRequest(SQLModel, table=True):
    __tablename__ = "speaker_request"
    __table_args__ = (Index("ix_speaker_request_item", "agenda_item_id", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    agenda_item_id: int = Field(foreign_key="agenda_item.id", ondelete="CASCADE")
    delegate_id: int = Field(foreign_key="delegate.id", ondelete="CASCADE")
    stance: str = Field(max_length=16)
    state: str = Field(default=SpeakerState.WAITING, max_length=16)
    requested_at: datetime = _moment()
    called_at: datetime | None = _moment(nullable=True)
    finished_at: datetime | None = _moment(nullable=True)
    # The chair's order among those waiting; 0 for all until the chair moves someone.
    position: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class FloorDecision(SQLModel, table=True):
    """What the chair recorded for a motion or amendment, or a correction of it: rows are only ever added."""

    __tablename__ = "floor_decision"
    __table_args__ = (Index("ix_floor_decision_motion", "motion_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", ondelete="CASCADE")
    motion_id: int = Field(foreign_key="motion.id", ondelete="CASCADE")
    amendment_id: int | None = Field(default=None, foreign_key="amendment.id", ondelete="CASCADE")
    from_state: str = Field(max_length=24)
    to_state: str = Field(max_length=24)
    ballot_id: int | None = None  # the declared ballot that decided it
    fell: str = Field(default="[]", sa_column=Column(Text(), nullable=False))  # JSON: amendment ids that fell with it
    business_session_id: int | None = None  # the sitting it was recorded in: corrections stay within it
    corrects_id: int | None = Field(default=None, foreign_key="floor_decision.id", ondelete="SET NULL")
    reason: str | None = Field(default=None, max_length=500)
    decided_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    decided_at: datetime = _moment()
