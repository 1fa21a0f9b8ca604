"""A real unionvote server in a child process, the way an operator runs it (`unionvote serve`)."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import TEST_SECRET
from tests.subprocesses import UNIONVOTE, clean_env


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    log: Path
    process: subprocess.Popen[bytes]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _wait_until_healthy(server: LiveServer, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited with {server.process.returncode}:\n{server.log_text()}")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=10).status_code == 200:  # a loaded machine answers late
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer /healthz within {within} s:\n{server.log_text()}")


def start_server(database_url: str, workdir: Path, *, workers: int = 1, serve_args: tuple[str, ...] = (),
                 **env: str) -> LiveServer:
    """Start serving `database_url` on a free port (not yet waiting for it); the log is kept in `workdir`."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = clean_env(UNIONVOTE_DATABASE_URL=database_url, UNIONVOTE_SECRET_KEY=TEST_SECRET,
                         UNIONVOTE_COOKIE_SECURE="0", UNIONVOTE_PUBLIC_URL=base_url, UNIONVOTE_LOG_JSON="1", **env)
    log_path = workdir / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([*UNIONVOTE, "serve", "--port", str(port), "--workers", str(workers),
                                    *serve_args], cwd=workdir, env=settings, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT)
    return LiveServer(base_url, log_path, process)


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)


def wait_until_healthy(server: LiveServer, within: float = 180) -> None:
    _wait_until_healthy(server, within)


@contextmanager
def running_server(database_url: str, workdir: Path, *, workers: int = 1, serve_args: tuple[str, ...] = (),
                   **env: str) -> Iterator[LiveServer]:
    """Serve `database_url` on a free port until the block ends; the log is kept in `workdir`."""
    server = start_server(database_url, workdir, workers=workers, serve_args=serve_args, **env)
    try:
        wait_until_healthy(server)
        yield server
    finally:
        stop_server(server)
