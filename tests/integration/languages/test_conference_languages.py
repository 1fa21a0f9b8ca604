"""A conference in Welsh and English: staff set its language and make it bilingual, the committee gives
a motion's title in Welsh, and delegates read it beside the English; the record keeps the English."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor, make_user
from tests.integration.motions.world import make_floor, submit_motion
from unionvote.accounts.models import Role


async def _staff(client: AsyncTestClient[Litestar], app: Litestar, conference_id: int) -> Visitor:
    _, secret = await make_user(app, "staff@union.example", roles=[(conference_id, Role.STAFF)])
    staff = Visitor(client)
    await staff.log_in("staff@union.example", totp_secret=secret)
    return staff


async def test_a_bilingual_conference_shows_a_motions_welsh_title_beside_the_english(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    floor = await make_floor(client, app)
    motion_id = await submit_motion(floor, app, title="Fair pay now")
    staff = await _staff(client, app, floor.conference_id)
    settings = await staff.get(f"{floor.base}/settings")
    assert f'action="{floor.base}/settings/languages"' in settings.text
    saved = await staff.post(f"{floor.base}/settings/languages", data={"language": "cy", "bilingual_language": "cy"})
    assert saved.status_code == 303, saved.text
    given = await floor.committee.post(f"{floor.base}/committee/motions/{motion_id}/languages",
                                       data={"motion_title_cy": "Cyflog teg nawr", "motion_title_pl": ""})
    assert given.status_code == 303, given.text

    # A delegate who chose nothing, on an English phone: the conference's Welsh, the English beside it.
    page = await floor.manchester.get(f"{floor.base}/motions/{motion_id}", headers={"accept-language": "en-GB"})
    assert '<html lang="cy"' in page.text
    assert ('<span class="bilingual__main" lang="cy">Cyflog teg nawr</span> '
            '<span class="bilingual__beside" lang="en">Fair pay now</span>') in page.text
    listed = await floor.manchester.get(f"{floor.base}/motions", headers={"accept-language": "en-GB"})
    assert "Cyflog teg nawr" in listed.text and "Fair pay now" in listed.text
    # One whose account says English reads English first.
    await floor.london.post("/account/language", data={"language": "en"})
    english = await floor.london.get(f"{floor.base}/motions/{motion_id}")
    assert '<span class="bilingual__main" lang="en">Fair pay now</span>' in english.text
    # The export keeps the English title.
    exported = await floor.committee.get(f"{floor.base}/motions-export.csv")
    assert exported.status_code == 200 and "Fair pay now" in exported.text and "Cyflog" not in exported.text


async def test_bad_language_settings_and_titles_are_refused(client: AsyncTestClient[Litestar], app: Litestar) -> None:
    floor = await make_floor(client, app)
    motion_id = await submit_motion(floor, app)
    staff = await _staff(client, app, floor.conference_id)
    refused = await staff.post(f"{floor.base}/settings/languages", data={"language": "xx"})
    assert refused.status_code == 400 and "Choose the event&#39;s language" in refused.text
    too_long = await floor.committee.post(f"{floor.base}/committee/motions/{motion_id}/languages",
                                          data={"motion_title_cy": "x" * 201})
    assert too_long.status_code == 400 and "201 characters long; keep it to 200" in too_long.text
    # Only the committee gives titles; a delegate cannot.
    denied = await floor.london.post(f"{floor.base}/committee/motions/{motion_id}/languages",
                                     data={"motion_title_cy": "Rhywbeth"})
    assert denied.status_code == 403
    page = await floor.london.get(f"{floor.base}/motions/{motion_id}", headers={"accept-language": "cy"})
    assert "Rhywbeth" not in page.text and "x" * 201 not in page.text
