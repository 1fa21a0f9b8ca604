"""An audit-export verifier written only from docs/audit-format.md, sharing no code with unionvote.

It is what a returning officer could write for themselves: the standard library, the spec, nothing else.
Canonical JSON is produced here character by character from the rules on that page (not with json.dumps),
so that a disagreement between the page and the server's code shows up as a disagreement between verifiers.

    python independent_verifier.py EXPORT.jsonl [--head HASH]

prints `OK: N entries, head H` and exits 0, or `FAILED: line L (seq S): reason` and exits 1.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

GENESIS = "0" * 64
MEMBERS = ("seq", "at", "scope", "actor", "action", "payload", "prev_hash", "hash")
HASHED = ("seq", "at", "scope", "actor", "action", "payload")
HEX64 = re.compile(r"[0-9a-f]{64}")
SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


class NotCanonical(ValueError):
    pass


def _string(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch in SHORT_ESCAPES:
            out.append(SHORT_ESCAPES[ch])
        elif ord(ch) < 0x20:  # the other control characters
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)  # everything else as itself, non-ASCII included
    out.append('"')
    return "".join(out)


def _canonical(value: object) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)  # decimal digits, leading '-' when negative, no leading zeros, no exponent
    if isinstance(value, float):
        raise NotCanonical("holds a floating-point number, which the format never uses")
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ",".join(_canonical(item) for item in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda key: [ord(ch) for ch in key])  # by Unicode code points
        return "{" + ",".join(_string(key) + ":" + _canonical(value[key]) for key in keys) + "}"
    raise NotCanonical(f"holds a value of type {type(value).__name__}")


def canonical_json(value: object) -> bytes:
    try:
        return _canonical(value).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise NotCanonical("holds a string that is not valid Unicode") from exc


def entry_hash(prev_hash: str, entry: dict) -> str:
    body = {name: entry[name] for name in HASHED}
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(body)).hexdigest()


def verify(raw_lines: Iterable[bytes], head: str | None = None) -> tuple[bool, str]:
    """(ok, message) for the lines of an export, each given as bytes without its final newline."""
    previous, scope, count, hashes = GENESIS, None, 0, set()
    for number, raw in enumerate(raw_lines, start=1):
        if raw in (b"", b"\r"):
            continue  # "skipping empty lines"

        def failed(seq: object, why: str, number: int = number) -> tuple[bool, str]:
            return False, f"FAILED: line {number} (seq {seq}): {why}"

        try:
            entry = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            return failed("?", "not UTF-8 text")
        except ValueError:
            return failed("?", "not JSON")
        if not isinstance(entry, dict):
            return failed("?", "not a JSON object")
        if set(entry) != set(MEMBERS):  # "exactly these members"
            return failed(entry.get("seq", "?"), f"members are {sorted(entry)}, not exactly {sorted(MEMBERS)}")
        seq = entry["seq"]
        if scope is None:
            scope = entry["scope"]
        if entry["scope"] != scope:  # check 2
            return failed(seq, "scope differs from the first line's")
        if type(seq) is not int or seq != count + 1:  # check 3 (a JSON true is not the integer 1)
            return failed(seq, f"seq should be {count + 1}")
        if entry["prev_hash"] != previous:  # check 4
            return failed(seq, "prev_hash is not the previous entry's hash")
        try:
            recomputed = entry_hash(previous, entry)  # check 5
        except NotCanonical as exc:
            return failed(seq, f"payload {exc}")
        if recomputed != entry["hash"]:
            return failed(seq, "hash does not match the content")
        previous = recomputed
        hashes.add(recomputed)
        count += 1
    if head is not None and head.lower() not in hashes:
        return False, f"FAILED: no entry has the recorded head {head}: the export is truncated or another chain"
    return True, f"OK: {count} entries, head {previous}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a unionvote audit export (docs/audit-format.md).")
    parser.add_argument("file", type=Path)
    parser.add_argument("--head", help="the head hash recorded at a trusted moment")
    args = parser.parse_args(argv)
    if args.head is not None and not HEX64.fullmatch(args.head.lower()):
        parser.error("--head must be 64 hexadecimal characters")
    ok, message = verify(args.file.read_bytes().split(b"\n"), args.head)
    print(message)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
