"""The audit trail in the database: real actions append to it, it verifies, it stays one chain under
concurrent writers, rolled-back work leaves no trace, and only the right people can export it.

Runs on SQLite always and on PostgreSQL when UNIONVOTE_TEST_POSTGRES_URL is set (conftest's `database_url`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.helpers import Visitor, app_db, make_conference, make_user
from unionvote.accounts.models import Role, User
from unionvote.accounts.services import create_user
from unionvote.audit.chain import GENESIS_HASH, verify_lines
from unionvote.audit.models import AuditEntry
from unionvote.audit.services import SYSTEM_SCOPE, export_lines, head_of, record
from unionvote.db import session_scope
from unionvote.voting.services import BallotSpec, create_ballot

Client = AsyncTestClient[Litestar]


async def exported(app: Litestar, scope: str) -> list[str]:
    async with app_db(app) as db:
        return [line async for line in export_lines(db, scope)]


async def head(app: Litestar, scope: str) -> tuple[int, str] | None:
    async with app_db(app) as db:
        row = await head_of(db, scope)
        return (row.seq, row.hash) if row is not None else None


@pytest.fixture
async def factory(app: Litestar) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """The app's own session factory, for tests that call services without the test client."""
    try:
        yield app.state.session_factory
    finally:
        await app.state.engine.dispose()


def entries(lines: list[str]) -> list[dict]:
    return [json.loads(line) for line in lines]


def assert_one_unbroken_chain(lines: list[str], scope: str, count: int, recorded_head: tuple[int, str] | None) -> None:
    rows = entries(lines)
    assert [r["seq"] for r in rows] == list(range(1, count + 1))  # no gaps, no repeats
    assert {r["scope"] for r in rows} == {scope}
    assert [r["prev_hash"] for r in rows] == [GENESIS_HASH] + [r["hash"] for r in rows[:-1]]  # no forks
    assert len({r["hash"] for r in rows}) == count
    verdict = verify_lines(lines, expected_head=rows[-1]["hash"])
    assert verdict.ok, verdict.message
    assert verdict.entries == count
    assert recorded_head == (count, rows[-1]["hash"])  # the head row agrees with the chain


async def admin_visitor(app: Litestar, client: Client, email: str = "admin@union.test") -> tuple[Visitor, int]:
    admin_id, secret = await make_user(app, email, admin=True)
    admin = Visitor(client)
    response = await admin.log_in(email, totp_secret=secret)
    assert response.status_code == 303, response.text
    return admin, admin_id


# ---- real actions append entries ----------------------------------------------------------------


async def test_admin_actions_and_failed_logins_append_verifiable_entries(app: Litestar, client: Client) -> None:
    admin, admin_id = await admin_visitor(app, client)

    response = await admin.post("/api/v1/conferences", json={"slug": "adc-2027", "name": "Annual Conference"})
    assert response.status_code == 201, response.text
    conference_id = response.json()["id"]
    response = await admin.post("/api/v1/users", json={"email": "Chris.Chair@Union.test",
                                                        "display_name": "Chris Chair"})
    assert response.status_code == 201, response.text
    chair_id = response.json()["id"]
    response = await admin.post(f"/api/v1/users/{chair_id}/roles",
                                json={"conference_id": conference_id, "role": "chair"})
    assert response.status_code == 201, response.text
    grant_id = response.json()["grant_id"]
    response = await admin.delete(f"/api/v1/users/{chair_id}/roles/{grant_id}")
    assert response.status_code == 200, response.text
    # the same action through the administrators' pages
    response = await admin.post(f"/admin/users/{chair_id}/roles",
                                data={"conference_id": str(conference_id), "role": "returning_officer"})
    assert response.status_code == 303, response.text

    victim_id, _ = await make_user(app, "delegate@union.test")
    stranger = Visitor(client)
    for _ in range(5):  # the third failure is recorded, the fifth locks the account
        response = await stranger.post("/login", data={"email": "delegate@union.test", "password": "wrong-guess-123"})
        assert response.status_code == 400

    system = await exported(app, SYSTEM_SCOPE)
    assert [(e["actor"], e["action"], e["payload"]) for e in entries(system)] == [
        ("system", "user.created", {"user_id": admin_id, "is_admin": True}),
        (f"user:{admin_id}", "user.created", {"user_id": chair_id, "is_admin": False}),
        ("system", "user.created", {"user_id": victim_id, "is_admin": False}),
        ("system", "login.repeated_failures", {"user_id": victim_id, "failures": 3}),
        ("system", "login.locked", {"user_id": victim_id, "minutes": 15, "api_tokens_revoked": 0}),
    ]
    assert_one_unbroken_chain(system, SYSTEM_SCOPE, 5, await head(app, SYSTEM_SCOPE))

    scope = f"conference:{conference_id}"
    conference = await exported(app, scope)
    assert [(e["actor"], e["action"], e["payload"]) for e in entries(conference)] == [
        (f"user:{admin_id}", "conference.created", {"conference_id": conference_id, "slug": "adc-2027"}),
        (f"user:{admin_id}", "role.granted", {"user_id": chair_id, "role": "chair", "grant_id": grant_id}),
        (f"user:{admin_id}", "role.revoked", {"user_id": chair_id, "role": "chair", "grant_id": grant_id}),
        (f"user:{admin_id}", "role.granted", {"user_id": chair_id, "role": "returning_officer",
                                              "grant_id": entries(conference)[3]["payload"]["grant_id"]}),
    ]
    assert_one_unbroken_chain(conference, scope, 4, await head(app, scope))

    # Invariant 8: chains carry internal ids, never names or email addresses.
    everything = "".join(system + conference).lower()
    for personal in ("chris", "chair@", "union.test", "delegate@", "admin@"):
        assert personal not in everything


async def test_a_refused_action_appends_nothing(app: Litestar, client: Client) -> None:
    admin, _ = await admin_visitor(app, client)
    before = await exported(app, SYSTEM_SCOPE)
    response = await admin.post("/api/v1/users", json={"email": "admin@union.test", "display_name": "Again"})
    assert response.status_code == 409
    response = await admin.post("/api/v1/users", json={"email": "not an email", "display_name": "Nobody"})
    assert response.status_code == 400
    assert await exported(app, SYSTEM_SCOPE) == before


# ---- concurrency: one chain, never a fork ---------------------------------------------------------


async def _append(factory: async_sessionmaker[AsyncSession], scope: str, n: int) -> None:
    async with session_scope(factory) as db:
        await asyncio.sleep(0)  # let every writer open its session before any appends
        await record(db, scope=scope, actor="system", action="test.concurrent", payload={"n": n})
        await asyncio.sleep(0.005)  # hold the head lock a moment so writers really overlap


@pytest.mark.parametrize("existing", [0, 3], ids=["new-scope", "existing-scope"])
async def test_concurrent_appends_to_one_scope_make_one_chain(
    app: Litestar, factory: async_sessionmaker[AsyncSession], existing: int,
) -> None:
    scope, writers = "ballot:7", 20
    for n in range(existing):
        await _append(factory, scope, -n)
    await asyncio.gather(*(_append(factory, scope, n) for n in range(writers)))

    lines = await exported(app, scope)
    assert_one_unbroken_chain(lines, scope, existing + writers, await head(app, scope))
    assert sorted(e["payload"]["n"] for e in entries(lines)[existing:]) == list(range(writers))


async def test_concurrent_appends_to_two_scopes_keep_them_apart(
    app: Litestar, factory: async_sessionmaker[AsyncSession],
) -> None:
    await asyncio.gather(*(_append(factory, f"ballot:{n % 2}", n) for n in range(20)))
    for parity in (0, 1):
        scope = f"ballot:{parity}"
        lines = await exported(app, scope)
        assert_one_unbroken_chain(lines, scope, 10, await head(app, scope))
        assert all(e["payload"]["n"] % 2 == parity for e in entries(lines))


# ---- rolled back means never happened -------------------------------------------------------------


class Abandon(Exception):
    pass


async def test_a_rolled_back_transaction_leaves_no_entry(
    app: Litestar, factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_scope(factory) as db:
        await record(db, scope="ballot:1", actor="system", action="ballot.opened", payload={"ballot_id": 1})
    kept = await exported(app, "ballot:1")

    # An action and its entry, abandoned together: neither the user nor the entry survives.
    with pytest.raises(Abandon):
        async with session_scope(factory) as db:
            await create_user(db, email="ghost@union.test", display_name="Ghost", password=None)
            await record(db, scope="ballot:1", actor="system", action="ballot.closed", payload={"ballot_id": 1})
            raise Abandon
    # A brand-new scope whose only append is rolled back has no chain at all.
    with pytest.raises(Abandon):
        async with session_scope(factory) as db:
            await record(db, scope="ballot:2", actor="system", action="ballot.opened", payload={"ballot_id": 2})
            raise Abandon

    async with session_scope(factory) as db:
        assert (await db.execute(select(func.count()).select_from(User))).scalar_one() == 0
        assert (await db.execute(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.scope == SYSTEM_SCOPE))).scalar_one() == 0
        assert await head_of(db, "ballot:2") is None
    assert await exported(app, "ballot:1") == kept
    assert await exported(app, "ballot:2") == []

    # The next append links straight to the last committed entry: no gap where the rollback was.
    async with session_scope(factory) as db:
        await record(db, scope="ballot:1", actor="system", action="ballot.closed", payload={"ballot_id": 1})
    lines = await exported(app, "ballot:1")
    assert_one_unbroken_chain(lines, "ballot:1", 2, await head(app, "ballot:1"))
    assert lines[0] == kept[0]


# ---- export over the API and who may read which chain ---------------------------------------------


async def test_admin_export_verifies_against_the_listed_head(app: Litestar, client: Client) -> None:
    admin, _ = await admin_visitor(app, client)
    conference_id = await make_conference(app)
    await make_user(app, "ro@union.test", roles=[(conference_id, Role.RETURNING_OFFICER)])

    response = await admin.get("/api/v1/audit/scopes")
    assert response.status_code == 200, response.text
    heads = {h["scope"]: h for h in response.json()}
    assert set(heads) == {SYSTEM_SCOPE, f"conference:{conference_id}"}

    for scope, listed in heads.items():
        response = await admin.get(f"/api/v1/audit/scopes/{scope}/export")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/x-ndjson")
        assert response.headers["content-disposition"] == \
            f'attachment; filename="{scope.replace(":", "-")}.audit.jsonl"'
        body = response.text
        assert body.endswith("\n")
        lines = body.splitlines(keepends=True)
        verdict = verify_lines(lines, expected_head=listed["head"])
        assert verdict.ok, verdict.message
        assert verdict.head == listed["head"] and verdict.entries == listed["entries"] == len(lines)
        assert lines == await exported(app, scope)  # the API serves exactly what the database holds
        assert response.headers["x-audit-head"] == listed["head"]

    # A chain that does not exist is not found, rather than an empty file that "verifies".
    response = await admin.get("/api/v1/audit/scopes/conference:999999/export")
    assert response.status_code == 404 and "no audit trail" in response.json()["detail"]

    # The audit page shows the same heads.
    response = await admin.get("/audit")
    assert response.status_code == 200
    for listed in heads.values():
        assert listed["head"] in response.text


async def test_a_returning_officer_reads_only_their_conferences_chain(app: Litestar, client: Client) -> None:
    mine = await make_conference(app, "adc-2027", "Annual Delegate Conference")
    other = await make_conference(app, "rules-2027", "Rules Revision Conference")
    await make_user(app, "admin@union.test", admin=True)
    _, secret = await make_user(app, "ro@union.test", roles=[(mine, Role.RETURNING_OFFICER)])
    officer = Visitor(client)
    assert (await officer.log_in("ro@union.test", totp_secret=secret)).status_code == 303

    response = await officer.get("/api/v1/audit/scopes")
    assert response.status_code == 200
    assert [h["scope"] for h in response.json()] == [f"conference:{mine}"]
    listed_head = response.json()[0]["head"]

    response = await officer.get(f"/api/v1/audit/scopes/conference:{mine}/export")
    assert response.status_code == 200
    assert verify_lines(response.text.splitlines(), expected_head=listed_head).ok
    assert [e["action"] for e in entries(response.text.splitlines())] == ["conference.created", "role.granted"]

    # Each ballot keeps a chain of its own: the officer reads their conference's ballots, not another's.
    async with app_db(app) as db:
        ours = await create_ballot(db, mine, BallotSpec(title="Motion 1", question="Carry it?"), by=None)
        theirs = await create_ballot(db, other, BallotSpec(title="Rule 4", question="Amend it?"), by=None)
        await db.commit()
    response = await officer.get("/api/v1/audit/scopes")
    assert sorted(h["scope"] for h in response.json()) == sorted([f"conference:{mine}", f"ballot:{ours.id}"])
    response = await officer.get(f"/api/v1/audit/scopes/ballot:{ours.id}/export")
    assert response.status_code == 200
    assert [e["action"] for e in entries(response.text.splitlines())] == ["ballot.created"]

    for forbidden in (f"conference:{other}", SYSTEM_SCOPE, f"ballot:{theirs.id}", "ballot:999999"):
        response = await officer.get(f"/api/v1/audit/scopes/{forbidden}/export")
        assert response.status_code == 403, forbidden
        assert "audit" in response.json()["detail"]
        response = await officer.get(f"/audit/{forbidden}/export")
        assert response.status_code == 403, forbidden


async def test_delegates_and_strangers_cannot_read_the_audit_trail(app: Litestar, client: Client) -> None:
    conference_id = await make_conference(app)
    await make_user(app, "delegate@union.test", roles=[(conference_id, Role.DELEGATE)])
    delegate = Visitor(client)
    assert (await delegate.log_in("delegate@union.test")).status_code == 303

    for path in ("/api/v1/audit/scopes", f"/api/v1/audit/scopes/conference:{conference_id}/export",
                 f"/api/v1/audit/scopes/{SYSTEM_SCOPE}/export"):
        assert (await delegate.get(path)).status_code == 403, path
        assert (await Visitor(client).get(path)).status_code == 401, path
