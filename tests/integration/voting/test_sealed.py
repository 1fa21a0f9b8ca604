"""Sealed secret ballots: the database holds ciphertexts and proofs, never a choice; the tally decrypts exactly."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.integration.conferences.builders import STAFF
from tests.integration.voting.independent_sealed import check_sealed_folder
from tests.integration.voting.world import Factory, Floor, floor, token
from unionvote.conferences.settings import SettingsChange, update_settings
from unionvote.db import session_scope
from unionvote.errors import RuleViolation
from unionvote.sealing.tallyfile import decrypt_tally
from unionvote.sealing.trustees import TrusteeKey
from unionvote.voting.casting import cast_vote, trackers
from unionvote.voting.export import collect_export, write_export
from unionvote.voting.models import BallotContent, SealedVote, SealingMode, TrusteeDecryption, Weighting
from unionvote.voting.rules import Majority, Method, Rule
from unionvote.voting.sealed import receive_decryption, seal_ballot, tally_file
from unionvote.voting.services import (
    BallotSpec,
    close_ballot,
    create_ballot,
    declare_result,
    get_ballot,
    open_ballot,
    record_hall_count,
)
from unionvote.voting.verify import verify_export

PEOPLE = (("L1", "LON", "delegate", "yes"), ("L2", "LON", "delegate"), ("M1", "MAN", "delegate", "yes"),
          ("C1", "CAR", "delegate", "yes"))


@pytest.fixture(autouse=True)
def sealing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIONVOTE_SEALING_KEY", "a sealing key for tests, kept out of the database")


@pytest.fixture
async def hall(factory: Factory, conference_id: int) -> Floor:
    return await floor(factory, conference_id, bodies=(("LON", 1000), ("MAN", 600), ("CAR", 400)), people=PEOPLE)


async def open_sealed(factory: Factory, conference_id: int, spec: BallotSpec, **sealing: object) -> int:
    async with session_scope(factory) as db:
        ballot = await create_ballot(db, conference_id, spec, by=STAFF)
        await seal_ballot(db, ballot, by=STAFF, **sealing)  # type: ignore[arg-type]
        await open_ballot(db, ballot.id, by=STAFF)  # type: ignore[arg-type]
        return ballot.id  # type: ignore[return-value]


async def vote(factory: Factory, hall: Floor, ballot_id: int, **choices: str) -> dict[str, str]:
    receipts = {}
    for number, choice in choices.items():
        async with session_scope(factory) as db:
            receipt = await cast_vote(db, ballot_id, user_id=hall.users[number], choice=choice.split(",") if choice
                                      else [], token=token())
            receipts[number] = receipt.tracker
    return receipts


async def close_and_declare(factory: Factory, ballot_id: int) -> dict:  # type: ignore[type-arg]
    async with session_scope(factory) as db:
        await close_ballot(db, ballot_id, by=STAFF)
    async with session_scope(factory) as db:
        return json.loads((await declare_result(db, ballot_id, by=STAFF)).result or "{}")


async def test_a_sealed_card_vote_in_split_mode_counts_exactly_and_stores_no_choice(
        factory: Factory, hall: Floor) -> None:
    async with session_scope(factory) as db:
        await update_settings(db, hall.conference_id, SettingsChange(card_vote_mode="split"), by=STAFF)
    ballot_id = await open_sealed(factory, hall.conference_id, BallotSpec(title="Split", question="?",
                                                                          weighting=Weighting.CARD))
    receipts = await vote(factory, hall, ballot_id, L1="for", L2="against", M1="against")
    async with session_scope(factory) as db:
        assert not (await db.execute(select(BallotContent))).scalars().all()
        stored = (await db.execute(select(SealedVote))).scalars().all()
    assert len(stored) == 3
    assert sorted(r.tracker for r in stored) == sorted(receipts.values())
    for row in stored:
        assert not any(word in row.sealed for word in ("for", "against", "abstain"))
    result = await close_and_declare(factory, ballot_id)
    assert result["combined"]["choices"] == {"for": "500", "against": "1100", "abstain": "0"}
    assert result["decision"]["outcome"] == "lost"
    assert result["sealed"]["mode"] == "server" and result["sealed"]["scale"] == 1


async def cast_and_retry(factory: Factory, ballot_id: int, user_id: int, ballot_token: str, choice: str,
                         other: str) -> None:
    """Cast, cast again with the same token and choice (the same receipt), then with another choice (refused)."""
    async with session_scope(factory) as db:
        first = await cast_vote(db, ballot_id, user_id=user_id, choice=[choice], token=ballot_token)
    async with session_scope(factory) as db:
        again = await cast_vote(db, ballot_id, user_id=user_id, choice=[choice], token=ballot_token)
    assert again.repeated and again.tracker == first.tracker and not first.repeated
    async with session_scope(factory) as db:
        with pytest.raises(RuleViolation, match="different choice"):
            await cast_vote(db, ballot_id, user_id=user_id, choice=[other], token=ballot_token)


async def test_a_retry_returns_the_same_receipt_and_another_choice_is_refused(factory: Factory, hall: Floor) -> None:
    ballot_id = await open_sealed(factory, hall.conference_id, BallotSpec(title="Motion", question="?"))
    await cast_and_retry(factory, ballot_id, hall.users["L1"], token(), "for", "against")
    async with session_scope(factory) as db:
        with pytest.raises(RuleViolation, match="already voted"):
            await cast_vote(db, ballot_id, user_id=hall.users["L1"], choice=["for"], token=token())


async def test_up_to_k_with_a_blank_paper_and_hall_counts_combined_after_decryption(
        factory: Factory, hall: Floor) -> None:
    options = (("north", "North"), ("south", "South"), ("west", "West"))
    spec = BallotSpec(title="Themes", question="Pick two", method=Method.UP_TO, options=options, max_choices=2,
                      rule=Rule(majority=Majority.PLURALITY))
    ballot_id = await open_sealed(factory, hall.conference_id, spec)
    await vote(factory, hall, ballot_id, L1="north,south", L2="south,west", M1="")
    async with session_scope(factory) as db:
        await close_ballot(db, ballot_id, by=STAFF)
        await record_hall_count(db, ballot_id, section="Hall A", counts={"north": 4, "south": 1}, papers=5, by=STAFF)
    async with session_scope(factory) as db:
        result = json.loads((await declare_result(db, ballot_id, by=STAFF)).result or "{}")
    assert result["online"]["choices"] == {"north": "1", "south": "2", "west": "1"}
    assert result["online"]["blank"] == "1" and result["online"]["papers"] == "3"
    assert result["combined"]["choices"] == {"north": "5", "south": "3", "west": "1"}
    assert result["decision"]["winners"] == ["north", "south"]


async def test_with_two_trustees_the_result_waits_for_both_partial_decryptions(factory: Factory, hall: Floor) -> None:
    officer, scrutineer = TrusteeKey.generate(), TrusteeKey.generate()
    ballot_id = await open_sealed(factory, hall.conference_id, BallotSpec(title="Motion", question="?"),
                                  mode=SealingMode.TRUSTEES, trustees=[officer.published(), scrutineer.published()])
    receipts = await vote(factory, hall, ballot_id, L1="for", L2="for", M1="against", C1="abstain")
    async with session_scope(factory) as db:
        await close_ballot(db, ballot_id, by=STAFF)
        assert sorted(receipts.values()) == await trackers(db, await get_ballot(db, ballot_id))
        data = await tally_file(db, await get_ballot(db, ballot_id))
    async with session_scope(factory) as db:
        with pytest.raises(RuleViolation, match="Trustee 1 has not yet sent"):
            await declare_result(db, ballot_id, by=STAFF)
    async with session_scope(factory) as db:
        ballot = await get_ballot(db, ballot_id)
        await receive_decryption(db, ballot, decrypt_tally(officer, data), by=STAFF)
        forged = decrypt_tally(scrutineer, data)
        forged["partials"][0] = decrypt_tally(officer, data)["partials"][0]
        with pytest.raises(RuleViolation, match="refused"):
            await receive_decryption(db, ballot, forged, by=STAFF)
    async with session_scope(factory) as db:
        with pytest.raises(RuleViolation, match="Trustee 2 has not yet sent"):
            await declare_result(db, ballot_id, by=STAFF)
    async with session_scope(factory) as db:
        await receive_decryption(db, await get_ballot(db, ballot_id), decrypt_tally(scrutineer, data), by=STAFF)
        assert len((await db.execute(select(TrusteeDecryption))).scalars().all()) == 2
    async with session_scope(factory) as db:
        result = json.loads((await declare_result(db, ballot_id, by=STAFF)).result or "{}")
    assert result["online"]["choices"] == {"for": "2", "against": "1", "abstain": "1"}
    assert result["decision"]["outcome"] == "carried"


async def export_of(factory: Factory, conference_id: int, out: Path) -> Path:
    async with session_scope(factory) as db:
        files, ballots = await collect_export(db, conference_id)
    write_export(out, conference_id, files, ballots)
    return out


def replace_in_line(path: Path, line: int, change: Callable[[dict], None]) -> None:  # type: ignore[type-arg]
    lines = path.read_text().split("\n")
    row = json.loads(lines[line - 1])
    change(row)
    lines[line - 1] = json.dumps(row, sort_keys=True, separators=(",", ":"))
    path.write_text("\n".join(lines))


def flip_hex(text: str) -> str:
    return text[:-1] + ("0" if text[-1] != "0" else "1")


async def test_a_sealed_conference_exports_verifies_and_any_change_is_caught_where_it_was_made(
        factory: Factory, hall: Floor, tmp_path: Path) -> None:
    card = await open_sealed(factory, hall.conference_id, BallotSpec(title="Card vote", question="?",
                                                                     weighting=Weighting.CARD))
    await vote(factory, hall, card, L1="for", M1="against", C1="for")
    await close_and_declare(factory, card)
    root = await export_of(factory, hall.conference_id, tmp_path / "export")
    folder = root / f"ballots/{card}"
    assert (folder / "contents.jsonl").read_text() == ""
    report = verify_export(root)
    assert report.ok, report.failure
    notes = "\n".join(report.notes)
    assert f"ballots/{card}/sealed.jsonl: 3 sealed votes, every proof checked" in notes
    assert f"ballots/{card}/result.json: recount for 1400, against 600, abstain 0: carried" in notes

    def slot(row: dict) -> None:  # type: ignore[type-arg]
        row["sealed"]["slots"][1]["beta"] = row["sealed"]["slots"][0]["beta"]

    def proof(row: dict) -> None:  # type: ignore[type-arg]
        row["sealed"]["sum_proof"]["responses"][0] = flip_hex(row["sealed"]["sum_proof"]["responses"][0])

    def share(path: Path) -> None:
        facts = json.loads(path.read_text())
        facts["decryptions"][0]["partials"][0]["share"] = facts["decryptions"][0]["partials"][1]["share"]
        path.write_text(json.dumps(facts, sort_keys=True, separators=(",", ":")) + "\n")

    def figure(path: Path) -> None:
        path.write_text(path.read_text().replace('"against":"600"', '"against":"601"', 1))

    cases = {
        "a ciphertext": (lambda r: replace_in_line(r / "sealed.jsonl", 2, slot),
                         rf"^ballots/{card}/sealed.jsonl line 2 \(ballot {card}, field sealed\): the sealed vote does "
                         r"not verify: slot 1"),
        "a proof": (lambda r: replace_in_line(r / "sealed.jsonl", 3, proof),
                    rf"^ballots/{card}/sealed.jsonl line 3 \(ballot {card}, field sealed\): .*allowed by the ballot's "
                    r"method"),
        "a partial decryption": (lambda r: share(r / "sealing.json"),
                                 rf"^ballots/{card}/sealing.json \(ballot {card}, field decryptions\[0\]\): "
                                 r"partials\[0\]: the proof of correct decryption does not verify"),
        "a result figure": (lambda r: figure(r / "result.json"),
                            rf"^ballots/{card}/result.json \(ballot {card}, field combined.choices.against\)"),
    }
    for name, (tamper, expected) in cases.items():
        copy = tmp_path / name.replace(" ", "-")
        shutil.copytree(root, copy)
        tamper(copy / f"ballots/{card}")
        report = verify_export(copy)
        assert report.failure is not None, name
        assert re.search(expected, str(report.failure)), f"{name}: {report.failure}"


async def test_a_checker_written_from_the_format_page_alone_gets_the_same_figures(
        factory: Factory, hall: Floor, tmp_path: Path) -> None:
    options = (("north", "North"), ("south", "South"), ("west", "West"))
    up_to = await open_sealed(factory, hall.conference_id, BallotSpec(
        title="Themes", question="Pick two", method=Method.UP_TO, options=options, max_choices=2,
        rule=Rule(majority=Majority.PLURALITY), weighting=Weighting.CARD))
    await vote(factory, hall, up_to, L1="north,south", M1="west", C1="")
    declared = await close_and_declare(factory, up_to)
    root = await export_of(factory, hall.conference_id, tmp_path / "export")
    figures = check_sealed_folder(root / f"ballots/{up_to}")
    assert figures == declared["online"]["choices"] == {"north": "1000", "south": "1000", "west": "600"}
