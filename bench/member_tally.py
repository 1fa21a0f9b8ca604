"""Tally and decrypt a sealed member ballot of 500,000 votes across 40 employers: the close of a large ballot.

    .venv/bin/python bench/member_tally.py [--votes 500000] [--employers 40] [--pool 2000] [--postgres]

1. A fresh database (SQLite in a temporary directory, or with --postgres a scratch database on
   UNIONVOTE_TEST_POSTGRES_URL), migrated; a member ballot of one yes/no question, sealed by the
   server (its trustee key wrapped under a sealing key set for the run), marked open.
2. The sealed votes are written in bulk outside HTTP: --pool answers are sealed for real, with
   every proof (seal_answer, as a cast does); each of the --votes rows takes one of them with its
   own random id, its own tracker and its voter's employer, workplace (10 per employer), region (4)
   and branch (1 per employer), so the tally decodes and adds every row's points exactly as for
   distinct votes. Members are not imported: each segment's entitled count is written straight
   into member_turnout (what the triggers would keep), so every employer is large enough to show.
3. Times `close_sealed` (what closing does beyond hashing who voted): read every sealed row, hash
   the rows, add each vote's ciphertexts into its question's and segments' sums, choose the
   slices to decrypt, the server trustee's partial decryption of each with its proof, and the
   discrete logarithms of every decrypted total. Then checks the decrypted totals against the
   answers written. Prints one JSON object with the load average before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import tempfile
import time
from collections import Counter
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from unionvote.ballots.models import MemberBallot, MemberBallotState, MemberSealedVote, MemberTurnout  # noqa: E402
from unionvote.ballots.sealed import close_sealed, counted, seal_answer, seal_member_ballot, tracker_of_row  # noqa: E402
from unionvote.ballots.services import MemberBallotSpec, QuestionSpec, create_member_ballot, questions_of  # noqa: E402
from unionvote.config import Settings  # noqa: E402
from unionvote.db import make_engine, make_session_factory, session_scope, utcnow  # noqa: E402
from unionvote.migrate import upgrade  # noqa: E402

BATCH = 10_000


@asynccontextmanager
async def database(postgres: bool):  # noqa: ANN201
    if postgres:
        from tests.pg import fresh_postgres_database

        async with fresh_postgres_database(os.environ["UNIONVOTE_TEST_POSTGRES_URL"]) as url:
            await asyncio.to_thread(upgrade, url)
            yield url
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/member-tally.db"
        await asyncio.to_thread(upgrade, url)
        yield url


def segments(i: int, employers: int) -> dict[str, str]:
    employer = i % employers
    return {"employer": f"Employer {employer:02d}", "workplace": f"Employer {employer:02d} site {i // employers % 10}",
            "region": f"Region {i % 4}", "branch": f"Branch {employer:02d}"}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("UNIONVOTE_SEALING_KEY", secrets.token_urlsafe(32))
    async with database(args.postgres) as url:
        engine = make_engine(Settings(database_url=url))
        factory = make_session_factory(engine)
        try:
            now = utcnow()
            async with session_scope(factory) as db:
                ballot = await create_member_ballot(db, MemberBallotSpec(
                    slug="bench-tally", title="Bench", description="Tally bench", opens_at=now - timedelta(hours=1),
                    closes_at=now + timedelta(days=1), questions=[QuestionSpec("Do you accept the offer?")]), by=None)
                sealing = await seal_member_ballot(db, ballot, by=None)
                ballot.state, ballot.opened_at = MemberBallotState.OPEN, now
                [question] = await questions_of(db, ballot.id)  # type: ignore[arg-type]
                ballot_id, election = ballot.id, sealing.election_key
            started = time.perf_counter()
            pool = []
            for k in range(args.pool):
                answer = "yes" if k % 3 else "no"
                pool.append((answer, seal_answer(election, ballot_id, question, [answer], secrets.token_urlsafe(24),  # type: ignore[arg-type]
                                                 segments(0, 1))))
            pool_seconds = time.perf_counter() - started
            expected: Counter[tuple[str, str]] = Counter()
            entitled: Counter[tuple[str, str]] = Counter()
            started = time.perf_counter()
            for first in range(0, args.votes, BATCH):
                rows = []
                for i in range(first, min(first + BATCH, args.votes)):
                    answer, sealed = pool[i % len(pool)]
                    where = segments(i, args.employers)
                    ident = secrets.token_hex(16)
                    rows.append({"question_id": question.id, "id": ident, "slots": sealed.slots,
                                 "proofs": sealed.proofs, "tracker": tracker_of_row(
                                     question.id, ident, sealed.slots, sealed.proofs, where),  # type: ignore[arg-type]
                                 "retry_check": sealed.retry_check, **where})
                    expected[("", answer)] += 1
                    expected[(where["employer"], answer)] += 1
                    for kind, value in where.items():
                        entitled[(kind, value)] += 2  # half the members voted
                async with session_scope(factory) as db:
                    await db.execute(insert(MemberSealedVote), rows)
            async with session_scope(factory) as db:
                await db.execute(insert(MemberTurnout), [
                    {"ballot_id": ballot_id, "kind": kind, "value": value, "shard": 0, "entitled": n, "voted": n // 2}
                    for (kind, value), n in entitled.items()])
            write_seconds = time.perf_counter() - started
            load_before = os.getloadavg()
            cpu = time.process_time()
            started = time.perf_counter()
            async with session_scope(factory) as db:
                ballot = await db.get(MemberBallot, ballot_id)
                ballot.state, ballot.closed_at = MemberBallotState.CLOSED, utcnow()  # type: ignore[union-attr]
                closed = await close_sealed(db, ballot)  # type: ignore[arg-type]
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            load_after = os.getloadavg()
            async with session_scope(factory) as db:
                figures = await counted(db, await db.get(MemberBallot, ballot_id))  # type: ignore[arg-type]
            assert closed is not None and figures is not None
            found = {(piece.segment[1] if piece.segment else "", key): n for piece, totals in figures.by_slice.items()
                     if piece.segment is None or piece.segment[0] == "employer" for key, n in totals.items()}
            if found != {key: expected.get(key, 0) for key in found} or len(found) != 2 * (args.employers + 1):
                raise SystemExit("the decrypted totals differ from the answers written")
        finally:
            await engine.dispose()
    return {
        "benchmark": "member_tally", "database": "postgresql" if args.postgres else "sqlite", "votes": args.votes,
        "employers": args.employers, "slices_decrypted": closed.slices,
        "tally_and_decrypt_seconds": round(seconds, 2), "tally_and_decrypt_cpu_seconds": round(cpu, 2),
        "per_vote_microseconds": round(seconds / args.votes * 1e6, 1),
        "sealed_pool": args.pool, "pool_sealing_seconds": round(pool_seconds, 2),
        "bulk_write_seconds": round(write_seconds, 2),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after], "cpus": os.cpu_count(),
        "totals_checked": True,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=500_000)
    parser.add_argument("--employers", type=int, default=40)
    parser.add_argument("--pool", type=int, default=2_000, help="answers sealed for real (with proofs) and reused")
    parser.add_argument("--postgres", action="store_true", help="on UNIONVOTE_TEST_POSTGRES_URL instead of SQLite")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args)), indent=2))


if __name__ == "__main__":
    main()
