"""Enrolment invitations: a delegate sets a password from a one-time link and is logged in."""

from __future__ import annotations

import json
from datetime import timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from tests.helpers import PASSWORD, Visitor, app_db, audit_entries, make_conference, make_user
from tests.integration.conferences.invitation_world import (
    FORMULA_NAME,
    account_of,
    conference_with_register,
    issue_link_as_staff,
    load_people,
    read_csv,
    staff_of,
)
from unionvote.accounts.models import Role
from unionvote.conferences.credentials import Invitation
from unionvote.conferences.settings import SettingsChange, update_settings
from unionvote.db import utcnow

NEW_PASSWORD = "a long and new password"
USED = "This link has already been used. If that wasn't you, contact union staff."


async def accept(visitor: Visitor, token: str, password: str = NEW_PASSWORD, again: str | None = None):
    return await visitor.post(f"/enrol/{token}", data={"password": password,
                                                     "password_again": password if again is None else again})


async def test_a_delegate_accepts_an_invitation_sets_a_password_and_lands_logged_in(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    world = await conference_with_register(app, client)
    _, token = await issue_link_as_staff(world, "A1")
    ada = Visitor(client)

    form = await ada.get(f"/enrol/{token}")
    assert form.status_code == 200
    assert "Hello Ada." in form.text and "Lovelace" not in form.text
    assert 'name="_csrf_token"' in form.text and 'autocomplete="new-password"' in form.text

    response = await accept(ada, token)
    assert response.status_code == 303
    assert response.headers["location"] == f"/conferences/{world.id}/me?done=enrolled"
    home = await ada.get(response.headers["location"])
    assert home.status_code == 200 and "Your password is set and you are logged in." in home.text

    account = await account_of(app, "ada@branch.example")
    assert account is not None and account.password_hash is not None and not account.is_admin
    assert (await Visitor(client).log_in("ada@branch.example", NEW_PASSWORD)).status_code == 303
    me = (await ada.get("/api/v1/me")).json()
    assert [(r["conference_id"], r["role"]) for r in me["roles"]] == [(world.id, Role.DELEGATE)]
    actions = [e.action for e in await audit_entries(app, scope=f"conference:{world.id}")]
    assert actions[-3:] == ["role.granted", "invitation.issued", "invitation.accepted"]


async def test_the_link_works_only_once(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    world = await conference_with_register(app, client)
    _, token = await issue_link_as_staff(world, "B2")
    assert (await accept(Visitor(client), token)).status_code == 303
    hash_after_first_use = (await account_of(app, "bayard@branch.example")).password_hash  # type: ignore[union-attr]

    someone_else = Visitor(client)
    again = await someone_else.get(f"/enrol/{token}")
    assert again.status_code == 410 and USED in again.text.replace("&#39;", "'")
    retry = await accept(someone_else, token, password="someone else's password")
    assert retry.status_code == 410 and "uv_session" not in retry.cookies
    assert (await account_of(app, "bayard@branch.example")).password_hash == hash_after_first_use  # type: ignore[union-attr]


async def test_an_expired_link_is_refused_with_a_plain_message(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    world = await conference_with_register(app, client)
    _, token = await issue_link_as_staff(world, "A1")
    async with app_db(app) as db:
        await db.execute(update(Invitation).values(expires_at=utcnow() - timedelta(minutes=1)))

    visitor = Visitor(client)
    page = await visitor.get(f"/enrol/{token}")
    assert page.status_code == 410 and "This link has expired. Ask union staff to send you a new one." in page.text
    assert (await accept(visitor, token)).status_code == 410
    assert (await account_of(app, "ada@branch.example")).password_hash is None  # type: ignore[union-attr]


async def test_a_reissued_link_supersedes_the_old_one_and_is_audited(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    world = await conference_with_register(app, client)
    _, first = await issue_link_as_staff(world, "A1")
    _, second = await issue_link_as_staff(world, "A1")

    old = await Visitor(client).get(f"/enrol/{first}")
    assert old.status_code == 410 and "This link has been replaced by a newer one." in old.text
    assert (await Visitor(client).get(f"/enrol/{second}")).status_code == 200

    entries = await audit_entries(app, scope=f"conference:{world.id}")
    issued, reissued = [json.loads(e.payload) for e in entries if e.action.startswith("invitation.")]
    assert [e.action for e in entries if e.action.startswith("invitation.")] == ["invitation.issued",
                                                                                 "invitation.reissued"]
    assert reissued["superseded_invitation_ids"] == [issued["invitation_id"]]
    assert reissued["delegate_id"] == world.delegates["A1"]
    text = " ".join(e.payload for e in entries)
    assert "Ada" not in text and "ada@" not in text and first not in text and second not in text


async def test_unknown_links_and_bad_passwords_get_a_clear_answer_and_change_nothing(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    world = await conference_with_register(app, client)
    _, token = await issue_link_as_staff(world, "A1")
    visitor = Visitor(client)

    assert (await visitor.get("/enrol/not-a-real-link")).status_code == 404
    mismatch = await accept(visitor, token, again="a different long password")
    assert mismatch.status_code == 400 and "The two passwords are not the same." in mismatch.text
    short = await accept(visitor, token, password="short")
    assert short.status_code == 400 and "Use at least 10 characters." in short.text
    assert (await account_of(app, "ada@branch.example")).password_hash is None  # type: ignore[union-attr]
    assert (await accept(visitor, token)).status_code == 303  # the link is still good


async def test_a_conference_that_requires_two_factor_sends_the_new_delegate_to_set_it_up(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    world = await conference_with_register(app, client)
    async with app_db(app) as db:
        await update_settings(db, world.id, SettingsChange(totp_required_for_delegates=True), by=None)
    _, token = await issue_link_as_staff(world, "A1")
    ada = Visitor(client)

    response = await accept(ada, token)
    assert response.status_code == 303 and response.headers["location"] == "/account/totp"
    enrol = await ada.get("/account/totp")
    assert enrol.status_code == 200 and "Set up two-factor authentication" in enrol.text


async def test_the_mail_merge_export_gives_fresh_links_and_neutralises_formulas(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    world = await conference_with_register(app, client)
    _, token = await issue_link_as_staff(world, "A1")
    assert (await accept(Visitor(client), token)).status_code == 303  # Ada has enrolled: no link for her

    response = await world.staff.post(f"/conferences/{world.id}/invitations/export", data={"who": "everyone"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["cache-control"] == "no-store"
    rows = read_csv(response)
    assert list(rows[0]) == ["membership number", "name", "email", "mobile", "enrolment link"]
    assert [row["membership number"] for row in rows] == ["B2", "C3", "O1"]
    by_number = {row["membership number"]: row for row in rows}
    assert by_number["C3"]["name"] == "'" + FORMULA_NAME
    for row in rows:
        path = row["enrolment link"].removeprefix("http://127.0.0.1:8000")
        assert path.startswith("/enrol/") and (await Visitor(client).get(path)).status_code == 200

    [entry] = await audit_entries(app, scope=f"conference:{world.id}", action="invitations.issued")
    assert json.loads(entry.payload) == {"purpose": "export", "count": 3, "superseded": 0, "skipped": 0}
    olive = await account_of(app, "olive@branch.example")
    assert olive is not None and olive.password_hash is None  # an account waiting for its link
    assert "Olive" not in entry.payload and "olive@" not in entry.payload


async def test_exporting_only_the_ticked_delegates(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    world = await conference_with_register(app, client)
    ticked = {"who": "ticked", "delegate": [str(world.delegates["B2"]), str(world.delegates["O1"])]}
    rows = read_csv(await world.staff.post(f"/conferences/{world.id}/invitations/export", data=ticked))
    assert [row["membership number"] for row in rows] == ["B2", "O1"]
    nobody = await world.staff.post(f"/conferences/{world.id}/invitations/export", data={"who": "ticked"})
    assert nobody.status_code == 400 and "Tick at least one delegate" in nobody.text


async def test_the_api_issues_a_link_and_exports_a_mail_merge(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    world = await conference_with_register(app, client)
    one = await world.staff.post(f"/api/v1/conferences/{world.id}/delegates/{world.delegates['O1']}/invitation")
    assert one.status_code == 201 and "/enrol/" in one.json()["link"]
    export = await world.staff.post(f"/api/v1/conferences/{world.id}/invitations/export",
                                    json={"delegate_ids": [world.delegates["A1"]]})
    assert export.status_code == 200 and [r["membership number"] for r in read_csv(export)] == ["A1"]
    listing = (await world.staff.get(f"/api/v1/conferences/{world.id}/enrolment")).json()
    assert {row["membership_number"]: row["link_state"] for row in listing} == {
        "A1": "invited", "B2": "not_invited", "C3": "not_invited", "O1": "invited"}


async def test_an_invitation_never_resets_an_administrators_password(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    conference_id = await make_conference(app, "adc-2027", "Conference")
    await make_user(app, "boss@union.example", admin=True, totp=False)
    delegates = await load_people(app, conference_id, [("Z9", "Boss", "boss@union.example", "", "LON", "delegate")])
    staff = await staff_of(app, client, conference_id, "staff@union.example")

    response = await staff.post(f"/conferences/{conference_id}/invitations/{delegates['Z9']}/issue")
    assert response.status_code == 409 and "cannot set its password" in response.text
    assert (await Visitor(client).log_in("boss@union.example", PASSWORD)).status_code == 303


async def test_only_conference_staff_may_issue_invitations(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    world = await conference_with_register(app, client)
    await make_user(app, "delegate@branch.example", roles=[(world.id, Role.DELEGATE)])
    delegate = Visitor(client)
    assert (await delegate.log_in("delegate@branch.example")).status_code == 303
    other = await make_conference(app, "rules-2027", "Another conference")
    staff_elsewhere = await staff_of(app, client, other, "staff@rules-2027.example")
    issue = f"/conferences/{world.id}/invitations/{world.delegates['A1']}/issue"

    for visitor in (delegate, staff_elsewhere):
        assert (await visitor.get(f"/conferences/{world.id}/invitations")).status_code == 403
        assert (await visitor.post(issue)).status_code == 403
        assert (await visitor.post(f"/conferences/{world.id}/voting-codes/export", data={"who": "everyone"})
                ).status_code == 403
        assert (await visitor.post(f"/api/v1/conferences/{world.id}/invitations/export", json={})).status_code == 403
    anonymous = await Visitor(client).post(issue)
    assert anonymous.status_code == 401
    assert await audit_entries(app, action="invitation.issued") == []
    assert (await account_of(app, "ada@branch.example")) is None
    assert (await world.staff.get(f"/conferences/{world.id}/invitations")).status_code == 200


async def test_a_bulk_export_makes_accounts_and_leaves_out_those_it_may_not_touch(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    conference_id = await make_conference(app, "adc-2027", "Conference")
    await make_user(app, "boss@union.example", admin=True, totp=False, password=None)
    people = [
        ("A1", "Ada Lovelace", "ada@branch.example", "", "LON", "delegate"),
        ("D4", "Dana Shared", "ada@branch.example", "", "LON", "substitute"),  # the same email as Ada
        ("O1", "Olive Morris", "olive@branch.example", "", "", "visitor"),
        ("Z9", "The Boss", "boss@union.example", "", "LON", "delegate"),  # an administrator's email
    ]
    delegates = await load_people(app, conference_id, people)
    staff = await staff_of(app, client, conference_id, "staff@union.example")

    response = await staff.post(f"/api/v1/conferences/{conference_id}/invitations/export", json={})
    assert [row["membership number"] for row in read_csv(response)] == ["A1", "O1"]

    listing = (await staff.get(f"/api/v1/conferences/{conference_id}/enrolment")).json()
    assert {row["membership_number"]: row["link_state"] for row in listing} == {
        "A1": "invited", "D4": "not_invited", "O1": "invited", "Z9": "not_invited"}
    ada, olive = await account_of(app, "ada@branch.example"), await account_of(app, "olive@branch.example")
    assert ada is not None and olive is not None
    by_action = {e.action: json.loads(e.payload) for e in await audit_entries(app)}
    assert sorted(by_action["users.created"]["user_ids"]) == sorted([ada.id, olive.id])
    assert sorted(map(tuple, by_action["roles.granted"]["grants"])) == sorted(
        [(ada.id, "delegate"), (olive.id, "observer"), (by_action["delegates.accounts_linked"]["links"][-1][1],
                                                        "delegate")])
    assert [d for d, _ in by_action["delegates.accounts_linked"]["links"]] == [
        delegates["A1"], delegates["O1"], delegates["Z9"]]
    assert by_action["invitations.issued"] == {"purpose": "export", "count": 2, "superseded": 0, "skipped": 2}
    assert (await Visitor(client).log_in("boss@union.example", PASSWORD)).status_code == 400  # still no password
