"""The command line end to end, as a returning officer uses it: set up, note the head, export, verify,
and catch every kind of tampering by the line it happened on.

Each command runs in a child process against a real database: a SQLite file always, and a fresh
PostgreSQL database as well when UNIONVOTE_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, pool, select
from sqlalchemy.ext.asyncio import create_async_engine

from tests.pg import fresh_postgres_database_sync, postgres_url
from tests.subprocesses import UNIONVOTE, clean_env, unionvote
from unionvote.accounts.models import User
from unionvote.audit.chain import entry_hash
from unionvote.config import normalise_database_url

BACKENDS = [
    "sqlite",
    pytest.param("postgres", marks=[
        pytest.mark.postgres,
        pytest.mark.skipif(postgres_url() is None, reason="UNIONVOTE_TEST_POSTGRES_URL is not set"),
    ]),
]
ADMIN_PASSWORD = "a long passphrase for the returning officer"
MORE_ACCOUNTS = 4  # created by CLI processes running at the same time


@dataclass(frozen=True)
class Election:
    """What the returning officer has after setting up: a database, an export and the head they noted."""

    env: dict[str, str]
    workdir: Path
    export: Path
    head: str
    entries: int

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return unionvote(*args, env=self.env, cwd=self.workdir, stdin=stdin)

    def heads(self) -> dict[str, tuple[int, str]]:
        result = self.cli("audit", "heads")
        assert result.returncode == 0, result.stderr
        rows = [line.split("\t") for line in result.stdout.splitlines()]
        return {scope: (int(count), digest) for scope, count, digest in rows}


async def count_users(database_url: str) -> int:
    engine = create_async_engine(normalise_database_url(database_url), poolclass=pool.NullPool)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(select(func.count()).select_from(User))).scalar_one()
    finally:
        await engine.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL an operator would put in UNIONVOTE_DATABASE_URL: plain, the driver chosen by unionvote."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('cli') / 'unionvote.db'}"
        return
    with fresh_postgres_database_sync(postgres_url() or "") as url:
        yield url.replace("postgresql+asyncpg://", "postgresql://", 1)


@pytest.fixture(scope="module")
def election(database: str, tmp_path_factory: pytest.TempPathFactory) -> Election:
    workdir = tmp_path_factory.mktemp("officer")
    env = clean_env(UNIONVOTE_DATABASE_URL=database)

    def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        result = unionvote(*args, env=env, cwd=workdir, stdin=stdin)
        assert result.returncode == 0, f"unionvote {' '.join(args)}: {result.stdout}{result.stderr}"
        return result

    assert cli("db", "upgrade").stdout.strip() == "Database is at revision head."
    created = cli("users", "create", "--email", "Officer@Union.example", "--name", "Olu Officer", "--role", "admin",
                  "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
    assert created.stdout.strip() == "Created user 1 <officer@union.example> (admin)"

    # Several administrators at once: the appends queue on the chain's head, whatever the database.
    running = [subprocess.Popen([*UNIONVOTE, "users", "create", "--email", f"staff{n}@union.example",
                                 "--no-password"], env=env, cwd=workdir, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for n in range(MORE_ACCOUNTS)]
    for process in running:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, out + err

    heads = cli("audit", "heads").stdout.splitlines()
    assert len(heads) == 1
    scope, count, head = heads[0].split("\t")
    assert (scope, int(count)) == ("system", 1 + MORE_ACCOUNTS)
    assert re.fullmatch(r"[0-9a-f]{64}", head)

    export = workdir / "system.jsonl"
    wrote = cli("audit", "export", "--scope", "system", "--out", str(export)).stdout.strip()
    assert wrote == f"Wrote {count} entries of 'system' to {export}. Head: {head}"
    return Election(env=env, workdir=workdir, export=export, head=head, entries=int(count))


def test_an_untouched_export_verifies_against_the_noted_head(election: Election) -> None:
    lines = election.export.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["seq"] for line in lines] == list(range(1, election.entries + 1))
    assert {json.loads(line)["action"] for line in lines} == {"user.created"}
    assert "union.example" not in election.export.read_text()  # ids only, never email addresses

    for head_args in (["--head", election.head], ["--head", election.head.upper()], []):
        result = election.cli("audit", "verify", str(election.export), *head_args)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.strip() == f"OK: {election.entries} entries, head {election.head}"


# ---- tampering ------------------------------------------------------------------------------------

Lines = list[str]


def change_payload(lines: Lines) -> Lines:
    entry = json.loads(lines[2])
    entry["payload"]["user_id"] = 99
    return [*lines[:2], json.dumps(entry), *lines[3:]]


def change_payload_and_rehash(lines: Lines) -> Lines:
    entry = json.loads(lines[2])
    entry["payload"]["is_admin"] = False
    entry["hash"] = entry_hash(entry["prev_hash"], entry)  # a tamperer who knows the format
    return [*lines[:2], json.dumps(entry), *lines[3:]]


def delete_line(lines: Lines) -> Lines:
    return [*lines[:2], *lines[3:]]


def swap_lines(lines: Lines) -> Lines:
    return [*lines[:2], lines[3], lines[2], *lines[4:]]


def change_actor(lines: Lines) -> Lines:
    return [*lines[:3], lines[3].replace('"actor":"system"', '"actor":"user:1"'), *lines[4:]]


def break_json(lines: Lines) -> Lines:
    return [*lines[:1], lines[1][:-5], *lines[2:]]


def add_a_field(lines: Lines) -> Lines:
    entry = json.loads(lines[2])
    entry["note"] = "checked by the scrutineer"  # not covered by any hash, so not allowed
    return [*lines[:2], json.dumps(entry), *lines[3:]]


TAMPERING: dict[str, tuple[Callable[[Lines], Lines], str]] = {
    "payload changed": (change_payload, "line 3 (seq 3): hash does not match the entry's content"),
    "payload changed, hash recomputed": (change_payload_and_rehash,
                                         "line 4 (seq 4): prev_hash does not match the previous entry's hash"),
    "line deleted": (delete_line, "line 3 (seq 4): expected seq 3"),
    "two lines swapped": (swap_lines, "line 3 (seq 4): expected seq 3"),
    "actor changed": (change_actor, "line 4 (seq 4): hash does not match"),
    "line cut short": (break_json, "line 2 (seq ?): not valid JSON"),
    "field added": (add_a_field, "line 3 (seq 3): unexpected field(s) note"),
}


@pytest.mark.parametrize("how", TAMPERING)
def test_verify_names_the_line_that_was_tampered_with(election: Election, tmp_path: Path, how: str) -> None:
    tamper, expected = TAMPERING[how]
    copy = tmp_path / "tampered.jsonl"
    copy.write_text("\n".join(tamper(election.export.read_text(encoding="utf-8").splitlines())) + "\n")
    for head_args in ([], ["--head", election.head]):
        result = election.cli("audit", "verify", str(copy), *head_args)
        assert result.returncode == 1, result.stdout + result.stderr
        assert result.stdout.startswith(f"FAILED: {expected}"), result.stdout
        assert result.stderr == ""


def test_a_truncated_export_fails_only_against_the_noted_head(election: Election, tmp_path: Path) -> None:
    copy = tmp_path / "truncated.jsonl"
    copy.write_text("".join(election.export.read_text(encoding="utf-8").splitlines(keepends=True)[:-1]))
    shorter = election.entries - 1

    result = election.cli("audit", "verify", str(copy))  # a prefix is a valid chain of its own...
    assert result.returncode == 0 and result.stdout.startswith(f"OK: {shorter} entries")

    result = election.cli("audit", "verify", str(copy), "--head", election.head)  # ...that never reaches the head
    assert result.returncode == 1
    assert result.stdout.startswith(f"FAILED: the chain never reaches the expected head {election.head}")
    assert f"{shorter} entries" in result.stdout


def test_bytes_that_are_not_utf8_are_reported_not_crashed_on(election: Election, tmp_path: Path) -> None:
    data = election.export.read_bytes().split(b"\n")
    data[2] = data[2].replace(b'"action":"user.created"', b'"action":"user.cr\xe9ated"')
    copy = tmp_path / "latin1.jsonl"
    copy.write_bytes(b"\n".join(data))
    result = election.cli("audit", "verify", str(copy))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stdout.startswith("FAILED: line 3 (seq 3): ")


def test_verify_of_a_missing_file_says_so(election: Election) -> None:
    result = election.cli("audit", "verify", str(election.workdir / "nowhere.jsonl"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"unionvote: {election.workdir / 'nowhere.jsonl'} does not exist."


# ---- refusals change nothing ----------------------------------------------------------------------


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["--email", "not-an-email", "--no-password"], None, "unionvote: 'not-an-email' is not an email address."),
    (["--email", "OFFICER@union.example", "--no-password"], None,
     "unionvote: There is already an account for officer@union.example."),
    (["--email", "short@union.example", "--password-stdin"], "short\n", "unionvote: Use at least 10 characters."),
    (["--email", "chair@union.example", "--no-password", "--role", "chair", "--conference", "no-such-conference"],
     None, "unionvote: No conference with the short name 'no-such-conference'."),
    (["--email", "chair@union.example", "--no-password", "--role", "chair"], None,
     "unionvote: a conference role needs --conference SLUG."),
], ids=["bad email", "duplicate email", "weak password", "unknown conference", "role without conference"])
def test_a_refused_account_exits_nonzero_with_a_plain_message_and_creates_nothing(
    election: Election, args: list[str], stdin: str | None, message: str,
) -> None:
    result = election.cli("users", "create", *args, stdin=stdin)
    assert result.returncode != 0
    assert result.stderr.strip() == message
    assert result.stdout == ""
    assert election.heads() == {"system": (election.entries, election.head)}  # no user.created entry...
    assert asyncio.run(count_users(election.env["UNIONVOTE_DATABASE_URL"])) == election.entries  # ...and no account


def test_exporting_a_scope_that_has_no_chain_fails(election: Election) -> None:
    out = election.workdir / "nothing.jsonl"
    result = election.cli("audit", "export", "--scope", "conference:99", "--out", str(out))
    assert result.returncode != 0
    assert result.stderr.strip() == "unionvote: there is no audit chain for scope 'conference:99'."
    assert not out.exists()
