"""Reading a SQLite database and its write-ahead log as an attacker would.

The -wal file (https://www.sqlite.org/fileformat.html#the_write_ahead_log) is a 32-byte header, then
frames: a 24-byte header (page number, the database size in pages on a commit frame, salts) and a
page image. Frames up to a commit frame are one transaction, so until a checkpoint the log says which
pages each transaction changed, in order, with their contents before and after. The attacker takes:
- each transaction: the first in which a row's unique value (a token hash, a random id) appears is
  the one that wrote it; rows written by one transaction are tied together (the xmin of SQLite);
- each voter's transaction: which plaintext choices its pages hold more of than those pages' earlier
  versions (what the transaction added);
- the order of the voting transactions beside the order of the vote requests in the access log.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import struct
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from tests.integration.secrecy.attacker import Secret, participations
from tests.integration.secrecy.evidence import Row, access_log, row_text


@dataclass
class Commit:
    pages: dict[int, bytes]  # page number -> its image after this transaction

    def text(self) -> bytes:
        return b"\n".join(self.pages.values())


def wal_commits(wal: bytes) -> list[Commit]:
    """The transactions in the -wal file, in order (frames of an older generation, after a reset, are left out)."""
    if len(wal) < 32:
        return []
    page_size = struct.unpack_from(">I", wal, 8)[0]
    salts = wal[16:24]
    commits, pending, pos = [], {}, 32
    while pos + 24 + page_size <= len(wal):
        page, size_after = struct.unpack_from(">II", wal, pos)
        if wal[pos + 8:pos + 16] != salts:
            break
        pending[page] = wal[pos + 24:pos + 24 + page_size]
        pos += 24 + page_size
        if size_after:
            commits.append(Commit(pending))
            pending = {}
    return commits


@dataclass
class SqliteEvidence:
    rows: dict[str, list[Row]]  # Row.xmin: the index of the commit that wrote the row (-1: before the log)
    main: bytes
    wal: bytes
    commits: list[Commit]
    app_log: str
    checkpointed: bytes = b""  # the database file once the server has stopped (the -wal folded in)


def unique_values(values: dict[str, object]) -> list[bytes]:
    """A row's values distinctive enough to find it by: strings of 16 characters or more (their first 40, which
    sit on the row's own page even when the rest runs on to an overflow page)."""
    return [v[:40].encode() for v in values.values() if isinstance(v, str) and len(v) >= 16]


def take(database: Path, app_logs: list[Path], workdir: Path) -> SqliteEvidence:
    """Copy the database and its -wal while the server still holds them open (so nothing is checkpointed),
    then read every row from the copy."""
    main, wal = database.read_bytes(), Path(f"{database}-wal").read_bytes()
    copy = workdir / "copy.db"
    shutil.copyfile(database, copy)
    Path(f"{copy}-wal").write_bytes(wal)
    commits = wal_commits(wal)
    texts = [c.text() for c in commits]
    connection = sqlite3.connect(copy)
    connection.row_factory = sqlite3.Row
    rows: dict[str, list[Row]] = {}
    try:
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                   "AND name NOT LIKE 'sqlite_%'")]
        for table in tables:
            rows[table] = []
            for n, record in enumerate(connection.execute(f'SELECT * FROM "{table}"')):  # noqa: S608
                values = dict(record)
                needles = unique_values(values)
                written = next((i for i, text in enumerate(texts) if needles and all(v in text for v in needles)), -1)
                rows[table].append(Row(table, values, written, (0, n)))
    finally:
        connection.close()
    return SqliteEvidence(rows, main, wal, commits, "\n".join(p.read_text(errors="replace") for p in app_logs))


# ---- the joins --------------------------------------------------------------------------------

def voter_commits(evidence: SqliteEvidence, secret: Secret) -> dict[int, int]:
    return {int(r.values[secret.voter_column]): r.xmin for r in participations(evidence, secret)  # type: ignore[arg-type,call-overload]
            if r.xmin >= 0}


def by_commit_rows(evidence: SqliteEvidence, secret: Secret) -> dict[int, list[Row]]:
    """Every row written in the voter's transaction."""
    written: dict[int, list[Row]] = defaultdict(list)
    for rows in evidence.rows.values():
        for row in rows:
            written[row.xmin].append(row)
    return {voter: written[commit] for voter, commit in voter_commits(evidence, secret).items()}


def added_by(evidence: SqliteEvidence, commit: int, secret: Secret) -> Counter[str]:
    """The plaintext choices the commit's pages hold more of than the same pages before it."""
    counts: Counter[str] = Counter()
    for page, image in evidence.commits[commit].pages.items():
        before = next((c.pages[page] for c in reversed(evidence.commits[:commit]) if page in c.pages), b"")
        for label, encodings in secret.needles.items():
            counts[label] += sum(image.count(e) for e in encodings) - sum(before.count(e) for e in encodings)
    return +counts


def by_wal_pages(evidence: SqliteEvidence, secret: Secret) -> dict[int, bytes]:
    """What each voter's transaction added to its pages: the labels whose encodings it added, then its pages."""
    linked = {}
    for voter, commit in voter_commits(evidence, secret).items():
        added = " ".join(json.dumps([label]) for label in added_by(evidence, commit, secret))
        linked[voter] = added.encode()
    return linked


def by_access_log(evidence: SqliteEvidence, secret: Secret) -> dict[int, bytes]:
    """The n-th vote request beside the n-th voting transaction in the log, and what that transaction added."""
    if secret.vote_paths is None:
        return {}
    requests = [e for e in access_log(evidence.app_log) if e.get("method") == "POST"
                and secret.vote_paths.fullmatch(str(e.get("path"))) and e.get("status") in (200, 201, 303)]
    commits = sorted(set(voter_commits(evidence, secret).values()))
    in_order = sorted(voter_commits(evidence, secret).items(), key=lambda item: item[1])
    linked = {}
    for n, request in enumerate(requests[:len(commits)]):
        user = request.get("user_id")
        voter = secret.user_of[int(user)] if secret.user_of and user is not None else in_order[n][0]  # type: ignore[call-overload]
        added = " ".join(json.dumps([label]) for label in added_by(evidence, commits[n], secret))
        linked[voter] = (json.dumps(request) + "\n" + added).encode()
    return linked


def by_file_offsets(evidence: SqliteEvidence, secret: Secret) -> dict[int, bytes]:
    """After the checkpoint, the file alone: a page's cells are laid down from its end as they are inserted, so
    the rows of each table, by where they sit in the file, beside the voters in the order they voted."""
    if not evidence.checkpointed:
        return {}

    def place(row: Row) -> tuple[int, int]:
        offsets = [evidence.checkpointed.find(v) for v in unique_values(row.values)]
        found_at = min((o for o in offsets if o >= 0), default=-1)
        page, within = divmod(found_at, 4096)
        return page, -within

    voters = [int(r.values[secret.voter_column])  # type: ignore[call-overload]
              for r in sorted(participations(evidence, secret), key=lambda r: r.values["id"])]  # type: ignore[arg-type,return-value]
    linked: dict[int, list[str]] = {v: [] for v in dict.fromkeys(voters)}
    order = list(linked)
    for table, rows in evidence.rows.items():
        mine = sorted((r for r in rows if secret.belongs(r.values) and unique_values(r.values)), key=place)
        if table == secret.participation or not mine or len(mine) % len(order):
            continue
        k = len(mine) // len(order)
        for n, voter in enumerate(order):
            linked[voter] += [row_text(r.table, r.values) for r in mine[n * k:(n + 1) * k]]
    return {voter: "\n".join(texts).encode() for voter, texts in linked.items()}


def every_join(evidence: SqliteEvidence, secret: Secret) -> dict[str, dict[int, bytes]]:
    rows = {voter: "\n".join(row_text(r.table, r.values) for r in linked).encode()
            for voter, linked in by_commit_rows(evidence, secret).items()}
    return {"wal transaction rows": rows, "wal page changes": by_wal_pages(evidence, secret),
            "access log": by_access_log(evidence, secret), "file offsets": by_file_offsets(evidence, secret)}
