"""The account, staff and member-ballot admin pages read in Welsh and Polish, while English readers keep
the English and the CSV files keep their English column names."""

from __future__ import annotations

import html as entities
import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.ballots.test_pages import _admin, _set_up
from tests.integration.ballots.world import members_csv

WELSH = {"accept-language": "cy"}
POLISH = {"accept-language": "pl"}


def _text(html: str) -> str:
    """What a reader sees: the page without its tags, scripts and styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(entities.unescape(re.sub(r"<[^>]+>", " ", html)).split())


async def test_the_account_staff_home_audit_and_user_pages_read_in_welsh_and_polish(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    admin = await _admin(client, app)
    codes = await admin.post("/account/recovery-codes", headers=WELSH)
    assert "Eich codau adfer" in _text(codes.text) and "Mae codau adfer newydd wedi'u gwneud." in _text(codes.text)
    account = _text((await admin.get("/account", headers=WELSH)).text)
    assert "Eich cyfrif" in account and "Dilysu dau ffactor" in account and "Tocynnau API" in account
    assert "Mae gennych 10 cod adfer heb eu defnyddio." in account  # the plural, in Welsh's own form
    assert "Your account" not in account and "Make new recovery codes" not in account
    konto = _text((await admin.get("/account", headers=POLISH)).text)
    assert "Twoje konto" in konto and "Masz 10 niewykorzystanych kodów odzyskiwania." in konto
    assert "90 dni" in konto and "Two-factor" not in konto
    staff = _text((await admin.get("/staff", headers=POLISH)).text)
    assert "Strona personelu" in staff and "Konferencje" in staff
    assert "Set up a new conference" not in staff and "Utwórz nową konferencję" in staff
    audit = _text((await admin.get("/audit", headers=WELSH)).text)
    assert "Llwybr archwilio" in audit and "Sut i wirio ffeil a lawrlwythwyd" in audit
    assert "unionvote audit verify" in audit  # the command stays as typed
    user = _text((await admin.get("/admin/users/1", headers=WELSH)).text)
    assert "Cyfeiriad e-bost" in user and "Rolau" in user
    assert "Reset two-factor authentication" not in user and "Ailosod dilysu dau ffactor" in user
    english = _text((await admin.get("/account", headers={"accept-language": "en-GB"})).text)
    assert "Your account" in english and "You have 10 unused recovery codes." in english


async def test_a_member_ballot_overview_and_reconciliation_read_in_polish_and_the_csv_keeps_english(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    admin = await _admin(client, app)
    ballot_id = await _set_up(admin, members_csv({"Acme": 1200, "Globex": 3}))
    overview = _text((await admin.get(f"/member-ballots/{ballot_id}", headers=POLISH)).text)
    assert "Członkowie uprawnieni do głosowania 1 203" in overview.replace("\xa0", " ")  # Polish groups thousands
    assert "Importuj członków" in overview and "Prowadzenie głosowania" in overview
    assert "Members entitled to vote" not in overview and "Run the ballot" not in overview
    opened = await admin.post(f"/member-ballots/{ballot_id}/open")
    assert opened.status_code == 303
    statement = (await admin.get(f"/member-ballots/{ballot_id}/reconciliation", headers=POLISH)).text
    shown = _text(statement)
    assert "Protokół rozliczenia: Pay offer 2027" in shown and "Liczby się zgadzają." in shown
    assert '<th scope="col">Pracodawca</th>' in statement and '<th scope="row">Wszyscy</th>' in statement
    assert '<th scope="row">Acme</th>' in statement  # an employer's name is the union's own
    download = await admin.get(f"/member-ballots/{ballot_id}/reconciliation.csv", headers=POLISH)
    assert download.text.lstrip("\ufeff").startswith("employer,on the register,removed,entitled")
