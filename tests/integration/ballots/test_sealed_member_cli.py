"""A member ballot sealed for trustees from the command line: keys made, and the tally decrypted, off the server."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.ballots.world import make_ballot, votes_from
from tests.subprocesses import clean_env, unionvote
from unionvote.ballots.models import MemberBallotSealing
from unionvote.ballots.results import declare_result
from unionvote.ballots.services import close_ballot, open_ballot
from unionvote.db import session_scope


def run(*args: str, env: dict[str, str]) -> str:
    done = unionvote(*args, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


async def test_two_trustees_decrypt_a_member_ballot_by_employer_with_keys_the_server_never_held(
        factory: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path) -> None:
    env = clean_env(UNIONVOTE_DATABASE_URL=database_url)
    for name in ("officer", "scrutineer"):
        public = run("trustee", "keygen", "--out", str(tmp_path / f"{name}.key"), env=clean_env())
        (tmp_path / f"{name}.public.json").write_text(public.splitlines()[0])
    ballot_id = await make_ballot(factory, {"Aardvark": 10, "Acme": 12, "Globex": 10}, open_now=False,
                                  min_segment=10)
    assert "is sealed for 2 trustee(s)" in run(
        "trustee", "seal", "--member-ballot", "pay-2027", "--trustee", str(tmp_path / "officer.public.json"),
        "--trustee", str(tmp_path / "scrutineer.public.json"), env=env)
    async with session_scope(factory) as db:
        await open_ballot(db, ballot_id, by=None)
    await votes_from(factory, ballot_id, "Acme", ["yes"] * 7 + ["no"] * 3)
    await votes_from(factory, ballot_id, "Globex", ["no"] * 5)
    await votes_from(factory, ballot_id, "Aardvark", ["yes"] * 5 + ["no"] * 5)
    async with session_scope(factory) as db:
        await close_ballot(db, ballot_id, by=None)
        sealing = await db.get(MemberBallotSealing, ballot_id)
        assert sealing is not None and sealing.wrapped_key is None  # no private key on the server
    tally = tmp_path / "tally.json"
    run("trustee", "tally", "--member-ballot", "pay-2027", "--out", str(tally), env=env)
    for name in ("officer", "scrutineer"):
        partial = tmp_path / f"{name}.partial.json"
        run("trustee", "decrypt", "--key", str(tmp_path / f"{name}.key"), str(tally), "--out", str(partial),
            env=clean_env())
        assert "accepted" in run("trustee", "submit", "--member-ballot", "pay-2027", str(partial), env=env)
    async with session_scope(factory) as db:
        result = json.loads((await declare_result(db, ballot_id, by=None)).result or "{}")
    [question] = result["questions"]
    assert question["totals"] == {"yes": 12, "no": 13}
    employers = {row["name"]: row for row in question["segments"]["employer"]}
    assert employers["Acme"]["totals"] == {"yes": 7, "no": 3}
    assert employers["Globex"]["suppressed"] and "totals" not in employers["Globex"]  # 5 voted: never decrypted
    # Aardvark (10 voted, as many as Acme and first by name) is withheld with Globex: else Globex = total - rest.
    assert employers["Aardvark"]["complement"] and "totals" not in employers["Aardvark"]
