"""Two real server processes sharing PostgreSQL and Redis: an event published on one reaches
a websocket held open on the other (the Redis pub/sub live hub)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.helpers import PASSWORD, fresh_totp_code
from tests.pg import fresh_postgres_database_sync
from tests.subprocesses import UNIONVOTE, clean_env
from unionvote.accounts.services import create_user
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope
from unionvote.migrate import upgrade
from unionvote.security import new_totp_secret

PG_URL = os.environ.get("UNIONVOTE_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("UNIONVOTE_TEST_REDIS_URL")
SECRET = "fanout-test-secret-key-that-is-long-enough-0123456789"
ADMIN = "fanout-admin@union.example"

pytestmark = [
    pytest.mark.postgres, pytest.mark.redis,
    pytest.mark.skipif(not (PG_URL and REDIS_URL),
                       reason="needs UNIONVOTE_TEST_POSTGRES_URL and UNIONVOTE_TEST_REDIS_URL"),
]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _create_admin(database_url: str) -> str:
    engine = make_engine(Settings(database_url=database_url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            user = await create_user(db, email=ADMIN, display_name="Fanout Admin", password=PASSWORD, is_admin=True)
            user.totp_secret, user.totp_enabled = new_totp_secret(), True
            return user.totp_secret
    finally:
        await engine.dispose()


@dataclass
class Cluster:
    a: Server
    b: Server
    totp_secret: str  # the admin's


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Servers A and B: separate processes on one fresh PostgreSQL database and one Redis (in a
    namespace of their own), with one admin.

    Deploy order: migrate once, then start the workers. The migration runs in this process through
    the function `unionvote db upgrade` calls (the CLI itself is tested elsewhere); a CLI child
    process would add seconds of imports to this test.
    """
    assert PG_URL and REDIS_URL
    tmp_path = tmp_path_factory.mktemp("servers")
    with fresh_postgres_database_sync(PG_URL) as url:
        env = clean_env(UNIONVOTE_DATABASE_URL=url, UNIONVOTE_REDIS_URL=REDIS_URL, UNIONVOTE_SECRET_KEY=SECRET,
                        UNIONVOTE_COOKIE_SECURE="0", UNIONVOTE_REDIS_NAMESPACE=f"uvtest{uuid.uuid4().hex[:8]}")
        upgrade(url)
        totp_secret = asyncio.run(_create_admin(url))
        started: list[Server] = []
        try:
            start_servers(tmp_path, env, started)
            yield Cluster(started[0], started[1], totp_secret)
        finally:
            _stop(started)


def start_servers(tmp_path: Path, env: dict[str, str], started: list[Server], names: tuple[str, ...] = ("a", "b")
                  ) -> None:
    """`unionvote serve` once per name, each on a free port and logging to a file, appended to `started`
    (so the caller stops whatever did start), then waits until each answers /healthz."""
    for name in names:
        port, log = free_port(), tmp_path / f"server-{name}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen([*UNIONVOTE, "serve", "--port", str(port)], env=env, cwd=tmp_path,
                                       stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT)
        started.append(Server(name, port, process, log))
    for server in started:
        _wait_healthy(server)


def _stop(servers: list[Server]) -> None:
    for server in servers:
        server.process.terminate()
    for server in servers:
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
        # Shown by pytest only when a test fails.
        print(f"---- server {server.name} (port {server.port}) exited {server.process.returncode} ----")
        print(server.log_tail())


# Generous: a loaded CI machine may be several times slower; a fan-out that never arrives still fails.
LIVE_WITHIN = 60


def _wait_healthy(server: Server, timeout: float = 120) -> None:  # CI shares a busy machine: wait on readiness
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"server {server.name} exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=10).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"server {server.name} not healthy after {timeout}s:\n{server.log_tail()}")


async def log_in(client: httpx.AsyncClient, totp_secret: str) -> None:
    await client.get("/login")
    csrf = {"x-csrftoken": client.cookies["uv_csrf"]}
    response = await client.post("/login", data={"email": ADMIN, "password": PASSWORD, "next": "/"}, headers=csrf)
    assert response.status_code == 303 and response.headers["location"].startswith("/login/totp"), response.text
    response = await client.post("/login/totp", data={"code": fresh_totp_code(totp_secret), "next": "/"},
                                 headers=csrf)
    assert response.status_code == 303, response.text


async def test_event_published_on_a_reaches_socket_on_b(cluster: Cluster) -> None:
    a, b, totp_secret = cluster.a, cluster.b, cluster.totp_secret
    name = f"Fan-out Conference {uuid.uuid4().hex[:10]}"
    async with (httpx.AsyncClient(base_url=b.base_url, timeout=60) as on_b,
                httpx.AsyncClient(base_url=a.base_url, timeout=60) as on_a):
        await log_in(on_b, totp_secret)
        cookie = f"uv_session={on_b.cookies['uv_session']}"
        async with connect(f"ws://127.0.0.1:{b.port}/ws/live?topics=staff", origin=f"http://127.0.0.1:{b.port}",
                           additional_headers={"Cookie": cookie}, open_timeout=60) as ws:
            hello = await asyncio.wait_for(ws.recv(), LIVE_WITHIN)
            assert 'id="live-status"' in hello

            await log_in(on_a, totp_secret)
            response = await on_a.post("/api/v1/conferences", json={"slug": f"fan-{uuid.uuid4().hex[:8]}",
                                                                    "name": name},
                                       headers={"x-csrftoken": on_a.cookies["uv_csrf"]})
            assert response.status_code == 201, response.text

            deadline = time.monotonic() + LIVE_WITHIN
            try:
                while True:  # other events on the staff topic may come first; ours must come in time
                    fragment = await asyncio.wait_for(ws.recv(), max(deadline - time.monotonic(), 0.01))
                    if name in fragment:
                        break
            except TimeoutError:
                pytest.fail(f"no fragment naming {name!r} reached server B's socket within {LIVE_WITHIN} s\n"
                            f"---- server a ----\n{a.log_tail()}\n---- server b ----\n{b.log_tail()}")
    assert f'id="conference-news-{response.json()["id"]}"' in fragment


async def test_foreign_origin_is_refused_by_a_real_server(cluster: Cluster) -> None:
    """Through uvicorn the refusal is an HTTP 403 at the handshake, before any upgrade."""
    b, totp_secret = cluster.b, cluster.totp_secret
    async with httpx.AsyncClient(base_url=b.base_url, timeout=60) as on_b:
        await log_in(on_b, totp_secret)
        cookie = f"uv_session={on_b.cookies['uv_session']}"
    with pytest.raises(Exception) as refused:  # noqa: PT011 - websockets' InvalidStatus
        async with connect(f"ws://127.0.0.1:{b.port}/ws/live?topics=staff", origin="https://evil.example",
                           additional_headers={"Cookie": cookie}, open_timeout=60) as ws:
            await asyncio.wait_for(ws.recv(), LIVE_WITHIN)
    assert "403" in str(refused.value)
