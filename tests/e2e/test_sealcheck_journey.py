"""A delegate checks the server's sealing of her vote before casting it, then finds her tracker on the board.

The chair prepares and opens a secret ballot, which is sealed as it opens. Sam chooses "For" and
presses "Check the sealing first": the server seals her choice; she challenges it, and her page
recomputes every ciphertext from the randomness the server reveals and says the sealing is of her
choice. A fresh sealing is made; she casts it, and from her receipt finds her tracker on the board
while voting is still open; Ola's vote is counted on Sam's board as it is cast.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import expect

from tests.e2e.journey import Journey
from tests.e2e.people import log_in
from tests.e2e.voting_people import prepare_ballot, press_and_confirm
from tests.e2e.voting_world import checked_in
from tests.e2e.world import World

TITLE = "Motion 9: Sealed and checked"


def test_a_voter_challenges_the_sealing_sees_it_check_out_casts_and_finds_her_tracker_on_the_board(
        person: Callable[[str], Journey], world: World, e2e_database_url: str) -> None:
    checked_in(e2e_database_url, world, world.sam, world.ola)  # two present: the conference is quorate
    cid = world.conference_id
    chair, sam = person("chair"), person("sam")

    log_in(chair, world.chair)
    console = prepare_ballot(chair, cid, TITLE, "That conference checks its sealed votes.")
    ballot_id = int(console.rsplit("/", 1)[1])
    press_and_confirm(chair, "Open voting")

    log_in(sam, world.sam)
    sam.goto(f"/conferences/{cid}/vote/{ballot_id}", "ballot to vote in")
    ballot = sam.page.locator(f"#ballot-{ballot_id}")
    out = ballot.locator("[data-sealcheck-out]")
    ballot.get_by_label("For", exact=True).check()
    ballot.get_by_role("button", name="Check the sealing first").click()
    expect(out).to_contain_text("The server has sealed your choice: For.", timeout=60_000)
    sam.checkpoint("sealed, to cast or challenge")

    ballot.get_by_role("button", name="Challenge it: show me it is my choice").click()
    verdict = out.locator("[data-sealcheck-verdict]")
    expect(verdict).to_have_attribute("data-sealcheck-verdict", "ok", timeout=60_000)
    expect(verdict).to_contain_text("Checked: the server sealed exactly what you chose (For).")
    expect(out).to_contain_text("A fresh sealing has been made for you to cast", timeout=60_000)
    expect(ballot.get_by_role("button", name="Cast this sealed vote")).to_be_visible(timeout=60_000)
    sam.checkpoint("sealing checked out")

    ballot.get_by_role("button", name="Cast this sealed vote").click()
    sam.page.wait_for_url(f"**/vote/{ballot_id}/receipt")
    expect(sam.page.get_by_text("Your vote has been recorded.")).to_be_visible()
    tracker = sam.page.locator(".receipt .tracker").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}", tracker)
    sam.checkpoint("receipt")

    sam.page.get_by_role("link", name="Check your tracker is on the board").click()
    sam.page.wait_for_url(f"**/vote/{ballot_id}/board")
    expect(sam.page.locator("#board-answer")).to_contain_text(f"Found. {tracker} is on the board")
    expect(sam.page.get_by_role("heading", name="1 tracker")).to_be_visible()
    sam.checkpoint("board, her tracker found")

    ola = person("ola")  # votes without checking; Sam's board counts her vote without a reload
    log_in(ola, world.ola)
    ola.goto(f"/conferences/{cid}/vote/{ballot_id}", "ballot to vote in")
    ola.page.locator(f"#ballot-{ballot_id}").get_by_label("Against", exact=True).check()
    ola.page.get_by_role("button", name="Cast my vote").click()
    ola.page.wait_for_url(f"**/vote/{ballot_id}/receipt")
    expect(sam.page.locator(f"#ballot-{ballot_id}-turnout")).to_have_text("2 of 2 have voted.", timeout=60_000)
    sam.checkpoint("board, turnout counted live")

    sam.page.get_by_label("Your tracker").fill("AAAA-BBBB-CCCC")
    sam.page.get_by_role("button", name="Check the board").click()
    expect(sam.page.locator("#board-answer")).to_contain_text("Not found. AAAA-BBBB-CCCC is not on the board.")
    sam.checkpoint("board, a tracker not found")
