"""The public board of a sealed ballot: every sealed vote's tracker, listed as it is cast, frozen at close.

A voter finds their tracker on the board before the count, so a vote dropped or swapped is
noticed while something can still be done. The board is sorted by tracker, never by time, so
it says nothing about who voted when. At close its hash goes into the `ballot.closed` entry and
the export carries `board.json`; docs/audit-format.md ("The board") specifies both.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.audit.chain import canonical_json
from unionvote.voting.models import SealedVote, SpentSealing

BOARD_FORMAT = "unionvote-board/1"
MEMBER_BOARD_FORMAT = "unionvote-member-board/1"
BOARD_KINDS = {"ballot": BOARD_FORMAT, "member_ballot": MEMBER_BOARD_FORMAT}  # the id's field -> the format
TRACKER_TEXT = re.compile(r"[A-Z2-7]{12}")
PAGE_SIZE = 2000  # trackers listed on one page of a board; the search box finds any of them


def board_document(ballot_id: int, trackers: Iterable[str], kind: str = "ballot") -> dict[str, Any]:
    """The board as hashed and exported: the format, the ballot and every tracker, sorted. `kind` is
    "ballot" (a conference ballot) or "member_ballot" (ids are another space, so another format)."""
    return {"format": BOARD_KINDS[kind], kind: ballot_id, "trackers": sorted(trackers)}


def board_hash(document: dict[str, Any]) -> str:
    """SHA-256 (hex) of the board's canonical JSON."""
    return hashlib.sha256(canonical_json(document)).hexdigest()


def frozen_board_hash(ballot_id: int, rows: Iterable[dict[str, Any]]) -> str:
    """The hash recorded at close, from the sealed rows as they stand then."""
    return board_hash(board_document(ballot_id, (row["tracker"] for row in rows)))


async def board_trackers(db: AsyncSession, ballot_id: int) -> list[str]:
    """Every sealed vote's tracker in this ballot, in tracker order."""
    return list((await db.execute(select(SealedVote.tracker).where(SealedVote.ballot_id == ballot_id)
                                  .order_by(SealedVote.tracker))).scalars())


def board_page(listed: list[str], page: int | None, wanted: str | None = None) -> tuple[list[str], int, int, int]:
    """One page of the sorted board: its trackers, the page number (kept within range; with no page asked for,
    the page holding `wanted` if it is listed), the number of pages, and the position of its first tracker."""
    size = PAGE_SIZE
    if page is None:
        at = bisect.bisect_left(listed, wanted) if wanted else len(listed)
        page = at // size + 1 if at < len(listed) and listed[at] == wanted else 1
    pages = max(1, -(-len(listed) // size))
    page = min(max(page, 1), pages)
    return listed[(page - 1) * size:page * size], page, pages, (page - 1) * size + 1


def read_tracker(text: str) -> str | None:
    """A tracker as a person types it ("abcd-efgh ijkl"): the 12 characters, or None if it cannot be one."""
    cleaned = re.sub(r"[\s-]", "", text).upper()
    return cleaned if TRACKER_TEXT.fullmatch(cleaned) else None


async def freeze_board(db: AsyncSession, ballot_id: int, rows: Iterable[dict[str, Any]]) -> str:
    """At close: the board's hash for the record. Nothing can be cast or revealed any more, so the spent
    handles of checked sealings are forgotten."""
    await db.execute(delete(SpentSealing).where(SpentSealing.ballot_id == ballot_id))
    return frozen_board_hash(ballot_id, rows)
