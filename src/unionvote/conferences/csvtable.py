"""Reading a CSV table saved from a spreadsheet, collecting every problem. Pure: no database.

Every problem is kept with its line number (the header is line 1, as in the
spreadsheet) so the person fixing the file sees all of them at once. Understands a
UTF-8 BOM, quoted values, semicolon or tab separators, blank trailing rows and the
="0123" trick for leading zeros; refuses text that is not UTF-8, naming each line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from unionvote.conferences.services import ConferenceError
from unionvote.i18n import N_, _, ngettext

SAVE_AS_UTF8 = N_("save it from your spreadsheet as 'CSV UTF-8'")
MOBILE_RE = re.compile(r"^\+?\d{7,15}$", re.ASCII)
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
YES, NO = {"yes", "y", "true", "1", "x"}, {"no", "n", "false", "0", ""}
MAX_WHOLE_NUMBER = 100_000_000
T = TypeVar("T")


@dataclass(frozen=True)
class RowProblem:
    line: int
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return _("Row %(line)s: %(reasons)s") % {"line": self.line, "reasons": "; ".join(self.reasons)}


class RegisterFileRejected(ConferenceError):
    """The whole file is refused; `problems` lists every bad row, in order."""

    def __init__(self, problems: list[RowProblem]) -> None:
        merged: dict[int, list[str]] = {}
        for problem in problems:
            merged.setdefault(problem.line, []).extend(problem.reasons)
        self.problems = [RowProblem(line, tuple(reasons)) for line, reasons in sorted(merged.items())]
        count = len(self.problems)
        heading = ngettext("Nothing was imported: %(count)s row of the file has a problem.",
                           "Nothing was imported: %(count)s rows of the file have problems.", count) % {"count": count}
        super().__init__("\n".join([heading, *map(str, self.problems)]))


@dataclass(frozen=True)
class Column:
    name: str  # as the header should say it, e.g. "membership number"
    aliases: tuple[str, ...] = ()
    required: bool = True


@dataclass
class Table:
    """The records of a file below its header, as {column name: cleaned text}."""

    records: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    columns: set[str] = field(default_factory=set)
    problems: list[RowProblem] = field(default_factory=list)  # rows too malformed to read


def _header_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RegisterFileRejected([RowProblem(1, (
            _("the file is UTF-16 text, not UTF-8: %(how)s") % {"how": _(SAVE_AS_UTF8)},))])
    if data.count(b"\x00") * 4 > len(data):  # UTF-16 without a byte-order mark still decodes as "UTF-8"
        raise RegisterFileRejected([RowProblem(1, (
            _("the file holds NUL bytes, so it is UTF-16 text or not a CSV file at all: %(how)s")
            % {"how": _(SAVE_AS_UTF8)},))])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    problems = []
    for number, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            byte = raw[exc.start]
            problems.append(RowProblem(number, (
                _("is not UTF-8 text (byte 0x%(byte)s at character %(at)s): %(how)s")
                % {"byte": f"{byte:02X}", "at": exc.start + 1, "how": _(SAVE_AS_UTF8)},)))
    raise RegisterFileRejected(problems)


def _delimiter(first_line: str) -> str:
    """Spreadsheets in some languages save with semicolons or tabs."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def _unwrap(value: str) -> str:
    """Strip spaces and the ="0123" trick spreadsheets use to keep leading zeros."""
    value = value.strip()
    if value.startswith('="') and value.endswith('"') and len(value) >= 3:
        value = value[2:-1].strip()
    return value


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    after = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise RegisterFileRejected([RowProblem(after + 1, (
                _("the quoting is broken (%(why)s); check for a stray double quote") % {"why": exc},))]) from exc
        yield after + 1, record
        after = reader.line_num


def read_table(data: bytes, columns: list[Column]) -> Table:
    text = _decode(data)
    if not text.strip():
        raise RegisterFileRejected([RowProblem(1, (_("the file is empty"),))])
    rows = _records(text, _delimiter(text.split("\n", 1)[0]))
    _first_line, header = next(rows)
    lookup = {_header_key(alias): col.name for col in columns for alias in (col.name, *col.aliases)}
    names = [lookup.get(_header_key(cell)) for cell in header]
    reasons = [_("column '%(column)s' is not one this import knows") % {"column": cell.strip()}
               for cell, name in zip(header, names, strict=True) if name is None and cell.strip()]
    reasons += [_("column '%(column)s' appears twice") % {"column": name}
                for name in {n for n in names if n and names.count(n) > 1}]
    missing = [col.name for col in columns if col.required and col.name not in names]
    if missing:
        reasons.append(_("the header lacks %(columns)s") % {"columns": ", ".join(f"'{m}'" for m in missing)})
    if reasons:
        expected = ", ".join(col.name + ("" if col.required else " " + _("(optional)")) for col in columns)
        reasons.append(_("the columns are: %(columns)s") % {"columns": expected})
        raise RegisterFileRejected([RowProblem(1, tuple(reasons))])
    table = Table(columns={n for n in names if n})
    for line, record in rows:
        cells = [_unwrap(cell) for cell in record]
        if not any(cells):
            continue  # blank rows at the end of a spreadsheet
        if len(cells) > len(names) and any(cells[len(names):]):
            table.problems.append(RowProblem(line, (
                _("has %(values)s values but the header names %(columns)s columns")
                % {"values": len(cells), "columns": len(names)},)))
            continue
        cells += [""] * (len(names) - len(cells))
        table.records.append((line, {n: cell for n, cell in zip(names, cells, strict=False) if n}))
    if not table.records and not table.problems:
        raise RegisterFileRejected([RowProblem(1, (_("the file has a header but no rows below it"),))])
    return table


class RowCheck:
    """Collects the reasons one row is bad while its values are read."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.reasons: list[str] = []

    def text(self, name: str, *, max_length: int = 200, required: bool = True) -> str:
        value = self.values.get(name, "")
        if not value:
            if required:
                self.reasons.append(_("%(column)s is missing") % {"column": name})
        elif CONTROL_RE.search(value):
            self.reasons.append(_("%(column)s contains a line break or control character") % {"column": name})
        elif len(value) > max_length:
            self.reasons.append(_("%(column)s is longer than %(most)s characters")
                                % {"column": name, "most": max_length})
        return value

    def matching(self, name: str, pattern: re.Pattern[str], explain: str, *, required: bool = True) -> str:
        value = self.text(name, max_length=1000, required=required).upper()
        if value and not pattern.match(value):
            self.reasons.append(_("%(column)s '%(value)s' %(problem)s")
                                % {"column": name, "value": self.values[name], "problem": explain})
        return value

    def choice(self, name: str, allowed: list[str]) -> str:
        value = self.text(name).lower()
        if value and value not in allowed:
            self.reasons.append(_("%(column)s '%(value)s' must be %(some)s or %(last)s")
                                % {"column": name, "value": self.values[name], "some": ", ".join(allowed[:-1]),
                                   "last": allowed[-1]})
        return value

    def parsed(self, name: str, parse: Callable[[str], T | None], explain: str) -> T | None:
        value = self.values.get(name, "")
        result = parse(value)
        if result is None and value:
            self.reasons.append(_("%(column)s '%(value)s' %(problem)s") % {"column": name, "value": value,
                                                                            "problem": explain})
        return result


def with_article(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def whole_number(value: str) -> int | None:
    digits = re.sub(r"[,\s_\u00a0]", "", value)
    return int(digits) if digits.isascii() and digits.isdigit() and int(digits) <= MAX_WHOLE_NUMBER else None


def calendar_date(value: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    return None


def phone_number(value: str) -> str | None:
    compact = re.sub(r"[\s().-]", "", value)
    return compact if MOBILE_RE.match(compact) else None


def yes_no(value: str) -> bool | None:
    lowered = value.lower()
    return True if lowered in YES else False if lowered in NO else None
