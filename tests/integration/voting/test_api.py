"""The voting API: the casting contract, retries, refusals that change nothing, and no tally before close."""

from __future__ import annotations

import json
import re

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from tests.helpers import Visitor, app_db, make_conference, make_user
from tests.integration.voting.pages_world import Floor, floor, plain
from tests.integration.voting.test_pages_vote import votes_stored
from unionvote.accounts.models import Role, User
from unionvote.accounts.services import create_api_token
from unionvote.voting.receipts import new_token

TRACKER = re.compile(r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}")
TALLY_WORDS = ('"combined"', '"online"', '"decision"', '"winners"', '"choices"')


async def api_ballot(f: Floor, **draft: object) -> int:
    body = {"title": "Motion 7: Ballot timing", "question": "That conference agrees the timetable.", **draft}
    created = await f.chair.post(f"/api/v1/conferences/{f.conference_id}/ballots", json=body)
    assert created.status_code == 201, created.text
    ballot_id = created.json()["id"]
    opened = await f.chair.post(f"/api/v1/ballots/{ballot_id}/open")
    assert opened.status_code == 200, opened.text
    assert opened.json()["state"] == "open" and opened.json()["turnout"]["electorate"] == len(f.delegates)
    return ballot_id


async def cast(visitor: Visitor, ballot_id: int, choice: object, token: str, **headers: str):  # noqa: ANN201
    return await visitor.post(f"/api/v1/ballots/{ballot_id}/votes", json={"choice": choice, "token": token},
                              headers=headers or None)


async def test_a_vote_is_cast_once_and_a_retry_gets_the_same_receipt(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    f = await floor(client, app)
    ballot_id = await api_ballot(f)
    token = new_token()
    first = await cast(f.delegates["A1"], ballot_id, ["for"], token)
    assert first.status_code == 201, first.text
    body = first.json()
    assert set(body) == {"ballot", "tracker", "choice", "repeated"}
    assert body["ballot"] == ballot_id and body["choice"] == ["for"] and body["repeated"] is False
    assert TRACKER.fullmatch(body["tracker"])

    retry = await cast(f.delegates["A1"], ballot_id, ["for"], token)
    assert retry.status_code == 200 and retry.json() == {**body, "repeated": True}
    changed = await cast(f.delegates["A1"], ballot_id, ["against"], token)
    assert changed.status_code == 409
    assert changed.json() == {"status_code": 409, "detail": "This vote was already recorded with a different "
                                                            "choice; a vote cannot be changed once cast."}
    second = await cast(f.delegates["A1"], ballot_id, ["against"], new_token())
    assert second.status_code == 409 and "already voted" in second.json()["detail"]
    assert await votes_stored(app, ballot_id) == (1, 1)

    # Before close: the turnout count, and nothing that says how anyone voted, for staff too.
    for who in (f.chair, f.delegates["M1"]):
        summary = (await who.get(f"/api/v1/ballots/{ballot_id}")).json()
        assert summary["state"] == "open" and summary["result"] is None
        assert summary["turnout"] == {"voters": 1, "electorate": 2, "weight": "1", "electorate_weight": "2"}
        assert not any(word in json.dumps(summary) for word in TALLY_WORDS)
    listing = (await f.chair.get(f"/api/v1/conferences/{f.conference_id}/ballots")).json()
    assert [b["id"] for b in listing] == [ballot_id] and listing[0]["result"] is None
    early = await f.delegates["M1"].get(f"/api/v1/ballots/{ballot_id}/trackers")
    assert early.status_code == 409 and early.json()["detail"] == "Trackers are published when voting closes."

    assert (await cast(f.delegates["M1"], ballot_id, ["for"], new_token())).status_code == 201
    assert (await f.chair.post(f"/api/v1/ballots/{ballot_id}/close")).status_code == 200
    late = await cast(f.delegates["M1"], ballot_id, ["for"], new_token())
    assert late.status_code == 409 and "closed" in late.json()["detail"]
    declared = await f.chair.post(f"/api/v1/ballots/{ballot_id}/declare", json={})
    assert declared.status_code == 200, declared.text
    result = declared.json()["result"]
    assert result["decision"]["outcome"] == "carried" and result["combined"]["choices"]["for"] == "2"
    trackers = (await f.delegates["M1"].get(f"/api/v1/ballots/{ballot_id}/trackers")).json()
    assert body["tracker"] in trackers["trackers"] and len(trackers["trackers"]) == 2


async def test_bad_votes_get_clear_messages_and_change_nothing(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    f = await floor(client, app)
    ballot_id = await api_ballot(f)
    delegate = f.delegates["A1"]
    cases = [
        (["maybe"], new_token(), 400, "'maybe' is not an option on this ballot."),
        (["for", "against"], new_token(), 400, "Choose for, against or abstain."),
        ([], new_token(), 400, "Choose for, against or abstain."),
        (["for"], "short", 400, "The ballot token is missing or malformed"),
        (["for"], "x" * 20 + "!!", 400, "The ballot token is missing or malformed"),
    ]
    for choice, token, status, message in cases:
        response = await cast(delegate, ballot_id, choice, token)
        assert response.status_code == status, (choice, response.text)
        assert response.json()["detail"].startswith(message), response.text
    malformed = await delegate.post(f"/api/v1/ballots/{ballot_id}/votes", json={"choice": "for", "token": new_token()})
    assert malformed.status_code == 400
    extra = await delegate.post(f"/api/v1/ballots/{ballot_id}/votes",
                                json={"choice": ["for"], "token": new_token(), "weight": 1000})
    assert extra.status_code == 400
    unknown = await cast(delegate, ballot_id + 1000, ["for"], new_token())
    assert unknown.status_code == 404 and unknown.json()["detail"] == "No such ballot."
    assert await votes_stored(app, ballot_id) == (0, 0)

    draft = (await f.chair.post(f"/api/v1/conferences/{f.conference_id}/ballots",
                                json={"title": "Later", "question": "Not yet?"})).json()["id"]
    not_yet = await cast(delegate, draft, ["for"], new_token())
    assert not_yet.status_code == 409 and not_yet.json()["detail"] == "This ballot has not opened yet."
    hidden = await delegate.get(f"/api/v1/ballots/{draft}")
    assert hidden.status_code == 404  # delegates do not see the chair's drafts


async def test_who_may_vote_through_the_api(client: AsyncTestClient[Litestar], app: Litestar) -> None:
    f = await floor(client, app)
    ballot_id = await api_ballot(f)
    user_id = await _user_of(app, "a1")
    async with app_db(app) as db:
        _, token = await create_api_token(db, user_id=user_id, name="phone")
    phone = Visitor(client)
    by_token = await phone.post(f"/api/v1/ballots/{ballot_id}/votes", csrf=False,
                                json={"choice": ["abstain"], "token": new_token()},
                                headers={"authorization": f"Bearer {token}"})
    assert by_token.status_code == 201, by_token.text

    no_csrf = await f.delegates["M1"].post(f"/api/v1/ballots/{ballot_id}/votes", csrf=False,
                                           json={"choice": ["for"], "token": new_token()})
    assert no_csrf.status_code == 403  # a cookie without the CSRF header could be a forged request
    observer = Visitor(client)
    await make_user(app, "observer@union.example", roles=[(f.conference_id, Role.OBSERVER)])
    await observer.log_in("observer@union.example")
    refused = await cast(observer, ballot_id, ["for"], new_token())
    assert refused.status_code == 403 and "not in this ballot's electorate" in refused.json()["detail"]
    other = await make_conference(app, "rules-2027", "Rules Conference")
    outsider = Visitor(client)
    await make_user(app, "outsider@union.example", roles=[(other, Role.DELEGATE)])
    await outsider.log_in("outsider@union.example")
    assert (await cast(outsider, ballot_id, ["for"], new_token())).status_code == 403
    assert (await outsider.get(f"/api/v1/ballots/{ballot_id}")).status_code == 403
    assert (await f.delegates["A1"].post(f"/api/v1/ballots/{ballot_id}/close")).status_code == 403
    assert await votes_stored(app, ballot_id) == (1, 1)


async def _user_of(app: Litestar, local_part: str) -> int:
    async with app_db(app) as db:
        return (await db.execute(select(User.id).where(User.email == f"{local_part}@branch.example"))).scalar_one()


async def test_a_tie_asks_for_the_chairs_casting_vote(client: AsyncTestClient[Litestar], app: Litestar) -> None:
    f = await floor(client, app)
    ballot_id = await api_ballot(f, tie_rule="casting_vote", secret=False)
    assert (await cast(f.delegates["A1"], ballot_id, ["for"], new_token())).status_code == 201
    assert (await cast(f.delegates["M1"], ballot_id, ["against"], new_token())).status_code == 201
    assert (await f.chair.post(f"/api/v1/ballots/{ballot_id}/close")).status_code == 200
    asked = await f.chair.post(f"/api/v1/ballots/{ballot_id}/declare", json={})
    assert asked.status_code == 409 and "casting vote" in asked.json()["detail"]
    assert (await f.chair.get(f"/api/v1/ballots/{ballot_id}")).json()["state"] == "closed"  # nothing changed
    declared = await f.chair.post(f"/api/v1/ballots/{ballot_id}/declare", json={"casting_vote": "for"})
    assert declared.status_code == 200, declared.text
    decision = declared.json()["result"]["decision"]
    assert decision["outcome"] == "carried" and decision["tie"] is True


async def test_a_ballot_the_rules_refuse_is_not_prepared_and_says_why(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    f = await floor(client, app, present=("A1",))
    path = f"/api/v1/conferences/{f.conference_id}/ballots"
    base = {"title": "Priorities", "question": "Which comes first?"}
    for draft, message in [
        ({"majority": "most"}, "The majority must be one of: simple, absolute, two_thirds, fraction, plurality"),
        ({"majority": "fraction", "fraction": "three fifths"}, "The custom majority must be a whole number or a "
                                                               "fraction such as 2/3"),
        ({"countdown_seconds": 5}, "A countdown runs between 10 seconds and 24 hours."),
        ({"method": "one_of", "options": ["Only one"]}, "A choice between options needs at least two options."),
        ({"method": "up_to_k", "options": ["A", "B"], "max_choices": 3}, "'Up to K' needs K between 1 and"),
        ({"title": " "}, "Give the ballot a title."),
    ]:
        response = await f.chair.post(path, json={**base, **draft})
        assert response.status_code == 400, (draft, response.text)
        assert response.json()["detail"].startswith(message), response.text
    assert (await f.chair.get(path)).json() == []
    page = await f.chair.post(f.ballots, data={"title": "Timing", "question": "When?", "countdown_seconds": "soon"})
    assert page.status_code == 400 and "The countdown must be a whole number, not 'soon'." in plain(page.text)
    made = await f.chair.post(path, json={**base, "method": "one_of", "options": ["Pay", "Pensions", "Pay"]})
    assert made.status_code == 201
    assert made.json()["options"] == [["pay", "Pay"], ["pensions", "Pensions"], ["pay-3", "Pay"]]
