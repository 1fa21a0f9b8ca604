"""The audit chain's format: canonical JSON, hashing and verification.

Pure functions with no database, so `unionvote audit verify` and any independent
verifier (see docs/audit-format.md) agree byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64
HASHED_FIELDS = ("seq", "at", "scope", "actor", "action", "payload")
EXPORTED_FIELDS = (*HASHED_FIELDS, "prev_hash", "hash")


class NotCanonical(ValueError):
    """A value that canonical JSON cannot carry unambiguously."""


def _check(value: Any, path: str) -> None:
    if isinstance(value, float):
        raise NotCanonical(f"{path} is a float; the audit chain holds integers and strings only")
    if isinstance(value, dict):
        for key, inner in value.items():
            if not isinstance(key, str):
                raise NotCanonical(f"{path} has a non-string key {key!r}")
            _check(inner, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, inner in enumerate(value):
            _check(inner, f"{path}[{index}]")
    elif not (value is None or isinstance(value, bool | int | str)):
        raise NotCanonical(f"{path} has unsupported type {type(value).__name__}")


def canonical_json(value: Any) -> bytes:
    """UTF-8, keys sorted, no insignificant whitespace, no floats."""
    _check(value, "entry")
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate such as "\ud800" has no UTF-8 form
        raise NotCanonical(f"entry holds a string that is not valid Unicode ({exc.reason})") from exc


def entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    """h_i = SHA-256(h_{i-1} as 64 lowercase hex ASCII characters || canonical_json(entry_i))."""
    body = {name: entry[name] for name in HASHED_FIELDS}
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(body)).hexdigest()


FIELD_TYPES: dict[str, type] = {"seq": int, "at": str, "scope": str, "actor": str, "action": str, "payload": dict,
                                "prev_hash": str, "hash": str}


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise NotCanonical(f"an object has the same key twice ({sorted(k for k in keys if keys.count(k) > 1)[0]!r})")
    return dict(pairs)


def _no_float(text: str) -> Any:
    raise NotCanonical(f"the number {text} is not an integer")


def strict_loads(text: str) -> Any:
    """Parse JSON as every verifier must: no key twice, no number with a fraction or exponent."""
    return json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_float=_no_float, parse_constant=_no_float)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    entries: int
    head: str
    message: str
    bad_line: int | None = None


def verify_lines(lines: Iterable[str], *, expected_head: str | None = None) -> Verdict:
    """Recompute an exported chain; name the first entry that does not hold."""
    prev_hash = GENESIS_HASH
    scope: str | None = None
    count = 0
    seen_heads: set[str] = set()

    def bad(line_no: int, seq: Any, why: str) -> Verdict:
        return Verdict(False, count, prev_hash, f"line {line_no} (seq {seq}): {why}", line_no)

    for line_no, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            entry = strict_loads(raw)
        except json.JSONDecodeError as exc:
            return bad(line_no, "?", f"not valid JSON ({exc.msg})")
        except NotCanonical as exc:
            return bad(line_no, "?", str(exc))
        if not isinstance(entry, dict):
            return bad(line_no, "?", "not a JSON object")
        missing = [name for name in EXPORTED_FIELDS if name not in entry]
        if missing:
            return bad(line_no, entry.get("seq", "?"), f"missing field(s) {', '.join(missing)}")
        extra = sorted(name for name in entry if name not in EXPORTED_FIELDS)
        if extra:
            return bad(line_no, entry["seq"], f"unexpected field(s) {', '.join(extra)}: not covered by the hash")
        seq = entry["seq"]
        wrong_type = [name for name, kind in FIELD_TYPES.items()
                      if not isinstance(entry[name], kind) or isinstance(entry[name], bool)]
        if wrong_type:
            return bad(line_no, seq, f"field(s) of the wrong type: {', '.join(wrong_type)}")
        if scope is None:
            scope = entry["scope"]
        if entry["scope"] != scope:
            return bad(line_no, seq, f"scope {entry['scope']!r} differs from {scope!r}")
        if seq != count + 1:
            return bad(line_no, seq, f"expected seq {count + 1}: an entry is missing or out of order")
        if entry["prev_hash"] != prev_hash:
            return bad(line_no, seq, "prev_hash does not match the previous entry's hash")
        try:
            recomputed = entry_hash(prev_hash, entry)
        except NotCanonical as exc:
            return bad(line_no, seq, str(exc))
        if recomputed != entry["hash"]:
            return bad(line_no, seq, "hash does not match the entry's content: the entry was altered")
        prev_hash = recomputed
        seen_heads.add(recomputed)
        count += 1

    if expected_head is not None and expected_head.lower() not in seen_heads:
        return Verdict(
            False, count, prev_hash,
            f"the chain never reaches the expected head {expected_head}: the export is truncated "
            f"or from a different chain (last hash {prev_hash}, {count} entries)",
        )
    return Verdict(True, count, prev_hash, f"OK: {count} entries, head {prev_hash}")
