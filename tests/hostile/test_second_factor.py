"""The second factor against someone who already has the password: replayed codes, guessing, and a
stolen copy of the database."""

from __future__ import annotations

import json
import re
import time

import pyotp
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from tests.helpers import PASSWORD, Visitor, app_db, audit_entries, load_user, make_user, totp_secret_of
from unionvote.accounts.models import User
from unionvote.config import Settings
from unionvote.secretbox import SecretBox, SecretBoxError

ADMIN = "admin@union.example"
RECOVERY_CODE = re.compile(r"\b[a-z2-9]{5}-[a-z2-9]{5}\b")


def wrong_code(secret: str, n: int) -> str:
    totp, now = pyotp.TOTP(secret), time.time()
    accepted = {totp.at(now + drift) for drift in (-60, -30, 0, 30, 60)}
    return next(code for k in range(n, 1_000_000) if (code := f"{k:06d}") not in accepted)


async def password_only(client: AsyncTestClient[Litestar], email: str = ADMIN) -> Visitor:
    visitor = Visitor(client)
    response = await visitor.post("/login", data={"email": email, "password": PASSWORD, "next": "/"})
    assert response.headers["location"].startswith("/login/totp")
    return visitor


async def test_a_code_that_was_just_used_is_refused_the_second_time(
        app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    _, secret = await make_user(app, ADMIN, admin=True)
    assert secret is not None
    code = pyotp.TOTP(secret).now()
    first, onlooker = await password_only(client), await password_only(client)

    assert (await first.post("/login/totp", data={"code": code, "next": "/"})).status_code == 303
    replayed = await onlooker.post("/login/totp", data={"code": code, "next": "/"})

    assert replayed.status_code == 400
    assert "used already" in replayed.text
    assert (await onlooker.get("/staff")).status_code == 303  # still only half logged in
    api = await Visitor(client).post("/api/v1/session", json={"email": ADMIN, "password": PASSWORD,
                                                              "totp_code": code})
    assert api.status_code == 400


async def test_wrong_codes_lock_the_authenticator_but_a_recovery_code_still_lets_the_owner_in(
        app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    user_id, secret = await make_user(app, ADMIN, admin=True)
    assert secret is not None
    owner = Visitor(client)
    await owner.log_in(ADMIN, totp_secret=secret)
    codes = RECOVERY_CODE.findall((await owner.post("/account/recovery-codes")).text)
    assert len(codes) == 10

    guesser = await password_only(client)
    answers = [(await guesser.post("/login/totp", data={"code": wrong_code(secret, n * 7919), "next": "/"}))
               for n in range(5)]
    assert [a.status_code for a in answers] == [400, 400, 400, 400, 403]
    assert "recovery codes still works" in answers[-1].text
    # Locked: even the right code from the app is refused now (so guessing gains nothing)...
    late = await password_only(client)
    assert (await late.post("/login/totp", data={"code": pyotp.TOTP(secret).now(), "next": "/"})).status_code == 403
    # ...but a recovery code, far too long to guess, still works.
    assert (await late.post("/login/totp", data={"code": codes[0], "next": "/"})).status_code == 303
    assert (await late.get("/staff")).status_code == 200
    [locked] = await audit_entries(app, action="totp.locked")
    assert json.loads(locked.payload) == {"user_id": user_id, "minutes": 15}


async def test_the_secret_is_stored_sealed_and_a_stolen_database_alone_does_not_open_it(
        app: Litestar, client: AsyncTestClient[Litestar], settings: Settings) -> None:
    user_id, _ = await make_user(app, ADMIN, admin=True, totp=False)
    admin = Visitor(client)
    await admin.log_in(ADMIN)
    enrol = await admin.get("/account/totp")
    secret = await totp_secret_of(app, user_id)
    assert secret in enrol.text.replace(" ", "")  # the person sees it once, to scan

    stored = (await load_user(app, user_id)).totp_secret
    assert stored is not None and stored.startswith("s1:") and secret not in stored
    with pytest.raises(SecretBoxError):
        SecretBox(["some other key that the thief guessed at"]).open(stored, user_id)
    with pytest.raises(SecretBoxError):  # nor does it open as another account's secret
        settings.secret_box().open(stored, user_id + 1)

    assert (await admin.post("/account/totp", data={"code": pyotp.TOTP(secret).now()})).status_code == 200
    assert (await load_user(app, user_id)).totp_enabled


async def test_a_secret_stored_before_sealing_is_sealed_at_its_next_use(
        app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    user_id, secret = await make_user(app, ADMIN, admin=True)  # stored as issued, the old way
    assert (await load_user(app, user_id)).totp_secret == secret
    await Visitor(client).log_in(ADMIN, totp_secret=secret)
    async with app_db(app) as db:
        stored = (await db.execute(select(User.totp_secret).where(User.id == user_id))).scalar_one()
    assert stored is not None and stored.startswith("s1:")
    assert await totp_secret_of(app, user_id) == secret
