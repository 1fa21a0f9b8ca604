"""The audit chain format: hashing, canonical JSON and what verification catches."""

from __future__ import annotations

import hashlib
import json

import pytest

from unionvote.audit.chain import GENESIS_HASH, NotCanonical, canonical_json, entry_hash, verify_lines


def build_chain(n: int, scope: str = "conference:1") -> list[dict]:
    entries, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        entry = {"seq": seq, "at": f"2026-11-22T10:00:{seq:02d}.000000Z", "scope": scope, "actor": "user:1",
                 "action": "role.granted", "payload": {"user_id": seq, "role": "chair"}}
        entry["prev_hash"], entry["hash"] = prev, entry_hash(prev, entry)
        prev = entry["hash"]
        entries.append(entry)
    return entries


def lines(entries: list[dict]) -> list[str]:
    return [json.dumps(e) for e in entries]


def test_canonical_json_sorts_keys_and_drops_whitespace() -> None:
    assert canonical_json({"b": 1, "a": {"d": "é", "c": [1, 2]}}) == '{"a":{"c":[1,2],"d":"é"},"b":1}'.encode()


def test_canonical_json_refuses_floats_so_every_verifier_agrees() -> None:
    with pytest.raises(NotCanonical, match="float"):
        canonical_json({"weight": 1.5})


def test_hash_is_sha256_of_previous_hex_and_canonical_entry() -> None:
    entry = {"seq": 1, "at": "2026-11-22T10:00:00.000000Z", "scope": "system", "actor": "system",
             "action": "user.created", "payload": {"user_id": 1}}
    expected = hashlib.sha256(
        (GENESIS_HASH + '{"action":"user.created","actor":"system","at":"2026-11-22T10:00:00.000000Z",'
         '"payload":{"user_id":1},"scope":"system","seq":1}').encode()
    ).hexdigest()
    assert entry_hash(GENESIS_HASH, entry) == expected


def test_an_untouched_export_verifies() -> None:
    chain = build_chain(5)
    verdict = verify_lines(lines(chain), expected_head=chain[-1]["hash"])
    assert verdict.ok and verdict.entries == 5 and verdict.head == chain[-1]["hash"]


def test_a_changed_payload_fails_at_that_exact_entry() -> None:
    chain = build_chain(6)
    chain[3]["payload"]["role"] = "returning_officer"
    verdict = verify_lines(lines(chain))
    assert not verdict.ok and verdict.bad_line == 4
    assert "altered" in verdict.message


def test_rehashing_a_changed_entry_breaks_the_next_link() -> None:
    chain = build_chain(6)
    chain[2]["actor"] = "user:99"
    chain[2]["hash"] = entry_hash(chain[2]["prev_hash"], chain[2])
    verdict = verify_lines(lines(chain))
    assert not verdict.ok and verdict.bad_line == 4
    assert "prev_hash" in verdict.message


def test_a_deleted_entry_is_named() -> None:
    chain = build_chain(5)
    del chain[1]
    verdict = verify_lines(lines(chain))
    assert not verdict.ok and verdict.bad_line == 2 and "missing" in verdict.message


def test_a_truncated_export_is_caught_only_with_the_recorded_head() -> None:
    chain = build_chain(5)
    assert verify_lines(lines(chain[:3])).ok  # a prefix is a valid chain on its own...
    verdict = verify_lines(lines(chain[:3]), expected_head=chain[-1]["hash"])
    assert not verdict.ok and "truncated" in verdict.message  # ...but not one that reaches the head


def test_an_export_that_extends_the_recorded_head_still_verifies() -> None:
    chain = build_chain(5)
    assert verify_lines(lines(chain), expected_head=chain[2]["hash"]).ok


def test_garbage_lines_are_reported_not_crashed_on() -> None:
    chain = build_chain(2)
    verdict = verify_lines([*lines(chain), "{not json"])
    assert not verdict.ok and verdict.bad_line == 3 and "not valid JSON" in verdict.message


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda line: line.replace('"seq":2', '"seq":2.0'), "not an integer"),
        (lambda line: line.replace('"seq":2', '"seq":2e0'), "not an integer"),
        (lambda line: line.replace('{"action"', '{"seq":2,"action"'), "same key twice"),
        (lambda line: line.replace('"payload":{', '"payload":[{').replace('},"prev_hash"', '}],"prev_hash"'),
         "wrong type"),
    ],
)
def test_lines_that_other_parsers_would_read_differently_are_refused(mangle, reason) -> None:
    chain = build_chain(3)
    text = [canonical_json(e).decode() for e in chain]
    text[1] = mangle(text[1])
    verdict = verify_lines(text)
    assert not verdict.ok and verdict.bad_line == 2 and reason in verdict.message
