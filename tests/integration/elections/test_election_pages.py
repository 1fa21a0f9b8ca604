"""From nominations to a declared STV result in the browser, without JavaScript."""

from __future__ import annotations

import json
import re

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import audit_entries
from tests.integration.elections.world import (
    election_world,
    nominate,
    nominations_close_now,
    plain,
    set_up,
)
from unionvote.elections.blt import parse_blt
from unionvote.elections.count import run_count

PAPERS = "\n".join([
    "3 2", "40 1 2 0", "25 2 0", "11 3 0", "15 3 1 0", "0", '"Ann Smith"', '"Bob Jones"', '"Cath Lee"', '"SOC"', ""])


async def _contested(client: AsyncTestClient[Litestar], app: Litestar, rule: str = "scottish-stv"):  # noqa: ANN202
    world = await election_world(client, app)
    election = await set_up(world, rule=rule)
    for name in ("Ann Smith", "Bob Jones", "Cath Lee"):
        await nominate(world.ann, world, election, name, statement="Twenty years a rep.")
    page = (await world.committee.get(election)).text
    for nomination_id in re.findall(r'action="[^"]*/nominations/(\d+)/decision"', page):
        response = await world.committee.post(f"{election}/nominations/{nomination_id}/decision",
                                              data={"verdict": "valid"})
        assert response.status_code == 303
    await nominations_close_now(app, election)
    response = await world.committee.post(f"{election}/close")
    assert response.headers["location"].endswith("?done=closed")
    return world, election


async def test_an_election_runs_from_nominations_to_a_declared_stv_result(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    world, election = await _contested(client, app)
    assert "Contested: awaiting the count" in plain((await world.committee.get(election)).text)

    response = await world.committee.post(f"{election}/count", files={"blt": ("papers.blt", PAPERS.encode())})
    assert response.status_code == 303
    sheet = plain((await world.ann.get(f"{election}/result")).text)
    assert "Quota 31.00000" in sheet  # 91 papers, 2 seats: 91 / 3 = 30, plus 1
    assert "Stage 2: Surplus of Ann Smith" in sheet
    assert "Ann Smith" in sheet and "Elected at stage 1" in sheet
    assert "Non-transferable" in sheet and "Lost to fractions (running total)" in sheet

    exported = (await world.ann.get(f"{election}/ballots.blt")).text
    again = run_count("scottish-stv", parse_blt(exported))
    assert again.elected == ["Ann Smith", "Bob Jones"]

    [declared] = await audit_entries(app, action="election.declared")
    payload = json.loads(declared.payload)
    assert payload["record"]["elected"] == [str(i) for i in payload["candidates"][:2]]
    assert "Ann Smith" not in declared.payload  # ids only in the audit chain


async def test_the_set_up_page_names_each_counting_rule_in_words(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    world = await election_world(client, app)
    page = (await world.committee.get(f"{world.base}/new")).text
    text = plain(page)
    for words in ("ERS97 rules, as used by UK scrutineers", "Scottish STV, as in Scottish council elections",
                  "Meek STV", "Alternative vote for one seat"):
        assert words in text
    assert re.search(r'<input[^>]*id="rule-ers97-stv"[^>]*checked', page)  # what UK scrutineers use, first
    assert '<label class="radio__label" for="rule-meek-stv">Meek STV</label>' in page


@pytest.mark.parametrize(("rule", "expected"), [
    # 91 papers, 2 seats. ERS97: quota 91 / 3 = 30.333..., so 30.34; Ann's surplus 9.66 moves to Bob at 0.24.
    ("ers97-stv", ["Count ERS97 rules, as used by UK scrutineers", "Quota 30.34",
                   "Stage 2: Surplus of Ann Smith (transfer value 0.24)", "Non-transferable"]),
    # Meek: quota 30.333333333 plus 0.000000001; Ann keeps about three quarters of each of her papers.
    ("meek-stv", ["Count Meek STV", "Quota 30.333333334", "keep values Ann Smith 0.7"]),
])
async def test_ers97_and_meek_counts_are_declared_with_their_own_sheets(
        client: AsyncTestClient[Litestar], app: Litestar, rule: str, expected: list[str]) -> None:
    world, election = await _contested(client, app, rule=rule)
    response = await world.committee.post(f"{election}/count", files={"blt": ("papers.blt", PAPERS.encode())})
    assert response.status_code == 303
    sheet = plain((await world.ann.get(f"{election}/result")).text)
    for words in expected:
        assert words in sheet
    assert "Lost to fractions" not in sheet  # both rules keep rounding on the non-transferable line
    assert "Elected at stage 1" in sheet and "Bob Jones" in sheet


async def test_a_malformed_blt_file_is_refused_line_by_line_and_nothing_changes(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    world, election = await _contested(client, app)
    bad = PAPERS.replace("25 2 0", "25 2 9 0").replace("11 3 0", "11 3")
    response = await world.committee.post(f"{election}/count", files={"blt": ("papers.blt", bad.encode())})
    assert response.status_code == 400
    text = plain(response.text)
    assert "line 3: '9' is not a candidate number (1 to 3)" in text
    assert "line 4: a ballot line must end with 0" in text
    assert "Contested: awaiting the count" in plain((await world.committee.get(election)).text)
    assert await audit_entries(app, action="election.declared") == []


async def test_a_file_for_other_candidates_is_refused(client: AsyncTestClient[Litestar], app: Litestar) -> None:
    world, election = await _contested(client, app)
    other = PAPERS.replace('"Cath Lee"', '"Dan Roe"')
    response = await world.committee.post(f"{election}/count", files={"blt": ("papers.blt", other.encode())})
    assert response.status_code == 400
    assert "not valid candidates here: Dan Roe; missing from the file: Cath Lee" in plain(response.text)


async def test_an_uncontested_election_is_declared_without_a_ballot(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    world = await election_world(client, app)
    election = await set_up(world, title="Conference chair", seats=1, rule="irv")
    await nominate(world.ann, world, election, "Ann Smith")
    page = (await world.committee.get(election)).text
    [nomination_id] = re.findall(r'action="[^"]*/nominations/(\d+)/decision"', page)
    await world.committee.post(f"{election}/nominations/{nomination_id}/decision", data={"verdict": "valid"})
    await nominations_close_now(app, election)
    response = await world.committee.post(f"{election}/close")
    assert response.headers["location"].endswith("?done=declared")
    result = plain((await world.ann.get(f"{election}/result")).text)
    assert "Uncontested" in result and "Ann Smith" in result
    assert len(await audit_entries(app, action="election.declared_uncontested")) == 1


async def test_a_statement_over_the_limit_is_refused_with_how_much_to_cut(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    world = await election_world(client, app)
    election = await set_up(world)
    response = await world.ann.post(f"{election}/nominations", data={
        "candidate_name": "Ann Smith", "body_id": str(world.bodies["LON"]), "statement": "x" * 250})
    assert response.status_code == 400
    assert "The statement is 250 characters long; the limit is 200. Shorten it by 50." in plain(response.text)
    assert "No nominations yet." in plain(response.text)


async def test_a_delegate_nominates_only_for_their_own_body(client: AsyncTestClient[Litestar], app: Litestar) -> None:
    world = await election_world(client, app)
    election = await set_up(world)
    response = await world.ann.post(f"{election}/nominations", data={
        "candidate_name": "Ann Smith", "body_id": str(world.bodies["MAN"])})
    assert response.status_code == 403
    assert "You can nominate only for the body you are a delegate of." in plain(response.text)


async def test_nominations_cannot_be_withdrawn_or_closed_at_the_wrong_time(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    world = await election_world(client, app)
    election = await set_up(world)
    await nominate(world.ann, world, election, "Ann Smith")
    response = await world.committee.post(f"{election}/close")
    assert response.status_code == 409 and "Nominations are still open" in plain(response.text)
    [nomination_id] = re.findall(r'action="[^"]*/nominations/(\d+)/withdraw"', (await world.ann.get(election)).text)
    await nominations_close_now(app, election)
    response = await world.ann.post(f"{election}/nominations/{nomination_id}/withdraw")
    assert response.status_code == 409 and "Nominations for this election have closed." in plain(response.text)
    response = await world.committee.post(f"{election}/close")
    assert "1 nomination(s) still need the committee" in plain(response.text)
