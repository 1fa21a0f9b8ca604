"""What people do in the product, step by step, as reusable pieces of journeys.

Each helper acts through the visible page (labels and button names, as a person reads them)
and checkpoints every page it lands on. New journeys (voting, ballots) build on these.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.journey import Journey
from tests.e2e.world import Person
from tests.helpers import fresh_totp_code


def log_in(journey: Journey, person: Person, *, next_path: str = "/") -> None:
    """Email and password, then the authenticator code when the account has two-factor."""
    query = f"?next={next_path}" if next_path != "/" else ""
    journey.goto(f"/login{query}", "login")
    page = journey.page
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Log in").click()
    if person.totp_secret is not None:
        page.wait_for_url("**/login/totp**")
        journey.checkpoint("security code")
        page.get_by_label("Security code").fill(fresh_totp_code(person.totp_secret))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: "/login" not in url)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def accept_invitation(journey: Journey, token: str, password: str) -> None:
    """Open the enrolment link, choose a password twice, land on the conference home."""
    journey.goto(f"/enrol/{token}", "set your password")
    page = journey.page
    page.get_by_label("New password").fill(password)
    page.get_by_label("Type the same password again").fill(password)
    page.get_by_role("button", name="Set password and log in").click()
    page.wait_for_url("**/me?done=enrolled")


def check_in(journey: Journey, conference_id: int, session_name: str) -> None:
    """From the delegate's conference home: press the big check-in button."""
    page = journey.page
    if f"/conferences/{conference_id}/me" not in page.url:
        journey.goto(f"/conferences/{conference_id}/me", "my conference")
    page.get_by_role("button", name=f"Check in to {session_name}").click()
    page.wait_for_url("**/me?done=you-checked-in")
    expect(page.get_by_role("region", name="Your status")).to_contain_text("You are checked in.")
