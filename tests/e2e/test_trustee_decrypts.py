"""The returning officer holds the key: made in their browser, the ballot sealed to it, decrypted from their page.

The returning officer (with two-factor) opens the Trustees page, makes a key in the browser (its
file downloads to their computer; the server gets only the public key and its proof) and registers
it. The chair prepares a secret ballot whose key the trustees hold and opens it; Sam and Ola vote.
The chair closes voting: the result cannot be declared yet. The returning officer loads the key file
into the page (read on their computer, never uploaded) and presses "Decrypt the result" once; the
browser fetches the sealed tally, recomputes it, decrypts it with its proof and sends the partial
decryption, which the server checks. The chair declares: 2 for, 0 against, carried. No ballot or key
is made by a fixture or a seed; the returning officer's and delegates' accounts are seeded.

Without JavaScript the same page serves a trustee whose key came from `unionvote trustee keygen`: they
register the line it printed, download the sealed tally, run `unionvote trustee decrypt` and upload its output.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from playwright.sync_api import expect

from tests.e2e.journey import Journey
from tests.e2e.people import log_in
from tests.e2e.trustee_world import returning_officer
from tests.e2e.voting_people import press_and_confirm, vote_with_keyboard
from tests.e2e.voting_world import checked_in
from tests.e2e.world import World
from tests.subprocesses import clean_env, unionvote
from unionvote.sealing.trustees import TrusteeKey

TITLE = "Motion 7: Sealed ballots for every election"


def make_and_register_a_key(officer: Journey, cid: int) -> str:
    """Make a key in the browser, keep its file, register its public key; returns where the file was saved."""
    officer.goto(f"/conferences/{cid}/trustees", "trustees page, no key yet")
    page = officer.page
    expect(page.get_by_role("status").filter(has_text="No key is loaded.")).to_be_visible()
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Make a new key in this browser").click()
    download = downloading.value
    saved = officer.artifacts / f"{officer.who}-{download.suggested_filename}"
    download.save_as(saved)
    expect(page.locator("#key-status")).to_contain_text("Key loaded (made here)")
    expect(page.locator("#key-status")).to_contain_text("never sent to the server")
    officer.checkpoint("key made in the browser")
    key_file = json.loads(saved.read_text())
    TrusteeKey.from_key_file(key_file)  # the file `unionvote trustee decrypt` reads
    pasted = json.loads(page.get_by_label("Public key and its proof").input_value())
    assert set(pasted) == {"public_key", "proof"} and pasted["public_key"] == key_file["public_key"]
    page.get_by_label("Who holds this key").fill("Returning officer")
    page.get_by_role("button", name="Register this key").click()
    # Registered without reloading the page, so the key made here is still loaded.
    expect(page.get_by_role("region", name="Registered trustee keys")).to_contain_text(key_file["public_key"])
    expect(page.locator(".notice")).to_contain_text("The trustee's public key has been registered.")
    expect(page.locator("#key-status")).to_contain_text("Key loaded (made here)")
    officer.checkpoint("key registered")
    return str(saved)


def prepare_sealed_to_trustees(chair: Journey, cid: int) -> int:
    chair.goto(f"/conferences/{cid}/ballots/new", "prepare a ballot")
    page = chair.page
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("The question").fill("That conference seals every secret ballot.")
    page.get_by_label("For, against or abstain").check()
    page.get_by_label("Secret ballot").check()
    page.get_by_label("The trustees hold the key").check()
    page.get_by_role("button", name="Prepare the ballot").click()
    page.wait_for_url("**?done=created")
    chair.checkpoint("ballot sealed to the trustees prepared")
    return int(chair.path.split("?")[0].rsplit("/", 1)[1])


def test_the_returning_officer_decrypts_the_result_from_their_page(
        person: Callable[[str], Journey], world: World, e2e_database_url: str) -> None:
    checked_in(e2e_database_url, world, world.sam, world.ola)
    officer_person = returning_officer(e2e_database_url, world)
    cid = world.conference_id
    officer, chair, sam, ola = (person(who) for who in ("officer", "chair", "sam", "ola"))

    log_in(officer, officer_person)
    key_path = make_and_register_a_key(officer, cid)

    log_in(chair, world.chair)
    ballot_id = prepare_sealed_to_trustees(chair, cid)
    press_and_confirm(chair, "Open voting")
    expect(chair.page.locator(f"#ballot-{ballot_id}-state")).to_have_text("Voting is open")

    for delegate, who in ((sam, world.sam), (ola, world.ola)):
        log_in(delegate, who)
        delegate.goto(f"/conferences/{cid}/vote", "vote page, a sealed ballot open")
    sam.page.locator(f"#ballot-{ballot_id}").get_by_label("For", exact=True).check()
    sam.page.get_by_role("button", name="Cast my vote").click()
    sam.page.wait_for_url(f"**/vote/{ballot_id}/receipt")
    vote_with_keyboard(ola, ballot_id, "for")
    ola.page.wait_for_url(f"**/vote/{ballot_id}/receipt")

    press_and_confirm(chair, "Close voting")
    press_and_confirm(chair, "Declare the result")
    expect(chair.page.get_by_role("alert")).to_contain_text("has not yet sent their partial decryption")
    expect(chair.page.locator(f"#ballot-{ballot_id}-trustees")).to_contain_text(
        "The trustees hold this ballot's key: 0 of 1 has decrypted the result so far.")

    # The returning officer's one action: the key file loaded once, then "Decrypt the result".
    officer.goto(f"/conferences/{cid}/trustees", "trustees page, a ballot to decrypt")
    waiting = officer.page.locator(f"#awaiting-{ballot_id}")
    expect(waiting).to_contain_text("0 of 1 trustee has decrypted: Returning officer (waiting)")
    officer.page.get_by_label("Load your key file").set_input_files(key_path)
    expect(officer.page.locator("#key-status")).to_contain_text("Key loaded")
    officer.checkpoint("key loaded from its file")
    officer.page.get_by_label("Also check every vote's proofs before decrypting").check()
    waiting.get_by_role("button", name="Decrypt the result").click()
    expect(officer.page.locator("#decrypt-message")).to_contain_text(
        f"Ballot {ballot_id}: Every trustee has decrypted: the chair can declare the result.", timeout=60_000)
    expect(officer.page.locator(f"#awaiting-{ballot_id}")).to_contain_text("Returning officer (done)")
    officer.checkpoint("result decrypted")

    chair.goto(f"/conferences/{cid}/ballots/{ballot_id}", "console, decrypted")
    press_and_confirm(chair, "Declare the result")
    expect(chair.page.locator("main")).to_contain_text("Carried")
    result = chair.page.locator(".result")
    expect(result.first).to_contain_text("2")


def without_javascript(journey: Journey, who: str) -> Journey:
    """The same person in a browser with JavaScript turned off, signed in as `journey` is."""
    browser = journey.context.browser
    assert browser is not None
    context = browser.new_context(java_script_enabled=False, storage_state=journey.context.storage_state(),
                                  viewport=journey.page.viewport_size)
    context.set_default_timeout(10_000)
    return Journey(context, journey.base_url, journey.artifacts, who)


def visit(journey: Journey, path: str, step: str) -> None:
    """Go to a page and keep a screenshot (axe needs scripts, so pages without them are checked by the journey
    above, which passes through the same page with JavaScript on)."""
    response = journey.page.goto(journey.url(path))
    assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
    screenshot(journey, step)


def screenshot(journey: Journey, step: str) -> None:
    journey.artifacts.mkdir(parents=True, exist_ok=True)
    journey.page.screenshot(path=str(journey.artifacts / f"{journey.who}-{step}.png"), full_page=True)


def test_without_javascript_the_officer_decrypts_with_the_command_line_and_uploads_the_result(
        person: Callable[[str], Journey], world: World, e2e_database_url: str) -> None:
    """A key from `unionvote trustee keygen`; the tally downloaded from the page, decrypted by `unionvote trustee
    decrypt` on the officer's computer, and its output uploaded: no script runs in the officer's browser."""
    checked_in(e2e_database_url, world, world.sam, world.ola)
    officer_person = returning_officer(e2e_database_url, world)
    cid = world.conference_id
    signed_in, chair, sam = (person(who) for who in ("officer", "chair", "sam"))
    log_in(signed_in, officer_person)
    officer = without_javascript(signed_in, "officer-no-js")
    key_file = officer.artifacts / f"{world.tag}-officer.key"
    made = unionvote("trustee", "keygen", "--out", str(key_file), env=clean_env())
    assert made.returncode == 0, made.stderr

    visit(officer, f"/conferences/{cid}/trustees", "trustees-page")
    expect(officer.page.get_by_role("button", name="Make a new key in this browser")).to_be_hidden()
    officer.page.get_by_label("Public key and its proof").fill(made.stdout.strip())
    officer.page.get_by_role("button", name="Register this key").click()
    officer.page.wait_for_url("**/trustees?done=registered")
    screenshot(officer, "key-registered")

    log_in(chair, world.chair)
    ballot_id = prepare_sealed_to_trustees(chair, cid)
    press_and_confirm(chair, "Open voting")
    log_in(sam, world.sam)
    sam.goto(f"/conferences/{cid}/vote", "vote page, a sealed ballot open")
    sam.page.locator(f"#ballot-{ballot_id}").get_by_label("Against", exact=True).check()
    sam.page.get_by_role("button", name="Cast my vote").click()
    sam.page.wait_for_url(f"**/vote/{ballot_id}/receipt")
    press_and_confirm(chair, "Close voting")

    visit(officer, f"/conferences/{cid}/trustees", "a-ballot-to-decrypt")
    waiting = officer.page.locator(f"#awaiting-{ballot_id}")
    expect(waiting.get_by_role("button", name="Decrypt the result")).to_be_hidden()
    waiting.get_by_text("Decrypt on your own computer instead").click()
    with officer.page.expect_download() as downloading:
        waiting.get_by_role("link", name=f"Download the sealed tally of ballot {ballot_id}").click()
    tally = officer.artifacts / f"{world.tag}-tally.json"
    downloading.value.save_as(tally)
    partial = officer.artifacts / f"{world.tag}-partial.json"
    decrypted = unionvote("trustee", "decrypt", "--key", str(key_file), str(tally), "--out", str(partial),
                          env=clean_env())
    assert decrypted.returncode == 0, decrypted.stderr
    waiting.get_by_label(f"Partial decryption of ballot {ballot_id}").set_input_files(str(partial))
    waiting.get_by_role("button", name="Send the partial decryption").click()
    officer.page.wait_for_url("**/trustees?done=decrypted")
    expect(officer.page.locator(f"#awaiting-{ballot_id}")).to_contain_text(
        "Every trustee has decrypted: the chair can declare the result.")
    screenshot(officer, "decrypted")

    chair.goto(f"/conferences/{cid}/ballots/{ballot_id}", "console, decrypted")
    press_and_confirm(chair, "Declare the result")
    expect(chair.page.locator("main")).to_contain_text("Lost")
    officer.context.close()
