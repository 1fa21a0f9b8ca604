"""The accreditation desk and check-in: each step refused with a reason, each change audited by id."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.conferences.builders import (
    STAFF,
    Factory,
    accredit,
    arrive,
    audit_entries,
    bodies_csv,
    check_in,
    delegates_csv,
    ids,
    load,
    session_now,
)
from unionvote.accounts.services import create_user
from unionvote.conferences import accreditation, presence
from unionvote.conferences.register import Delegate
from unionvote.db import session_scope, utcnow
from unionvote.errors import RuleViolation

REGISTER = delegates_csv(("A1", "LON", "delegate", "yes"), ("A2", "LON", "delegate"), ("S1", "LON", "substitute"),
                         ("S2", "MAN", "substitute"), ("M1", "MAN", "delegate"), ("O1", "", "observer"))


@pytest.fixture
async def d(factory: Factory, conference_id: int) -> dict[str, int]:
    await load(factory, conference_id, bodies=bodies_csv(("LON", 300), ("MAN", 200)), delegates=REGISTER)
    return await ids(factory, conference_id)


@pytest.fixture
async def session_id(factory: Factory, conference_id: int) -> int:
    return await session_now(factory, conference_id)


async def user(factory: Factory, email: str) -> int:
    async with session_scope(factory) as db:
        account = await create_user(db, email=email, display_name="Someone", password=None)
        return account.id  # type: ignore[return-value]


async def test_accrediting_needs_a_note_of_how_identity_was_checked(factory: Factory, d: dict[str, int]) -> None:
    async with session_scope(factory) as db:
        with pytest.raises(RuleViolation, match="Say how you checked their identity"):
            await accreditation.accredit(db, d["A1"], note="   ", by=STAFF)
        delegate = await accreditation.accredit(db, d["A1"], note="Union card\nand photo ID seen", by=STAFF)
        assert (delegate.status, delegate.identity_check) == ("accredited", "Union card and photo ID seen")
        with pytest.raises(RuleViolation, match="already accredited"):
            await accreditation.accredit(db, d["A1"], note="again", by=STAFF)


async def test_only_an_accredited_delegate_can_be_revoked_and_only_a_revoked_one_reinstated(
        factory: Factory, d: dict[str, int]) -> None:
    async with session_scope(factory) as db:
        with pytest.raises(RuleViolation, match="nothing to revoke"):
            await accreditation.revoke(db, d["A1"], reason="no", by=STAFF)
        with pytest.raises(RuleViolation, match="Only a revoked accreditation can be reinstated"):
            await accreditation.reinstate(db, d["A1"], reason="no", by=STAFF)
    await accredit(factory, d["A1"])
    async with session_scope(factory) as db:
        await accreditation.revoke(db, d["A1"], reason="credential lent to someone else", by=STAFF)
        with pytest.raises(RuleViolation, match="reinstate it instead"):
            await accreditation.accredit(db, d["A1"], note="seen", by=STAFF)


async def test_revoking_returns_the_account_whose_sessions_must_end(
        factory: Factory, conference_id: int, d: dict[str, int]) -> None:
    account = await user(factory, "ann@example.org")
    async with session_scope(factory) as db:
        await accreditation.link_account(db, d["A1"], account, by=STAFF)
    await accredit(factory, d["A1"], d["A2"])

    async with session_scope(factory) as db:
        assert await accreditation.revoke(db, d["A1"], reason="left", by=STAFF) == account
        assert await accreditation.revoke(db, d["A2"], reason="left", by=STAFF) is None

    actions = await audit_entries(factory, conference_id)
    assert ("delegate.revoked", {"delegate_id": d["A1"], "user_id": account, "presences_closed": 0}) in actions


async def test_an_account_belongs_to_one_register_entry_per_conference(factory: Factory, d: dict[str, int]) -> None:
    account = await user(factory, "ann@example.org")
    async with session_scope(factory) as db:
        await accreditation.link_account(db, d["A1"], account, by=STAFF)
        with pytest.raises(RuleViolation, match="already belongs to membership number 'A1'"):
            await accreditation.link_account(db, d["A2"], account, by=STAFF)


@pytest.mark.parametrize(("absent", "sub", "message"), [
    ("A1", "A2", "registered as a delegate, not a substitute"),
    ("O1", "S1", "Only a delegate's credential can pass to a substitute"),
    ("A1", "S2", "a substitute for another body"),
    ("A1", "A1", "cannot substitute for themself"),
])
async def test_a_substitution_that_breaks_the_rules_is_refused(
        factory: Factory, d: dict[str, int], absent: str, sub: str, message: str) -> None:
    await accredit(factory, d["A2"], d["S1"], d["S2"])
    async with session_scope(factory) as db:
        with pytest.raises(RuleViolation, match=message):
            await accreditation.substitute(db, absent_id=d[absent], substitute_id=d[sub], reason="ill", by=STAFF)


async def test_a_substitute_must_be_accredited_and_can_hold_one_credential(factory: Factory, d: dict[str, int]) -> None:
    async with session_scope(factory) as db:
        with pytest.raises(RuleViolation, match="Accredit Person S1 before"):
            await accreditation.substitute(db, absent_id=d["A1"], substitute_id=d["S1"], reason="ill", by=STAFF)
    await accredit(factory, d["S1"])
    async with session_scope(factory) as db:
        await accreditation.substitute(db, absent_id=d["A1"], substitute_id=d["S1"], reason="ill", by=STAFF)
        with pytest.raises(RuleViolation, match="already holds another delegate's credential"):
            await accreditation.substitute(db, absent_id=d["A2"], substitute_id=d["S1"], reason="ill", by=STAFF)
        with pytest.raises(RuleViolation, match="already been substituted"):
            await accreditation.substitute(db, absent_id=d["A1"], substitute_id=d["S1"], reason="ill", by=STAFF)
        absent = await db.get(Delegate, d["A1"])
        assert absent is not None and (absent.status, absent.status_reason) == ("substituted", "ill")


async def test_checking_in_twice_or_out_twice_changes_nothing(
        factory: Factory, conference_id: int, d: dict[str, int], session_id: int) -> None:
    await arrive(factory, session_id, d["A1"])
    await check_in(factory, session_id, d["A1"])
    async with session_scope(factory) as db:
        assert await presence.check_out(db, d["A1"], session_id, by=STAFF) is not None
        assert await presence.check_out(db, d["A1"], session_id, by=STAFF) is None

    actions = [a for a, _ in await audit_entries(factory, conference_id) if a.startswith("presence.")]
    assert actions == ["presence.checked_in", "presence.checked_out"]


async def test_self_check_in_is_told_apart_from_staff_check_in(
        factory: Factory, conference_id: int, d: dict[str, int], session_id: int) -> None:
    account = await user(factory, "ann@example.org")
    async with session_scope(factory) as db:
        await accreditation.link_account(db, d["A1"], account, by=STAFF)
    await accredit(factory, d["A1"], d["A2"])
    async with session_scope(factory) as db:
        await presence.check_in(db, d["A1"], session_id, by=account)
        await presence.check_in(db, d["A2"], session_id, by=account)

    entries = [p for a, p in await audit_entries(factory, conference_id) if a == "presence.checked_in"]
    assert [(p["delegate_id"], p["self"]) for p in entries] == [(d["A1"], True), (d["A2"], False)]


async def test_nobody_checks_in_to_a_session_that_has_ended(
        factory: Factory, conference_id: int, d: dict[str, int]) -> None:
    now = utcnow()
    await accredit(factory, d["A1"])
    async with session_scope(factory) as db:
        past = await presence.add_business_session(db, conference_id, name="Monday", starts_at=now - timedelta(days=1),
                                                   ends_at=now - timedelta(hours=20), by=STAFF)
        with pytest.raises(RuleViolation, match="The session 'Monday' has ended"):
            await presence.check_in(db, d["A1"], past.id, by=STAFF)  # type: ignore[arg-type]


async def test_business_sessions_cannot_overlap_or_run_backwards(factory: Factory, conference_id: int) -> None:
    now = utcnow()
    async with session_scope(factory) as db:
        await presence.add_business_session(db, conference_id, name="Tuesday morning", starts_at=now,
                                            ends_at=now + timedelta(hours=3), by=STAFF)
        with pytest.raises(RuleViolation, match="overlaps the session 'Tuesday morning'"):
            await presence.add_business_session(db, conference_id, name="Tuesday lunch",
                                                starts_at=now + timedelta(hours=2), ends_at=now + timedelta(hours=4),
                                                by=STAFF)
        with pytest.raises(RuleViolation, match="must end after it starts"):
            await presence.add_business_session(db, conference_id, name="Backwards", starts_at=now,
                                                ends_at=now - timedelta(hours=1), by=STAFF)
        await presence.add_business_session(db, conference_id, name="Tuesday afternoon",
                                            starts_at=now + timedelta(hours=3), ends_at=now + timedelta(hours=6),
                                            by=STAFF)
        assert [s.name for s in await presence.business_sessions(db, conference_id)] == [
            "Tuesday morning", "Tuesday afternoon"]


async def test_the_audit_trail_holds_ids_and_never_names_or_emails(
        factory: Factory, conference_id: int, d: dict[str, int], session_id: int) -> None:
    await arrive(factory, session_id, d["A1"], d["S1"])
    async with session_scope(factory) as db:
        await accreditation.substitute(db, absent_id=d["A1"], substitute_id=d["S1"], reason="Taken ill", by=STAFF)
        await accreditation.set_lead(db, d["A2"], by=STAFF)

    entries = await audit_entries(factory, conference_id)
    text = str(entries)
    assert "Person" not in text and "example.org" not in text and "Taken ill" not in text
    assert ("delegate.substituted", {"delegate_id": d["A1"], "substitute_delegate_id": d["S1"],
                                     "substitution_id": entries[-2][1]["substitution_id"],
                                     "body_id": entries[-2][1]["body_id"], "presences_closed": 1}) == entries[-2]
    assert entries[-1][0] == "delegate.lead_set"
