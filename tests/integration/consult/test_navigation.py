"""Where each person's navigation leads them for consultations and member ballots."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor, make_conference, make_user
from tests.integration.consult.world import consultation, staff
from unionvote.accounts.models import Role


def nav_links(html: str) -> str:
    return html[html.index('<nav class="site-nav"'):html.index("</nav>")]


async def signed_in_beside_a_consultation(app: Litestar, client: AsyncTestClient[Litestar], email: str, role: Role,
                                          phases: str) -> tuple[Visitor, int]:
    """A conference with a consultation the administrator set up; `email` holds `role` at it and signs in."""
    conference_id = await make_conference(app, slug=f"{role.value}-conf")
    _, admin_id = await staff(app, client)
    cid = await consultation(app, admin_id, conference_id=conference_id, phases=phases)
    _, secret = await make_user(app, email, roles=[(conference_id, role)])
    person = Visitor(client)
    await person.log_in(email, totp_secret=secret)
    return person, cid


async def test_an_administrator_reaches_consultations_and_member_ballots_from_the_navigation(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    admin, _ = await staff(app, client)
    nav = nav_links((await admin.get("/account")).text)
    assert '<a href="/consultations">Consultations</a>' in nav
    assert '<a href="/member-ballots">Member ballots</a>' in nav
    assert (await admin.get("/consultations")).status_code == 200
    assert (await admin.get("/member-ballots")).status_code == 200


async def test_a_conference_chair_is_led_to_the_consultations_they_can_read_not_to_a_list_they_cannot_run(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    """A chair must use two-factor like staff, but does not run consultations: their link is the readers' list."""
    chair, cid = await signed_in_beside_a_consultation(app, client, "chair@union.example", Role.CHAIR, "discover")
    page = await chair.get("/my-consultations")
    nav = nav_links(page.text)
    assert '<a href="/my-consultations" aria-current="page">Consultations</a>' in nav
    assert 'href="/consultations"' not in nav and "Consultations you run" not in page.text
    assert f'<a href="/consult/{cid}">' in page.text


async def test_union_staff_of_a_conference_reach_the_consultations_they_run(
    app: Litestar, client: AsyncTestClient[Litestar],
) -> None:
    organiser, cid = await signed_in_beside_a_consultation(app, client, "organiser@union.example", Role.STAFF,
                                                           "share")
    page = await organiser.get("/consultations")
    assert '<a href="/consultations" aria-current="page">Consultations</a>' in nav_links(page.text)
    assert f'href="/consultations/{cid}"' in page.text
