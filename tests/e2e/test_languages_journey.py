"""Members take part in Welsh and in Polish, on a phone.

A Welsh member's phone asks for Welsh (Accept-Language), so the member ballot arrives in Welsh and
they vote without JavaScript. A Polish member's phone asks for English; they choose Polski with
the language switch at the foot of the page (a plain form) and vote in Polish. A Polish member
joins a consultation from their invitation and rates thoughts. Every page with JavaScript on is
checked with axe-core, and no page is wider than the phone: Welsh and Polish words are long.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.ballots_world import QUESTION, member_ballot
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.consult_world import RATING_TARGET, consultation_in_star
from tests.e2e.journey import VIEWPORTS, Journey
from tests.e2e.server import LiveServer

PhoneIn = Callable[..., Journey]


@pytest.fixture
def phone_in(server: LiveServer, browser: object, request: pytest.FixtureRequest) -> Iterator[PhoneIn]:
    """A phone whose browser asks for `locale`, with or without JavaScript."""
    contexts = []
    artifacts: Path = ARTIFACTS / request.node.name

    def open_phone(who: str, locale: str, javascript: bool = True) -> Journey:
        context = browser.new_context(**VIEWPORTS["phone"], locale=locale,  # type: ignore[attr-defined]
                                      java_script_enabled=javascript)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return Journey(context, server.base_url, artifacts, who)

    yield open_phone
    for context in contexts:
        context.close()


def fits_the_phone(journey: Journey) -> None:
    wider = journey.page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map(el => el.tagName + ' ' + (el.textContent || '').trim().slice(0, 40))""")
    assert wider == [], f"{journey.who}: wider than the phone on {journey.path}: {wider[:5]}"


def screenshot(journey: Journey, step: str) -> None:
    journey.artifacts.mkdir(parents=True, exist_ok=True)
    journey.page.screenshot(path=str(journey.artifacts / f"{journey.who}-{step}.png"), full_page=True)


def test_a_welsh_member_votes_in_welsh_without_javascript(phone_in: PhoneIn, e2e_database_url: str) -> None:
    ballot = member_ballot(e2e_database_url)
    checker = phone_in("another Welsh member", "cy-GB")
    checker.goto(f"/vote/{ballot.links['M2']}", "ffurflen y bleidlais")  # axe, in Welsh
    expect(checker.page.locator("html")).to_have_attribute("lang", "cy")
    fits_the_phone(checker)

    member = phone_in("Welsh member", "cy-GB", javascript=False)
    page = member.page
    page.goto(member.url(f"/vote/{ballot.links['M1']}"))
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.get_by_text("Pleidlais ddangosol yw hon").first).to_be_visible()
    screenshot(member, "ffurflen")
    page.get_by_role("group", name=QUESTION).get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Anfon fy mhleidlais").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mae eich pleidlais wedi'i chofnodi")
    expect(page.get_by_role("definition")).to_contain_text("Eich ateb oedd Yes.")
    screenshot(member, "derbynneb")


def test_a_polish_member_chooses_polish_with_the_switch_and_votes(phone_in: PhoneIn,
                                                                 e2e_database_url: str) -> None:
    ballot = member_ballot(e2e_database_url)
    member = phone_in("Polish member", "en-GB", javascript=False)
    page = member.page
    page.goto(member.url(f"/vote/{ballot.links['M1']}"))
    expect(page.get_by_role("button", name="Send my vote")).to_be_visible()
    page.get_by_label("Language").select_option("pl")
    page.get_by_role("button", name="Change language").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    assert page.url.endswith(f"/vote/{ballot.links['M1']}"), "the switch goes back to the page it was used on"
    screenshot(member, "formularz")
    page.get_by_role("group", name=QUESTION).get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Wyślij mój głos").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.get_by_role("heading", level=1)).to_have_text("Twój głos został zapisany")
    expect(page.get_by_role("definition")).to_contain_text("Twoja odpowiedź: No.")

    checker = phone_in("Polish member, checked", "pl-PL")
    checker.goto(f"/vote/{ballot.links['M2']}", "formularz")  # axe, in Polish
    fits_the_phone(checker)


def test_a_polish_member_joins_a_consultation_and_rates_thoughts(phone_in: PhoneIn, e2e_database_url: str) -> None:
    seeded = consultation_in_star(e2e_database_url)
    member = phone_in("Polish member", "pl-PL")
    page = member.page
    member.goto(f"/invited/{seeded.link_token}", "zaproszenie")
    fits_the_phone(member)
    page.get_by_label("Zmiana").fill("Noce")  # "Shift"
    page.get_by_role("button", name="Dołącz do konsultacji").click()
    page.wait_for_url("**?done=joined")
    member.checkpoint("konsultacja")
    expect(page.get_by_role("status").first).to_contain_text("Dołączyłeś(-aś).")
    expect(page.get_by_role("region", name="Twój kod wznowienia")).to_contain_text("uvc_")
    fits_the_phone(member)

    page.get_by_role("link", name="Oceniaj pomysły").click()
    page.wait_for_url("**/star")
    member.checkpoint("oceny")
    fits_the_phone(member)
    progress = page.get_by_role("status").filter(has_text="Oceniono")
    expect(progress).to_contain_text(f"Oceniono 0 z {RATING_TARGET}")
    for n, stars in enumerate(("4 gwiazdki: dobrze", "5 gwiazdek: świetnie")):
        fieldset = page.get_by_role("group", name=re.compile(r"^Na ile zgadzasz się z"))
        fieldset.get_by_label(stars).check()
        with page.expect_navigation(url="**/star?done=rated**"):
            page.get_by_role("button", name="Zapisz ocenę").click()
        expect(page.get_by_role("status").filter(has_text="Oceniono")).to_contain_text(
            f"Oceniono {n + 1} z {RATING_TARGET}")
    member.checkpoint("po ocenach")
    expect(page.get_by_text("Zapisano.")).to_be_visible()
