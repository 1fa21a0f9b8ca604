"""Browser journeys: a real server in a child process, Debian's Chromium driven by Playwright.

The journeys skip, saying why, where Chromium or Playwright is missing; `.ci/run` installs both.
Each journey runs on a phone-sized and a desktop viewport.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.journey import VIEWPORTS, Journey
from tests.e2e.server import LiveServer, running_server
from tests.e2e.world import World, seed_world

CHROMIUM = Path(os.environ.get("UNIONVOTE_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).parent / "artifacts"


# Module scope, not session: Playwright's sync API keeps an event loop running in this thread
# while it is started, and the async tests that come after the journeys need the thread back.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    # In CI (.ci/run installs both) a missing browser is a failure, not a quiet skip.
    missing = pytest.fail if os.environ.get("CI") else pytest.skip
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the journeys")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed: pip install -e '.[test]'")
    from playwright.sync_api import expect

    # A loaded CI machine can take far longer than Playwright's 5 s default to show a page's change.
    expect.set_options(timeout=30_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def e2e_database_url(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """One SQLite database for every journey; each journey seeds a conference of its own into it."""
    target = tmp_path_factory.mktemp("e2e") / "e2e.db"
    shutil.copyfile(sqlite_template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture(scope="session")
def server(e2e_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the whole run: starting one costs seconds, seeding a world a fraction of one."""
    # Every journey logs in from 127.0.0.1; the limit itself is tested in tests/hostile/test_brute_force.py.
    with running_server(e2e_database_url, tmp_path_factory.mktemp("e2e-server"),
                        UNIONVOTE_LOGIN_ATTEMPTS_PER_MINUTE="10000") as live:
        yield live


@pytest.fixture
def world(server: LiveServer, e2e_database_url: str) -> World:
    return seed_world(e2e_database_url)


@pytest.fixture
def person(server: LiveServer, browser: object, viewport: str, request: pytest.FixtureRequest
           ) -> Iterator[Callable[[str], Journey]]:
    """Call with a name to get that person's own browser (own cookies) at this test's viewport."""
    contexts = []
    artifacts = ARTIFACTS / request.node.name.replace("[", "-").rstrip("]")

    def open_browser(who: str) -> Journey:
        context = browser.new_context(**VIEWPORTS[viewport])  # type: ignore[attr-defined]
        context.set_default_timeout(30_000)  # generous: CI shares the machine
        contexts.append(context)
        return Journey(context, server.base_url, artifacts, who)

    yield open_browser
    for context in contexts:
        context.close()
