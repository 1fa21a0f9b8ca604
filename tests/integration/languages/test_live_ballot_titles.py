"""On the live floor a ballot on a motion is titled in each viewer's language: the fragments pushed over the
websocket are rendered once per language, and a motion whose title was given in Welsh is put to the vote as
"Cynnig 1: Cyflog teg nawr" for Welsh readers, the English beside it on a bilingual conference. The record
keeps the English title."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from tests.helpers import app_db
from tests.integration.motions.test_voting_link import manchester_user, moved_with_amendments
from tests.integration.motions.world import Floor, make_floor, submit_motion
from unionvote.bilingual import dump
from unionvote.conferences.models import Conference
from unionvote.i18n import speaking
from unionvote.live import render_fragment
from unionvote.motions.languages import ballot_title_wording
from unionvote.motions.models import Motion
from unionvote.voting.live import EVENTS
from unionvote.voting.models import Ballot
from unionvote.voting.questions import spec_from_draft
from unionvote.voting.schemas import BallotDraft
from unionvote.voting.services import BallotSpec, create_ballot
from unionvote.voting.views import view_of


async def _ballot_on(app: Litestar, conference_id: int, motion_id: int, title: str | None = None) -> int:
    async with app_db(app) as db:
        ballot = await create_ballot(db, conference_id, BallotSpec(  # as the floor titles a motion's ballot
            title=title or "Motion 1: Fair pay now", question="That conference adopts Motion 1.", motion_id=motion_id),
            by=None)
        await db.commit()
        return ballot.id  # type: ignore[return-value]


async def _pushed(app: Litestar, ballot_id: int) -> dict[str, str]:
    async with app_db(app) as db:
        ballot = await db.get(Ballot, ballot_id)
        return dict(render_fragment(app, EVENTS, v=await view_of(db, ballot), event="open"))  # type: ignore[arg-type]


async def _welsh_titled_motion(client: AsyncTestClient[Litestar], app: Litestar) -> tuple[Floor, int]:
    """A motion whose title the committee gave in Welsh too."""
    floor = await make_floor(client, app)
    motion_id = await submit_motion(floor, app, title="Fair pay now")
    async with app_db(app) as db:
        await db.execute(update(Motion).where(Motion.id == motion_id).values(
            translations=dump({"cy": {"title": "Cyflog teg nawr"}})))
        await db.commit()
    return floor, motion_id


async def test_a_motions_ballot_is_pushed_in_each_viewers_language(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    floor, motion_id = await _welsh_titled_motion(client, app)
    ballot_id = await _ballot_on(app, floor.conference_id, motion_id)

    pushed = await _pushed(app, ballot_id)
    assert '<span lang="cy">Cynnig 1: Cyflog teg nawr</span>' in pushed["cy"]
    assert "Fair pay now" not in pushed["cy"]
    assert '<span lang="en">Motion 1: Fair pay now</span>' in pushed["en"] and "Cyflog" not in pushed["en"]
    assert "Motion 1: Fair pay now" in pushed["pl"]  # no Polish title given: the English

    async with app_db(app) as db:
        await db.execute(update(Conference).where(Conference.id == floor.conference_id).values(bilingual_language="cy"))
        await db.commit()
    both = await _pushed(app, ballot_id)
    assert ('<span class="bilingual__main" lang="en">Motion 1: Fair pay now</span> '
            '<span class="bilingual__beside" lang="cy">Cynnig 1: Cyflog teg nawr</span>') in both["en"]
    assert "wedi agor: Cynnig 1: Cyflog teg nawr / Motion 1: Fair pay now.</p>" in both["cy"]  # the news line


async def test_a_ballot_the_chair_titled_in_their_own_words_keeps_them(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    floor, motion_id = await _welsh_titled_motion(client, app)
    ballot_id = await _ballot_on(app, floor.conference_id, motion_id, title="Pay: the big vote")
    pushed = await _pushed(app, ballot_id)
    assert "Pay: the big vote" in pushed["cy"] and "Cyflog" not in pushed["cy"]


async def test_a_welsh_chairs_ballot_on_an_amendment_keeps_the_english_record_and_reads_in_welsh(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    floor, motion_id = await _welsh_titled_motion(client, app)
    insert_id, _delete_id = await moved_with_amendments(app, floor, motion_id, await manchester_user(app))
    async with app_db(app) as db:
        with speaking("cy"):
            spec = await spec_from_draft(db, floor.conference_id, BallotDraft(amendment_id=insert_id))
        titles, _beside = await ballot_title_wording(db, motion_id, insert_id, spec.title)
    assert spec.title == "Amendment 1.1 to Motion 1: Fair pay now"  # the record, whoever prepared it
    assert titles["cy"]["title"].endswith(" i Cynnig 1: Cyflog teg nawr")
