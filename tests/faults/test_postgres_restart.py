"""PostgreSQL goes down in the middle of a ballot (a crash, a failover) and comes back.

On a private PostgreSQL cluster of the test's own (the shared server is never touched): while
the database is down, every request gets a plain "try again in a moment" (503), never a 500 or
a stack trace, including a vote that was waiting inside its transaction when the connection
was cut. When the database returns, the same worker serves again by itself within seconds; the
interrupted vote goes in when its phone resends it, and no acknowledged vote is lost.
"""

from __future__ import annotations

import os
import time
import zlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import running_server
from tests.faults.clients import bearer, cast, vote_page
from tests.faults.cluster import private_postgres, private_postgres_available
from tests.faults.vote_world import build_vote_floor, voters_recorded
from unionvote.migrate import upgrade
from unionvote.voting.receipts import new_token
from unionvote.web import UNAVAILABLE_MESSAGE

DELEGATES = 12
RECOVERY_SECONDS = 10  # the service must serve again this soon after the database is back

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not (os.environ.get("UNIONVOTE_TEST_POSTGRES_URL") and private_postgres_available()),
                       reason="needs UNIONVOTE_TEST_POSTGRES_URL and PostgreSQL's server programs"),
]


def assert_temporarily_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert UNAVAILABLE_MESSAGE in response.text
    assert "Traceback" not in response.text and "asyncpg" not in response.text


def test_the_service_answers_plainly_while_postgres_is_down_and_recovers_without_losing_a_vote(
        tmp_path: Path) -> None:
    with private_postgres() as pg:
        upgrade(pg.url)
        floor = build_vote_floor(pg.url, DELEGATES)
        tokens = {n: new_token() for n in range(DELEGATES)}
        with running_server(pg.url, tmp_path) as server:
            acknowledged: dict[int, str] = {}

            def vote(n: int) -> httpx.Response:
                response = cast(server, floor.phones[n], floor.ballot_id, floor.choice_of(n), tokens[n])
                if response.status_code in (200, 201):
                    acknowledged[n] = response.json()["tracker"]
                return response

            for n in range(4):
                assert vote(n).status_code == 201

            # A vote waits inside its transaction (the ballot's gate is held shut), then the database dies.
            gate = (zlib.crc32(b"ballot") & 0x7FFFFFFF, floor.ballot_id)
            holder = pg.in_background(f"SELECT pg_advisory_lock{gate}; SELECT pg_sleep(120)")
            deadline = time.monotonic() + 60  # a loaded machine: wait on the lock table, generously
            while pg.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted") != "1":
                assert time.monotonic() < deadline, "the gate was not taken"
                time.sleep(0.05)
            with ThreadPoolExecutor(max_workers=1) as phone:
                waiting = phone.submit(vote, 4)
                deadline = time.monotonic() + 60  # a loaded machine: wait on the lock table, generously
                while pg.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") != "1":
                    assert time.monotonic() < deadline, "the vote never reached the gate"
                    time.sleep(0.05)
                pg.stop("immediate")
                assert_temporarily_unavailable(waiting.result(timeout=30))
            holder.wait(timeout=60)

            while_down = [vote(5), httpx.get(f"{server.base_url}/api/v1/ballots/{floor.ballot_id}",
                                             headers=bearer(floor.chair_token), timeout=30)]
            for response in while_down:
                assert_temporarily_unavailable(response)
                assert response.json() == {"status_code": 503, "detail": UNAVAILABLE_MESSAGE}
            page = vote_page(server, floor.phones[6], floor.conference_id)  # a person's browser: an HTML page
            assert_temporarily_unavailable(page)
            assert page.headers["content-type"].startswith("text/html")
            assert httpx.get(f"{server.base_url}/healthz", timeout=30).status_code == 503

            pg.start()
            back = time.monotonic()
            while (resent := vote(4)).status_code == 503:  # the interrupted phone sends the same vote again
                assert time.monotonic() - back < RECOVERY_SECONDS, resent.text
                time.sleep(0.2)
            assert resent.status_code == 201, resent.text  # it had not been stored: nothing half-written
            print(f"serving again {time.monotonic() - back:.1f} s after PostgreSQL came back")  # shown with -rP
            for n in range(5, DELEGATES):
                assert vote(n).status_code == 201
            assert server.process.poll() is None, "the worker had to be restarted"

            chair = bearer(floor.chair_token)
            page = vote_page(server, floor.phones[0], floor.conference_id)
            assert page.status_code == 200 and "You have voted." in page.text
            assert httpx.post(f"{server.base_url}/api/v1/ballots/{floor.ballot_id}/close", headers=chair,
                              timeout=30).status_code == 200
            declared = httpx.post(f"{server.base_url}/api/v1/ballots/{floor.ballot_id}/declare", json={},
                                  headers=chair, timeout=30)
            assert declared.status_code == 200, declared.text
            tally = declared.json()["result"]["combined"]["choices"]
            expected = Counter(floor.choice_of(n) for n in acknowledged)
            assert {choice: int(tally[choice]) for choice in expected} == dict(expected)
            trackers = httpx.get(f"{server.base_url}/api/v1/ballots/{floor.ballot_id}/trackers", headers=chair,
                                 timeout=30).json()["trackers"]
            assert sorted(acknowledged.values()) == sorted(trackers)
            log = server.log_text()
        assert voters_recorded(pg.url, floor.ballot_id) == DELEGATES
        assert "Traceback" not in log, log
