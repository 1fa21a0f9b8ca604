"""The reconciliation statement: every member and credential accounted for, overall and by employer, and each
employer's verdicts on the printable report."""

from __future__ import annotations

import csv
import io

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.helpers import Visitor, make_user
from tests.integration.ballots.world import make_ballot
from unionvote.ballots.casting import cast_member_vote
from unionvote.ballots.credentials import issue_credentials, reissue_credential
from unionvote.ballots.members import remove_member
from unionvote.ballots.models import Member, MemberBallot
from unionvote.ballots.reconciliation import reconcile
from unionvote.ballots.results import declare_result, report_rows, shown_result
from unionvote.ballots.services import close_ballot, questions_of
from unionvote.db import session_scope
from unionvote.voting.receipts import new_token

FIGURES = ("register", "removed", "entitled", "issued", "reissued", "not_issued", "used", "unused", "voted")


async def _run(factory: async_sessionmaker[AsyncSession]) -> int:
    """Acme 12 (one leaves), Globex 6; credentials for all, one reissued; Acme 8 votes, Globex 2."""
    ballot_id = await make_ballot(factory, {"Acme": 12, "Globex": 6}, yes_percent=40, min_segment=5)
    async with session_scope(factory) as db:
        await remove_member(db, ballot_id, "M12", "Left the union", by=None)
        await issue_credentials(db, ballot_id, by=None)
        await reissue_credential(db, ballot_id, "M13", by=None)
        [question] = await questions_of(db, ballot_id)
    for employer, answers in (("Acme", ["yes"] * 6 + ["no"] * 2), ("Globex", ["no", "yes"])):
        async with session_scope(factory) as db:
            members = (await db.execute(select(Member.id).where(
                Member.ballot_id == ballot_id, Member.employer == employer, Member.removed_at.is_(None))
                .order_by(Member.id).limit(len(answers)))).scalars().all()
        for member_id, answer in zip(members, answers, strict=True):
            async with session_scope(factory) as db:
                await cast_member_vote(db, ballot_id, member_id, {question.id: [answer]}, new_token())  # type: ignore[dict-item]
    async with session_scope(factory) as db:
        await close_ballot(db, ballot_id, by=None)
        await declare_result(db, ballot_id, by=None)
    return ballot_id


async def test_every_member_and_credential_is_accounted_for_and_the_employers_add_up(
        factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await _run(factory)
    async with session_scope(factory) as db:
        ballot = await db.get(MemberBallot, ballot_id)
        everyone, employers = await reconcile(db, ballot)  # type: ignore[arg-type]
        document = await shown_result(db, ballot)  # type: ignore[arg-type]
    assert [getattr(everyone, f) for f in FIGURES] == [18, 1, 17, 17, 1, 0, 10, 7, 10]
    assert list(everyone.papers.values()) == [10]
    assert everyone.reconciled and all(part.reconciled for part in employers)
    assert [part.name for part in employers] == ["Acme", "Globex"]
    for figure in FIGURES:  # the employers add up to everyone
        assert sum(getattr(part, figure) for part in employers) == getattr(everyone, figure), figure
    acme, globex = employers
    assert (acme.entitled, acme.voted, globex.entitled, globex.voted, globex.reissued) == (11, 8, 6, 2, 1)
    assert acme.turnout_verdict == "Turnout threshold of 50% met (8 of 11)."
    assert globex.turnout_verdict == "Turnout threshold of 50% not met: 1 more vote needed (2 of 6)."

    rows = dict((str(k), str(v)) for k, v in report_rows(document))
    assert rows["Employer Acme: turnout 50%"] == "met (8 of 11 voted)"
    # Globex's 2 votes would be the totals minus Acme's: Acme's figures are withheld with them.
    assert rows["Employer Acme: yes votes"] == "withheld so a smaller group's votes cannot be worked out"
    assert rows["Employer Globex: turnout 50%"] == "not met: 1 vote short (2 of 6 voted)"
    assert rows["Employer Globex: yes votes"] == "withheld: fewer than 5 voted"


async def test_the_statement_prints_and_downloads_for_an_administrator(
        client: AsyncTestClient[Litestar], app: Litestar, factory: async_sessionmaker[AsyncSession]) -> None:
    ballot_id = await _run(factory)
    _, secret = await make_user(app, "admin@union.example", admin=True)
    admin = Visitor(client)
    await admin.log_in("admin@union.example", totp_secret=secret)
    page = await admin.get(f"/member-ballots/{ballot_id}/reconciliation")
    assert page.status_code == 200
    assert "The figures reconcile." in page.text and "<th scope=\"row\">Globex</th>" in page.text
    download = await admin.get(f"/member-ballots/{ballot_id}/reconciliation.csv")
    assert download.status_code == 200
    table = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert table[0][:4] == ["employer", "on the register", "removed", "entitled"]
    assert [row[0] for row in table[1:]] == ["Acme", "Globex", "Everyone"]
    assert table[-1][3] == "17" and table[-1][9] == "10" and table[-1][-1] == "yes"
    report = await admin.get(f"/member-ballots/{ballot_id}/report")
    assert "Employer Globex: turnout 50%" in report.text
