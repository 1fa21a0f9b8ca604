"""A refusal reaches a person in their language on a page (a motion without a title, a page their role may not
open), while the JSON API keeps the English its integrators match on."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.motions.world import body_ids, make_floor, plain


async def test_a_welsh_delegate_is_refused_in_welsh_and_the_api_answers_in_english(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    floor = await make_floor(client, app)
    await floor.london.post("/account/language", data={"language": "cy"})
    bodies = await body_ids(app, floor.conference_id)
    refused = await floor.london.post(f"{floor.base}/motions", data={
        "body_id": str(bodies["LON"]), "title": "", "text": "Conference notes.", "kind": "ordinary"})
    assert refused.status_code == 400
    assert "Rhowch deitl i'r cynnig, fel 'Cyflog teg nawr'." in plain(refused.text)

    staff_only = await floor.london.get(f"{floor.base}/settings")
    assert staff_only.status_code == 403
    assert "Nid yw eich rôl yn y gynhadledd hon yn caniatáu hyn." in plain(staff_only.text)

    api = await floor.london.get(f"/api/v1/conferences/{floor.conference_id}/motions/999999")
    assert api.status_code == 404 and api.json()["detail"] == "There is no such motion in this conference."


async def test_a_used_up_enrolment_link_is_refused_in_the_readers_language(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    page = await client.get("/enrol/not-a-real-token", headers={"accept-language": "pl"})
    assert page.status_code == 404
    assert "Ten link jest nieprawidłowy. Sprawdź, czy skopiowano go w całości" in plain(page.text)
