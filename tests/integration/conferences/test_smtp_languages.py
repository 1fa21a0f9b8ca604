"""Enrolment emails in each delegate's language: their account's, else the conference's, else English; a
bilingual conference's hold both languages, the reader's first."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from tests.helpers import app_db
from tests.integration.conferences.invitation_world import conference_with_register
from tests.integration.conferences.test_smtp import Inbox, body_of, inbox, settings, subject_of  # noqa: F401 (fixtures)
from unionvote.accounts.models import User
from unionvote.conferences.models import Conference


async def test_a_welsh_delegate_is_invited_in_welsh_the_rest_in_the_conferences_language(
    app: Litestar, client: AsyncTestClient[Litestar], inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    handler, _ = inbox
    world = await conference_with_register(app, client)
    assert (await world.staff.post(f"/conferences/{world.id}/invitations/email", data={"who": "everyone"})
            ).status_code == 303
    first = {m["To"]: m for m in handler.messages}
    assert first["ada@branch.example"]["Subject"] == f"Your invitation to Conference {world.slug}"  # unchanged
    assert body_of(first["ada@branch.example"]).startswith("Dear Ada,")

    async with app_db(app) as db:  # Ada chose Welsh on her account page; the conference is in Polish
        await db.execute(update(User).where(User.email == "ada@branch.example").values(language="cy"))
        await db.execute(update(Conference).where(Conference.id == world.id).values(language="pl"))
    handler.messages.clear()
    await world.staff.post(f"/conferences/{world.id}/invitations/email", data={"who": "everyone"})
    again = {m["To"]: m for m in handler.messages}
    welsh = again["ada@branch.example"]
    assert subject_of(welsh) == f"Eich gwahoddiad i Conference {world.slug}"
    text = body_of(welsh)
    assert text.startswith("Annwyl Ada,") and "Mae'r ddolen yn gweithio unwaith, tan" in text and "Dear" not in text
    polish = body_of(again["olive@branch.example"])
    assert again["olive@branch.example"]["Subject"] == f"Twoje zaproszenie: Conference {world.slug}"
    assert polish.startswith("Dzień dobry, Olive!") and "Link działa jeden raz" in polish


async def test_a_bilingual_conferences_email_holds_both_languages_each_with_the_link(
    app: Litestar, client: AsyncTestClient[Litestar], inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    handler, _ = inbox
    world = await conference_with_register(app, client)
    async with app_db(app) as db:
        await db.execute(update(Conference).where(Conference.id == world.id).values(bilingual_language="cy"))
    await world.staff.post(f"/api/v1/conferences/{world.id}/invitations/email",
                           json={"delegate_ids": [world.delegates["O1"]]})
    [message] = handler.messages
    name = f"Conference {world.slug}"
    assert subject_of(message) == f"Your invitation to {name} / Eich gwahoddiad i {name}"
    text = body_of(message)
    assert text.startswith("Dear Olive,") and text.index("Dear Olive,") < text.index("Annwyl Olive,")
    [link] = {line for line in text.splitlines() if "/enrol/" in line}
    assert text.count(link) == 2
