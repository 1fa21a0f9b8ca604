"""Ids from another conference, slipped into this conference's addresses.

Guards look at the conference in the path; the services must still refuse a delegate who belongs
elsewhere. An administrator (whom every guard lets in) sends conference A's address with
conference B's delegate to every route that takes a delegate: each answers 404, and nothing in
either conference changes.
"""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from tests.conftest import make_settings
from tests.helpers import app_db, make_conference
from tests.integration.conferences.web_world import logged_in
from unionvote.audit.models import AuditEntry
from unionvote.conferences.imports import import_bodies, import_delegates
from unionvote.conferences.register import Delegate
from unionvote.config import Settings

IN_A_WITH_AN_ID = re.compile(r"\{conference_id:int\}.*\{delegate_id:int\}")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, login_attempts_per_minute=10_000)


def routes_taking_a_delegate(app: Litestar) -> list[tuple[str, str]]:
    return sorted((method, route.path) for route in app.routes if isinstance(route, HTTPRoute)
                  and IN_A_WITH_AN_ID.search(route.path)
                  for handler in route.route_handlers for method in handler.http_methods if method != "OPTIONS")


async def world_state(app: Litestar) -> tuple[int, list[tuple[object, ...]]]:
    async with app_db(app) as db:
        entries = (await db.execute(select(func.count()).select_from(AuditEntry)
                                    .where(AuditEntry.scope.like("conference:%")))).scalar_one()
        delegates = [tuple(row) for row in (await db.execute(
            select(Delegate.id, Delegate.status, Delegate.user_id, Delegate.conference_id).order_by(Delegate.id)))]
    return entries, delegates


def well_formed(path: str, other_delegate: int) -> dict[str, object]:
    """A body the API would accept for a delegate of its own conference: only the id is wrong."""
    action = path.rsplit("/", 1)[-1]
    if action == "accredit":
        return {"note": "Union card seen"}
    if action in ("revoke", "reinstate"):
        return {"reason": "Desk decision"}
    if action == "substitute":
        return {"substitute_id": other_delegate, "reason": "Ill"}
    return {}


async def test_a_delegate_of_another_conference_is_not_found_through_this_conferences_addresses(
        app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    a = await make_conference(app, "adc-2027", "Conference A")
    b = await make_conference(app, "rules-2027", "Conference B")
    async with app_db(app) as db:
        for conference, number in ((a, "A1"), (b, "B1")):
            await import_bodies(db, conference, b"code,name,kind,membership\nLON,London,branch,100\n", by=None)
            await import_delegates(db, conference, ("membership number,name,email,body code,role\n"
                                                    f"{number},Person {number},{number}@union.example,LON,delegate\n"
                                                    ).encode(), by=None)
        b_delegate = (await db.execute(select(Delegate.id).where(Delegate.conference_id == b))).scalar_one()
        a_delegate = (await db.execute(select(Delegate.id).where(Delegate.conference_id == a))).scalar_one()
    admin = await logged_in(client, app, "admin@union.example", admin=True)
    before = await world_state(app)

    routes = routes_taking_a_delegate(app)
    assert len(routes) >= 18, routes  # the desk, invitations and voting codes, as pages and API
    answers = {}
    for method, path in routes:
        url = path.replace("{conference_id:int}", str(a)).replace("{delegate_id:int}", str(b_delegate))
        body = {"json": well_formed(path, a_delegate)} if url.startswith("/api/") and method != "GET" else {}
        answers[(method, path)] = (await admin.request(method, url, **body)).status_code
    # The other way round: this conference's delegate, substituted by someone from another conference.
    swap = await admin.post(f"/api/v1/conferences/{a}/delegates/{a_delegate}/substitute",
                            json={"substitute_id": b_delegate, "reason": "Ill"})
    answers[("POST", "substitute_id from B")] = swap.status_code

    assert {route: status for route, status in answers.items() if status != 404} == {}
    assert await world_state(app) == before
