"""`unionvote conferences purge-personal-data`, run in a child process the way an operator or a daily job runs it."""

from __future__ import annotations

import asyncio
import secrets
import subprocess
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from tests.conftest import REDIS_URL, needs_redis
from tests.integration.conferences.builders import STAFF, Factory, bodies_csv, csv_bytes, load
from tests.integration.conferences.erasure_world import scan, snapshot
from tests.subprocesses import clean_env, unionvote
from unionvote.accounts.services import create_user
from unionvote.accounts.sessions import RedisSessionStore
from unionvote.conferences.accreditation import link_account
from unionvote.conferences.register import Delegate
from unionvote.conferences.services import create_conference
from unionvote.conferences.settings import SettingsChange, update_settings
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope, utcnow

T = TypeVar("T")
HEADER = "membership number,name,email,mobile,body code,role"
DUE = ["QD-1,Kit Plover,kit.plover@example.org,+447700900301,LON,delegate",
       "QD-2,Lou Siskin,lou.siskin@example.org,,LON,delegate"]
NOT_DUE = ["QN-1,Max Dunnock,max.dunnock@example.org,+447700900401,LON,delegate"]
ALL_NAMES = ["Kit Plover", "kit.plover@example.org", "+447700900301", "Lou Siskin", "lou.siskin@example.org",
             "Max Dunnock", "max.dunnock@example.org", "+447700900401"]


def on_database(url: str, work: Callable[[Factory], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = make_engine(Settings(database_url=url))
        try:
            return await work(make_session_factory(engine))
        finally:
            await engine.dispose()
    return asyncio.run(run())


async def _setup(factory: Factory) -> None:
    today = utcnow().date()
    for slug, ends_on, people in (("adc-2027", today - timedelta(days=400), DUE),
                                  ("tuc-2027", today - timedelta(days=1), NOT_DUE)):
        async with session_scope(factory) as db:
            conference = await create_conference(db, slug=slug, name=slug.upper(), by=STAFF)
            await update_settings(db, conference.id, SettingsChange(ends_on=ends_on, retention_days=365),  # type: ignore[arg-type]
                                  by=STAFF)
        await load(factory, conference.id, bodies=bodies_csv(("LON", 100)), delegates=csv_bytes(HEADER, people))  # type: ignore[arg-type]


class Operator:
    def __init__(self, url: str, workdir: Path) -> None:
        self.url, self.workdir, self.env = url, workdir, clean_env(UNIONVOTE_DATABASE_URL=url)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return unionvote(*args, env=self.env, cwd=self.workdir)

    def purge(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run("conferences", "purge-personal-data", *args)

    def state(self) -> dict[str, Any]:
        return on_database(self.url, snapshot)

    def left(self) -> set[str]:
        return {value for _, _, value in on_database(self.url, lambda f: scan(f, ALL_NAMES))}


@pytest.fixture
def operator(database_url: str, tmp_path: Path) -> Operator:
    on_database(database_url, _setup)
    return Operator(database_url, tmp_path)


def test_a_dry_run_changes_nothing_and_the_daily_job_erases_what_is_due(operator: Operator) -> None:
    before = operator.state()
    dry = operator.purge("--conference", "adc-2027", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout == ("adc-2027: would erase 2 delegates' names, emails, mobiles and membership numbers, "
                          "0 notes, 0 substitution reasons, 0 unused invitations, 0 voting codes; "
                          "would anonymise 0 accounts.\n")
    due_dry = operator.purge("--due", "--dry-run")
    assert (due_dry.returncode, due_dry.stdout) == (0, dry.stdout)  # tuc-2027 is not due yet
    assert operator.state() == before

    head = operator.run("audit", "heads").stdout
    old_head = dict(line.split("\t")[0::2] for line in head.splitlines())["conference:1"]
    done = operator.purge("--due")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("adc-2027: erased 2 delegates' names") and "tuc-2027" not in done.stdout
    assert operator.left() == {"Max Dunnock", "max.dunnock@example.org", "+447700900401"}

    again = operator.purge("--due")
    assert (again.returncode, again.stdout) == (0, "No conference has personal data due for erasure.\n")

    export = operator.workdir / "adc.jsonl"
    assert operator.run("audit", "export", "--scope", "conference:1", "--out", str(export)).returncode == 0
    verified = operator.run("audit", "verify", str(export), "--head", old_head)
    assert verified.returncode == 0, verified.stdout
    assert export.read_text().splitlines()[-1].count('"action":"personal_data.erased"') == 1


def test_an_early_purge_is_refused_unless_forced(operator: Operator) -> None:
    before = operator.state()
    ends_on = utcnow().date() - timedelta(days=1)
    refused = operator.purge("--conference", "tuc-2027")
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr == (f"unionvote: Personal data of 'tuc-2027' is kept for 365 days after the conference "
                              f"ended on {ends_on:%Y-%m-%d}: it can be erased from "
                              f"{ends_on + timedelta(days=365):%Y-%m-%d}. Use --force to erase it now.\n")
    assert operator.state() == before

    forced = operator.purge("--conference", "tuc-2027", "--force")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.strip().endswith("[forced before the retention period ended].")
    assert operator.left() == {"Kit Plover", "kit.plover@example.org", "+447700900301", "Lou Siskin",
                               "lou.siskin@example.org"}


@pytest.mark.parametrize(("args", "message"), [
    (["--conference", "no-such-conference"], "unionvote: no conference with the short name 'no-such-conference'."),
    (["--due", "--force"], "unionvote: --force erases one conference early: use it with --conference SLUG, "
                           "not with --due."),
    (["--due", "--conference", "adc-2027"], "not allowed with argument"),
    ([], "one of the arguments --conference --due is required"),
], ids=["unknown conference", "force with due", "both", "neither"])
def test_bad_requests_exit_2_with_a_plain_message_and_change_nothing(
        operator: Operator, args: list[str], message: str) -> None:
    before = operator.state()
    result = operator.purge(*args)
    assert result.returncode == 2 and result.stdout == ""
    assert message in result.stderr and "Traceback" not in result.stderr
    assert operator.state() == before


@needs_redis
def test_sessions_held_in_redis_end_too(operator: Operator) -> None:
    async def link(factory: Factory) -> int:
        async with session_scope(factory) as db:
            user = await create_user(db, email="kit.plover@example.org", display_name="Kit Plover", password=None)
            delegate = (await db.execute(select(Delegate).where(Delegate.membership_number == "QD-1"))).scalar_one()
            await link_account(db, delegate.id, user.id, by=STAFF)  # type: ignore[arg-type]
            return user.id  # type: ignore[return-value]

    async def in_redis(work: Callable[[RedisSessionStore], Awaitable[T]]) -> T:
        redis = Redis.from_url(REDIS_URL or "")
        try:
            return await work(RedisSessionStore(Settings(redis_url=REDIS_URL, redis_namespace=namespace), redis))
        finally:
            await redis.aclose()

    namespace = f"uv-erasure-{secrets.token_hex(4)}"
    user_id = on_database(operator.url, link)
    token = asyncio.run(in_redis(lambda store: store.create(user_id, mfa_verified=True)))
    assert asyncio.run(in_redis(lambda store: store.get(token))) is not None

    operator.env.update(UNIONVOTE_REDIS_URL=REDIS_URL or "", UNIONVOTE_REDIS_NAMESPACE=namespace)
    done = operator.purge("--conference", "adc-2027")
    assert done.returncode == 0 and "anonymised 1 accounts" in done.stdout, done.stdout + done.stderr
    assert asyncio.run(in_redis(lambda store: store.get(token))) is None
