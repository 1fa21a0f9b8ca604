"""The turnout dashboard follows the ballot over the websocket: a member's vote moves the count by itself."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.helpers import app_db, make_conference, make_user
from tests.integration.ballots.world import issued_ballot, vote_yes_by_link
from tests.integration.live.test_websocket import ORIGIN, log_in, on_app_loop, refused
from unionvote.accounts.models import Role


@pytest.fixture
def live(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app=app, base_url=ORIGIN, timeout=10) as client:
        yield client


async def _ballot(app: Litestar) -> tuple[int, str]:
    async with app_db(app) as db:
        ballot_id, links = await issued_ballot(db, {"Acme": 3})
    return ballot_id, links["Member 1"]


def test_the_dashboard_count_moves_when_a_member_votes(live: TestClient[Litestar], app: Litestar) -> None:
    ballot_id, link = on_app_loop(live, _ballot, app)
    _, secret = on_app_loop(live, make_user, app, "admin@union.example", admin=True)
    log_in(live, "admin@union.example", secret)
    dashboard = live.get(f"/member-ballots/{ballot_id}/turnout")
    assert f'ws-connect="/ws/live?topics=member_ballot%3A{ballot_id}' in dashboard.text
    with live.websocket_connect(f"/ws/live?topics=member_ballot:{ballot_id}", headers={"origin": ORIGIN}) as ws:
        assert 'id="live-status"' in ws.receive_text(timeout=30)
        vote_yes_by_link(live, link)
        fragment = ws.receive_text(timeout=30)
    assert f'id="member-ballot-{ballot_id}-turnout" hx-swap-oob="innerHTML"' in fragment
    assert "<strong>1</strong> of 3 members have voted" in fragment
    assert "yes" not in fragment.lower().replace("yes votes", "")  # counts of who voted, never how


def test_a_delegate_cannot_follow_a_member_ballot(live: TestClient[Litestar], app: Litestar) -> None:
    ballot_id, _ = on_app_loop(live, _ballot, app)
    conference_id = on_app_loop(live, make_conference, app)
    on_app_loop(live, make_user, app, "delegate@union.example", roles=[(conference_id, Role.DELEGATE)])
    log_in(live, "delegate@union.example")
    assert refused(live, f"/ws/live?topics=member_ballot:{ballot_id}", {"origin": ORIGIN}) == 4403
