"""Live websocket handshakes: N delegates' sockets opened against one worker, timed and costed.

    .venv/bin/python bench/live_handshakes.py [--sockets 1000[,5000]] [--batch 100] [--modes token,ticket]

For each socket count: a fresh PostgreSQL database (UNIONVOTE_TEST_POSTGRES_URL), N accredited delegates
with API tokens (bench/storm_world.py), `unionvote serve` with one worker. Then, per mode, every delegate
opens a websocket following the conference (`batch` handshakes at a time, each waiting for the hello), the
sockets are held a moment and closed:

- `token`: the API token alone, as the vote storm's phones do: each handshake reads the token and the
  account's roles from the database (the worker's login memory is fresh, it has seen none of them);
- `ticket`: the same sockets with a live ticket each (as a page gives its socket), so the handshake reads
  nothing from the database. The bench mints them with the server's key, just before each handshake.

`--profile` samples the server with py-spy during each mode's handshakes (bench/storm_profile.py).
Per mode: the wall time for all N, the server's CPU (its processes' CPU time from /proc) and the bench
client's own CPU (this process; it runs on the same cores), each per handshake, and the load average
before and after. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.pg when run as a script
sys.path.insert(0, str(Path(__file__).resolve().parent))

from storm_clients import close_listeners, connect_listeners  # noqa: E402
from storm_profile import Profile  # noqa: E402
from storm_world import Server, build_floor, live_tickets, token_owners  # noqa: E402
from tests.pg import fresh_postgres_database  # noqa: E402
from vote_storm import loadavg, raise_open_files_limit  # noqa: E402


def per_ms(seconds: float, n: int) -> float:
    return round(seconds / max(1, n) * 1000, 2)


async def one_mode(server: Server, conference_id: int, tokens: list[str], owners: list[int], mode: str, batch: int,
                   profile_to: Path | None = None) -> dict[str, Any]:
    topic = f"conference:{conference_id}"

    ticket = live_tickets(tokens, owners, topic)
    out: dict[str, Any] = {"mode": mode, "load_average_before": loadavg()}
    profile = None if profile_to is None else Profile(server.process.pid, profile_to)
    server_before, client_before, started = server.cpu_seconds(), time.process_time(), time.perf_counter()
    listeners = await connect_listeners(server.base, conference_id, tokens, batch=batch,
                                        ticket=ticket if mode == "ticket" else None)
    wall = time.perf_counter() - started
    server_cpu, client_cpu = server.cpu_seconds() - server_before, time.process_time() - client_before
    if profile is not None:
        out["profile"] = profile.stop(top=15)
    n = len(listeners)
    out.update({"sockets": n, "connect_seconds": round(wall, 2), "handshakes_per_second": round(n / wall, 1),
                "server_cpu_seconds": round(server_cpu, 2), "server_cpu_ms_per_handshake": per_ms(server_cpu, n),
                "client_cpu_seconds": round(client_cpu, 2), "client_cpu_ms_per_handshake": per_ms(client_cpu, n),
                "load_average_after": loadavg()})
    await asyncio.sleep(2)
    out["dropped_while_held"] = sum(li.lost for li in listeners)
    await close_listeners(listeners)
    await asyncio.sleep(2)  # the server lets the sockets go before the next mode
    return out


async def run(base_url: str, n: int, modes: list[str], batch: int, log_dir: Path, profile: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"sockets": n, "batch": batch, "load_average_at_start": loadavg(), "modes": []}
    async with fresh_postgres_database(base_url) as url:
        from unionvote.migrate import upgrade

        await asyncio.to_thread(upgrade, url)
        floor = await build_floor(url, n)
        owners = await token_owners(url, floor.delegate_tokens)
        server = Server(url, 1, None, log_dir, connections=max(4096, n + 100))
        try:
            await server.ready()
            for mode in modes:
                out["modes"].append(await one_mode(server, floor.conference_id, floor.delegate_tokens, owners, mode,
                                                   batch, log_dir / f"profile-{n}-{mode}.txt" if profile else None))
        finally:
            server.stop()
    return out


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    raise_open_files_limit()
    logs = Path(tempfile.mkdtemp(prefix="live-handshakes-"))
    runs = [await run(args.postgres, n, args.modes, args.batch, logs, args.profile) for n in args.sockets]
    return {"cores": os.cpu_count(), "server_logs": str(logs), "runs": runs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sockets", type=lambda s: [int(n) for n in s.split(",")], default=[1000],
                        help="socket counts to run, comma-separated (default 1000)")
    parser.add_argument("--modes", type=lambda s: s.split(","), default=["token", "ticket"],
                        help="token (the handshake reads the database), ticket (it does not); default both")
    parser.add_argument("--batch", type=int, default=100, help="handshakes in flight at once (default 100)")
    parser.add_argument("--profile", action="store_true", help="sample the server with py-spy while it connects")
    parser.add_argument("--postgres", help="PostgreSQL URL (default: UNIONVOTE_TEST_POSTGRES_URL)",
                        default=os.environ.get("UNIONVOTE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1/test"))
    result = asyncio.run(main_async(parser.parse_args()))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
