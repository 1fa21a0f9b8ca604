"""Secret means unlinkable in the schema: nothing joins who voted to what was voted."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection

from tests.integration.conferences.builders import STAFF
from tests.integration.voting.world import Factory, Floor, floor, open_new, token
from unionvote.db import session_scope
from unionvote.voting.casting import cast_vote
from unionvote.voting.models import BallotContent, Participation, SealedVote, Secrecy
from unionvote.voting.services import BallotSpec, close_ballot

CONTENT_COLUMNS = {"ballot_id", "id", "choice", "weight", "tracker"}


@pytest.fixture
async def hall(factory: Factory, conference_id: int) -> Floor:
    return await floor(factory, conference_id, people=tuple((f"D{i}", "LON", "delegate") for i in range(1, 9)))


def schema(conn: Connection) -> dict[str, Any]:
    inspector = inspect(conn)
    return {table: {"columns": {c["name"]: c for c in inspector.get_columns(table)},
                    "fks": inspector.get_foreign_keys(table), "pk": inspector.get_pk_constraint(table)}
            for table in ("ballot_content", "ballot_participation")}


async def test_content_rows_share_no_key_with_participation_and_carry_no_time_or_sequence(factory: Factory) -> None:
    async with factory() as db:
        tables = await (await db.connection()).run_sync(schema)
    content, participation = tables["ballot_content"], tables["ballot_participation"]
    assert set(content["columns"]) == CONTENT_COLUMNS
    assert {fk["referred_table"] for fk in content["fks"]} == {"ballot"}
    assert not any("time" in str(c["type"]).lower() or "date" in str(c["type"]).lower()
                   for c in content["columns"].values())
    assert set(content["pk"]["constrained_columns"]) == {"ballot_id", "id"}
    assert not any(c.get("autoincrement") is True for c in content["columns"].values())
    # The only column the two tables have in common is the ballot they belong to.
    assert set(content["columns"]) & set(participation["columns"]) == {"ballot_id", "id"}
    assert str(participation["columns"]["id"]["type"]).upper().startswith("INTEGER")  # a different id space
    assert all(fk["referred_table"] != "ballot_content" for fk in participation["fks"])


async def test_on_sqlite_content_rows_have_no_hidden_insertion_order(factory: Factory, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's implicit rowid only")
    async with factory() as db:
        with pytest.raises(Exception, match="rowid"):
            await db.execute(text("SELECT rowid FROM ballot_content"))


async def test_a_secret_ballots_stored_rows_hold_no_value_that_links_a_voter_to_a_choice(
        factory: Factory, hall: Floor, caplog: pytest.LogCaptureFixture) -> None:
    ballot_id = await open_new(factory, hall.conference_id)
    caplog.set_level(logging.DEBUG)
    choices = ["for", "against", "for", "abstain", "for", "against"]
    for number, choice in zip(hall.users, choices, strict=False):
        async with session_scope(factory) as db:
            await cast_vote(db, ballot_id, user_id=hall.users[number], choice=[choice], token=token())
    async with session_scope(factory) as db:
        await close_ballot(db, ballot_id, by=STAFF)
        voters = (await db.execute(select(Participation).where(Participation.ballot_id == ballot_id))).scalars().all()
        votes = (await db.execute(select(SealedVote).where(SealedVote.ballot_id == ballot_id))).scalars().all()
        assert not (await db.execute(select(BallotContent))).scalars().all()  # sealed: no readable content row
    assert len(voters) == len(votes) == len(choices)
    assert all(v.content_id is None for v in voters)
    voter_values = {_plain(getattr(v, name)) for v in voters for name in ("id", "delegate_id", "token_hash",
                                                                           "voted_at", "content_id")}
    vote_values = {_plain(getattr(v, name)) for v in votes for name in ("id", "sealed", "weight", "tracker",
                                                                         "retry_check")}
    assert voter_values & vote_values <= {None, "1", 1}  # weight 1 and small ids are everywhere; nothing else
    # No log line written while voting names a voter together with a choice.
    for record_ in caplog.records:
        line = record_.getMessage() + json.dumps(getattr(record_, "__dict__", {}), default=str)
        assert not any(c in line for c in ('"for"', '"against"', '"abstain"')) or "delegate" not in line


async def test_an_open_ballot_records_how_each_delegate_voted(factory: Factory, hall: Floor) -> None:
    spec = BallotSpec(title="Standing orders", question="Accept the report?", secrecy=Secrecy.OPEN)
    ballot_id = await open_new(factory, hall.conference_id, spec)
    async with session_scope(factory) as db:
        await cast_vote(db, ballot_id, user_id=hall.users["D1"], choice=["against"], token=token())
        row = (await db.execute(select(Participation, BallotContent).join(
            BallotContent, (BallotContent.ballot_id == Participation.ballot_id)
            & (BallotContent.id == Participation.content_id)))).one()
    assert row[0].delegate_id == hall.delegates["D1"] and json.loads(row[1].choice) == ["against"]


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime | date) else value
