"""The committee rules a motion out of order and publishes the agenda again; a delegate sees the change.

Sam reads version 1 of the agenda. A member of the conference arrangements committee (with
two-factor) rules motion 2 out of order with a reason and publishes version 2; Sam's agenda then
shows the new version, the motion among those ruled out with the committee's reason, and what
changed since version 1.
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from tests.e2e.journey import Journey
from tests.e2e.motions_world import IN_ORDER, TO_RULE, motions_and_agenda
from tests.e2e.people import log_in
from tests.e2e.world import World

REASON = "Not competent business: the building is named by the executive."


def test_a_motion_ruled_out_of_order_shows_on_the_published_agenda(
        person: Callable[[str], Journey], world: World, e2e_database_url: str) -> None:
    seeded = motions_and_agenda(e2e_database_url, world)
    cid = world.conference_id
    sam, cac = person("sam"), person("committee")

    log_in(sam, world.sam)
    sam.goto(f"/conferences/{cid}/agenda", "agenda version 1")
    published = sam.page.get_by_role("region", name="Preliminary agenda, version 1")
    expect(published).to_contain_text(IN_ORDER)
    expect(published).not_to_contain_text(TO_RULE)

    log_in(cac, seeded.committee_member)
    cac.goto(f"/conferences/{cid}/committee", "committee overview")
    cac.page.get_by_role("region", name="Motions waiting for a ruling").get_by_role(
        "link", name=TO_RULE, exact=False).click()
    cac.page.wait_for_url(f"**/motions/{seeded.to_rule_id}")
    cac.checkpoint("motion to rule on")
    ruling = cac.page.get_by_role("region", name="Committee")
    ruling.get_by_role("radio", name="Out of order").check()
    ruling.get_by_role("textbox", name="Reason", exact=False).fill(REASON)
    ruling.get_by_role("button", name="Record the ruling").click()
    cac.page.wait_for_url("**/committee?done=ruled")
    cac.checkpoint("ruling recorded")
    expect(cac.page.get_by_role("region", name="Motions waiting for a ruling")).to_contain_text("None.")

    cac.page.get_by_label("Publish as").select_option("preliminary")
    cac.page.get_by_role("button", name="Publish", exact=True).click()
    cac.page.wait_for_url("**/committee?done=published")
    cac.checkpoint("agenda published")

    sam.goto(f"/conferences/{cid}/agenda", "agenda version 2")
    published = sam.page.get_by_role("region", name="Preliminary agenda, version 2")
    expect(published.get_by_role("list").first).to_contain_text(
        f"{TO_RULE}: ruled out of order: {REASON}")
    changes = published.get_by_role("list").nth(1)
    expect(changes).to_contain_text(f"Added: Motion 2: {TO_RULE}: ruled out of order: {REASON}")
    expect(published).to_contain_text("What changed since version 1")
