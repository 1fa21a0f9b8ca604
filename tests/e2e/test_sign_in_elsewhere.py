"""In a real browser: a chair and a delegate link the union's OpenID sign-in from their account pages, then
sign in with it. The chair is still asked for their security code; the delegate lands on their conference.

From nothing, through the pages: the install's first administrator sets up the conference and its
register, adds the chair and gives them the role, and accredits the delegate, who enrols from their
link. The server runs with the stand-in provider configured; the provider answers from a thread in
this process.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.journey import Journey
from tests.e2e.people import (
    Conference,
    accept_invitation,
    accredit,
    add_officer,
    enrolment_link,
    first_administrator,
    log_in,
    set_up_conference,
)
from tests.e2e.server import LiveServer, running_server
from tests.e2e.world import Person
from tests.helpers import PASSWORD, fresh_totp_code
from tests.integration.accounts.oidc_provider import CLIENT_ID, CLIENT_SECRET, RunningProvider, StandInProvider

NAME = "Union Account"
Open = Callable[[str], Journey]


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
def server(oidc_database_url: str, provider: StandInProvider, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[LiveServer]:
    """This module's server offers the union's sign-in; the `person` fixture's browsers open it."""
    with running_server(oidc_database_url, tmp_path_factory.mktemp("e2e-oidc-server"),
                        UNIONVOTE_LOGIN_ATTEMPTS_PER_MINUTE="10000", UNIONVOTE_OIDC_ISSUER=provider.issuer,
                        UNIONVOTE_OIDC_CLIENT_ID=CLIENT_ID, UNIONVOTE_OIDC_CLIENT_SECRET=CLIENT_SECRET,
                        UNIONVOTE_OIDC_NAME=NAME, UNIONVOTE_OIDC_ROLES="delegate,chair") as live:
        provider.redirect_uri = live.base_url + "/login/oidc/callback"
        yield live


@dataclass
class SetUp:
    tag: str
    conference: Conference
    chair: Person
    sam: Person
    sam_link: str  # the token of Sam's enrolment link


@pytest.fixture
def set_up(person: Open, oidc_database_url: str) -> SetUp:
    """The administrator's part, through the pages: the conference, the chair, the delegate's link."""
    tag = uuid.uuid4().hex[:8]
    chair, sam = Person(f"chair.{tag}@union.example"), Person(f"sam.{tag}@branch.example")
    admin = person("administrator")
    log_in(admin, first_administrator(oidc_database_url, tag))
    conference = set_up_conference(admin, tag, f"200002,Sam Seated,{sam.email},,MANC,delegate,yes\n")
    add_officer(admin, conference, chair, "Chris Chair", "Chair")
    accredit(admin, conference, "Sam Seated")
    return SetUp(tag, conference, chair, sam, enrolment_link(admin, conference, "Sam Seated"))


def link_and_log_out(journey: Journey) -> None:
    """Logged in with the password, link the provider from the account page, then log out."""
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
        person: Open, set_up: SetUp, provider: StandInProvider) -> None:
    chair = person("chair")
    provider.sign_in_as(f"chair-{set_up.tag}", set_up.chair.email, amr=["pwd", "mfa"])  # not trusted here
    log_in(chair, set_up.chair)  # the first time: two-factor is set up, as the chair's role needs
    assert set_up.chair.totp_secret is not None
    link_and_log_out(chair)

    page = chair.page
    page.get_by_role("link", name=f"Sign in with {NAME}").click()
    page.wait_for_url("**/login/totp**")
    chair.checkpoint("security code after the union sign-in")
    page.get_by_label("Security code").fill(fresh_totp_code(set_up.chair.totp_secret))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: "/login" not in url)
    expect(page.get_by_role("button", name="Log out", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=set_up.conference.name)).to_be_visible()


def test_a_delegate_signs_in_with_the_union_sign_in_and_lands_on_their_conference(
        person: Open, set_up: SetUp, provider: StandInProvider) -> None:
    sam = person("sam")
    provider.sign_in_as(f"sam-{set_up.tag}", set_up.sam.email)
    accept_invitation(sam, set_up.sam_link, PASSWORD)
    link_and_log_out(sam)

    sam.page.get_by_role("link", name=f"Sign in with {NAME}").click()
    sam.page.wait_for_url(f"**/conferences/{set_up.conference.id}/me")
    sam.checkpoint("conference home after the union sign-in")
    expect(sam.page.get_by_role("button", name="Log out", exact=True)).to_be_visible()

    # Someone signed in at the provider whose sign-in nobody linked is told what to do, and not let in.
    other = person("stranger")
    provider.sign_in_as(f"stranger-{set_up.tag}", f"stranger.{set_up.tag}@branch.example")
    other.goto("/login", "login")
    other.page.get_by_role("link", name=f"Sign in with {NAME}").click()
    expect(other.page.get_by_text("is not linked to an account here")).to_be_visible()
    other.checkpoint("not linked")
    expect(other.page.get_by_role("link", name="log in with your email address and password")).to_be_visible()
