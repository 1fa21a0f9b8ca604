"""Union staff log in with a password and an authenticator code, and reach their home page."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from tests.e2e.journey import Journey
from tests.e2e.people import log_in
from tests.e2e.world import World


def test_an_administrator_logs_in_with_two_factor_and_sees_the_conference(
        person: Callable[[str], Journey], world: World) -> None:
    admin = person("admin")
    log_in(admin, world.admin, next_path="/staff")
    assert admin.path == "/staff"
    admin.checkpoint("staff home")
    expect(admin.page.get_by_role("link", name=world.conference_name)).to_be_visible()
