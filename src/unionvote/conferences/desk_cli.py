"""`unionvote desk ...` and `unionvote conferences quorum`: the accreditation desk from a terminal.

The same services as the desk pages; the actor is recorded as `system` (command-line
administration), like every other command.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from unionvote.conferences import accreditation, attendance
from unionvote.conferences.models import Conference
from unionvote.conferences.quorum import quorum
from unionvote.conferences.register import Delegate
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope
from unionvote.errors import RuleViolation

ACTIONS = ("accredit", "revoke", "reinstate", "substitute", "check-in", "check-out")


async def _ids(db: AsyncSession, slug: str, member: str | None) -> tuple[int, int | None]:
    conference_id = (await db.execute(select(Conference.id).where(Conference.slug == slug))).scalar()
    if conference_id is None:
        raise RuleViolation(f"No conference with the short name '{slug}'.", 404)
    if member is None:
        return conference_id, None
    delegate_id = (await db.execute(select(Delegate.id).where(Delegate.conference_id == conference_id,
                                                              Delegate.membership_number == member))).scalar()
    if delegate_id is None:
        raise RuleViolation(f"No one with membership number '{member}' is on the register of '{slug}'.", 404)
    return conference_id, delegate_id


async def _end_sessions(settings: Settings, factory: async_sessionmaker[AsyncSession], user_id: int) -> None:
    """A revoked delegate's open sessions end: in the database, and in Redis when configured (it holds copies)."""
    from redis.asyncio import Redis

    from unionvote.accounts.sessions import DatabaseSessionStore, RedisSessionStore

    if settings.redis_url:
        redis = Redis.from_url(settings.redis_url)
        try:
            await RedisSessionStore(settings, redis).delete_for_user(user_id)
        finally:
            await redis.aclose()
    await DatabaseSessionStore(settings, factory).delete_for_user(user_id)


async def run_desk(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings)
    factory = make_session_factory(engine)
    ended: int | None = None
    try:
        async with session_scope(factory) as db:
            conference_id, delegate_id = await _ids(db, args.conference, args.member)
            assert delegate_id is not None
            if args.action == "accredit":
                await accreditation.accredit(db, delegate_id, note=args.note or "", by=None)
                done = "accredited"
            elif args.action == "revoke":
                ended = await accreditation.revoke(db, delegate_id, reason=args.reason or "", by=None)
                done = "accreditation revoked"
            elif args.action == "reinstate":
                await accreditation.reinstate(db, delegate_id, reason=args.reason or "", by=None)
                done = "reinstated"
            elif args.action == "substitute":
                _, substitute_id = await _ids(db, args.conference, args.substitute)
                await accreditation.substitute(db, absent_id=delegate_id, substitute_id=substitute_id,
                                               reason=args.reason or "", by=None)
                done = f"replaced by substitute {args.substitute}"
            elif args.action == "check-in":
                session = await attendance.check_in_now(db, conference_id, delegate_id, by=None)
                done = f"checked in to {session.name}"
            else:
                session, was_in = await attendance.check_out_now(db, conference_id, delegate_id, by=None)
                done = f"checked out of {session.name}" if was_in else f"was not checked in to {session.name}"
        if ended is not None:
            await _end_sessions(settings, factory, ended)
    except RuleViolation as exc:
        print(f"unionvote: {exc}", file=sys.stderr)
        return 2 if exc.status_code == 404 else 1
    finally:
        await engine.dispose()
    print(f"Membership number {args.member}: {done}.")
    return 0


async def run_quorum(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings)
    try:
        async with session_scope(make_session_factory(engine)) as db:
            conference_id, _ = await _ids(db, args.conference, None)
            status = await quorum(db, conference_id)
    except RuleViolation as exc:
        print(f"unionvote: {exc}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    print(f"Rule: {status.rule_text}")
    print(status.summary)
    return 0 if status.met else 3


def add_parsers(sub: argparse._SubParsersAction, conferences: argparse._SubParsersAction,  # type: ignore[type-arg]
                desk_func: object, quorum_func: object) -> None:
    desk = sub.add_parser("desk", help="the accreditation desk: accredit, revoke, substitute, check in and out")
    actions = desk.add_subparsers(dest="action", required=True)
    for action in ACTIONS:
        one = actions.add_parser(action, help=f"{action} one delegate, by membership number")
        one.add_argument("--conference", required=True, help="conference short name, e.g. adc-2027")
        one.add_argument("--member", required=True, help="membership number on the register")
        if action == "accredit":
            one.add_argument("--note", required=True, help="how identity was checked, e.g. 'union card seen'")
        if action in ("revoke", "reinstate", "substitute"):
            one.add_argument("--reason", required=True)
        if action == "substitute":
            one.add_argument("--substitute", required=True, help="the substitute's membership number")
        one.set_defaults(func=desk_func)
    q = conferences.add_parser("quorum", help="is the conference quorate now? (exit 0 yes, 3 no)")
    q.add_argument("--conference", required=True)
    q.set_defaults(func=quorum_func)
