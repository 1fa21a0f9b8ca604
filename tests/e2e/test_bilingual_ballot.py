"""A member of a Welsh union opens a bilingual member ballot on a small phone (360 px wide): each question
and answer reads in Welsh with the English beside it, side by side, and nothing pushes the page sideways.

From nothing, through the pages: the install's first administrator sets the ballot up in English,
imports its members, then on the ballot's Languages page makes Welsh its language, bilingual with
English, and writes the Welsh title, description, question and answers; downloads the voting links
and opens the ballot. The member's phone asks for English, as most phones sold here do: the ballot's
own language decides.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.ballots_world import MEMBERS, QUESTION
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.journey import VIEWPORTS, Journey
from tests.e2e.people import (
    choose_language,
    create_member_ballot,
    first_administrator,
    import_members,
    log_in,
    open_member_ballot,
    voting_links,
)
from tests.e2e.server import LiveServer

WELSH_QUESTION = "Ydych chi'n derbyn cynnig cyflog terfynol y cyflogwyr, sy'n cynnwys codiad cyffredinol?"
SMALL_PHONE = {**VIEWPORTS["phone"], "viewport": {"width": 360, "height": 740}}


@pytest.fixture
def browsers(server: LiveServer, browser: object, request: pytest.FixtureRequest) -> Iterator[dict[str, Journey]]:
    """The administrator at a desk; the member on a small phone that asks for English."""
    opened = {}
    for who, size in (("administrator", VIEWPORTS["desktop"]), ("welsh member", SMALL_PHONE)):
        context = browser.new_context(**size, locale="en-GB")  # type: ignore[attr-defined]
        context.set_default_timeout(30_000)
        opened[who] = Journey(context, server.base_url, ARTIFACTS / request.node.name, who)
    yield opened
    for journey in opened.values():
        journey.context.close()


def make_it_welsh_and_english(admin: Journey, ballot_id: int, tag: str) -> None:
    """On the ballot's Languages page: Welsh first, English beside it, and the Welsh wording."""
    page = admin.page
    page.get_by_role("navigation", name="This ballot").get_by_role("link", name="Languages").click()
    page.wait_for_url(f"**/member-ballots/{ballot_id}/languages")
    admin.checkpoint("ballot languages")
    page.get_by_label("The ballot's language").select_option("cy")
    page.get_by_label("Bilingual", exact=True).select_option("cy")
    welsh = page.get_by_role("group", name="In Cymraeg (optional)")
    welsh.get_by_label("Title").fill(f"Cynnig cyflog {tag}")
    welsh.get_by_label("Description").fill("Mae'r cyflogwyr wedi gwneud cynnig terfynol.")
    welsh.get_by_label(f"Question 1: {QUESTION}").fill(WELSH_QUESTION)
    welsh.get_by_label("The answers to question 1, one a line").fill("Ydw\nNac ydw")
    page.get_by_role("button", name="Save languages").click()
    page.wait_for_url("**/languages?done=saved")
    # The ballot's own pages now follow its language for anyone who chose none, staff too: English, please.
    choose_language(admin, "en")
    expect(page.get_by_role("status")).to_contain_text("The ballot's languages have been saved.")
    admin.checkpoint("ballot languages saved")
    admin.goto(f"/member-ballots/{ballot_id}", "ballot before opening")


def test_a_bilingual_ballot_reads_in_welsh_and_english_side_by_side_on_a_small_phone(
        browsers: dict[str, Journey], e2e_database_url: str) -> None:
    tag = uuid.uuid4().hex[:8]
    admin = browsers["administrator"]
    log_in(admin, first_administrator(e2e_database_url, tag))
    ballot_id = create_member_ballot(admin, f"cyflog-{tag}", "The employers have made a final offer.", QUESTION)
    import_members(admin, MEMBERS.format(tag=tag))
    make_it_welsh_and_english(admin, ballot_id, tag)
    links = voting_links(admin)
    open_member_ballot(admin)

    welsh_member = browsers["welsh member"]
    welsh_member.goto(links["M1"], "bilingual ballot form")  # checked with axe
    page = welsh_member.page
    expect(page.locator("html")).to_have_attribute("lang", "cy")  # the ballot's own language
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Cynnig cyflog {tag}")
    legend = page.locator("legend")
    welsh, english = legend.locator('[lang="cy"]'), legend.locator('[lang="en"]')
    expect(welsh).to_have_text(WELSH_QUESTION)
    expect(english).to_have_text(QUESTION)
    first, second = welsh.bounding_box(), english.bounding_box()
    assert first is not None and second is not None
    assert first["x"] + first["width"] <= second["x"] + 1, "the two languages should stand side by side"
    assert abs(first["y"] - second["y"]) < 40, "side by side, not one under the other"
    answer = page.get_by_label("Ydw Yes")
    expect(answer).to_have_count(1)
    expect(page.get_by_label("Nac ydw No")).to_have_count(1)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at 360px"
    answer.check()
    page.get_by_role("button", name="Anfon fy mhleidlais").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator("dl code")).to_have_count(1)  # the receipt's tracker
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    welsh_member.checkpoint("bilingual receipt")
