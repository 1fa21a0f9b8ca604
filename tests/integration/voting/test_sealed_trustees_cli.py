"""A trustee ballot end to end from the command line: keys made off the server, decrypted off the server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.conferences.builders import STAFF
from tests.integration.voting.world import Factory, Floor, floor, token
from tests.subprocesses import clean_env, unionvote
from unionvote.db import session_scope
from unionvote.voting.casting import cast_vote
from unionvote.voting.models import Ballot, BallotSealing, Weighting
from unionvote.voting.sealed import seal_at_opening
from unionvote.voting.services import BallotSpec, close_ballot, create_ballot, declare_result, open_ballot

PEOPLE = (("L1", "LON", "delegate", "yes"), ("M1", "MAN", "delegate", "yes"), ("C1", "CAR", "delegate", "yes"))


@pytest.fixture
async def hall(factory: Factory, conference_id: int) -> Floor:
    return await floor(factory, conference_id, bodies=(("LON", 1000), ("MAN", 600), ("CAR", 400)), people=PEOPLE)


def run(*args: str, env: dict[str, str]) -> str:
    done = unionvote(*args, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


async def test_two_trustees_seal_a_card_vote_and_decrypt_it_with_keys_the_server_never_held(
        factory: Factory, hall: Floor, database_url: str, tmp_path: Path) -> None:
    env = clean_env(UNIONVOTE_DATABASE_URL=database_url)
    for name in ("officer", "scrutineer"):
        public = run("trustee", "keygen", "--out", str(tmp_path / f"{name}.key"), env=clean_env())
        (tmp_path / f"{name}.public.json").write_text(public)
    async with session_scope(factory) as db:
        ballot = await create_ballot(db, hall.conference_id, BallotSpec(title="Card vote", question="Carry it?",
                                                                        weighting=Weighting.CARD), by=STAFF)
        ballot_id = ballot.id
    assert ballot_id is not None
    run("trustee", "seal", "--ballot", str(ballot_id), "--trustee", str(tmp_path / "officer.public.json"),
        "--trustee", str(tmp_path / "scrutineer.public.json"), env=env)
    async with session_scope(factory) as db:
        await open_ballot(db, ballot_id, by=STAFF)
    for number, choice in (("L1", "for"), ("M1", "against"), ("C1", "for")):
        async with session_scope(factory) as db:
            await cast_vote(db, ballot_id, user_id=hall.users[number], choice=[choice], token=token())
    async with session_scope(factory) as db:
        await close_ballot(db, ballot_id, by=STAFF)
        sealing = await db.get(BallotSealing, ballot_id)
        assert sealing is not None and sealing.wrapped_key is None  # no private key on the server
        assert (await db.get(Ballot, ballot_id)).sealing == "trustees"  # type: ignore[union-attr]
    tally = tmp_path / "tally.json"
    run("trustee", "tally", "--ballot", str(ballot_id), "--out", str(tally), env=env)
    for name in ("officer", "scrutineer"):
        partial = tmp_path / f"{name}.partial.json"
        run("trustee", "decrypt", "--key", str(tmp_path / f"{name}.key"), str(tally), "--out", str(partial),
            env=clean_env())
        run("trustee", "submit", "--ballot", str(ballot_id), str(partial), env=env)
    again = unionvote("trustee", "submit", "--ballot", str(ballot_id), str(tally), env=env)
    assert again.returncode == 2 and "not made with one of the ballot's trustee keys" in again.stderr
    async with session_scope(factory) as db:
        result = json.loads((await declare_result(db, ballot_id, by=STAFF)).result or "{}")
    assert result["combined"]["choices"] == {"for": "1400", "against": "600", "abstain": "0"}
    assert result["sealed"]["mode"] == "trustees"
    out = tmp_path / "export"
    run("audit", "export", "--conference", "adc-2027", "--out", str(out), env=env)
    checked = run("audit", "verify", str(out), env=env)
    assert f"ballots/{ballot_id}/sealing.json: 2 trustee decryption(s) checked" in checked


async def test_every_secret_ballot_is_sealed_as_it_opens_with_no_switch_to_set(
        factory: Factory, hall: Floor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIONVOTE_SEALED_BALLOTS", "off")  # the switch is gone: secret means sealed
    async with session_scope(factory) as db:
        secret = await create_ballot(db, hall.conference_id, BallotSpec(title="Secret", question="?"), by=STAFF)
        named = await create_ballot(db, hall.conference_id, BallotSpec(title="Named", question="?", secrecy="open"),
                                    by=STAFF)
        assert (secret.sealing, named.sealing) == ("server", None)
        for ballot in (secret, named):
            await open_ballot(db, ballot.id, by=STAFF)  # type: ignore[arg-type]
        assert (await db.get(BallotSealing, secret.id)) is not None
        assert (await db.get(BallotSealing, named.id)) is None
        await seal_at_opening(db, secret, STAFF)  # already sealed: nothing changes
