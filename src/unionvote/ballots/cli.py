"""`unionvote ballots ...`: import members, email voting links, close ballots whose time is up, erase personal data.

`close-due` and `erase-personal-data --due` are the scheduled checks: run them from cron
(every few minutes and daily). Every change they make is audited like the pages' own.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from unionvote.ballots.import_mappings import MAPPINGS
from unionvote.config import DEFAULT_DATABASE_URL, Settings, normalise_database_url


def _factory_engine():  # noqa: ANN202 - an engine and its session factory
    from unionvote.db import make_engine, make_session_factory

    url = normalise_database_url(os.environ.get("UNIONVOTE_DATABASE_URL", DEFAULT_DATABASE_URL))
    engine = make_engine(Settings(database_url=url))
    return engine, make_session_factory(engine)


def _fail(message: str, code: int = 2) -> int:
    print(f"unionvote: {message}", file=sys.stderr)
    return code


async def _import(slug: str, path: Path, mapping_key: str) -> int:
    from unionvote.ballots.members import MembersFileRejected, import_members
    from unionvote.ballots.services import ballot_by_slug
    from unionvote.db import session_scope
    from unionvote.errors import RuleViolation

    engine, factory = _factory_engine()
    try:
        async with session_scope(factory) as db:
            ballot = await ballot_by_slug(db, slug)
            with path.open("rb") as stream:
                imported = await import_members(db, ballot.id, stream, by=None,  # type: ignore[arg-type]
                                                mapping=MAPPINGS.get(mapping_key))
    except MembersFileRejected as exc:
        print(exc.args[0].split("\n", 1)[0], file=sys.stderr)
        for problem in exc.problems:  # every bad row, not only those a page would show
            print(problem, file=sys.stderr)
        return 1
    except RuleViolation as exc:
        return _fail(str(exc))
    finally:
        await engine.dispose()
    print(f"Members of {slug}: {imported.added:,} imported (columns read with the {imported.mapping.key} mapping).")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        return _fail(f"{path} does not exist.")
    return asyncio.run(_import(args.ballot, path, args.mapping))


async def _send(args: argparse.Namespace) -> int:
    from unionvote.ballots.sending import check_can_send, send_credentials
    from unionvote.ballots.services import ballot_by_slug
    from unionvote.config import ConfigError
    from unionvote.db import session_scope
    from unionvote.errors import RuleViolation

    try:  # the same environment as `unionvote serve`: SMTP settings, the public address for links
        settings = Settings.from_env()
    except ConfigError as exc:
        return _fail(str(exc))
    engine, factory = _factory_engine()
    try:
        async with session_scope(factory) as db:
            ballot = await ballot_by_slug(db, args.ballot)
            await check_can_send(db, settings, ballot.id)  # type: ignore[arg-type]
        report = await send_credentials(
            factory, settings, ballot.id, by=None, membership_number=args.member,  # type: ignore[arg-type]
            progress=lambda r: print(f"  {r.sent:,} sent, {r.failed:,} failed so far", file=sys.stderr))
    except RuleViolation as exc:
        return _fail(str(exc))
    finally:
        await engine.dispose()
    for number, reason in report.failures:
        print(f"Not sent to member {number}: {reason}", file=sys.stderr)
    print(f"Voting links for {args.ballot}: {report.sent:,} emailed, {report.failed:,} failed"
          + (" (run this again to retry them)." if report.failed else "."))
    return 1 if report.failed else 0


def cmd_send(args: argparse.Namespace) -> int:
    return asyncio.run(_send(args))


async def _erase(args: argparse.Namespace) -> int:
    from unionvote.ballots.erasure import ballots_due, erase_personal_data
    from unionvote.ballots.services import ballot_by_slug
    from unionvote.db import session_scope
    from unionvote.errors import RuleViolation

    engine, factory = _factory_engine()
    failed = 0
    try:
        async with session_scope(factory) as db:
            targets = [await ballot_by_slug(db, args.ballot)] if args.ballot else await ballots_due(db)
        if not targets:
            print("No member ballot has personal data due for erasure.")
        for ballot in targets:
            try:
                async with session_scope(factory) as db:
                    count = await erase_personal_data(db, ballot.id, by=None, force=args.force)  # type: ignore[arg-type]
                print(f"{ballot.slug}: personal data of {count:,} members erased; results and audit trail kept.")
            except RuleViolation as exc:
                failed += 1
                print(f"unionvote: {ballot.slug}: {exc}", file=sys.stderr)
    except RuleViolation as exc:
        return _fail(str(exc))
    finally:
        await engine.dispose()
    return 1 if failed else 0


def cmd_erase(args: argparse.Namespace) -> int:
    if args.due and args.force:
        return _fail("--force erases one ballot early: use it with --ballot SLUG, not with --due.")
    return asyncio.run(_erase(args))


async def _close_due() -> int:
    from unionvote.ballots.services import close_due_ballots
    from unionvote.db import session_scope

    engine, factory = _factory_engine()
    try:
        async with session_scope(factory) as db:
            closed = await close_due_ballots(db)
    finally:
        await engine.dispose()
    print(f"Closed {len(closed)} member ballot(s) whose closing time had passed.")
    return 0


def cmd_close_due(_args: argparse.Namespace) -> int:
    return asyncio.run(_close_due())


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    ballots = sub.add_parser("ballots", help="indicative member ballots").add_subparsers(
        dest="ballots_command", required=True)
    imp = ballots.add_parser("import-members", help="import a ballot's members from CSV: all rows or none")
    imp.add_argument("--ballot", required=True, help="the ballot's short name, e.g. pay-2027")
    imp.add_argument("file", help="CSV with membership number, name, email, mobile, employer, workplace, region, "
                                  "branch and any extra columns")
    imp.add_argument("--mapping", choices=["detect", *MAPPINGS], default="detect",
                     help="which column headings the file uses (default: detected from its first row)")
    imp.set_defaults(func=cmd_import)
    send = ballots.add_parser("send-credentials", help="email each member not emailed yet a new voting link and "
                                                       "code (throttled by UNIONVOTE_SMTP_PER_SECOND; resumable)")
    send.add_argument("--ballot", required=True, help="the ballot's short name")
    send.add_argument("--member", help="email only this membership number, even if emailed before (re-issues)")
    send.set_defaults(func=cmd_send)
    erase = ballots.add_parser("erase-personal-data", help="erase members' names, emails and mobiles after the "
                                                           "retention date (results and audit trail stay)")
    which = erase.add_mutually_exclusive_group(required=True)
    which.add_argument("--ballot", help="the ballot's short name")
    which.add_argument("--due", action="store_true", help="every closed ballot past its retention date (daily job)")
    erase.add_argument("--force", action="store_true", help="erase one ballot before its retention date (audited)")
    erase.set_defaults(func=cmd_erase)
    close = ballots.add_parser("close-due", help="close member ballots whose closing time has passed (cron)")
    close.set_defaults(func=cmd_close_due)
