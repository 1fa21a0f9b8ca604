"""The chair's console, the tellers' hall counts, the returning officer's record and the projector, through pages;
and refusals a delegate can act on, which change nothing."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.conferences.web_world import logged_in
from tests.integration.voting.pages_world import Floor, floor, open_ballot, plain, prepare, token_on
from tests.integration.voting.test_pages_vote import votes_stored
from unionvote.accounts.models import Role

RESULT_MARKS = ('class="result', "<caption>Votes")


async def vote(f: Floor, number: str, ballot_id: int, choice: str) -> None:
    page = (await f.delegates[number].get(f.vote)).text
    response = await f.delegates[number].post(f"{f.vote}/{ballot_id}", data={"choice": choice, "token": token_on(page)})
    assert response.status_code == 303, plain(response.text)


async def test_refused_votes_say_why_and_change_nothing(client: AsyncTestClient[Litestar], app: Litestar) -> None:
    f = await floor(client, app)
    ballot_id = await prepare(f)
    await open_ballot(f, ballot_id)
    a1 = f.delegates["A1"]
    page = (await a1.get(f.vote)).text
    token = token_on(page)
    for data, status, message in [
        ({"choice": "maybe", "token": token}, 400, "'maybe' is not an option on this ballot."),
        ({"token": token}, 400, "Choose for, against or abstain."),
        ({"choice": "for"}, 400, "The ballot token is missing or malformed"),
    ]:
        response = await a1.post(f"{f.vote}/{ballot_id}", data=data)
        assert response.status_code == status and message in plain(response.text), plain(response.text)
        assert "Your vote was not recorded" in response.text
    unknown = await a1.post(f"{f.vote}/{ballot_id + 50}", data={"choice": "for", "token": token})
    assert unknown.status_code == 404 and "No such ballot." in plain(unknown.text)
    assert await votes_stored(app, ballot_id) == (0, 0)

    assert (await a1.post(f"{f.vote}/{ballot_id}", data={"choice": "for", "token": token})).status_code == 303
    replayed = await a1.post(f"{f.vote}/{ballot_id}", data={"choice": "against", "token": token})
    assert replayed.status_code == 409 and "different choice" in plain(replayed.text)
    await f.chair.post(f"{f.ballots}/{ballot_id}/close")
    late = await f.delegates["M1"].post(f"{f.vote}/{ballot_id}", data={"choice": "for", "token": token_on(page)})
    assert late.status_code == 409
    assert "Voting in this ballot has closed; your vote was not recorded." in plain(late.text)
    assert await votes_stored(app, ballot_id) == (1, 1)


async def test_no_page_shows_a_tally_of_a_secret_ballot_before_it_is_declared(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    f = await floor(client, app)
    staff = await logged_in(client, app, "staff@union.example", f.conference_id, Role.STAFF)
    officer = await logged_in(client, app, "ro@union.example", f.conference_id, Role.RETURNING_OFFICER)
    ballot_id = await prepare(f)
    await open_ballot(f, ballot_id)
    await vote(f, "A1", ballot_id, "for")
    pages = [(f.chair, f"{f.ballots}/{ballot_id}"), (staff, f"{f.ballots}/{ballot_id}"), (staff, f.ballots),
             (officer, f"/conferences/{f.conference_id}/record/{ballot_id}"),
             (officer, f"/conferences/{f.conference_id}/record"),
             (f.chair, f"/conferences/{f.conference_id}/projector"),
             (f.delegates["M1"], f.vote), (f.delegates["A1"], f"{f.vote}/{ballot_id}/receipt")]
    for _stage in ("open", "closed"):
        for who, path in pages:
            response = await who.get(path)
            assert response.status_code == 200, path
            assert not any(mark in response.text for mark in RESULT_MARKS), path
            assert "1 of 2 have voted." in plain(response.text) or path.endswith("/record"), path
        await f.chair.post(f"{f.ballots}/{ballot_id}/close")
    await f.chair.post(f"{f.ballots}/{ballot_id}/declare")
    assert "Carried" in plain((await f.chair.get(f"/conferences/{f.conference_id}/projector")).text)


async def test_void_re_vote_and_card_vote_from_the_console(client: AsyncTestClient[Litestar], app: Litestar) -> None:
    f = await floor(client, app)
    ballot_id = await prepare(f)
    await open_ballot(f, ballot_id)
    console = f"{f.ballots}/{ballot_id}"
    no_reason = await f.chair.post(f"{console}/void", data={"reason": " "})
    assert no_reason.status_code == 400 and "Give the reason the ballot is void" in plain(no_reason.text)
    assert "Voting is open" in plain((await f.chair.get(console)).text)
    reopen = await f.chair.post(f"{console}/open")
    assert reopen.status_code == 409 and "Only a draft ballot can be opened; this one is open." in plain(reopen.text)

    assert (await f.chair.post(f"{console}/void", data={"reason": "The wrong text was on screen"})).status_code == 303
    assert "This ballot is void: The wrong text was on screen" in plain((await f.delegates["A1"].get(f.vote)).text)
    revote = await f.chair.post(f"{console}/revote")
    assert revote.status_code == 303
    again = plain((await f.chair.get(revote.headers["location"])).text)
    assert "Re-vote of Motion 4: Fair pay now" in again and "Not open yet" in again

    card = await f.chair.post(f"{console}/card-vote")
    assert card.status_code == 303
    card_page = plain((await f.chair.get(card.headers["location"])).text)
    assert "Card vote of Motion 4" in card_page and "card vote." in card_page
    listing = plain((await f.chair.get(f.ballots)).text)
    assert listing.count("Motion 4: Fair pay now") == 3


async def test_tellers_hall_counts_are_combined_with_the_online_votes(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    f = await floor(client, app)
    teller = await logged_in(client, app, "teller@union.example", f.conference_id, Role.TELLER)
    ballot_id = await prepare(f)
    await open_ballot(f, ballot_id)
    await vote(f, "A1", ballot_id, "against")
    hall = f"{f.ballots}/{ballot_id}/hall"
    early = await teller.post(hall, data={"section": "Balcony", "count_for": "10"})
    assert early.status_code == 409 and "once voting has closed" in plain(early.text)
    await f.chair.post(f"{f.ballots}/{ballot_id}/close")
    bad = await teller.post(hall, data={"section": "Balcony", "count_for": "ten"})
    assert bad.status_code == 400 and "For: enter a whole number, zero or more (not 'ten')." in plain(bad.text)
    unnamed = await teller.post(hall, data={"section": "", "count_for": "3"})
    assert unnamed.status_code == 400 and "Name the section of the hall" in plain(unnamed.text)
    recorded = await teller.post(hall, data={"section": "Balcony", "count_for": "10", "count_against": "3",
                                             "invalid": "1"})
    assert recorded.status_code == 303 and recorded.headers["location"] == f"{hall}?done=hall-count"
    assert "Balcony 10 3 0 1" in plain((await teller.get(hall)).text)
    assert (await teller.get(f"{f.ballots}/{ballot_id}")).status_code == 403  # tellers count; the chair runs it

    assert (await f.chair.post(f"{f.ballots}/{ballot_id}/declare")).status_code == 303
    result = plain((await f.delegates["M1"].get(f"{f.vote}/{ballot_id}/receipt")).text)
    assert "Carried" in result and "Online In the hall Total" in result
    assert "For 0 10 10" in result and "Against 1 3 4" in result


async def test_the_returning_officer_reads_the_record_and_certifies(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    f = await floor(client, app)
    officer = await logged_in(client, app, "ro@union.example", f.conference_id, Role.RETURNING_OFFICER)
    staff = await logged_in(client, app, "staff@union.example", f.conference_id, Role.STAFF)
    ballot_id = await prepare(f, majority="two_thirds")
    await open_ballot(f, ballot_id)
    await vote(f, "A1", ballot_id, "for")
    await f.chair.post(f"{f.ballots}/{ballot_id}/close")
    await f.chair.post(f"{f.ballots}/{ballot_id}/declare")
    record = f"/conferences/{f.conference_id}/record/{ballot_id}"
    page = plain((await officer.get(record)).text)
    assert "At least two thirds of the valid votes, abstentions not counted; a tied vote falls." in page
    assert "2 voters carrying 2 votes" in page and "Snapshot hash:" in page and "Result document hash" in page
    assert str(f.world.delegates["A1"]) in page and "Person A1" not in page  # ids for the officer
    assert "Person A1" in plain((await staff.get(record)).text)  # names for union staff
    assert (await f.chair.post(f"{record}/certify")).status_code == 403  # the chair cannot certify

    certified = await officer.post(f"{record}/certify")
    assert certified.status_code == 303
    assert "The result has been certified." in plain((await officer.get(certified.headers["location"])).text)
    again = await officer.post(f"{record}/certify")
    assert again.status_code == 409 and "This result is already certified." in plain(again.text)
    assert "Certified" in plain((await officer.get(f"/conferences/{f.conference_id}/record")).text)
