"""A consultation world: a conference with delegates who have accounts, and staff who run it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from tests.helpers import Visitor, app_db, make_conference, make_user
from unionvote.accounts.models import Role
from unionvote.auth import CurrentUser
from unionvote.conferences.imports import import_bodies, import_delegates
from unionvote.conferences.register import Delegate
from unionvote.consult.models import Consultation
from unionvote.consult.setup import Phases, create_consultation, set_phases
from unionvote.db import utcnow


def admin_user(user_id: int) -> CurrentUser:
    return CurrentUser(id=user_id, email="a@union.example", display_name="A", is_admin=True, totp_enabled=True,
                       mfa_verified=True, via="session")


async def delegates(app: Litestar, client: AsyncTestClient[Litestar], count: int
                    ) -> tuple[int, list[Visitor], list[int]]:
    """A conference with `count` delegates, each with an account, logged in: (conference, browsers, user ids)."""
    conference_id = await make_conference(app)
    rows = "\n".join(f"M{i},Person {i},p{i}@union.example,LON,delegate" for i in range(count))
    async with app_db(app) as db:
        await import_bodies(db, conference_id, b"code,name,kind,membership\nLON,London,branch,100\n", by=None)
        await import_delegates(db, conference_id, f"membership number,name,email,body code,role\n{rows}\n".encode(),
                               by=None)
    browsers, user_ids = [], []
    for i in range(count):
        user_id, _ = await make_user(app, f"p{i}@union.example", roles=[(conference_id, Role.DELEGATE)])
        async with app_db(app) as db:
            await db.execute(update(Delegate).where(Delegate.membership_number == f"M{i}").values(user_id=user_id))
        browser = Visitor(client)
        await browser.log_in(f"p{i}@union.example")
        browsers.append(browser)
        user_ids.append(user_id)
    return conference_id, browsers, user_ids


async def staff(app: Litestar, client: AsyncTestClient[Litestar]) -> tuple[Visitor, int]:
    user_id, secret = await make_user(app, "staff@union.example", admin=True)
    browser = Visitor(client)
    await browser.log_in("staff@union.example", totp_secret=secret)
    return browser, user_id


async def consultation(app: Litestar, by: int, *, conference_id: int | None, phases: str = "share,star,discover",
                       audience: str = "delegates", **options: Any) -> int:
    """A consultation with the named phases open now (the others not yet open)."""
    now = utcnow()
    past, future = now - timedelta(hours=1), now + timedelta(days=1)
    open_ = set(phases.split(","))
    async with app_db(app) as db:
        c: Consultation = await create_consultation(
            db, admin_user(by), question="What is your best tip for managing work and childcare?", description="",
            audience=audience, conference_id=conference_id, anonymity=options.pop("anonymity", "anonymous"),
            **options)
        await set_phases(db, c, Phases(
            share_opens_at=past if "share" in open_ else future,
            star_opens_at=past if "star" in open_ else future,
            discover_opens_at=past if "discover" in open_ else future), hold_for_review=c.hold_for_review, by=by)
        return c.id  # type: ignore[return-value]


async def join(browser: Visitor, consultation_id: int, **attributes: str) -> None:
    response = await browser.post(f"/consult/{consultation_id}/join", data=attributes)
    assert response.status_code == 303, response.text


async def share(browser: Visitor, consultation_id: int, text: str, confirm: bool = True) -> Any:
    data = {"text": text, **({"confirm": "yes"} if confirm else {})}
    return await browser.post(f"/consult/{consultation_id}/share", data=data)


def thought_on_page(html: str) -> str | None:
    marker = 'name="thought" value="'
    start = html.find(marker)
    return None if start < 0 else html[start + len(marker):html.index('"', start + len(marker))]
