"""The chair runs the floor from an empty start to a declared result, through the pages alone.

Three motions wait for the committee, the first with two amendments. The committee rules them in
order and puts them into the debate on its pages. The chair (with two-factor) opens the item,
moves Motion 1 and records that the mover accepted Amendment 1.1. Sam asks to speak, Nia asks and
withdraws; the chair sets a time limit, calls Sam and ends the speech. The chair puts the contested Amendment
1.2 to the vote in one step; Sam, Ola (keyboard only) and Nia vote from their own browsers; the
chair closes and declares from the floor page. Then the motion as amended is put, voted on and
declared: the hall screen says "Carried by 2 votes to 1." (within 1280x720 and 1920x1080, no sideways
scroll at 360 px) and the delegates' pages say Carried.
Last, the chair records by mistake that Motion 3 fell and corrects the record, giving the reason.
No ballot is prepared by a fixture or a seed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Locator, expect

from tests.e2e.floor_world import (
    ACCEPTED_TEXT,
    CONTESTED_TEXT,
    HEADQUARTERS,
    ITEM,
    PAY,
    STAFFING,
    Floor,
    floor_to_run,
)
from tests.e2e.journey import Journey
from tests.e2e.people import accept_invitation, check_in, log_in
from tests.e2e.voting_people import still_same_document, vote_with_keyboard, watch_without_reload
from tests.e2e.world import World
from tests.helpers import PASSWORD

ACCEPTED = "Amendment 1.1 to Motion 1"
CONTESTED = f"Amendment 1.2 to Motion 1: {PAY}"
MOTION = f"Motion 1: {PAY}"
CORRECTION = "Motion 3 was not reached: it fell by a slip of the chair's hand."


def rule_in_order_and_schedule(cac: Journey, conference_id: int, motion_id: int, title: str,
                               amendments: tuple[str, ...] = ()) -> None:
    """From the committee's overview: open the motion, rule it (and its amendments) in order, put it in the item."""
    cac.goto(f"/conferences/{conference_id}/committee", "committee overview")
    cac.page.get_by_role("region", name="Motions waiting for a ruling").get_by_role(
        "link", name=title, exact=False).click()
    cac.page.wait_for_url(f"**/motions/{motion_id}")
    cac.checkpoint(f"{title} to rule on")
    committee = cac.page.get_by_role("region", name="Committee")
    committee.get_by_role("group", name="Ruling", exact=True).get_by_role("radio", name="In order").check()
    committee.get_by_role("button", name="Record the ruling", exact=True).click()
    cac.page.wait_for_url("**/committee?done=ruled")
    for label in amendments:
        cac.goto(f"/conferences/{conference_id}/motions/{motion_id}", f"{label} to rule on")
        committee = cac.page.get_by_role("region", name="Committee")
        committee.get_by_role("group", name=f"Ruling on {label}").get_by_role("radio", name="In order").check()
        committee.get_by_role("button", name=f"Record the ruling on {label}").click()
        cac.page.wait_for_url("**/committee?done=ruled")
    cac.goto(f"/conferences/{conference_id}/motions/{motion_id}", f"{title} to schedule")
    cac.page.get_by_label("Debate it in agenda item").select_option(label=ITEM)
    cac.page.get_by_role("button", name="Put on the agenda").click()
    cac.page.wait_for_url("**/committee?done=scheduled")
    cac.checkpoint(f"{title} scheduled")


def for_(button: str, what: str) -> re.Pattern[str]:
    """A button's name with the words only a screen reader hears ("Close voting: <title>")."""
    # Chromium reads the visually hidden part as a separate run of text, so a space may come before the colon.
    return re.compile(rf"^{re.escape(button)}\s*: {re.escape(what)}$")


def floor_action(chair: Journey, label: str, button: str) -> None:
    """Press one of the outcome buttons under '<label>: record what happened' on the floor page."""
    chair.page.get_by_role("group", name=f"{label}: record what happened").get_by_role(
        "button", name=for_(button, label)).click()
    chair.page.wait_for_load_state("domcontentloaded")


def confirm(chair: Journey, question: str, yes: str) -> None:
    """The confirmation page asks before an outcome goes on the record; say yes."""
    chair.page.wait_for_url("**/floor/**")
    expect(chair.page.get_by_role("heading", level=1)).to_have_text(question)
    chair.checkpoint(f"confirm: {question}")
    with chair.page.expect_navigation():
        chair.page.get_by_role("button", name=yes).click()
    assert chair.path.endswith("/floor?done=floor-changed"), (
        f"not recorded ({chair.path}): {chair.page.locator('main').inner_text()[:600]}")
    chair.checkpoint(f"recorded: {question}")


def put_to_vote(chair: Journey, title: str) -> int:
    """The chair's one step: the ballot on this question is made, opened and shown. Returns its id."""
    questions = chair.page.get_by_role("region", name="Put a question to the vote")
    questions.get_by_role("button", name=for_("Put to the vote now", title)).click()
    chair.page.wait_for_url("**/floor?done=voting")
    chair.checkpoint(f"voting on {title}")
    running = chair.page.get_by_role("region", name="Voting now")
    link = running.get_by_role("link", name=title, exact=True)
    expect(link).to_be_visible()
    return int((link.get_attribute("href") or "").rsplit("/", 1)[1])


def close_and_declare(chair: Journey, title: str) -> None:
    running = chair.page.get_by_role("region", name="Voting now")
    running.get_by_role("button", name=for_("Close voting", title)).click()
    chair.page.wait_for_url("**/floor**")
    chair.checkpoint(f"closed: {title}")
    chair.page.get_by_role("region", name="Voting now").get_by_role(
        "button", name=for_("Declare the result", title)).click()
    chair.page.wait_for_url("**/floor**")
    chair.checkpoint(f"declared: {title}")
    expect(chair.page.get_by_role("region", name="Voting now")).to_contain_text("No ballot is open.")


def vote_with_pointer(delegate: Journey, ballot_id: int, choice: str) -> None:
    ballot = delegate.page.locator(f"#ballot-{ballot_id}")
    ballot.get_by_label(choice, exact=True).check()
    ballot.get_by_role("button", name="Cast my vote").click()
    delegate.page.wait_for_url(f"**/vote/{ballot_id}/receipt")
    expect(delegate.page.get_by_text("Your vote has been recorded.")).to_be_visible()
    delegate.checkpoint(f"receipt for ballot {ballot_id}")


def ask_to_speak(delegate: Journey, conference_id: int, stance: str) -> None:
    delegate.goto(f"/conferences/{conference_id}/agenda", "agenda, item on the floor")
    asking = delegate.page.get_by_role("group", name=f"Ask to speak on {ITEM}")
    asking.get_by_role("radio", name=stance, exact=True).check()
    delegate.page.get_by_role("button", name="Ask to speak").click()
    delegate.page.wait_for_url("**/agenda?done=asked")
    delegate.checkpoint("asked to speak")
    expect(delegate.page.get_by_text(f"You are on the list to speak: {stance}.")).to_be_visible()


def all_vote(sam: Journey, ola: Journey, nia: Journey, conference_id: int, ballot_id: int, title: str) -> None:
    """Sam and Nia with a pointer, Ola by keyboard alone: 2 for, 1 against."""
    for delegate in (sam, ola, nia):
        ballot = delegate.page.locator(f"#ballot-{ballot_id}")
        # Watching the Vote page, each sees the ballot arrive without reloading.
        expect(ballot.get_by_role("group", name="Your vote")).to_be_visible(timeout=30_000)
        expect(ballot).to_contain_text(title)
        assert still_same_document(delegate), f"{delegate.who}'s page reloaded instead of showing the ballot live"
        delegate.checkpoint(f"ballot {ballot_id} arrived")
    vote_with_pointer(sam, ballot_id, "For")
    vote_with_keyboard(ola, ballot_id, "for")
    ola.page.wait_for_url(f"**/vote/{ballot_id}/receipt")
    ola.checkpoint(f"receipt for ballot {ballot_id}")
    vote_with_pointer(nia, ballot_id, "Against")
    for delegate in (sam, ola, nia):
        delegate.goto(f"/conferences/{conference_id}/vote", f"vote page after ballot {ballot_id}")
        expect(delegate.page.locator(f"#ballot-{ballot_id}")).to_contain_text("You have voted.")
        watch_without_reload(delegate)


def projector_at(journey: Journey, size: tuple[int, int], who: str) -> Journey:
    """The hall screen in a browser of its own at `size`, signed in as the chair's browser is."""
    width, height = size
    browser = journey.context.browser
    assert browser is not None
    context = browser.new_context(viewport={"width": width, "height": height},
                                  storage_state=journey.context.storage_state())
    context.set_default_timeout(10_000)
    return Journey(context, journey.base_url, journey.artifacts, who)


def fits_the_screen(projector: Journey, element: Locator) -> None:
    box = element.bounding_box()
    size = projector.page.viewport_size
    assert box is not None and size is not None
    assert projector.page.evaluate("() => window.scrollY") == 0
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], (
        f"the declared result runs below the fold at {size}: {box}")
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], f"the result overflows sideways: {box}"


def test_the_chair_runs_the_floor_from_an_empty_start_to_a_declared_result(
        person: Callable[[str], Journey], world: World, e2e_database_url: str) -> None:
    seeded: Floor = floor_to_run(e2e_database_url, world)
    cid = world.conference_id
    pay_id, staffing_id, hq_id = seeded.motion_ids
    cac, chair, sam, ola, nia = (person(who) for who in ("committee", "chair", "sam", "ola", "nia"))

    # The committee rules the motions and amendments in order and puts them into the debate.
    log_in(cac, seeded.committee_member)
    rule_in_order_and_schedule(cac, cid, pay_id, PAY, amendments=("Amendment 1.1", "Amendment 1.2"))
    rule_in_order_and_schedule(cac, cid, staffing_id, STAFFING)
    rule_in_order_and_schedule(cac, cid, hq_id, HEADQUARTERS)

    # An empty floor: no item open, nothing to vote on, no ballot anywhere.
    log_in(chair, world.chair)
    chair.goto(f"/conferences/{cid}/floor", "empty floor")
    expect(chair.page.get_by_role("region", name="Voting now")).to_contain_text("No ballot is open.")
    expect(chair.page.get_by_role("region", name="Put a question to the vote")).to_contain_text(
        "Nothing can be voted on yet: a motion must be moved first.")
    expect(chair.page.get_by_role("region", name="Motions in this item")).to_contain_text(
        "Open an agenda item to see its motions.")

    chair.page.get_by_label("Conference is on").select_option(label=ITEM)
    chair.page.get_by_role("button", name="Open this item").click()
    chair.page.wait_for_url("**/floor?done=floor-changed")
    chair.checkpoint("item open")
    in_item = chair.page.get_by_role("region", name="Motions in this item")
    for title in (PAY, STAFFING, HEADQUARTERS):
        expect(in_item).to_contain_text(title)

    # Moving takes effect at once; the amendments then come first in the voting order, in the motion's line order.
    floor_action(chair, "Motion 1", "Moved")
    chair.page.wait_for_url("**/floor?done=floor-changed")
    chair.checkpoint("motion 1 moved")
    questions = chair.page.get_by_role("region", name="Put a question to the vote").get_by_role("listitem")
    expect(questions).to_have_count(3)
    expect(questions.nth(0)).to_contain_text("Amendment 1.2")
    expect(questions.nth(1)).to_contain_text("Amendment 1.1")
    expect(questions.nth(2)).to_contain_text(MOTION)
    expect(questions.nth(2)).to_contain_text("After its amendments are decided.")

    floor_action(chair, "Amendment 1.1", "Accepted by the mover")
    confirm(chair, f"Record that {ACCEPTED} was accepted by the mover?",
            "Yes, record that it was accepted by the mover")
    expect(chair.page.get_by_role("region", name="Recorded on the floor")).to_contain_text("Amendment 1.1: accepted")
    expect(questions).to_have_count(2)

    # Nia arrives late: she sets her password from her enrolment link and checks in.
    accept_invitation(nia, world.newcomer_link_token, PASSWORD)
    check_in(nia, cid, world.session_name)
    log_in(sam, world.sam)
    log_in(ola, world.ola)

    # The debate: Sam asks to speak for; Nia asks to speak against, then thinks better of it.
    ask_to_speak(sam, cid, "For")
    ask_to_speak(nia, cid, "Against")
    nia.page.get_by_role("button", name="Withdraw my request to speak").click()
    nia.page.wait_for_url("**/agenda?done=withdrawn")
    nia.checkpoint("request to speak withdrawn")
    expect(nia.page.get_by_role("group", name=f"Ask to speak on {ITEM}")).to_be_visible()
    chair.goto(f"/conferences/{cid}/floor", "floor, a speaker waiting")
    speakers = chair.page.get_by_role("region", name="Speakers")
    expect(speakers.locator("fieldset")).to_have_count(1)  # Nia withdrew: only Sam waits
    expect(speakers.get_by_role("group", name="Sam Seated (Manchester): For")).to_be_visible()
    speakers.get_by_text("Time limits", exact=True).click()
    speakers.get_by_label("Each speech, in minutes").fill("3")
    speakers.get_by_role("button", name="Set the time limits").click()
    chair.page.wait_for_url("**/floor?done=limits")
    chair.page.get_by_role("button", name="Call the next speaker").click()
    chair.page.wait_for_url("**/floor?done=called")
    chair.checkpoint("Sam speaking")
    speakers = chair.page.get_by_role("region", name="Speakers")
    expect(speakers).to_contain_text("Speaking now: Sam Seated (Manchester): For")
    expect(speakers).to_contain_text("Time left for this speech:")
    expect(sam.page.locator("#floor-speakers")).to_contain_text("Speaking now: Sam Seated", timeout=30_000)
    chair.page.get_by_role("button", name="Speech finished").click()
    chair.page.wait_for_url("**/floor?done=floor-changed")
    chair.checkpoint("speech finished")

    for delegate in (sam, ola, nia):
        delegate.goto(f"/conferences/{cid}/vote", "vote page, nothing open")
        expect(delegate.page.locator("#no-ballots")).to_have_text("No vote is open now.")
        expect(delegate.page.locator("#live-status")).to_have_text("Live updates are on.")
        watch_without_reload(delegate)

    # The contested amendment, in one step.
    amendment_ballot = put_to_vote(chair, CONTESTED)
    all_vote(sam, ola, nia, cid, amendment_ballot, CONTESTED)
    chair.goto(f"/conferences/{cid}/floor", "floor, votes cast on the amendment")
    expect(chair.page.get_by_role("region", name="Voting now")).to_contain_text("3 of 3")
    close_and_declare(chair, CONTESTED)
    recorded = chair.page.get_by_role("region", name="Recorded on the floor")
    expect(recorded).to_contain_text(f"Amendment 1.2: carried by ballot {amendment_ballot}")

    # The motion as amended.
    questions = chair.page.get_by_role("region", name="Put a question to the vote").get_by_role("listitem")
    expect(questions).to_have_count(1)
    motion_ballot = put_to_vote(chair, MOTION)
    for delegate in (sam, ola, nia):
        question = delegate.page.locator(f"#ballot-{motion_ballot} .ballot__question")
        expect(question).to_contain_text(f"{MOTION}, as amended by Amendment 1.2, Amendment 1.1:", timeout=30_000)
        expect(question).to_contain_text(CONTESTED_TEXT)
        expect(question).to_contain_text(ACCEPTED_TEXT)
    all_vote(sam, ola, nia, cid, motion_ballot, MOTION)
    close_and_declare(chair, MOTION)
    expect(chair.page.get_by_role("region", name="Recorded on the floor")).to_contain_text(
        f"Motion 1: carried as amended by ballot {motion_ballot}")

    for delegate in (sam, ola, nia):
        ballot = delegate.page.locator(f"#ballot-{motion_ballot}")
        expect(ballot).to_contain_text("Carried", timeout=30_000)
        expect(delegate.page.locator("#ballot-news")).to_contain_text(f"Result declared: {MOTION}. Carried.")
        assert still_same_document(delegate), f"{delegate.who}'s page reloaded instead of showing the result live"
        delegate.checkpoint("result arrived live")

    # The hall screen: the result in words a hall understands, on one screen, and no sideways scroll on a phone.
    for size, who in (((1280, 720), "projector 1280x720"), ((1920, 1080), "projector 1920x1080"),
                      ((360, 740), "projector on a 360 px phone")):
        projector = projector_at(chair, size, who)
        try:
            projector.goto(f"/conferences/{cid}/projector?show=result", "declared result")
            stage = projector.page.locator("#projector-stage")
            expect(stage).to_contain_text(MOTION)
            expect(stage).to_contain_text("Carried by 2 votes to 1.")
            expect(stage).to_contain_text("Needed: a simple majority.")
            if size[0] >= 1280:
                fits_the_screen(projector, stage.locator(".result"))
            width = projector.page.evaluate("() => document.scrollingElement.scrollWidth")
            assert width <= size[0], f"the projector is {width} px wide on a {size[0]} px screen"
        finally:
            projector.context.close()

    # A slip: Motion 3 recorded as fallen, then put right with a reason.
    floor_action(chair, "Motion 3", "Fell")
    confirm(chair, f"Record that Motion 3: {HEADQUARTERS} fell?", "Yes, record that it fell")
    in_item = chair.page.get_by_role("region", name="Motions in this item")
    expect(in_item.get_by_role("heading", name=re.compile(rf"Motion 3: {HEADQUARTERS} \(Fell\)"))).to_be_visible()
    recorded = chair.page.get_by_role("region", name="Recorded on the floor")
    # Motion 1 stands as the ballot declared it, with its amendments as they were then: only Motion 3 is offered.
    expect(recorded.locator("summary")).to_have_text(["Correct Motion 3 (fell)"])
    correction = recorded.locator("details").filter(has=chair.page.locator("summary", has_text="Correct Motion 3"))
    correction.locator("summary").click()
    correction.get_by_label("What the record should say").select_option(label="Back to scheduled (undo)")
    correction.get_by_label("Reason for the correction").fill(CORRECTION)
    chair.checkpoint("correcting motion 3")
    correction.get_by_role("button", name="Correct the record").click()
    chair.page.wait_for_url("**/floor?done=corrected")
    chair.checkpoint("motion 3 corrected")
    recorded = chair.page.get_by_role("region", name="Recorded on the floor")
    expect(recorded).to_contain_text("Motion 3: fell")
    expect(recorded).to_contain_text(f"Corrected: fell to scheduled ({CORRECTION})")
    in_item = chair.page.get_by_role("region", name="Motions in this item")
    expect(in_item.get_by_role("heading", name=re.compile(rf"Motion 3: {HEADQUARTERS} \(Scheduled\)"))).to_be_visible()
    expect(in_item.get_by_role("group", name="Motion 3: record what happened")).to_be_visible()
