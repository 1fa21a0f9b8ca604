"""Who may follow a conference's floor (speakers list, voting now) over the websocket."""

from __future__ import annotations

import unionvote.motions.live  # noqa: F401 - registers the topic rule
from unionvote.auth import CurrentUser
from unionvote.live import may_follow


def person(roles: dict[int, frozenset[str]], admin: bool = False) -> CurrentUser:
    return CurrentUser(id=7, email="x@example.org", display_name="X", is_admin=admin, totp_enabled=True,
                       mfa_verified=True, via="session", roles=roles)


def test_anyone_with_a_role_in_the_conference_follows_its_floor_and_nobody_else_does():
    delegate = person({3: frozenset({"delegate"})})
    assert may_follow(delegate, "floor:3")
    assert not may_follow(delegate, "floor:4")
    assert not may_follow(None, "floor:3")
    assert not may_follow(delegate, "floor:three")
    assert may_follow(person({}, admin=True), "floor:4")
