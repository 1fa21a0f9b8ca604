"""A member ballot in Welsh and English: staff give the Welsh wording beside the English, set the ballot
bilingual with Welsh as its language, and members read both on one page; exports keep the English."""

from __future__ import annotations

import csv
import io
import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor, audit_entries, make_user
from tests.integration.ballots.world import members_csv
from unionvote.ballots.services import scope_for

WELSH = {"ballot_title_cy": "Cynnig cyflog 2027", "ballot_description_cy": "Mae'r cyflogwyr wedi cynnig 3%.",
         "q{q}_text_cy": "Ydych chi'n derbyn y cynnig?", "q{q}_options_cy": "Ydw\nNac ydw"}


async def _set_up(client: AsyncTestClient[Litestar], app: Litestar) -> tuple[Visitor, int, int]:
    _, secret = await make_user(app, "admin@union.example", admin=True)
    admin = Visitor(client)
    await admin.log_in("admin@union.example", totp_secret=secret)
    made = await admin.post("/member-ballots", data={
        "title": "Pay offer 2027", "slug": "pay-2027", "description": "The employers have offered 3%.",
        "question": "Do you accept the offer?", "opens_at": "2020-01-01T09:00", "closes_at": "2099-01-01T09:00",
        "turnout_percent": "50", "min_segment": "2", "objection_hours": "0"})
    assert made.status_code == 303, made.text
    ballot_id = int(made.headers["location"].split("/")[2].split("?")[0])
    imported = await admin.post(f"/member-ballots/{ballot_id}/members/import",
                                files={"file": ("members.csv", members_csv({"Acme": 2}), "text/csv")})
    assert imported.status_code == 303, imported.text
    form = await admin.get(f"/member-ballots/{ballot_id}/languages")
    assert form.status_code == 200
    question_id = int(re.search(r'name="q(\d+)_text_cy"', form.text).group(1))  # type: ignore[union-attr]
    return admin, ballot_id, question_id


def _welsh(question_id: int, **more: str) -> dict[str, str]:
    return {k.format(q=question_id): v for k, v in WELSH.items()} | more


async def _links(admin: Visitor, ballot_id: int) -> list[str]:
    exported = await admin.post(f"/member-ballots/{ballot_id}/credentials/export")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    return [row["voting link"].split("127.0.0.1:8000", 1)[-1] for row in rows]


async def test_a_bilingual_ballot_shows_welsh_and_english_side_by_side(client: AsyncTestClient[Litestar],
                                                                       app: Litestar) -> None:
    admin, ballot_id, question_id = await _set_up(client, app)
    saved = await admin.post(f"/member-ballots/{ballot_id}/languages",
                             data=_welsh(question_id, language="cy", bilingual_language="cy"))
    assert saved.status_code == 303, saved.text
    links = await _links(admin, ballot_id)
    assert (await admin.post(f"/member-ballots/{ballot_id}/open")).status_code == 303

    # A member with an English phone and no choice of their own: the ballot's Welsh first, English beside it.
    member = Visitor(client)
    page = await member.get(links[0], headers={"accept-language": "en-GB,en;q=0.9"})
    assert page.status_code == 200 and '<html lang="cy"' in page.text and page.headers["content-language"] == "cy"
    assert re.search(r'<span class="bilingual__main" lang="cy">Ydych chi&#39;n derbyn y cynnig\?</span> '
                     r'<span class="bilingual__beside" lang="en">Do you accept the offer\?</span>', page.text)
    assert '<span class="bilingual__main" lang="cy">Ydw</span> <span class="bilingual__beside" lang="en">Yes</span>' \
        in page.text
    assert 'value="yes"' in page.text and 'value="no"' in page.text  # the answers' keys stay as they were
    # One who chose English with the switch: English first, Welsh beside it.
    await member.post("/language", data={"language": "en", "next": links[0]})
    english = await member.get(links[0])
    assert '<span class="bilingual__main" lang="en">Do you accept the offer?</span>' in english.text
    assert '<span class="bilingual__beside" lang="cy">Ydw</span>' in english.text

    token = re.search(r'name="token" value="([^"]+)"', english.text).group(1)  # type: ignore[union-attr]
    voted = await member.post(links[0], data={"token": token, f"q{question_id}": "yes"})
    assert voted.status_code == 201
    assert ('<span class="bilingual__main" lang="en">Yes</span> <span class="bilingual__beside" lang="cy">Ydw</span>'
            in voted.text)  # the receipt names the answer in both languages too
    # The record keeps the English wording and keys; the translations are not in the chain.
    created = (await audit_entries(app, scope=scope_for(ballot_id), action="member_ballot.created"))[0]
    assert "Ydw" not in str(created.payload) and "Cynnig" not in str(created.payload)


async def test_a_ballot_that_is_not_bilingual_shows_one_language(client: AsyncTestClient[Litestar],
                                                                 app: Litestar) -> None:
    admin, ballot_id, question_id = await _set_up(client, app)
    assert (await admin.post(f"/member-ballots/{ballot_id}/languages", data=_welsh(question_id))).status_code == 303
    links = await _links(admin, ballot_id)
    assert (await admin.post(f"/member-ballots/{ballot_id}/open")).status_code == 303
    welsh = await Visitor(client).get(links[0], headers={"accept-language": "cy"})
    assert "Ydych chi&#39;n derbyn y cynnig?" in welsh.text and "Do you accept the offer?" not in welsh.text
    polish = await Visitor(client).get(links[1], headers={"accept-language": "pl"})  # no Polish given: English
    assert "Do you accept the offer?" in polish.text and '<html lang="pl"' in polish.text


async def test_bad_translations_are_refused_with_what_to_correct(client: AsyncTestClient[Litestar],
                                                                 app: Litestar) -> None:
    admin, ballot_id, question_id = await _set_up(client, app)
    three = await admin.post(f"/member-ballots/{ballot_id}/languages",
                             data=_welsh(question_id, **{f"q{question_id}_options_cy": "Ydw\nNac ydw\nEfallai"}))
    assert three.status_code == 400
    assert "Question 1 in Cymraeg: give one answer a line, 2 in all" in three.text and "(3 given)" in three.text
    assert "Efallai" in three.text  # what was typed is kept, to correct
    unknown = await admin.post(f"/member-ballots/{ballot_id}/languages", data={"bilingual_language": "en"})
    assert unknown.status_code == 400 and "beside English" in unknown.text
    form = await admin.get(f"/member-ballots/{ballot_id}/languages")
    assert "Ydych chi" not in form.text  # nothing was saved

    assert (await admin.post(f"/member-ballots/{ballot_id}/languages", data=_welsh(question_id))).status_code == 303
    assert (await admin.post(f"/member-ballots/{ballot_id}/open")).status_code == 303
    late = await admin.post(f"/member-ballots/{ballot_id}/languages",
                            data=_welsh(question_id, **{f"q{question_id}_text_cy": "Rhywbeth arall?"}))
    assert late.status_code == 409 and "only before it opens" in late.text
    # The language settings alone can still change once it is open.
    assert (await admin.post(f"/member-ballots/{ballot_id}/languages",
                             data=_welsh(question_id, bilingual_language="cy"))).status_code == 303


async def test_only_administrators_set_a_ballots_languages(client: AsyncTestClient[Litestar], app: Litestar) -> None:
    _admin, ballot_id, _question = await _set_up(client, app)
    await make_user(app, "member@union.example")
    someone = Visitor(client)
    await someone.log_in("member@union.example")
    assert (await someone.get(f"/member-ballots/{ballot_id}/languages")).status_code == 403
    assert (await someone.post(f"/member-ballots/{ballot_id}/languages", data={"language": "cy"})).status_code == 403
