"""A sealed member ballot's public board: every sealed answer's tracker as soon as it is stored, frozen at close.

The same board as a conference ballot's (voting/board.py: the document, its hash, reading a typed
tracker), with its own format "unionvote-member-board/1" and "member_ballot" id. Sorted by tracker,
never by time. At close its hash goes into `member_ballot.closed` and the export carries
`board.json`; docs/audit-format.md ("The member-ballot board") specifies both.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.ballots.models import MemberQuestion, MemberSealedVote


async def member_board_trackers(db: AsyncSession, ballot_id: int) -> list[str]:
    """Every sealed answer's tracker in this member ballot, in tracker order."""
    return list((await db.execute(
        select(MemberSealedVote.tracker).join(MemberQuestion, MemberQuestion.id == MemberSealedVote.question_id)
        .where(MemberQuestion.ballot_id == ballot_id).order_by(MemberSealedVote.tracker))).scalars())

