"""An indicative member ballot at scale on PostgreSQL: import, issue, a burst of votes over HTTP, the dashboard.

    UNIONVOTE_TEST_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/member_ballot.py [--members 500000] [--votes 100000] [--seconds 300]
        [--concurrency 32] [--workers 2]

1. Writes a CSV of --members members (8 columns plus one extra, 60 employers, 600
   workplaces) to a temporary file and imports it through the service the CLI uses
   (streamed twice: check every row, then COPY in batches), into a fresh database.
2. Issues every member a link and code (the mail-merge step), and opens the ballot
   (hashing the frozen electorate into the audit chain).
3. Starts `unionvote serve` and sends votes the way members do: GET the voting link
   (the form and its CSRF cookie), then POST the answer; --concurrency members at a
   time, until --votes are cast or --seconds have passed.
4. Meanwhile, once a second, asks for turnout by employer through the API (the
   dashboard's query) and records how long it took.
Prints one JSON object. The scratch database is dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from storm_world import Server  # noqa: E402
from tests.pg import fresh_postgres_database  # noqa: E402

from unionvote.accounts.services import create_api_token, create_user  # noqa: E402
from unionvote.ballots.credentials import issue_credentials  # noqa: E402
from unionvote.ballots.members import import_members  # noqa: E402
from unionvote.ballots.services import MemberBallotSpec, QuestionSpec, create_member_ballot, open_ballot  # noqa: E402
from unionvote.ballots.turnout import turnout  # noqa: E402
from unionvote.config import Settings  # noqa: E402
from unionvote.db import make_engine, make_session_factory, session_scope, utcnow  # noqa: E402
from unionvote.migrate import upgrade  # noqa: E402
from unionvote.security import new_totp_secret  # noqa: E402

QUESTION_FIELD = re.compile(r'name="(q\d+)"')
TOKEN_FIELD = re.compile(r'name="token" value="([^"]+)"')
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


def write_members(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("membership number,name,email,mobile,employer,workplace,region,branch,grade\n")
        for n in range(count):
            employer = n % 60
            out.write(f"{1_000_000 + n},Member {n},member{n}@example.org,07700{n:06},Employer {employer:02},"
                      f"Site {employer:02}-{n % 10},Region {n % 12},Branch {n % 300},G{n % 7}\n")


async def prepare(url: str, csv_path: Path) -> dict[str, Any]:
    engine = make_engine(Settings(database_url=url))
    factory = make_session_factory(engine)
    now = utcnow()
    figures: dict[str, Any] = {}
    try:
        async with session_scope(factory) as db:
            ballot = await create_member_ballot(db, MemberBallotSpec(
                slug="bench-2027", title="Benchmark ballot", description="Benchmark.",
                opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=7),
                questions=[QuestionSpec("Accept?")]), by=None)
            admin = await create_user(db, email="admin@bench.example", display_name="Admin", password=None,
                                      is_admin=True)
            admin.totp_secret, admin.totp_enabled = new_totp_secret(), True  # staff must have two-factor
            _, token = await create_api_token(db, user_id=admin.id, name="bench")  # type: ignore[arg-type]
        started = time.perf_counter()
        async with session_scope(factory) as db:
            with csv_path.open("rb") as stream:
                imported = await import_members(db, ballot.id, stream, by=None)  # type: ignore[arg-type]
        figures["import_seconds"] = round(time.perf_counter() - started, 2)
        figures["members"] = imported.added
        started = time.perf_counter()
        async with session_scope(factory) as db:
            issued = await issue_credentials(db, ballot.id, by=None)  # type: ignore[arg-type]
        figures["issue_credentials_seconds"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        async with session_scope(factory) as db:
            await open_ballot(db, ballot.id, by=None)  # type: ignore[arg-type]
        figures["open_seconds"] = round(time.perf_counter() - started, 2)
        figures["ballot_id"], figures["api_token"] = ballot.id, token
        figures["links"] = [c.link_token for c in issued]
    finally:
        await engine.dispose()
    return figures


async def one_member(client: httpx.AsyncClient, link: str, answer: str) -> bool:
    client.cookies.clear()
    form = await client.get(f"/vote/{link}")
    question, token, csrf = QUESTION_FIELD.search(form.text), TOKEN_FIELD.search(form.text), CSRF_FIELD.search(
        form.text)
    if form.status_code != 200 or not (question and token and csrf):
        return False
    sent = await client.post(f"/vote/{link}", data={"token": token.group(1), question.group(1): answer,
                                                   "_csrf_token": csrf.group(1)})
    return sent.status_code == 201


async def burst(base: str, links: list[str], seconds: float, concurrency: int, ballot_id: int,
                api_token: str) -> dict[str, Any]:
    queue = list(reversed(links))
    ok = failed = 0
    deadline = time.monotonic() + seconds
    dashboard: list[float] = []
    errors: list[str] = []
    stop = asyncio.Event()

    async def member_worker() -> None:
        nonlocal ok, failed
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            while queue and time.monotonic() < deadline:
                link = queue.pop()
                answer = "yes" if len(queue) % 5 else "no"
                try:
                    if await one_member(client, link, answer):
                        ok += 1
                    else:
                        failed += 1
                except httpx.HTTPError:
                    failed += 1

    async def dashboard_watcher() -> None:
        headers = {"authorization": f"Bearer {api_token}"}
        async with httpx.AsyncClient(base_url=base, timeout=60, headers=headers) as client:
            while not stop.is_set():
                started = time.perf_counter()
                response = await client.get(f"/api/v1/member-ballots/{ballot_id}/turnout?by=employer")
                if response.status_code == 200:
                    dashboard.append(time.perf_counter() - started)
                else:
                    errors.append(f"{response.status_code} {response.text[:200]}")
                await asyncio.sleep(1)

    watcher = asyncio.create_task(dashboard_watcher())
    started = time.perf_counter()
    await asyncio.gather(*(member_worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    stop.set()
    await watcher
    ms = sorted(round(d * 1000, 1) for d in dashboard)
    return {"votes_cast": ok, "failed": failed, "burst_seconds": round(elapsed, 1),
            "votes_per_second": round(ok / elapsed, 1),
            "dashboard_api_ms": {"samples": len(ms), "median": statistics.median(ms) if ms else None,
                                 "p95": ms[int(len(ms) * 0.95)] if ms else None, "max": ms[-1] if ms else None},
            "dashboard_errors": errors[:3]}


async def query_latency(url: str, ballot_id: int, rounds: int = 5) -> dict[str, float]:
    """The turnout query alone, after the burst, at full size (milliseconds)."""
    engine = make_engine(Settings(database_url=url))
    timings = {}
    try:
        from unionvote.ballots.models import MemberBallot

        for segment in ("employer", "workplace", "branch"):
            samples = []
            for _ in range(rounds):
                async with session_scope(make_session_factory(engine)) as db:
                    ballot = await db.get(MemberBallot, ballot_id)
                    started = time.perf_counter()
                    await turnout(db, ballot, segment)  # type: ignore[arg-type]
                    samples.append(time.perf_counter() - started)
            timings[segment] = round(statistics.median(samples) * 1000, 1)
    finally:
        await engine.dispose()
    return timings


async def main(args: argparse.Namespace) -> dict[str, Any]:
    base_url = os.environ.get("UNIONVOTE_TEST_POSTGRES_URL")
    if not base_url:
        raise SystemExit("Set UNIONVOTE_TEST_POSTGRES_URL: this benchmark runs on PostgreSQL.")
    result: dict[str, Any] = {"members": args.members, "concurrency": args.concurrency, "workers": args.workers}
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "members.csv"
        started = time.perf_counter()
        write_members(csv_path, args.members)
        result["csv_write_seconds"] = round(time.perf_counter() - started, 2)
        result["csv_megabytes"] = round(csv_path.stat().st_size / 1e6, 1)
        async with fresh_postgres_database(base_url) as url:
            await asyncio.to_thread(upgrade, url)
            prepared = await prepare(url, csv_path)
            links = prepared.pop("links")[: args.votes]
            ballot_id, api_token = prepared.pop("ballot_id"), prepared.pop("api_token")
            result.update(prepared)
            server = Server(url, args.workers, None, Path(tmp))
            try:
                await server.ready()
                result.update(await burst(server.base, links, args.seconds, args.concurrency, ballot_id, api_token))
            finally:
                server.stop()
            result["turnout_query_ms_after_burst"] = await query_latency(url, ballot_id)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=500_000)
    parser.add_argument("--votes", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    print(json.dumps(asyncio.run(main(parser.parse_args()))))
