"""Security-relevant actions go into the audit chain, by internal id only: no email, no name.

The chain must survive erasure of personal data (DESIGN.md, invariant 8), so it may never hold them.
"""

from __future__ import annotations

import re

import pyotp
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from tests.helpers import Visitor, app_db, audit_entries, make_conference, make_user, totp_secret_of
from unionvote.accounts.models import User

PEOPLE = {
    "bernadette.quigley@branch.example": "Bernadette Quigley",
    "wilhelmina.okonkwo@branch.example": "Wilhelmina Okonkwo",
}
ACTOR = re.compile(r"^(system|user:\d+)$")


async def user_id_of(app: Litestar, email: str) -> int:
    async with app_db(app) as db:
        return (await db.execute(select(User.id).where(User.email == email))).scalar_one()


async def test_the_audit_chain_records_security_actions_by_id_and_never_names_or_emails(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    conference_id = await make_conference(app, "adc-2027", "Annual Delegate Conference")
    _, admin_secret = await make_user(app, "admin@union.example", admin=True)
    admin = Visitor(client)
    await admin.log_in("admin@union.example", totp_secret=admin_secret)
    for email, name in PEOPLE.items():
        created = await admin.post("/admin/users", data={"email": email, "display_name": name,
                                                         "password": "a password of their own"})
        assert created.status_code == 303
    bernadette_id = await user_id_of(app, "bernadette.quigley@branch.example")
    wilhelmina_id = await user_id_of(app, "wilhelmina.okonkwo@branch.example")
    granted = await admin.post(f"/admin/users/{bernadette_id}/roles",
                               data={"conference_id": str(conference_id), "role": "chair"})
    assert granted.status_code == 303

    # Someone guesses Wilhelmina's password until her account locks.
    guesser = Visitor(client)
    for n in range(5):
        await guesser.log_in("wilhelmina.okonkwo@branch.example", f"guess {n} at her password")

    # Bernadette sets up two-factor, makes and revokes a token, changes her password, uses a recovery code.
    bernadette = Visitor(client)
    await bernadette.log_in("bernadette.quigley@branch.example", "a password of their own")
    await bernadette.get("/account/totp")
    secret = await totp_secret_of(app, bernadette_id)
    assert secret is not None
    codes_page = await bernadette.post("/account/totp", data={"code": pyotp.TOTP(secret).now()})
    recovery_code = re.findall(r"\b[a-z2-9]{5}-[a-z2-9]{5}\b", codes_page.text)[0]
    token = (await bernadette.post("/api/v1/me/tokens", json={"name": "Bernadette's laptop"})).json()
    await bernadette.delete(f"/api/v1/me/tokens/{token['id']}")
    changed = await bernadette.post("/account/password", data={"current_password": "a password of their own",
                                                               "new_password": "an even better password"})
    assert changed.status_code == 303
    await bernadette.post("/logout")
    await bernadette.log_in("bernadette.quigley@branch.example", "an even better password")
    assert (await bernadette.post("/login/totp", data={"code": recovery_code})).status_code == 303

    # The administrator resets her authenticator and takes the role away again.
    await admin.post(f"/admin/users/{bernadette_id}/totp-reset")
    grant_id = (await admin.get(f"/api/v1/users/{bernadette_id}")).json()["roles"][0]["grant_id"]
    await admin.post(f"/admin/users/{bernadette_id}/roles/{grant_id}/revoke")

    entries = await audit_entries(app)
    actions = {entry.action for entry in entries}
    assert {"user.created", "role.granted", "login.repeated_failures", "login.locked", "totp.enabled",
            "api_token.created", "api_token.revoked", "password.changed", "recovery_code.used", "totp.reset",
            "role.revoked"} <= actions
    assert any(f'"user_id":{wilhelmina_id}' in entry.payload for entry in entries if entry.action == "login.locked")
    personal = [*PEOPLE, *PEOPLE.values(), "admin@union.example", "Bernadette's laptop",
                *(name.split()[1] for name in PEOPLE.values())]
    leaks = [(entry.scope, entry.seq, entry.action) for entry in entries
             if "@" in entry.actor + entry.payload or not ACTOR.match(entry.actor)
             or any(word.lower() in (entry.actor + entry.payload).lower() for word in personal)]
    assert leaks == []
