"""On PostgreSQL, with real connections side by side: one vote each whatever the crowd does, and no
acknowledged vote is lost when the chair closes the ballot in the middle of a storm.
"""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict

import pytest
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine

from tests.concurrency.crowd import Attempt, Factory, PeakConnections, closing_entry, stored, storm
from tests.conftest import needs_postgres
from tests.integration.conferences.builders import STAFF
from tests.integration.voting.world import Floor, floor, open_new, token
from unionvote.db import make_session_factory, session_scope
from unionvote.voting.casting import trackers
from unionvote.voting.sealed import sealed_content_id
from unionvote.voting.services import close_ballot, get_ballot

pytestmark = [pytest.mark.postgres, needs_postgres]

CHOICES = (("for",), ("against",), ("abstain",))
SPREAD = 8.0


async def crowd_floor(factory: Factory, conference_id: int, size: int) -> Floor:
    people = tuple((f"D{i}", "LON", "delegate") for i in range(1, size + 1))
    return await floor(factory, conference_id, people=people)


async def test_two_hundred_casts_with_retries_and_second_tokens_leave_one_vote_per_delegate(
        factory: Factory, conference_id: int) -> None:
    hall = await crowd_floor(factory, conference_id, 100)
    ballot_id = await open_new(factory, conference_id)
    rng = random.Random(5)
    voters = [hall.users[f"D{i}"] for i in range(1, 101)]
    first = {user: Attempt(user, token(), rng.choice(CHOICES)) for user in voters}
    attempts = list(first.values())
    attempts += [first[user] for user in voters[:50]]  # the phone retries: same token, same choice
    attempts += [first[user] for user in voters[:20]]  # ... and once more
    second_token = {user: Attempt(user, token(), first[user].choice) for user in voters[50:80]}  # a second tab
    attempts += list(second_token.values())
    rng.shuffle(attempts)
    assert len(attempts) == 200

    async with PeakConnections(factory) as connections:
        outcomes = await storm(factory, ballot_id, attempts)
    assert connections.peak >= 10, "the casts did not overlap; this test would prove nothing"

    kept = await stored(factory, ballot_id)
    by_voter = defaultdict(list)
    for outcome in outcomes:
        by_voter[outcome.attempt.user_id].append(outcome)
    for user, tries in by_voter.items():
        accepted = [o for o in tries if o.receipt is not None]
        assert len({o.receipt.tracker for o in accepted}) == 1, "a retry got a different receipt"  # type: ignore[union-attr]
        assert sum(not o.receipt.repeated for o in accepted) == 1  # type: ignore[union-attr]
        winner = accepted[0].attempt.token
        assert all(o.attempt.token == winner for o in accepted), "two tokens were both accepted"
        for refused in (o for o in tries if o.receipt is None):
            assert refused.status == 409 and "already voted" in (refused.refusal or "")
        if user not in second_token:
            assert len(accepted) == len(tries), "a retry with the same token was refused"
        assert accepted[0].receipt.tracker == kept.sealed[sealed_content_id(ballot_id, winner)]  # type: ignore[union-attr]

    assert kept.voters == sorted(hall.delegates[f"D{i}"] for i in range(1, 101))  # exactly one row each
    acknowledged = sorted({o.receipt.tracker for o in outcomes if o.receipt is not None})
    assert kept.trackers == acknowledged
    async with session_scope(factory) as db:
        await close_ballot(db, ballot_id, by=STAFF)
        assert await trackers(db, await get_ballot(db, ballot_id)) == acknowledged
    assert (await closing_entry(factory, ballot_id))["turnout"] == 100


@pytest.mark.parametrize("close_after", [1, 50])
async def test_casts_racing_the_close_are_counted_or_refused_and_never_lost(
        factory: Factory, conference_id: int, pg_database_url: str, close_after: int) -> None:
    hall = await crowd_floor(factory, conference_id, 200)
    ballot_id = await open_new(factory, conference_id)
    rng = random.Random(close_after)
    # Delegates press the button over eight seconds. (A crowd that never lets up holds the close off
    # until it thins: casts share the ballot row's lock, and the close waits for a moment none holds it.)
    attempts = [Attempt(user, token(), rng.choice(CHOICES), rng.uniform(0, SPREAD)) for user in hall.users.values()]
    enough = asyncio.Event()
    acks = 0

    def acknowledged() -> None:
        nonlocal acks
        acks += 1
        if acks >= close_after:
            enough.set()

    # The chair's close comes in on a connection of its own, as from another request or worker.
    chair_engine = create_async_engine(pg_database_url, poolclass=pool.NullPool)
    chair = make_session_factory(chair_engine)

    async def chair_closes() -> None:
        await enough.wait()
        async with session_scope(chair) as db:
            await close_ballot(db, ballot_id, by=STAFF)

    try:
        async with PeakConnections(factory) as connections:
            outcomes = await storm(factory, ballot_id, attempts, acknowledged, alongside=[chair_closes()])
    finally:
        await chair_engine.dispose()

    counted = sorted(o.receipt.tracker for o in outcomes if o.receipt is not None)
    refused = [o for o in outcomes if o.receipt is None]
    assert connections.peak >= 2
    assert counted and refused, f"the close did not land inside the storm ({len(counted)} counted)"
    assert all(o.status == 409 and "closed" in (o.refusal or "") for o in refused), refused[:3]
    kept = await stored(factory, ballot_id)
    assert kept.trackers == counted, "a vote that got a receipt is missing, or one that was refused is in"
    assert len(kept.voters) == len(kept.trackers) == len(counted)
    entry = await closing_entry(factory, ballot_id)
    assert entry["turnout"] == len(counted)
    async with session_scope(factory) as db:
        assert await trackers(db, await get_ballot(db, ballot_id)) == counted
