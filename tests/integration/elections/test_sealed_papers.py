"""An election's ranked papers are sealed whole as they are cast, opened only after close, published in
canonical order and checked by `unionvote audit verify`, which opens every paper from the shares itself."""

from __future__ import annotations

import argparse
import json
import re
import shutil
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlmodel import SQLModel

from tests.helpers import app_db, make_conference
from tests.integration.elections.independent_papers import open_folder
from tests.integration.elections.test_ranked_ballot import NAMES
from tests.integration.elections.test_ranked_export import RANKINGS, cast_election, ranked_folder
from unionvote.elections.count import run_count
from unionvote.elections.models import Election, Paper
from unionvote.elections.ranked_ballot import trustees_for
from unionvote.elections.services import ElectionError, count_input_of, result_of
from unionvote.sealing.cli import cmd_decrypt
from unionvote.sealing.papers import encode_paper
from unionvote.sealing.trustees import TrusteeKey
from unionvote.voting.export import collect_export, write_export
from unionvote.voting.models import Ballot, BallotContent, SealedVote
from unionvote.voting.sealed import receive_decryption, tally_file
from unionvote.voting.verify import verify_export


async def election_row(app: Litestar, path: str) -> Election:
    async with app_db(app) as db:
        election = await db.get(Election, int(path.rsplit("/", 1)[1]))
        assert election is not None
        return election


async def every_stored_text(app: Litestar) -> str:
    """Every value of every row of every table, as text: what someone with the database could read."""
    async with app_db(app) as db:
        parts = []
        for table in SQLModel.metadata.sorted_tables:
            for row in (await db.execute(select(table))).all():
                parts.extend(str(value) for value in row)
    return "\n".join(parts)


async def test_the_database_holds_no_readable_ranking_until_the_papers_are_opened_after_close(
        client: AsyncTestClient[Litestar], app: Litestar) -> None:
    cast = await cast_election(client, app)
    election_id = int(cast.election.rsplit("/", 1)[1])
    ballot_id = (await election_row(app, cast.election)).ballot_id
    rankings = {json.dumps([cast.keys[name] for name in ranking], separators=(",", ":"))
                for ranking in RANKINGS.values()}
    # The voter's receipt names the sealed paper, and the public board lists it before the count.
    form = (await cast.world.ann.get(f"{cast.election}/vote")).text
    assert "You have voted in this election." in form
    async with app_db(app) as db:
        trackers = [row.tracker for row in (await db.execute(
            select(SealedVote).where(SealedVote.ballot_id == ballot_id))).scalars()]
    board = await cast.world.ann.get(f"/conferences/{cast.conference_id}/vote/{ballot_id}/board",
                                     params={"tracker": trackers[0]})
    assert board.status_code == 200 and "Found" in board.text, board.text[:2000]
    stored = await every_stored_text(app)
    assert not [r for r in rankings if r in stored]
    async with app_db(app) as db:
        assert (await db.execute(select(BallotContent).where(BallotContent.ballot_id == ballot_id))).first() is None
        sealed = list((await db.execute(select(SealedVote).where(SealedVote.ballot_id == ballot_id))).scalars())
    assert len(sealed) == 4
    # One preference or two, every sealed paper is the same size.
    assert {len(json.loads(row.sealed)["box"]) for row in sealed} == {2 * (2 + 2 * 3 + 16)}
    assert all(set(json.loads(row.sealed)) == {"R", "box"} for row in sealed)
    async with app_db(app) as db:
        assert (await db.execute(select(Paper).where(Paper.election_id == election_id))).first() is None

    assert (await cast.world.committee.post(f"{cast.election}/ballot/close")).status_code == 303
    election = await election_row(app, cast.election)
    counted = result_of(election)
    assert counted is not None and election.state == "declared"
    ann, bob = cast.keys["Ann Smith"], cast.keys["Bob Jones"]
    assert counted["record"]["elected"] == [ann, bob]


async def test_sealed_papers_are_opened_published_in_canonical_order_and_verified(
        client: AsyncTestClient[Litestar], app: Litestar, tmp_path: Path) -> None:
    cast = await cast_election(client, app)
    assert (await cast.world.committee.post(f"{cast.election}/ballot/close")).status_code == 303
    async with app_db(app) as db:
        files, ballots = await collect_export(db, cast.conference_id)
    root = tmp_path / "export"
    write_export(root, cast.conference_id, files, ballots)
    folder = ranked_folder(root)
    ballot = folder.name
    report = verify_export(root)
    assert report.ok, report.failure
    assert any(note.startswith(f"ballots/{ballot}/papers.jsonl: 4 papers in canonical order") for note in
               report.notes), report.notes

    published = [json.loads(line) for line in (folder / "papers.jsonl").read_text().splitlines()]
    index = {cast.keys[name]: i for i, name in enumerate(NAMES)}
    assert sorted(tuple(p["choice"]) for p in published) == sorted(
        tuple(cast.keys[name] for name in ranking) for ranking in RANKINGS.values())
    encodings = [encode_paper([index[k] for k in p["choice"]], 3) for p in published]
    assert encodings == sorted(encodings)  # canonical order, whatever order they were cast in
    assert open_folder(folder) == published  # a verifier written from docs/audit-format.md agrees
    sealing = json.loads((folder / "sealing.json").read_text())
    assert sealing["mode"] == "server" and set(sealing) >= {"paper", "decryptions"}
    assert sealing["paper"] == {"format": "unionvote-ranked-paper/1", "candidates": 3, "bytes": 8}

    def tampered(name: str, file: str, change: object) -> str:
        copy = tmp_path / name
        shutil.copytree(root, copy)
        path = copy / folder.relative_to(root) / file
        path.write_text(change(path.read_text()))  # type: ignore[operator]
        failure = verify_export(copy).failure
        assert failure is not None
        return str(failure)

    # A sealed paper's box changed by one hex digit: its row no longer hashes to its tracker.
    def flip_box(text: str) -> str:
        lines = text.splitlines(keepends=True)
        row = json.loads(lines[1])
        box = row["sealed"]["box"]
        row["sealed"]["box"] = ("1" if box[0] != "1" else "2") + box[1:]
        lines[1] = json.dumps(row, sort_keys=True, separators=(",", ":")) + "\n"
        return "".join(lines)

    failure = tampered("sealed-paper", "sealed.jsonl", flip_box)
    assert failure.startswith(f"ballots/{ballot}/sealed.jsonl line 2 (ballot {ballot}, field sealed/weight/tracker)"), \
        failure

    # A trustee's share of one paper changed: its proof fails, named by the decryption and the share.
    def change_share(text: str) -> str:
        document = json.loads(text)
        shares = document["decryptions"][0]["shares"]
        shares[2]["share"] = shares[1]["share"]
        return json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n"

    failure = tampered("share", "sealing.json", change_share)
    assert failure.startswith(f"ballots/{ballot}/sealing.json (ballot {ballot}, field decryptions[0])"), failure
    assert "shares[2]: the proof" in failure

    # The published papers put in board order rather than canonical order: refused.
    def reorder(text: str) -> str:
        lines = text.splitlines(keepends=True)
        return "".join(reversed(lines))

    failure = tampered("order", "papers.jsonl", reorder)
    assert re.match(rf"ballots/{ballot}/papers.jsonl line 2 \(ballot {ballot}, field choice\): the papers are not "
                    "in canonical order", failure), failure

    # A published paper's weight changed.
    failure = tampered("weight", "papers.jsonl", lambda text: text.replace('"weight":"1"', '"weight":"2"', 1))
    assert failure.startswith(f"ballots/{ballot}/papers.jsonl line 1 (ballot {ballot}, field weight)"), failure

    # A published paper left out.
    failure = tampered("dropped", "papers.jsonl", lambda text: "".join(text.splitlines(keepends=True)[1:]))
    assert f"ballots/{ballot}/papers.jsonl line 1 (ballot {ballot}, field choice)" in failure, failure


async def test_papers_are_sealed_by_the_server_unless_the_trustees_hold_the_key(app: Litestar) -> None:
    conference_id = await make_conference(app)
    async with app_db(app) as db:
        assert await trustees_for(db, conference_id, "server") == []
        assert await trustees_for(db, conference_id, None) == []  # no trustee registered: the server
        with pytest.raises(ElectionError, match="no trustee has registered a key for this conference yet"):
            await trustees_for(db, conference_id, "trustees")
        with pytest.raises(ElectionError, match="Choose who holds the key"):
            await trustees_for(db, conference_id, "nobody")


async def test_papers_sealed_under_two_trustees_open_only_when_both_send_their_shares_after_close(
        client: AsyncTestClient[Litestar], app: Litestar, tmp_path: Path) -> None:
    keys = [TrusteeKey.generate(), TrusteeKey.generate()]
    cast = await cast_election(client, app, trustees=[k.published() for k in keys])
    election = await election_row(app, cast.election)
    response = await cast.world.committee.post(f"{cast.election}/ballot/close")
    assert response.status_code == 303 and "done=awaiting-trustees" in response.headers["location"]
    assert (await election_row(app, cast.election)).state == "contested"
    async with app_db(app) as db:
        ballot = await db.get(Ballot, election.ballot_id)
        assert ballot is not None and ballot.state == "closed"
        papers = await tally_file(db, ballot)
    assert papers["format"] == "unionvote-sealed-papers/1" and len(papers["papers"]) == 4
    (tmp_path / "papers.json").write_text(json.dumps(papers))
    documents = []
    for i, key in enumerate(keys):
        (tmp_path / f"key{i}.json").write_text(json.dumps(key.key_file()))
        out = tmp_path / f"shares{i}.json"
        assert cmd_decrypt(argparse.Namespace(key=str(tmp_path / f"key{i}.json"), tally=str(tmp_path / "papers.json"),
                                              out=str(out))) == 0
        documents.append(json.loads(out.read_text()))

    async with app_db(app) as db:
        ballot = await db.get(Ballot, election.ballot_id)
        await receive_decryption(db, ballot, documents[0])  # type: ignore[arg-type]
    response = await cast.world.committee.post(f"{cast.election}/ballot/close")  # one trustee is not enough
    assert "done=awaiting-trustees" in response.headers["location"]
    async with app_db(app) as db:
        ballot = await db.get(Ballot, election.ballot_id)
        await receive_decryption(db, ballot, documents[1])  # type: ignore[arg-type]
    response = await cast.world.committee.post(f"{cast.election}/ballot/close")
    assert response.headers["location"].endswith("/result?done=declared")

    counted = result_of(await election_row(app, cast.election))
    assert counted is not None
    candidates = [int(cast.keys[name]) for name in NAMES]
    plain = {" ".join(cast.keys[n] for n in ranking): 0 for ranking in RANKINGS.values()}
    for ranking in RANKINGS.values():
        plain[" ".join(cast.keys[n] for n in ranking)] += 1
    expected = run_count("scottish-stv", count_input_of(election.id, 2, candidates, plain)).to_record()
    assert counted["record"] == expected  # the same count as from the papers in the clear

    async with app_db(app) as db:
        files, ballots = await collect_export(db, cast.conference_id)
    root = tmp_path / "export"
    write_export(root, cast.conference_id, files, ballots)
    report = verify_export(root)
    assert report.ok, report.failure
    sealing = json.loads((ranked_folder(root) / "sealing.json").read_text())
    assert sealing["mode"] == "trustees" and len(sealing["decryptions"]) == 2
    published = [json.loads(line) for line in (ranked_folder(root) / "papers.jsonl").read_text().splitlines()]
    assert open_folder(ranked_folder(root)) == published
