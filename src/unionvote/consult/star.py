"""Star: rating thoughts 1 to 5 (or skipping), one at a time, chosen by the adaptive sampler."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.consult.models import Consultation, Participant, Rating, Thought, ThoughtStatus
from unionvote.consult.participation import random_id
from unionvote.consult.sampler import Totals, choose
from unionvote.consult.setup import ConsultError, require_phase

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


async def _done_by(db: AsyncSession, participant: Participant) -> set[str]:
    return set((await db.execute(select(Rating.thought_id).where(Rating.participant_id == participant.id)))
               .scalars())


@dataclass(frozen=True)
class _Board:
    """The visible thoughts' running totals, as the sampler needs them, read at `read_at`."""

    read_at: float
    ids: list[str]
    authors: list[str | None]
    totals: list[Totals]


# Per-process, per-consultation, for BOARD_SECONDS: at 5,000 thoughts, reading every total for every
# choice would cost more than choosing. A board a second old only makes the sampler's guess a
# second stale; what a participant has rated is always read fresh, and rate() checks the thought.
BOARD_SECONDS = 1.0
_boards: dict[tuple[str, int], _Board] = {}


def _board_key(db: AsyncSession, consultation_id: int) -> tuple[str, int]:
    return str(db.get_bind().url), consultation_id


def forget_board(db: AsyncSession, consultation_id: int) -> None:
    """A thought appeared, was hidden or restored: the next choice reads the totals again."""
    _boards.pop(_board_key(db, consultation_id), None)


async def _board(db: AsyncSession, consultation_id: int) -> _Board:
    board = _boards.get(_board_key(db, consultation_id))
    if board is not None and time.monotonic() - board.read_at < BOARD_SECONDS:
        return board
    rows = (await db.execute(select(Thought.id, Thought.participant_id, Thought.ratings, Thought.star_sum,
                                    Thought.star_squares)
                             .where(Thought.consultation_id == consultation_id,
                                    Thought.status == ThoughtStatus.VISIBLE))).all()
    board = _Board(time.monotonic(), [r[0] for r in rows], [r[1] for r in rows],
                   [Totals(r[2], r[3], r[4]) for r in rows])
    _boards[_board_key(db, consultation_id)] = board
    return board


async def next_thought(db: AsyncSession, consultation: Consultation, participant: Participant) -> Thought | None:
    """The thought to rate next, or None when there is nothing left this participant may rate."""
    board = await _board(db, consultation.id)  # type: ignore[arg-type]
    done = await _done_by(db, participant)
    allowed = [i for i, (key, author) in enumerate(zip(board.ids, board.authors, strict=True))
               if author != participant.id and key not in done]
    while (pick := choose(board.totals, allowed, _rng)) is not None:
        thought = await db.get(Thought, board.ids[pick])
        if thought is not None and thought.status == ThoughtStatus.VISIBLE:
            return thought
        allowed.remove(pick)  # hidden by another worker since the board was read
    return None


def parse_stars(raw: str | None) -> int | None:
    """'1'..'5' is a rating, 'skip' a skip; anything else is refused."""
    if raw == "skip":
        return None
    if raw is not None and raw.strip() in {"1", "2", "3", "4", "5"}:
        return int(raw.strip())
    raise ConsultError("Choose from 1 to 5 stars, or skip this thought.")


async def rate(db: AsyncSession, consultation: Consultation, participant: Participant, thought_id: str,
               stars: int | None) -> None:
    require_phase(consultation, "star")
    if stars is not None and not 1 <= stars <= 5:
        raise ConsultError("Choose from 1 to 5 stars, or skip this thought.")
    thought = await db.get(Thought, thought_id) if len(thought_id) <= 32 else None
    if thought is None or thought.consultation_id != consultation.id or thought.status != ThoughtStatus.VISIBLE:
        raise ConsultError("That thought is not open for rating: it may have been withdrawn for review.", 404)
    if thought.participant_id == participant.id:
        raise ConsultError("You cannot rate your own thought.")
    try:
        async with db.begin_nested():
            db.add(Rating(id=random_id(), thought_id=thought.id, participant_id=participant.id, stars=stars))
    except IntegrityError:
        raise ConsultError("You have rated this thought already.", 409) from None
    # Running totals move in the same transaction, with one atomic UPDATE, so racing raters add up.
    if stars is None:
        values = {"skips": Thought.skips + 1}
    else:
        values = {"ratings": Thought.ratings + 1, "star_sum": Thought.star_sum + stars,
                  "star_squares": Thought.star_squares + stars * stars}
    await db.execute(update(Thought).where(Thought.id == thought.id).values(**values)
                     .execution_options(synchronize_session=False))


async def progress(db: AsyncSession, consultation: Consultation, participant: Participant) -> Progress:
    rated, skipped = (await db.execute(
        select(func.count(Rating.stars), func.count().filter(Rating.stars.is_(None)))
        .where(Rating.participant_id == participant.id))).one()
    open_to_me = (await db.execute(select(func.count()).select_from(Thought).where(
        Thought.consultation_id == consultation.id, Thought.status == ThoughtStatus.VISIBLE,
        Thought.participant_id.is_distinct_from(participant.id)))).scalar_one()
    return Progress(rated, skipped, consultation.rating_target, max(0, open_to_me - rated - skipped))
