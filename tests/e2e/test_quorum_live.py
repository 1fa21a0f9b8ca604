"""The chair's quorum panel follows delegates checking in, over the websocket, without a reload."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from tests.e2e.journey import Journey
from tests.e2e.people import check_in, log_in
from tests.e2e.world import World


def test_the_quorum_panel_turns_quorate_live_as_delegates_check_in(
        person: Callable[[str], Journey], world: World) -> None:
    chair, sam, ola = person("chair"), person("sam"), person("ola")
    log_in(chair, world.chair)
    chair.goto(f"/conferences/{world.conference_id}/quorum", "quorum panel")
    panel = chair.page
    verdict = panel.locator("#quorum-verdict")
    expect(verdict).to_have_attribute("aria-live", "polite")
    expect(panel.locator("#live-status")).to_have_text("Live updates are on.")
    expect(verdict).to_contain_text("Not quorate")
    panel.evaluate("() => { window.sameDocument = true; }")  # gone if the page reloads

    for delegate, who in ((sam, world.sam), (ola, world.ola)):
        log_in(delegate, who)
        check_in(delegate, world.conference_id, world.session_name)
        delegate.checkpoint("checked in")

    expect(verdict).to_contain_text("Quorate", timeout=10_000)
    expect(verdict).not_to_contain_text("Not quorate")
    expect(panel.get_by_role("row", name="Voting delegates")).to_contain_text("2")
    assert panel.evaluate("() => window.sameDocument === true"), "the panel reloaded instead of updating live"
    chair.checkpoint("quorum panel after live update")
