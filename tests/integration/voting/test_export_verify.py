"""The returning officer's export: a whole conference's record verifies, and any one-byte change is caught
at the file, line, ballot and field where it was made. Runs on SQLite and, when configured, PostgreSQL.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.conferences.builders import STAFF
from tests.integration.voting.independent_recount import recount_ballot
from tests.integration.voting.world import Factory, Floor, floor, open_new, token
from tests.subprocesses import clean_env, unionvote
from unionvote.conferences.erasure import purge_personal_data
from unionvote.db import session_scope, utcnow
from unionvote.voting.casting import cast_vote
from unionvote.voting.export import collect_export, write_export
from unionvote.voting.models import Secrecy, Weighting
from unionvote.voting.rules import Majority, Method, Rule
from unionvote.voting.services import BallotSpec, close_ballot, declare_result, record_hall_count, void_ballot
from unionvote.voting.verify import verify_export

PEOPLE = (("D1", "LON", "delegate", "yes"), ("D2", "LON", "delegate"), ("D3", "MAN", "delegate", "yes"),
          ("D4", "MAN", "delegate"), ("D5", "LON", "delegate"))


@dataclass
class Conference:
    floor: Floor
    card: int  # secret card vote (block): carried
    colours: int  # secret one-of-three
    open_vote: int  # open for/against, with a hall count: contents name the delegate
    ranked: int  # closed; counted by the elections feature, not by a majority rule
    voided: int  # closed, then declared void
    running: int  # still open: nothing of its contents is exported


async def vote(factory: Factory, ballot_id: int, user_id: int, choice: list[str]) -> None:
    async with session_scope(factory) as db:
        await cast_vote(db, ballot_id, user_id=user_id, choice=choice, token=token())


async def close_and_declare(factory: Factory, ballot_id: int, hall: dict[str, int] | None = None) -> None:
    async with session_scope(factory) as db:
        await close_ballot(db, ballot_id, by=STAFF)
        if hall:
            await record_hall_count(db, ballot_id, section="Balcony", counts=hall, invalid=1, by=STAFF)
        await declare_result(db, ballot_id, by=STAFF)


@pytest.fixture
async def conference(factory: Factory, conference_id: int) -> Conference:
    hall = await floor(factory, conference_id, bodies=(("LON", 1000), ("MAN", 500)), people=PEOPLE)
    users = hall.users
    card = await open_new(factory, conference_id, BallotSpec(title="Card vote on motion 4", question="Carry it?",
                                                             weighting=Weighting.CARD))
    await vote(factory, card, users["D1"], ["for"])
    await vote(factory, card, users["D3"], ["against"])
    await close_and_declare(factory, card)

    colours = await open_new(factory, conference_id, BallotSpec(
        title="Banner colour", question="Which colour?", method=Method.ONE_OF,
        options=(("a", "Red"), ("b", "Green"), ("c", "Purple")), rule=Rule(majority=Majority.PLURALITY)))
    for number, choice in (("D1", "a"), ("D2", "a"), ("D3", "b"), ("D4", "c")):
        await vote(factory, colours, users[number], [choice])
    await close_and_declare(factory, colours)

    open_vote = await open_new(factory, conference_id, BallotSpec(title="Motion 5", question="Carry it?",
                                                                  secrecy=Secrecy.OPEN))
    for number, choice in (("D1", "for"), ("D2", "for"), ("D5", "against")):
        await vote(factory, open_vote, users[number], [choice])
    await close_and_declare(factory, open_vote, hall={"for": 2, "against": 1})

    ranked = await open_new(factory, conference_id, BallotSpec(
        title="Standing orders committee", question="Rank the candidates", method=Method.RANKED,
        options=(("x", "Candidate X"), ("y", "Candidate Y"), ("z", "Candidate Z"))))
    await vote(factory, ranked, users["D1"], ["y", "x"])
    await vote(factory, ranked, users["D2"], ["z"])
    voided = await open_new(factory, conference_id, BallotSpec(title="Motion 6", question="Carry it?"))
    await vote(factory, voided, users["D4"], ["for"])
    async with session_scope(factory) as db:
        await close_ballot(db, ranked, by=STAFF)
        await close_ballot(db, voided, by=STAFF)
        await void_ballot(db, voided, reason="The wrong motion was put", by=STAFF)

    running = await open_new(factory, conference_id)
    await vote(factory, running, users["D2"], ["against"])
    return Conference(hall, card, colours, open_vote, ranked, voided, running)


async def export(factory: Factory, conference_id: int, out: Path) -> Path:
    async with session_scope(factory) as db:
        files, ballots = await collect_export(db, conference_id)
    write_export(out, conference_id, files, ballots)
    return out


def failure(root: Path) -> str:
    report = verify_export(root)
    assert report.failure is not None, "the changed export still verified"
    return str(report.failure)


async def test_an_export_of_a_conference_verifies(factory: Factory, conference: Conference, tmp_path: Path) -> None:
    root = await export(factory, conference.floor.conference_id, tmp_path / "export")
    report = verify_export(root)
    assert report.ok, report.failure
    text = "\n".join(report.notes)
    assert f"ballots/{conference.card}/result.json: recount for 1000, against 500, abstain 0: carried;" in text
    assert f"ballots/{conference.colours}/result.json: recount a 2, b 1, c 1: decided (a);" in text
    assert f"ballots/{conference.open_vote}/contents.jsonl: 3 ballot papers" in text
    assert f"ballots/{conference.ranked}/contents.jsonl: 2 ballot papers" in text
    assert json.loads((root / f"ballots/{conference.voided}/ballot.json").read_text())["state"] == "void"
    assert text.endswith("every SHA-256 matches")

    assert f"ballots/{conference.card}/sealed.jsonl: 2 sealed votes, every proof checked" in text
    running = root / "ballots" / str(conference.running)  # sealed as it opened; no vote of it is exported yet
    assert sorted(p.name for p in running.iterdir()) == ["ballot.json", "chain.jsonl", "electorate.jsonl",
                                                         "sealing.json"]
    assert (root / f"ballots/{conference.card}/contents.jsonl").read_text() == ""  # secret: sealed, never plain
    secret_rows = (root / f"ballots/{conference.card}/sealed.jsonl").read_text().splitlines()
    assert {tuple(sorted(json.loads(r))) for r in secret_rows} == {("id", "sealed", "tracker", "weight")}
    open_rows = [json.loads(r) for r in (root / f"ballots/{conference.open_vote}/contents.jsonl").read_text().split()]
    assert sorted(r["delegate"] for r in open_rows) == sorted(conference.floor.delegates[n] for n in ("D1", "D2", "D5"))


async def test_a_recount_written_from_the_format_page_alone_agrees(factory: Factory, conference: Conference,
                                                                   tmp_path: Path) -> None:
    root = await export(factory, conference.floor.conference_id, tmp_path / "export")
    outcomes = {int(folder.name): recount_ballot(folder) for folder in (root / "ballots").iterdir()
                if (folder / "result.json").exists()}
    assert outcomes == {conference.card: "carried", conference.colours: "decided", conference.open_vote: "carried"}


def one_byte(path: Path, old: str, new: str, *, line: int | None = None) -> None:
    """Replace the first `old` (on `line`, counting from 1) with `new`, of the same length."""
    assert len(old.encode()) == len(new.encode())
    lines = path.read_text(encoding="utf-8").split("\n")
    index = line - 1 if line else next((i for i, text in enumerate(lines) if old in text), 0)
    assert old in lines[index], f"{old!r} is not in {path}"
    lines[index] = lines[index].replace(old, new, 1)
    path.write_text("\n".join(lines), encoding="utf-8")


def swap_slots(path: Path) -> None:
    """Give the first sealed vote's first two options each other's ciphertexts: a vote moved from one to the other."""
    rows = path.read_text(encoding="utf-8").split("\n")
    row = json.loads(rows[0])
    slots = row["sealed"]["slots"]
    slots[0], slots[1] = slots[1], slots[0]
    rows[0] = json.dumps(row, sort_keys=True, separators=(",", ":"))
    path.write_text("\n".join(rows), encoding="utf-8")


def tamper_cases(c: Conference) -> dict[str, tuple[Callable[[Path], None], str]]:
    card, colours, open_vote = f"ballots/{c.card}", f"ballots/{c.colours}", f"ballots/{c.open_vote}"

    def chain_line(root: Path) -> None:
        one_byte(root / card / "chain.jsonl", '"turnout":2', '"turnout":3')

    def sealed_vote(root: Path) -> None:
        swap_slots(root / colours / "sealed.jsonl")

    def electorate_weight(root: Path) -> None:
        one_byte(root / card / "electorate.jsonl", '"weight":"500"', '"weight":"600"')

    def result_figure(root: Path) -> None:
        one_byte(root / card / "result.json", '"choices":{"abstain":"0","against":"500"',
                 '"choices":{"abstain":"0","against":"501"')  # the first is the combined count

    def hall_count(root: Path) -> None:
        one_byte(root / open_vote / "hall.jsonl", '"for":2', '"for":3')

    def tracker(root: Path) -> None:
        path = root / colours / "trackers.txt"
        first = path.read_text().split("\n")[1]
        one_byte(path, first, first[:-1] + ("A" if first[-1] != "A" else "B"), line=2)

    def manifest(root: Path) -> None:
        data = json.loads((root / "manifest.json").read_text())
        digest = data["files"][f"{colours}/sealed.jsonl"]
        one_byte(root / "manifest.json", digest, digest[:-1] + ("0" if digest[-1] != "0" else "1"))

    return {
        "a chain line": (chain_line, rf"^{card}/chain.jsonl: line \d+ \(seq \d+\): hash does not match"),
        "a sealed vote": (sealed_vote, rf"^{colours}/sealed.jsonl line 1 \(ballot {c.colours}, field sealed\): "
                                       r"the sealed vote does not verify"),
        "an electorate weight": (electorate_weight, rf"^{card}/electorate.jsonl \(ballot {c.card}, field weight\): "
                                 r"the electorate hash \w+ differs .* weights add up to 1600, not 1500"),
        "a result figure": (result_figure, rf"^{card}/result.json \(ballot {c.card}, field combined.choices.against\): "
                            r"combined.choices.against is '501' in the file, but the recount gives '500'"),
        "a hall count": (hall_count, rf"^{open_vote}/hall.jsonl line 1 \(ballot {c.open_vote}, field counts\): "
                                     r"counts differs from the latest ballot.hall_count entry"),
        "a published tracker": (tracker, rf"^{colours}/trackers.txt line 2 \(ballot {c.colours}\): expected"),
        "the manifest": (manifest, rf"^manifest.json \(files, {colours}/sealed.jsonl\): the file's SHA-256 is"),
    }


async def test_a_one_byte_change_fails_at_the_file_line_and_field_where_it_was_made(
    factory: Factory, conference: Conference, tmp_path: Path,
) -> None:
    root = await export(factory, conference.floor.conference_id, tmp_path / "export")
    for name, (tamper, expected) in tamper_cases(conference).items():
        copy = tmp_path / name.replace(" ", "-").replace("'", "")
        shutil.copytree(root, copy)
        tamper(copy)
        found = failure(copy)
        assert re.search(expected, found), f"{name}: {found}"
    assert verify_export(root).ok  # the original is untouched


async def test_erasing_personal_data_leaves_the_export_verifiable(factory: Factory, conference: Conference,
                                                                   tmp_path: Path) -> None:
    conference_id = conference.floor.conference_id
    before = await export(factory, conference_id, tmp_path / "before")
    async with session_scope(factory) as db:
        report = await purge_personal_data(db, conference_id, now=utcnow(), by=STAFF, force=True)
    assert report.accounts_anonymised  # the delegates' accounts went too
    after = await export(factory, conference_id, tmp_path / "after")

    assert verify_export(after).ok
    everything = "".join(p.read_text() for p in after.rglob("*") if p.is_file())
    assert "example.org" not in everything and "Person D" not in everything  # ids only, before and after
    for ballot_file in sorted(p.relative_to(before) for p in (before / "ballots").rglob("*") if p.is_file()):
        assert (after / ballot_file).read_bytes() == (before / ballot_file).read_bytes(), ballot_file


async def test_the_command_line_exports_and_verifies(factory: Factory, conference: Conference, database_url: str,
                                                     tmp_path: Path) -> None:
    env = clean_env(UNIONVOTE_DATABASE_URL=database_url)
    out = tmp_path / "adc"
    wrote = unionvote("audit", "export", "--conference", "adc-2027", "--out", str(out), env=env)
    assert wrote.returncode == 0, wrote.stderr
    assert wrote.stdout.startswith("Wrote the export of conference 'adc-2027' (6 ballots, ")

    checked = unionvote("audit", "verify", str(out), env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip().endswith(f"OK: the export in {out} verifies.")

    swap_slots(out / f"ballots/{conference.colours}/sealed.jsonl")
    checked = unionvote("audit", "verify", str(out), env=env)
    assert checked.returncode == 1
    assert checked.stdout.splitlines()[-1].startswith(f"FAILED: ballots/{conference.colours}/sealed.jsonl line 1 ")

    again = unionvote("audit", "export", "--conference", "adc-2027", "--out", str(out), env=env)
    assert again.returncode == 2 and "is not an empty directory" in again.stderr
    unknown = unionvote("audit", "export", "--conference", "no-such", "--out", str(tmp_path / "x"), env=env)
    assert unknown.stderr.strip() == "unionvote: no conference with the short name 'no-such'."
    assert not (tmp_path / "x").exists()
