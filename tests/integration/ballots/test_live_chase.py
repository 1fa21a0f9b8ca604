"""A rep's chase list follows the votes: a member of their workplace votes and the open list fetches itself again
without the member; only the rep of that very workplace or branch may follow it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.helpers import app_db, make_user
from tests.integration.ballots.world import issued_ballot, vote_yes_by_link
from tests.integration.live.test_websocket import ORIGIN, log_in, on_app_loop, refused
from unionvote.ballots.chasing import Scope, grant_rep
from unionvote.ballots.live_chase import chase_topic


@pytest.fixture
def live(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app=app, base_url=ORIGIN, timeout=30) as client:
        yield client


async def _ballot_with_reps(app: Litestar) -> tuple[int, dict[str, str]]:
    """Two members at Acme depot, one at Bolt depot; a rep for each workplace. Returns each member's link."""
    async with app_db(app) as db:
        ballot_id, links = await issued_ballot(db, {"Acme": 2, "Bolt": 1})
    await make_user(app, "acme.rep@union.example")
    await make_user(app, "bolt.rep@union.example")
    async with app_db(app) as db:
        await grant_rep(db, ballot_id, "acme.rep@union.example", "workplace", "Acme depot", by=None)  # type: ignore[arg-type]
        await grant_rep(db, ballot_id, "bolt.rep@union.example", "workplace", "Bolt depot", by=None)  # type: ignore[arg-type]
    return ballot_id, links


def test_a_reps_open_list_fetches_itself_again_when_a_member_of_their_workplace_votes(
        live: TestClient[Litestar], app: Litestar) -> None:
    ballot_id, links = on_app_loop(live, _ballot_with_reps, app)
    topic = chase_topic(Scope(ballot_id, "workplace", "Acme depot"))
    log_in(live, "acme.rep@union.example")
    page = live.get(f"/chase/{ballot_id}/")
    assert page.status_code == 200 and "Member 1" in page.text and "Member 2" in page.text
    assert f"ws-connect=\"/ws/live?topics={topic.replace(':', '%3A')}" in page.text
    with live.websocket_connect(f"/ws/live?topics={topic}", headers={"origin": ORIGIN}) as ws:
        assert 'id="live-status"' in ws.receive_text(timeout=30)
        vote_yes_by_link(live, links["Member 1"])  # a link needs no login: the same browser serves the member
        news = ws.receive_text(timeout=30)
    assert 'id="chase-news"' in news and f'hx-get="/chase/{ballot_id}/list"' in news
    assert "Member" not in news and "yes" not in news  # who voted and how stay out of the news
    fetched = live.get(f"/chase/{ballot_id}/list")
    assert "Member 1" not in fetched.text and "Member 2" in fetched.text


def test_a_vote_at_another_workplace_reaches_its_rep_and_not_this_one(
        live: TestClient[Litestar], app: Litestar) -> None:
    ballot_id, links = on_app_loop(live, _ballot_with_reps, app)
    acme = chase_topic(Scope(ballot_id, "workplace", "Acme depot"))
    bolt = chase_topic(Scope(ballot_id, "workplace", "Bolt depot"))
    log_in(live, "acme.rep@union.example")
    with live.websocket_connect(f"/ws/live?topics={acme}", headers={"origin": ORIGIN}) as acme_ws:
        assert 'id="live-status"' in acme_ws.receive_text(timeout=30)
        log_in(live, "bolt.rep@union.example")
        with live.websocket_connect(f"/ws/live?topics={bolt}", headers={"origin": ORIGIN}) as bolt_ws:
            assert 'id="live-status"' in bolt_ws.receive_text(timeout=30)
            vote_yes_by_link(live, links["Member 3"])  # Bolt depot
            assert 'id="chase-news"' in bolt_ws.receive_text(timeout=30)
        # News goes out in the order it was published: anything the Bolt vote sent to Acme's list went out
        # before this marker, so the marker is the first thing Acme's rep hears only if nothing leaked.
        on_app_loop(live, app.state.channels.wait_published, "<p>marker</p>", acme)
        assert acme_ws.receive_text(timeout=30) == "<p>marker</p>"


def test_only_the_rep_of_that_workplace_may_follow_its_list(live: TestClient[Litestar], app: Litestar) -> None:
    ballot_id, _ = on_app_loop(live, _ballot_with_reps, app)
    acme = chase_topic(Scope(ballot_id, "workplace", "Acme depot"))
    assert refused(live, f"/ws/live?topics={acme}", {"origin": ORIGIN}) in {4401, 4403}  # not signed in
    log_in(live, "bolt.rep@union.example")
    assert refused(live, f"/ws/live?topics={acme}", {"origin": ORIGIN}) == 4403
    assert refused(live, f"/ws/live?topics=chase:{ballot_id}-nonsense", {"origin": ORIGIN}) == 4403
