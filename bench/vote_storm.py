"""Vote storm: N delegates, each with a live websocket, all voting over HTTP the moment the ballot opens.

    .venv/bin/python bench/vote_storm.py [--delegates 1000[,5000]] [--workers 1,2] [--sealing on,off]
                                         [--http-connections 200] [--profile] [--socket-auth token|ticket]

Needs PostgreSQL (UNIONVOTE_TEST_POSTGRES_URL, default postgresql+asyncpg://postgres@127.0.0.1:5432/test)
and, for several workers, Redis (UNIONVOTE_TEST_REDIS_URL, default redis://127.0.0.1:6379/0). For each
delegate count and worker count: a fresh database (dropped afterwards), N delegates accredited and checked
in with API tokens, `unionvote serve` in a child process; N websockets follow the conference. Then one
storm per `--sealing` entry, on the same floor and sockets: "on" is a secret for/against ballot, which
the server seals as it opens (every vote encrypted and proved at cast time); "off" is the same ballot
open (named), the unsealed comparison. The chair opens the ballot through the API; each delegate votes as
soon as its socket shows the ballot; the chair closes and declares; we time the result's arrival on every
socket and check the count against what was sent. The server's CPU per cast comes from its processes' CPU
time (/proc), so other programs on the machine move it little. Last, the floor: the same writes from a
bare asyncpg loop on another ballot, and our casts per second over the floor's. Prints one JSON object,
with `cat /proc/loadavg` before and after every storm. `--profile` attaches py-spy to the server from the
opening to the last receipt of each storm and adds the top of the profile (bench/storm_profile.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.pg when run as a script
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402
from storm_clients import Cast, cast_when_open, close_listeners, connect_listeners, percentile  # noqa: E402
from storm_floor import floor_casts  # noqa: E402
from storm_profile import Profile  # noqa: E402
from storm_world import Floor, Server, build_floor, live_tickets, token_owners  # noqa: E402
from tests.pg import fresh_postgres_database  # noqa: E402

from unionvote.config import Settings  # noqa: E402
from unionvote.db import make_engine, make_session_factory, session_scope  # noqa: E402
from unionvote.migrate import upgrade  # noqa: E402
from unionvote.voting.models import (  # noqa: E402
    BallotContent,
    BallotSealing,
    ElectorateEntry,
    Participation,
    SealedVote,
    Secrecy,
)
from unionvote.voting.receipts import new_token  # noqa: E402
from unionvote.voting.services import BallotSpec, create_ballot, open_ballot  # noqa: E402

SERVER_POOL = 30  # connections per worker: unionvote.db.make_engine's pool_size 10 + max_overflow 20
CHOICES = ("for", "against", "abstain")


def raise_open_files_limit() -> int:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def loadavg() -> list[float]:
    """The first three fields of /proc/loadavg: how busy the machine was while a figure was taken."""
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


async def chair(client: httpx.AsyncClient, floor: Floor, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    response = await client.request(method, path, headers={"Authorization": f"Bearer {floor.chair_token}"}, **kwargs)
    if response.status_code >= 300:
        raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
    return response.json()  # type: ignore[no-any-return]


async def declare(client: httpx.AsyncClient, floor: Floor, ballot_id: int) -> str:
    """Through the API; should that fail on the server's side, through the chair's console form."""
    auth = {"Authorization": f"Bearer {floor.chair_token}"}
    response = await client.post(f"/api/v1/ballots/{ballot_id}/declare", json={}, headers=auth)
    if response.status_code == 200:
        return "api"
    if response.status_code < 500:
        raise RuntimeError(f"declare: {response.status_code} {response.text[:300]}")
    form = await client.post(f"/conferences/{floor.conference_id}/ballots/{ballot_id}/declare",
                             data={"casting_vote": ""}, headers=auth)
    if form.status_code != 303:
        raise RuntimeError(f"declare (console form): {form.status_code} {form.text[:300]}")
    return f"console form (the API answered {response.status_code})"


async def draft_ballot(url: str, conference_id: int, title: str, secrecy: Secrecy = Secrecy.SECRET) -> int:
    engine = make_engine(Settings(database_url=url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            ballot = await create_ballot(db, conference_id, BallotSpec(title=title, question="Carry it?",
                                                                       secrecy=secrecy), by=None)
            return ballot.id  # type: ignore[return-value]
    finally:
        await engine.dispose()


async def stored_counts(url: str, ballot_id: int) -> tuple[int, int]:
    """Participation rows, and vote rows (in the clear or sealed) of a ballot."""
    engine = make_engine(Settings(database_url=url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            voters = (await db.execute(select(func.count()).select_from(Participation)
                                       .where(Participation.ballot_id == ballot_id))).scalar_one()
            votes = 0
            for table in (BallotContent, SealedVote):
                votes += (await db.execute(select(func.count()).select_from(table)
                                           .where(table.ballot_id == ballot_id))).scalar_one()
            return voters, votes
    finally:
        await engine.dispose()


async def is_sealed(url: str, ballot_id: int) -> bool:
    engine = make_engine(Settings(database_url=url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            return await db.get(BallotSealing, ballot_id) is not None
    finally:
        await engine.dispose()


async def transactions_so_far(url: str, settle: float = 0) -> int:
    """Transactions PostgreSQL has finished in this database so far (commits and rollbacks, pings included).
    Backends report their counts within about ten seconds of going idle; `settle` waits for that."""
    await asyncio.sleep(settle)
    engine = make_engine(Settings(database_url=url))
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(text(
                "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"))
            ).scalar_one())
    finally:
        await engine.dispose()


async def floor_run(url: str, conference_id: int, choices: list[str], connections: int) -> dict[str, Any]:
    """A second ballot on the same floor, opened in-process, voted on by the bare asyncpg loop."""
    engine = make_engine(Settings(database_url=url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            ballot = await create_ballot(db, conference_id, BallotSpec(title="Floor", question="Carry it?",
                                                                       secrecy=Secrecy.OPEN), by=None)
            await open_ballot(db, ballot.id, by=None)  # type: ignore[arg-type]
            voters = list((await db.execute(select(ElectorateEntry.delegate_id).where(
                ElectorateEntry.ballot_id == ballot.id).order_by(ElectorateEntry.delegate_id))).scalars())
    finally:
        await engine.dispose()
    result = await floor_casts(url, ballot.id, [(d, (c,)) for d, c in zip(voters, choices, strict=True)],  # type: ignore[arg-type]
                               connections)
    result["stored_exactly"] = await stored_counts(url, ballot.id) == (len(voters), len(voters))  # type: ignore[arg-type]
    return result


async def one_ballot(client: httpx.AsyncClient, server: Server, url: str, floor: Floor, listeners: list[Any],
                     sealed: bool, choices: list[str], http_connections: int, profile_to: Path | None = None
                     ) -> dict[str, Any]:
    """One storm on the floor: open a ballot, every delegate votes, close, declare, the result reaches every socket."""
    for listener in listeners:
        listener.reset()
    secrecy = Secrecy.SECRET if sealed else Secrecy.OPEN
    ballot_id = await draft_ballot(url, floor.conference_id, f"Storm motion ({secrecy})", secrecy)
    out: dict[str, Any] = {"secrecy": str(secrecy), "load_average_before": loadavg()}
    await asyncio.sleep(1)  # let the draft's live update settle before the ballot opens
    in_flight = asyncio.Semaphore(http_connections)
    casting = [asyncio.create_task(cast_when_open(client, li, ballot_id, c, new_token(), in_flight))
               for li, c in zip(listeners, choices, strict=True)]
    transactions_before = await transactions_so_far(url, settle=11)
    profile = None if profile_to is None else Profile(server.process.pid, profile_to)
    opened, cpu_before = time.perf_counter(), server.cpu_seconds()
    try:
        await chair(client, floor, "POST", f"/api/v1/ballots/{ballot_id}/open")
        casts: list[Cast] = await asyncio.gather(*casting)
    except BaseException:
        for task in casting:
            task.cancel()
        raise
    cpu_used = server.cpu_seconds() - cpu_before
    if profile is not None:
        out["profile"] = profile.stop()
    out["sealed"] = await is_sealed(url, ballot_id)
    out.update(storm_figures(casts, listeners, opened, len(listeners)))
    # The server's own CPU (every worker, live updates included) per acknowledged vote.
    out["server_cpu_ms_per_cast"] = ms(cpu_used / max(1, out["casts_acknowledged"]))
    # Refused requests (503 when the pool is exhausted) cost CPU too: per request, for comparing loaded runs.
    out["server_cpu_ms_per_request"] = ms(cpu_used / max(1, len(casts)))
    await chair(client, floor, "POST", f"/api/v1/ballots/{ballot_id}/close")
    declaring = time.perf_counter()
    out["declared_through"] = await declare(client, floor, ballot_id)
    out["declare_request_ms"] = ms(time.perf_counter() - declaring)
    out.update(await result_arrival(listeners, declaring))
    summary = await chair(client, floor, "GET", f"/api/v1/ballots/{ballot_id}")
    out["count"] = count_check(summary, casts, choices, await stored_counts(url, ballot_id))
    # Every transaction from the open to the declared result (chair, casts, live updates, clock).
    out["transactions_per_cast"] = round(
        (await transactions_so_far(url, settle=11) - transactions_before) / max(1, out["casts_acknowledged"]), 2)
    out["load_average_after"] = loadavg()
    return out


async def storm(base_url: str, n: int, workers: int, redis_url: str | None, http_connections: int,
                log_dir: Path, sealing: list[str], profile: bool = False, socket_auth: str = "token"
                ) -> dict[str, Any]:
    rng = random.Random(n * 10 + workers)
    choices = [rng.choice(CHOICES) for _ in range(n)]
    out: dict[str, Any] = {"workers": workers, "redis": bool(redis_url), "delegates": n,
                           "http_connections": http_connections, "socket_auth": socket_auth,
                           "load_average_at_start": loadavg()}
    async with fresh_postgres_database(base_url) as url:
        await asyncio.to_thread(upgrade, url)
        started = time.perf_counter()
        floor = await build_floor(url, n)
        out["setup_seconds"] = round(time.perf_counter() - started, 1)
        # Every socket may land on one worker, beside the votes' connections and the chair's.
        server = Server(url, workers, redis_url, log_dir, connections=max(4096, n + http_connections + 100))
        listeners = []
        try:
            await server.ready()
            limits = httpx.Limits(max_connections=http_connections, max_keepalive_connections=http_connections)
            async with httpx.AsyncClient(base_url=server.base, limits=limits, timeout=120) as client:
                tokens, topic = floor.delegate_tokens, f"conference:{floor.conference_id}"
                owners = await token_owners(url, tokens) if socket_auth == "ticket" else []
                tickets = live_tickets(tokens, owners, topic) if socket_auth == "ticket" else None
                started, cpu_before, client_before = time.perf_counter(), server.cpu_seconds(), time.process_time()
                listeners = await connect_listeners(server.base, floor.conference_id, floor.delegate_tokens,
                                                    ticket=tickets)
                out["websockets_connected"] = len(listeners)
                out["websocket_connect_seconds"] = round(time.perf_counter() - started, 1)
                out["server_cpu_ms_per_handshake"] = ms((server.cpu_seconds() - cpu_before) / max(1, len(listeners)))
                out["client_cpu_ms_per_handshake"] = ms((time.process_time() - client_before) / max(1, len(listeners)))
                out["load_average_after_connecting"] = loadavg()
                out["ballots"] = {}
                for mode in sealing:
                    out["ballots"][f"sealing_{mode}"] = await one_ballot(
                        client, server, url, floor, listeners, mode == "on", choices, http_connections,
                        log_dir / f"profile-{n}-{workers}-sealing-{mode}.txt" if profile else None)
                out["sockets_dropped_by_server"] = sum(li.lost for li in listeners)  # before we close them
        finally:
            await close_listeners(listeners)
            server.stop()
        ballots = out.get("ballots", {})
        if {"sealing_on", "sealing_off"} <= set(ballots):
            on, off = ballots["sealing_on"], ballots["sealing_off"]
            out["sealing_added_cpu_ms_per_cast"] = round(on["server_cpu_ms_per_cast"] - off["server_cpu_ms_per_cast"],
                                                         1)
        try:
            out["floor"] = await floor_run(url, floor.conference_id, choices, SERVER_POOL * workers)
            for ballot in ballots.values():
                ballot["ours_over_floor"] = round(ballot["casts_per_second"] / out["floor"]["casts_per_second"], 3)
        except Exception as exc:  # noqa: BLE001 - a shared server out of connections: keep the storm's figures
            out["floor"] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    out["load_average_after"] = loadavg()
    return out


def storm_figures(casts: list[Cast], listeners: list[Any], opened: float, n: int) -> dict[str, Any]:
    done = [c for c in casts if c.status == 201]
    latencies = [c.latency for c in done] or [0.0]
    seen_open = [li.opened_at for li in listeners if li.opened_at is not None]
    last_ack = max((c.acknowledged_at for c in done), default=opened)
    return {
        "casts_acknowledged": len(done),
        "casts_refused": dict(Counter(f"{c.status} {c.detail}"[:120] for c in casts if c.status != 201)),
        "storm_seconds": round(last_ack - opened, 2),
        "casts_per_second": round(len(done) / (last_ack - opened), 1),
        "ack_latency_ms": {"p50": ms(percentile(latencies, 0.50)), "p95": ms(percentile(latencies, 0.95)),
                           "p99": ms(percentile(latencies, 0.99)), "max": ms(max(latencies))},
        "opened_on_every_socket_ms": ms(max(seen_open) - opened) if len(seen_open) == n else None,
    }


async def result_arrival(listeners: list[Any], declaring: float, wait: float = 30) -> dict[str, Any]:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(li.declared.wait() for li in listeners)), wait)
    arrived = [li.declared_at - declaring for li in listeners if li.declared_at is not None]
    return {"result_on_sockets": len(arrived),
            "result_everywhere_ms": ms(max(arrived)) if len(arrived) == len(listeners) else None,
            "result_arrival_ms": {"p50": ms(percentile(arrived, 0.5)), "p99": ms(percentile(arrived, 0.99))}
            if arrived else None}


def count_check(summary: dict[str, Any], casts: list[Cast], choices: list[str], stored: tuple[int, int]
                ) -> dict[str, Any]:
    sent = Counter(c for c, cast in zip(choices, casts, strict=True) if cast.status == 201)
    declared = {key: int(value) for key, value in summary["result"]["online"]["choices"].items()}
    expected = {key: sent.get(key, 0) for key in CHOICES}
    trackers = {c.tracker for c in casts if c.status == 201}
    acknowledged = sum(sent.values())
    return {"declared": declared, "sent": expected, "participation_rows": stored[0], "content_rows": stored[1],
            "exact": declared == expected and stored == (acknowledged, acknowledged)
            and len(trackers) == acknowledged and summary["result"]["online"]["voters"] == acknowledged,
            "outcome": summary["result"]["decision"]["outcome"]}


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "load_average_at_start": loadavg()},
        "open_files_limit": raise_open_files_limit(), "sealing": args.sealing, "runs": []}
    logs = Path(tempfile.mkdtemp(prefix="vote-storm-"))
    result["server_logs"] = str(logs)
    for delegates in args.delegates:
        for workers in args.workers:
            redis_url = args.redis if workers > 1 or args.redis_for_one else None
            result["runs"].append(await storm(args.postgres, delegates, workers, redis_url,
                                              args.http_connections, logs, args.sealing, args.profile,
                                              args.socket_auth))
    result["summary"] = [summary_row(run) for run in result["runs"]]
    return result


def summary_row(run: dict[str, Any]) -> dict[str, Any]:
    """One line per storm: the figures issue tables quote."""
    rows = []
    for name, ballot in run.get("ballots", {}).items():
        rows.append({"ballot": name, "casts_per_second": ballot["casts_per_second"],
                     "ack_p50_ms": ballot["ack_latency_ms"]["p50"], "ack_p99_ms": ballot["ack_latency_ms"]["p99"],
                     "server_cpu_ms_per_cast": ballot["server_cpu_ms_per_cast"],
                     "result_everywhere_ms": ballot["result_everywhere_ms"],
                     "ours_over_floor": ballot.get("ours_over_floor"), "exact": ballot["count"]["exact"],
                     "load_average": ballot["load_average_before"]})
    return {"delegates": run["delegates"], "workers": run["workers"],
            "websocket_connect_seconds": run.get("websocket_connect_seconds"), "socket_auth": run.get("socket_auth"),
            "server_cpu_ms_per_handshake": run.get("server_cpu_ms_per_handshake"),
            "sockets_dropped_by_server": run.get("sockets_dropped_by_server"),
            "floor_casts_per_second": run.get("floor", {}).get("casts_per_second"),
            "sealing_added_cpu_ms_per_cast": run.get("sealing_added_cpu_ms_per_cast"), "ballots": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delegates", type=lambda s: [int(n) for n in s.split(",")], default=[1000],
                        help="delegate counts to run, comma-separated (default 1000)")
    parser.add_argument("--workers", type=lambda s: [int(w) for w in s.split(",")], default=[1, 2],
                        help="worker counts to run, comma-separated (default 1,2)")
    parser.add_argument("--sealing", type=lambda s: s.split(","), default=["on", "off"],
                        help="storms per floor, in order: on (a secret ballot, sealed) and off (the same ballot "
                             "open, unsealed); default on,off")
    parser.add_argument("--http-connections", type=int, default=200,
                        help="HTTP connections the delegates' votes share (the most requests in flight at once)")
    parser.add_argument("--postgres", default=os.environ.get("UNIONVOTE_TEST_POSTGRES_URL",
                                                             "postgresql+asyncpg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis", default=os.environ.get("UNIONVOTE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--profile", action="store_true",
                        help="sample the server with py-spy during each storm and add the profile's top")
    parser.add_argument("--socket-auth", choices=["token", "ticket"], default="token",
                        help="how the delegates' websockets authenticate: the API token alone (each handshake reads "
                             "the database; the default) or a live ticket as a page gives its socket")
    parser.add_argument("--redis-for-one", action="store_true", help="give the one-worker run Redis as well")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main_async(args))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
