"""Indicative member ballots: the ballot, its questions, the imported membership, and the two halves of a vote.

The electorate is the membership imported for this ballot (it can be 500,000 rows),
not conference delegates. As for conference ballots, "who voted" (MemberParticipation)
and "what was voted" (MemberContent) share no key: content rows have a random id, no
timestamp and no sequence; on SQLite they are stored WITHOUT ROWID.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from unionvote.db import UTCDateTime, utcnow
from unionvote.i18n import N_

SEGMENTS = ("employer", "workplace", "region", "branch")
INDICATIVE_NOTICE = N_("This ballot is indicative: it gives no mandate for industrial action.")  # shown with _()


class MemberBallotState(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    DECLARED = "declared"


def _when(nullable: bool = True) -> datetime | None:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


class MemberBallot(SQLModel, table=True):
    __tablename__ = "member_ballot"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    title: str = Field(max_length=200)
    description: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(default=MemberBallotState.DRAFT, max_length=12)
    opens_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    closes_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    join_cutoff: datetime | None = _when()  # members who joined before this may be added while open
    # Threshold rules, as exact percentages of those entitled to vote.
    turnout_percent: int = 50
    yes_percent: int | None = None  # e.g. 40: yes votes at least 40% of those entitled
    min_segment: int = 10  # per-segment results are suppressed below this many voters
    retention_until: date | None = None
    code_salt: str = Field(max_length=64)
    created_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    opened_at: datetime | None = _when()
    closed_at: datetime | None = _when()
    declared_at: datetime | None = _when()
    electorate_hash: str | None = Field(default=None, max_length=64)
    electorate_size: int | None = None
    contents_hash: str | None = Field(default=None, max_length=64)
    result: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # canonical JSON
    result_hash: str | None = Field(default=None, max_length=64)
    erased_at: datetime | None = _when()
    # While credentials are being emailed: when the current run last reported progress (see ballots.sending).
    emailing_since: datetime | None = _when()
    # The objection period after close: complaints may be lodged and the result waits (ballots.complaints).
    objection_hours: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    objections_closed_at: datetime | None = _when()  # the returning officer ended the period early
    # Languages (issue 21): the default for visitors who chose none, and the second language shown beside it.
    language: str | None = Field(default=None, max_length=8)
    bilingual_language: str | None = Field(default=None, max_length=8)
    # {"cy": {"title": ..., "description": ...}}: kept out of the audit chain (docs/translating.md).
    translations: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class MemberQuestion(SQLModel, table=True):
    __tablename__ = "member_question"
    __table_args__ = (UniqueConstraint("ballot_id", "position", name="uq_member_question_position"),)

    id: int | None = Field(default=None, primary_key=True)
    ballot_id: int = Field(foreign_key="member_ballot.id", ondelete="CASCADE")
    position: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    options: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON: [[key, label], ...]
    # {"cy": {"text": ..., "options": {key: label}}}: the wording in other languages (unionvote.bilingual).
    translations: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Member(SQLModel, table=True):
    """One member entitled to vote. Names, emails and mobiles are erased after the retention date."""

    __tablename__ = "member"
    __table_args__ = (
        UniqueConstraint("ballot_id", "membership_number", name="uq_member_number"),
        # Partial: both are NULL for every member an import writes, so the import pays nothing for them.
        Index("ix_member_ballot_voted", "ballot_id", "voted_at", postgresql_where=text("voted_at IS NOT NULL"),
              sqlite_where=text("voted_at IS NOT NULL")),
        Index("ix_member_link_hash", "link_hash", postgresql_where=text("link_hash IS NOT NULL"),
              sqlite_where=text("link_hash IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    ballot_id: int = Field(foreign_key="member_ballot.id", ondelete="CASCADE")
    membership_number: str = Field(max_length=32)
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    mobile: str | None = Field(default=None, max_length=20)
    employer: str = Field(default="", max_length=200)
    workplace: str = Field(default="", max_length=200)
    region: str = Field(default="", max_length=200)
    branch: str = Field(default="", max_length=200)
    extra: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # canonical JSON of extra columns
    removed_at: datetime | None = _when()
    removed_reason: str | None = Field(default=None, max_length=500)
    # Credentials: hashes only. The link token and the code are shown once, when issued.
    link_hash: str | None = Field(default=None, max_length=64)
    code_hash: str | None = Field(default=None, max_length=64)
    credential_issued_at: datetime | None = _when()
    credential_used_at: datetime | None = _when()
    voted_at: datetime | None = _when()  # who has voted (never how): turnout and reminder lists read this
    # Emailing the link and code: when the mail server took it, or (not sent) our own words for why not.
    credential_emailed_at: datetime | None = _when()
    credential_email_error: str | None = Field(default=None, max_length=200)


class MemberBallotOrganiser(SQLModel, table=True):
    """A user who may watch one member ballot: its turnout dashboard, exports and reminder lists."""

    __tablename__ = "member_ballot_organiser"
    __table_args__ = (UniqueConstraint("ballot_id", "user_id", name="uq_member_ballot_organiser"),
                      Index("ix_member_ballot_organiser_user", "user_id"))

    id: int | None = Field(default=None, primary_key=True)
    ballot_id: int = Field(foreign_key="member_ballot.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    granted_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    granted_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class MemberTurnout(SQLModel, table=True):
    """How many members are entitled and how many have voted, per segment value: what the dashboard reads.

    Kept by database triggers on `member` (migration b8e2f5a1c306), in the transaction of the
    import, vote or removal that changes the count. A segment's figure is the sum over its
    shards: on PostgreSQL a vote counts in shard member id mod 16, so a large employer's votes
    do not all wait for one row; on SQLite everything is in shard 0.
    """

    __tablename__ = "member_turnout"

    ballot_id: int = Field(foreign_key="member_ballot.id", primary_key=True, ondelete="CASCADE")
    kind: str = Field(primary_key=True, max_length=16)  # one of SEGMENTS
    value: str = Field(primary_key=True, max_length=200)
    shard: int = Field(primary_key=True)
    entitled: int
    voted: int


class MemberParticipation(SQLModel, table=True):
    """Who voted on which question. The unique key is the one-member-one-vote rule."""

    __tablename__ = "member_participation"
    __table_args__ = (
        UniqueConstraint("question_id", "member_id", name="uq_member_participation"),
        Index("ix_member_participation_ballot_member", "ballot_id", "member_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ballot_id: int = Field(foreign_key="member_ballot.id", ondelete="CASCADE")
    question_id: int = Field(foreign_key="member_question.id", ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    token_hash: str = Field(max_length=64)
    voted_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class MemberContent(SQLModel, table=True):
    """What was voted: a random id, the choice, the tracker, and the segments for suppressed per-segment results."""

    __tablename__ = "member_content"
    __table_args__ = ({"sqlite_with_rowid": False},)

    question_id: int = Field(foreign_key="member_question.id", primary_key=True, ondelete="CASCADE")
    id: str = Field(primary_key=True, max_length=32)
    choice: str = Field(max_length=400)  # canonical JSON list of option keys
    tracker: str = Field(max_length=16)
    employer: str = Field(default="", max_length=200)
    workplace: str = Field(default="", max_length=200)
    region: str = Field(default="", max_length=200)
    branch: str = Field(default="", max_length=200)


class MemberBallotSealing(SQLModel, table=True):
    """How a member ballot's votes are sealed: the mode, the election key and its trustees (fixed at opening).

    `wrapped_key` is the server's trustee key (server mode only), encrypted under the sealing key,
    which is never in the database (unionvote.sealing.server_key). `tally` is the sealed tally of
    every slice to be decrypted (each question's total and each segment large enough to show),
    fixed at close; `totals` their decrypted figures, once every trustee has decrypted.
    """

    __tablename__ = "member_ballot_sealing"

    ballot_id: int = Field(foreign_key="member_ballot.id", primary_key=True, ondelete="CASCADE")
    mode: str = Field(max_length=12)
    election_key: str = Field(max_length=66)  # compressed point, hex
    trustees: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON [{public_key, proof}]
    wrapped_key: str | None = Field(default=None, max_length=200)
    tally: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # canonical JSON, set at close
    totals: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # canonical JSON, once decrypted


class MemberSealedVote(SQLModel, table=True):
    """One member's sealed answer to one question: ciphertexts and proofs, the tracker, and the voter's segments.

    No choice is readable without every trustee's key. The segments (employer, workplace, region,
    branch) are who-voted facts, already known from the membership; they say which segment
    tallies the vote is added to. Like the content rows before it: a random id, no member, no time.
    """

    __tablename__ = "member_sealed_vote"
    __table_args__ = ({"sqlite_with_rowid": False},)

    question_id: int = Field(foreign_key="member_question.id", primary_key=True, ondelete="CASCADE")
    id: str = Field(primary_key=True, max_length=32)
    slots: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON [{alpha, beta}] per option
    proofs: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON {slot_proofs, sum_proof}
    tracker: str = Field(max_length=16)
    employer: str = Field(default="", max_length=200)
    workplace: str = Field(default="", max_length=200)
    region: str = Field(default="", max_length=200)
    branch: str = Field(default="", max_length=200)
    # Tells a retry with the same answer from another (ballots.sealed.retry_check); never exported.
    retry_check: str = Field(max_length=64)


class MemberDecryption(SQLModel, table=True):
    """One trustee's partial decryption of a closed member ballot's sealed tally (every slice, with proofs)."""

    __tablename__ = "member_ballot_decryption"

    ballot_id: int = Field(foreign_key="member_ballot.id", primary_key=True, ondelete="CASCADE")
    public_key: str = Field(primary_key=True, max_length=66)
    document: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class MemberComplaint(SQLModel, table=True):
    """A voter's complaint about a member ballot, and the returning officer's decision on it.

    `reference` is the complainant's own way back to the decision (shown once, kept here so the page finds
    it). The text may name people: it is erased with the ballot's personal data; the chain holds its hash.
    """

    __tablename__ = "member_complaint"
    __table_args__ = (Index("ix_member_complaint_ballot", "ballot_id"),)

    id: int | None = Field(default=None, primary_key=True)
    ballot_id: int = Field(foreign_key="member_ballot.id", ondelete="CASCADE")
    reference: str = Field(max_length=32, unique=True)
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    tracker: str | None = Field(default=None, max_length=16)
    text: str = Field(sa_column=Column(Text, nullable=False))
    lodged_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    decision: str | None = Field(default=None, max_length=12)  # "upheld" or "rejected"
    response: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    decided_at: datetime | None = _when()
    decided_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")


class MemberBallotCertificate(SQLModel, table=True):
    """The returning officer's certificate that a member ballot's declared result is the count of its votes."""

    __tablename__ = "member_ballot_certificate"

    ballot_id: int = Field(foreign_key="member_ballot.id", primary_key=True, ondelete="CASCADE")
    result_hash: str = Field(max_length=64)
    certified_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    certified_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
