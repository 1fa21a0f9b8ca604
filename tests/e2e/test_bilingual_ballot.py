"""A member of a Welsh union opens a bilingual member ballot on a small phone (360 px wide): each question
and answer reads in Welsh with the English beside it, side by side, and nothing pushes the page sideways.

The ballot is seeded through the ballots services with its Welsh wording, as ballots_world seeds one;
the staff page that sets the wording is covered by tests/integration/languages/test_bilingual_ballot.py.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.conftest import TEST_SECRET
from tests.e2e.ballots_world import MEMBERS, QUESTION
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.journey import Journey
from tests.e2e.server import LiveServer
from tests.e2e.world import in_own_loop
from unionvote.ballots import languages
from unionvote.ballots.credentials import issue_credentials
from unionvote.ballots.members import import_members
from unionvote.ballots.services import MemberBallotSpec, QuestionSpec, create_member_ballot, open_ballot, questions_of
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope, utcnow
from unionvote.sealing.server_key import configure as configure_sealing

WELSH_QUESTION = "Ydych chi'n derbyn cynnig cyflog terfynol y cyflogwyr, sy'n cynnwys codiad cyffredinol?"
SMALL_PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
               "device_scale_factor": 2}


async def _seed(database_url: str) -> str:
    configure_sealing(TEST_SECRET)
    tag = uuid.uuid4().hex[:8]
    engine = make_engine(Settings(database_url=database_url))
    now = utcnow()
    try:
        async with session_scope(make_session_factory(engine)) as db:
            ballot = await create_member_ballot(db, MemberBallotSpec(
                slug=f"cyflog-{tag}", title=f"Pay offer {tag}", description="The employers have made a final offer.",
                opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=14),
                questions=[QuestionSpec(QUESTION)], min_segment=10), by=None)
            await import_members(db, ballot.id, io.BytesIO(MEMBERS.format(tag=tag).encode()), by=None)  # type: ignore[arg-type]
            [question] = await questions_of(db, ballot.id)  # type: ignore[arg-type]
            await languages.set_languages(db, ballot.id, languages.BallotLanguages(  # type: ignore[arg-type]
                "cy", "cy", {"cy": {"title": f"Cynnig cyflog {tag}",
                                    "description": "Mae'r cyflogwyr wedi gwneud cynnig terfynol."}},
                {question.id: {"cy": {"text": WELSH_QUESTION, "options": {"yes": "Ydw", "no": "Nac ydw"}}}}))  # type: ignore[dict-item]
            [first, *_] = await issue_credentials(db, ballot.id, by=None)  # type: ignore[arg-type]
            await open_ballot(db, ballot.id, by=None)  # type: ignore[arg-type]
            return first.link_token
    finally:
        await engine.dispose()


@pytest.fixture
def welsh_member(server: LiveServer, browser: object, request: pytest.FixtureRequest) -> Iterator[Journey]:
    context = browser.new_context(**SMALL_PHONE, locale="en-GB")  # type: ignore[attr-defined]
    context.set_default_timeout(30_000)
    yield Journey(context, server.base_url, ARTIFACTS / request.node.name, "welsh member")
    context.close()


def test_a_bilingual_ballot_reads_in_welsh_and_english_side_by_side_on_a_small_phone(
        welsh_member: Journey, e2e_database_url: str) -> None:
    link = in_own_loop(_seed(e2e_database_url))
    welsh_member.goto(f"/vote/{link}", "bilingual ballot form")  # checked with axe
    page = welsh_member.page
    expect(page.locator("html")).to_have_attribute("lang", "cy")  # the ballot's own language
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
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at 360px"
    answer.check()
    page.get_by_role("button", name="Anfon fy mhleidlais").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator("dl code")).to_have_count(1)  # the receipt's tracker
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
