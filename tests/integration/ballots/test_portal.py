"""Signed member-portal links: a member signed in to the union's portal votes without a code, once, in time."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.helpers import Visitor, audit_entries, make_user
from tests.integration.ballots.world import make_ballot
from unionvote.ballots.portal import PORTAL_WINDOW, portal_signature
from unionvote.ballots.services import scope_for

SECRET = "portal-and-unionvote-share-this-secret-0123456789"


def portal_link(secret: str, member: str, at: int, slug: str = "pay-2027") -> str:
    return f"/ballots/{slug}/portal?" + urlencode({"member": member, "at": at,
                                                   "sig": portal_signature(secret, slug, member, at)})


async def _with_secret(app: Litestar, client: AsyncTestClient[Litestar], ballot_id: int) -> None:
    _, totp = await make_user(app, "admin@union.example", admin=True)
    admin = Visitor(client)
    await admin.log_in("admin@union.example", totp_secret=totp)
    short = await admin.post(f"/member-ballots/{ballot_id}/portal-secret", data={"secret": "too-short"})
    assert short.status_code == 400 and "32 to 128 printable" in short.text
    page = await admin.post(f"/member-ballots/{ballot_id}/portal-secret", data={"secret": SECRET})
    assert page.status_code == 200 and SECRET in page.text
    assert [json.loads(e.payload) for e in await audit_entries(app, scope=scope_for(ballot_id),
                                                               action="portal.secret_set")] == [{}]
    await admin.post("/logout")


async def test_a_signed_in_portal_member_votes_without_a_code_and_the_link_works_once(
    app: Litestar, client: AsyncTestClient[Litestar], factory: async_sessionmaker[AsyncSession],
) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 3})
    await _with_secret(app, client, ballot_id)
    link = portal_link(SECRET, "M2", int(time.time()))
    arrived = await client.get(link, follow_redirects=False)
    assert arrived.status_code == 303 and arrived.headers["location"].startswith("/vote/")
    form = await client.get(arrived.headers["location"])
    assert form.status_code == 200 and "Do you accept the employers&#39; pay offer?" in form.text
    [used] = await audit_entries(app, scope=scope_for(ballot_id), action="portal.link_used")
    assert set(json.loads(used.payload)) == {"member_id"}

    replay = await client.get(link, follow_redirects=False)
    assert replay.status_code == 409 and "used already" in replay.text


async def test_expired_forged_and_unconfigured_portal_links_are_refused(
    app: Litestar, client: AsyncTestClient[Litestar], factory: async_sessionmaker[AsyncSession],
) -> None:
    ballot_id = await make_ballot(factory, {"Acme": 3})
    other = await make_ballot(factory, {"Acme": 1}, slug="hours-2027")
    await _with_secret(app, client, ballot_id)
    now = int(time.time())
    cases = [
        (portal_link(SECRET, "M1", now - PORTAL_WINDOW - 5), 410, "expired"),
        (portal_link(SECRET, "M1", now + 600), 410, "expired"),
        (portal_link("some-other-secret-that-is-long-enough-000000", "M1", now), 403, "not signed"),
        (portal_link(SECRET, "M1", now).replace("member=M1", "member=M3"), 403, "not signed"),
        (portal_link(SECRET, "M9", now), 403, "not on this ballot"),
        (portal_link(SECRET, "M1", now, slug="hours-2027"), 404, "does not take links"),
        (f"/ballots/pay-2027/portal?member=M1&at=soon&sig={'0' * 64}", 400, "incomplete"),
    ]
    for link, status, words in cases:
        refused = await client.get(link, follow_redirects=False)
        assert (refused.status_code, words in refused.text) == (status, True), (link, refused.text[-400:])
    assert await audit_entries(app, scope=scope_for(ballot_id), action="portal.link_used") == []
    assert other
