"""The casting API under a crowd, on PostgreSQL: 200 requests at once, retries and second tabs included,
answer 201 once per delegate, 200 with the same receipt for each retry, 409 for a second token, never 5xx.
"""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict

import httpx
import pytest
from litestar.testing import AsyncTestClient

from tests.concurrency.crowd import Factory, stored
from tests.conftest import make_settings, needs_postgres
from tests.integration.voting.world import floor, open_new, token
from unionvote.accounts.models import Role
from unionvote.accounts.services import create_api_token, grant_role
from unionvote.app import create_app
from unionvote.db import session_scope

pytestmark = [pytest.mark.postgres, needs_postgres]

VOTERS = 80


async def api_tokens(factory: Factory, conference_id: int, users: list[int]) -> dict[int, str]:
    """Each delegate's account gets its delegate role and an API token, as from the account page."""
    plain = {}
    async with session_scope(factory) as db:
        for user in users:
            await grant_role(db, user_id=user, conference_id=conference_id, role=Role.DELEGATE, by=None)
            plain[user] = (await create_api_token(db, user_id=user, name="phone"))[1]
    return plain


async def test_two_hundred_api_casts_with_retries_answer_once_each_and_never_fail(
        factory: Factory, conference_id: int, pg_database_url: str) -> None:
    hall = await floor(factory, conference_id, people=tuple((f"D{i}", "LON", "delegate")
                                                            for i in range(1, VOTERS + 1)))
    bearer = await api_tokens(factory, conference_id, list(hall.users.values()))
    ballot_id = await open_new(factory, conference_id)
    rng = random.Random(11)
    first = {user: (token(), rng.choice(["for", "against", "abstain"])) for user in bearer}
    attempts = [(user, *first[user]) for user in bearer] * 2  # every phone sends its vote twice
    second_tab = list(bearer)[:40]
    attempts += [(user, token(), first[user][1]) for user in second_tab]
    rng.shuffle(attempts)
    assert len(attempts) == 200

    async with AsyncTestClient(app=create_app(make_settings(pg_database_url)),
                               base_url="http://testserver.local", timeout=120) as client:
        async def send(user: int, ballot_token: str, choice: str) -> tuple[int, str, httpx.Response]:
            response = await client.post(f"/api/v1/ballots/{ballot_id}/votes",
                                         json={"choice": [choice], "token": ballot_token},
                                         headers={"Authorization": f"Bearer {bearer[user]}"})
            return user, ballot_token, response

        answers = await asyncio.gather(*(send(*attempt) for attempt in attempts))

    assert all(r.status_code < 500 for _, _, r in answers), [r.text for _, _, r in answers if r.status_code >= 500]
    by_voter: dict[int, list[tuple[str, httpx.Response]]] = defaultdict(list)
    for user, ballot_token, response in answers:
        by_voter[user].append((ballot_token, response))
    receipts = set()
    for user, tries in by_voter.items():
        accepted = [(t, r) for t, r in tries if r.status_code in (200, 201)]
        assert len({t for t, _ in accepted}) == 1, "a second token was accepted too"
        winner = accepted[0][0]
        # One 201; then 200 for the retry, unless the second tab's token got in first (it is sent once).
        expected = [201] if user in second_tab and winner != first[user][0] else [200, 201]
        assert sorted(r.status_code for _, r in accepted) == expected
        trackers = {r.json()["tracker"] for _, r in accepted}
        assert len(trackers) == 1, "a retry got a different receipt"
        receipts |= trackers
        for _, refused in (a for a in tries if a[1].status_code not in (200, 201)):
            assert refused.status_code == 409 and "already voted" in refused.json()["detail"]
    kept = await stored(factory, ballot_id)
    assert len(kept.voters) == len(set(kept.voters)) == VOTERS
    assert sorted(t.replace("-", "") for t in receipts) == kept.trackers
