"""The trustees' page: a returning officer registers keys, and decrypts a closed ballot's tally from the page or
by uploading what `unionvote trustee decrypt` wrote; bad keys and bad decryptions are refused and change nothing."""

from __future__ import annotations

import json

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor, app_db
from tests.integration.conferences.web_world import logged_in
from tests.integration.voting.pages_world import Floor, floor, open_ballot, plain, prepare
from tests.integration.voting.test_pages_console import vote
from unionvote.accounts.models import Role
from unionvote.sealing.tallyfile import decrypt_tally
from unionvote.sealing.trustees import TrusteeKey
from unionvote.voting.models import SealingMode
from unionvote.voting.sealed import seal_ballot
from unionvote.voting.services import get_ballot
from unionvote.voting.trustee_keys import registered_trustees


async def officer_of(client: AsyncTestClient[Litestar], app: Litestar, f: Floor) -> Visitor:
    return await logged_in(client, app, "ro@union.example", f.conference_id, Role.RETURNING_OFFICER)


async def floor_with_officer(client: AsyncTestClient[Litestar], app: Litestar) -> tuple[Floor, Visitor, str]:
    """A floor, its returning officer logged in, and the Trustees page's path."""
    f = await floor(client, app)
    return f, await officer_of(client, app, f), f"/conferences/{f.conference_id}/trustees"


async def register(officer: Visitor, f: Floor, published: object, holder: str = "Returning officer") -> object:
    return await officer.post(f"/conferences/{f.conference_id}/trustees/keys",
                              data={"holder": holder, "public_key": json.dumps(published)})


async def sealed_to(app: Litestar, f: Floor, keys: list[TrusteeKey]) -> int:
    """A secret ballot prepared by the chair and sealed to the trustees' keys before it opens."""
    ballot_id = await prepare(f)
    async with app_db(app) as db:
        await seal_ballot(db, await get_ballot(db, ballot_id), mode=SealingMode.TRUSTEES,
                          trustees=[k.published() for k in keys])
    return ballot_id


async def test_keys_are_registered_only_with_a_proof_that_holds(client: AsyncTestClient[Litestar],
                                                                 app: Litestar) -> None:
    f, officer, base = await floor_with_officer(client, app)
    key, other = TrusteeKey.generate(), TrusteeKey.generate()
    forged = key.published().as_dict() | {"public_key": other.public.hex()}
    for published, status, message in [
        (forged, 400, "The public key is refused: The public key: the proof of knowledge of the key does not verify."),
        (key.key_file(), 400, "That is a private key file: never give it to the server."),
        ({"public_key": "02" + "ff" * 32, "proof": key.published().as_dict()["proof"]}, 400, "is not a point on "),
    ]:
        response = await register(officer, f, published)
        assert response.status_code == status and message in plain(response.text), plain(response.text)[:2000]
    not_json = await officer.post(f"{base}/keys", data={"holder": "RO", "public_key": "02abc"})
    assert not_json.status_code == 400 and "it is not JSON" in plain(not_json.text)
    async with app_db(app) as db:
        assert await registered_trustees(db, f.conference_id) == []

    done = await officer.post(f"{base}/keys", data={"holder": "Jo Bloggs, returning officer"},
                              files={"public_key_file": ("public.json", json.dumps(key.published().as_dict()))})
    assert done.status_code == 303 and done.headers["location"].endswith("?done=registered")
    again = await register(officer, f, key.published().as_dict())
    assert again.status_code == 409 and "already registered (held by Jo Bloggs, returning officer)" in plain(again.text)
    page = plain((await officer.get(base)).text)
    assert "Jo Bloggs, returning officer" in page and key.public.hex() in page
    async with app_db(app) as db:
        (row,) = await registered_trustees(db, f.conference_id)
    removed = await officer.post(f"{base}/keys/{row.id}/remove")
    assert removed.status_code == 303
    assert "No trustee key is registered yet" in plain((await officer.get(base)).text)


async def test_the_officer_decrypts_from_the_page_and_the_chair_declares(client: AsyncTestClient[Litestar],
                                                                         app: Litestar) -> None:
    f, officer, base = await floor_with_officer(client, app)
    key, scrutineer = TrusteeKey.generate(), TrusteeKey.generate()
    assert (await register(officer, f, key.published().as_dict())).status_code == 303
    assert (await register(officer, f, scrutineer.published().as_dict(), "A. Scrutineer")).status_code == 303
    ballot_id = await sealed_to(app, f, [key, scrutineer])
    await open_ballot(f, ballot_id)
    await vote(f, "A1", ballot_id, "for")
    await vote(f, "M1", ballot_id, "for")
    assert (await f.chair.post(f"{f.ballots}/{ballot_id}/close")).status_code == 303

    console = plain((await f.chair.get(f"{f.ballots}/{ballot_id}")).text)
    assert "The trustees hold this ballot's key: 0 of 2 have decrypted the result so far." in console
    page = plain((await officer.get(base)).text)
    assert "0 of 2 trustees have decrypted: Returning officer (waiting), A. Scrutineer (waiting)" in page
    tally = await officer.get(f"{base}/ballots/{ballot_id}/tally.json")
    assert tally.status_code == 200 and "attachment" in tally.headers["content-disposition"]

    # what the page's script does: decrypt in the browser, post the partial decryption as JSON
    mine = decrypt_tally(key, tally.json())
    tampered = json.loads(json.dumps(mine))
    tampered["partials"][0]["share"] = tampered["partials"][1]["share"]
    refused = await officer.post(f"{base}/ballots/{ballot_id}/decryption", json=tampered)
    assert refused.status_code == 400
    assert refused.json() == {"error": "The partial decryption is refused: partials[0]: the proof of correct "
                                       "decryption does not verify."}
    early = await f.chair.post(f"{f.ballots}/{ballot_id}/declare")
    assert early.status_code == 409 and "has not yet sent their partial decryption" in plain(early.text)

    accepted = await officer.post(f"{base}/ballots/{ballot_id}/decryption", json=mine)
    assert accepted.status_code == 200 and accepted.json()["given"] == 1, accepted.text
    assert "1 of 2 trustees have decrypted: Returning officer (done), A. Scrutineer (waiting)" in plain(
        (await officer.get(f"{base}/ballots")).text)

    # the scrutineer decrypted on their own computer: their file is uploaded without JavaScript
    theirs = json.dumps(decrypt_tally(scrutineer, tally.json()))
    key_file = await officer.post(f"{base}/ballots/{ballot_id}/decryption",
                                  files={"partial": ("key.json", json.dumps(scrutineer.key_file()))})
    assert key_file.status_code == 400 and "never give it to the server" in plain(key_file.text)
    uploaded = await officer.post(f"{base}/ballots/{ballot_id}/decryption",
                                  files={"partial": ("partial.json", theirs)})
    assert uploaded.status_code == 303 and uploaded.headers["location"].endswith("?done=decrypted")
    assert "Every trustee has decrypted: the chair can declare the result." in plain((await officer.get(base)).text)

    declared = await f.chair.post(f"{f.ballots}/{ballot_id}/declare")
    assert declared.status_code == 303, plain(declared.text)
    async with app_db(app) as db:
        result = json.loads((await get_ballot(db, ballot_id)).result or "{}")
    assert result["combined"]["choices"]["for"] == "2" and result["sealed"]["mode"] == "trustees"
    assert "No closed ballot is waiting for the trustees." in plain((await officer.get(base)).text)


async def test_only_the_returning_officer_uses_the_trustees_page(client: AsyncTestClient[Litestar],
                                                                  app: Litestar) -> None:
    f = await floor(client, app)
    base = f"/conferences/{f.conference_id}/trustees"
    for visitor in (f.chair, f.delegates["A1"]):
        assert (await visitor.get(base)).status_code == 403
        assert (await visitor.post(f"{base}/keys", data={"holder": "x", "public_key": "{}"})).status_code == 403
    officer = await officer_of(client, app, f)
    no_token = await officer.post(f"{base}/keys", csrf=False, data={"holder": "x", "public_key": "{}"})
    assert no_token.status_code == 403
    not_closed = await officer.get(f"{base}/ballots/{await prepare(f)}/tally.json")
    assert not_closed.status_code == 409 and "once a sealed ballot has closed" in not_closed.json()["error"]
