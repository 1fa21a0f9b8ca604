"""How long does importing a 5,000-delegate register take?

    .venv/bin/python bench/import_register.py [--rows 5000]
    UNIONVOTE_TEST_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/import_register.py

Generates a register (bodies and delegates) in a temporary directory, then imports it
through the service into a fresh, migrated SQLite database and, when
UNIONVOTE_TEST_POSTGRES_URL is set, a fresh PostgreSQL database (dropped afterwards).
Each timing covers parsing, checking, writing, the audit entry and the commit.
Prints one JSON object.
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

from tests.pg import fresh_postgres_database  # noqa: E402

from unionvote.conferences.imports import import_bodies, import_delegates  # noqa: E402
from unionvote.conferences.services import create_conference  # noqa: E402
from unionvote.config import Settings  # noqa: E402
from unionvote.db import make_engine, make_session_factory, session_scope  # noqa: E402
from unionvote.migrate import upgrade  # noqa: E402

ROLES = ["delegate"] * 8 + ["substitute", "observer"]


def register_files(directory: Path, rows: int, changed: int = 0) -> tuple[Path, Path]:
    """~20 delegates per body; with `changed`, that many delegates have a new email."""
    body_count = max(1, rows // 20)
    bodies = ["code,name,kind,membership,cut-off date"]
    bodies += [f"B{n:04},Branch number {n},branch,{100 + (n * 37) % 4900},2027-01-31" for n in range(body_count)]
    people = ["membership number,name,email,mobile,body code,role,lead"]
    for n in range(rows):
        body = n % body_count
        email = f"member{n}@{'new.' if n < changed else ''}example.org"
        role, lead = ("delegate", "yes") if n < body_count else (ROLES[n % 10], "")  # each body's first leads
        people.append(f'{100000 + n},"Member {n}, Jr",{email},07700 9{n:05},B{body:04},{role},{lead}')
    bodies_path, people_path = directory / "bodies.csv", directory / f"delegates-{changed}.csv"
    bodies_path.write_text("\n".join(bodies) + "\n", encoding="utf-8")
    people_path.write_text("\ufeff" + "\n".join(people) + "\n", encoding="utf-8")
    return bodies_path, people_path


async def timed_imports(url: str, bodies: bytes, files: list[bytes]) -> list[float]:
    """Seconds for each delegates file imported in turn into one conference."""
    engine = make_engine(Settings(database_url=url))
    factory = make_session_factory(engine)
    try:
        async with session_scope(factory) as db:
            conference = await create_conference(db, slug="bench-2027", name="Benchmark conference", by=None)
            await import_bodies(db, conference.id, bodies, by=None)  # type: ignore[arg-type]
        seconds = []
        for data in files:
            start = time.perf_counter()
            async with session_scope(factory) as db:
                summary = await import_delegates(db, conference.id, data, by=None)  # type: ignore[arg-type]
            seconds.append(round(time.perf_counter() - start, 3))
            print(f"  {url.split(':')[0]}: {summary} in {seconds[-1]} s", file=sys.stderr)
        return seconds
    finally:
        await engine.dispose()


async def run(rows: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="uv-bench-") as tmp:
        directory = Path(tmp)
        bodies_path, first = register_files(directory, rows)
        _, changed = register_files(directory, rows, changed=rows // 10)
        bodies, files = bodies_path.read_bytes(), [first.read_bytes(), first.read_bytes(), changed.read_bytes()]
        sqlite_url = f"sqlite+aiosqlite:///{directory / 'bench.db'}"
        upgrade(sqlite_url)
        sqlite = await timed_imports(sqlite_url, bodies, files)
        result: dict[str, Any] = {"rows": rows, "sqlite_seconds": sqlite[0], "postgres_seconds": None,
                                  "reimport_seconds": sqlite[1], "update_tenth_seconds": sqlite[2]}
        base = os.environ.get("UNIONVOTE_TEST_POSTGRES_URL")
        if base:
            async with fresh_postgres_database(base) as pg_url:
                upgrade(pg_url)
                postgres = await timed_imports(pg_url, bodies, files)
            result.update(postgres_seconds=postgres[0], postgres_reimport_seconds=postgres[1],
                          postgres_update_tenth_seconds=postgres[2])
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.rows))))


if __name__ == "__main__":
    main()
