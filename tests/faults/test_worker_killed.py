"""A worker dies (SIGKILL) in the middle of a storm of check-ins at the accreditation desk.

Two workers share PostgreSQL and Redis. Desk clients spread check-ins over both; when one
worker is killed, its clients move to the other and retry what was not acknowledged.
Every check-in a client was told succeeded is in the database, and in the end everyone is in.
(Today's stand-in for the vote storm: the same machinery will carry the voting journeys.)
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.e2e.world import in_own_loop
from tests.faults.cluster import cluster, kill
from tests.faults.storm_world import build_storm_world, present
from tests.pg import admin_execute, database_url_named

PG_URL = os.environ.get("UNIONVOTE_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("UNIONVOTE_TEST_REDIS_URL")
DELEGATES = 60
KILL_AFTER = 15  # acknowledged check-ins before the first worker dies

pytestmark = [
    pytest.mark.postgres, pytest.mark.redis,
    pytest.mark.skipif(not (PG_URL and REDIS_URL), reason="needs UNIONVOTE_TEST_POSTGRES_URL and "
                                                          "UNIONVOTE_TEST_REDIS_URL"),
]


@pytest.fixture
def postgres_url(postgres_template: str) -> Iterator[str]:
    """A database of its own, copied from the migrated template (faster than migrating)."""
    assert PG_URL
    name = f"uv_fault_{uuid.uuid4().hex[:12]}"
    in_own_loop(admin_execute(PG_URL, f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"'))
    try:
        yield database_url_named(PG_URL, name)
    finally:
        in_own_loop(admin_execute(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_every_acknowledged_check_in_survives_a_worker_killed_mid_storm(postgres_url: str, tmp_path: Path) -> None:
    assert REDIS_URL
    url = postgres_url
    world = build_storm_world(url, DELEGATES)
    with cluster(url, REDIS_URL, tmp_path, workers=2) as (doomed, survivor):
        headers = {"authorization": f"Bearer {world.desk_token}"}
        acknowledged: list[int] = []
        lock, killed = threading.Lock(), threading.Event()
        failed_over = 0

        def check_in(n: int, delegate_id: int) -> None:
            nonlocal failed_over
            path = f"/api/v1/conferences/{world.conference_id}/delegates/{delegate_id}/check-in"
            servers = [doomed, survivor] if n % 2 == 0 else [survivor]
            for server in servers:
                try:
                    response = httpx.post(server.base_url + path, headers=headers, timeout=30)
                except httpx.TransportError:
                    with lock:
                        failed_over += 1
                    continue  # the worker is gone: reconnect to the other one and send it again
                assert response.status_code == 200, response.text
                with lock:
                    acknowledged.append(delegate_id)
                    if len(acknowledged) == KILL_AFTER and not killed.is_set():
                        killed.set()
                        kill(doomed)
                return
            raise AssertionError(f"delegate {delegate_id} could not be checked in anywhere")

        with ThreadPoolExecutor(max_workers=6) as desk:
            list(desk.map(check_in, range(DELEGATES), world.delegate_ids))

        assert killed.is_set() and doomed.process.returncode is not None
        in_the_hall = present(url, world.session_id)
        assert set(acknowledged) <= in_the_hall, "an acknowledged check-in was lost"
        assert in_the_hall == set(world.delegate_ids)
        assert failed_over > 0, "no request met the dead worker: the kill came too late to test anything"
        quorum = httpx.get(f"{survivor.base_url}/api/v1/conferences/{world.conference_id}/quorum",
                           headers=headers, timeout=30)
        assert quorum.status_code == 200 and quorum.json()["present"] == DELEGATES, quorum.text
