"""In a real browser: a chair and a delegate link the union's OpenID sign-in from their account pages, then
sign in with it. The chair is still asked for their security code; the delegate lands on their conference.

The server runs with the stand-in provider configured; the provider answers from a thread in this process.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.journey import VIEWPORTS, Journey
from tests.e2e.people import log_in
from tests.e2e.server import LiveServer, running_server
from tests.e2e.world import Person, World, seed_world
from tests.helpers import fresh_totp_code
from tests.integration.accounts.oidc_provider import CLIENT_ID, CLIENT_SECRET, RunningProvider, StandInProvider

NAME = "Union Account"


@pytest.fixture(scope="module")
def provider() -> Iterator[StandInProvider]:
    with RunningProvider(StandInProvider(redirect_uri="")) as running:
        yield running


@pytest.fixture(scope="module")
def oidc_database_url(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    target = tmp_path_factory.mktemp("e2e-oidc") / "oidc.db"
    shutil.copyfile(sqlite_template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture(scope="module")
def oidc_server(oidc_database_url: str, provider: StandInProvider, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[LiveServer]:
    with running_server(oidc_database_url, tmp_path_factory.mktemp("e2e-oidc-server"),
                        UNIONVOTE_LOGIN_ATTEMPTS_PER_MINUTE="10000", UNIONVOTE_OIDC_ISSUER=provider.issuer,
                        UNIONVOTE_OIDC_CLIENT_ID=CLIENT_ID, UNIONVOTE_OIDC_CLIENT_SECRET=CLIENT_SECRET,
                        UNIONVOTE_OIDC_NAME=NAME, UNIONVOTE_OIDC_ROLES="delegate,chair") as live:
        provider.redirect_uri = live.base_url + "/login/oidc/callback"
        yield live


@pytest.fixture
def world(oidc_server: LiveServer, oidc_database_url: str) -> World:
    return seed_world(oidc_database_url)


@pytest.fixture
def person(oidc_server: LiveServer, browser: object, viewport: str, request: pytest.FixtureRequest
           ) -> Iterator[Callable[[str], Journey]]:
    contexts = []
    artifacts = ARTIFACTS / request.node.name.replace("[", "-").rstrip("]")

    def open_browser(who: str) -> Journey:
        context = browser.new_context(**VIEWPORTS[viewport])  # type: ignore[attr-defined]
        context.set_default_timeout(30_000)
        contexts.append(context)
        return Journey(context, oidc_server.base_url, artifacts, who)

    yield open_browser
    for context in contexts:
        context.close()


def link_and_log_out(journey: Journey, who: Person) -> None:
    """Logged in with the password, link the provider from the account page, then log out."""
    log_in(journey, who)
    journey.goto("/account", "account")
    page = journey.page
    page.get_by_role("button", name=f"Link {NAME}").click()
    expect(page.get_by_role("heading", name=f"Link {NAME}")).to_be_visible()
    journey.checkpoint("link onwards")
    page.get_by_role("link", name=f"Continue to {NAME}").click()
    page.wait_for_url("**/account?done=oidc-linked")
    expect(page.get_by_text("Linked.")).to_be_visible()
    journey.checkpoint("linked")
    page.get_by_role("button", name="Log out", exact=True).click()
    page.wait_for_url("**/login?done=logged-out")


def test_a_chair_links_the_union_sign_in_and_is_still_asked_for_their_code(
        person: Callable[[str], Journey], world: World, provider: StandInProvider) -> None:
    chair = person("chair")
    provider.sign_in_as(f"chair-{world.tag}", world.chair.email, amr=["pwd", "mfa"])  # not trusted here
    link_and_log_out(chair, world.chair)

    page = chair.page
    page.get_by_role("link", name=f"Sign in with {NAME}").click()
    page.wait_for_url("**/login/totp**")
    chair.checkpoint("security code after the union sign-in")
    page.get_by_label("Security code").fill(fresh_totp_code(world.chair.totp_secret or ""))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: "/login" not in url)
    expect(page.get_by_role("button", name="Log out", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=world.conference_name)).to_be_visible()


def test_a_delegate_signs_in_with_the_union_sign_in_and_lands_on_their_conference(
        person: Callable[[str], Journey], world: World, provider: StandInProvider) -> None:
    sam = person("sam")
    provider.sign_in_as(f"sam-{world.tag}", world.sam.email)
    link_and_log_out(sam, world.sam)

    sam.page.get_by_role("link", name=f"Sign in with {NAME}").click()
    sam.page.wait_for_url(f"**/conferences/{world.conference_id}/me")
    sam.checkpoint("conference home after the union sign-in")
    expect(sam.page.get_by_role("button", name="Log out", exact=True)).to_be_visible()

    # Someone signed in at the provider whose sign-in nobody linked is told what to do, and not let in.
    other = person("stranger")
    provider.sign_in_as(f"stranger-{world.tag}", f"stranger.{world.tag}@branch.example")
    other.goto("/login", "login")
    other.page.get_by_role("link", name=f"Sign in with {NAME}").click()
    expect(other.page.get_by_text("is not linked to an account here")).to_be_visible()
    other.checkpoint("not linked")
    expect(other.page.get_by_role("link", name="log in with your email address and password")).to_be_visible()
