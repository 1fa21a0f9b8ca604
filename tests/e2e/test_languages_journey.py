"""Delegates and members take part in Welsh and in Polish, on a 360x740 phone, from nothing.

The install's first administrator (made with `unionvote users create`, as an install does) logs in,
sets up two-factor and does the staff's part through the pages, in English: a conference with a
session on now, its bodies and register, a delegate accredited and checked in at the desk and sent
an enrolment link, a ballot on the console; a member ballot with its members and voting links; a
consultation with its invitation links. In each language: a delegate whose phone asks for it
(Accept-Language) logs in and votes on the floor; a member votes in a member ballot without
JavaScript; a member joins a consultation from their invitation and rates thoughts another member
shared. A member whose phone asks for English chooses Polski with the language switch at the foot of
the page (a plain form). Every page with JavaScript on is checked with axe-core, and no page is wider
than the phone: Welsh and Polish words are long.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.ballots_world import MEMBERS, QUESTION
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.journey import VIEWPORTS, Journey
from tests.e2e.people import (
    accept_invitation,
    accredit,
    enrolment_link,
    first_administrator,
    join_and_share,
    log_in,
    member_ballot_open,
    set_up_conference,
    start_consultation,
)
from tests.e2e.server import LiveServer
from tests.e2e.voting_people import prepare_ballot, press_and_confirm
from tests.e2e.world import Person
from tests.helpers import PASSWORD

SMALL_PHONE = {**VIEWPORTS["phone"], "viewport": {"width": 360, "height": 740}}
Open = Callable[..., Journey]
RATINGS = 4  # asked of each participant
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
def open_browser(server: LiveServer, browser: object, request: pytest.FixtureRequest) -> Iterator[Open]:
    """A browser of one's own asking for `locale`, with or without JavaScript; a small phone unless told."""
    contexts = []

    def opened(who: str, locale: str = "en-GB", javascript: bool = True,
               size: dict[str, object] = SMALL_PHONE) -> Journey:
        context = browser.new_context(**size, locale=locale,  # type: ignore[attr-defined]
                                      java_script_enabled=javascript)
        context.set_default_timeout(30_000)
        contexts.append(context)
        return Journey(context, server.base_url, ARTIFACTS / request.node.name, who)

    yield opened
    for context in contexts:
        context.close()


@pytest.fixture
def staff(open_browser: Open, e2e_database_url: str) -> Journey:
    """The install's first administrator, logged in at a desk for the first time (two-factor set up then)."""
    admin = first_administrator(e2e_database_url, uuid.uuid4().hex[:8])
    journey = open_browser("staff", size=VIEWPORTS["desktop"])
    log_in(journey, admin)
    return journey


def fits_the_phone(journey: Journey) -> None:
    assert journey.page.evaluate("document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"), \
        f"{journey.who} must scroll sideways on {journey.path}"
    wider = journey.page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map(el => el.tagName + ' ' + (el.textContent || '').trim().slice(0, 40))""")
    assert wider == [], f"{journey.who}: wider than the phone on {journey.path}: {wider[:5]}"


def screenshot(journey: Journey, step: str) -> None:
    journey.artifacts.mkdir(parents=True, exist_ok=True)
    journey.page.screenshot(path=str(journey.artifacts / f"{journey.who}-{step}.png"), full_page=True)


def pay_ballot(staff: Journey) -> dict[str, str]:
    """The member ballot on the pay offer, open, with each member's voting link (by membership number)."""
    tag = uuid.uuid4().hex[:8]
    return member_ballot_open(staff, f"pay-{tag}", QUESTION, MEMBERS.format(tag=tag))


@pytest.mark.parametrize("language", list(SAYS))
def test_a_delegate_votes_on_the_floor_in_their_language(open_browser: Open, staff: Journey, language: str) -> None:
    says, tag = SAYS[language], uuid.uuid4().hex[:8]
    sam = Person(f"sam.{tag}@branch.example")
    conference = set_up_conference(staff, tag, f"200002,Sam Seated,{sam.email},,MANC,delegate,yes\n")
    cid = conference.id
    accredit(staff, conference, "Sam Seated", check_in=True)
    link = enrolment_link(staff, conference, "Sam Seated")
    at_home = open_browser("delegate at home", size=VIEWPORTS["desktop"])
    accept_invitation(at_home, link, PASSWORD)
    console = prepare_ballot(staff, cid, "Motion 7: Safe staffing", "That conference backs safe staffing levels.")
    ballot_id = int(console.rsplit("/", 1)[1])
    press_and_confirm(staff, "Open voting")

    delegate = open_browser("delegate", says["locale"])
    page = delegate.page
    delegate.goto("/login", "login")
    expect(page.locator("html")).to_have_attribute("lang", language)
    fits_the_phone(delegate)
    page.get_by_label(says["email"]).fill(sam.email)
    page.get_by_label(says["password"]).fill(sam.password)
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
    fits_the_phone(delegate)


@pytest.mark.parametrize("language", list(SAYS))
def test_a_member_votes_in_their_language_without_javascript(open_browser: Open, staff: Journey,
                                                             language: str) -> None:
    says = SAYS[language]
    links = pay_ballot(staff)
    checker = open_browser("another member", says["locale"])
    checker.goto(links["M2"], "ballot form")  # axe, in this language
    expect(checker.page.locator("html")).to_have_attribute("lang", language)
    fits_the_phone(checker)

    member = open_browser("member", says["locale"], javascript=False)
    page = member.page
    page.goto(member.url(links["M1"]))
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_text(says["indicative"]).first).to_be_visible()
    fits_the_phone(member)
    screenshot(member, "form")
    page.get_by_role("group", name=QUESTION).get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name=says["send"]).click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.get_by_role("heading", level=1)).to_have_text(says["recorded"])
    expect(page.get_by_role("definition")).to_contain_text(says["answered"])
    fits_the_phone(member)
    screenshot(member, "receipt")


def test_a_polish_member_chooses_polish_with_the_switch_and_votes(open_browser: Open, staff: Journey) -> None:
    links = pay_ballot(staff)
    member = open_browser("Polish member", "en-GB", javascript=False)
    page = member.page
    page.goto(member.url(links["M1"]))
    expect(page.get_by_role("button", name="Send my vote")).to_be_visible()
    page.get_by_label("Language").select_option("pl")
    page.get_by_role("button", name="Change language").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    assert page.url.endswith(links["M1"]), "the switch goes back to the page it was used on"
    fits_the_phone(member)
    screenshot(member, "formularz")
    page.get_by_role("group", name=QUESTION).get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Wyślij mój głos").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.get_by_role("heading", level=1)).to_have_text("Twój głos został zapisany")
    expect(page.get_by_role("definition")).to_contain_text("Twoja odpowiedź: No.")

    checker = open_browser("Polish member, checked", "pl-PL")
    checker.goto(links["M2"], "formularz")  # axe, in Polish
    fits_the_phone(checker)


@pytest.mark.parametrize("language", list(SAYS))
def test_a_member_joins_a_consultation_and_rates_thoughts_in_their_language(
        open_browser: Open, staff: Journey, language: str) -> None:
    says = SAYS[language]
    _, (first_link, link) = start_consultation(staff, "What would make night shifts safer?", invited=2,
                                               ratings=RATINGS)
    join_and_share(open_browser("member who shares"), first_link, "Two staff on every ward after midnight",
                   "Panic alarms that reach security directly", "Free taxis home when the last bus has gone")
    member = open_browser("member", says["locale"])
    page = member.page
    member.goto(link, "invitation")
    expect(page.locator("html")).to_have_attribute("lang", language)
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
    expect(progress).to_contain_text(says["rated"].format(n=0, target=RATINGS))
    for n, stars in enumerate((says["four"], says["five"])):
        fieldset = page.get_by_role("group", name=re.compile("^" + re.escape(says["agree"])))
        fieldset.get_by_label(stars).check()
        with page.expect_navigation(url="**/star?done=rated**"):
            page.get_by_role("button", name=says["save"]).click()
        expect(progress).to_contain_text(says["rated"].format(n=n + 1, target=RATINGS))
    member.checkpoint("after rating")
    expect(page.get_by_text(says["saved"])).to_be_visible()
    fits_the_phone(member)
