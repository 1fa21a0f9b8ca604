"""The cast-or-audit handle opens only for the ballot, voter and sealed vote it was made for, and not once expired."""

from __future__ import annotations

import pytest

from unionvote.errors import RuleViolation
from unionvote.voting.audit_challenge import HANDLE_SECONDS, make_handle, open_handle

SECRET = "the application's secret key, for tests only"
SEALED = {"slots": [{"alpha": "02aa", "beta": "03bb"}], "slot_proofs": [], "sum_proof": {}}


def test_the_handle_gives_back_the_randomness_to_the_server_that_made_it() -> None:
    handle = make_handle(SECRET, 7, 42, SEALED, [5, 2**255 + 3], now=1000)
    handle_id, randomness = open_handle(SECRET, 7, 42, SEALED, handle, now=1000 + HANDLE_SECONDS - 1)
    assert randomness == [5, 2**255 + 3] and len(handle_id) == 32
    assert open_handle(SECRET, 7, 42, SEALED, handle, now=1001)[0] == handle_id, "one id per handle"


@pytest.mark.parametrize(("what", "secret", "ballot", "voter", "sealed", "now"), [
    ("another ballot", SECRET, 8, 42, SEALED, 1000),
    ("another voter", SECRET, 7, 43, SEALED, 1000),
    ("another sealed vote", SECRET, 7, 42, {**SEALED, "sum_proof": {"challenges": []}}, 1000),
    ("another server", SECRET + "!", 7, 42, SEALED, 1000),
    ("expired", SECRET, 7, 42, SEALED, 1000 + HANDLE_SECONDS + 1),
])
def test_the_handle_does_not_open_for(what: str, secret: str, ballot: int, voter: int, sealed: dict,  # type: ignore[type-arg]
                                      now: int) -> None:
    handle = make_handle(SECRET, 7, 42, SEALED, [5], now=1000)
    with pytest.raises(RuleViolation, match="not sealed by this server for you"):
        open_handle(secret, ballot, voter, sealed, handle, now=now)


@pytest.mark.parametrize("handle", ["", "!!!", "AQ", "x" * 5000, None, 12])
def test_a_malformed_handle_is_refused(handle: object) -> None:
    with pytest.raises(RuleViolation, match="not sealed by this server for you"):
        open_handle(SECRET, 7, 42, SEALED, handle)
