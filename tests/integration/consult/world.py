"""A consultation world: a conference with delegates who have accounts, and staff who run it."""

from __future__ import annotations

import asyncio
from collections import Counter
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
from unionvote.consult import participation, star
from unionvote.consult.models import Consultation, Participant, Thought
from unionvote.consult.setup import Phases, create_consultation, load, set_phases
from unionvote.consult.share import share_thought
from unionvote.db import make_engine, make_session_factory, session_scope, utcnow


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


async def rated_consultation(app: Litestar, client: AsyncTestClient[Litestar], members: int
                             ) -> tuple[int, list[Participant]]:
    """40 thoughts with 20 ratings each (averages from 3 to 5 stars) and `members` members yet to rate."""
    _, admin_id = await staff(app, client)
    consultation_id = await consultation(app, admin_id, conference_id=None, audience="invited", phases="share,star")
    async with app_db(app) as db:
        c = await load(db, consultation_id)
        author = (await participation.new_participant(db, c, {}, "author")).participant
        for i in range(40):
            thought = await share_thought(db, c, author, f"Tip number {i} for the rota")
            stars = 60 + (i * 37) % 41
            await db.execute(update(Thought).where(Thought.id == thought.id).values(
                ratings=20, star_sum=stars, star_squares=stars * stars // 20 + 15))
        people = [(await participation.new_participant(db, c, {}, f"m{i}")).participant for i in range(members)]
        star.forget_board(db, consultation_id)
    return consultation_id, people


async def choose_at_once(app: Litestar, consultation_id: int, people: list[Participant]) -> Counter[str]:
    """Everyone asks Star for their next thought at once, each on their own connection: how many got each."""
    engine = make_engine(app.state.settings)
    factory = make_session_factory(engine)

    async def choose(member: Participant) -> str:
        async with session_scope(factory) as session:
            thought = await star.next_thought(session, await load(session, consultation_id), member)
            assert thought is not None
            return thought.id

    try:
        return Counter(await asyncio.gather(*(choose(m) for m in people)))
    finally:
        await engine.dispose()
