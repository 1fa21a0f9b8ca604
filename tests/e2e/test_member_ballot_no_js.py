"""A member opens the voting link from their email and votes with JavaScript switched off.

The form is plain HTML: the member picks an answer, sends it, and gets a receipt with a tracker;
opening the link again offers no second vote. axe-core needs JavaScript in the page, so the
member's own pages are only screenshotted; the same form is checked for accessibility in a
browser with JavaScript, through another member's link (opening a link spends nothing).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.ballots_world import QUESTION, member_ballot
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.journey import VIEWPORTS, Journey
from tests.e2e.server import LiveServer


@pytest.fixture
def member_without_javascript(server: LiveServer, browser: object, viewport: str, request: pytest.FixtureRequest
                              ) -> Iterator[Journey]:
    context = browser.new_context(**VIEWPORTS[viewport], java_script_enabled=False)  # type: ignore[attr-defined]
    context.set_default_timeout(10_000)
    artifacts: Path = ARTIFACTS / request.node.name.replace("[", "-").rstrip("]")
    yield Journey(context, server.base_url, artifacts, "member")
    context.close()


def _screenshot(journey: Journey, step: str) -> None:
    journey.artifacts.mkdir(parents=True, exist_ok=True)
    journey.page.screenshot(path=str(journey.artifacts / f"{journey.who}-{step}.png"), full_page=True)


def test_a_member_votes_from_the_link_without_javascript(member_without_javascript: Journey,
                                                         person: Callable[[str], Journey],
                                                         e2e_database_url: str) -> None:
    ballot = member_ballot(e2e_database_url)
    person("another member").goto(f"/vote/{ballot.links['M2']}", "ballot form, checked with axe")

    member = member_without_javascript
    page = member.page
    response = page.goto(member.url(f"/vote/{ballot.links['M1']}"))
    assert response is not None and response.status == 200
    _screenshot(member, "ballot-form")
    expect(page.get_by_role("heading", level=1)).to_have_text(ballot.title)
    answers = page.get_by_role("group", name=QUESTION)
    answers.get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Send my vote").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your vote is recorded")
    receipt = page.get_by_role("definition")
    expect(receipt).to_contain_text("You answered Yes.")
    expect(receipt.locator("code")).to_have_text(re.compile(r"\S{6,}"))
    _screenshot(member, "receipt")

    page.goto(member.url(f"/vote/{ballot.links['M1']}"))
    expect(page.get_by_role("alert")).to_contain_text("A vote has already been cast with this credential.")
    expect(page.get_by_role("button", name="Send my vote")).to_have_count(0)
    _screenshot(member, "link-opened-again")
