"""Signed results: the returning officer and the server sign the heads and the export's manifest (Ed25519), and
then nothing forged passes `unionvote audit verify DIR`: no one-line change to any file, no line dropped, no
ballot folder left out, no chain cut short, no manifest rewritten.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from tests.integration.audit.test_directory_verification import conference_chain, rehash, rewrite_manifest
from tests.integration.conferences.conftest import conference_id, factory
from tests.integration.voting.test_export_verify import Conference, conference
from tests.integration.voting.world import Factory
from tests.subprocesses import clean_env, unionvote
from unionvote.audit.anchors import NotedHeads
from unionvote.audit.signing import SIGNATURES_FILE, read_statement
from unionvote.voting.verify import verify_export

__all__ = ["conference", "conference_id", "factory"]


def one_line_changes(line: str) -> list[str]:
    """A changed digit, a changed letter: each keeps the line the same length and alters what it says."""
    changes = []
    digit = re.search(r"\d", line)
    if digit:
        swapped = "1" if digit.group() != "1" else "2"
        changes.append(line[:digit.start()] + swapped + line[digit.end():])
    letter = re.search(r"[A-Za-z]", line)
    if letter:
        swapped = "B" if letter.group() != "B" else "C"
        changes.append(line[:letter.start()] + swapped + line[letter.end():])
    return changes or [line + " "]


def signed_world(tmp_path: Path, env: dict[str, str]) -> tuple[str, str, Path]:
    """Officer's and server's keys; the officer signs the export and both sign the heads statement."""
    made = {}
    for who in ("officer", "server"):
        out = unionvote("audit", "keygen", "--out", str(tmp_path / f"{who}.pem"), env=env)
        assert out.returncode == 0, out.stderr
        made[who] = re.search(r"Public key: ([0-9a-f]{64})", out.stdout).group(1)  # type: ignore[union-attr]
    again = unionvote("audit", "keygen", "--out", str(tmp_path / "officer.pem"), env=env)
    assert again.returncode == 2 and "exists already" in again.stderr
    return made["officer"], made["server"], tmp_path / "officer.pem"


async def test_a_signed_export_verifies_and_nothing_forged_passes(
        factory: Factory, conference: Conference, database_url: str, tmp_path: Path) -> None:
    env = clean_env(UNIONVOTE_DATABASE_URL=database_url)
    officer, server, officer_key = signed_world(tmp_path, env)
    served = {**env, "UNIONVOTE_SIGNING_KEY_FILE": str(tmp_path / "server.pem")}
    root = tmp_path / "export"
    wrote = unionvote("audit", "export", "--conference", "adc-2027", "--out", str(root), env=served)
    assert wrote.returncode == 0, wrote.stderr
    signed = unionvote("audit", "sign", str(root), "--key", str(officer_key), env=env)
    assert signed.returncode == 0 and "2 signature(s) now" in signed.stdout, signed.stdout + signed.stderr
    statement = unionvote("audit", "heads", "--sign", str(officer_key), env=served)
    assert statement.returncode == 0, statement.stderr
    heads_file = tmp_path / "heads.json"
    heads_file.write_text(statement.stdout)
    assert {s["public_key"] for s in json.loads(statement.stdout)["signatures"]} == {officer, server}

    keys = ("--key", officer, "--key", server)
    checked = unionvote("audit", "verify", str(root), "--heads", str(heads_file), *keys, env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"signed by {officer}, {server}" in checked.stdout
    assert f"manifest.json: signed by {officer}, the signature verifies" in checked.stdout

    stranger = "ab" * 32
    unknown = unionvote("audit", "verify", str(root), "--heads", str(heads_file), "--key", stranger, env=env)
    assert unknown.returncode == 1
    assert unknown.stdout.strip() == f"FAILED: the heads statement: there is no signature by the key {stranger}"

    # A forger changes a figure, recomputes the chain and the manifest: the signatures no longer hold.
    forged = tmp_path / "forged"
    shutil.copytree(root, forged)
    chain = forged / "ballots" / str(conference.card) / "chain.jsonl"
    entries = [json.loads(line) for line in chain.read_text().splitlines()]
    for entry in entries:
        if entry["action"] == "ballot.closed":
            entry["payload"]["turnout"] = 3
    chain.write_text(rehash(entries))
    rewrite_manifest(forged)
    caught = unionvote("audit", "verify", str(forged), "--heads", str(heads_file), *keys, env=env)
    assert caught.returncode == 1
    assert caught.stdout.splitlines()[-1].startswith("FAILED: ")

    # In process, every one-line change and every dropped line of every file fails, given the signed heads.
    read = read_statement(heads_file.read_text(), [officer, server])
    noted = NotedHeads()
    for scope, head in read.heads:
        noted.add(scope, head, "heads.json")
    assert verify_export(root, noted, (officer, server)).ok
    tried = 0
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        original = path.read_bytes()
        lines = original.decode().split("\n")
        for index, line in enumerate(lines):
            if not line:
                continue
            for changed in [*one_line_changes(line), None]:  # None: the line dropped
                altered = lines[:index] + ([changed] if changed is not None else []) + lines[index + 1:]
                path.write_bytes("\n".join(altered).encode())
                report = verify_export(root, noted, (officer, server))
                assert report.failure is not None, f"{path.relative_to(root)} line {index + 1}: {changed!r} passed"
                tried += 1
        path.write_bytes(original)
    assert tried > 200
    assert verify_export(root, noted, (officer, server)).ok

    # A ballot folder left out, a chain cut short, each with a rewritten (unsigned) manifest.
    for name in ("dropped", "cut"):
        copy = tmp_path / name
        shutil.copytree(root, copy)
        if name == "dropped":
            shutil.rmtree(copy / "ballots" / str(conference.colours))
        else:
            chain = conference_chain(copy)
            chain.write_text("".join(chain.read_text().splitlines(keepends=True)[:-1]))
            shutil.rmtree(copy / "ballots" / str(conference.running))
        rewrite_manifest(copy)
        (copy / SIGNATURES_FILE).unlink()
        assert verify_export(copy, noted).failure is not None, name  # even without keys: the heads catch it
        assert verify_export(copy, NotedHeads(), (officer,)).failure is not None, name  # the keys alone, too
