"""A member ballot's per-segment results must not tell a small segment's votes by subtraction.

A segment below the minimum size is never decrypted. But the whole ballot's totals are published, and
so are the other segments of the same kind (every member has exactly one employer): the withheld
segment's figures would be the whole minus the rest. Here the only member of a one-person employer
votes "no": the next smallest employer is withheld too (complementary suppression), so the published
figures do not say how.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.ballots.world import make_ballot, votes_from
from unionvote.ballots.results import declare_result, shown_result
from unionvote.ballots.services import close_ballot
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope


@pytest.fixture
async def factory(database_url: str, monkeypatch: pytest.MonkeyPatch
                  ) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    monkeypatch.setenv("UNIONVOTE_SEALING_KEY", "a sealing key for tests, kept out of the database")
    engine = make_engine(Settings(database_url=database_url))
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


async def test_a_withheld_employer_cannot_be_worked_out_from_the_published_figures(
        factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 20, "Solo": 1}, min_segment=10)
    await votes_from(factory, ballot_id, "Acme", ["yes"] * 9 + ["no"] * 3)
    await votes_from(factory, ballot_id, "Solo", ["no"])  # the one member of Solo Ltd
    async with session_scope(factory) as db:
        await close_ballot(db, ballot_id, by=None)
        document = await shown_result(db, await declare_result(db, ballot_id, by=None))
    [question] = document["questions"]
    employers = {row["name"]: row for row in question["segments"]["employer"]}
    assert employers["Solo"].get("suppressed")  # withheld, as the minimum says
    assert employers["Acme"].get("suppressed") and employers["Acme"].get("complement")  # its complement
    assert "totals" not in employers["Acme"]
    published = Counter(question["totals"])
    for row in employers.values():
        if not row.get("suppressed"):
            published.subtract(Counter(row["totals"]))
    worked_out = {answer: count for answer, count in published.items() if count}
    assert worked_out != {"no": 1}, "the published figures tell how Solo's one member voted"
