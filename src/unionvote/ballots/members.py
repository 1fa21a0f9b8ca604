"""The membership a ballot is put to: a streaming, all-or-nothing CSV import, additions and removals.

The file is read twice as a text stream, never whole into memory: the first pass checks
every row and collects every problem; only a clean file gets the second pass, which
turns each row into its stored form without checking it again and writes it (on
PostgreSQL one COPY fed as the file is read, elsewhere executemany in large batches).
Names, emails and mobiles stay in the member table only; the audit chain gets ids and
counts. The dashboard's counts (MemberTurnout) of the members added are written here too.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import itertools
import json
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import IO, Any

from sqlalchemy import func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.services import EMAIL_RE
from unionvote.audit.services import actor_of, record
from unionvote.ballots.import_mappings import NAME_PARTS, ColumnMapping, closest, detect
from unionvote.ballots.models import SEGMENTS, Member, MemberBallotState, MemberTurnout
from unionvote.ballots.services import MemberBallotError, lock_ballot, scope_for
from unionvote.conferences.csvtable import CONTROL_RE, MOBILE_RE, RowProblem, phone_number
from unionvote.db import is_postgres, utcnow
from unionvote.i18n import _

NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./-]{0,31}$")
BATCH = 20_000  # rows per executemany on SQLite
SHOWN_PROBLEMS = 200  # a page lists this many bad rows; the CLI lists every one


@dataclass(frozen=True)
class MemberColumn:
    """A column of the member table; the headings it may have in a file are in ballots.import_mappings."""

    name: str
    required: bool = False
    max_length: int = 200


COLUMNS = (
    MemberColumn("membership number", required=True, max_length=32),
    MemberColumn("name"),
    MemberColumn("email"),
    MemberColumn("mobile"),
    MemberColumn("employer", required=True),
    MemberColumn("workplace"),
    MemberColumn("region"),
    MemberColumn("branch"),
)
FIELD_OF = {"membership number": "membership_number", "name": "name", "email": "email", "mobile": "mobile",
            "employer": "employer", "workplace": "workplace", "region": "region", "branch": "branch"}


class MembersFileRejected(MemberBallotError):
    """Nothing was imported; `problems` holds every bad row in file order."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        count = len(problems)
        rows = "1 row of the file has a problem" if count == 1 else f"{count:,} rows of the file have problems"
        super().__init__("\n".join([f"Nothing was imported: {rows}.", *map(str, problems[:SHOWN_PROBLEMS])]))


@dataclass(frozen=True)
class ImportedMembers:
    added: int
    file_sha256: str
    mapping: ColumnMapping


BY_NAME = {col.name: col for col in COLUMNS}
REQUIRED = tuple(col.name for col in COLUMNS if col.required)


def _header_problems(header: list[str], targets: list[str | None], mapping: ColumnMapping, *, chosen: bool
                     ) -> list[str]:
    """What is wrong with the first row under `mapping`: repeated or missing columns, said in the file's words."""
    counted = Counter(target for target in targets if target is not None)
    problems = [f"column '{name}' appears twice" for name, n in counted.items() if n > 1]
    extra_names = [cell.strip() for cell, target in zip(header, targets, strict=True) if target is None]
    if len(set(extra_names)) != len(extra_names) or "" in extra_names:
        problems.append("every extra column needs a heading of its own")
    missing = [name for name in REQUIRED if name not in counted]
    problems += [f"the header lacks '{name}' (the {mapping.key} mapping reads it from a column headed "
                 f"{mapping.headings_words(name)})" for name in missing]
    if missing:
        fits = detect(header, REQUIRED)
        if chosen and fits is not None:
            problems.append(f"the headings fit the mapping '{fits.label}': choose that one, or detection")
        elif fits is None:
            problems.append("no column mapping finds every required column in these headings")
    if problems:
        known = ", ".join(_column_words(mapping, target) for target in mapping.headings)
        problems.append(f"the columns the {mapping.key} mapping reads are: {known}, plus any extra columns you "
                        "want to count turnout by")
    return problems


def _column_words(mapping: ColumnMapping, target: str) -> str:
    """'Member No' (membership number), or 'name' (optional) where the heading says what it is."""
    heading = mapping.headings[target][0]
    notes = ([] if heading.lower() == target else [target]) + ([] if target in REQUIRED else ["optional"])
    return f"'{heading}'" + (f" ({', '.join(notes)})" if notes else "")


class _Reader:
    """One pass over the file: (line, cells, None) per non-blank row or (line, None, why) for a broken one.

    Also hashes the file as it goes, and knows where each known column and each extra column sits,
    under the chosen column mapping (or the one detected from the headings when none was chosen).
    """

    def __init__(self, stream: IO[bytes], mapping: ColumnMapping | None = None) -> None:
        stream.seek(0)
        self.digest = hashlib.sha256()
        self.text = io.TextIOWrapper(io.BufferedReader(_Hashing(stream, self.digest), 1 << 16),
                                     encoding="utf-8-sig", newline="")
        first = self.text.readline()
        if not first.strip():
            raise MembersFileRejected([RowProblem(1, ("the file is empty",))])
        counts = {d: first.count(d) for d in (",", ";", "\t")}
        self.delimiter = max(counts, key=lambda d: (counts[d], d == ","))
        header = next(csv.reader([first], delimiter=self.delimiter))
        self.mapping = mapping or closest(header, REQUIRED)[0]
        targets = self.mapping.targets(header)
        problems = _header_problems(header, targets, self.mapping, chosen=mapping is not None)
        if problems:
            raise MembersFileRejected([RowProblem(1, tuple(problems))])
        self.header = [BY_NAME.get(target) if target else None for target in targets]
        where = {target: i for i, target in enumerate(targets) if target is not None}
        # Each known column's cell; a column the file lacks reads the empty cell rows() adds after the last.
        self._known = itemgetter(*(where.get(col.name, len(self.header)) for col in COLUMNS))
        self._name_parts = tuple(where[part] for part in NAME_PARTS if part in where)
        # Extra columns in sorted order, with their JSON keys made once: the stored JSON has sorted keys.
        self.extra_at = sorted((json.dumps(cell.strip(), ensure_ascii=False), i)
                               for i, (cell, target) in enumerate(zip(header, targets, strict=True)) if target is None)

    def rows(self) -> Iterator[tuple[int, list[str] | None, str | None]]:
        reader = csv.reader(self.text, delimiter=self.delimiter, strict=True)
        width, line = len(self.header), 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                yield line + 1, None, "is not UTF-8 text: save the file from your spreadsheet as 'CSV UTF-8'"
                return
            except csv.Error as exc:
                yield line + 1, None, f"the quoting is broken ({exc}); check for a stray double quote"
                return
            start, line = line + 1, reader.line_num + 1
            cells = list(map(str.strip, cells))
            if not any(cells):
                continue
            if len(cells) > width:
                if any(cells[width:]):
                    yield start, None, f"has {len(cells)} values but the header names {width} columns"
                    continue
                del cells[width:]
            cells += [""] * (width + 1 - len(cells))
            yield start, cells, None

    def values(self, cells: list[str]) -> list[str]:
        """The known columns' values in COLUMNS order, '' where the file has no such column."""
        values = list(self._known(cells))
        if self._name_parts:  # a forename and a surname column make the one name
            values[NAME] = " ".join(filter(None, (cells[i] for i in self._name_parts)))
        if '="' in "".join(values):
            values = [_unwrap(value) for value in values]
        return values

    def extra_json(self, cells: list[str]) -> str | None:
        """The extra columns as canonical JSON (sorted keys, no spaces), as json.dumps would write it."""
        if not self.extra_at:
            return None
        return "{" + ",".join(key + ":" + _json_string(cells[i]) for key, i in self.extra_at) + "}"


class _Hashing(io.RawIOBase):
    """Passes bytes through while hashing them, so the audit records the file's SHA-256 in the same pass."""

    def __init__(self, inner: IO[bytes], digest: Any) -> None:
        self.inner, self.digest = inner, digest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        self.digest.update(data)
        buffer[:len(data)] = data
        return len(data)


def _unwrap(value: str) -> str:
    if value[:2] == '="' and value[-1:] == '"':  # the spreadsheet trick for leading zeros
        return value[2:-1].strip()
    return value


_json_string = json.encoder.encode_basestring  # type: ignore[attr-defined]  # what json.dumps uses for str
_LIMITS = [(col.name, col.max_length, col.required) for col in COLUMNS]
NUMBER, NAME, EMAIL, MOBILE, EMPLOYER = 0, 1, 2, 3, 4  # positions in COLUMNS
NUMBER_LIMIT = COLUMNS[NUMBER].max_length
SHORTEST_LIMIT = min(col.max_length for col in COLUMNS[1:])


def _reasons(values: list[str], extra: Sequence[str]) -> list[str]:
    """Every reason one row is bad (values in COLUMNS order). The hot loop of a 500,000-row check."""
    reasons: list[str] = []
    number = values[NUMBER]
    # Most rows: both required values present and nothing near a length limit, so skip the column-by-column look.
    if not (number and values[EMPLOYER] and len(number) <= NUMBER_LIMIT and max(map(len, values)) <= SHORTEST_LIMIT):
        for (name, limit, required), value in zip(_LIMITS, values, strict=True):
            if not value:
                if required:
                    reasons.append(f"{name} is missing")
            elif len(value) > limit:
                reasons.append(f"{name} is longer than {limit} characters")
    if CONTROL_RE.search("".join(values)):
        reasons += [f"{name} contains a line break or control character"
                    for (name, _, _), value in zip(_LIMITS, values, strict=True) if CONTROL_RE.search(value)]
    if number and len(number) <= NUMBER_LIMIT and not NUMBER_RE.match(number):
        reasons.append(f"membership number '{number}' may hold only letters, digits, dots, dashes and slashes")
    if values[EMAIL] and not EMAIL_RE.match(values[EMAIL]):
        reasons.append(f"email '{values[EMAIL]}' is not an email address")
    if values[MOBILE] and not MOBILE_RE.match(values[MOBILE]) and phone_number(values[MOBILE]) is None:
        reasons.append(f"mobile '{values[MOBILE]}' is not a phone number (7 to 15 digits, + allowed)")
    if extra and (any(len(value) > 200 for value in extra) or CONTROL_RE.search("".join(extra))):
        reasons.append("an extra column is longer than 200 characters or has a control character")
    return reasons


def _stored(ballot_id: int, values: list[str], extra: str | None) -> tuple[Any, ...]:
    """A checked row as the member table holds it, in COPY_COLUMNS order."""
    number, name, email, mobile, employer, workplace, region, branch = values
    if mobile and not MOBILE_RE.match(mobile):
        mobile = phone_number(mobile)  # type: ignore[assignment]  # checked: never None here
    return (ballot_id, number.upper(), name or None, email or None, mobile or None, employer, workplace, region,
            branch, extra)


def check_row(known: dict[str, str], extra: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """One row given by column name (a member added by hand): its values as stored, and every reason it is bad."""
    values = [_unwrap(known.get(col.name, "").strip()) for col in COLUMNS]
    reasons = _reasons(values, list(extra.values()))
    extra_json = json.dumps(extra, sort_keys=True, separators=(",", ":"), ensure_ascii=False) if extra else None
    return dict(zip(COPY_COLUMNS[1:], _stored(0, values, extra_json)[1:], strict=True)), reasons


async def _existing_numbers(db: AsyncSession, ballot_id: int) -> set[str]:
    return set((await db.execute(select(Member.membership_number).where(Member.ballot_id == ballot_id))).scalars())


def validate(stream: IO[bytes], existing: set[str], mapping: ColumnMapping | None = None
             ) -> tuple[int, str, ColumnMapping]:
    """First pass: every problem in the file, or (rows, file hash, the mapping read with) when it is clean."""
    reader = _Reader(stream, mapping)
    seen: dict[str, int] = {}
    problems: list[RowProblem] = []
    rows = 0
    # The extra columns' cells, then the empty cell after the last, so this always gives a tuple.
    extra_of = itemgetter(*(i for _, i in reader.extra_at), len(reader.header))
    for line, cells, broken in reader.rows():
        if cells is None:
            problems.append(RowProblem(line, (broken,)))  # type: ignore[arg-type]
            continue
        values = reader.values(cells)
        reasons = _reasons(values, extra_of(cells))
        number = values[NUMBER].upper()
        if number in existing:
            reasons.append(f"membership number '{number}' is in this ballot already")
        elif number and number in seen:
            reasons.append(f"membership number '{number}' is also on line {seen[number]}")
        elif number:
            seen[number] = line
        if reasons:
            problems.append(RowProblem(line, tuple(reasons)))
        rows += 1
    if problems:
        raise MembersFileRejected(problems)
    if rows == 0:
        raise MembersFileRejected([RowProblem(1, ("the file has a header but no rows below it",))])
    return rows, reader.digest.hexdigest(), reader.mapping


COPY_COLUMNS = ("ballot_id", "membership_number", "name", "email", "mobile", "employer", "workplace", "region",
                "branch", "extra")


def _checked_rows(stream: IO[bytes], ballot_id: int, segments: Counter[tuple[str, ...]], mapping: ColumnMapping
                  ) -> Iterator[tuple[Any, ...]]:
    """Second pass over a file the first pass found clean: each row as stored, without checking it again.

    Counts the members of each (employer, workplace, region, branch) as it goes, for member_turnout.
    """
    reader = _Reader(stream, mapping)
    for _line, cells, _broken in reader.rows():
        values = reader.values(cells)  # type: ignore[arg-type]
        segments[tuple(values[EMPLOYER:])] += 1
        yield _stored(ballot_id, values, reader.extra_json(cells))  # type: ignore[arg-type]


async def count_entitled(db: AsyncSession, ballot_id: int, segments: Counter[tuple[str, ...]]) -> None:
    """Add newly added members to the dashboard's counts (updates are counted by a trigger: see MemberTurnout)."""
    by_value: Counter[tuple[str, str]] = Counter()
    for values, n in segments.items():
        for kind, value in zip(SEGMENTS, values, strict=True):
            by_value[kind, value] += n
    if not by_value:
        return
    upsert = (pg_insert if is_postgres(db) else sqlite_insert)(MemberTurnout)
    await db.execute(upsert.on_conflict_do_update(
        index_elements=["ballot_id", "kind", "value", "shard"],
        set_={"entitled": MemberTurnout.entitled + upsert.excluded.entitled}),
        [{"ballot_id": ballot_id, "kind": kind, "value": value, "shard": 0, "entitled": n, "voted": 0}
         for (kind, value), n in sorted(by_value.items())])


async def _load(db: AsyncSession, rows: Iterator[tuple[Any, ...]]) -> None:
    """PostgreSQL: one COPY fed as the file is read, so the database writes while we parse; in the
    session's transaction, so a failure leaves nothing. Elsewhere: executemany in large batches."""
    if is_postgres(db):
        async def records() -> AsyncIterator[tuple[Any, ...]]:
            for n, row in enumerate(rows):
                yield row
                if n % 2_000 == 1_999:
                    await asyncio.sleep(0)  # a worker importing from the page still answers other requests

        raw = await (await db.connection()).get_raw_connection()
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            "member", records=records(), columns=list(COPY_COLUMNS))
        return
    while batch := [dict(zip(COPY_COLUMNS, row, strict=True)) for row in itertools.islice(rows, BATCH)]:
        await db.execute(insert(Member), batch)


async def import_members(db: AsyncSession, ballot_id: int, stream: IO[bytes], *, by: int | None,
                         mapping: ColumnMapping | None = None) -> ImportedMembers:
    """All rows or none. Only before the ballot opens; later joiners are added one by one.

    The headings are read with `mapping`, or with the mapping detected from them when it is None.
    """
    ballot = await lock_ballot(db, ballot_id)
    if ballot.state != MemberBallotState.DRAFT:
        raise MemberBallotError(_("Members can be imported only before the ballot opens. Add later joiners one by "
                                  "one on the members page."), 409)
    rows, digest, mapping = validate(stream, await _existing_numbers(db, ballot_id), mapping)
    segments: Counter[tuple[str, ...]] = Counter()
    await _load(db, _checked_rows(stream, ballot_id, segments, mapping))
    await count_entitled(db, ballot_id, segments)
    await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="members.imported",
                 payload={"file_sha256": digest, "added": rows})
    return ImportedMembers(rows, digest, mapping)


async def add_member(db: AsyncSession, ballot_id: int, values: dict[str, str], *, by: int | None) -> Member:
    """A member who joined before the cut-off, added while the ballot is open (or before)."""
    ballot = await lock_ballot(db, ballot_id)
    if ballot.state not in (MemberBallotState.DRAFT, MemberBallotState.OPEN):
        raise MemberBallotError(_("Voting has closed: nobody can be added to the ballot now."), 409)
    if ballot.state == MemberBallotState.OPEN and (ballot.join_cutoff is None or utcnow() > ballot.join_cutoff):
        raise MemberBallotError(_("The cut-off for adding members to this ballot has passed."), 409)
    checked, reasons = check_row({col.name: values.get(FIELD_OF[col.name], "") for col in COLUMNS}, {})
    if reasons:
        raise MemberBallotError("; ".join(reasons).capitalize() + ".")
    if checked["membership_number"] in await _numbers_like(db, ballot_id, checked["membership_number"]):
        raise MemberBallotError(_("Membership number '%(number)s' is in this ballot already.")
                                % {"number": checked["membership_number"]}, 409)
    member = Member(ballot_id=ballot_id, **checked)
    db.add(member)
    await db.flush()
    await count_entitled(db, ballot_id, Counter([(member.employer, member.workplace, member.region, member.branch)]))
    await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="member.added",
                 payload={"member_id": member.id})
    return member


async def _numbers_like(db: AsyncSession, ballot_id: int, number: str) -> set[str]:
    return set((await db.execute(select(Member.membership_number).where(
        Member.ballot_id == ballot_id, Member.membership_number == number))).scalars())


async def remove_member(db: AsyncSession, ballot_id: int, membership_number: str, reason: str, *,
                        by: int | None) -> Member:
    await lock_ballot(db, ballot_id)
    reason = reason.strip()
    if not reason:
        raise MemberBallotError(_("Give the reason for removing the member, such as 'left the union'."))
    member = (await db.execute(select(Member).where(
        Member.ballot_id == ballot_id, Member.membership_number == membership_number.strip().upper())
    )).scalar_one_or_none()
    if member is None:
        raise MemberBallotError(_("No member with membership number '%(number)s' is in this ballot.")
                                % {"number": membership_number}, 404)
    if member.removed_at is not None:
        raise MemberBallotError(_("That member has been removed already."), 409)
    if member.voted_at is not None:
        raise MemberBallotError(_("That member has voted; a cast vote cannot be taken back out of a secret "
                                  "ballot."), 409)
    member.removed_at, member.removed_reason = utcnow(), reason[:500]
    member.link_hash = member.code_hash = None
    await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="member.removed",
                 payload={"member_id": member.id})
    return member


async def member_count(db: AsyncSession, ballot_id: int) -> int:
    return (await db.execute(select(func.count()).select_from(Member).where(
        Member.ballot_id == ballot_id, Member.removed_at.is_(None)))).scalar_one()
