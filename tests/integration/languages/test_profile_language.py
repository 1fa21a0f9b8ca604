"""A person's own language: saved on their account page, or by the switch while signed in, it follows
them to every device; it outranks an event's default, which outranks an English-speaking browser."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor, load_user, make_user


async def _signed_in(client: AsyncTestClient[Litestar], app: Litestar, email: str = "rep@union.example") -> Visitor:
    await make_user(app, email)
    person = Visitor(client)
    await person.log_in(email)
    return person


async def test_a_language_saved_on_the_account_follows_the_person_to_another_device(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    laptop = await _signed_in(client, app)
    account = await laptop.get("/account")
    assert 'action="/account/language"' in account.text and "As my browser asks" in account.text
    saved = await laptop.post("/account/language", data={"language": "cy"})
    assert saved.status_code == 303 and saved.headers["location"] == "/account?done=language-saved"
    phone = Visitor(client)
    await phone.log_in("rep@union.example")
    page = await phone.get("/account", headers={"accept-language": "en-GB,en;q=0.9"})
    assert '<html lang="cy"' in page.text and page.headers["content-language"] == "cy"
    assert '<option value="cy" lang="cy" selected>Cymraeg</option>' in page.text
    back = await phone.post("/account/language", data={"language": ""})  # "As my browser asks"
    assert back.status_code == 303
    assert '<html lang="pl"' in (await phone.get("/account", headers={"accept-language": "pl"})).text


async def test_the_switch_while_signed_in_saves_the_language_on_the_account(client: AsyncTestClient[Litestar],
                                                                            app: Litestar) -> None:
    laptop = await _signed_in(client, app)
    await laptop.post("/language", data={"language": "pl", "next": "/account"})
    phone = Visitor(client)
    await phone.log_in("rep@union.example")
    assert '<html lang="pl"' in (await phone.get("/account")).text
    anonymous = Visitor(client)  # signed out, the switch keeps the cookie only
    await anonymous.post("/language", data={"language": "cy", "next": "/login"})
    user = await load_user(app, 1)
    assert user.language == "pl"


async def test_an_unknown_language_is_refused_and_changes_nothing(client: AsyncTestClient[Litestar],
                                                                  app: Litestar) -> None:
    person = await _signed_in(client, app)
    refused = await person.post("/account/language", data={"language": "xx"})
    assert refused.status_code == 400 and "Choose one of the languages offered" in refused.text
    assert (await load_user(app, 1)).language is None


async def test_the_account_language_outranks_an_events_default(client: AsyncTestClient[Litestar],
                                                               app: Litestar) -> None:
    _, secret = await make_user(app, "admin@union.example", admin=True)
    admin = Visitor(client)
    await admin.log_in("admin@union.example", totp_secret=secret)
    made = await admin.post("/member-ballots", data={
        "title": "Pay offer 2027", "slug": "pay-2027", "description": "The offer.", "question": "Accept?",
        "opens_at": "2020-01-01T09:00", "closes_at": "2099-01-01T09:00", "objection_hours": "0"})
    ballot_id = int(made.headers["location"].split("/")[2].split("?")[0])
    assert (await admin.post(f"/member-ballots/{ballot_id}/languages", data={"language": "cy"})).status_code == 303
    visitor = Visitor(client)
    code_page = await visitor.get("/ballots/pay-2027/code", headers={"accept-language": "en-GB"})
    assert '<html lang="cy"' in code_page.text and code_page.headers["content-language"] == "cy"
    polish_phone = await visitor.get("/ballots/pay-2027/code", headers={"accept-language": "pl"})
    assert '<html lang="pl"' in polish_phone.text  # a browser asking for another language than English
    await admin.post("/account/language", data={"language": "en"})
    overview = await admin.get(f"/member-ballots/{ballot_id}/languages", headers={"accept-language": "en-GB"})
    assert '<html lang="en"' in overview.text
