"""A consultation's question in Welsh beside the English: set by the staff who run it, read by members in
their language, with the other language beside it when the consultation is bilingual."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import make_conference
from tests.integration.consult.world import consultation, delegates, staff

QUESTION = "What is your best tip for managing work and childcare?"
WELSH = "Beth yw eich cyngor gorau ar gyfer rheoli gwaith a gofal plant?"


async def test_members_read_the_question_in_welsh_beside_the_english(client: AsyncTestClient[Litestar],
                                                                      app: Litestar) -> None:
    conference_id, [member], _ids = await delegates(app, client, 1)
    runner, runner_id = await staff(app, client)
    consultation_id = await consultation(app, runner_id, conference_id=conference_id)
    overview = await runner.get(f"/consultations/{consultation_id}")
    assert f'action="/consultations/{consultation_id}/languages"' in overview.text
    saved = await runner.post(f"/consultations/{consultation_id}/languages", data={
        "language": "cy", "bilingual_language": "cy", "consultation_question_cy": WELSH})
    assert saved.status_code == 303, saved.text

    page = await member.get(f"/consult/{consultation_id}", headers={"accept-language": "en-GB"})
    assert page.status_code == 200 and '<html lang="cy"' in page.text
    assert (f'<span class="bilingual__main" lang="cy">{WELSH}</span> '
            f'<span class="bilingual__beside" lang="en">{QUESTION}</span>') in page.text
    await member.post("/language", data={"language": "pl", "next": "/"})
    polish = await member.get(f"/consult/{consultation_id}")  # no Polish given: the English, the Welsh beside
    assert f'<span class="bilingual__main" lang="en">{QUESTION}</span>' in polish.text and WELSH in polish.text


async def test_a_question_too_long_or_a_wrong_language_is_refused(client: AsyncTestClient[Litestar],
                                                                  app: Litestar) -> None:
    runner, runner_id = await staff(app, client)
    consultation_id = await consultation(app, runner_id, conference_id=await make_conference(app))
    too_long = await runner.post(f"/consultations/{consultation_id}/languages",
                                 data={"consultation_question_cy": "y" * 301})
    assert too_long.status_code == 400 and "301 characters long; keep it to 300" in too_long.text
    wrong = await runner.post(f"/consultations/{consultation_id}/languages", data={"bilingual_language": "xx"})
    assert wrong.status_code == 400 and "beside English" in wrong.text
    overview = await runner.get(f"/consultations/{consultation_id}")
    assert "y" * 301 not in overview.text
