"""A trustee's offline steps (keygen, decrypt) and the server-held key of 'sealed by the server' mode."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from unionvote.cli import main
from unionvote.sealing import server_key
from unionvote.sealing.group import SealingError
from unionvote.sealing.tallyfile import SealedTally, combine, decrypt_tally, read_partials
from unionvote.sealing.trustees import TrusteeKey, TrusteePublic, election_key
from unionvote.sealing.votes import SumRule, seal

LABEL = "conference:3/ballot:12"


def keygen(tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]) -> tuple[Path, TrusteePublic]:
    path = tmp_path / name
    assert main(["trustee", "keygen", "--out", str(path)]) == 0
    printed = TrusteePublic.from_dict(json.loads(capsys.readouterr().out))
    printed.check()
    return path, printed


def sealed_tally(trustees: list[TrusteePublic], choices: list[tuple[int, int]]) -> SealedTally:
    key = election_key(trustees)
    rule = SumRule.exactly(3)
    votes = tuple((seal(key, LABEL, [int(j == c) for j in range(3)], rule), w) for c, w in choices)
    return SealedTally(LABEL, tuple(trustees), rule, 1, sum(w for _, w in choices), votes)


def test_two_trustees_decrypt_a_card_vote_from_files_made_on_their_own_computers(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (key_a, public_a), (key_b, public_b) = keygen(tmp_path, "a.key", capsys), keygen(tmp_path, "b.key", capsys)
    assert stat.S_IMODE(key_a.stat().st_mode) == 0o600
    tally = sealed_tally([public_a, public_b], [(0, 120), (1, 45), (0, 30), (2, 5)])
    tally_file = tmp_path / "tally.json"
    tally_file.write_text(json.dumps(tally.as_dict()))
    partials = []
    for key_file, public in ((key_a, public_a), (key_b, public_b)):
        out = tmp_path / f"{key_file.stem}.partial.json"
        assert main(["trustee", "decrypt", "--key", str(key_file), str(tally_file), "--out", str(out)]) == 0
        partials.append(read_partials(json.loads(out.read_text()), LABEL, tally.tally(), public.public))
    assert combine(tally.tally(), partials, tally.bound) == [150, 45, 5]


def test_keygen_never_overwrites_a_key_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = keygen(tmp_path, "a.key", capsys)
    before = path.read_text()
    assert main(["trustee", "keygen", "--out", str(path)]) == 2
    assert "never overwritten" in capsys.readouterr().err
    assert path.read_text() == before


def test_a_trustee_refuses_to_decrypt_a_tally_that_is_not_the_sum_of_the_votes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key_file, public = keygen(tmp_path, "a.key", capsys)
    tally = sealed_tally([public], [(0, 1), (1, 1), (2, 1)])
    data = tally.as_dict()
    data["tally"][0] = data["votes"][1]["sealed"]["slots"][0]  # one voter's ciphertext passed off as a total
    path = tmp_path / "tally.json"
    path.write_text(json.dumps(data))
    assert main(["trustee", "decrypt", "--key", str(key_file), str(path)]) == 2
    assert "not the weighted sum" in capsys.readouterr().err
    data = tally.as_dict()
    data["votes"][2]["sealed"]["slot_proofs"][1]["challenges"][0] = "00" * 32
    path.write_text(json.dumps(data))
    assert main(["trustee", "decrypt", "--key", str(key_file), str(path)]) == 2
    assert "votes[2]: slot 1" in capsys.readouterr().err


def test_a_key_that_is_not_a_trustee_of_the_ballot_is_refused() -> None:
    trustee, stranger = TrusteeKey.generate(), TrusteeKey.generate()
    data = sealed_tally([trustee.published()], [(0, 1)]).as_dict()
    with pytest.raises(SealingError, match="not one of this ballot's trustees"):
        decrypt_tally(stranger, data)


def test_a_partial_decryption_of_another_tally_or_by_another_trustee_is_refused() -> None:
    a, b = TrusteeKey.generate(), TrusteeKey.generate()
    tally = sealed_tally([a.published(), b.published()], [(0, 2), (1, 1)])
    document = decrypt_tally(a, tally.as_dict())
    with pytest.raises(SealingError, match="another trustee's key"):
        read_partials(document, LABEL, tally.tally(), b.public)
    later = sealed_tally([a.published(), b.published()], [(0, 2), (1, 1)])
    with pytest.raises(SealingError, match="another tally"):
        read_partials(document, LABEL, later.tally(), a.public)
    document["partials"][1]["share"] = document["partials"][0]["share"]
    with pytest.raises(SealingError, match=r"partials\[1\]"):
        read_partials(document, LABEL, tally.tally(), a.public)


def test_the_server_key_opens_only_with_the_sealing_key_and_only_for_its_ballot(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("UNIONVOTE_SEALING_KEY", "k" * 40)
    key = TrusteeKey.generate()
    wrapped = server_key.wrap(key, LABEL)
    assert f"{key.secret:064x}" not in wrapped
    assert server_key.unwrap(wrapped, LABEL) == key
    with pytest.raises(SealingError, match="does not open"):
        server_key.unwrap(wrapped, "conference:3/ballot:13")
    key_file = tmp_path / "sealing.key"
    key_file.write_text("f" * 40 + "\n")
    monkeypatch.delenv("UNIONVOTE_SEALING_KEY")
    monkeypatch.setenv("UNIONVOTE_SEALING_KEY_FILE", str(key_file))
    with pytest.raises(SealingError, match="UNIONVOTE_SEALING_KEY changed"):
        server_key.unwrap(wrapped, LABEL)
    assert server_key.unwrap(server_key.wrap(key, LABEL), LABEL) == key
