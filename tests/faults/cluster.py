"""Fault machinery: several `unionvote serve` processes on one PostgreSQL and one Redis, as
docs/deployment.md describes, and ways to hurt them (SIGKILL a worker, start it again).

    with cluster(database_url, redis_url, workdir, workers=2) as servers:
        kill(servers[0])           # as the kernel's OOM killer would: no shutdown, no cleanup
"""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.e2e.server import LiveServer, start_server, stop_server, wait_until_healthy


@contextmanager
def cluster(database_url: str, redis_url: str, workdir: Path, *, workers: int = 2, **env: str
            ) -> Iterator[list[LiveServer]]:
    """`workers` separate servers (separate hosts, in effect) sharing the database and a Redis namespace."""
    shared = {"UNIONVOTE_REDIS_URL": redis_url, "UNIONVOTE_REDIS_NAMESPACE": f"uvfault{uuid.uuid4().hex[:8]}",
              "UNIONVOTE_LOGIN_ATTEMPTS_PER_MINUTE": "100000", **env}
    servers = [start_server(database_url, workdir, **shared) for _ in range(workers)]  # start together: faster
    try:
        for server in servers:
            wait_until_healthy(server)
        yield servers
    finally:
        for server in servers:
            stop_server(server)


def kill(server: LiveServer) -> None:
    """SIGKILL: requests in flight are cut off mid-way, exactly as in a crash."""
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)
