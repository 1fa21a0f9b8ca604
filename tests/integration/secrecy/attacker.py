"""The attacker: every way we know of to tie a voter to what their request wrote, and then a look at
what that is.

Each join gives, per voter, the evidence it links to them (rows, log text, WAL bytes):
- xmin: every row in every table written in the voter's transaction;
- ctid: the ballot's rows of each table in physical order, beside the voters in physical order;
- dump: the same, by the order of the rows in `pg_dump`'s COPY blocks;
- timestamps: the PostgreSQL log's transaction nearest in time to the voter's participation;
- postgres log: the logged transaction whose parameters hold the voter's participation row;
- access log: the n-th vote request (its user, and its order) beside the n-th vote written;
- WAL: every record of the voter's transaction, decoded (tuples, inflated and TOAST values);
- tokens: every token-like string anywhere, tried as the voter's ballot token (the content id is an
  HMAC keyed by it over the choice).
Then `learned` asks of each link whether a plaintext choice is in it, and `varying_fields` whether
any linked row has a field that varies with the choice (anything but constants, voter attributes,
and all-distinct values of one length, which is what ciphertexts, proofs and random ids look like).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from tests.integration.secrecy.evidence import Evidence, Row, access_log, log_entries, row_text, transactions_in_log

# Columns that describe the voter, not the vote (their card, their workplace, who they are, when).
VOTER_FIELDS = {"weight", "employer", "workplace", "region", "branch", "delegate_id", "member_id", "user_id",
                "voted_at", "token_hash", "last_used_at", "name", "email", "mobile", "membership_number",
                "credential_used_at"}
# Tables about voters, not votes (the member's "has voted" mark, turnout counters per workplace): a plaintext
# choice there is still caught by `learned`.
VOTER_TABLES = {"member", "member_turnout", "api_token", "user_account"}


@dataclass
class Secret:
    """One ballot's votes as the attacker approaches them, and the truth to judge the attack by."""

    kind: str
    participation: str  # the table saying who voted
    voter_column: str
    belongs: Callable[[dict[str, object]], bool]  # is this row the ballot's?
    truth: dict[int, object]  # voter id -> choice
    needles: dict[str, list[bytes]]  # choice label -> its plaintext encodings
    labels: Callable[[object], set[str]]  # a true choice -> its labels
    vote_paths: re.Pattern[str] | None = None  # this ballot's vote requests in the access log
    user_of: dict[int, int] | None = None  # user id -> voter id (who the access log names)
    ballot_id: int | None = None  # for the token attack (conference ballots)
    options: tuple[str, ...] = ()


def json_needles(values: Iterable[str]) -> dict[str, list[bytes]]:
    return {v: [json.dumps(v).encode(), json.dumps([v], separators=(",", ":")).encode()] for v in values}


def ranking_needles(candidates: list[str]) -> dict[str, list[bytes]]:
    needles = {}
    for size in range(1, len(candidates) + 1):
        for order in itertools.permutations(candidates, size):
            label = " ".join(order)
            needles[label] = [json.dumps(list(order), separators=(",", ":")).encode(), json.dumps(list(order)).encode()]
    return needles


def found(secret: Secret, blob: bytes) -> frozenset[str]:
    return frozenset(label for label, encodings in secret.needles.items() if any(e in blob for e in encodings))


# ---- the joins --------------------------------------------------------------------------------

def participations(evidence: Evidence, secret: Secret) -> list[Row]:
    return [r for r in evidence.rows[secret.participation] if secret.belongs(r.values)]


def voter_xids(evidence: Evidence, secret: Secret) -> dict[int, int]:
    return {int(r.values[secret.voter_column]): r.xmin for r in participations(evidence, secret)}  # type: ignore[call-overload]


def voters_in_order(rows: list[Row], secret: Secret) -> list[int]:
    return list(dict.fromkeys(int(r.values[secret.voter_column]) for r in rows))  # type: ignore[call-overload]


def by_xmin(evidence: Evidence, secret: Secret) -> dict[int, list[Row]]:
    xids = voter_xids(evidence, secret)
    written: dict[int, list[Row]] = defaultdict(list)
    for rows in evidence.rows.values():
        for row in rows:
            written[row.xmin].append(row)
    return {voter: written[xid] for voter, xid in xids.items()}


def _zip_in_order(voters: list[int], tables: dict[str, list[dict[str, object]]]) -> dict[int, list[str]]:
    """Each table's rows (in the order given) beside the voters, k rows each, where the counts fit."""
    linked: dict[int, list[str]] = {v: [] for v in voters}
    for table, rows in tables.items():
        if not voters or not rows or len(rows) % len(voters):
            continue
        k = len(rows) // len(voters)
        for n, voter in enumerate(voters):
            linked[voter] += [row_text(table, row) for row in rows[n * k:(n + 1) * k]]
    return linked


def by_ctid(evidence: Evidence, secret: Secret) -> dict[int, list[str]]:
    voters = voters_in_order(participations(evidence, secret), secret)
    tables = {t: [r.values for r in rows if secret.belongs(r.values)] for t, rows in evidence.rows.items()
              if t != secret.participation}
    return _zip_in_order(voters, tables)


COPY = re.compile(r"^COPY public\.(\w+) \(([^)]*)\) FROM stdin;\n(.*?)^\\\.$", re.MULTILINE | re.DOTALL)


def dump_tables(dump: str) -> dict[str, list[dict[str, object]]]:
    tables = {}
    for found_copy in COPY.finditer(dump):
        columns = [c.strip().strip('"') for c in found_copy.group(2).split(",")]
        tables[found_copy.group(1)] = [
            {c: (None if v == "\\N" else _number(v)) for c, v in zip(columns, line.split("\t"), strict=False)}
            for line in found_copy.group(3).splitlines()]
    return tables


def _number(value: str) -> object:
    return int(value) if value.isdigit() else value


def by_dump_order(evidence: Evidence, secret: Secret) -> dict[int, list[str]]:
    tables = dump_tables(evidence.dump)
    voters = voters_in_order([Row(secret.participation, r, 0, (0, 0)) for r in tables[secret.participation]
                              if secret.belongs(r)], secret)
    return _zip_in_order(voters, {t: [r for r in rows if secret.belongs(r)] for t, rows in tables.items()
                                  if t != secret.participation})


def by_postgres_log(evidence: Evidence, secret: Secret) -> dict[int, str]:
    """The logged transaction holding a value only the voter's participation row has (its token hash)."""
    transactions = transactions_in_log(evidence.postgres_log)
    linked: dict[int, str] = defaultdict(str)
    for row in participations(evidence, secret):
        needle = str(row.values["token_hash"])
        for text in transactions.values():
            if needle in text:
                linked[int(row.values[secret.voter_column])] += text  # type: ignore[call-overload]
    return dict(linked)


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace(" UTC", "").replace(" GMT", "")).replace(tzinfo=UTC)


def by_timestamps(evidence: Evidence, secret: Secret) -> dict[int, str]:
    """The logged writing transaction whose statements are nearest in time to the voter's participation."""
    transactions = transactions_in_log(evidence.postgres_log)
    entries = [e for e in log_entries(evidence.postgres_log)  # statements of transactions that wrote something
               if (e.pid, e.vxid) in transactions and "INSERT INTO" in transactions[(e.pid, e.vxid)]]
    linked = {}
    for row in participations(evidence, secret):
        voted = datetime.fromisoformat(str(row.values["voted_at"])).astimezone(UTC)
        nearest = min(entries, key=lambda e: abs((_moment(e.time) - voted).total_seconds()))
        linked[int(row.values[secret.voter_column])] = transactions[(nearest.pid, nearest.vxid)]  # type: ignore[call-overload]
    return linked


def by_access_log(evidence: Evidence, secret: Secret) -> dict[int, list[str]]:
    """The n-th vote request in the access log (which names its user) beside the n-th vote in the database."""
    if secret.vote_paths is None:
        return {}
    requests = [e for e in access_log(evidence.app_log) if e.get("method") == "POST"
                and secret.vote_paths.fullmatch(str(e.get("path"))) and e.get("status") in (200, 201, 303)]
    written = sorted(participations(evidence, secret), key=lambda r: r.xmin)
    xids = list(dict.fromkeys(r.xmin for r in written))
    rows_of = defaultdict(list)
    for rows in evidence.rows.values():
        for row in rows:
            rows_of[row.xmin].append(row.text())
    linked: dict[int, list[str]] = {}
    voters = voters_in_order(written, secret)
    for n, request in enumerate(requests[:len(xids)]):
        user = request.get("user_id")
        voter = secret.user_of[int(user)] if secret.user_of and user is not None else voters[n]  # type: ignore[call-overload]
        linked[voter] = [json.dumps(request), *rows_of[xids[n]]]
    return linked


def by_wal(evidence: Evidence, secret: Secret) -> dict[int, bytes]:
    return {voter: evidence.wal.decoded(xid, evidence.toast) for voter, xid in voter_xids(evidence, secret).items()}


def _keyed(token: str, message: bytes) -> str:
    return hmac.new(token.encode(), message, hashlib.sha256).hexdigest()[:32]


def token_ids(ballot_id: int, token: str, options: Iterable[str]) -> dict[str, str | None]:
    """The row ids a ballot token names, as docs/audit-format.md gives them: an open vote's content id, a
    sealed vote's id, and (as the first sealed votes had it) a sealed id over the choice -> the choice it names."""
    ids: dict[str, str | None] = {_keyed(token, f"ballot-content:{ballot_id}".encode()): None,
                                  _keyed(token, f"ballot-sealed:{ballot_id}".encode()): None}
    for option in options:
        ids[_keyed(token, f"ballot-sealed:{ballot_id}:".encode() + json.dumps([option]).encode())] = option
    return ids


def by_tokens(evidence: Evidence, secret: Secret, extra: Iterable[str] = ()) -> dict[int, list[str]]:
    """Every token-like string in the dump, the logs and the WAL (and `extra`), tried as a ballot token: its hash
    names the voter (participation.token_hash); the ids it names find their rows, or say their choice."""
    if secret.ballot_id is None:
        return {}
    from unionvote.voting.receipts import token_hash

    voters = {str(r.values["token_hash"]): int(r.values[secret.voter_column])  # type: ignore[call-overload]
              for r in participations(evidence, secret)}
    rows = {str(r.values["id"]): r for table_rows in evidence.rows.values() for r in table_rows
            if r.values.get("ballot_id") == secret.ballot_id and isinstance(r.values.get("id"), str)}
    linked: dict[int, list[str]] = {}
    for token in evidence.token_like | set(extra):
        voter = voters.get(token_hash(secret.ballot_id, token))
        if voter is None:
            continue
        for row_id, option in token_ids(secret.ballot_id, token, secret.options).items():
            if row_id in rows:
                linked.setdefault(voter, []).append(rows[row_id].text())
                if option is not None:
                    linked[voter].append(json.dumps([option]))
    return linked


def every_join(evidence: Evidence, secret: Secret) -> dict[str, dict[int, bytes]]:
    """join name -> voter -> the evidence it ties to them, as bytes."""
    def blob(value: object) -> bytes:
        if isinstance(value, bytes):
            return value
        if isinstance(value, list):
            return "\n".join(v.text() if isinstance(v, Row) else str(v) for v in value).encode()
        return str(value).encode()

    joins = {"xmin": by_xmin(evidence, secret), "ctid": by_ctid(evidence, secret),
             "dump order": by_dump_order(evidence, secret), "postgres log": by_postgres_log(evidence, secret),
             "timestamps": by_timestamps(evidence, secret), "access log": by_access_log(evidence, secret),
             "wal": by_wal(evidence, secret), "tokens": by_tokens(evidence, secret)}
    return {name: {voter: blob(v) for voter, v in linked.items()} for name, linked in joins.items()}


def learned(secret: Secret, linked: dict[int, bytes]) -> dict[int, frozenset[str]]:
    """What each voter's linked evidence says they chose, for the voters it says anything of.

    A plaintext found the same for every voter (an option list, say) tells nothing about anyone."""
    seen = {voter: found(secret, blob) for voter, blob in linked.items()}
    if len(set(seen.values())) <= 1 and len(seen) > 1:
        return {}
    return {voter: labels for voter, labels in seen.items() if labels}


# ---- the rows a voter is tied to: does any field vary with the choice? ------------------------

def _flatten(value: object, path: str = "") -> dict[str, object]:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            pass
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _flatten(item, f"{path}.{key}").items()}
    if isinstance(value, list):
        return {k: v for n, item in enumerate(value) for k, v in _flatten(item, f"{path}[{n}]").items()}
    return {path: value}


def presence_follows_choice(secret: Secret, present: set[int], voters: set[int]) -> bool:
    """Whether a table written for some voters only is written for exactly those who made certain choices
    (a table written for some, for another reason, as when a voter checked the sealing first, is not)."""
    by_choice: dict[str, set[bool]] = defaultdict(set)
    for voter in voters:
        by_choice[json.dumps(secret.truth[voter], sort_keys=True)].add(voter in present)
    return all(len(seen) == 1 for seen in by_choice.values())


def varying_fields(secret: Secret, linked: dict[int, list[Row]]) -> list[str]:
    """Fields of the rows tied to voters that could carry the choice: a structure that differs between voters,
    or a field neither constant, nor the voter's own attribute, nor all-distinct values of one length."""
    problems = []
    per_table: dict[str, dict[int, list[Row]]] = defaultdict(dict)
    for voter, rows in linked.items():
        for row in rows:
            per_table[row.table].setdefault(voter, []).append(row)
    for table, by_voter in per_table.items():
        if table in VOTER_TABLES:
            continue
        shapes = {voter: [_flatten(r.values) for r in sorted(rows, key=lambda r: r.ctid)]
                  for voter, rows in by_voter.items()}
        if len(by_voter) < len(linked) and presence_follows_choice(secret, set(by_voter), set(linked)):
            problems.append(f"{table}: written for exactly the voters of some choices")
        if len({tuple(tuple(sorted(s)) for s in rows) for rows in shapes.values()}) > 1:
            problems.append(f"{table}: its rows' structure differs between voters")
            continue
        first = next(iter(shapes.values()))
        for n, fields in enumerate(first):
            for path in fields:
                values = [rows[n][path] for rows in shapes.values()]
                name = re.sub(r"\[\d+\]", "", path).rsplit(".", 1)[-1]
                if len(set(map(str, values))) == 1 or name in VOTER_FIELDS:
                    continue
                if isinstance(values[0], int) and len(set(values)) == len(values):
                    continue  # serial ids: the order of writing, already known
                if len(set(values)) == len(values) and len({len(str(v)) for v in values}) == 1:
                    continue  # random-looking: all different, all one length
                problems.append(f"{table}{path}: {sorted(set(map(str, values)))[:4]}")
    return problems


def all_distinct_ciphertexts(rows: Iterable[Row]) -> list[str]:
    """Hex strings of 64 or more digits that occur twice across the given rows (fresh randomness never repeats)."""
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        for value in _flatten(row.values).values():
            if isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64,}", value):
                counts[value] += 1
    return [value for value, count in counts.items() if count > 1]


def opened_papers_by_voter(evidence: Evidence, secret: Secret) -> dict[int, str]:
    """After the count: every sealed paper opened with the shares the database holds (as the published verifier
    does), each tied to its voter by the transaction that wrote it."""
    from unionvote.sealing.group import Point
    from unionvote.sealing.papers import open_papers, read_decryption
    from unionvote.voting.models import BallotSealing
    from unionvote.voting.sealed import sealing_document
    from unionvote.voting.sealed_papers import sealed_papers_of

    ballot_id = next(int(r.values["ballot_id"]) for r in participations(evidence, secret))  # type: ignore[call-overload]
    [sealing] = [r for r in evidence.rows["ballot_sealing"] if r.values["ballot_id"] == ballot_id]
    facts = sealing_document(BallotSealing(**sealing.values))
    rows = sorted((r for r in evidence.rows["ballot_sealed_vote"] if r.values["ballot_id"] == ballot_id),
                  key=lambda r: str(r.values["id"]))
    papers = sealed_papers_of(facts, [{"id": r.values["id"], "sealed": json.loads(str(r.values["sealed"]))}
                                      for r in rows])
    shares = [read_decryption(json.loads(str(d.values["document"])), facts["label"], papers,
                              Point.from_hex(str(d.values["public_key"])))
              for d in evidence.rows["ballot_decryption"] if d.values["ballot_id"] == ballot_id]
    rankings = open_papers(Point.from_hex(facts["election_key"]), facts["label"], papers, shares,
                           facts["paper"]["candidates"])
    options = [key for key, _ in json.loads(str(next(r for r in evidence.rows["ballot"]
                                                     if r.values["id"] == ballot_id).values["options"]))]
    opened = {row.xmin: json.dumps([options[i] for i in ranking], separators=(",", ":"))
              for row, ranking in zip(rows, rankings, strict=True)}
    return {voter: opened[xid] for voter, xid in voter_xids(evidence, secret).items() if xid in opened}
