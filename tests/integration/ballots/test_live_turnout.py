"""The turnout dashboard follows the ballot over the websocket: a member's vote moves the count by itself."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.helpers import app_db, make_conference, make_user
from tests.integration.ballots.world import members_csv
from tests.integration.live.test_websocket import ORIGIN, csrf_token, log_in, on_app_loop, refused
from unionvote.accounts.models import Role
from unionvote.ballots.credentials import issue_credentials
from unionvote.ballots.members import import_members
from unionvote.ballots.services import MemberBallotSpec, QuestionSpec, create_member_ballot, open_ballot
from unionvote.db import utcnow


@pytest.fixture
def live(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app=app, base_url=ORIGIN, timeout=10) as client:
        yield client


async def _ballot(app: Litestar) -> tuple[int, str]:
    async with app_db(app) as db:
        now = utcnow()
        ballot = await create_member_ballot(db, MemberBallotSpec(
            slug="pay-2027", title="Pay", description="The offer.", opens_at=now - timedelta(minutes=1),
            closes_at=now + timedelta(days=3), questions=[QuestionSpec("Accept?")]), by=None)
        await import_members(db, ballot.id, io.BytesIO(members_csv({"Acme": 3})), by=None)  # type: ignore[arg-type]
        [first, *_] = await issue_credentials(db, ballot.id, by=None)  # type: ignore[arg-type]
        await open_ballot(db, ballot.id, by=None)  # type: ignore[arg-type]
        return ballot.id, first.link_token  # type: ignore[return-value]


def test_the_dashboard_count_moves_when_a_member_votes(live: TestClient[Litestar], app: Litestar) -> None:
    ballot_id, link = on_app_loop(live, _ballot, app)
    _, secret = on_app_loop(live, make_user, app, "admin@union.example", admin=True)
    log_in(live, "admin@union.example", secret)
    dashboard = live.get(f"/member-ballots/{ballot_id}/turnout")
    assert f'ws-connect="/ws/live?topics=member_ballot%3A{ballot_id}' in dashboard.text
    with live.websocket_connect(f"/ws/live?topics=member_ballot:{ballot_id}", headers={"origin": ORIGIN}) as ws:
        assert 'id="live-status"' in ws.receive_text(timeout=30)
        form = live.get(f"/vote/{link}")
        question = re.search(r'name="(q\d+)"', form.text).group(1)  # type: ignore[union-attr]
        token = re.search(r'name="token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
        voted = live.post(f"/vote/{link}", data={"token": token, question: "yes"},
                          headers={"x-csrftoken": csrf_token(live)})
        assert voted.status_code == 201
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
