"""Ballots, their frozen electorates, and the two halves of every vote.

Secret ballots keep "who voted" (Participation) and "what was voted" (BallotContent)
in tables that share no key but the ballot: content rows have a random id derived
from a token only the voter's browser holds, no timestamp and no sequence, and on
SQLite they are stored WITHOUT ROWID, ordered by that random id.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from unionvote.db import UTCDateTime, utcnow


class BallotState(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    DECLARED = "declared"
    VOID = "void"


class Secrecy(StrEnum):
    OPEN = "open"  # how each delegate voted is recorded and may be published
    SECRET = "secret"  # noqa: S105 - a kind of ballot, not a password


class Weighting(StrEnum):
    ONE_EACH = "one_each"  # one delegate, one vote
    CARD = "card"  # card vote: weights from accreditation, block or split


class Relation(StrEnum):
    REVOTE = "revote"  # a new vote on the same question (ballots never re-open)
    CARD_VOTE = "card_vote"  # the card vote taken after a show of hands


def _when(nullable: bool = True) -> datetime | None:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


class Ballot(SQLModel, table=True):
    __tablename__ = "ballot"
    __table_args__ = (Index("ix_ballot_conference_state", "conference_id", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", ondelete="CASCADE")
    motion_id: int | None = Field(default=None, foreign_key="motion.id", ondelete="SET NULL")
    amendment_id: int | None = Field(default=None, foreign_key="amendment.id", ondelete="SET NULL")
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_item.id", ondelete="SET NULL")
    follows_id: int | None = Field(default=None, foreign_key="ballot.id")
    relation: str | None = Field(default=None, max_length=16)
    title: str = Field(max_length=200)
    question: str = Field(sa_column=Column(Text, nullable=False))
    secrecy: str = Field(default=Secrecy.SECRET, max_length=8)
    sealing: str | None = Field(default=None, max_length=12)  # SealingMode of a secret ballot; None when open
    method: str = Field(max_length=24)
    options: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON: [[key, label], ...]
    max_choices: int = 1
    weighting: str = Field(default=Weighting.ONE_EACH, max_length=12)
    card_mode: str | None = Field(default=None, max_length=8)  # block or split, frozen at opening
    rule: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON of voting.rules.Rule
    state: str = Field(default=BallotState.DRAFT, max_length=12)
    countdown_seconds: int | None = None
    created_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    opened_at: datetime | None = _when()
    closes_at: datetime | None = _when()
    closed_at: datetime | None = _when()
    declared_at: datetime | None = _when()
    electorate_hash: str | None = Field(default=None, max_length=64)
    electorate_size: int | None = None
    electorate_weight: str | None = Field(default=None, max_length=64)
    entitled_weight: str | None = Field(default=None, max_length=64)
    result: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # canonical JSON
    result_hash: str | None = Field(default=None, max_length=64)
    casting_vote: str | None = Field(default=None, max_length=200)
    void_reason: str | None = Field(default=None, max_length=500)
    certified_at: datetime | None = _when()
    certified_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")


class ElectorateEntry(SQLModel, table=True):
    """One voter of a ballot, frozen when it opened, with the weight they carry."""

    __tablename__ = "ballot_electorate"
    __table_args__ = (Index("ix_ballot_electorate_user", "ballot_id", "user_id"),)

    ballot_id: int = Field(foreign_key="ballot.id", primary_key=True, ondelete="CASCADE")
    delegate_id: int = Field(primary_key=True)
    user_id: int | None = None
    body_id: int | None = None
    weight: str = Field(max_length=64)  # exact fraction as text


class Participation(SQLModel, table=True):
    """Who voted. The unique key is the one-voter-one-vote rule.

    `token_hash` makes a retry idempotent; `content_id` is filled for open ballots only.
    """

    __tablename__ = "ballot_participation"
    __table_args__ = (UniqueConstraint("ballot_id", "delegate_id", name="uq_participation_voter"),)

    id: int | None = Field(default=None, primary_key=True)
    ballot_id: int = Field(foreign_key="ballot.id", ondelete="CASCADE")
    delegate_id: int
    token_hash: str = Field(max_length=64)
    voted_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    content_id: str | None = Field(default=None, max_length=32)


class BallotContent(SQLModel, table=True):
    """What was voted: a random id, the choice, the weight, the tracker. Nothing else."""

    __tablename__ = "ballot_content"
    __table_args__ = ({"sqlite_with_rowid": False},)

    ballot_id: int = Field(foreign_key="ballot.id", primary_key=True, ondelete="CASCADE")
    id: str = Field(primary_key=True, max_length=32)
    choice: str = Field(max_length=4000)  # canonical JSON list of option keys
    weight: str = Field(max_length=64)
    tracker: str = Field(max_length=16)


class HallCount(SQLModel, table=True):
    """A teller's count for one section of the hall (show of hands, paper or card count)."""

    __tablename__ = "ballot_hall_count"
    __table_args__ = (UniqueConstraint("ballot_id", "section", name="uq_hall_count_section"),)

    id: int | None = Field(default=None, primary_key=True)
    ballot_id: int = Field(foreign_key="ballot.id", ondelete="CASCADE")
    section: str = Field(max_length=100)
    counts: str = Field(max_length=4000)  # canonical JSON {option key: whole number}
    papers: int = 0  # valid papers or hands (for up-to-K, entered; otherwise the sum of counts)
    invalid: int = 0
    teller_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    entered_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class SealingMode(StrEnum):
    SERVER = "server"  # the server is the trustee; its key is wrapped under a key never in the database
    TRUSTEES = "trustees"  # the returning officer (and scrutineers) hold the keys off the server


class BallotSealing(SQLModel, table=True):
    """How a secret ballot's votes are sealed: the election key, its trustees, the method's sum rule.

    Fixed before the ballot opens. `wrapped_key` is the server's trustee key (server mode only),
    encrypted under the sealing key (unionvote.sealing.server_key), which is never in the database.
    """

    __tablename__ = "ballot_sealing"

    ballot_id: int = Field(foreign_key="ballot.id", primary_key=True, ondelete="CASCADE")
    mode: str = Field(max_length=12)
    election_key: str = Field(max_length=66)  # compressed point, hex
    trustees: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON [{public_key, proof}]
    rule: str = Field(max_length=4000)  # canonical JSON of sealing.votes.SumRule
    wrapped_key: str | None = Field(default=None, max_length=200)


class SealedVote(SQLModel, table=True):
    """A sealed vote on the public board: a random id, the ciphertexts and proofs, the weight, the tracker.

    Nothing here is readable without every trustee's key; who cast it is recorded elsewhere (participation).
    """

    __tablename__ = "ballot_sealed_vote"
    __table_args__ = ({"sqlite_with_rowid": False},)

    ballot_id: int = Field(foreign_key="ballot.id", primary_key=True, ondelete="CASCADE")
    id: str = Field(primary_key=True, max_length=32)
    sealed: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON of sealing.votes.SealedVote
    weight: str = Field(max_length=64)
    tracker: str = Field(max_length=16)
    # Tells a retry with the same choice from another (voting.sealed.retry_check); never exported.
    retry_check: str | None = Field(default=None, max_length=64)


class TrusteeDecryption(SQLModel, table=True):
    """One trustee's partial decryption of a closed ballot's tally (a sealing.tallyfile partial document)."""

    __tablename__ = "ballot_decryption"

    ballot_id: int = Field(foreign_key="ballot.id", primary_key=True, ondelete="CASCADE")
    public_key: str = Field(primary_key=True, max_length=66)
    document: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class ConferenceTrustee(SQLModel, table=True):
    """A trustee's public key registered for a conference, with its proof of knowledge (checked on the way in).

    A ballot sealed in trustee mode takes the conference's trustees as they are when it is sealed;
    the private keys never reach the server. `holder` names who holds the key, for the pages only.
    """

    __tablename__ = "conference_trustee"
    __table_args__ = (UniqueConstraint("conference_id", "public_key", name="uq_conference_trustee"),)

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", index=True, ondelete="CASCADE")
    public_key: str = Field(max_length=66)  # compressed point, hex
    proof: str = Field(max_length=400)  # canonical JSON {challenges, responses}
    holder: str = Field(max_length=100)
    registered_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    registered_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class SpentSealing(SQLModel, table=True):
    """A sealed vote the server prepared for a voter to check (cast-or-audit) that has been cast or revealed.

    `handle` is a hash of the one-time handle's nonce: nothing of the vote, its randomness or its choice.
    Cast and reveal both insert it, so whichever comes first makes the other impossible. Emptied at close.
    """

    __tablename__ = "ballot_spent_sealing"

    ballot_id: int = Field(foreign_key="ballot.id", primary_key=True, ondelete="CASCADE")
    handle: str = Field(primary_key=True, max_length=32)
