"""Who may follow a consultation's live counts: staff, not delegates, not strangers."""

from __future__ import annotations

import unionvote.consult.live  # noqa: F401 - registers the topic rule
from unionvote.accounts.models import Role
from unionvote.auth import CurrentUser
from unionvote.live import may_follow


def person(*, admin: bool = False, roles: dict[int, frozenset[str]] | None = None) -> CurrentUser:
    return CurrentUser(id=1, email="x@union.example", display_name="X", is_admin=admin, totp_enabled=True,
                       mfa_verified=True, via="session", roles=roles or {})


def test_staff_follow_a_consultations_counts_and_delegates_and_strangers_do_not() -> None:
    assert may_follow(person(admin=True), "consultation:3")
    assert may_follow(person(roles={1: frozenset({Role.STAFF})}), "consultation:3")
    assert not may_follow(person(roles={1: frozenset({Role.DELEGATE})}), "consultation:3")
    assert not may_follow(None, "consultation:3")
    assert not may_follow(person(admin=True), "consultation:three")
