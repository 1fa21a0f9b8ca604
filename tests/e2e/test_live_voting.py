"""A ballot from the chair's console to the delegates' phones and the hall screen, live.

The chair (with two-factor) prepares and opens a secret ballot; two delegates, already checked
in, watch their Vote page: the ballot appears without a reload. Sam votes with a pointer, Ola
with the keyboard alone; each gets a receipt with a tracker, and after a reload the page still
says they voted. The chair closes and declares; the result arrives on the delegates' pages
without a reload, announced through their live region, and on the projector.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import expect

from tests.e2e.journey import Journey
from tests.e2e.people import log_in
from tests.e2e.voting_people import (
    prepare_ballot,
    press_and_confirm,
    still_same_document,
    vote_with_keyboard,
    watch_without_reload,
)
from tests.e2e.voting_world import checked_in
from tests.e2e.world import World

TITLE = "Motion 4: Fair pay now"


def test_a_ballot_opens_is_voted_and_declared_live_on_every_screen(
        person: Callable[[str], Journey], world: World, e2e_database_url: str) -> None:
    checked_in(e2e_database_url, world, world.sam, world.ola)
    cid = world.conference_id
    chair, sam, ola = (person(who) for who in ("chair", "sam", "ola"))

    log_in(chair, world.chair)
    console = prepare_ballot(chair, cid, TITLE, "That conference backs the fair pay campaign.")
    ballot_id = int(console.rsplit("/", 1)[1])

    for delegate, who in ((sam, world.sam), (ola, world.ola)):
        log_in(delegate, who)
        delegate.goto(f"/conferences/{cid}/vote", "vote page, nothing open")
        expect(delegate.page.locator("#no-ballots")).to_have_text("No vote is open now.")
        expect(delegate.page.locator("#live-status")).to_have_text("Live updates are on.")
        expect(delegate.page.locator("#ballot-news")).to_have_attribute("aria-live", "polite")
        watch_without_reload(delegate)

    press_and_confirm(chair, "Open voting")
    expect(chair.page.locator(f"#ballot-{ballot_id}-state")).to_have_text("Voting is open")

    for delegate in (sam, ola):
        ballot = delegate.page.locator(f"#ballot-{ballot_id}")
        expect(ballot.get_by_role("group", name="Your vote")).to_be_visible()
        expect(delegate.page.locator("#ballot-news")).to_contain_text(f"Voting has opened: {TITLE}")
        assert still_same_document(delegate), f"{delegate.who}'s page reloaded instead of showing the ballot live"
        delegate.checkpoint("ballot appeared live")

    # Sam votes with a pointer.
    sam.page.locator(f"#ballot-{ballot_id}").get_by_label("For", exact=True).check()
    sam.page.get_by_role("button", name="Cast my vote").click()
    sam.page.wait_for_url(f"**/vote/{ballot_id}/receipt")
    # Ola with the keyboard alone.
    vote_with_keyboard(ola, ballot_id, "for")
    ola.page.wait_for_url(f"**/vote/{ballot_id}/receipt")

    for delegate in (sam, ola):
        expect(delegate.page.get_by_text("Your vote has been recorded.")).to_be_visible()
        tracker = delegate.page.locator(".receipt .tracker")
        expect(tracker).to_have_text(re.compile(r"^[A-Z0-9]{4}(-[A-Z0-9]{4})+$"))
        shown = tracker.inner_text()
        delegate.checkpoint("receipt")
        delegate.goto(f"/conferences/{cid}/vote", "vote page after voting, reloaded")
        ballot = delegate.page.locator(f"#ballot-{ballot_id}")
        expect(ballot).to_contain_text("You have voted.")
        expect(ballot.locator(".tracker")).to_have_text(shown)
        expect(ballot.get_by_role("button", name="Cast my vote")).to_have_count(0)
        watch_without_reload(delegate)

    projector = Journey(chair.context, chair.base_url, chair.artifacts, "projector")
    projector.goto(f"/conferences/{cid}/projector", "projector, voting open")
    expect(projector.page.locator("#projector-stage")).to_contain_text(TITLE)
    watch_without_reload(projector)

    press_and_confirm(chair, "Close voting")
    chair.page.get_by_role("button", name="Declare the result").click()
    chair.page.wait_for_load_state("domcontentloaded")
    expect(chair.page.get_by_role("region", name="Result")).to_contain_text("Carried")
    chair.checkpoint("result declared")

    for delegate in (sam, ola):
        news = delegate.page.locator("#ballot-news")
        expect(news).to_contain_text(f"Result declared: {TITLE}. Carried.")
        expect(news).to_have_attribute("aria-live", "polite")
        expect(delegate.page.locator(f"#ballot-{ballot_id}")).to_contain_text("Carried")
        assert still_same_document(delegate), f"{delegate.who}'s page reloaded instead of showing the result live"
        delegate.checkpoint("result arrived live")

    expect(projector.page.locator("#projector-stage")).to_contain_text("Carried")
    assert still_same_document(projector), "the projector reloaded instead of updating live"
    projector.checkpoint("projector, result declared")
