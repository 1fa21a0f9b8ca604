"""Organisers of a member ballot see its turnout, exports and reminder lists, and nothing else."""

from __future__ import annotations

import json

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.helpers import Visitor, audit_entries, make_conference, make_user
from tests.integration.ballots.world import make_ballot
from unionvote.accounts.models import Role
from unionvote.auth import CurrentUser
from unionvote.ballots.services import scope_for
from unionvote.live import may_follow

WATCHED = ("/turnout", "/turnout.csv", "/non-voters.csv")


async def _logged_in(client: AsyncTestClient[Litestar], app: Litestar, email: str, **kwargs: object) -> Visitor:
    _, secret = await make_user(app, email, **kwargs)  # type: ignore[arg-type]
    visitor = Visitor(client)
    await visitor.log_in(email, totp_secret=secret)
    return visitor


async def test_an_organiser_watches_their_own_ballot_only_and_conference_staff_see_none(
    app: Litestar, client: AsyncTestClient[Litestar], factory: async_sessionmaker[AsyncSession],
) -> None:
    ours = await make_ballot(factory, {"Acme": 3}, slug="pay-2027")
    theirs = await make_ballot(factory, {"Globex": 3}, slug="hours-2027")
    admin = await _logged_in(client, app, "admin@union.example", admin=True)
    organiser_id, organiser_secret = await make_user(app, "org@union.example", totp=True)
    conference = await make_conference(app)
    chair = await _logged_in(client, app, "chair@union.example", roles=[(conference, Role.CHAIR)])

    response = await admin.post(f"/member-ballots/{ours}/organisers", data={"email": "Org@Union.example"})
    assert response.status_code == 303
    page = await admin.get(f"/member-ballots/{ours}")
    assert "org@union.example" in page.text
    [entry] = await audit_entries(app, scope=scope_for(ours), action="organiser.granted")
    assert json.loads(entry.payload) == {"user_id": organiser_id}

    organiser = Visitor(client)
    await organiser.log_in("org@union.example", totp_secret=organiser_secret)
    mine = await organiser.get("/my-member-ballots")
    assert f'href="/member-ballots/{ours}/turnout"' in mine.text and f"/member-ballots/{theirs}/" not in mine.text
    assert 'href="/my-member-ballots"' in mine.text  # in the main navigation
    for path in WATCHED:
        assert (await organiser.get(f"/member-ballots/{ours}{path}")).status_code == 200, path
        assert (await organiser.get(f"/member-ballots/{theirs}{path}")).status_code == 403, path
        assert (await chair.get(f"/member-ballots/{ours}{path}")).status_code == 403, path
    api = await organiser.get(f"/api/v1/member-ballots/{ours}/turnout")
    assert api.status_code == 200 and api.json()["segments"][0]["name"] == "Everyone"
    assert (await organiser.get(f"/api/v1/member-ballots/{theirs}")).status_code == 403
    assert "Only administrators, this ballot&#39;s organisers and returning officers" in (
        await chair.get(f"/member-ballots/{ours}/turnout")).text
    for admin_only in (f"/member-ballots/{ours}", "/member-ballots"):
        assert (await organiser.get(admin_only)).status_code == 403
    assert (await organiser.post(f"/member-ballots/{ours}/close")).status_code == 403

    response = await admin.post(f"/member-ballots/{ours}/organisers/remove", data={"user_id": str(organiser_id)})
    assert response.status_code == 303
    assert (await organiser.get(f"/member-ballots/{ours}/turnout")).status_code == 403
    assert [e.action for e in await audit_entries(app, scope=scope_for(ours))][-1] == "organiser.removed"


async def test_granting_an_unknown_address_says_so_and_changes_nothing(
    app: Litestar, client: AsyncTestClient[Litestar], factory: async_sessionmaker[AsyncSession],
) -> None:
    ballot = await make_ballot(factory, {"Acme": 2})
    admin = await _logged_in(client, app, "admin@union.example", admin=True)
    response = await admin.post(f"/member-ballots/{ballot}/organisers", data={"email": "nobody@union.example"})
    assert response.status_code == 404
    assert "No active account uses the address &#39;nobody@union.example&#39;" in response.text \
        or "No active account uses the address 'nobody@union.example'" in response.text
    assert await audit_entries(app, scope=scope_for(ballot), action="organiser.granted") == []
    await make_user(app, "org@union.example", totp=True)
    assert (await admin.post(f"/member-ballots/{ballot}/organisers", data={"email": "org@union.example"})
            ).status_code == 303
    again = await admin.post(f"/member-ballots/{ballot}/organisers", data={"email": "org@union.example"})
    assert again.status_code == 409 and "organiser of this ballot already" in again.text


async def test_an_organiser_without_two_factor_is_sent_to_set_it_up(
    app: Litestar, client: AsyncTestClient[Litestar], factory: async_sessionmaker[AsyncSession],
) -> None:
    ballot = await make_ballot(factory, {"Acme": 2})
    admin = await _logged_in(client, app, "admin@union.example", admin=True)
    organiser = await _logged_in(client, app, "org@union.example", totp=False)
    await admin.post(f"/member-ballots/{ballot}/organisers", data={"email": "org@union.example"})
    response = await organiser.get(f"/member-ballots/{ballot}/turnout")
    assert response.status_code in (302, 303) and response.headers["location"].startswith("/account/totp")


def test_only_admins_and_the_ballots_organisers_follow_its_live_turnout() -> None:
    def person(**kwargs: object) -> CurrentUser:
        return CurrentUser(id=1, email="p@union.example", display_name="P", is_admin=False, totp_enabled=True,
                           mfa_verified=True, via="session", **kwargs)  # type: ignore[arg-type]

    assert may_follow(person(organises=frozenset({7})), "member_ballot:7")
    assert not may_follow(person(organises=frozenset({7})), "member_ballot:8")
    assert not may_follow(person(roles={1: frozenset({Role.STAFF})}), "member_ballot:7")
    admin = CurrentUser(id=2, email="a@union.example", display_name="A", is_admin=True, totp_enabled=True,
                        mfa_verified=True, via="session")
    assert may_follow(admin, "member_ballot:8")
