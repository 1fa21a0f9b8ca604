"""The browser's trustee module (static/js/trustee.js, run here in node) and the Python code agree byte for byte.

A key made in the browser works with `unionvote trustee decrypt` and a key file from `unionvote
trustee keygen` works in the browser; the proofs each side makes are checked by the other.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from unionvote.sealing.group import GENERATOR, challenge, scalar_hex, u32
from unionvote.sealing.tallyfile import SealedTally, combine, decrypt_tally, read_partials
from unionvote.sealing.trustees import TrusteeKey, TrusteePublic, election_key
from unionvote.sealing.votes import SumRule, seal

RUNNER = Path(__file__).with_name("trustee_js_runner.mjs")
NODE = shutil.which("node")
# .ci/run installs node: in CI a missing node fails these tests instead of skipping them.
pytestmark = pytest.mark.skipif(NODE is None and not os.environ.get("CI"), reason="node is not installed")


def js(step: str, **request: Any) -> Any:
    assert NODE is not None, "node is not installed (apt-get install nodejs)"
    done = subprocess.run([NODE, str(RUNNER)], input=json.dumps({"step": step, **request}), capture_output=True,
                          text=True, timeout=120, check=True)
    return json.loads(done.stdout)


def tally_for(trustees: list[TrusteePublic], choices: list[tuple[int, int]], label: str = "ballot:9") -> dict:
    """A sealed tally file of a one-of-two ballot: (option chosen, weight) per vote."""
    rule = SumRule.exactly(2)
    key = election_key(trustees)
    votes = tuple((seal(key, label, [int(option == 0), int(option == 1)], rule), weight)
                  for option, weight in choices)
    bound = sum(weight for _, weight in choices)
    return SealedTally(label, tuple(trustees), rule, 1, bound, votes).as_dict()


def test_a_key_file_made_in_the_browser_is_the_file_keygen_writes_and_its_proof_holds() -> None:
    text = js("keygen")["text"]
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, sort_keys=True) + "\n"  # what `trustee keygen` writes
    key = TrusteeKey.from_key_file(data)
    published = TrusteePublic.from_dict({"public_key": data["public_key"], "proof": data["proof"]})
    published.check()
    assert published.public == key.public


def test_the_browser_reads_a_key_file_from_keygen_and_checks_its_proof() -> None:
    key = TrusteeKey.generate()
    assert js("read", key=key.key_file())["public_key"] == key.public.hex()
    assert js("verify_key", published=key.published().as_dict())["ok"] is True
    forged = key.published().as_dict() | {"public_key": TrusteeKey.generate().public.hex()}
    assert js("verify_key", published=forged)["ok"] is False
    wrong = key.key_file() | {"public_key": TrusteeKey.generate().public.hex()}
    assert js("read", key=wrong) == {"error": "The key file's public key does not match its secret key."}


def test_challenges_are_framed_byte_for_byte_as_in_python() -> None:
    fields = [GENERATOR.to_bytes(), u32(3), b"", bytes(33)]
    got = js("challenge", tag="slot", label="ballot:7 ünïcode", fields=[f.hex() for f in fields])["challenge"]
    assert got == scalar_hex(challenge("slot", "ballot:7 ünïcode", *fields))


def test_a_browser_key_and_a_keygen_key_decrypt_a_weighted_tally_together() -> None:
    browser = json.loads(js("keygen")["text"])
    browser_public = TrusteePublic.from_dict({"public_key": browser["public_key"], "proof": browser["proof"]})
    officer = TrusteeKey.generate()
    data = tally_for([browser_public, officer.published()], [(0, 3), (1, 1), (0, 0), (1, 2), (0, 1)])
    sealed = SealedTally.from_dict(data)
    tally = sealed.check(data["tally"])

    from_browser = js("decrypt", key=browser, tally=data)
    from_python = decrypt_tally(officer, data)
    assert from_browser["tally_hash"] == from_python["tally_hash"]
    shares = [read_partials(from_browser, "ballot:9", tally, browser_public.public),
              read_partials(from_python, "ballot:9", tally, officer.public)]
    assert combine(tally, shares, sealed.bound) == [4, 3]

    # and the CLI's key file, loaded in the browser, makes a partial decryption the server accepts
    again = js("decrypt", key=officer.key_file(), tally=data)
    read_partials(again, "ballot:9", tally, officer.public)


def test_the_browser_refuses_a_tally_that_is_not_the_sum_of_the_votes_or_not_its_key() -> None:
    officer = TrusteeKey.generate()
    data = tally_for([officer.published()], [(0, 1), (1, 1)])
    forged = dict(data, tally=[data["votes"][0]["sealed"]["slots"][0], data["votes"][0]["sealed"]["slots"][1]])
    assert js("decrypt", key=officer.key_file(), tally=forged) == {
        "error": "The stated tally is not the weighted sum of the votes."}
    stranger = TrusteeKey.generate()
    assert js("decrypt", key=stranger.key_file(), tally=data) == {
        "error": "Your key is not one of this ballot's trustees' keys."}


def test_an_empty_tally_gives_identity_shares_the_server_accepts() -> None:
    officer = TrusteeKey.generate()
    data = tally_for([officer.published()], [])
    document = js("decrypt", key=officer.key_file(), tally=data)
    tally = SealedTally.from_dict(data).check(data["tally"])
    assert combine(tally, [read_partials(document, "ballot:9", tally, officer.public)], 0) == [0, 0]


def test_with_every_vote_checked_the_browser_finds_a_bad_proof_and_names_the_vote() -> None:
    officer = TrusteeKey.generate()
    rule = SumRule.up_to(3, 2)  # options then a blank slot with coefficient 2; the sum lies in 1..2
    selections = [[1, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 0]]
    votes = tuple((seal(officer.public, "ballot:4", selection, rule), 2) for selection in selections)
    data = SealedTally("ballot:4", (officer.published(),), rule, 1, 6, votes).as_dict()
    good = js("decrypt_checked", key=officer.key_file(), tally=data)
    tally = SealedTally.from_dict(data).check(data["tally"])
    assert combine(tally, [read_partials(good, "ballot:4", tally, officer.public)], 6) == [2, 2, 2, 2]

    slot = json.loads(json.dumps(data))
    proof = slot["votes"][1]["sealed"]["slot_proofs"][2]
    proof["challenges"].reverse()
    assert js("decrypt_checked", key=officer.key_file(), tally=slot) == {
        "error": "votes[1]: slot 2: the proof that it encrypts 0 or 1 does not verify"}
    assert "partials" in js("decrypt", key=officer.key_file(), tally=slot)  # unchecked: only the sum is recomputed

    total = json.loads(json.dumps(data))
    total["votes"][2]["sealed"]["sum_proof"]["responses"].reverse()
    assert js("decrypt_checked", key=officer.key_file(), tally=total) == {
        "error": "votes[2]: the proof that the choices are allowed by the ballot's method does not verify"}


def test_the_browser_decrypts_a_ranked_ballots_sealed_papers() -> None:
    from unionvote.sealing.papers import PapersFile, open_papers, read_decryption, seal_paper

    officer = TrusteeKey.generate()
    rankings = [(2, 0), (1,), (0, 1, 2)]
    papers = tuple(seal_paper(officer.public, "ballot:5", ranking, 3) for ranking in rankings)
    data = PapersFile("ballot:5", (officer.published(),), 3, papers).as_dict()
    document = js("decrypt", key=officer.key_file(), tally=data)
    shares = read_decryption(document, "ballot:5", papers, officer.public)
    assert open_papers(officer.public, "ballot:5", papers, [shares], 3) == rankings
    changed = dict(data, papers=data["papers"][:2])
    assert js("decrypt", key=officer.key_file(), tally=changed) == {
        "error": "papers_hash is not the hash of the papers listed."}
