"""A turnout percentage reads as the reader's language writes numbers (12,5% in Polish), while English
keeps 12.5% and the turnout CSV keeps the one format programs read."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.ballots.test_pages import _admin, _set_up
from tests.integration.ballots.world import members_csv, votes_from
from tests.integration.languages.test_staff_pages_languages import _text
from unionvote.db import make_engine, make_session_factory


async def test_turnout_percentages_follow_the_readers_language_and_the_csv_keeps_its_format(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    admin = await _admin(client, app)
    ballot_id = await _set_up(admin, members_csv({"Acme": 8}))
    assert (await admin.post(f"/member-ballots/{ballot_id}/open")).status_code == 303
    engine = make_engine(app.state.settings)  # the test's own loop: the app's engine lives on the client's
    try:
        await votes_from(make_session_factory(engine), ballot_id, "Acme", ["yes"])  # 1 of 8: 12.5%
    finally:
        await engine.dispose()
    base = f"/member-ballots/{ballot_id}"
    for path in (base, f"{base}/turnout", f"{base}/reconciliation"):
        polish = _text((await admin.get(path, headers={"accept-language": "pl"})).text)
        assert "12,5%" in polish and "12.5%" not in polish
        english = _text((await admin.get(path, headers={"accept-language": "en-GB"})).text)
        assert "12.5%" in english and "12,5%" not in english
    for name in ("turnout.csv", "reconciliation.csv"):
        csv = (await admin.get(f"{base}/{name}", headers={"accept-language": "pl"})).text
        assert "12.5%" in csv and "12,5%" not in csv
