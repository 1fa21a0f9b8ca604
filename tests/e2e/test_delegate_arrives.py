"""A delegate opens their enrolment link, sets a password, and checks in: by touch, mouse, or keyboard alone."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from tests.e2e.journey import Journey
from tests.e2e.people import accept_invitation, check_in
from tests.e2e.world import World

NEW_PASSWORD = "a long walk to the branch office"


def test_a_delegate_accepts_the_invitation_sets_a_password_and_checks_in(
        person: Callable[[str], Journey], world: World) -> None:
    nia = person("nia")
    accept_invitation(nia, world.newcomer_link_token, NEW_PASSWORD)
    nia.checkpoint("my conference after enrolling")
    expect(nia.page.get_by_role("region", name="Your status")).to_contain_text("You are not checked in.")

    check_in(nia, world.conference_id, world.session_name)
    nia.checkpoint("checked in")
    nia.page.reload()
    expect(nia.page.get_by_role("region", name="Your status")).to_contain_text("You are checked in.")
    expect(nia.page.get_by_role("button", name=f"Check out of {world.session_name}")).to_be_visible()

    # The link worked once: opening it again explains why it no longer works.
    spent = nia.page.goto(nia.url(f"/enrol/{world.newcomer_link_token}"))
    assert spent is not None and spent.status >= 400
    nia.checkpoint("link already used")


def test_a_delegate_can_enrol_and_check_in_with_the_keyboard_alone(
        person: Callable[[str], Journey], world: World) -> None:
    nia = person("nia (keyboard)")
    keys = nia.page.keyboard
    nia.goto(f"/enrol/{world.newcomer_link_token}", "set your password")
    nia.tab_to("#password")
    keys.type(NEW_PASSWORD)
    nia.tab_to("#password_again")
    keys.type(NEW_PASSWORD)
    nia.tab_to("main form button[type=submit]")
    keys.press("Enter")
    nia.page.wait_for_url("**/me?done=enrolled")
    nia.checkpoint("my conference after enrolling")

    nia.tab_to("form[action$='/check-in'] button")
    keys.press("Space")
    nia.page.wait_for_url("**/me?done=you-checked-in")
    expect(nia.page.get_by_role("region", name="Your status")).to_contain_text("You are checked in.")
    nia.checkpoint("checked in")
