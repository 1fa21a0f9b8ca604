"""Delegates and members take part in Welsh and in Polish, on a phone.

In each language: a delegate whose phone asks for it (Accept-Language) logs in and votes on the
floor while the chair works in English; a member votes in a member ballot without JavaScript; a
member joins a consultation from their invitation and rates thoughts. A member whose phone asks
for English chooses Polski with the language switch at the foot of the page (a plain form). Every
page with JavaScript on is checked with axe-core, and no page is wider than the phone: Welsh and
Polish words are long.
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
from tests.e2e.people import log_in
from tests.e2e.server import LiveServer
from tests.e2e.voting_people import prepare_ballot, press_and_confirm
from tests.e2e.voting_world import checked_in
from tests.e2e.world import World

PhoneIn = Callable[..., Journey]
# What each language's pages say, as the journeys look for it.
SAYS = {
    "cy": {"locale": "cy-GB", "indicative": "Pleidlais ddangosol yw hon", "send": "Anfon fy mhleidlais",
           "recorded": "Mae eich pleidlais wedi'i chofnodi", "answered": "Eich ateb oedd Yes.",
           "email": "Cyfeiriad e-bost", "password": "Cyfrinair", "log in": "Mewngofnodi",
           "your vote": "Eich pleidlais", "for": "O blaid", "cast": "Bwrw fy mhleidlais",
           "voted": "Rydych wedi pleidleisio.", "shift": "Shifft", "join": "Ymuno â'r ymgynghoriad",
           "joined": "Rydych wedi ymuno.", "resume": "Eich cod ailddechrau", "rate": "Sgorio syniadau",
           "agree": "Faint ydych chi'n cytuno â", "four": "4 seren: da", "five": "5 seren: rhagorol",
           "save": "Cadw'r sgôr", "rated": "Rydych wedi sgorio {n} o {target}", "saved": "Wedi'i gadw."},
    "pl": {"locale": "pl-PL", "indicative": "To głosowanie jest orientacyjne", "send": "Wyślij mój głos",
           "recorded": "Twój głos został zapisany", "answered": "Twoja odpowiedź: Yes.",
           "email": "Adres e-mail", "password": "Hasło", "log in": "Zaloguj się",
           "your vote": "Twój głos", "for": "Za", "cast": "Oddaj mój głos",
           "voted": "Oddałeś(-aś) głos.", "shift": "Zmiana", "join": "Dołącz do konsultacji",
           "joined": "Dołączyłeś(-aś).", "resume": "Twój kod wznowienia", "rate": "Oceniaj pomysły",
           "agree": "Na ile zgadzasz się z", "four": "4 gwiazdki: dobrze", "five": "5 gwiazdek: świetnie",
           "save": "Zapisz ocenę", "rated": "Oceniono {n} z {target}", "saved": "Zapisano."},
}


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


@pytest.mark.parametrize("language", list(SAYS))
def test_a_delegate_votes_on_the_floor_in_their_language(phone_in: PhoneIn, world: World, e2e_database_url: str,
                                                        language: str) -> None:
    says = SAYS[language]
    checked_in(e2e_database_url, world, world.sam, world.ola)  # enough for the conference's quorum
    cid = world.conference_id
    chair = phone_in("chair", "en-GB")
    log_in(chair, world.chair)
    console = prepare_ballot(chair, cid, "Motion 7: Safe staffing", "That conference backs safe staffing levels.")
    ballot_id = int(console.rsplit("/", 1)[1])
    press_and_confirm(chair, "Open voting")

    delegate = phone_in("delegate", says["locale"])
    page = delegate.page
    delegate.goto("/login", "login")
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.get_by_label(says["email"]).fill(world.sam.email)
    page.get_by_label(says["password"]).fill(world.sam.password)
    page.get_by_role("button", name=says["log in"]).click()
    page.wait_for_url(lambda url: "/login" not in url)
    delegate.goto(f"/conferences/{cid}/vote", "vote page")
    fits_the_phone(delegate)
    ballot = page.locator(f"#ballot-{ballot_id}")
    ballot.get_by_role("group", name=says["your vote"]).get_by_label(says["for"], exact=True).check()
    with page.expect_navigation():
        ballot.get_by_role("button", name=says["cast"]).click()
    delegate.checkpoint("receipt")
    fits_the_phone(delegate)
    delegate.goto(f"/conferences/{cid}/vote", "vote page after voting")
    expect(page.locator(f"#ballot-{ballot_id}")).to_contain_text(says["voted"])


@pytest.mark.parametrize("language", list(SAYS))
def test_a_member_votes_in_their_language_without_javascript(phone_in: PhoneIn, e2e_database_url: str,
                                                             language: str) -> None:
    says = SAYS[language]
    ballot = member_ballot(e2e_database_url)
    checker = phone_in("another member", says["locale"])
    checker.goto(f"/vote/{ballot.links['M2']}", "ballot form")  # axe, in this language
    expect(checker.page.locator("html")).to_have_attribute("lang", language)
    fits_the_phone(checker)

    member = phone_in("member", says["locale"], javascript=False)
    page = member.page
    page.goto(member.url(f"/vote/{ballot.links['M1']}"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_text(says["indicative"]).first).to_be_visible()
    screenshot(member, "form")
    page.get_by_role("group", name=QUESTION).get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name=says["send"]).click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.get_by_role("heading", level=1)).to_have_text(says["recorded"])
    expect(page.get_by_role("definition")).to_contain_text(says["answered"])
    screenshot(member, "receipt")


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


@pytest.mark.parametrize("language", list(SAYS))
def test_a_member_joins_a_consultation_and_rates_thoughts_in_their_language(
        phone_in: PhoneIn, e2e_database_url: str, language: str) -> None:
    says = SAYS[language]
    seeded = consultation_in_star(e2e_database_url)
    member = phone_in("member", says["locale"])
    page = member.page
    member.goto(f"/invited/{seeded.link_token}", "invitation")
    fits_the_phone(member)
    page.get_by_label(says["shift"]).fill("Nights")
    page.get_by_role("button", name=says["join"]).click()
    page.wait_for_url("**?done=joined")
    member.checkpoint("consultation")
    expect(page.get_by_role("status").first).to_contain_text(says["joined"])
    expect(page.get_by_role("region", name=says["resume"])).to_contain_text("uvc_")
    fits_the_phone(member)

    page.get_by_role("link", name=says["rate"]).click()
    page.wait_for_url("**/star")
    member.checkpoint("rating")
    fits_the_phone(member)
    progress = page.locator("p[role=status]").filter(has=page.locator("progress"))
    expect(progress).to_contain_text(says["rated"].format(n=0, target=RATING_TARGET))
    for n, stars in enumerate((says["four"], says["five"])):
        fieldset = page.get_by_role("group", name=re.compile("^" + re.escape(says["agree"])))
        fieldset.get_by_label(stars).check()
        with page.expect_navigation(url="**/star?done=rated**"):
            page.get_by_role("button", name=says["save"]).click()
        expect(progress).to_contain_text(says["rated"].format(n=n + 1, target=RATING_TARGET))
    member.checkpoint("after rating")
    expect(page.get_by_text(says["saved"])).to_be_visible()
