"""Quorum rules: a number of delegates, a share of bodies, a share of the card weight; exact at the edges."""

from __future__ import annotations

import pytest

from tests.integration.conferences.builders import (
    STAFF,
    Factory,
    arrive,
    bodies_csv,
    delegates_csv,
    ids,
    load,
    session_now,
)
from unionvote.conferences.quorum import QuorumStatus, parse_quorum_rule, quorum, rule_in_words, share_needed
from unionvote.conferences.settings import SettingsChange, update_settings
from unionvote.db import session_scope
from unionvote.errors import RuleViolation

# Twelve branches; B01 has 1,000 members, the other eleven 100 each: 2,100 in all.
BODIES = bodies_csv(("B01", 1000), *((f"B{n:02}", 100) for n in range(2, 13)))
DELEGATES = delegates_csv(*((f"D{n:02}", f"B{n:02}", "delegate", "yes") for n in range(1, 13)),
                          ("D01B", "B01", "delegate"), ("OBS", "", "observer"))


@pytest.fixture
async def d(factory: Factory, conference_id: int) -> dict[str, int]:
    await load(factory, conference_id, bodies=BODIES, delegates=DELEGATES)
    return await ids(factory, conference_id)


@pytest.fixture
async def session_id(factory: Factory, conference_id: int) -> int:
    return await session_now(factory, conference_id)


async def status_with_rule(factory: Factory, conference_id: int, kind: str, value: str | None) -> QuorumStatus:
    async with session_scope(factory) as db:
        await update_settings(db, conference_id, SettingsChange(quorum_kind=kind, quorum_value=value), by=STAFF)
        return await quorum(db, conference_id)


async def test_without_a_rule_the_panel_still_counts_who_is_here(
        factory: Factory, conference_id: int, d: dict[str, int], session_id: int) -> None:
    await arrive(factory, session_id, d["D01"], d["D01B"], d["OBS"])

    async with session_scope(factory) as db:
        status = await quorum(db, conference_id)

    assert (status.met, status.required, status.rule_text) == (True, None, "No quorum rule is set.")
    assert (status.present, status.bodies_represented, status.bodies_total) == (2, 1, 12)  # the observer is not counted
    assert (status.weight_present, status.weight_total, status.business_session_id) == (1000, 2100, session_id)


async def test_a_quorum_of_delegates_is_met_by_that_many_voting_delegates(
        factory: Factory, conference_id: int, d: dict[str, int], session_id: int) -> None:
    await arrive(factory, session_id, d["D01"], d["D02"], d["OBS"])
    short = await status_with_rule(factory, conference_id, "delegates", "3")
    assert (short.met, short.present, short.required) == (False, 2, 3)
    assert short.rule_text == "At least 3 voting delegates must be present."
    assert short.summary == "Not quorate: 2 voting delegates present, 3 needed."

    await arrive(factory, session_id, d["D03"])
    async with session_scope(factory) as db:
        assert (await quorum(db, conference_id)).met


async def test_half_of_twelve_bodies_needs_six_represented(
        factory: Factory, conference_id: int, d: dict[str, int], session_id: int) -> None:
    await arrive(factory, session_id, *(d[f"D{n:02}"] for n in range(1, 6)), d["D01B"])
    five = await status_with_rule(factory, conference_id, "bodies_share", "1/2")
    assert (five.met, five.bodies_represented, five.required) == (False, 5, 6)
    assert five.rule_text == "At least one half of the bodies must be represented by a present delegate."

    await arrive(factory, session_id, d["D06"])
    async with session_scope(factory) as db:
        six = await quorum(db, conference_id)
    assert (six.met, six.bodies_represented) == (True, 6)
    assert six.summary == "Quorate: 6 of 12 bodies represented, 6 needed."


async def test_two_thirds_of_the_card_weight_is_counted_exactly(
        factory: Factory, conference_id: int, d: dict[str, int], session_id: int) -> None:
    # 2/3 of 2,100 members is exactly 1,400: B01 (1,000) and four more bodies (400) make it.
    await arrive(factory, session_id, *(d[f"D{n:02}"] for n in range(1, 5)))
    short = await status_with_rule(factory, conference_id, "weight_share", "2/3")
    assert (short.met, short.weight_present, short.required) == (False, 1300, 1400)
    assert short.rule_text == ("Bodies holding at least two thirds of the total card vote (membership) "
                               "must be represented.")

    await arrive(factory, session_id, d["D05"])
    async with session_scope(factory) as db:
        assert (await quorum(db, conference_id)).met


def test_shares_round_up_to_the_next_whole_count_and_never_ask_for_nobody() -> None:
    assert share_needed(parse_quorum_rule("bodies_share", "1/2").share, 13) == 7
    assert share_needed(parse_quorum_rule("weight_share", "2/3").share, 1000) == 667
    assert share_needed(parse_quorum_rule("bodies_share", "1/3").share, 0) == 1


def test_rules_are_stored_exactly_and_printed_in_words() -> None:
    assert parse_quorum_rule("bodies_share", " 2 / 3 ").value == "2/3"
    assert rule_in_words(parse_quorum_rule("bodies_share", "51/100")).startswith("At least 51% of the bodies")
    assert rule_in_words(parse_quorum_rule("weight_share", "3/4")).startswith("Bodies holding at least three quarters")
    assert rule_in_words(parse_quorum_rule("delegates", "1500")) == "At least 1,500 voting delegates must be present."


@pytest.mark.parametrize(("kind", "value", "message"), [
    ("most", "1", "must be one of: none, delegates, bodies_share, weight_share"),
    ("delegates", "1/2", "a whole number of delegates, such as 150, not '1/2'"),
    ("delegates", "0", "a whole number of delegates"),
    ("bodies_share", "0.5", "fraction such as 1/2 or 2/3"),
    ("weight_share", "3/2", "at most 1"),
    ("weight_share", None, "fraction such as 1/2"),
])
def test_a_badly_written_rule_is_refused_with_how_to_write_it(kind: str, value: str | None, message: str) -> None:
    with pytest.raises(RuleViolation, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_quorum_rule(kind, value)


async def test_a_refused_rule_changes_no_setting(factory: Factory, conference_id: int) -> None:
    with pytest.raises(RuleViolation):
        await status_with_rule(factory, conference_id, "bodies_share", "2")

    async with session_scope(factory) as db:
        status = await quorum(db, conference_id)
    assert status.rule.kind == "none"
