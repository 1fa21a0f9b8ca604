"""A turnout percentage reads as the reader's language writes numbers (12,5% in Polish), while English
keeps 12.5% and the turnout CSV keeps the one format programs read."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.languages.test_report_verdicts_languages import open_with_a_vote
from tests.integration.languages.test_staff_pages_languages import _text


async def test_turnout_percentages_follow_the_readers_language_and_the_csv_keeps_its_format(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    admin, ballot_id = await open_with_a_vote(client, app)  # 1 of 8: 12.5%
    base = f"/member-ballots/{ballot_id}"
    for path in (base, f"{base}/turnout", f"{base}/reconciliation"):
        polish = _text((await admin.get(path, headers={"accept-language": "pl"})).text)
        assert "12,5%" in polish and "12.5%" not in polish
        english = _text((await admin.get(path, headers={"accept-language": "en-GB"})).text)
        assert "12.5%" in english and "12,5%" not in english
    for name in ("turnout.csv", "reconciliation.csv"):
        csv = (await admin.get(f"{base}/{name}", headers={"accept-language": "pl"})).text
        assert "12.5%" in csv and "12,5%" not in csv
