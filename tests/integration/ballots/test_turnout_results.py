"""Turnout by employer with thresholds, results after close only, and small segments suppressed."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.integration.ballots.world import make_ballot, votes_from
from unionvote.audit.models import AuditEntry
from unionvote.ballots.models import MemberBallot
from unionvote.ballots.results import declare_result, digest, result_document, shown_result
from unionvote.ballots.services import MemberBallotError, close_ballot, scope_for
from unionvote.ballots.turnout import non_voters, turnout
from unionvote.db import session_scope


async def test_an_aggregate_pass_never_marks_a_failing_employer_as_passing(
        factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 20, "Globex": 10})
    await votes_from(factory, ballot_id, "Acme", ["yes"] * 12)
    await votes_from(factory, ballot_id, "Globex", ["yes"] * 4)
    async with session_scope(factory) as db:
        shown = await turnout(db, await db.get(MemberBallot, ballot_id), "employer")  # type: ignore[arg-type]
    rows = {row.name: row for row in shown.rows}
    assert shown.overall.turnout.met  # 16 of 30
    assert rows["Acme"].turnout.met
    assert not rows["Globex"].turnout.met
    assert rows["Globex"].turnout.short_by == 1  # 4 of 10: one vote short of 50%
    assert "1 more vote needed" in rows["Globex"].turnout.words()


async def test_results_stay_hidden_until_close_then_small_employers_are_suppressed(
        factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 20, "Beta": 20, "Tiny": 5}, yes_percent=40)
    await votes_from(factory, ballot_id, "Acme", ["yes"] * 9 + ["no"] * 3)
    await votes_from(factory, ballot_id, "Beta", ["yes"] * 5 + ["no"] * 5)
    await votes_from(factory, ballot_id, "Tiny", ["no"] * 4)
    async with session_scope(factory) as db:
        ballot = await db.get(MemberBallot, ballot_id)
        with pytest.raises(MemberBallotError, match="hidden from everyone until voting closes"):
            await result_document(db, ballot)  # type: ignore[arg-type]
        await close_ballot(db, ballot_id, by=None)
        declared = await declare_result(db, ballot_id, by=None)
        document = await shown_result(db, declared)
    [question] = document["questions"]
    assert question["totals"] == {"yes": 14, "no": 12}
    assert document["entitled"] == 45 and document["voted"] == 26 and document["turnout_met"]
    assert question["yes_met"] is False and question["yes_short_by"] == 4  # 14 of 45; 40% needs 18
    employers = {row["name"]: row for row in question["segments"]["employer"]}
    assert employers["Acme"]["totals"] == {"yes": 9, "no": 3}
    assert employers["Tiny"] == {"name": "Tiny", "small": True, "suppressed": True}  # 5 members: name only
    # Beta (10 voted) is withheld too, or Tiny's 4 votes would be the totals minus Acme and Beta.
    assert employers["Beta"]["suppressed"] and employers["Beta"]["complement"] and "totals" not in employers["Beta"]
    async with session_scope(factory) as db:
        actions = (await db.execute(select(AuditEntry.action, AuditEntry.payload).where(
            AuditEntry.scope == scope_for(ballot_id)).order_by(AuditEntry.seq))).all()
    assert [a for a, _ in actions] == ["member_ballot.created", "members.imported", "member_ballot.sealing",
                                       "member_ballot.opened", "member_ballot.closed", "member_ballot.declared"]
    assert digest(document) in actions[-1][1]
    assert "Member 1" not in "".join(p for _, p in actions)


async def test_the_reminder_list_holds_only_those_who_have_not_voted(
        factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 3, "Globex": 2})
    await votes_from(factory, ballot_id, "Acme", ["yes"])
    async with session_scope(factory) as db:
        ballot = await db.get(MemberBallot, ballot_id)
        rows = [row async for row in non_voters(db, ballot, "employer", "Acme")]  # type: ignore[arg-type]
    assert [row[0] for row in rows] == ["M2", "M3"]
    assert not any(cell in ("yes", "no") for row in rows for cell in row)


async def test_a_segment_smaller_than_the_minimum_shows_neither_entitled_nor_whether_its_members_voted(
        factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 12, "Solo": 1}, min_segment=10)
    await votes_from(factory, ballot_id, "Acme", ["yes"] * 11)
    async with session_scope(factory) as db:
        await close_ballot(db, ballot_id, by=None)
        document = await shown_result(db, await declare_result(db, ballot_id, by=None))
    [question] = document["questions"]
    for segment in ("employer", "branch", "workplace"):
        rows = {row["name"]: row for row in question["segments"][segment]}
        solo = next(row for name, row in rows.items() if name.startswith("So"))
        assert solo == {"name": solo["name"], "small": True, "suppressed": True}, segment  # not "voted 0"
        acme = next(row for name, row in rows.items() if name.startswith("Ac"))
        assert (acme["entitled"], acme["voted"], acme["small"], acme["suppressed"]) == (12, 11, False, False)
    assert document["entitled"] == 13 and document["voted"] == 11  # the whole still adds up
