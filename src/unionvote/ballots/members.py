"""The membership a ballot is put to: a streaming, all-or-nothing CSV import, additions and removals.

The file is read twice as a text stream, never whole into memory: the first pass checks
every row and collects every problem; only a clean file gets the second pass, which
inserts in batches (COPY on PostgreSQL, executemany elsewhere). Names, emails and
mobiles stay in the member table only; the audit chain gets ids and counts.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from unionvote.accounts.services import EMAIL_RE
from unionvote.audit.services import actor_of, record
from unionvote.ballots.models import Member, MemberBallotState
from unionvote.ballots.services import MemberBallotError, lock_ballot, scope_for
from unionvote.conferences.csvtable import CONTROL_RE, RowProblem, phone_number
from unionvote.db import is_postgres, utcnow

NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./-]{0,31}$")
BATCH = 5_000
SHOWN_PROBLEMS = 200  # a page lists this many bad rows; the CLI lists every one


@dataclass(frozen=True)
class MemberColumn:
    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    max_length: int = 200


COLUMNS = (
    MemberColumn("membership number", ("member number", "membership no", "number"), required=True, max_length=32),
    MemberColumn("name", ("full name", "member name")),
    MemberColumn("email", ("email address", "e-mail")),
    MemberColumn("mobile", ("mobile number", "phone", "mobile phone")),
    MemberColumn("employer", ("employer name",), required=True),
    MemberColumn("workplace", ("site", "workplace name")),
    MemberColumn("region", ()),
    MemberColumn("branch", ("branch name",)),
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


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


LOOKUP = {_key(alias): col for col in COLUMNS for alias in (col.name, *col.aliases)}


class _Reader:
    """One pass over the file: (line, {column: value}, extra) per non-blank row, and the file's hash."""

    def __init__(self, stream: IO[bytes]) -> None:
        stream.seek(0)
        self.digest = hashlib.sha256()
        self.text = io.TextIOWrapper(io.BufferedReader(_Hashing(stream, self.digest)), encoding="utf-8-sig", newline="")
        first = self.text.readline()
        if not first.strip():
            raise MembersFileRejected([RowProblem(1, ("the file is empty",))])
        counts = {d: first.count(d) for d in (",", ";", "\t")}
        self.delimiter = max(counts, key=lambda d: (counts[d], d == ","))
        header = next(csv.reader([first], delimiter=self.delimiter))
        self.header = [LOOKUP.get(_key(cell)) for cell in header]
        self.extra_names = [cell.strip() for cell, col in zip(header, self.header, strict=True) if col is None]
        self.known_at = [i for i, col in enumerate(self.header) if col is not None]
        self.extra_at = [(cell.strip(), i) for i, (cell, col) in enumerate(zip(header, self.header, strict=True))
                         if col is None]
        problems = [f"column '{n}' appears twice" for n in {c.name for c in self.header if c}
                    if sum(1 for c in self.header if c and c.name == n) > 1]
        if len(set(self.extra_names)) != len(self.extra_names) or "" in self.extra_names:
            problems.append("every extra column needs a heading of its own")
        present = {c.name for c in self.header if c}
        missing = [c.name for c in COLUMNS if c.required and c.name not in present]
        if missing:
            problems.append("the header lacks " + ", ".join(f"'{m}'" for m in missing))
        if problems:
            known = ", ".join(c.name + ("" if c.required else " (optional)") for c in COLUMNS)
            raise MembersFileRejected([RowProblem(1, (*problems, f"the columns are: {known}, plus any "
                                                                 "extra columns you want to count turnout by"))])

    def rows(self) -> Iterator[tuple[int, dict[str, str], dict[str, str], str | None]]:
        reader = csv.reader(self.text, delimiter=self.delimiter, strict=True)
        line = 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                yield line + 1, {}, {}, "is not UTF-8 text: save the file from your spreadsheet as 'CSV UTF-8'"
                return
            except csv.Error as exc:
                yield line + 1, {}, {}, f"the quoting is broken ({exc}); check for a stray double quote"
                return
            start, line = line + 1, reader.line_num + 1
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                continue
            if len(cells) > len(self.header) and any(cells[len(self.header):]):
                yield start, {}, {}, f"has {len(cells)} values but the header names {len(self.header)} columns"
                continue
            cells += [""] * (len(self.header) - len(cells))
            known = {self.header[i].name: cells[i] for i in self.known_at}  # type: ignore[union-attr]
            extra = {name: cells[i] for name, i in self.extra_at} if self.extra_at else {}
            yield start, known, extra, None


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


def check_row(known: dict[str, str], extra: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """One row's values as stored, and every reason it is bad. The hot loop of a 500,000-row import."""
    reasons: list[str] = []
    values: dict[str, Any] = {}
    for col, field in _FIELDS:
        value = known.get(col.name, "")
        if value[:2] == '="' and value[-1:] == '"':  # the spreadsheet trick for leading zeros
            value = value[2:-1].strip()
        if not value:
            if col.required:
                reasons.append(f"{col.name} is missing")
        elif len(value) > col.max_length:
            reasons.append(f"{col.name} is longer than {col.max_length} characters")
        values[field] = value
    if CONTROL_RE.search("".join(known.values())):
        reasons += [f"{col.name} contains a line break or control character" for col, _ in _FIELDS
                    if CONTROL_RE.search(known.get(col.name, ""))]
    number = values["membership_number"]
    if number and len(number) <= 32 and not NUMBER_RE.match(number):
        reasons.append(f"membership number '{number}' may hold only letters, digits, dots, dashes and slashes")
    if values["email"] and not EMAIL_RE.match(values["email"]):
        reasons.append(f"email '{values['email']}' is not an email address")
    if values["mobile"]:
        mobile = phone_number(values["mobile"])
        if mobile is None:
            reasons.append(f"mobile '{values['mobile']}' is not a phone number (7 to 15 digits, + allowed)")
        values["mobile"] = mobile
    if extra:
        if any(len(value) > 200 for value in extra.values()) or CONTROL_RE.search("".join(extra.values())):
            reasons.append("an extra column is longer than 200 characters or has a control character")
        values["extra"] = json.dumps(extra, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    else:
        values["extra"] = None
    values["name"] = values["name"] or None
    values["email"] = values["email"] or None
    values["mobile"] = values["mobile"] or None
    values["membership_number"] = number.upper()
    return values, reasons


_FIELDS = [(col, FIELD_OF[col.name]) for col in COLUMNS]


async def _existing_numbers(db: AsyncSession, ballot_id: int) -> set[str]:
    return set((await db.execute(select(Member.membership_number).where(Member.ballot_id == ballot_id))).scalars())


def validate(stream: IO[bytes], existing: set[str]) -> tuple[int, str]:
    """First pass: every problem in the file, or (rows, file hash) when it is clean."""
    reader = _Reader(stream)
    seen: dict[str, int] = {}
    problems: list[RowProblem] = []
    rows = 0
    for line, known, extra, broken in reader.rows():
        if broken:
            problems.append(RowProblem(line, (broken,)))
            continue
        values, reasons = check_row(known, extra)
        number = values["membership_number"]
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
    return rows, reader.digest.hexdigest()


COPY_COLUMNS = ("ballot_id", "membership_number", "name", "email", "mobile", "employer", "workplace", "region",
                "branch", "extra")


async def _insert(db: AsyncSession, batch: list[dict[str, Any]]) -> None:
    if is_postgres(db):
        raw = await (await db.connection()).get_raw_connection()
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            "member", records=[tuple(row[c] for c in COPY_COLUMNS) for row in batch], columns=list(COPY_COLUMNS))
    else:
        await db.execute(insert(Member), batch)


async def import_members(db: AsyncSession, ballot_id: int, stream: IO[bytes], *, by: int | None) -> ImportedMembers:
    """All rows or none. Only before the ballot opens; later joiners are added one by one."""
    ballot = await lock_ballot(db, ballot_id)
    if ballot.state != MemberBallotState.DRAFT:
        raise MemberBallotError("Members can be imported only before the ballot opens. Add later joiners one by "
                                "one on the members page.", 409)
    rows, digest = validate(stream, await _existing_numbers(db, ballot_id))
    reader, batch = _Reader(stream), []
    for _line, known, extra, _broken in reader.rows():
        values, _ = check_row(known, extra)
        batch.append({"ballot_id": ballot_id, **values})
        if len(batch) >= BATCH:
            await _insert(db, batch)
            batch = []
    if batch:
        await _insert(db, batch)
    await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="members.imported",
                 payload={"file_sha256": digest, "added": rows})
    return ImportedMembers(rows, digest)


async def add_member(db: AsyncSession, ballot_id: int, values: dict[str, str], *, by: int | None) -> Member:
    """A member who joined before the cut-off, added while the ballot is open (or before)."""
    ballot = await lock_ballot(db, ballot_id)
    if ballot.state not in (MemberBallotState.DRAFT, MemberBallotState.OPEN):
        raise MemberBallotError("Voting has closed: nobody can be added to the ballot now.", 409)
    if ballot.state == MemberBallotState.OPEN and (ballot.join_cutoff is None or utcnow() > ballot.join_cutoff):
        raise MemberBallotError("The cut-off for adding members to this ballot has passed.", 409)
    checked, reasons = check_row({col.name: values.get(FIELD_OF[col.name], "") for col in COLUMNS}, {})
    if reasons:
        raise MemberBallotError("; ".join(reasons).capitalize() + ".")
    if checked["membership_number"] in await _numbers_like(db, ballot_id, checked["membership_number"]):
        raise MemberBallotError(f"Membership number '{checked['membership_number']}' is in this ballot already.", 409)
    member = Member(ballot_id=ballot_id, **checked)
    db.add(member)
    await db.flush()
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
        raise MemberBallotError("Give the reason for removing the member, such as 'left the union'.")
    member = (await db.execute(select(Member).where(
        Member.ballot_id == ballot_id, Member.membership_number == membership_number.strip().upper())
    )).scalar_one_or_none()
    if member is None:
        raise MemberBallotError(f"No member with membership number '{membership_number}' is in this ballot.", 404)
    if member.removed_at is not None:
        raise MemberBallotError("That member has been removed already.", 409)
    if member.voted_at is not None:
        raise MemberBallotError("That member has voted; a cast vote cannot be taken back out of a secret ballot.",
                                409)
    member.removed_at, member.removed_reason = utcnow(), reason[:500]
    member.link_hash = member.code_hash = None
    await record(db, scope=scope_for(ballot_id), actor=actor_of(by), action="member.removed",
                 payload={"member_id": member.id})
    return member


async def member_count(db: AsyncSession, ballot_id: int) -> int:
    return (await db.execute(select(func.count()).select_from(Member).where(
        Member.ballot_id == ballot_id, Member.removed_at.is_(None)))).scalar_one()
