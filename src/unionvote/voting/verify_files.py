"""Reading a conference export strictly, and recounting a ballot from its files. Pure: no database.

Used by voting.verify; docs/audit-format.md states each rule so an outsider can do the same.
"""

from __future__ import annotations

import hashlib
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

from unionvote.audit.chain import NotCanonical, canonical_json, strict_loads, verify_lines
from unionvote.i18n import _
from unionvote.voting.rules import Choices, Method, Rule, Tally, decide, fraction_text

FORMAT = "unionvote-conference-export/1"
INDICATIVE_NOTE = "This result is indicative: unionvote does not run statutory ballots."


class ExportFailure(Exception):
    """The first thing in the export that does not hold, and where it is."""

    def __init__(self, where: str, why: str) -> None:
        super().__init__(f"{where}: {why}")
        self.where, self.why = where, why


def digest(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


# ---- reading files --------------------------------------------------------------------------------


class ExportFiles:
    def __init__(self, root: Path) -> None:
        self.root = root

    def has(self, name: str) -> bool:
        return (self.root / name).is_file()

    def text(self, name: str) -> str:
        path = self.root / name
        if not path.is_file():
            raise ExportFailure(name, _("the file is missing"))
        try:
            return path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[:exc.start].count(b"\n") + 1
            raise ExportFailure(f"{name} line {line}", _("not valid UTF-8")) from None

    def document(self, name: str) -> dict[str, Any]:
        try:
            value = strict_loads(self.text(name))
        except (ValueError, NotCanonical) as exc:
            raise ExportFailure(name, _("not valid JSON (%(problem)s)") % {"problem": exc}) from None
        if not isinstance(value, dict):
            raise ExportFailure(name, _("not a JSON object"))
        return value

    def rows(self, name: str) -> list[tuple[int, dict[str, Any]]]:
        """The JSON Lines of a file with their line numbers (counting from 1)."""
        rows = []
        for line_no, raw in enumerate(self.text(name).split("\n"), start=1):
            if not raw.strip():
                continue
            try:
                value = strict_loads(raw)
            except (ValueError, NotCanonical) as exc:
                raise ExportFailure(f"{name} line {line_no}",
                                    _("not valid JSON (%(problem)s)") % {"problem": exc}) from None
            if not isinstance(value, dict):
                raise ExportFailure(f"{name} line {line_no}", _("not a JSON object"))
            rows.append((line_no, value))
        return rows

    def chain(self, name: str, scope: str) -> list[tuple[int, dict[str, Any]]]:
        verdict = verify_lines(self.text(name).split("\n"))
        if not verdict.ok:
            raise ExportFailure(name, verdict.message)
        rows = self.rows(name)
        if rows and rows[0][1]["scope"] != scope:
            raise ExportFailure(f"{name} line 1", f"the chain is of scope {rows[0][1]['scope']!r}, not {scope!r}")
        return rows


def weight_of(text: Any, where: str) -> Fraction:
    """A weight is an exact positive number written canonically: '1', '250', '3/2'."""
    try:
        value = Fraction(text) if isinstance(text, str) else None
    except (ValueError, ZeroDivisionError):
        value = None
    if value is None or value <= 0 or fraction_text(value) != text:
        raise ExportFailure(where, f"weight {text!r} is not a positive whole number or fraction such as '3/2'")
    return value


def first_difference(found: Any, expected: Any, path: str = "") -> str | None:
    """The path of the first field where two JSON values differ, or None when they are equal."""
    if isinstance(found, dict) and isinstance(expected, dict):
        for key in sorted(set(found) | set(expected)):
            inner = f"{path}.{key}" if path else key
            if key not in found or key not in expected:
                return inner
            where = first_difference(found[key], expected[key], inner)
            if where:
                return where
        return None
    if isinstance(found, list) and isinstance(expected, list) and len(found) == len(expected):
        for index, (a, b) in enumerate(zip(found, expected, strict=True)):
            where = first_difference(a, b, f"{path}[{index}]")
            if where:
                return where
        return None
    return None if canonical_json(found) == canonical_json(expected) else (path or "(the whole value)")


def value_at(value: Any, path: str) -> Any:
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        try:
            value = value[int(part[1:-1])] if part.startswith("[") else value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value

def choices_of(doc: dict[str, Any]) -> Choices:
    return Choices(Method(doc["method"]), tuple(key for key, _ in doc["options"]), doc["max_choices"])


def hall_tally(hall: list[dict[str, Any]]) -> Tally:
    tally = Tally()
    for entry in hall:
        for key, count in entry["counts"].items():
            tally.weights[key] = tally.weights.get(key, Fraction(0)) + count
        tally.papers += entry["papers"]
        tally.invalid += entry["invalid"]
        tally.voters += entry["papers"] + entry["invalid"]
    return tally


def recount(doc: dict[str, Any], electorate: dict[int, Fraction], rows: list[dict[str, Any]],
            hall: list[dict[str, Any]], casting_vote: str | None, entitled_text: str | None,
            sealed: Any = None) -> dict[str, Any]:
    """The result document, rebuilt from the exported contents and hall counts under the stored rule.

    `sealed` (a voting.verify_sealed.SealedRecount) gives a sealed ballot's decrypted online tally."""
    choices, rule = choices_of(doc), Rule.from_dict(doc["rule"])
    online = Tally()
    for row in rows:
        online.add(row["choice"], Fraction(row["weight"]))
    if sealed is not None:
        online = sealed.online
    in_hall = hall_tally(hall)
    combined = online.merged(in_hall)
    weight = sum(electorate.values(), Fraction(0))
    present = weight + in_hall.papers + in_hall.invalid
    entitled = Fraction(entitled_text or 0)
    decision = decide(rule, choices, combined, present=present, entitled=entitled, casting_vote=casting_vote)
    document = {
        "ballot": doc["ballot"], "title": doc["title"], "method": doc["method"], "options": doc["options"],
        "max_choices": doc["max_choices"], "weighting": doc["weighting"], "rule": rule.as_dict(),
        "rule_text": rule.describe(),
        "electorate": {"voters": len(electorate), "weight": fraction_text(weight),
                       "hash": value_at(doc, "electorate.hash"), "entitled_weight": fraction_text(entitled),
                       "present_weight": fraction_text(present)},
        "online": online.as_dict(choices.options), "hall": hall, "hall_total": in_hall.as_dict(choices.options),
        "combined": combined.as_dict(choices.options),
        "contents_hash": sealed.contents_hash if sealed is not None else digest(rows),
        "casting_vote": casting_vote if decision.tie else None, "decision": decision.as_dict(),
        "indicative": INDICATIVE_NOTE,
    }
    if sealed is not None:
        document["sealed"] = sealed.summary
    return document


def tracker_mismatch(listed: str, expected: list[str]) -> tuple[str, int] | None:
    """Where a published trackers.txt (one tracker a line, sorted, a final newline) departs from the
    trackers recomputed from the contents: (why, line), or None when they agree."""
    lines = listed.split("\n")
    for line, tracker in enumerate([*expected, ""], start=1):
        found = lines[line - 1] if line <= len(lines) else None
        if found != tracker:
            return (f"expected {tracker or 'the end of the file'!r}, found {found!r}: "
                    "the published trackers differ from the ballot contents", line)
    if len(lines) > len(expected) + 1:
        return "lines after the last tracker", len(expected) + 2
    return None
