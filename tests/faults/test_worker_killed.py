"""A worker dies (SIGKILL) in the middle of a vote storm.

Two workers share PostgreSQL and Redis. Delegates' phones spread their votes over both; when one
worker is killed, its phones send the same vote (same ballot token) to the other, which answers
with the receipt of the vote already stored or stores it now. Every vote a phone was told is in
is counted in the declared result, every Vote page on the survivor says "You have voted", and a
live page cut off by the kill reconnects to the survivor and keeps receiving updates.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.faults.clients import Acknowledged, LiveFeed, bearer, cast, cast_with_failover, vote_page
from tests.faults.cluster import cluster, kill, scratch_database
from tests.faults.vote_world import build_vote_floor, voters_recorded
from unionvote.voting.receipts import new_token

PG_URL = os.environ.get("UNIONVOTE_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("UNIONVOTE_TEST_REDIS_URL")
DELEGATES = 60
KILL_AFTER = 15  # acknowledged votes before the first worker dies

pytestmark = [
    pytest.mark.postgres, pytest.mark.redis,
    pytest.mark.skipif(not (PG_URL and REDIS_URL), reason="needs UNIONVOTE_TEST_POSTGRES_URL and "
                                                          "UNIONVOTE_TEST_REDIS_URL"),
]


@pytest.fixture
def postgres_url(postgres_template: str) -> Iterator[str]:
    assert PG_URL
    with scratch_database(PG_URL, postgres_template) as url:
        yield url


def test_every_acknowledged_vote_is_counted_when_a_worker_is_killed_mid_storm(postgres_url: str,
                                                                               tmp_path: Path) -> None:
    assert REDIS_URL
    floor = build_vote_floor(postgres_url, DELEGATES)
    chair = bearer(floor.chair_token)
    with cluster(postgres_url, REDIS_URL, tmp_path, workers=2) as (doomed, survivor):
        watcher = LiveFeed(doomed, f"conference:{floor.conference_id}", token=floor.phones[0])
        acknowledged: dict[int, Acknowledged] = {}
        ballot_tokens = {n: new_token() for n in range(DELEGATES)}  # each phone's token for this ballot
        lock, killed = threading.Lock(), threading.Event()

        def vote(n: int) -> None:
            # Even phones reached the doomed worker, odd ones the survivor; everyone retries on the survivor.
            servers = [doomed, survivor] if n % 2 == 0 else [survivor]
            receipt = cast_with_failover(servers, floor.phones[n], floor.ballot_id, floor.choice_of(n),
                                         ballot_tokens[n])
            with lock:
                acknowledged[n] = receipt
                if len(acknowledged) == KILL_AFTER and not killed.is_set():
                    killed.set()
                    kill(doomed)

        with ThreadPoolExecutor(max_workers=6) as phones:
            list(phones.map(vote, range(DELEGATES)))

        assert killed.is_set() and doomed.process.returncode is not None
        assert any(a.failed_over for a in acknowledged.values()), \
            "no vote met the dead worker: the kill came too late to test anything"
        assert voters_recorded(postgres_url, floor.ballot_id) == DELEGATES
        moved = [a for a in acknowledged.values() if a.failed_over]
        print(f"{len(moved)} votes failed over to the survivor, {sum(a.repeated for a in moved)} of them "
              "already stored by the dead worker")  # shown with -rP

        # A phone that never saw its answer from the doomed worker asks the survivor: the same receipt, once.
        before_kill = [n for n, a in acknowledged.items() if n % 2 == 0 and not a.failed_over][:3]
        assert before_kill, "no vote was acknowledged by the doomed worker"
        for n in before_kill:
            again = cast(survivor, floor.phones[n], floor.ballot_id, floor.choice_of(n), ballot_tokens[n])
            assert again.status_code == 200 and again.json()["repeated"] is True, again.text
            assert again.json()["tracker"] == acknowledged[n].tracker

        # The page that was live on the dead worker is cut off, reconnects to the survivor, and follows on.
        assert watcher.is_cut_off()
        with LiveFeed(survivor, f"conference:{floor.conference_id}", token=floor.phones[0]) as reconnected:
            def page_says_voted(n: int) -> bool:
                page = vote_page(survivor, floor.phones[n], floor.conference_id)
                return page.status_code == 200 and "You have voted." in page.text

            with ThreadPoolExecutor(max_workers=4) as readers:
                assert all(readers.map(page_says_voted, range(DELEGATES))), "a Vote page does not show the vote"

            closed = httpx.post(f"{survivor.base_url}/api/v1/ballots/{floor.ballot_id}/close", headers=chair,
                                timeout=30)
            assert closed.status_code == 200, closed.text
            news = reconnected.wait_for("Voting has closed", within=60)  # returns on arrival; a loaded machine is slow
            assert news is not None, f"no live news of the close on the survivor; saw {reconnected.seen}"
            assert f"{DELEGATES} of {DELEGATES}" in news or str(DELEGATES) in news

        declared = httpx.post(f"{survivor.base_url}/api/v1/ballots/{floor.ballot_id}/declare", json={},
                              headers=chair, timeout=30)
        assert declared.status_code == 200, declared.text
        tally = declared.json()["result"]["combined"]["choices"]
        expected = Counter(floor.choice_of(n) for n in acknowledged)
        assert {choice: int(tally[choice]) for choice in expected} == dict(expected)
        published = httpx.get(f"{survivor.base_url}/api/v1/ballots/{floor.ballot_id}/trackers",
                              headers=chair, timeout=30).json()["trackers"]
        assert sorted(a.tracker for a in acknowledged.values()) == sorted(published), \
            "a receipt a voter was given is not among the published trackers"
