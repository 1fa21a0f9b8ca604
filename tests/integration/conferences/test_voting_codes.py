"""Voting codes: membership number plus code logs a delegate in to their conference, and to nothing else."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import REDIS_URL, make_settings, needs_redis
from tests.helpers import Visitor, app_db, audit_entries, make_conference
from tests.integration.conferences.invitation_world import (
    FORMULA_NAME,
    World,
    account_of,
    conference_with_register,
    read_csv,
)
from unionvote.accounts.models import Role, User
from unionvote.accounts.services import grant_role
from unionvote.app import create_app
from unionvote.conferences.voting_codes import CODE_ALPHABET, normalise_code

CODE_IN_PAGE = re.compile(r'<code class="secret">([A-Z0-9]{4}-[A-Z0-9]{4})</code>')


async def issue_code_as_staff(world: World, number: str) -> str:
    response = await world.staff.post(f"/conferences/{world.id}/voting-codes/{world.delegates[number]}/issue")
    assert response.status_code == 200, response.text
    match = CODE_IN_PAGE.search(response.text)
    assert match is not None
    return match.group(1)


async def code_login(visitor: Visitor, slug: str, number: str, code: str):
    return await visitor.post(f"/conferences/{slug}/code-login", data={"membership_number": number, "code": code})


def test_codes_are_read_aloud_friendly_and_typing_slips_are_forgiven() -> None:
    assert set(CODE_ALPHABET).isdisjoint("01ILO")
    assert normalise_code(" abcd-2345 ") == "ABCD2345"
    assert normalise_code("ABCD-234") == "" and normalise_code("ABCD-2340") == ""


async def test_a_code_login_opens_that_conference_only_even_for_someone_with_roles_elsewhere(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    world = await conference_with_register(app, client)
    code = await issue_code_as_staff(world, "A1")
    other = await make_conference(app, "rules-2027", "Rules Revision Conference")
    ada = await account_of(app, "ada@branch.example")
    assert ada is not None
    async with app_db(app) as db:  # the same person is staff elsewhere and, here, even an administrator
        await grant_role(db, user_id=ada.id, conference_id=other, role=Role.STAFF, by=None)  # type: ignore[arg-type]
        await grant_role(db, user_id=ada.id, conference_id=world.id, role=Role.CHAIR, by=None)  # type: ignore[arg-type]
        (await db.get(User, ada.id)).is_admin = True  # type: ignore[union-attr]

    visitor = Visitor(client)
    response = await code_login(visitor, world.slug, "a1", code.lower().replace("-", " "))
    assert response.status_code == 303 and response.headers["location"] == f"/conferences/{world.id}/me"
    assert (await visitor.get(f"/conferences/{world.id}/me")).status_code == 200

    for path in (f"/conferences/{other}/invitations", f"/conferences/{world.id}/invitations",
                 f"/conferences/{world.id}/quorum", "/staff", "/admin/users", "/audit", "/account", "/conferences",
                 "/api/v1/me", f"/api/v1/conferences/{other}/enrolment"):
        assert (await visitor.get(path)).status_code == 403, path
    assert (await visitor.post("/account/tokens", data={"name": "escape hatch"})).status_code == 403
    assert (await visitor.post("/api/v1/me/tokens", json={"name": "escape hatch"})).status_code == 403
    home = await visitor.get("/")
    assert home.headers["location"] == f"/conferences/{world.id}/me"
    assert (await visitor.get("/login")).status_code == 200  # may still log in fully with a password


async def test_a_code_from_one_conference_does_not_open_another(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    world = await conference_with_register(app, client)
    code = await issue_code_as_staff(world, "A1")
    elsewhere = await conference_with_register(app, client, "rules-2027")  # the same membership numbers
    response = await code_login(Visitor(client), elsewhere.slug, "A1", code)
    assert response.status_code == 400 and "do not match" in response.text
    assert (await Visitor(client).get("/conferences/no-such-conference/code-login")).status_code == 404


async def test_a_wrong_code_is_refused_and_repeated_failures_lock_the_code(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    world = await conference_with_register(app, client)
    code = await issue_code_as_staff(world, "B2")
    wrong = "ZZZZ-ZZZZ" if code != "ZZZZ-ZZZZ" else "YYYY-YYYY"
    visitor = Visitor(client)

    first = await code_login(visitor, world.slug, "B2", wrong)
    assert first.status_code == 400 and "uv_session" not in first.cookies
    assert "That membership number and voting code do not match." in first.text
    for _ in range(app.state.settings.lockout_threshold - 1):
        await code_login(visitor, world.slug, "B2", wrong)
    locked = await code_login(visitor, world.slug, "B2", code)
    assert locked.status_code == 403 and "locked for a while" in locked.text
    [entry] = await audit_entries(app, scope=f"conference:{world.id}", action="voting_code.locked")
    assert json.loads(entry.payload)["delegate_id"] == world.delegates["B2"]

    page = await world.staff.get(f"/conferences/{world.id}/invitations")
    assert "Locked" in page.text
    fresh = await issue_code_as_staff(world, "B2")  # staff give a new code, which also lifts the lock
    assert (await code_login(Visitor(client), world.slug, "B2", fresh)).status_code == 303


async def test_reissuing_a_code_ends_the_old_one_and_is_audited(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    world = await conference_with_register(app, client)
    old = await issue_code_as_staff(world, "O1")
    new = await issue_code_as_staff(world, "O1")

    assert (await code_login(Visitor(client), world.slug, "O1", old)).status_code == 400
    assert (await code_login(Visitor(client), world.slug, "O1", new)).status_code == 303
    actions = [e.action for e in await audit_entries(app, scope=f"conference:{world.id}")
               if e.action.startswith("voting_code")]
    assert actions == ["voting_code.issued", "voting_code.reissued"]
    payloads = " ".join(e.payload for e in await audit_entries(app))
    assert old not in payloads and new not in payloads and "Olive" not in payloads


async def test_the_codes_export_is_for_printing_and_neutralises_formulas(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    world = await conference_with_register(app, client)
    await issue_code_as_staff(world, "B2")

    response = await world.staff.post(f"/conferences/{world.id}/voting-codes/export", data={"who": "everyone"})
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    rows = read_csv(response)
    assert list(rows[0]) == ["membership number", "name", "mobile", "voting code"]
    by_number = {row["membership number"]: row for row in rows}
    assert sorted(by_number) == ["A1", "C3", "O1"]  # B2 has a code already
    assert by_number["C3"]["name"] == "'" + FORMULA_NAME
    assert by_number["A1"]["mobile"] == "'+447700900001"
    assert (await code_login(Visitor(client), world.slug, "C3", by_number["C3"]["voting code"])).status_code == 303
    [entry] = await audit_entries(app, scope=f"conference:{world.id}", action="voting_codes.issued")
    assert json.loads(entry.payload) == {"count": 3, "reissued": 0, "skipped": 0}

    api = await world.staff.post(f"/api/v1/conferences/{world.id}/voting-codes/export",
                                 json={"delegate_ids": [world.delegates["B2"]]})
    assert [row["membership number"] for row in read_csv(api)] == ["B2"]
    one = await world.staff.post(f"/api/v1/conferences/{world.id}/delegates/{world.delegates['A1']}/voting-code")
    assert one.status_code == 201 and re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", one.json()["code"])


@pytest.fixture
async def redis_client(database_url: str) -> AsyncIterator[tuple[Litestar, AsyncTestClient[Litestar]]]:
    assert REDIS_URL
    app = create_app(make_settings(database_url, redis_url=REDIS_URL, redis_namespace=f"uvt{uuid.uuid4().hex[:8]}"))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        client.follow_redirects = False
        yield app, client


@needs_redis
@pytest.mark.redis
async def test_a_code_login_kept_in_redis_is_still_good_for_one_conference_only(
    redis_client: tuple[Litestar, AsyncTestClient[Litestar]],
) -> None:
    app, client = redis_client
    world = await conference_with_register(app, client)
    code = await issue_code_as_staff(world, "A1")
    visitor = Visitor(client)
    assert (await code_login(visitor, world.slug, "A1", code)).status_code == 303
    assert (await visitor.get(f"/conferences/{world.id}/me")).status_code == 200
    assert (await visitor.get("/account")).status_code == 403
