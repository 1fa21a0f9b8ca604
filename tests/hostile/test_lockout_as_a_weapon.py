"""Lockout and throttles that stop guessers without locking out the real people: the chair whose
password someone is guessing, the delegate whose membership number someone types with wrong codes,
and a workplace whose members all vote from one internet address."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor, make_conference, make_user
from tests.integration.ballots.test_pages import _admin, _credentials, _set_up
from tests.integration.ballots.world import members_csv
from tests.integration.conferences.invitation_world import conference_with_register
from tests.integration.conferences.test_voting_codes import code_login, issue_code_as_staff
from unionvote.accounts.models import Role

CHAIR = "chair@union.example"


async def test_wrong_passwords_from_elsewhere_do_not_lock_the_chair_out_of_their_own_laptop(
        app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    conference_id = await make_conference(app)
    _, secret = await make_user(app, CHAIR, roles=[(conference_id, Role.CHAIR)])
    laptop = Visitor(client)
    await laptop.log_in(CHAIR, totp_secret=secret)  # the laptop has logged in before
    await laptop.post("/logout")

    guesses = [(await Visitor(client).log_in(CHAIR, f"guess {n}")).status_code for n in range(6)]
    assert guesses == [400] * 5 + [403]  # locked against everyone else...
    stranger = await Visitor(client).log_in(CHAIR)
    assert stranger.status_code == 403 and "uv_session" not in stranger.headers.get("set-cookie", "")

    back = await laptop.log_in(CHAIR, totp_secret=secret)  # ...but not against the chair's own laptop
    assert back.status_code == 303, back.text
    assert (await laptop.get(f"/conferences/{conference_id}/me")).status_code != 303


async def test_wrong_codes_for_a_delegates_number_do_not_lock_out_the_delegates_own_phone(
        app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    world = await conference_with_register(app, client)
    code = await issue_code_as_staff(world, "A1")
    phone = Visitor(client)
    assert (await code_login(phone, world.slug, "A1", code)).status_code == 303
    await phone.post("/logout")

    for n in range(5):
        await code_login(Visitor(client), world.slug, "A1", f"ZZZZ-{n + 2}{n + 2}{n + 2}{n + 2}")
    assert (await code_login(Visitor(client), world.slug, "A1", code)).status_code == 403  # others: locked

    again = await code_login(phone, world.slug, "A1", code)
    assert again.status_code == 303, again.text


async def test_a_revoked_delegate_cannot_log_in_again_with_their_voting_code(
        app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    world = await conference_with_register(app, client)
    code = await issue_code_as_staff(world, "A1")
    delegate = f"/api/v1/conferences/{world.id}/delegates/{world.delegates['A1']}"
    accredited = await world.staff.post(f"{delegate}/accredit", json={"note": "Union card seen"})
    assert accredited.status_code == 200, accredited.text
    revoked = await world.staff.post(f"{delegate}/revoke", json={"reason": "Credential withdrawn by the desk"})
    assert revoked.status_code == 200, revoked.text

    visitor = Visitor(client)
    response = await code_login(visitor, world.slug, "A1", code)

    assert response.status_code == 403
    assert "withdrawn" in response.text
    assert (await visitor.get(f"/conferences/{world.id}/me")).status_code == 303  # sent to log in


async def test_a_workplace_of_members_voting_from_one_address_is_not_throttled(
        app: Litestar, client: AsyncTestClient[Litestar]) -> None:
    admin = await _admin(client, app)
    ballot_id = await _set_up(admin, members_csv({"Acme": 30}))
    credentials = await _credentials(admin, ballot_id)
    await admin.post(f"/member-ballots/{ballot_id}/open")

    answers = []
    for number, row in list(credentials.items())[:25]:  # all from the test client's one address
        member = Visitor(client)
        answers.append((await member.post("/ballots/pay-2027/code",
                                          data={"membership_number": number, "code": row["voting code"]})).status_code)
    assert answers == [200] * 25
    # One member's number guessed at is still slowed, with a message saying how long to wait.
    guessed = [await Visitor(client).post("/ballots/pay-2027/code", data={"membership_number": "M1",
                                                                          "code": "AAAAA-AAAAA"})
               for _ in range(11)]
    assert guessed[-1].status_code in (400, 429) and "Wait" in guessed[-1].text
