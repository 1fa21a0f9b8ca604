"""A member reads the pages in their language: chosen with the switch (no JavaScript), or from the
browser on a first visit; `lang` and `dir` say which, so screen readers and right-to-left scripts work."""

from __future__ import annotations

import re
from gettext import NullTranslations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor
from unionvote.i18n import register_pseudo_language


async def test_a_polish_browser_gets_polish_pages_on_the_first_visit(client: AsyncTestClient[Litestar]) -> None:
    page = await Visitor(client).get("/login", headers={"accept-language": "pl-PL,pl;q=0.9,en;q=0.5"})
    assert '<html lang="pl" dir="ltr">' in page.text
    assert "Przejdź do treści głównej" in page.text  # "Skip to main content"
    assert page.headers["content-language"] == "pl"


async def test_an_english_browser_keeps_english_and_an_unoffered_language_falls_back_to_english(
        client: AsyncTestClient[Litestar]) -> None:
    english = await Visitor(client).get("/login", headers={"accept-language": "en-GB,en;q=0.9"})
    assert '<html lang="en" dir="ltr">' in english.text and "Skip to main content" in english.text
    japanese = await Visitor(client).get("/login", headers={"accept-language": "ja"})
    assert '<html lang="en"' in japanese.text


async def test_the_switch_works_without_javascript_and_outranks_the_browser(client: AsyncTestClient[Litestar]) -> None:
    member = Visitor(client)
    first = await member.get("/login", headers={"accept-language": "pl"})
    assert 'action="/language"' in first.text and 'name="_csrf_token"' in first.text  # a plain form with its token
    chosen = await member.post("/language", data={"language": "cy", "next": "/login?next=/conferences"},
                               headers={"accept-language": "pl"})
    assert chosen.status_code == 303 and chosen.headers["location"] == "/login?next=/conferences"
    welsh = await member.get("/login", headers={"accept-language": "pl"})
    assert '<html lang="cy" dir="ltr">' in welsh.text
    assert "Neidio i&#39;r prif gynnwys" in welsh.text or "Neidio i'r prif gynnwys" in welsh.text
    assert re.search(r'<option value="cy" lang="cy" selected>Cymraeg</option>', welsh.text)


async def test_a_bad_choice_or_a_foreign_return_address_changes_nothing(client: AsyncTestClient[Litestar]) -> None:
    member = Visitor(client)
    refused = await member.post("/language", data={"language": "xx", "next": "/login"})
    assert refused.status_code == 303 and "uv_lang" not in member.jar
    away = await member.post("/language", data={"language": "pl", "next": "//evil.example/"})
    assert away.headers["location"] == "/"
    away = await member.post("/language", data={"language": "pl", "next": "/\\evil.example/"})
    assert away.headers["location"] == "/"


async def test_the_switch_needs_its_csrf_token(client: AsyncTestClient[Litestar]) -> None:
    refused = await Visitor(client).post("/language", data={"language": "pl", "next": "/"}, csrf=False)
    assert refused.status_code == 403


class _RightToLeft(NullTranslations):
    def gettext(self, message: str) -> str:
        return "\u202e" + message[::-1]


async def test_a_right_to_left_catalogue_turns_the_page_around(client: AsyncTestClient[Litestar]) -> None:
    register_pseudo_language("x-rtl", _RightToLeft(), "rtl")
    member = Visitor(client)
    member.jar.set("uv_lang", "x-rtl")
    page = await member.get("/login")
    assert '<html lang="x-rtl" dir="rtl">' in page.text
    assert "tnetnoc niam ot pikS" in page.text
