"""With the whole database in hand (every row, xmin, ctid, insertion order, the logs), no voter's choice.

PostgreSQL only: xmin and ctid are what link the rows one request writes. They still link each
voter to their sealed vote, and that is all they link: a ciphertext no one can open without the
trustee key, which is not in the database.
"""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import text

from tests.integration.conferences.builders import STAFF
from tests.integration.voting.world import Factory, Floor, floor, token
from unionvote.db import session_scope
from unionvote.sealing import server_key
from unionvote.sealing.group import SealingError
from unionvote.voting.casting import cast_vote
from unionvote.voting.models import BallotSealing
from unionvote.voting.sealed import seal_ballot
from unionvote.voting.services import BallotSpec, close_ballot, create_ballot, open_ballot

SEALING_KEY = "the sealing key, which lives in a file the database never sees"
CHOICES = {"D1": "for", "D2": "against", "D3": "for", "D4": "abstain", "D5": "for", "D6": "against"}
WORDS = ('"for"', '"against"', '"abstain"')


@pytest.fixture
async def hall(factory: Factory, conference_id: int, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Floor:
    if not database_url.startswith("postgresql"):
        pytest.skip("xmin and ctid are PostgreSQL's")
    monkeypatch.setenv("UNIONVOTE_SEALING_KEY", SEALING_KEY)
    return await floor(factory, conference_id, people=tuple((n, "LON", "delegate") for n in CHOICES))


async def whole_database(factory: Factory) -> dict[str, list[dict]]:  # type: ignore[type-arg]
    """Every row of every table, with its xmin and ctid, in physical order: what a dump or a DBA sees."""
    async with factory() as db:
        tables = (await db.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
                  ).scalars().all()
        dump = {}
        for table in tables:
            rows = (await db.execute(text(f'SELECT row_to_json(t)::text AS row, t.xmin::text AS xmin, '  # noqa: S608
                                          f't.ctid::text AS ctid FROM "{table}" t ORDER BY t.ctid'))).all()
            dump[table] = [{"row": json.loads(r.row), "xmin": r.xmin, "ctid": r.ctid} for r in rows]
        return dump


async def test_reading_the_whole_database_links_voters_to_ciphertexts_and_never_to_a_choice(
        factory: Factory, hall: Floor, caplog: pytest.LogCaptureFixture) -> None:
    async with session_scope(factory) as db:
        ballot = await create_ballot(db, hall.conference_id, BallotSpec(title="Motion 9", question="Carry it?"),
                                     by=STAFF)
        await seal_ballot(db, ballot, by=STAFF)
        await open_ballot(db, ballot.id, by=STAFF)  # type: ignore[arg-type]
        ballot_id = ballot.id
    caplog.set_level(logging.DEBUG)
    for number, choice in CHOICES.items():  # one at a time, each in its own transaction
        async with session_scope(factory) as db:
            await cast_vote(db, ballot_id, user_id=hall.users[number], choice=[choice], token=token())  # type: ignore[arg-type]
    dump = await whole_database(factory)

    # The known joins work: xmin, and physical order, tie each voter to a row...
    voters = {r["xmin"]: r["row"]["delegate_id"] for r in dump["ballot_participation"]}
    sealed = dump["ballot_sealed_vote"]
    linked = {voters[r["xmin"]]: r["row"] for r in sealed if r["xmin"] in voters}
    assert len(linked) == len(CHOICES)
    by_order = [r["row"]["delegate_id"] for r in dump["ballot_participation"]]
    assert by_order == [hall.delegates[n] for n in CHOICES]
    # ...but the row is a sealed vote: the same shape and size whatever was chosen, no choice in it,
    # and no two alike even where the choices are (fresh randomness in every ciphertext).
    assert len({len(json.dumps(row["sealed"])) for row in linked.values()}) == 1
    assert not any(word in json.dumps(row) for row in linked.values() for word in WORDS)
    slots = [slot["beta"] for r in sealed for slot in json.loads(r["row"]["sealed"])["slots"]]
    assert len(set(slots)) == len(slots)
    # Nothing written while voting holds a choice: not in any table's rows, nor in the logs.
    for table in ("ballot_participation", "ballot_sealed_vote", "ballot_electorate", "ballot_decryption",
                  "ballot_content", "session", "user_session"):
        for entry in dump.get(table, []):
            assert not any(word in json.dumps(entry["row"]) for word in WORDS), table
    for record_ in caplog.records:
        assert not any(word in record_.getMessage() for word in WORDS)
    # The only key that opens the votes is wrapped under a key that is nowhere in the database.
    everything = json.dumps(dump)
    assert SEALING_KEY not in everything
    async with factory() as db:
        sealing = await db.get(BallotSealing, ballot_id)
    assert sealing is not None and sealing.wrapped_key is not None
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("UNIONVOTE_SEALING_KEY", "a guess by someone who has only the database, long enough")
        with pytest.raises(SealingError, match="does not open"):
            server_key.unwrap(sealing.wrapped_key, f"ballot:{ballot_id}")

    # After close only the totals are decrypted: one share per slot, none per vote.
    async with session_scope(factory) as db:
        await close_ballot(db, ballot_id, by=STAFF)  # type: ignore[arg-type]
    after = await whole_database(factory)
    [decryption] = after["ballot_decryption"]
    assert len(json.loads(decryption["row"]["document"])["partials"]) == 3  # for, against, abstain
