"""A member who never joined reads a consultation's results on a small phone, from their invitation link.

From nothing, through the pages: the union's administrator finds Consultations in the navigation,
starts one for an imported list, opens Share and Star, uploads the list and gets the links back as a
CSV. Six members open their links, each shares a tip and rates everyone else's. The administrator
closes Share and Star and opens Discover. Then a member who was invited but never joined opens their
link on a 360x740 phone and reads the plain summary first, without sideways scrolling; the detail
opens on demand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.journey import VIEWPORTS, Journey
from tests.e2e.people import UK, join_and_share, log_in, save_phases, start_consultation
from tests.e2e.server import LiveServer
from tests.e2e.world import World

SMALL_PHONE = {**VIEWPORTS["phone"], "viewport": {"width": 360, "height": 740}}
QUESTION = "What would make night shifts safer?"
# Each member's tip, and how every other member rates it (stars): the first is the clear favourite.
TIPS = {"Two staff on every ward after midnight": "5 stars: excellent",
        "Panic alarms that reach security directly": "4 stars: good",
        "Free taxis home when the last bus has gone": "4 stars: good",
        "Brighter lighting in the staff car park": "3 stars: so-so",
        "A quiet room to rest during breaks": "3 stars: so-so",
        "Rotas published a month before they start": "2 stars: poor"}
Open = Callable[..., Journey]


@pytest.fixture
def open_browser(server: LiveServer, browser: object, request: pytest.FixtureRequest) -> Iterator[Open]:
    """A browser of one's own at the given size (a phone unless told otherwise)."""
    contexts = []

    def opened(who: str, size: dict[str, object] = VIEWPORTS["phone"]) -> Journey:
        context = browser.new_context(**size)  # type: ignore[attr-defined]
        context.set_default_timeout(30_000)
        contexts.append(context)
        return Journey(context, server.base_url, ARTIFACTS / request.node.name, who)

    yield opened
    for context in contexts:
        context.close()


def rate_every_other_tip(member: Journey, consultation_id: int, own: str) -> list[str]:
    page = member.page
    member.goto(f"/consult/{consultation_id}/star", "rate thoughts")
    rated = []
    while not page.get_by_text("There is nothing more for you to rate right now").count():
        text = page.locator("legend q").inner_text()
        assert text != own, "a member was asked to rate their own tip"
        page.get_by_role("radio", name=TIPS[text]).check()
        with page.expect_navigation(url="**/star?done=rated**"):
            page.get_by_role("button", name="Save rating").click()
        rated.append(text)
        assert len(rated) <= len(TIPS), "the same tips keep coming back"
    return rated


def fits_the_phone(journey: Journey) -> None:
    """No sideways scrolling: the page is no wider than the phone, and nothing one can see pokes out of it
    (a wide table may scroll inside its own labelled region)."""
    page = journey.page
    assert page.evaluate("document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"), \
        f"{journey.who} must scroll sideways on {journey.path}"
    wider = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(el => el.checkVisibility() && !el.closest('.table-wrap'))
        .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map(el => el.tagName + ' ' + (el.textContent || '').trim().slice(0, 40))""")
    assert wider == [], f"{journey.who}: wider than the phone on {journey.path}: {wider[:5]}"


def plain_summary(page: Page) -> list[str]:
    summary = page.get_by_role("region", name="Members rated these highest")
    expect(summary).to_be_visible()
    return [item.strip() for item in summary.get_by_role("listitem").all_inner_texts()]


def test_a_member_who_never_joined_reads_the_results_on_a_small_phone(open_browser: Open, world: World) -> None:
    admin = open_browser("administrator", VIEWPORTS["desktop"])
    log_in(admin, world.admin)
    consultation_id, links = start_consultation(admin, QUESTION, invited=len(TIPS) + 1, ratings=len(TIPS) - 1)
    latecomer_link = links.pop()

    members = [open_browser(f"member {i}") for i in range(len(TIPS))]
    for member, link, tip in zip(members, links, TIPS, strict=True):
        join_and_share(member, link, tip)
    members[0].checkpoint("thought shared")
    for member, tip in zip(members, TIPS, strict=True):
        assert sorted(rate_every_other_tip(member, consultation_id, tip)) == sorted(set(TIPS) - {tip})

    admin.goto(f"/consultations/{consultation_id}", "run the consultation")
    now = datetime.now(UK).replace(second=0, microsecond=0)
    save_phases(admin, share_closes=now, star_closes=now, discover_opens=now)
    expect(admin.page.get_by_text("Open now:")).to_contain_text("Discover")

    reader = open_browser("member who never joined", SMALL_PHONE)
    page = reader.page
    reader.goto(latecomer_link, "invitation once the results are open")
    expect(page.get_by_role("button", name="Join the consultation")).to_have_count(0)
    fits_the_phone(reader)
    page.get_by_role("link", name="Read the results").click()
    page.wait_for_url("**/results")
    reader.checkpoint("the results, for a member who never joined")

    ranked = plain_summary(page)
    assert ranked[0] == next(iter(TIPS)) and ranked[-1] == list(TIPS)[-1], ranked
    assert sorted(ranked) == sorted(TIPS)
    box = page.get_by_role("region", name="Members rated these highest").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 740 * 1.5, "the summary starts too far down the phone"
    fits_the_phone(reader)
    expect(page.get_by_role("table", name="Thoughts, highest rated first")).not_to_be_visible()
    height = page.evaluate("document.scrollingElement.scrollHeight")
    assert height < 2500, f"the results page is {height} px tall on a phone before any detail is opened"

    page.get_by_text("Every thought, with how sure each estimate is").click()
    ranking = page.get_by_role("table", name="Thoughts, highest rated first")
    expect(ranking).to_be_visible()
    expect(ranking.locator("tbody tr").first).to_contain_text(ranked[0])
    reader.checkpoint("every thought, opened on demand")
    fits_the_phone(reader)
