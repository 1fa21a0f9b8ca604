"""Signing in with the union's own OpenID provider (a stand-in speaking real OIDC over HTTP, in a thread).

Linked delegates reach their conference pages; staff are still asked for their security code unless the
provider says it asked for a second factor and the deployment trusts it; a sign-in that went wrong in
any way (state, nonce, audience, expiry, signature, a replayed code) signs no one in and says why.
"""

from __future__ import annotations

import html
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import SplitResult, parse_qs, urlsplit

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from tests.conftest import make_settings
from tests.helpers import Visitor, app_db, audit_entries, fresh_totp_code, make_conference, make_user
from tests.integration.accounts.oidc_provider import CLIENT_ID, CLIENT_SECRET, RunningProvider, StandInProvider
from tests.integration.accounts.test_login import frozen_rate_limit_clock  # noqa: F401 - a fixture
from unionvote.accounts.erasure import anonymise_accounts
from unionvote.accounts.models import OidcIdentity, Role
from unionvote.app import create_app
from unionvote.audit.services import SYSTEM_SCOPE
from unionvote.config import Settings

SITE = "http://testserver.local"
NAME = "Union Account"
DELEGATE, CHAIR = "dee@union.example", "chair@union.example"
EVERY_ROLE = ("delegate", "observer", "teller", "staff", "cac", "chair", "returning_officer")


@pytest.fixture
def provider() -> Iterator[StandInProvider]:
    with RunningProvider(StandInProvider(redirect_uri=SITE + "/login/oidc/callback")) as running:
        yield running


def oidc_settings(database_url: str, provider: StandInProvider, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(public_url=SITE, oidc_issuer=provider.issuer, oidc_client_id=CLIENT_ID,
                                  oidc_client_secret=CLIENT_SECRET, oidc_name=NAME, oidc_roles=EVERY_ROLE)
    return make_settings(database_url, **(values | overrides))


@pytest.fixture
def settings(database_url: str, provider: StandInProvider) -> Settings:
    return oidc_settings(database_url, provider)


@asynccontextmanager
async def app_with(settings: Settings) -> AsyncIterator[tuple[Litestar, AsyncTestClient[Litestar]]]:
    """Another deployment's settings (trusting the provider's second factor, auto-linking) on the same database."""
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url=SITE) as client:
        client.follow_redirects = False
        yield app, client


async def via_provider(visitor: Visitor, start: httpx.Response) -> httpx.Response:
    """Follow the app to the provider and back, as a browser does; the app's answer to the callback."""
    if start.status_code == 200:  # linking: a page with a link onwards (a form may not redirect off the site)
        onwards = re.search(r'<a class="button button--primary" href="([^"]+)">Continue to', start.text)
        assert onwards is not None, start.text
        destination = html.unescape(onwards.group(1))
    else:
        assert start.status_code == 303, start.text
        destination = start.headers["location"]
    async with httpx.AsyncClient(timeout=30) as browser:
        answer = await browser.get(destination)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["location"])
    assert f"{back.scheme}://{back.netloc}" == SITE
    return await visitor.get(f"{back.path}?{back.query}")


async def sign_in(visitor: Visitor, next_path: str = "/") -> httpx.Response:
    return await via_provider(visitor, await visitor.get(f"/login/oidc?next={next_path}"))


async def link_from_account_page(client: AsyncTestClient[Litestar], email: str, totp: str | None = None) -> None:
    """The deliberate step: logged in with password (and code), the person links their provider sign-in."""
    person = Visitor(client)
    await person.log_in(email, totp_secret=totp)
    linked = await via_provider(person, await person.post("/account/sign-in-elsewhere"))
    assert linked.status_code == 303 and linked.headers["location"] == "/account?done=oidc-linked", linked.text
    page = await person.get("/account")
    assert "Linked." in page.text and f"Unlink {NAME}" in page.text


async def signed_in(visitor: Visitor) -> bool:
    return (await visitor.get("/account")).status_code == 200


async def a_linked_delegate(app: Litestar, client: AsyncTestClient[Litestar], provider: StandInProvider
                            ) -> tuple[int, int]:
    """A delegate at one conference who has linked their provider sign-in: (conference id, account id)."""
    conference_id = await make_conference(app)
    user_id, _ = await make_user(app, DELEGATE, roles=[(conference_id, Role.DELEGATE)])
    provider.sign_in_as("sub-dee-1", DELEGATE)
    await link_from_account_page(client, DELEGATE)
    return conference_id, user_id


async def provider_answer(visitor: Visitor) -> SplitResult:
    """Start a sign-in in `visitor`'s browser and take the provider's answer without delivering it."""
    start = await visitor.get("/login/oidc")
    async with httpx.AsyncClient(timeout=30) as browser:
        return urlsplit((await browser.get(start.headers["location"])).headers["location"])


async def test_the_login_page_offers_the_provider_as_a_plain_link(client: AsyncTestClient[Litestar]) -> None:
    page = await Visitor(client).get("/login?next=/staff")
    assert f'href="/login/oidc?next=/staff">Sign in with {NAME}</a>' in page.text


async def test_a_linked_delegate_signs_in_and_reaches_their_conference_pages(
    app: Litestar, client: AsyncTestClient[Litestar], provider: StandInProvider, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    conference_id, user_id = await a_linked_delegate(app, client, provider)

    dee = Visitor(client)
    back = await sign_in(dee)
    assert back.status_code == 303 and back.headers["location"] == "/"
    home = await dee.get("/")
    assert home.headers["location"] == f"/conferences/{conference_id}/me"
    assert (await dee.get(home.headers["location"])).status_code == 200
    [linked] = await audit_entries(app, scope=SYSTEM_SCOPE, action="oidc.linked")
    assert json.loads(linked.payload) == {"user_id": user_id, "how": "by the person"}
    [login] = await audit_entries(app, scope=SYSTEM_SCOPE, action="login.oidc")
    assert json.loads(login.payload) == {"user_id": user_id, "second_factor": "not needed"}
    assert "sub-dee-1" not in linked.payload + login.payload  # the provider's id for the person stays out
    app_log = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records if r.name.startswith("unionvote"))
    for secret in (CLIENT_SECRET, "sub-dee-1", *(grant_code for grant_code in provider.grants)):
        assert secret not in app_log

    # Unlinked, the same sign-in no longer gets in.
    await dee.post("/account/sign-in-elsewhere/unlink")
    again = Visitor(client)
    refused = await sign_in(again)
    assert refused.status_code == 403 and "not linked to an account here" in refused.text
    assert not await signed_in(again)


async def test_a_staff_member_is_still_asked_for_their_security_code(
    app: Litestar, client: AsyncTestClient[Litestar], provider: StandInProvider,
) -> None:
    conference_id = await make_conference(app)
    user_id, secret = await make_user(app, CHAIR, roles=[(conference_id, Role.CHAIR)])
    provider.sign_in_as("sub-chair", CHAIR, amr=["pwd", "mfa"])  # asserted, but this deployment does not trust it
    await link_from_account_page(client, CHAIR, secret)

    chair = Visitor(client)
    back = await sign_in(chair, "/staff")
    assert back.headers["location"] == "/login/totp?next=/staff"
    kept_out = await chair.get("/staff")
    assert kept_out.status_code in (302, 303, 401) and "/login/totp" in kept_out.headers.get("location", "/login/totp")
    assert (await chair.post("/login/totp", data={"code": fresh_totp_code(secret or ""), "next": "/staff"})
            ).headers["location"] == "/staff"
    assert (await chair.get("/staff")).status_code == 200
    logins = await audit_entries(app, scope=SYSTEM_SCOPE, action="login.oidc")
    assert [json.loads(e.payload) for e in logins] == [{"user_id": user_id, "second_factor": "asked"}]


async def test_a_trusted_second_factor_at_the_provider_stands_in_for_the_code(
    app: Litestar, client: AsyncTestClient[Litestar], provider: StandInProvider, database_url: str,
) -> None:
    conference_id = await make_conference(app)
    user_id, secret = await make_user(app, CHAIR, roles=[(conference_id, Role.CHAIR)])
    provider.sign_in_as("sub-chair", CHAIR)
    await link_from_account_page(client, CHAIR, secret)
    trusting = oidc_settings(database_url, provider, oidc_trust_mfa=True, oidc_mfa_acr=("urn:union:loa:2fa",))

    async with app_with(trusting) as (_, trusting_client):
        for said, asked in ((dict(amr=["pwd", "mfa"]), False), (dict(amr=["hwk"]), False),
                            (dict(acr="urn:union:loa:2fa"), False), (dict(amr=["pwd"]), True),
                            (dict(acr="urn:union:loa:1"), True)):
            provider.sign_in_as("sub-chair", CHAIR, **said)
            chair = Visitor(trusting_client)
            back = await sign_in(chair, "/staff")
            assert back.headers["location"] == ("/login/totp?next=/staff" if asked else "/staff"), said
            assert ((await chair.get("/staff")).status_code == 200) is not asked, said
    logins = await audit_entries(app, scope=SYSTEM_SCOPE, action="login.oidc")
    assert [json.loads(e.payload)["second_factor"] for e in logins] == [
        "provider", "provider", "provider", "asked", "asked"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the checks are the app's, not the database's
async def test_a_token_that_is_not_right_signs_no_one_in(
    app: Litestar, client: AsyncTestClient[Litestar], provider: StandInProvider,
) -> None:
    await a_linked_delegate(app, client, provider)

    faults: list[tuple[dict[str, Any], bool, str]] = [
        ({"nonce": "a-nonce-from-another-sign-in"}, False, "does not belong to the one this browser started"),
        ({"aud": "some-other-service"}, False, "made out to another service"),
        ({"aud": [CLIENT_ID, "some-other-service"]}, False, "made out to another service"),  # and no azp
        ({"exp": int(time.time()) - 600, "iat": int(time.time()) - 900}, False, "has expired"),
        ({"iss": "https://impostor.example"}, False, "came from another provider"),
        ({}, True, "could not be checked"),  # signed with a key the provider does not publish
    ]
    for tamper, foreign_key, says in faults:
        provider.tamper, provider.foreign_key = tamper, foreign_key
        visitor = Visitor(client)
        refused = await sign_in(visitor)
        assert refused.status_code == 400, (tamper, refused.text)
        assert says in refused.text and "Nothing was signed in" in refused.text, tamper
        assert "uv_session" not in visitor.jar, tamper
        assert not await signed_in(visitor), tamper
    assert await audit_entries(app, scope=SYSTEM_SCOPE, action="login.oidc") == []
    provider.tamper, provider.foreign_key = {}, False
    fine = Visitor(client)
    assert (await sign_in(fine)).status_code == 303 and await signed_in(fine)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_an_answer_not_started_in_this_browser_signs_no_one_in(
    app: Litestar, client: AsyncTestClient[Litestar], provider: StandInProvider,
) -> None:
    await a_linked_delegate(app, client, provider)

    # Someone's answer from the provider, opened in another browser (login CSRF): no sign-in under way there.
    victim, attacker = Visitor(client), Visitor(client)
    back = await provider_answer(attacker)
    refused = await victim.get(f"{back.path}?{back.query}")
    assert refused.status_code == 400 and "no sign-in with Union Account under way" in refused.text
    assert not await signed_in(victim)

    # A Polish reader meets the same refusal in Polish.
    polish = await Visitor(client).get(f"{back.path}?{back.query}", headers={"accept-language": "pl"})
    assert polish.status_code == 400
    assert "W tej przeglądarce nie trwa logowanie przez Union Account" in html.unescape(polish.text)

    # This browser's sign-in, but the answer carries another state.
    visitor = Visitor(client)
    await visitor.get("/login/oidc")
    code = parse_qs(back.query)["code"][0]
    mismatched = await visitor.get(f"/login/oidc/callback?code={code}&state=not-the-one-sent")
    assert mismatched.status_code == 400 and "does not belong to the sign-in this browser started" in mismatched.text
    assert not await signed_in(visitor)
    # A refusal from the provider itself, with this browser's state.
    denied_visitor = Visitor(client)
    state = parse_qs(urlsplit((await denied_visitor.get("/login/oidc")).headers["location"]).query)["state"][0]
    denied = await denied_visitor.get(f"/login/oidc/callback?error=access_denied&state={state}")
    assert denied.status_code == 400 and "did not sign you in (access_denied)" in denied.text
    assert f'href="/login/oidc?next=/">Start again with {NAME}</a>' in denied.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_replayed_code_is_refused_by_the_provider(
    app: Litestar, client: AsyncTestClient[Litestar], provider: StandInProvider,
) -> None:
    await a_linked_delegate(app, client, provider)

    dee = Visitor(client)
    back = await provider_answer(dee)
    pending = dee.jar.get("uv_oidc")
    assert (await dee.get(f"{back.path}?{back.query}")).status_code == 303
    assert "uv_oidc" not in dee.jar  # the browser's sign-in is used up

    # Someone who copied both the answer and the browser's cookie tries the code again.
    copycat = Visitor(client)
    copycat.jar.set("uv_oidc", pending or "", domain="testserver.local", path="/login/oidc")
    replayed = await copycat.get(f"{back.path}?{back.query}")
    assert replayed.status_code == 400 and "did not accept this sign-in" in replayed.text
    assert provider.token_refusals == ["invalid_grant"]
    assert not await signed_in(copycat)


async def test_an_unlinked_identity_is_turned_away_and_told_how_to_link(
    app: Litestar, client: AsyncTestClient[Litestar], provider: StandInProvider,
) -> None:
    conference_id = await make_conference(app)
    await make_user(app, DELEGATE, roles=[(conference_id, Role.DELEGATE)])
    provider.sign_in_as("sub-dee-1", DELEGATE)  # the same verified email, but nobody linked it

    visitor = Visitor(client)
    refused = await sign_in(visitor)
    assert refused.status_code == 403
    assert f"Your {NAME} sign-in is not linked to an account here" in refused.text
    assert f"choose &#34;Link {NAME}&#34; on your account page" in refused.text
    assert not await signed_in(visitor)
    [entry] = await audit_entries(app, scope=SYSTEM_SCOPE, action="login.oidc_refused")
    assert json.loads(entry.payload) == {"reason": "not_linked"}


async def test_auto_linking_by_verified_email_when_the_deployment_allows_it(
    app: Litestar, provider: StandInProvider, database_url: str,
) -> None:
    conference_id = await make_conference(app)
    dee_id, _ = await make_user(app, DELEGATE, roles=[(conference_id, Role.DELEGATE)])
    await make_user(app, CHAIR, roles=[(conference_id, Role.CHAIR)])
    auto = oidc_settings(database_url, provider, oidc_auto_link=True, oidc_roles=("delegate", "observer"))

    async with app_with(auto) as (_, client):
        provider.sign_in_as("sub-dee-1", DELEGATE, email_verified=False)
        unverified = Visitor(client)
        assert (await sign_in(unverified)).status_code == 403 and not await signed_in(unverified)

        provider.sign_in_as("sub-dee-1", DELEGATE)
        dee = Visitor(client)
        assert (await sign_in(dee)).headers["location"] == "/"
        assert await signed_in(dee)

        provider.sign_in_as("sub-chair", CHAIR)  # a chair may not sign in this way on this deployment
        chair = Visitor(client)
        refused = await sign_in(chair)
        assert refused.status_code == 403 and f"People who are chair here cannot sign in with {NAME}" in refused.text
        assert not await signed_in(chair)
    [linked] = await audit_entries(app, scope=SYSTEM_SCOPE, action="oidc.linked")
    assert json.loads(linked.payload) == {"user_id": dee_id, "how": "verified email"}


async def test_erasing_an_accounts_personal_data_removes_its_link(
    app: Litestar, client: AsyncTestClient[Litestar], provider: StandInProvider,
) -> None:
    _, user_id = await a_linked_delegate(app, client, provider)
    async with app_db(app) as db:
        await anonymise_accounts(db, [user_id])
    async with app_db(app) as db:
        assert (await db.execute(select(OidcIdentity).where(OidcIdentity.user_id == user_id))).first() is None
    visitor = Visitor(client)
    assert (await sign_in(visitor)).status_code == 403 and not await signed_in(visitor)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.usefixtures("frozen_rate_limit_clock")  # the limiter counts per clock minute; a slow run crosses one
async def test_failed_sign_ins_from_one_address_are_slowed_like_wrong_passwords(
    app: Litestar, client: AsyncTestClient[Litestar], provider: StandInProvider,
) -> None:
    provider.sign_in_as("sub-nobody")
    for _ in range(app.state.settings.login_attempts_per_minute):
        assert (await sign_in(Visitor(client))).status_code == 403
    slowed = await sign_in(Visitor(client))
    assert slowed.status_code == 429 and "Too many login attempts from here" in slowed.text
