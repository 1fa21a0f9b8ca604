"""The server side of a trustee ballot, from the command line: set the trustees, export the tally, take decryptions.

    unionvote trustee seal --ballot ID --trustee PUBLIC.json [--trustee ...]   (a draft secret ballot)
    unionvote trustee tally --ballot ID --out TALLY.json                        (once it has closed)
    unionvote trustee submit --ballot ID PARTIAL.json                           (each trustee's decryption)

For a member ballot, --member-ballot SHORT-NAME in place of --ballot ID (ballots.sealed).

PUBLIC.json is the line `unionvote trustee keygen` printed; the trustee runs `unionvote trustee
decrypt` on TALLY.json on their own computer and hands back PARTIAL.json. Every step is audited.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from unionvote.config import DEFAULT_DATABASE_URL, Settings, normalise_database_url


def _fail(message: str, code: int = 2) -> int:
    print(f"unionvote: {message}", file=sys.stderr)
    return code


async def _run(args: argparse.Namespace, given: list[Any]) -> dict[str, Any] | None:
    """The step itself, in one transaction; `given` holds the files already read."""
    import unionvote.models  # noqa: F401 - every table, so a ballot's foreign keys resolve when it is updated
    from unionvote.db import make_engine, make_session_factory, session_scope
    from unionvote.sealing.trustees import TrusteePublic
    from unionvote.voting.models import SealingMode
    from unionvote.voting.sealed import receive_decryption, seal_ballot, tally_file
    from unionvote.voting.services import get_ballot

    url = normalise_database_url(os.environ.get("UNIONVOTE_DATABASE_URL", DEFAULT_DATABASE_URL))
    engine = make_engine(Settings(database_url=url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            if args.member_ballot:
                from unionvote.ballots.sealed import member_ballot_step

                return await member_ballot_step(db, args.trustee_command, args.member_ballot, given)
            ballot = await get_ballot(db, args.ballot)
            if args.trustee_command == "seal":
                trustees = [TrusteePublic.from_dict(data, name) for data, name in zip(given, args.trustee,
                                                                                       strict=True)]
                await seal_ballot(db, ballot, mode=SealingMode.TRUSTEES, trustees=trustees)
                return None
            if args.trustee_command == "tally":
                return await tally_file(db, ballot)
            await receive_decryption(db, ballot, given[0])
            return None
    finally:
        await engine.dispose()


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not JSON ({exc})") from None


def cmd_ballot_step(args: argparse.Namespace) -> int:
    from unionvote.errors import RuleViolation
    from unionvote.sealing.group import SealingError

    try:
        names = args.trustee if args.trustee_command == "seal" else [args.file] if args.trustee_command == "submit" \
            else []
        document = asyncio.run(_run(args, [_read(Path(name)) for name in names]))
        if document is not None:
            Path(args.out).write_text(json.dumps(document, sort_keys=True) + "\n", encoding="utf-8")
    except (RuleViolation, SealingError, OSError, ValueError) as exc:
        return _fail(str(exc))
    which = f"Member ballot {args.member_ballot}" if args.member_ballot else f"Ballot {args.ballot}"
    if args.trustee_command == "seal":
        print(f"{which} is sealed for {len(names)} trustee(s).")
    elif args.trustee_command == "tally":
        print(f"Sealed tally of {which[0].lower() + which[1:]} written to {args.out}.")
    else:
        print(f"Partial decryption of {which[0].lower() + which[1:]} accepted.")
    return 0


def add_ballot_steps(steps: argparse._SubParsersAction) -> None:
    seal = steps.add_parser("seal", help="(server) seal a draft secret ballot under the trustees' keys")
    seal.add_argument("--trustee", action="append", required=True, help="a trustee's public key file (the line "
                                                                        "'trustee keygen' printed); repeatable")
    tally = steps.add_parser("tally", help="(server) export a closed sealed ballot's tally for the trustees")
    tally.add_argument("--out", required=True)
    submit = steps.add_parser("submit", help="(server) take a trustee's partial decryption of a closed ballot")
    submit.add_argument("file")
    for step in (seal, tally, submit):
        which = step.add_mutually_exclusive_group(required=True)
        which.add_argument("--ballot", type=int, help="a conference ballot's id")
        which.add_argument("--member-ballot", help="a member ballot's short name")
        step.set_defaults(func=cmd_ballot_step)
