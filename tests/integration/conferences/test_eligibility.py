"""Who may vote now, and with what weight: every accreditation status, presence, and both card modes."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest

from tests.integration.conferences.builders import (
    STAFF,
    Factory,
    accredit,
    arrive,
    bodies_csv,
    check_in,
    delegates_csv,
    ids,
    load,
    session_now,
)
from unionvote.conferences import accreditation, presence
from unionvote.conferences.eligibility import EligibleVoter, eligible_voters
from unionvote.conferences.models import BusinessSession
from unionvote.conferences.settings import SettingsChange, update_settings
from unionvote.db import session_scope, utcnow
from unionvote.errors import RuleViolation

REGISTER = delegates_csv(
    ("L1", "LON", "delegate", "yes"), ("L2", "LON", "delegate"), ("L3", "LON", "delegate"),
    ("LS", "LON", "substitute"), ("M1", "MAN", "delegate", "yes"), ("M2", "MAN", "delegate"),
    ("C1", "CAR", "delegate", "yes"), ("O1", "", "observer"), ("V1", "", "visitor"),
)


@pytest.fixture
async def d(factory: Factory, conference_id: int) -> dict[str, int]:
    """The register's delegate ids by membership number."""
    await load(factory, conference_id, bodies=bodies_csv(("LON", 1000), ("MAN", 600), ("CAR", 400)),
               delegates=REGISTER)
    return await ids(factory, conference_id)


@pytest.fixture
async def session_id(factory: Factory, conference_id: int) -> int:
    return await session_now(factory, conference_id)


async def voters(factory: Factory, conference_id: int, **kw: object) -> dict[int, Fraction]:
    async with session_scope(factory) as db:
        return {v.delegate_id: v.weight for v in await eligible_voters(db, conference_id, **kw)}  # type: ignore[arg-type]


async def card_mode(factory: Factory, conference_id: int, mode: str) -> None:
    async with session_scope(factory) as db:
        await update_settings(db, conference_id, SettingsChange(card_vote_mode=mode), by=STAFF)


async def test_an_accredited_delegate_who_is_checked_in_votes_with_weight_one(
        factory: Factory, conference_id: int, d: dict[str, int], session_id: int) -> None:
    await arrive(factory, session_id, d["L1"], d["M1"])

    async with session_scope(factory) as db:
        result = await eligible_voters(db, conference_id)

    assert [v.delegate_id for v in result] == sorted([d["L1"], d["M1"]])
    assert all(v.weight == 1 and v.user_id is None for v in result)
    assert {v.body_id for v in result} == {result[0].body_id, result[1].body_id} and None not in {
        v.body_id for v in result}


async def test_a_delegate_who_is_not_accredited_cannot_vote_or_check_in(
        factory: Factory, conference_id: int, d: dict[str, int], session_id: int) -> None:
    with pytest.raises(RuleViolation, match="not accredited yet"):
        await check_in(factory, session_id, d["L1"])

    assert await voters(factory, conference_id) == {}


async def test_an_accredited_delegate_who_has_not_checked_in_cannot_vote(
        factory: Factory, conference_id: int, d: dict[str, int], session_id: int) -> None:
    await accredit(factory, d["L1"])

    assert await voters(factory, conference_id) == {}


async def test_a_delegate_who_checked_out_cannot_vote(
        factory: Factory, conference_id: int, d: dict[str, int], session_id: int) -> None:
    await arrive(factory, session_id, d["L1"], d["L2"])

    async with session_scope(factory) as db:
        await presence.check_out(db, d["L2"], session_id, by=STAFF)

    assert await voters(factory, conference_id) == {d["L1"]: 1}


async def test_a_delegate_who_checks_back_in_can_vote_again(
        factory: Factory, conference_id: int, d: dict[str, int], session_id: int) -> None:
    await arrive(factory, session_id, d["L1"])
    async with session_scope(factory) as db:
        await presence.check_out(db, d["L1"], session_id, by=STAFF)
    gone = utcnow()
    await check_in(factory, session_id, d["L1"])

    assert await voters(factory, conference_id) == {d["L1"]: 1}
    assert await voters(factory, conference_id, at=gone) == {}


async def test_a_revoked_delegate_cannot_vote_and_is_checked_out(
        factory: Factory, conference_id: int, d: dict[str, int], session_id: int) -> None:
    await arrive(factory, session_id, d["L1"], d["L2"])

    async with session_scope(factory) as db:
        await accreditation.revoke(db, d["L2"], reason="left the hall with their credential", by=STAFF)
        still_here = await presence.present_in(db, session_id)

    assert await voters(factory, conference_id) == {d["L1"]: 1}
    assert still_here == [d["L1"]]
    with pytest.raises(RuleViolation, match="revoked"):
        await check_in(factory, session_id, d["L2"])


async def test_a_reinstated_delegate_votes_again_once_checked_in(
        factory: Factory, conference_id: int, d: dict[str, int], session_id: int) -> None:
    await arrive(factory, session_id, d["L1"])
    async with session_scope(factory) as db:
        await accreditation.revoke(db, d["L1"], reason="mistaken identity", by=STAFF)
        await accreditation.reinstate(db, d["L1"], reason="identity confirmed by branch secretary", by=STAFF)
    assert await voters(factory, conference_id) == {}

    await check_in(factory, session_id, d["L1"])

    assert await voters(factory, conference_id) == {d["L1"]: 1}


async def test_a_substituted_delegate_cannot_vote_and_the_substitute_who_took_over_can(
        factory: Factory, conference_id: int, d: dict[str, int], session_id: int) -> None:
    await arrive(factory, session_id, d["L2"], d["LS"])
    assert await voters(factory, conference_id) == {d["L2"]: 1}  # a substitute without a credential: no vote

    async with session_scope(factory) as db:
        await accreditation.substitute(db, absent_id=d["L2"], substitute_id=d["LS"], reason="taken ill", by=STAFF)

    assert await voters(factory, conference_id) == {d["LS"]: 1}
    with pytest.raises(RuleViolation, match="passed to a substitute"):
        await check_in(factory, session_id, d["L2"])


async def test_observers_and_visitors_never_vote_even_when_accredited_and_present(
        factory: Factory, conference_id: int, d: dict[str, int], session_id: int) -> None:
    await arrive(factory, session_id, d["O1"], d["V1"])

    async with session_scope(factory) as db:
        assert sorted(await presence.present_in(db, session_id)) == sorted([d["O1"], d["V1"]])
    assert await voters(factory, conference_id) == {}
    assert await voters(factory, conference_id, card_vote=True) == {}


async def test_nobody_votes_between_business_sessions(factory: Factory, conference_id: int, d: dict[str, int],
                                                      session_id: int) -> None:
    await arrive(factory, session_id, d["L1"])
    async with session_scope(factory) as db:
        session = await db.get(BusinessSession, session_id)
        assert session is not None
        after = session.ends_at + timedelta(minutes=1)

    assert await voters(factory, conference_id, at=after) == {}


async def test_split_card_vote_of_1000_members_over_3_present_delegates_gives_1000_3_each(
        factory: Factory, conference_id: int, d: dict[str, int], session_id: int) -> None:
    await card_mode(factory, conference_id, "split")
    await arrive(factory, session_id, d["L1"], d["L2"], d["L3"], d["M2"])

    weights = await voters(factory, conference_id, card_vote=True)

    assert weights == {d["L1"]: Fraction(1000, 3), d["L2"]: Fraction(1000, 3), d["L3"]: Fraction(1000, 3),
                       d["M2"]: Fraction(600)}
    assert sum(weights.values()) == 1600


async def test_block_card_vote_gives_the_whole_card_to_the_lead_delegate(
        factory: Factory, conference_id: int, d: dict[str, int], session_id: int) -> None:
    await arrive(factory, session_id, d["L1"], d["L2"], d["M2"])

    async with session_scope(factory) as db:
        result = await eligible_voters(db, conference_id, card_vote=True)

    # MAN's lead (M1) is absent, so MAN casts no card; L2 is not LON's lead.
    assert [(v.delegate_id, v.weight) for v in result] == [(d["L1"], Fraction(1000))]
    assert isinstance(result[0], EligibleVoter) and isinstance(result[0].weight, Fraction)


async def test_naming_a_new_lead_moves_the_card_in_block_mode(
        factory: Factory, conference_id: int, d: dict[str, int], session_id: int) -> None:
    await arrive(factory, session_id, d["L2"], d["M2"])

    async with session_scope(factory) as db:
        await accreditation.set_lead(db, d["M2"], by=STAFF)

    assert await voters(factory, conference_id, card_vote=True) == {d["M2"]: Fraction(600)}


async def test_a_substitute_for_the_lead_casts_the_card_in_block_mode(
        factory: Factory, conference_id: int, d: dict[str, int], session_id: int) -> None:
    await arrive(factory, session_id, d["L1"], d["L2"], d["LS"])

    async with session_scope(factory) as db:
        await accreditation.substitute(db, absent_id=d["L1"], substitute_id=d["LS"], reason="called home", by=STAFF)

    assert await voters(factory, conference_id, card_vote=True) == {d["LS"]: Fraction(1000)}
    await card_mode(factory, conference_id, "split")
    assert await voters(factory, conference_id, card_vote=True) == {d["L2"]: Fraction(500), d["LS"]: Fraction(500)}
