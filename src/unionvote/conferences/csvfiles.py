"""The register's files: bodies and delegates, as staff export them from a spreadsheet. Pure.

The column lists below are what the upload page and `unionvote ... import` accept;
csvtable.py does the reading, this module the rules for each row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from unionvote.accounts.services import EMAIL_RE
from unionvote.conferences.csvtable import (
    Column,
    RegisterFileRejected,
    RowCheck,
    RowProblem,
    calendar_date,
    phone_number,
    read_table,
    whole_number,
    yes_no,
)
from unionvote.conferences.register import BodyKind, DelegateRole
from unionvote.i18n import _

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{0,31}$")
MEMBERSHIP_NUMBER_RE = re.compile(r"^[A-Z0-9][A-Z0-9./-]{0,31}$")
BODY_KINDS = [k.value for k in BodyKind]
ROLES = [r.value for r in DelegateRole]

# --- bodies --------------------------------------------------------------------------------

BODY_COLUMNS = [
    Column("code", ("body code",)),
    Column("name", ("body name",)),
    Column("kind", ("type",)),
    Column("membership", ("members", "membership count")),
    Column("cut-off date", ("cut off", "counted on", "membership date"), required=False),
]


@dataclass(frozen=True)
class BodyRow:
    line: int
    code: str
    name: str
    kind: str
    membership: int
    counted_on: date | None


def parse_bodies(data: bytes) -> list[BodyRow]:
    table = read_table(data, BODY_COLUMNS)
    rows, problems, first_line = [], list(table.problems), {}
    for line, values in table.records:
        check = RowCheck(values)
        code = check.matching("code", CODE_RE, _("may only hold letters, digits, '.', '_', '/' and '-' (up to 32)"))
        if code and code in first_line:
            check.reasons.append(_("code '%(code)s' is also on row %(row)s") % {"code": code, "row": first_line[code]})
        first_line.setdefault(code, line)
        name = check.text("name")
        kind = check.choice("kind", BODY_KINDS)
        if not values.get("membership"):
            check.reasons.append(_("%(column)s is missing") % {"column": "membership"})
        membership = check.parsed("membership", whole_number, _("is not a whole number of members"))
        counted_on = check.parsed("cut-off date", calendar_date, _("is not a date (write it as 2027-03-31)"))
        if check.reasons:
            problems.append(RowProblem(line, tuple(check.reasons)))
        else:
            rows.append(BodyRow(line, code, name, kind, membership, counted_on))  # type: ignore[arg-type]
    if problems:
        raise RegisterFileRejected(problems)
    return rows


# --- delegates -----------------------------------------------------------------------------

DELEGATE_COLUMNS = [
    Column("membership number", ("membership no", "member number", "membership id")),
    Column("name", ("full name",)),
    Column("email", ("email address", "e mail")),
    Column("mobile", ("mobile number", "phone", "mobile phone"), required=False),
    Column("body code", ("body",)),
    Column("role",),
    Column("lead", ("lead delegate",), required=False),
]
NEEDS_BODY = {DelegateRole.DELEGATE.value, DelegateRole.SUBSTITUTE.value}


@dataclass(frozen=True)
class DelegateRow:
    line: int
    membership_number: str
    name: str
    email: str
    mobile: str | None
    body_code: str | None
    role: str
    is_lead: bool | None  # None when the file has no lead column


@dataclass(frozen=True)
class DelegateFile:
    rows: list[DelegateRow]
    has_lead_column: bool


def parse_delegates(data: bytes, body_codes: set[str]) -> DelegateFile:
    """Read a delegates file, checking body codes against the conference's bodies."""
    table = read_table(data, DELEGATE_COLUMNS)
    has_lead = "lead" in table.columns
    rows, problems = [], list(table.problems)
    first_line: dict[str, int] = {}
    lead_line: dict[str, int] = {}
    for line, values in table.records:
        check = RowCheck(values)
        number = check.matching("membership number", MEMBERSHIP_NUMBER_RE,
                                _("may only hold letters, digits, '.', '/' and '-' (up to 32)"))
        if number and number in first_line:
            check.reasons.append(_("membership number '%(number)s' is also on row %(row)s")
                                 % {"number": number, "row": first_line[number]})
        first_line.setdefault(number, line)
        name = check.text("name")
        email = check.text("email", max_length=320).lower()
        if email and not EMAIL_RE.match(email):
            check.reasons.append(_("email '%(value)s' is not an email address") % {"value": values["email"]})
        mobile = check.parsed("mobile", phone_number, _("is not a phone number (7 to 15 digits, may start with +)"))
        role = check.choice("role", ROLES)
        body = check.matching("body code", CODE_RE, _("is not a body code"), required=role in NEEDS_BODY)
        if body and CODE_RE.match(body) and body not in body_codes:
            check.reasons.append(_("body code '%(value)s' is not one of this conference's bodies")
                                 % {"value": values["body code"]})
        is_lead = check.parsed("lead", yes_no, _("must be yes or no")) if has_lead else None
        if is_lead and role and role != DelegateRole.DELEGATE:
            check.reasons.append(_("only a delegate can lead a body's delegation, not a %(role)s") % {"role": role}
                                 if role[:1] not in "aeiou" else
                                 _("only a delegate can lead a body's delegation, not an %(role)s") % {"role": role})
        elif is_lead and body:
            if body in lead_line:
                check.reasons.append(_("body '%(code)s' already has its lead on row %(row)s")
                                     % {"code": body, "row": lead_line[body]})
            lead_line.setdefault(body, line)
        if check.reasons:
            problems.append(RowProblem(line, tuple(check.reasons)))
        else:
            rows.append(DelegateRow(line, number, name, email, mobile, body or None, role,  # type: ignore[arg-type]
                                    is_lead))  # type: ignore[arg-type]
    if problems:
        raise RegisterFileRejected(problems)
    return DelegateFile(rows, has_lead)


__all__ = ["BodyRow", "DelegateFile", "DelegateRow", "RegisterFileRejected", "RowProblem", "parse_bodies",
           "parse_delegates"]
