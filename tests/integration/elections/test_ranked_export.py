"""A declared STV election's ranked ballot is recounted from the conference export, and tampering is caught."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import app_db
from tests.integration.conferences.web_world import accredit, check_in, delegate_logged_in, session_now
from tests.integration.elections.test_ranked_ballot import NAMES, rank_fields
from tests.integration.elections.world import (
    ElectionWorld,
    election_world,
    nominate,
    nominations_close_now,
    plain,
    set_up,
)
from unionvote.elections.ranked_ballot import open_ranked_ballot
from unionvote.elections.verify import recount_ranked
from unionvote.sealing.trustees import TrusteePublic
from unionvote.voting.export import collect_export, write_export
from unionvote.voting.verify import verify_export

RANKINGS = {"A1": ("Ann Smith", "Bob Jones"), "A2": ("Ann Smith", "Bob Jones"), "M1": ("Ann Smith", "Cath Lee"),
            "L1": ("Bob Jones",)}


@dataclass
class CastElection:
    world: ElectionWorld
    election: str  # the election page's path
    keys: dict[str, str]  # each candidate's option key by name

    @property
    def conference_id(self) -> int:
        return self.world.register.conference_id


async def cast_election(client: AsyncTestClient[Litestar], app: Litestar,
                        trustees: Sequence[TrusteePublic] = ()) -> CastElection:
    """Four delegates rank three candidates for two seats (Scottish STV); voting is still open.

    The committee opens the ballot from the page (papers sealed by the server), or, with `trustees`,
    the ballot is opened with the papers sealed under the trustees' keys."""
    world = await election_world(client, app)
    voters = {"A1": world.ann}
    for number in list(RANKINGS)[1:]:
        voters[number] = await delegate_logged_in(client, app, world.register, number)
    ids = [world.register.delegates[n] for n in voters]
    await accredit(app, *ids)
    await check_in(app, await session_now(app, world.register.conference_id), *ids)
    election = await set_up(world)
    for name in NAMES:
        await nominate(world.ann, world, election, name)
    page = (await world.committee.get(election)).text
    for nomination_id in re.findall(r'action="[^"]*/nominations/(\d+)/decision"', page):
        await world.committee.post(f"{election}/nominations/{nomination_id}/decision", data={"verdict": "valid"})
    await nominations_close_now(app, election)
    await world.committee.post(f"{election}/close")
    if trustees:
        async with app_db(app) as db:
            await open_ranked_ballot(db, world.register.conference_id, int(election.rsplit("/", 1)[1]),
                                     card_vote=False, by=None, trustees=trustees)
    else:
        page = plain((await world.committee.get(election)).text)
        assert "Sealing: who holds the key" in page and "no trustee has registered a key" in page.lower()
        await world.committee.post(f"{election}/ballot", data={"sealing": "server"})
    fields: dict[str, str] = {}
    for who, ranking in RANKINGS.items():
        form = (await voters[who].get(f"{election}/vote")).text
        fields = rank_fields(form)
        token = re.search(r'name="token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        data = {"token": token, **{fields[name]: str(rank) for rank, name in enumerate(ranking, start=1)}}
        response = await voters[who].post(f"{election}/vote", data=data)
        assert response.status_code in (200, 303)
        assert re.search(r'href="/conferences/\d+/vote/\d+/board\?tracker=[A-Z2-7-]+">Find it on the public board',
                         response.text), plain(response.text)
    return CastElection(world, election, {name: field.split("-")[1] for name, field in fields.items()})


async def declared_election(client: AsyncTestClient[Litestar], app: Litestar) -> tuple[int, dict[str, str]]:
    """The four papers of cast_election; the ballot closes, its papers are opened and counted.

    Returns the conference id and each candidate's option key by name."""
    cast = await cast_election(client, app)
    assert (await cast.world.committee.post(f"{cast.election}/ballot/close")).status_code == 303
    return cast.conference_id, cast.keys


def ranked_folder(root: Path) -> Path:
    [folder] = [p.parent for p in root.glob("ballots/*/ballot.json")
                if json.loads(p.read_text())["method"] == "ranked"]
    return folder


async def test_the_export_recounts_the_declared_stv_election(
        client: AsyncTestClient[Litestar], app: Litestar, tmp_path: Path) -> None:
    conference_id, keys = await declared_election(client, app)
    async with app_db(app) as db:
        files, ballots = await collect_export(db, conference_id)
    root = tmp_path / "export"
    write_export(root, conference_id, files, ballots)
    folder = ranked_folder(root)
    declared = json.loads((folder / "result.json").read_text())
    ann, bob, cath = (keys[name] for name in NAMES)
    assert declared["elected"] == [ann, bob]
    assert declared["rule"] == "scottish-stv" and declared["seats"] == 2 and declared["papers"] == 4
    assert declared["combined"]["choices"] == {ann: 3, bob: 1, cath: 0}
    assert declared["record"]["quota"] == "2.00000"
    assert json.loads((folder / "ballot.json").read_text())["state"] == "declared"

    report = verify_export(root)
    assert report.ok, report.failure
    ballot = folder.name
    winners = ", ".join(declared["elected"])
    assert any(note.startswith(f"ballots/{ballot}/result.json: recount {ann} 3, {bob} 1, {cath} 0: counted "
                               f"({winners}); hash") for note in report.notes), report.notes

    # The recount really counts the opened papers: moving one paper's first preference changes the result.
    assert (folder / "contents.jsonl").read_text() == ""  # no readable paper was ever stored
    rows = [json.loads(line) for line in (folder / "papers.jsonl").read_text().splitlines()]
    doc = json.loads((folder / "ballot.json").read_text())
    assert recount_ranked(doc, rows, [], None, declared=declared) == declared
    moved = next(row for row in rows if row["choice"] == [bob])
    moved["choice"] = [cath]
    assert recount_ranked(doc, rows, [], None, declared=declared) != declared

    # One published paper changed: it is not a paper the shares open, and the failure says where.
    copy = tmp_path / "published-paper"
    shutil.copytree(root, copy)
    published = copy / folder.relative_to(root) / "papers.jsonl"
    text = published.read_text()
    assert f'"choice":["{bob}"]' in text
    published.write_text(text.replace(f'"choice":["{bob}"]', f'"choice":["{cath}"]', 1))
    report = verify_export(copy)
    assert report.failure is not None
    assert re.match(rf"ballots/{ballot}/papers.jsonl line 1 \(ballot {ballot}, field choice\)",
                    str(report.failure)), str(report.failure)

    # One byte changed in the declared stage record: the recount disagrees at that value.
    copy = tmp_path / "stage-record"
    shutil.copytree(root, copy)
    result = copy / folder.relative_to(root) / "result.json"
    first = declared["record"]["stages"][0]["votes"][ann]
    changed = first[:-1] + ("1" if first[-1] != "1" else "2")
    result.write_text(result.read_text().replace(f'"{ann}":"{first}"', f'"{ann}":"{changed}"', 1))
    report = verify_export(copy)
    assert report.failure is not None
    assert f"is '{changed}' in the file, but the recount gives '{first}'" in str(report.failure), str(report.failure)
