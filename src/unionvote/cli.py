"""The `unionvote` command: serve, database, users, registers, conferences, audit and the demo."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from unionvote.config import DEFAULT_DATABASE_URL, ConfigError, Settings, normalise_database_url

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from unionvote.audit.anchors import NotedHeads


def _database_url() -> str:
    return normalise_database_url(os.environ.get("UNIONVOTE_DATABASE_URL", DEFAULT_DATABASE_URL))


def _fail(message: str, code: int = 2) -> int:
    print(f"unionvote: {message}", file=sys.stderr)
    return code


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from unionvote.connguard import GuardedHttpToolsProtocol, concurrency_for, raise_open_files_limit
    from unionvote.live_protocol import LiveWebSocketProtocol

    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        return _fail(str(exc))
    if settings.is_sqlite and args.workers > 1:
        return _fail("the embedded SQLite database supports one worker; use PostgreSQL for several.")
    if args.workers > 1 and not settings.redis_url:
        print("unionvote: warning: several workers without UNIONVOTE_REDIS_URL will not share live updates "
              "or rate limits.", file=sys.stderr)
        # Nothing would tell the other workers of a logout or a revoked token: ask the database every time.
        os.environ["UNIONVOTE_CREDENTIAL_CACHE_SECONDS"] = "0"
    open_files = raise_open_files_limit()
    uvicorn.run("unionvote.app:app_from_env", factory=True, host=args.host, port=args.port,
                workers=args.workers, proxy_headers=args.proxy_headers, forwarded_allow_ips=args.forwarded_allow_ips,
                ws=LiveWebSocketProtocol, log_config=None, access_log=False, timeout_graceful_shutdown=5,
                # Hostile clients (docs/deployment.md, "What the application enforces"): request heads and
                # stalled bodies have deadlines, a worker holds at most so many connections (503 beyond),
                # idle kept-alive connections close after 5 s, websocket messages are small.
                http=GuardedHttpToolsProtocol, limit_concurrency=concurrency_for(open_files, args.limit_concurrency),
                timeout_keep_alive=5, h11_max_incomplete_event_size=32 * 1024, ws_max_size=64 * 1024,
                # Live fragments are small and go to every screen at once: compressing each copy for each
                # socket costs more CPU than the bytes it saves. A ping every 30 s (a pong due within 20 s) keeps
                # idle sockets open through proxies and NATs; at 5,000 screens that is 170 pings a second.
                ws_per_message_deflate=False, ws_ping_interval=30.0, ws_ping_timeout=20.0)
    return 0


async def _rekey(settings: Settings) -> int:
    from unionvote.accounts.services import resealed_totp_secrets
    from unionvote.db import make_engine, make_session_factory, session_scope

    engine = make_engine(settings)
    try:
        async with session_scope(make_session_factory(engine)) as db:
            return await resealed_totp_secrets(db, settings)
    finally:
        await engine.dispose()


def cmd_totp_rekey(args: argparse.Namespace) -> int:
    """Seal every stored authenticator secret under the newest second-factor key (docs/deployment.md)."""
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        return _fail(str(exc))
    print(f"Re-sealed {asyncio.run(_rekey(settings))} authenticator secrets under the newest key.")
    return 0


def cmd_db_pending(args: argparse.Namespace) -> int:
    from unionvote.migrate import pending_operations

    print(pending_operations(_database_url()))
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from unionvote.migrate import upgrade

    upgrade(_database_url(), args.revision)
    print(f"Database is at revision {args.revision}.")
    return 0


async def _create_user(args: argparse.Namespace, password: str | None) -> int:
    from sqlalchemy import select

    from unionvote.accounts.models import Role
    from unionvote.accounts.services import create_user, grant_role
    from unionvote.conferences.models import Conference
    from unionvote.db import make_engine, make_session_factory, session_scope
    from unionvote.errors import RuleViolation

    settings = Settings(database_url=_database_url())
    engine = make_engine(settings)
    try:
        async with session_scope(make_session_factory(engine)) as db:
            user = await create_user(db, email=args.email, display_name=args.name or args.email.split("@")[0],
                                     password=password, is_admin=args.role == "admin")
            if args.role != "admin":
                conference = (await db.execute(select(Conference).where(Conference.slug == args.conference))
                              ).scalar_one_or_none()
                if conference is None:
                    raise RuleViolation(f"No conference with the short name '{args.conference}'.")
                await grant_role(db, user_id=user.id, conference_id=conference.id, role=Role(args.role), by=None)
    except RuleViolation as exc:
        return _fail(str(exc))
    finally:
        await engine.dispose()
    print(f"Created user {user.id} <{user.email}>" + (" (admin)" if args.role == "admin" else f" ({args.role})"))
    return 0


def cmd_users_create(args: argparse.Namespace) -> int:
    if args.role != "admin" and not args.conference:
        return _fail("a conference role needs --conference SLUG.")
    if args.password_stdin:
        password: str | None = sys.stdin.readline().rstrip("\n")
    elif args.no_password:
        password = None
    else:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Again: "):
            return _fail("the passwords differ.")
    return asyncio.run(_create_user(args, password))


async def _audit_export(scope: str, out: Path) -> int:
    from unionvote.audit.services import export_lines, head_of
    from unionvote.db import make_engine, make_session_factory, session_scope

    engine = make_engine(Settings(database_url=_database_url()))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            head = await head_of(db, scope)
            if head is None:
                return _fail(f"there is no audit chain for scope '{scope}'.")
            count = 0
            with out.open("w", encoding="utf-8") as fh:
                async for line in export_lines(db, scope):
                    fh.write(line)
                    count += 1
    finally:
        await engine.dispose()
    print(f"Wrote {count} entries of '{scope}' to {out}. Head: {head.hash}")
    return 0


async def _conference_export(slug: str, out: Path) -> int:
    from unionvote.conferences.voting_codes import conference_by_slug
    from unionvote.db import make_engine, make_session_factory, session_scope
    from unionvote.errors import RuleViolation
    from unionvote.voting.export import check_destination, collect_export, write_export

    engine = make_engine(Settings(database_url=_database_url()))
    try:
        check_destination(out)
        async with session_scope(make_session_factory(engine)) as db:
            conference = await conference_by_slug(db, slug)
            if conference is None or conference.id is None:
                return _fail(f"no conference with the short name '{slug}'.")
            files, ballot_ids = await collect_export(db, conference.id)
        summary = write_export(out, conference.id, files, ballot_ids)
        _server_signs(out)
    except RuleViolation as exc:
        return _fail(str(exc))
    finally:
        await engine.dispose()
    print(f"Wrote the export of conference '{slug}' ({summary.ballots} ballots, {summary.files} files) to {out}.")
    return 0


async def _member_ballot_export(slug: str, out: Path) -> int:
    from unionvote.ballots.export import check_destination, collect_member_export, write_member_export
    from unionvote.ballots.services import ballot_by_slug
    from unionvote.db import make_engine, make_session_factory, session_scope
    from unionvote.errors import RuleViolation

    engine = make_engine(Settings(database_url=_database_url()))
    try:
        check_destination(out)
        factory = make_session_factory(engine)
        async with session_scope(factory) as db:
            ballot = await ballot_by_slug(db, slug)
        async with session_scope(factory) as db:  # a fresh transaction, so the whole export is one snapshot
            files = await collect_member_export(db, ballot.id)  # type: ignore[arg-type]
        count = write_member_export(out, ballot.id, files)  # type: ignore[arg-type]
        _server_signs(out)
    except RuleViolation as exc:
        return _fail(str(exc))
    finally:
        await engine.dispose()
    print(f"Wrote the export of member ballot '{slug}' ({count} files) to {out}.")
    return 0


def cmd_audit_export(args: argparse.Namespace) -> int:
    if args.member_ballot:
        return asyncio.run(_member_ballot_export(args.member_ballot, Path(args.out)))
    if args.conference:
        return asyncio.run(_conference_export(args.conference, Path(args.out)))
    return asyncio.run(_audit_export(args.scope, Path(args.out)))


def _noted_heads(args: argparse.Namespace, keys: tuple[str, ...]) -> tuple[NotedHeads, list[str]]:
    """The heads given with --head (HASH or SCOPE=HASH, repeatable) and --heads FILE (a listing, or a signed
    statement whose signatures by every --key are checked); and notes on what was checked."""
    from unionvote.audit.anchors import heads_from_arguments, heads_from_listing
    from unionvote.audit.signing import read_statement

    noted, notes = heads_from_arguments(args.head or []), []
    for name in args.heads or []:
        text = Path(name).read_text(encoding="utf-8")
        if not text.lstrip().startswith("{"):
            heads_from_listing(text, name, noted)
            continue
        statement = read_statement(text, list(keys))
        for scope, head in statement.heads:
            noted.add(scope, head, name)
        signed = (f", signed by {', '.join(statement.checked)}" if statement.checked
                  else ", signatures not checked (no --key)")
        notes.append(f"{name}: a heads statement of {len(statement.heads)} chains{signed}")
    return noted, notes


def _verify_conference_export(path: Path, args: argparse.Namespace) -> int:
    from unionvote.audit.anchors import HeadsUnreadable
    from unionvote.audit.signing import KeyUnusable, SignatureProblem, checked_public_key
    from unionvote.ballots.verify import FORMAT as MEMBER_BALLOT_FORMAT
    from unionvote.ballots.verify import verify_member_export
    from unionvote.voting.verify import verify_export

    try:
        keys = tuple(checked_public_key(key) for key in args.key or [])
        heads, notes = _noted_heads(args, keys)
    except (HeadsUnreadable, KeyUnusable, OSError, UnicodeDecodeError) as exc:
        return _fail(str(exc))
    except SignatureProblem as exc:
        print(f"FAILED: {exc}")
        return 1
    for note in notes:
        print(note)
    manifest = (path / "manifest.json").read_bytes() if (path / "manifest.json").is_file() else b""
    member_ballot = f'"format":"{MEMBER_BALLOT_FORMAT}"'.encode() in manifest
    report = verify_member_export(path, heads, keys) if member_ballot else verify_export(path, heads, keys)
    for note in report.notes:
        print(note)
    if report.failure is not None:
        print(f"FAILED: {report.failure}")
        return 1
    print(f"OK: the export in {path} verifies.")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from unionvote.audit.chain import verify_lines

    path = Path(args.file)
    if not path.exists():
        return _fail(f"{path} does not exist.")
    if path.is_dir():
        return _verify_conference_export(path, args)
    if len(args.head or []) > 1 or args.heads or args.key:
        return _fail("a single chain file is checked against one --head HASH; --heads, --key and several heads "
                     "are for an export directory.")
    head = args.head[0].rpartition("=")[2] if args.head else None
    # Lines end at "\n" only (docs/audit-format.md); a stray "\r" is JSON whitespace, not a line break.
    # Bytes that are not UTF-8 become lone surrogates, which verify_lines reports as a bad line.
    with path.open(encoding="utf-8", errors="surrogateescape", newline="\n") as fh:
        verdict = verify_lines(fh, expected_head=head)
    print(verdict.message if verdict.ok else f"FAILED: {verdict.message}")
    if not verdict.ok:
        return 1
    return _recount_elections(path)


def _recount_elections(path: Path) -> int:
    """Declared elections in the chain are recounted from the papers recorded with them."""
    from unionvote.elections.verify import recount_declarations

    with path.open(encoding="utf-8", newline="\n") as fh:
        recounted, problems = recount_declarations(fh)
    for problem in problems:
        print(f"FAILED: {problem}")
    if recounted and not problems:
        print(f"Recounted {recounted} election(s) from their papers: every stage matches the declared record.")
    return 1 if problems else 0


def _signing_keys(paths: list[str | None]) -> list[Ed25519PrivateKey]:
    """The keys named with --sign, then the server's own (UNIONVOTE_SIGNING_KEY_FILE) when it has one."""
    from unionvote.audit.signing import load_private_key

    server = os.environ.get("UNIONVOTE_SIGNING_KEY_FILE")
    return [load_private_key(Path(p)) for p in [*paths, server] if p]


async def _audit_heads(sign: list[str] | None) -> int:
    from unionvote.audit.services import scopes
    from unionvote.audit.signing import KeyUnusable, heads_statement, signed_statement
    from unionvote.db import make_engine, make_session_factory, session_scope, utcnow

    try:
        keys = _signing_keys(sign) if sign is not None else []
    except KeyUnusable as exc:
        return _fail(str(exc))
    engine = make_engine(Settings(database_url=_database_url()))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            heads = [(head.scope, head.seq, head.hash) for head in await scopes(db)]
    finally:
        await engine.dispose()
    if sign is None:
        for scope, seq, hash_ in heads:
            print(f"{scope}\t{seq}\t{hash_}")
        return 0
    issued = utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    sys.stdout.write(signed_statement(heads_statement(heads, issued), keys).decode())
    return 0


def cmd_audit_heads(args: argparse.Namespace) -> int:
    return asyncio.run(_audit_heads(args.sign))


def cmd_audit_keygen(args: argparse.Namespace) -> int:
    from unionvote.audit.signing import write_new_key

    try:
        public = write_new_key(Path(args.out))
    except FileExistsError:
        return _fail(f"{args.out} exists already; a key is never overwritten.")
    print(f"Wrote a new Ed25519 private key to {args.out} (keep it secret, off the server).")
    print(f"Public key: {public}")
    return 0


def cmd_audit_sign(args: argparse.Namespace) -> int:
    from unionvote.audit.signing import KeyUnusable, add_manifest_signature, load_private_key, public_hex

    root = Path(args.directory)
    if not (root / "manifest.json").is_file():
        return _fail(f"{root} holds no manifest.json: sign an export directory.")
    try:
        key = load_private_key(Path(args.key))
    except KeyUnusable as exc:
        return _fail(str(exc))
    count = add_manifest_signature(root, key)
    print(f"Signed {root / 'manifest.json'} with {public_hex(key)} ({count} signature(s) now).")
    return 0


def _server_signs(out: Path) -> None:
    """An export made where the server has a signing key carries the server's signature of its manifest."""
    from unionvote.audit.signing import KeyUnusable, add_manifest_signature
    from unionvote.errors import RuleViolation

    try:
        keys = _signing_keys([])
    except KeyUnusable as exc:
        raise RuleViolation(f"the export in {out} was written but not signed: {exc}") from None
    for key in keys:
        add_manifest_signature(out, key)


async def _import_register(kind: str, slug: str, data: bytes) -> int:
    from sqlalchemy import select

    from unionvote.conferences.csvfiles import RegisterFileRejected
    from unionvote.conferences.imports import import_bodies, import_delegates
    from unionvote.conferences.models import Conference
    from unionvote.db import make_engine, make_session_factory, session_scope
    from unionvote.errors import RuleViolation

    engine = make_engine(Settings(database_url=_database_url()))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            conference_id = (await db.execute(select(Conference.id).where(Conference.slug == slug))).scalar()
            if conference_id is None:
                return _fail(f"no conference with the short name '{slug}'.")
            service = import_bodies if kind == "bodies" else import_delegates
            summary = await service(db, conference_id, data, by=None)
    except RegisterFileRejected as exc:
        print(exc, file=sys.stderr)
        return 1
    except RuleViolation as exc:
        return _fail(str(exc))
    finally:
        await engine.dispose()
    print(f"{kind.capitalize()} of {slug}: {summary}.")
    return 0


def cmd_register_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        return _fail(f"{path} does not exist.")
    return asyncio.run(_import_register(args.register, args.conference, path.read_bytes()))


async def _end_sessions(user_ids: tuple[int, ...]) -> None:
    """Database sessions went with the purge's transaction; a Redis store needs telling."""
    redis_url = os.environ.get("UNIONVOTE_REDIS_URL")
    if not user_ids or not redis_url:
        return
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    from unionvote.accounts.sessions import RedisSessionStore

    redis = Redis.from_url(redis_url)
    try:
        store = RedisSessionStore(Settings(redis_url=redis_url, redis_namespace=os.environ.get(
            "UNIONVOTE_REDIS_NAMESPACE", "uv")), redis)
        for user_id in user_ids:
            await store.delete_for_user(user_id)
    except (OSError, RedisError) as exc:  # the accounts are deactivated already, so these sessions open nothing
        print(f"unionvote: warning: could not end sessions in Redis ({exc}).", file=sys.stderr)
    finally:
        await redis.aclose()


async def _purge(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from unionvote.conferences.erasure import conferences_due, not_due_message, purge_personal_data
    from unionvote.conferences.models import Conference
    from unionvote.db import make_engine, make_session_factory, session_scope, utcnow
    from unionvote.errors import RuleViolation

    engine = make_engine(Settings(database_url=_database_url()))
    factory, now, failed, changed = make_session_factory(engine), utcnow(), 0, 0
    try:
        async with session_scope(factory) as db:
            query = select(Conference).where(Conference.slug == args.conference) if args.conference else None
            targets = list((await db.execute(query)).scalars()) if query is not None else await conferences_due(db, now)
        if args.conference and not targets:
            return _fail(f"no conference with the short name '{args.conference}'.")
        for conference in targets:
            try:
                async with session_scope(factory) as db:
                    report = await purge_personal_data(db, conference.id, now=now, by=None, force=args.force,
                                                       dry_run=args.dry_run)
                    if args.dry_run:
                        await db.rollback()
            except RuleViolation as exc:
                failed += 1
                print(f"unionvote: {exc}" + (" Use --force to erase it now." if args.conference else ""),
                      file=sys.stderr)
                continue
            await _end_sessions(report.session_user_ids)
            changed += report.changed
            if args.conference or report.changed:
                print(report.summary())
            if args.dry_run and not report.due and not args.force:
                print(f"Not yet due: {not_due_message(conference)}")
    finally:
        await engine.dispose()
    if args.due and not changed and not failed:
        print("No conference has personal data due for erasure.")
    return 1 if failed else 0


def cmd_conferences_purge(args: argparse.Namespace) -> int:
    if args.due and args.force:
        return _fail("--force erases one conference early: use it with --conference SLUG, not with --due.")
    return asyncio.run(_purge(args))


def cmd_desk(args: argparse.Namespace) -> int:
    from unionvote.conferences.desk_cli import run_desk

    return asyncio.run(run_desk(args, _plain_settings()))


def cmd_quorum(args: argparse.Namespace) -> int:
    from unionvote.conferences.desk_cli import run_quorum

    return asyncio.run(run_quorum(args, _plain_settings()))


def _plain_settings() -> Settings:
    """Database and Redis from the environment; commands sign nothing, so no secret key is needed."""
    return Settings(database_url=_database_url(), redis_url=os.environ.get("UNIONVOTE_REDIS_URL") or None,
                    redis_namespace=os.environ.get("UNIONVOTE_REDIS_NAMESPACE", "uv"))


def cmd_demo(args: argparse.Namespace) -> int:
    from unionvote.demo import run_demo

    return run_demo(args)


def cmd_demo_code(args: argparse.Namespace) -> int:
    from unionvote.demo import print_demo_code

    return print_demo_code(args.email)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="unionvote", description="Online democracy for trade unions.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the web service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--proxy-headers", action="store_true", help="trust X-Forwarded-* from --forwarded-allow-ips")
    serve.add_argument("--forwarded-allow-ips", default="127.0.0.1")
    serve.add_argument("--limit-concurrency", type=int, default=4096,
                       help="connections one worker holds before answering 503 (kept below its open-files limit)")
    serve.set_defaults(func=cmd_serve)

    rekey = sub.add_parser("totp-rekey", help="seal every authenticator secret under the newest second-factor key")
    rekey.set_defaults(func=cmd_totp_rekey)

    db = sub.add_parser("db", help="database migrations").add_subparsers(dest="db_command", required=True)
    up = db.add_parser("upgrade", help="apply migrations (run once per deploy)")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=cmd_db_upgrade)
    pending = db.add_parser("pending", help="print the migration operations the models still need (developers)")
    pending.set_defaults(func=cmd_db_pending)

    users = sub.add_parser("users", help="accounts").add_subparsers(dest="users_command", required=True)
    create = users.add_parser("create", help="create an account")
    create.add_argument("--email", required=True)
    create.add_argument("--name", help="display name (default: the part of the email before @)")
    create.add_argument("--role", default="admin",
                        choices=["admin", "cac", "chair", "returning_officer", "teller", "staff", "delegate",
                                 "observer"])
    create.add_argument("--conference", help="conference short name, for a conference role")
    how = create.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    how.add_argument("--no-password", action="store_true", help="no password yet (set through an invitation)")
    create.set_defaults(func=cmd_users_create)

    audit = sub.add_parser("audit", help="the audit trail").add_subparsers(dest="audit_command", required=True)
    export = audit.add_parser("export", help="write one scope's chain as JSON Lines, or a conference's whole "
                              "record (chains, ballots, manifest) into a directory")
    what = export.add_mutually_exclusive_group(required=True)
    what.add_argument("--scope", help="e.g. system, conference:1, ballot:7")
    what.add_argument("--conference", help="conference short name: export every chain and ballot of it")
    what.add_argument("--member-ballot", help="member ballot short name: export its chain, electorate (member ids), "
                                              "who voted, contents and result")
    export.add_argument("--out", required=True, help="a file for --scope; a new or empty directory for "
                                                      "--conference or --member-ballot")
    export.set_defaults(func=cmd_audit_export)
    verify = audit.add_parser("verify", help="recompute an exported chain, or check and recount a conference export")
    verify.add_argument("file", help="a chain (.jsonl) or a conference or member-ballot export directory")
    verify.add_argument("--head", action="append", help="a head hash you noted earlier (HASH, or SCOPE=HASH for a "
                        "directory; repeatable): detects a truncated chain or a ballot left out")
    verify.add_argument("--heads", action="append", help="a file of noted heads: the output of 'unionvote audit "
                        "heads', or the statement of 'unionvote audit heads --sign' (directory only; repeatable)")
    verify.add_argument("--key", action="append", help="a signer's Ed25519 public key (64 hex characters; "
                        "repeatable): it must have signed the manifest and every heads statement given")
    verify.set_defaults(func=cmd_audit_verify)
    heads = audit.add_parser("heads", help="list every chain with its entry count and head hash")
    heads.add_argument("--sign", action="append", nargs="?", const=None, metavar="KEYFILE",
                       help="print a heads statement signed with this private key (repeatable) and the server's")
    heads.set_defaults(func=cmd_audit_heads)
    keygen = audit.add_parser("keygen", help="make an Ed25519 key pair for signing heads and exports")
    keygen.add_argument("--out", required=True, help="where to write the private key (a new file)")
    keygen.set_defaults(func=cmd_audit_keygen)
    signer = audit.add_parser("sign", help="add your signature of an export's manifest.json")
    signer.add_argument("directory", help="an export directory")
    signer.add_argument("--key", required=True, help="your private key file")
    signer.set_defaults(func=cmd_audit_sign)

    for register in ("bodies", "delegates"):
        what = "represented bodies" if register == "bodies" else "the delegate register"
        group = sub.add_parser(register, help=f"{what} of a conference")
        imp = group.add_subparsers(dest=f"{register}_command", required=True).add_parser(
            "import", help=f"import {what} from a CSV file: all rows or none")
        imp.add_argument("--conference", required=True, help="conference short name, e.g. adc-2027")
        imp.add_argument("file", help="CSV file (UTF-8) with a header row")
        imp.set_defaults(func=cmd_register_import, register=register)

    conferences = sub.add_parser("conferences", help="conferences").add_subparsers(dest="conferences_command",
                                                                                 required=True)
    purge = conferences.add_parser("purge-personal-data", help="erase delegates' personal data after the retention "
                                   "period (the results and the audit trail stay)")
    which = purge.add_mutually_exclusive_group(required=True)
    which.add_argument("--conference", help="conference short name, e.g. adc-2027")
    which.add_argument("--due", action="store_true", help="every conference past its retention period (daily job)")
    purge.add_argument("--force", action="store_true", help="erase before the retention period ends (audited)")
    purge.add_argument("--dry-run", action="store_true", help="print what would be erased, change nothing")
    purge.set_defaults(func=cmd_conferences_purge)

    from unionvote.conferences.desk_cli import add_parsers as add_desk_parsers

    add_desk_parsers(sub, conferences, cmd_desk, cmd_quorum)

    from unionvote.ballots.cli import add_parsers as add_member_ballot_parsers

    add_member_ballot_parsers(sub)

    from unionvote.sealing.cli import add_parsers as add_trustee_parsers

    add_trustee_parsers(sub)

    from unionvote.translations_cli import add_parsers as add_translation_parsers

    add_translation_parsers(sub)

    demo = sub.add_parser("demo", help="create (or reuse) a demo database and serve it")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--no-serve", action="store_true", help="prepare the data and exit")
    demo.set_defaults(func=cmd_demo)
    code = sub.add_parser("demo-code", help="print the current two-factor code of a demo account")
    code.add_argument("email")
    code.set_defaults(func=cmd_demo_code)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # A command that ends a login (a revoked accreditation, say) tells the running workers at once: importing
    # the module registers the hooks that notice the change and, on PostgreSQL, announce it in its transaction.
    from unionvote import credentials

    redis_url = os.environ.get("UNIONVOTE_REDIS_URL")
    if redis_url and args.func not in (cmd_serve, cmd_demo):
        credentials.attach_hub(credentials.RedisAnnouncer(redis_url),
                               credentials.channel_for(os.environ.get("UNIONVOTE_REDIS_NAMESPACE", "uv")))
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
