"""The printable scrutineer's report gives each employer's verdict in the reader's language, while English
reads as before and the report's CSV keeps today's English words and number format."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor
from tests.integration.ballots.test_pages import _admin, _set_up
from tests.integration.ballots.world import members_csv, votes_from
from tests.integration.languages.test_staff_pages_languages import _text
from unionvote.db import make_engine, make_session_factory

ENGLISH = ("Employer Acme: turnout 50%", "not met: 3 votes short (1 of 8 voted)", "Employer Acme: yes votes",
           "withheld: fewer than 2 voted")


async def open_with_a_vote(client: AsyncTestClient[Litestar], app: Litestar) -> tuple[Visitor, int]:
    """A ballot of Acme's 8 members, open, with one yes vote in it."""
    admin = await _admin(client, app)
    ballot_id = await _set_up(admin, members_csv({"Acme": 8}))
    assert (await admin.post(f"/member-ballots/{ballot_id}/open")).status_code == 303
    engine = make_engine(app.state.settings)  # the test's own loop: the app's engine lives on the client's
    try:
        await votes_from(make_session_factory(engine), ballot_id, "Acme", ["yes"])
    finally:
        await engine.dispose()
    return admin, ballot_id


async def test_employer_verdicts_on_the_report_follow_the_readers_language_and_the_csv_keeps_english(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    admin, ballot_id = await open_with_a_vote(client, app)  # 1 of 8: 3 short of 50%
    assert (await admin.post(f"/member-ballots/{ballot_id}/close")).status_code == 303
    base = f"/member-ballots/{ballot_id}"
    polish = _text((await admin.get(f"{base}/report", headers={"accept-language": "pl"})).text)
    assert "Pracodawca Acme: frekwencja 50%" in polish
    assert "nie osiągnięto: brakuje 3 głosów (głosowało 1 z 8)" in polish
    assert "wstrzymano: liczba głosujących poniżej 2" in polish
    assert "Pytanie 1" in polish and "Question 1" not in polish
    assert not any(words in polish for words in ENGLISH)
    english = _text((await admin.get(f"{base}/report", headers={"accept-language": "en-GB"})).text)
    assert all(words in english for words in ENGLISH)
    csv = (await admin.get(f"{base}/report.csv", headers={"accept-language": "pl"})).text
    assert all(words in csv for words in ENGLISH) and "Pracodawca" not in csv
