"""`unionvote demo`: a ready-to-explore conference on the embedded database.

Each domain adds its demo data by appending a seeder to DEMO_SEEDERS. Seeders run
once, on a fresh demo database; running the demo again reuses what is there.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyotp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.models import Role, User
from unionvote.accounts.services import create_user, grant_role
from unionvote.ballots.demo import seed_member_ballot
from unionvote.conferences.demo import seed_register
from unionvote.conferences.services import create_conference
from unionvote.config import Settings, normalise_database_url
from unionvote.consult.demo import seed_ballot_consultation, seed_consultations
from unionvote.db import make_engine, make_session_factory, session_scope
from unionvote.elections.demo import seed_elections
from unionvote.motions.demo import seed_motions
from unionvote.security import new_totp_secret
from unionvote.voting.demo import seed_voting

DEMO_DATABASE_URL = "sqlite+aiosqlite:///./unionvote-demo.db"
DEMO_PASSWORD = "union-demo-2027"  # noqa: S105 - printed on screen: demo data only
ADMIN_EMAIL = "admin@demo.unionvote.test"


@dataclass
class DemoContext:
    """What seeders share: ids they create, and lines printed for the person running the demo."""

    ids: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str, bool]] = field(default_factory=list)  # (who, email, needs 2FA)


Seeder = Callable[[AsyncSession, DemoContext], Awaitable[None]]


async def _seed_people(db: AsyncSession, ctx: DemoContext) -> None:
    conference = await create_conference(db, slug="adc-2027", name="Annual Delegate Conference 2027", by=None)
    ctx.ids["conference"] = conference.id  # type: ignore[assignment]
    people = [
        ("Union administrator", ADMIN_EMAIL, "Alex Admin", None),
        ("Chair", "chair@demo.unionvote.test", "Chris Chair", Role.CHAIR),
        ("Returning officer", "ro@demo.unionvote.test", "Robin Returning", Role.RETURNING_OFFICER),
        ("Committee member", "cac@demo.unionvote.test", "Casey Committee", Role.CAC),
        ("Delegate", "delegate@demo.unionvote.test", "Dana Delegate", Role.DELEGATE),
    ]
    for who, email, name, role in people:
        user = await create_user(db, email=email, display_name=name, password=DEMO_PASSWORD, is_admin=role is None)
        staff = role is None or role in {Role.CHAIR, Role.RETURNING_OFFICER, Role.CAC}
        if staff:  # staff roles need two-factor: enrol it so `unionvote demo-code` can answer
            user.totp_secret, user.totp_enabled = new_totp_secret(), True
        if role is not None:
            await grant_role(db, user_id=user.id, conference_id=conference.id, role=role, by=None)  # type: ignore[arg-type]
        ctx.ids[email] = user.id  # type: ignore[assignment]
        ctx.logins.append((who, email, staff))


DEMO_SEEDERS: list[Seeder] = [_seed_people, seed_register, seed_motions, seed_consultations, seed_elections,
                              seed_member_ballot, seed_ballot_consultation, seed_voting]


async def prepare(database_url: str) -> DemoContext | None:
    """Seed a fresh demo database; None when it was seeded before."""
    from unionvote.sealing.server_key import configure as configure_sealing

    configure_sealing(Settings.from_env(dev_mode=True).secret_key)  # demo ballots are sealed as the app will seal
    engine = make_engine(Settings(database_url=database_url))
    try:
        factory = make_session_factory(engine)
        async with session_scope(factory) as db:
            if (await db.execute(select(User.id).where(User.email == ADMIN_EMAIL))).first():
                return None
            ctx = DemoContext()
            for seeder in DEMO_SEEDERS:
                await seeder(db, ctx)
            return ctx
    finally:
        await engine.dispose()


def _print_logins(url: str, ctx: DemoContext | None) -> None:
    print(f"\nunionvote demo: open {url}\n")
    print(f"Every demo account's password is: {DEMO_PASSWORD}")
    accounts = ctx.logins if ctx else [("Union administrator", ADMIN_EMAIL, True),
                                       ("Chair", "chair@demo.unionvote.test", True),
                                       ("Returning officer", "ro@demo.unionvote.test", True),
                                       ("Committee member", "cac@demo.unionvote.test", True),
                                       ("Delegate", "delegate@demo.unionvote.test", False)]
    for who, email, two_factor in accounts:
        print(f"  {who:<22} {email}" + ("   (two-factor: see below)" if two_factor else ""))
    print("\nStaff accounts use two-factor authentication. For the current 6-digit code, run:")
    print("  unionvote demo-code admin@demo.unionvote.test\n")


def _link_host(host: str) -> str:
    """The host a link names: this machine when the demo listens on every address; IPv6 in brackets."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - compared, not bound
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def run_demo(args: argparse.Namespace) -> int:
    os.environ.setdefault("UNIONVOTE_DEV", "1")
    os.environ.setdefault("UNIONVOTE_DATABASE_URL", DEMO_DATABASE_URL)
    os.environ.setdefault("UNIONVOTE_COOKIE_SECURE", "0")
    os.environ.setdefault("UNIONVOTE_LOG_JSON", "0")
    # Links the app makes (code login, member links, invitations) point where the demo listens.
    url = f"http://{_link_host(args.host)}:{args.port}"
    os.environ.setdefault("UNIONVOTE_PUBLIC_URL", url)
    database_url = normalise_database_url(os.environ["UNIONVOTE_DATABASE_URL"])
    from unionvote.migrate import upgrade

    upgrade(database_url)
    ctx = asyncio.run(prepare(database_url))
    _print_logins(url + "/", ctx)
    if args.no_serve:
        return 0
    import uvicorn

    uvicorn.run("unionvote.app:app_from_env", factory=True, host=args.host, port=args.port, ws="websockets-sansio",
                log_config=None, access_log=False, timeout_graceful_shutdown=5)
    return 0


async def _code(database_url: str, email: str) -> tuple[str, int, int | None] | None:
    """(the stored authenticator secret, the account's id, the last step it used), for a demo account."""
    engine = make_engine(Settings(database_url=database_url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            user = (await db.execute(select(User).where(User.email == email.strip().lower()))).scalar_one_or_none()
            if user is None or not user.totp_enabled or user.totp_secret is None:
                return None
            return user.totp_secret, user.id, user.totp_last_step  # type: ignore[return-value]
    finally:
        await engine.dispose()


def print_demo_code(email: str) -> int:
    database_url = normalise_database_url(os.environ.get("UNIONVOTE_DATABASE_URL", DEMO_DATABASE_URL))
    if database_url != DEMO_DATABASE_URL and os.environ.get("UNIONVOTE_DEV") != "1":
        print("unionvote: demo-code only reads the demo database.", file=sys.stderr)
        return 2
    if not email.endswith("@demo.unionvote.test"):
        print("unionvote: demo-code only answers for demo accounts.", file=sys.stderr)
        return 2
    found = asyncio.run(_code(database_url, email))
    if found is None:
        print(f"unionvote: {email} has no two-factor authentication in the demo database.", file=sys.stderr)
        return 1
    stored, user_id, last_step = found
    # Secrets are sealed under the demo's own key (from its secret file); each 30-second step is accepted
    # once, so after a login in this half-minute print the next step's code, which is accepted already.
    secret = Settings.from_env(dev_mode=True).secret_box().open(stored, user_id)
    totp = pyotp.TOTP(secret)
    step = max(totp.timecode(datetime.now(UTC)), (last_step or 0) + 1)
    print(totp.generate_otp(step))
    return 0
