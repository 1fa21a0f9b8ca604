"""Fault machinery: several `unionvote serve` processes on one PostgreSQL and one Redis, as
docs/deployment.md describes, and ways to hurt them (SIGKILL a worker, start it again).

    with cluster(database_url, redis_url, workdir, workers=2) as servers:
        kill(servers[0])           # as the kernel's OOM killer would: no shutdown, no cleanup

Also a database of its own per test on the shared server (`scratch_database`), and private
PostgreSQL and Redis servers (`private_postgres`, `private_redis`) for tests that stop them:
never the shared ones on 5432 and 6379, which other test runs use.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis

from tests.e2e.server import LiveServer, free_port, start_server, stop_server, wait_until_healthy
from tests.e2e.world import in_own_loop
from tests.pg import admin_execute, database_url_named


@contextmanager
def cluster(database_url: str, redis_url: str, workdir: Path, *, workers: int = 2,
            serve_args: tuple[str, ...] = (), host: str | None = None, **env: str) -> Iterator[list[LiveServer]]:
    """`workers` separate servers (separate hosts, in effect) sharing the database and a Redis namespace.

    `host`: the site's name in UNIONVOTE_ALLOWED_HOSTS; requests must then carry it in `Host`, as a proxy's do.
    """
    if host is not None:
        env = {"UNIONVOTE_ALLOWED_HOSTS": host, **env}
    shared = {"UNIONVOTE_REDIS_URL": redis_url, "UNIONVOTE_REDIS_NAMESPACE": f"uvfault{uuid.uuid4().hex[:8]}",
              "UNIONVOTE_LOGIN_ATTEMPTS_PER_MINUTE": "100000", **env}
    servers = [start_server(database_url, workdir, serve_args=serve_args, **shared)  # start together: faster
               for _ in range(workers)]
    try:
        for server in servers:
            if host is None:
                wait_until_healthy(server)
            else:
                _wait_until_healthy_as(server, host)
        yield servers
    finally:
        for server in servers:
            stop_server(server)


def _wait_until_healthy_as(server: LiveServer, host: str, within: float = 180) -> None:  # on readiness, generously
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited with {server.process.returncode}:\n{server.log_text()}")
        try:
            if httpx.get(f"{server.base_url}/healthz", headers={"host": host}, timeout=10).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer /healthz within {within} s:\n{server.log_text()}")


def kill(server: LiveServer) -> None:
    """SIGKILL: requests in flight are cut off mid-way, exactly as in a crash."""
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)


@contextmanager
def scratch_database(server_url: str, template: str) -> Iterator[str]:
    """A database of its own on the shared server, copied from the migrated template (faster than migrating)."""
    name = f"uv_fault_{uuid.uuid4().hex[:12]}"
    in_own_loop(admin_execute(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield database_url_named(server_url, name)
    finally:
        in_own_loop(admin_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# ---- a private PostgreSQL cluster, to stop and start ---------------------------------------

def _postgres_bin() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return versions[-1].parent if versions else None


def private_postgres_available() -> bool:
    return _postgres_bin() is not None


def _as_postgres_user(command: list[str]) -> list[str]:
    """initdb and the server refuse to run as root: run them as the postgres account then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class PrivatePostgres:
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, *args: str) -> None:
        bindir = _postgres_bin()
        assert bindir is not None
        subprocess.run(_as_postgres_user([str(bindir / "pg_ctl"), "-D", str(self.data), *args]), check=True,
                       capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100"
        self._pg_ctl("-o", options, "-l", str(self.data / "server.log"), "-w", "start")

    def _psql(self, sql: str, database: str) -> list[str]:
        bindir = _postgres_bin()
        assert bindir is not None
        return [str(bindir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
                "-qtA", "-c", sql]

    def query(self, sql: str, database: str = "postgres") -> str:
        return subprocess.run(self._psql(sql, database), check=True, capture_output=True, text=True,
                              timeout=30).stdout.strip()

    def in_background(self, sql: str, database: str = "postgres") -> subprocess.Popen[bytes]:
        """Run `sql` in a session of its own, in the background (to hold a lock while the test goes on)."""
        return subprocess.Popen(self._psql(sql, database), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

    def stop(self, mode: str = "immediate") -> None:
        """`immediate`: the server drops every connection at once, as in a crash or a failover."""
        self._pg_ctl("-m", mode, "-w", "stop")


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A fresh PostgreSQL cluster of this test's own on a free port (trust authentication, no durability).

    Its directory is made under the system's temporary directory: pytest's own are private to
    root, and the server runs as the postgres account when the tests run as root.
    """
    bindir = _postgres_bin()
    assert bindir is not None
    home = Path(tempfile.mkdtemp(prefix="uv-fault-pg-"))
    data = home / "data"
    try:
        data.mkdir(mode=0o700)
        if os.geteuid() == 0:
            shutil.chown(home, "postgres")
            shutil.chown(data, "postgres")
        subprocess.run(_as_postgres_user([str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                                          "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]),
                       check=True, capture_output=True, timeout=120)
        server = PrivatePostgres(data, free_port())
        server.start()
        try:
            yield server
        finally:
            try:
                server.stop("immediate")
            except subprocess.CalledProcessError:
                pass  # already stopped
    finally:
        shutil.rmtree(home, ignore_errors=True)


# ---- a private Redis, to kill and bring back -------------------------------------------------

@dataclass
class PrivateRedis:
    workdir: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (again) on the same port, empty: Redis keeps nothing of record."""
        log = (self.workdir / f"redis-{self.port}.log").open("ab")
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no", "--daemonize", "no"],
                                        cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=log,
                                        stderr=subprocess.STDOUT)
        log.close()
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 60  # Redis starting on a loaded machine
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)
        self.process = None


def private_redis_available() -> bool:
    return shutil.which("redis-server") is not None


@contextmanager
def private_redis(workdir: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(workdir, free_port())
    server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            server.kill()
