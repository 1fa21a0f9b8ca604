"""Star: rating thoughts 1 to 5 (or skipping), one at a time, chosen by the adaptive sampler."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.consult.models import Consultation, Participant, Rating, Thought, ThoughtStatus
from unionvote.consult.participation import random_id, saved
from unionvote.consult.sampler import Board, Totals
from unionvote.consult.setup import ConsultError, require_phase
from unionvote.i18n import _

_rng = random.SystemRandom()


@dataclass(frozen=True)
class Progress:
    rated: int
    skipped: int
    target: int
    left_to_rate: int  # thoughts this participant could still rate

    @property
    def reached_target(self) -> bool:
        return self.rated >= self.target


async def _done_by(db: AsyncSession, participant: Participant) -> list[tuple[str, int | None]]:
    """(thought, stars or None for a skip) for everything this participant has rated or skipped.

    Read by the covering index on (participant_id, thought_id, stars): a few hundred index
    entries, never the ratings table itself.
    """
    return [(t, s) for t, s in await db.execute(
        select(Rating.thought_id, Rating.stars).where(Rating.participant_id == participant.id))]


@dataclass(frozen=True)
class _Board:
    """The visible thoughts' running totals, read at `read_at`, with the sampler's orders worked out once."""

    read_at: float
    ids: list[str]
    index: dict[str, int]
    by_author: dict[str, list[int]]
    sampler: Board


# Per-process, per-consultation, for BOARD_SECONDS: at 5,000 thoughts, reading every total and
# ordering them for every choice would cost far more than choosing. A board a second old only
# makes the sampler's guess a second stale; what a participant has rated is always read fresh,
# and rate() checks the thought.
BOARD_SECONDS = 1.0
_boards: dict[tuple[str, int], _Board] = {}
_rereading: set[tuple[str, int]] = set()


def _board_key(db: AsyncSession, consultation_id: int) -> tuple[str, int]:
    return str(db.get_bind().url), consultation_id


def forget_board(db: AsyncSession, consultation_id: int) -> None:
    """A thought appeared, was hidden or restored: the next choice reads the totals again."""
    _boards.pop(_board_key(db, consultation_id), None)


async def _board(db: AsyncSession, consultation_id: int) -> _Board:
    key = _board_key(db, consultation_id)
    board = _boards.get(key)
    # While one request re-reads a stale board, the others in this worker go on with the old one.
    if board is not None and (time.monotonic() - board.read_at < BOARD_SECONDS or key in _rereading):
        return board
    _rereading.add(key)
    try:
        return await _read_board(db, consultation_id, key)
    finally:
        _rereading.discard(key)


async def _read_board(db: AsyncSession, consultation_id: int, key: tuple[str, int]) -> _Board:
    # Core rows on the session's connection: 5,000 of them need no ORM bookkeeping.
    query = select(Thought.id, Thought.participant_id, Thought.ratings, Thought.star_sum, Thought.star_squares)\
        .where(Thought.consultation_id == consultation_id, Thought.status == ThoughtStatus.VISIBLE)
    rows = (await (await db.connection()).execute(query)).all()
    by_author: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        if row[1] is not None:
            by_author.setdefault(row[1], []).append(i)
    board = _Board(time.monotonic(), [r[0] for r in rows], {r[0]: i for i, r in enumerate(rows)}, by_author,
                   # Thoughts carry no time or order (see models.py): the sampler has only their totals.
                   Board([Totals(r[2], r[3], r[4]) for r in rows]))
    _boards[key] = board
    return board


async def next_thought(db: AsyncSession, consultation: Consultation, participant: Participant) -> Thought | None:
    """The thought to rate next, or None when there is nothing left this participant may rate."""
    thought, _ = await next_with_progress(db, consultation, participant)
    return thought


async def _standing(db: AsyncSession, consultation: Consultation, participant: Participant
                    ) -> tuple[_Board, set[int], Progress]:
    """The board, the places on it this participant may not rate (own, rated, skipped), and their progress."""
    board = await _board(db, consultation.id)  # type: ignore[arg-type]
    done = await _done_by(db, participant)
    blocked = set(board.by_author.get(participant.id, ()))
    blocked.update(i for t, _ in done if (i := board.index.get(t)) is not None)
    rated = sum(1 for _, stars in done if stars is not None)
    # What is left is counted on the board (at most a second old), so the page never counts 5,000 rows.
    return board, blocked, Progress(rated, len(done) - rated, consultation.rating_target,
                                    len(board.ids) - len(blocked))


async def next_with_progress(db: AsyncSession, consultation: Consultation, participant: Participant
                             ) -> tuple[Thought | None, Progress]:
    """What the Star page shows: the next thought (or None) and the participant's progress, from one read."""
    board, blocked, progress = await _standing(db, consultation, participant)
    while (pick := board.sampler.pick(blocked, _rng)) is not None:
        thought = await db.get(Thought, board.ids[pick])
        if thought is not None and thought.status == ThoughtStatus.VISIBLE:
            return thought, progress
        blocked.add(pick)  # hidden by another worker since the board was read
    return None, progress


def parse_stars(raw: str | None) -> int | None:
    """'1'..'5' is a rating, 'skip' a skip; anything else is refused."""
    if raw == "skip":
        return None
    if raw is not None and raw.strip() in {"1", "2", "3", "4", "5"}:
        return int(raw.strip())
    raise ConsultError(_("Choose from 1 to 5 stars, or skip this thought."))


async def rate(db: AsyncSession, consultation: Consultation, participant: Participant, thought_id: str,
               stars: int | None) -> None:
    require_phase(consultation, "star")
    if stars is not None and not 1 <= stars <= 5:
        raise ConsultError(_("Choose from 1 to 5 stars, or skip this thought."))
    thought = await db.get(Thought, thought_id) if len(thought_id) <= 32 else None
    if thought is None or thought.consultation_id != consultation.id or thought.status != ThoughtStatus.VISIBLE:
        raise ConsultError(_("That thought is not open for rating: it may have been withdrawn for review."), 404)
    if thought.participant_id == participant.id:
        raise ConsultError(_("You cannot rate your own thought."))
    participant = await saved(db, participant)
    try:
        async with db.begin_nested():
            db.add(Rating(id=random_id(), thought_id=thought.id, participant_id=participant.id, stars=stars))
    except IntegrityError:
        raise ConsultError(_("You have rated this thought already."), 409) from None
    # Running totals move in the same transaction, with one atomic UPDATE, so racing raters add up.
    if stars is None:
        values = {"skips": Thought.skips + 1}
    else:
        values = {"ratings": Thought.ratings + 1, "star_sum": Thought.star_sum + stars,
                  "star_squares": Thought.star_squares + stars * stars}
    await db.execute(update(Thought).where(Thought.id == thought.id).values(**values)
                     .execution_options(synchronize_session=False))


async def progress(db: AsyncSession, consultation: Consultation, participant: Participant) -> Progress:
    _, _, now = await _standing(db, consultation, participant)
    return now
