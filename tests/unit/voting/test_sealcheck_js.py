"""The page's check (static/js/sealcheck.js, run here in node) agrees with the server's sealing: the revealed
randomness and the voter's choice reproduce every ciphertext, and any other choice does not."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from unionvote.sealing.group import scalar_hex
from unionvote.sealing.trustees import TrusteeKey
from unionvote.sealing.votes import SumRule, seal

RUNNER = Path(__file__).with_name("sealcheck_js_runner.mjs")
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")
OPTIONS = ["north", "south", "west"]


def page_check(**request: Any) -> dict[str, Any]:
    assert NODE is not None
    done = subprocess.run([NODE, str(RUNNER)], input=json.dumps(request), capture_output=True, text=True,
                          timeout=120, check=True)
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def sealed_up_to_two(selection: list[int]) -> dict[str, Any]:
    key = TrusteeKey.generate().public
    randomness: list[int] = []
    sealed = seal(key, "ballot:5", selection, SumRule.up_to(3, 2), randomness)
    return {"election_key": key.hex(), "sealed": sealed.as_dict(), "randomness": [scalar_hex(r) for r in randomness],
            "options": OPTIONS, "blank_slot": True}


def test_the_choice_sealed_checks_out_and_any_other_choice_does_not() -> None:
    sealed = sealed_up_to_two([1, 0, 1, 0])
    assert page_check(**sealed, chosen=["north", "west"]) == {"ok": True, "slots": 4, "differ": []}
    assert page_check(**sealed, chosen=["north", "south"]) == {"ok": False, "slots": 4, "differ": [1, 2]}
    assert page_check(**sealed, chosen=[])["differ"] == [0, 2, 3]


def test_a_blank_vote_checks_out_through_its_blank_slot() -> None:
    assert page_check(**sealed_up_to_two([0, 0, 0, 1]), chosen=[])["ok"] is True


def test_randomness_that_is_not_the_sealings_is_caught() -> None:
    sealed = sealed_up_to_two([0, 1, 0, 0])
    sealed["randomness"][0] = scalar_hex(12345)
    assert page_check(**sealed, chosen=["south"])["differ"] == [0]
