"""Every page the staff, the chair and a delegate can reach today, checked with axe and kept as a screenshot.

Journeys check the pages they pass through; this tour covers the rest, so that no page of the
product goes unchecked. A new page gets a line here until a journey passes through it.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.e2e.journey import Journey
from tests.e2e.people import log_in
from tests.e2e.world import World

STAFF_PAGES = ["/staff", "/account", "/conferences", "/admin/users", "/audit", "/conferences/{c}",
               "/conferences/{c}/settings", "/conferences/{c}/sessions", "/conferences/{c}/bodies",
               "/conferences/{c}/register", "/conferences/{c}/roles", "/conferences/{c}/desk",
               "/conferences/{c}/invitations", "/conferences/{c}/quorum", "/admin/users/{sam}"]
DELEGATE_PAGES = ["/conferences", "/conferences/{c}/me", "/account", "/account/totp"]
PUBLIC_PAGES = ["/login", "/conferences/{slug}/code-login/"]


def _fill(path: str, world: World) -> str:
    return path.format(c=world.conference_id, sam=world.sam.user_id, slug=world.slug)


def test_every_page_of_today_passes_the_accessibility_check(person: Callable[[str], Journey], world: World) -> None:
    visitor = person("visitor")
    for path in PUBLIC_PAGES:
        visitor.goto(_fill(path, world), path)

    admin = person("admin")
    log_in(admin, world.admin)
    for path in STAFF_PAGES:
        admin.goto(_fill(path, world), path)
    desk = admin.page
    admin.goto(_fill("/conferences/{c}/desk", world), "desk again")
    desk.get_by_role("link", name="Sam Seated").first.click()
    admin.checkpoint("desk: one delegate")

    sam = person("sam")
    log_in(sam, world.sam)
    for path in DELEGATE_PAGES:
        sam.goto(_fill(path, world), path)
