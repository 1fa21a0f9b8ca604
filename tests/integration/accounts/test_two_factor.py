"""Two-factor authentication: enrolment for staff, the challenge after the password, recovery codes, resets."""

from __future__ import annotations

import json
import re
import time

import pyotp
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from tests.helpers import (
    PASSWORD,
    Visitor,
    app_db,
    audit_entries,
    load_user,
    make_conference,
    make_user,
    totp_secret_of,
)
from unionvote.accounts import services
from unionvote.accounts.models import RecoveryCode, Role
from unionvote.audit.services import SYSTEM_SCOPE
from unionvote.conferences.models import Conference
from unionvote.security import RECOVERY_ALPHABET, token_digest

CHAIR = "chair@union.example"
ADMIN = "admin@union.example"
RECOVERY_CODE = re.compile(rf"\b[{RECOVERY_ALPHABET}]{{5}}-[{RECOVERY_ALPHABET}]{{5}}\b")


def wrong_code(secret: str) -> str:
    """A six-digit code the authenticator would not show now, nor one step either side."""
    totp, now = pyotp.TOTP(secret), time.time()
    accepted = {totp.at(now + drift) for drift in (-60, -30, 0, 30, 60)}
    return next(code for n in range(1_000_000) if (code := f"{n:06d}") not in accepted)


async def recovery_codes_of(app: Litestar, user_id: int) -> list[RecoveryCode]:
    async with app_db(app) as db:
        return list((await db.execute(select(RecoveryCode).where(RecoveryCode.user_id == user_id))).scalars())


async def fresh_recovery_codes(app: Litestar, user_id: int) -> list[str]:
    async with app_db(app) as db:
        return await services.regenerate_recovery_codes(db, user_id)


# ---- staff must enrol --------------------------------------------------------------------------


async def test_a_staff_member_without_two_factor_is_sent_to_enrolment(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    conference_id = await make_conference(app)
    await make_user(app, CHAIR, roles=[(conference_id, Role.CHAIR)], totp=False)
    chair = Visitor(client)
    assert (await chair.log_in(CHAIR)).status_code == 303

    for page in ("/staff", "/"):
        response = await chair.get(page)
        if page == "/":  # the home page sends staff to /staff, which sends them on to enrolment
            response = await chair.get(response.headers["location"])
        assert response.status_code == 303, page
        assert response.headers["location"] == "/account/totp", page
    form = await chair.post("/account/tokens", data={"name": "laptop"})
    assert form.status_code == 403
    assert "Set it up to continue" in form.text
    api = await chair.get("/api/v1/conferences")
    assert api.status_code == 403
    assert api.json()["detail"] == "Your role needs two-factor authentication. Set it up to continue."
    # Who they are is still answered, so an app can tell them what to do.
    me = await chair.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["totp_enabled"] is False


async def test_enrolment_with_a_wrong_code_fails_and_leaves_two_factor_off(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    conference_id = await make_conference(app)
    chair_id, _ = await make_user(app, CHAIR, roles=[(conference_id, Role.CHAIR)], totp=False)
    chair = Visitor(client)
    await chair.log_in(CHAIR)

    form = await chair.get("/account/totp")
    secret = await totp_secret_of(app, chair_id)
    assert form.status_code == 200
    assert "<svg" in form.text
    assert secret is not None and secret in form.text.replace(" ", "")

    response = await chair.post("/account/totp", data={"code": wrong_code(secret)})

    assert response.status_code == 400
    assert "That code is not right" in response.text
    assert (await load_user(app, chair_id)).totp_enabled is False
    assert await recovery_codes_of(app, chair_id) == []
    assert (await chair.get("/staff")).headers["location"] == "/account/totp"


async def test_enrolment_with_the_right_code_turns_two_factor_on_and_shows_ten_recovery_codes(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    conference_id = await make_conference(app)
    chair_id, _ = await make_user(app, CHAIR, roles=[(conference_id, Role.CHAIR)], totp=False)
    chair = Visitor(client)
    await chair.log_in(CHAIR)
    await chair.get("/account/totp")
    secret = await totp_secret_of(app, chair_id)
    assert secret is not None

    response = await chair.post("/account/totp", data={"code": pyotp.TOTP(secret).now()})

    assert response.status_code == 200
    shown = set(RECOVERY_CODE.findall(response.text))
    assert len(shown) == 10
    assert (await load_user(app, chair_id)).totp_enabled is True
    stored = await recovery_codes_of(app, chair_id)
    assert {row.code_hash for row in stored} == {token_digest(code) for code in shown}
    assert not shown & {row.code_hash for row in stored}  # kept hashed, never as typed
    assert (await chair.get("/staff")).status_code == 200
    [enabled] = await audit_entries(app, scope=SYSTEM_SCOPE, action="totp.enabled")
    assert enabled.actor == f"user:{chair_id}"


async def test_a_delegate_is_not_made_to_set_up_two_factor(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    conference_id = await make_conference(app)
    await make_user(app, "delegate@branch.example", roles=[(conference_id, Role.DELEGATE)])
    delegate = Visitor(client)

    response = await delegate.log_in("delegate@branch.example")

    assert response.headers["location"] == "/"
    assert (await delegate.get("/")).headers["location"] == f"/conferences/{conference_id}/me"
    assert (await delegate.get("/account")).status_code == 200
    assert (await delegate.get("/api/v1/me/tokens")).status_code == 200


async def test_a_conference_that_requires_two_factor_sends_its_delegates_to_set_it_up(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    strict = await make_conference(app, slug="rules-2027", name="Rules Revision Conference")
    relaxed = await make_conference(app, slug="adc-2027")
    async with app_db(app) as db:
        (await db.get(Conference, strict)).totp_required_for_delegates = True
    await make_user(app, "strict@branch.example", roles=[(strict, Role.DELEGATE)])
    await make_user(app, "relaxed@branch.example", roles=[(relaxed, Role.DELEGATE)])
    strict_delegate, relaxed_delegate = Visitor(client), Visitor(client)
    await strict_delegate.log_in("strict@branch.example")
    await relaxed_delegate.log_in("relaxed@branch.example")

    assert (await strict_delegate.get(f"/conferences/{strict}/me")).headers["location"] == "/account/totp"
    assert (await strict_delegate.get("/account/totp")).status_code == 200
    assert (await relaxed_delegate.get(f"/conferences/{relaxed}/me")).status_code == 200


async def test_a_delegate_who_chose_two_factor_is_asked_for_a_code(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    conference_id = await make_conference(app)
    _, secret = await make_user(app, "delegate@branch.example", roles=[(conference_id, Role.DELEGATE)], totp=True)
    delegate = Visitor(client)

    response = await delegate.log_in("delegate@branch.example")

    assert response.headers["location"] == "/login/totp?next=/"
    assert (await delegate.get("/account")).headers["location"] == "/login/totp?next=/account"
    assert secret is not None
    await delegate.post("/login/totp", data={"code": pyotp.TOTP(secret).now(), "next": "/account"})
    assert (await delegate.get("/account")).status_code == 200


# ---- the challenge after the password --------------------------------------------------------


async def test_after_the_password_the_code_is_needed_before_anything_else(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    conference_id = await make_conference(app)
    _, secret = await make_user(app, CHAIR, roles=[(conference_id, Role.CHAIR)])
    assert secret is not None
    chair = Visitor(client)

    response = await chair.post("/login", data={"email": CHAIR, "password": "correct horse battery staple",
                                                "next": "/staff"})
    assert response.status_code == 303
    assert response.headers["location"] == "/login/totp?next=/staff"

    assert (await chair.get("/staff")).headers["location"] == "/login/totp?next=/staff"
    api = await chair.get("/api/v1/me")
    assert api.status_code == 401
    assert "code from your authenticator app" in api.json()["detail"]
    challenge = await chair.get("/login/totp?next=/staff")
    assert challenge.status_code == 200

    refused = await chair.post("/login/totp", data={"code": wrong_code(secret), "next": "/staff"})
    assert refused.status_code == 400
    assert "That code is not right" in refused.text
    assert (await chair.get("/staff")).status_code == 303

    accepted = await chair.post("/login/totp", data={"code": pyotp.TOTP(secret).now(), "next": "/staff"})
    assert accepted.status_code == 303
    assert accepted.headers["location"] == "/staff"
    assert (await chair.get("/staff")).status_code == 200


async def test_the_totp_challenge_needs_a_password_first(client: AsyncTestClient[Litestar]) -> None:
    stranger = Visitor(client)

    assert (await stranger.get("/login/totp")).headers["location"] == "/login?next=/login/totp"
    response = await stranger.post("/login/totp", data={"code": "123456"})
    assert response.status_code == 401


async def test_a_recovery_code_works_once_and_not_twice(app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    conference_id = await make_conference(app)
    chair_id, _ = await make_user(app, CHAIR, roles=[(conference_id, Role.CHAIR)])
    codes = await fresh_recovery_codes(app, chair_id)
    chair = Visitor(client)
    await chair.log_in(CHAIR)

    # Read off paper: capitals and a space instead of the hyphen still count.
    first = await chair.post("/login/totp", data={"code": codes[0].upper().replace("-", " "), "next": "/staff"})

    assert first.status_code == 303
    assert (await chair.get("/staff")).status_code == 200
    used = [row for row in await recovery_codes_of(app, chair_id) if row.used_at is not None]
    assert [row.code_hash for row in used] == [token_digest(codes[0])]
    [entry] = await audit_entries(app, scope=SYSTEM_SCOPE, action="recovery_code.used")
    assert json.loads(entry.payload) == {"user_id": chair_id}

    await chair.post("/logout")
    await chair.log_in(CHAIR)
    again = await chair.post("/login/totp", data={"code": codes[0], "next": "/staff"})

    assert again.status_code == 400
    assert "That code is not right" in again.text
    assert (await chair.get("/staff")).status_code == 303
    # Another, unused code still works.
    assert (await chair.post("/login/totp", data={"code": codes[1], "next": "/staff"})).status_code == 303


async def test_regenerating_recovery_codes_makes_the_old_ones_useless(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    conference_id = await make_conference(app)
    chair_id, secret = await make_user(app, CHAIR, roles=[(conference_id, Role.CHAIR)])
    old_codes = await fresh_recovery_codes(app, chair_id)
    chair = Visitor(client)
    await chair.log_in(CHAIR, totp_secret=secret)

    page = await chair.post("/account/recovery-codes")
    new_codes = set(RECOVERY_CODE.findall(page.text))

    assert page.status_code == 200
    assert len(new_codes) == 10 and not new_codes & set(old_codes)
    await chair.post("/logout")
    await chair.log_in(CHAIR)
    assert (await chair.post("/login/totp", data={"code": old_codes[0]})).status_code == 400
    assert (await chair.post("/login/totp", data={"code": sorted(new_codes)[0]})).status_code == 303


# ---- an administrator resets a lost authenticator ----------------------------------------------


async def test_an_admin_reset_clears_two_factor_ends_sessions_and_is_audited(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    conference_id = await make_conference(app)
    admin_id, admin_secret = await make_user(app, ADMIN, admin=True)
    chair_id, chair_secret = await make_user(app, CHAIR, roles=[(conference_id, Role.CHAIR)])
    await fresh_recovery_codes(app, chair_id)
    admin, chair = Visitor(client), Visitor(client)
    await admin.log_in(ADMIN, totp_secret=admin_secret)
    await chair.log_in(CHAIR, totp_secret=chair_secret)
    assert (await chair.get("/staff")).status_code == 200

    response = await admin.post(f"/admin/users/{chair_id}/totp-reset")

    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/users/{chair_id}?done=totp-reset"
    assert (await chair.get("/staff")).headers["location"] == "/login?next=/staff"
    account = await load_user(app, chair_id)
    assert account.totp_enabled is False and account.totp_secret is None
    assert await recovery_codes_of(app, chair_id) == []
    [entry] = await audit_entries(app, scope=SYSTEM_SCOPE, action="totp.reset")
    assert entry.actor == f"user:{admin_id}"
    assert json.loads(entry.payload) == {"user_id": chair_id, "api_tokens_revoked": 0}
    # The admin is still logged in; the chair logs in with the password alone and must enrol again.
    assert (await admin.get("/staff")).status_code == 200
    assert (await chair.log_in(CHAIR)).headers["location"] == "/"
    assert (await chair.get("/staff")).headers["location"] == "/account/totp"


async def test_a_chair_cannot_reset_someone_elses_two_factor(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    conference_id = await make_conference(app)
    _, chair_secret = await make_user(app, CHAIR, roles=[(conference_id, Role.CHAIR)])
    teller_id, _ = await make_user(app, "teller@union.example", roles=[(conference_id, Role.TELLER)], totp=True)
    chair = Visitor(client)
    await chair.log_in(CHAIR, totp_secret=chair_secret)

    page = await chair.post(f"/admin/users/{teller_id}/totp-reset")
    api = await chair.post(f"/api/v1/users/{teller_id}/totp-reset")

    assert page.status_code == 403
    assert api.status_code == 403
    assert api.json()["detail"] == "Only union administrators can do this."
    assert (await load_user(app, teller_id)).totp_enabled is True
    assert await audit_entries(app, action="totp.reset") == []


async def test_an_admin_reset_also_revokes_api_tokens_so_a_token_cannot_enrol_a_new_phone(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    conference_id = await make_conference(app)
    chair_id, secret = await make_user(app, "chair@union.test", roles=[(conference_id, Role.CHAIR)])
    admin_id, admin_secret = await make_user(app, "admin@union.test", admin=True)
    chair = Visitor(client)
    await chair.log_in("chair@union.test", totp_secret=secret)
    token = (await chair.post("/api/v1/me/tokens", json={"name": "membership system"})).json()["token"]

    admin = Visitor(client)
    await admin.log_in("admin@union.test", totp_secret=admin_secret)
    assert (await admin.post(f"/admin/users/{chair_id}/totp-reset")).status_code == 303

    integration = Visitor(client)
    response = await integration.post("/api/v1/me/totp", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 401
    entry = (await audit_entries(app, scope="system", action="totp.reset"))[-1]
    assert json.loads(entry.payload) == {"user_id": chair_id, "api_tokens_revoked": 1}


async def test_the_second_factor_page_keeps_the_whole_return_address(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    await make_user(app, "admin@union.test", admin=True)
    visitor = Visitor(client)
    response = await visitor.post("/login", data={"email": "admin@union.test", "password": PASSWORD,
                                                  "next": "/audit?a=1&b=2"})
    assert response.headers["location"] == "/login/totp?next=/audit%3Fa%3D1%26b%3D2"
