"""Erasing personal data after the retention period: nothing about the people is left, the record survives.

Each test runs on SQLite and, when UNIONVOTE_TEST_POSTGRES_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from tests.helpers import PASSWORD, Visitor, app_db, make_user
from tests.integration.conferences.builders import STAFF, Factory, bodies_csv, csv_bytes, load
from tests.integration.conferences.erasure_world import (
    PEOPLE_A,
    PEOPLE_B,
    RETENTION_DAYS,
    World,
    build_world,
    chain,
    register,
    scan,
    snapshot,
)
from unionvote.accounts.models import ApiToken, RecoveryCode, User, UserSession
from unionvote.accounts.services import create_api_token
from unionvote.audit.chain import verify_lines
from unionvote.conferences import accreditation
from unionvote.conferences.credentials import Invitation, VotingCode
from unionvote.conferences.eligibility import eligible_voters
from unionvote.conferences.erasure import erasable_from, purge_personal_data
from unionvote.conferences.imports import import_delegates
from unionvote.conferences.models import Conference
from unionvote.conferences.register import Delegate, Presence, Substitution
from unionvote.conferences.settings import SettingsChange, update_settings
from unionvote.db import session_scope, utcnow
from unionvote.errors import RuleViolation


@pytest.fixture
async def world(factory: Factory, database_url: str) -> World:
    return await build_world(factory, database_url)


async def purge(factory: Factory, conference_id: int, **kw: object):  # type: ignore[no-untyped-def]
    async with session_scope(factory) as db:
        conference = await db.get(Conference, conference_id)
        assert conference is not None
        start = erasable_from(conference)
    now = kw.pop("now", None) or (start + timedelta(minutes=1) if start else utcnow())
    async with session_scope(factory) as db:
        return await purge_personal_data(db, conference_id, now=now, by=STAFF, **kw)  # type: ignore[arg-type]


async def delegates_of(factory: Factory, conference_id: int) -> list[Delegate]:
    async with session_scope(factory) as db:
        return list((await db.execute(select(Delegate).where(Delegate.conference_id == conference_id)
                                      .order_by(Delegate.id))).scalars())


async def test_before_the_retention_period_ends_the_purge_is_refused_and_changes_nothing(
        factory: Factory, world: World) -> None:
    before = await snapshot(factory)
    async with session_scope(factory) as db:
        start = erasable_from(await db.get(Conference, world.a))  # type: ignore[arg-type]
    assert start is not None and start.date() == world.ends_on + timedelta(days=RETENTION_DAYS)

    for now in (utcnow(), start - timedelta(seconds=1)):
        with pytest.raises(RuleViolation) as refused:
            await purge(factory, world.a, now=now)
        assert str(refused.value) == (
            f"Personal data of 'adc-2027' is kept for {RETENTION_DAYS} days after the conference ended on "
            f"{world.ends_on:%Y-%m-%d}: it can be erased from {start:%Y-%m-%d}.")
        assert refused.value.status_code == 409
    async with session_scope(factory) as db:  # a dry run is never refused and changes nothing either
        dry = await purge_personal_data(db, world.a, now=utcnow(), by=STAFF, dry_run=True)
    assert (dry.due, dry.dry_run, len(dry.delegate_ids)) == (False, True, len(PEOPLE_A))
    assert set(dry.accounts_anonymised) == {world.users["ada"], world.users["cal"]}
    assert await snapshot(factory) == before

    with pytest.raises(RuleViolation, match="'tuc-2027' has no end date, so its retention period has not started"):
        await purge(factory, world.b)
    assert await snapshot(factory) == before


async def test_after_the_retention_period_nothing_about_the_people_is_left(factory: Factory, world: World) -> None:
    assert await scan(factory, world.originals)  # the scan does find what is there...
    assert {hit for hit in await scan(factory, world.originals) if hit[0] == "audit_entry"} == set()  # ids only
    b_before = [d.model_dump() for d in await delegates_of(factory, world.b)]

    report = await purge(factory, world.a)

    assert (report.due, report.forced, report.changed) == (True, False, True)
    assert sorted(report.delegate_ids) == sorted(world.delegates[p[0]] for p in PEOPLE_A)
    assert (report.notes, report.substitution_reasons) == (7, 1)  # 4 identity checks, 2 status reasons, 1 mail error
    assert (report.invitations, report.voting_codes) == (1, 1)
    assert report.accounts_anonymised == tuple(sorted((world.users["ada"], world.users["cal"])))
    assert report.accounts_kept == tuple(sorted((world.users["eve"], world.users["fay"])))
    assert (report.api_tokens, report.recovery_codes, report.sessions) == (1, 10, 3)  # Eve's voting-code login too
    # ...and afterwards only the accounts of people still involved elsewhere (or admins) keep their own details.
    assert await scan(factory, world.originals) == {
        ("user_account", "email", "eve.kestrel@example.org"), ("user_account", "display_name", "Eve Kestrel"),
        ("user_account", "email", "fay.ledger@example.org"), ("user_account", "display_name", "Fay Ledger"),
    }
    erased = await delegates_of(factory, world.a)
    assert {(d.name, d.email, d.mobile, d.membership_number, d.identity_check, d.status_reason)
            for d in erased} == {(f"Erased delegate {d.id}", "", None, f"ERASED-{d.id}", None, None) for d in erased}
    assert all(d.erased_at is not None for d in erased)
    assert [d.model_dump() for d in await delegates_of(factory, world.b)] == b_before


async def test_the_record_survives_and_the_audit_trail_only_grows(factory: Factory, world: World) -> None:
    a_head, a_lines = await chain(factory, f"conference:{world.a}")
    b_head, _ = await chain(factory, f"conference:{world.b}")
    system_head, system_lines = await chain(factory, "system")
    async with session_scope(factory) as db:
        voters = await eligible_voters(db, world.a, card_vote=True)
        presences = (await db.execute(select(func.count(Presence.id)))).scalar_one()
    statuses = {d.id: (d.status, d.body_id, d.role, d.is_lead, d.user_id) for d in await delegates_of(factory, world.a)}
    assert voters

    await purge(factory, world.a)

    new_head, new_lines = await chain(factory, f"conference:{world.a}")
    assert new_lines[:len(a_lines)] == a_lines and len(new_lines) == len(a_lines) + 1
    assert verify_lines(new_lines, expected_head=a_head).ok  # the head noted before the purge is still in it
    assert new_head != a_head
    entry = json.loads(new_lines[-1])
    assert (entry["action"], entry["actor"], entry["scope"]) == ("personal_data.erased", "system",
                                                                 f"conference:{world.a}")
    assert entry["payload"] == {
        "conference_id": world.a, "forced": False, "retention_days": RETENTION_DAYS,
        "erasable_on": (world.ends_on + timedelta(days=RETENTION_DAYS)).isoformat(),
        "delegate_ids": sorted(world.delegates[p[0]] for p in PEOPLE_A), "notes_cleared": 7,
        "substitution_reasons_cleared": 1, "invitations_deleted": 1, "voting_codes_deleted": 1,
        "accounts_anonymised": sorted((world.users["ada"], world.users["cal"])),
        "accounts_kept": sorted((world.users["eve"], world.users["fay"])),
        "api_tokens_deleted": 1, "recovery_codes_deleted": 10, "sessions_ended": 3,
    }
    assert await chain(factory, "system") == (system_head, system_lines)  # accounts were changed, not audited twice
    assert (await chain(factory, f"conference:{world.b}"))[0] == b_head
    async with session_scope(factory) as db:
        assert await eligible_voters(db, world.a, card_vote=True) == voters
        assert (await db.execute(select(func.count(Presence.id)))).scalar_one() == presences
        assert (await db.execute(select(Substitution.reason))).scalars().all() == [""]
        used = (await db.execute(select(Invitation))).scalars().all()  # the used link stays, as a record
        assert [(i.delegate_id, i.used_at is not None, i.email_error) for i in used] == [
            (world.delegates["QA-101"], True, None)]
        assert (await db.execute(select(VotingCode))).first() is None
    assert {d.id: (d.status, d.body_id, d.role, d.is_lead, d.user_id)
            for d in await delegates_of(factory, world.a)} == statuses


async def test_anonymised_accounts_lose_every_way_in_and_others_keep_theirs(factory: Factory, world: World) -> None:
    await purge(factory, world.a)

    async with session_scope(factory) as db:
        ada, eve, fay = [await db.get(User, world.users[k]) for k in ("ada", "eve", "fay")]
        assert ada is not None and eve is not None and fay is not None
        assert (ada.email, ada.display_name, ada.password_hash, ada.totp_secret, ada.totp_enabled, ada.is_active) == (
            f"erased-{ada.id}@invalid", f"Erased account {ada.id}", None, None, False, False)
        for table in (ApiToken, RecoveryCode, UserSession):
            assert (await db.execute(select(table).where(table.user_id == ada.id))).first() is None
        assert (eve.email, eve.is_active, eve.password_hash is not None) == ("eve.kestrel@example.org", True, True)
        assert (fay.email, fay.is_admin, fay.is_active) == ("fay.ledger@example.org", True, True)
    assert await world.store.count_for_user(world.users["eve"]) == 1  # her login goes on
    assert await world.store.count_for_user(world.users["ada"]) == 0


async def test_running_it_twice_changes_nothing_the_second_time(factory: Factory, world: World) -> None:
    await purge(factory, world.a)
    before = await snapshot(factory)

    again = await purge(factory, world.a)
    forced = await purge(factory, world.a, force=True)

    assert not again.changed and not forced.changed
    assert again.summary() == "adc-2027: no personal data left to erase."
    assert await snapshot(factory) == before  # no audit entry either


async def test_forcing_an_early_erasure_is_audited_as_forced(factory: Factory, world: World) -> None:
    report = await purge(factory, world.b, force=True)  # no end date at all
    assert (report.forced, report.erasable_on, len(report.delegate_ids)) == (True, None, len(PEOPLE_B))
    async with session_scope(factory) as db:
        entry = (await db.execute(select(func.max(Delegate.erased_at)))).scalar_one()
    assert entry is not None
    _, lines = await chain(factory, f"conference:{world.b}")
    payload = json.loads(lines[-1])["payload"]
    assert (json.loads(lines[-1])["action"], payload["forced"], payload["erasable_on"]) == (
        "personal_data.erased", True, None)
    # Eve's role in conference A (not yet due) keeps her account, whichever conference goes first.
    assert payload["accounts_anonymised"] == [] and payload["accounts_kept"] == []


async def test_a_role_in_a_conference_past_its_own_retention_keeps_no_account(factory: Factory, world: World) -> None:
    async with session_scope(factory) as db:
        await update_settings(db, world.b, SettingsChange(ends_on=world.ends_on, retention_days=1), by=STAFF)
    report = await purge(factory, world.a)
    assert world.users["eve"] in report.accounts_anonymised  # conference B is due too: it keeps no one
    assert report.accounts_kept == (world.users["fay"],)  # an administrator is never anonymised


async def test_an_erased_register_cannot_be_imported_again(factory: Factory, world: World) -> None:
    await purge(factory, world.a)
    async with session_scope(factory) as db:
        with pytest.raises(RuleViolation, match="personal data has been erased"):
            await import_delegates(db, world.a, register(PEOPLE_A), by=STAFF)
    assert {hit[0] for hit in await scan(factory, world.originals)} == {"user_account"}


async def test_a_purged_delegates_account_can_no_longer_log_in(
        app: Litestar, client: AsyncTestClient[Litestar], factory: Factory, conference_id: int) -> None:
    await load(factory, conference_id, bodies=bodies_csv(("LON", 100)),
               delegates=csv_bytes("membership number,name,email,body code,role",
                                   ["QA-301,Jo Sparrow,jo.sparrow@example.org,LON,delegate"]))
    user_id, _ = await make_user(app, "jo.sparrow@example.org", totp=False)
    async with app_db(app) as db:
        delegate_id = (await db.execute(select(Delegate.id))).scalar_one()
        await accreditation.link_account(db, delegate_id, user_id, by=STAFF)
        _, api_token = await create_api_token(db, user_id=user_id, name="phone")
    jo = Visitor(client)
    assert (await jo.log_in("jo.sparrow@example.org")).status_code in (302, 303)
    assert (await jo.get("/api/v1/me")).status_code == 200
    assert (await client.get("/api/v1/me", headers={"authorization": f"Bearer {api_token}"})).status_code == 200

    report = await purge(factory, conference_id, force=True)
    # Database sessions end with the purge; a caller with a Redis store ends these after commit.
    assert report.session_user_ids == (user_id,) and report.sessions == 1

    assert (await jo.get("/api/v1/me")).status_code == 401
    assert (await client.get("/api/v1/me", headers={"authorization": f"Bearer {api_token}"})).status_code == 401
    again = Visitor(client)
    for email in ("jo.sparrow@example.org", f"erased-{user_id}@invalid"):
        await again.log_in(email, PASSWORD)
        assert (await again.get("/api/v1/me")).status_code == 401
