"""The vote storm's world: a conference floor of N delegates, written straight into a fresh database, and
the server under test as a child process.

The register goes in through the import service; accounts, role grants, accreditation, check-in and
API tokens are bulk-inserted (doing 5,000 of each through the desk's one-at-a-time services would take
longer than the storm). The chair is an administrator with two-factor set up, acting through a token.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert, select, update

from unionvote.accounts.models import ApiToken, Role, RoleGrant, User
from unionvote.auth import API_TOKEN_PREFIX
from unionvote.conferences import presence
from unionvote.conferences.imports import import_bodies, import_delegates
from unionvote.conferences.register import AccreditationStatus, Delegate, Presence
from unionvote.conferences.services import create_conference
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope, utcnow
from unionvote.live_tickets import issue
from unionvote.security import new_token, token_digest

ROOT = Path(__file__).resolve().parent.parent
SECRET = "vote-storm-secret-key-0123456789-abcdefghij"  # noqa: S105 - a throwaway server's key
# Secret ballots sealed by the server (where sealing is still a deployment switch, switched on), its
# trustee keys wrapped under this throwaway key.
SEALING_KEY = "vote-storm-sealing-key-0123456789-abcdefghij"


@dataclass
class Floor:
    conference_id: int
    chair_token: str
    delegate_tokens: list[str]  # one API token per delegate, in delegate order


def _register(n: int) -> tuple[bytes, bytes]:
    bodies = max(1, n // 20)
    body_rows = ["code,name,kind,membership"] + [f"B{b:04},Branch {b},branch,{100 + b}" for b in range(bodies)]
    people = ["membership number,name,email,body code,role,lead"]
    people += [f"{100000 + i},Delegate {i},d{i}@storm.example.org,B{i % bodies:04},delegate,"
               f"{'yes' if i < bodies else ''}" for i in range(n)]
    return ("\n".join(body_rows) + "\n").encode(), ("\n".join(people) + "\n").encode()


async def build_floor(url: str, n: int) -> Floor:
    """N accredited delegates, checked in to the session running now, each with an account and a token."""
    engine = make_engine(Settings(database_url=url))
    factory = make_session_factory(engine)
    now = utcnow()
    try:
        async with session_scope(factory) as db:
            conference = await create_conference(db, slug="storm-2027", name="Vote storm conference", by=None)
            cid: int = conference.id  # type: ignore[assignment]
            session = await presence.add_business_session(db, cid, name="Storm", starts_at=now - timedelta(hours=1),
                                                          ends_at=now + timedelta(hours=3), by=None)
            bodies, people = _register(n)
            await import_bodies(db, cid, bodies, by=None)
            await import_delegates(db, cid, people, by=None)
        async with session_scope(factory) as db:
            chair = User(email="chair@storm.example.org", display_name="Chair", is_admin=True, totp_enabled=True,
                         totp_secret="JBSWY3DPEHPK3PXP", created_at=now)  # noqa: S106 - never used to log in
            db.add(chair)
            delegates = (await db.execute(select(Delegate.id, Delegate.email).where(Delegate.conference_id == cid)
                                          .order_by(Delegate.id))).all()
            user_ids = (await db.execute(insert(User).returning(User.id, sort_by_parameter_order=True), [
                {"email": email, "display_name": f"Delegate {i}", "created_at": now}
                for i, (_, email) in enumerate(delegates)])).scalars().all()
            await db.flush()
            await db.execute(update(Delegate), [
                {"id": d, "user_id": u, "status": AccreditationStatus.ACCREDITED, "status_changed_at": now}
                for (d, _), u in zip(delegates, user_ids, strict=True)])
            await db.execute(insert(RoleGrant), [
                {"user_id": u, "conference_id": cid, "role": Role.DELEGATE, "granted_at": now} for u in user_ids])
            await db.execute(insert(Presence), [
                {"delegate_id": d, "business_session_id": session.id, "checked_in_at": now - timedelta(minutes=5)}
                for d, _ in delegates])
            plain = [new_token(API_TOKEN_PREFIX) for _ in range(len(user_ids) + 1)]
            await db.execute(insert(ApiToken), [
                {"user_id": u, "name": "storm", "prefix": p[:10], "token_hash": token_digest(p), "created_at": now,
                 "scopes": "read vote manage" if u == chair.id else "read vote"}
                for u, p in zip([chair.id, *user_ids], plain, strict=True)])
        return Floor(cid, plain[0], plain[1:])
    finally:
        await engine.dispose()


async def token_owners(url: str, tokens: list[str]) -> list[int]:
    """The account each API token belongs to, in the tokens' order."""
    engine = make_engine(Settings(database_url=url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            owner = {digest: user for digest, user in await db.execute(select(ApiToken.token_hash, ApiToken.user_id))}
            return [owner[token_digest(t)] for t in tokens]
    finally:
        await engine.dispose()


def live_tickets(tokens: list[str], owners: list[int], topic: str) -> Callable[[int], str]:
    """The n-th delegate's live ticket for `topic`, as the page it opens would carry it: minted with the
    server's key when asked (a ticket lasts 30 s), for a login read from the database just now."""
    def ticket(n: int) -> str:
        return issue(SECRET, token_digest(tokens[n]), owners[n], [topic], read_at=time.time())

    return ticket


class Server:
    """`unionvote serve` in a child process on a free port, logs to a file."""

    def __init__(self, url: str, workers: int, redis_url: str | None, log_dir: Path, connections: int = 4096
                 ) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "UNIONVOTE_DATABASE_URL": url, "UNIONVOTE_SECRET_KEY": SECRET,
               "UNIONVOTE_SEALING_KEY": SEALING_KEY, "UNIONVOTE_SEALED_BALLOTS": "server",
               "UNIONVOTE_REDIS_NAMESPACE": f"storm{secrets.token_hex(4)}", "UNIONVOTE_COOKIE_SECURE": "0"}
        env.pop("UNIONVOTE_REDIS_URL", None)
        if redis_url:
            env["UNIONVOTE_REDIS_URL"] = redis_url
        self.log = (log_dir / f"server-{workers}.log").open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            # --limit-concurrency: each worker's connections, websockets included, before it answers 503.
            [sys.executable, "-m", "unionvote.cli", "serve", "--port", str(self.port), "--workers", str(workers),
             "--limit-concurrency", str(connections)],
            env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)

    async def ready(self, within: float = 180) -> None:  # on readiness: a loaded machine starts a server slowly
        deadline = time.monotonic() + within
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the server exited with {self.process.returncode}; see {self.log.name}")
                try:
                    if (await client.get(self.base + "/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError("the server did not answer /healthz in time")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server and its worker processes have used so far: unlike wall
        clock, hardly moved by other programs competing for the machine's cores."""
        return sum(_process_cpu(pid) for pid in _family(self.process.pid))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # type: ignore[no-any-return]


def _family(pid: int) -> list[int]:
    """The process and all its living descendants (Linux /proc)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            todo.extend(int(child) for child in task.read_text().split())
    return found


def _process_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
