"""Refusals staff meet while setting up a conference or a member ballot read in their language, the
name they chose named in it; English readers keep the English."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.ballots.test_pages import _admin
from tests.integration.languages.test_staff_pages_languages import _text

POLISH = {"accept-language": "pl"}
WELSH = {"accept-language": "cy"}


async def test_a_taken_or_badly_named_conference_is_refused_in_the_readers_language(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    admin = await _admin(client, app)
    made = await admin.post("/admin/conferences", data={"slug": "adc-2027", "name": "ADC 2027"})
    assert made.status_code == 303
    taken = await admin.post("/admin/conferences", data={"slug": "adc-2027", "name": "ADC"}, headers=POLISH)
    assert taken.status_code == 409
    assert "Konferencja o nazwie 'adc-2027' już istnieje." in _text(taken.text)
    bad = await admin.post("/admin/conferences", data={"slug": "A", "name": "ADC"}, headers=WELSH)
    assert bad.status_code == 400 and "Rhaid i'r enw byr fod yn 3 i 64" in _text(bad.text)
    unnamed = await admin.post("/admin/conferences", data={"slug": "adc-2028", "name": " "})
    assert "Give the conference a name." in _text(unnamed.text)


async def test_a_member_ballot_set_up_wrongly_is_refused_in_the_readers_language(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    admin = await _admin(client, app)
    form = {"title": "Pay offer 2027", "slug": "pay-2027", "description": "The employers have offered 3%.",
            "question": "Do you accept the offer?", "opens_at": "2099-01-02T09:00", "closes_at": "2099-01-01T09:00",
            "turnout_percent": "50", "yes_percent": "40", "min_segment": "2", "objection_hours": "0"}
    backwards = await admin.post("/member-ballots", data=form, headers=POLISH)
    assert backwards.status_code == 400
    assert "Głosowanie musi się zamknąć po jego otwarciu." in _text(backwards.text)
    assert "The ballot must close after it opens." not in _text(backwards.text)
    english = await admin.post("/member-ballots", data=form)
    assert "The ballot must close after it opens." in _text(english.text)
