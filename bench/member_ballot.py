"""An indicative member ballot at scale on PostgreSQL: import, issue, a burst of votes over HTTP, the dashboard.

    UNIONVOTE_TEST_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/member_ballot.py [--members 500000] [--votes 100000] [--seconds 300]
        [--concurrency 32] [--workers 2]

1. Writes a CSV of --members members (8 columns plus one extra, 60 employers, 600
   workplaces) to a temporary file and imports it into a fresh database with
   `unionvote ballots import-members` in a child process (streamed twice: check every
   row, then one COPY fed as the file is read), timing it and taking the child's peak
   RSS and CPU time from the kernel.
2. Issues every member a link and code (the mail-merge step), and opens the ballot
   (hashing the frozen electorate into the audit chain).
3. Starts `unionvote serve` and sends votes the way members do: GET the voting link
   (the form and its CSRF cookie), then POST the answer; --concurrency members at a
   time, until --votes are cast or --seconds have passed.
4. Meanwhile, once a second, asks for turnout through the API (the dashboard's query),
   by employer, workplace, region and branch in turn, and records how long it took.
   After the burst, times the turnout and over-time queries alone at full size.
Prints one JSON object. The scratch database is dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
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
from unionvote.ballots.members import member_count  # noqa: E402
from unionvote.ballots.models import SEGMENTS  # noqa: E402
from unionvote.ballots.services import MemberBallotSpec, QuestionSpec, create_member_ballot, open_ballot  # noqa: E402
from unionvote.ballots.turnout import over_time, turnout  # noqa: E402
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
        figures.update(await asyncio.to_thread(import_with_cli, url, ballot.slug, csv_path))
        async with session_scope(factory) as db:
            figures["members"] = await member_count(db, ballot.id)  # type: ignore[arg-type]
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


def import_with_cli(url: str, slug: str, csv_path: Path) -> dict[str, Any]:
    """`unionvote ballots import-members` as staff run it: wall time, rows a second, the child's peak RSS and CPU."""
    command = [str(Path(sys.executable).parent / "unionvote"), "ballots", "import-members", "--ballot", slug,
               str(csv_path)]
    log = csv_path.with_suffix(".log")
    with log.open("wb") as out:
        started = time.perf_counter()
        child = subprocess.Popen(command, env={**os.environ, "UNIONVOTE_DATABASE_URL": url},  # noqa: S603
                                 stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    output = log.read_text(encoding="utf-8", errors="replace")
    if child.returncode != 0:
        raise SystemExit(f"the import failed: {output[:2000]}")
    rows = int(re.search(r"([\d,]+) imported", output).group(1).replace(",", ""))  # type: ignore[union-attr]
    return {"import_seconds": round(seconds, 2), "import_rows_per_second": round(rows / seconds),
            "import_peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "import_cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2)}


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
    stop = threading.Event()

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
            while not stop.is_set():  # a threading.Event: read from the watcher's own thread
                started = time.perf_counter()
                segment = SEGMENTS[len(dashboard) % len(SEGMENTS)]
                response = await client.get(f"/api/v1/member-ballots/{ballot_id}/turnout?by={segment}")
                if response.status_code == 200:
                    dashboard.append(time.perf_counter() - started)
                else:
                    errors.append(f"{response.status_code} {response.text[:200]}")
                await asyncio.sleep(1)

    # The dashboard asks from an event loop of its own (a thread), as an organiser's browser would from another
    # machine: in the members' loop its timings would include waiting behind the bench's own clients.
    watcher = asyncio.create_task(asyncio.to_thread(asyncio.run, dashboard_watcher()))
    started = time.perf_counter()
    await asyncio.gather(*(member_worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    stop.set()
    await watcher
    ms = sorted(round(d * 1000, 1) for d in dashboard)
    return {"votes_cast": ok, "failed": failed, "burst_seconds": round(elapsed, 1),
            "votes_per_second": round(ok / elapsed, 1),
            "dashboard_api_ms": {"samples": len(ms), "median": statistics.median(ms) if ms else None,
                                 "p95": ms[min(len(ms) - 1, math.ceil(len(ms) * 0.95) - 1)] if ms else None,
                                 "max": ms[-1] if ms else None},
            "dashboard_errors": errors[:3]}


def served_ms(log: Path, samples: int) -> dict[str, Any]:
    """The server's own time for the first `samples` dashboard requests (its access log, from the first middleware
    to the response): what the request cost once a worker took it up, without the wait to be taken up."""
    ms = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if '"/api/v1/member-ballots/' in line and '"status": 200' in line:
            ms.append(json.loads(line)["ms"])
    ms = sorted(ms[:samples])
    return {"median": statistics.median(ms), "p95": ms[min(len(ms) - 1, math.ceil(len(ms) * 0.95) - 1)]} if ms else {}


async def dashboard_without_votes(base: str, ballot_id: int, api_token: str, rounds: int = 20) -> dict[str, Any]:
    """The same API requests once the burst is over: what the dashboard costs when the server is not busy voting."""
    samples = []
    async with httpx.AsyncClient(base_url=base, timeout=60, headers={"authorization": f"Bearer {api_token}"}) as client:
        for n in range(rounds):
            started = time.perf_counter()
            response = await client.get(f"/api/v1/member-ballots/{ballot_id}/turnout?by={SEGMENTS[n % len(SEGMENTS)]}")
            response.raise_for_status()
            samples.append(round((time.perf_counter() - started) * 1000, 1))
    samples.sort()
    return {"samples": len(samples), "median": statistics.median(samples),
            "p95": samples[math.ceil(len(samples) * 0.95) - 1], "max": samples[-1]}


async def query_latency(url: str, ballot_id: int, rounds: int = 5) -> dict[str, float]:
    """The turnout query alone, after the burst, at full size (milliseconds)."""
    engine = make_engine(Settings(database_url=url))
    timings = {}
    try:
        from unionvote.ballots.models import MemberBallot

        for segment in (*SEGMENTS, "over_time"):
            samples = []
            for _ in range(rounds):
                async with session_scope(make_session_factory(engine)) as db:
                    ballot = await db.get(MemberBallot, ballot_id)
                    started = time.perf_counter()
                    if segment == "over_time":
                        await over_time(db, ballot)  # type: ignore[arg-type]
                    else:
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
                cpu_before = server.cpu_seconds()
                result.update(await burst(server.base, links, args.seconds, args.concurrency, ballot_id, api_token))
                result["dashboard_api_served_ms"] = served_ms(Path(tmp) / f"server-{args.workers}.log",
                                                              result["dashboard_api_ms"]["samples"])
                # Both workers' CPU per vote (GET form + POST vote; the dashboard's requests included).
                result["server_cpu_ms_per_vote"] = round(
                    (server.cpu_seconds() - cpu_before) * 1000 / max(1, result["votes_cast"]), 1)
                result["dashboard_api_ms_after_burst"] = await dashboard_without_votes(server.base, ballot_id,
                                                                                       api_token)
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
