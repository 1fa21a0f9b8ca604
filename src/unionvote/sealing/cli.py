"""`unionvote trustee keygen` and `unionvote trustee decrypt`: a trustee's two steps, on their own computer.

Neither touches a database or the network: keygen writes a private key file and prints the
public key with its proof; decrypt reads the key file and an exported sealed tally, checks
every proof, recomputes the tally and writes the partial decryption to hand back.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from unionvote.sealing.group import SealingError


def _fail(message: str, code: int = 2) -> int:
    print(f"unionvote: {message}", file=sys.stderr)
    return code


def cmd_keygen(args: argparse.Namespace) -> int:
    from unionvote.sealing.trustees import TrusteeKey

    out = Path(args.out)
    key = TrusteeKey.generate()
    try:
        # O_EXCL: never overwrite a key file (a lost key means the ballot cannot be decrypted).
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _fail(f"{out} already exists; choose another file name (a key file is never overwritten).")
    except OSError as exc:
        return _fail(f"cannot write {out}: {exc.strerror}")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(key.key_file(), handle, indent=2, sort_keys=True)
        handle.write("\n")
    print(json.dumps(key.published().as_dict(), sort_keys=True))
    print(f"Private key written to {out}. Keep it off the server; give only the line above to the returning "
          "officer's page.", file=sys.stderr)
    return 0


def _read_json(path: Path, what: str) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SealingError(f"cannot read {what} {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SealingError(f"{what} {path} is not JSON ({exc})") from None


def cmd_decrypt(args: argparse.Namespace) -> int:
    from unionvote.sealing.papers import PAPERS_FORMAT, decrypt_papers
    from unionvote.sealing.tallyfile import decrypt_tally
    from unionvote.sealing.trustees import TrusteeKey

    try:
        key = TrusteeKey.from_key_file(_read_json(Path(args.key), "key file"))
        data = _read_json(Path(args.tally), "tally file")
        # A ranked ballot's file holds sealed papers: a share of each, never a sum.
        is_papers = isinstance(data, dict) and data.get("format") == PAPERS_FORMAT
        document = decrypt_papers(key, data) if is_papers else decrypt_tally(key, data)
    except SealingError as exc:
        return _fail(str(exc))
    text = json.dumps(document, sort_keys=True, indent=2) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        what = "Shares of the ranked papers" if is_papers else "Partial decryption"
        print(f"{what} of {document['label']} written to {args.out}.", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    trustee = sub.add_parser("trustee", help="a trustee's key and partial decryptions (runs offline)")
    steps = trustee.add_subparsers(dest="trustee_command", required=True)
    keygen = steps.add_parser("keygen", help="make a trustee key: writes the private key file, prints the public "
                                             "key and its proof")
    keygen.add_argument("--out", required=True, help="the private key file to create (never overwritten)")
    keygen.set_defaults(func=cmd_keygen)
    decrypt = steps.add_parser("decrypt", help="check a sealed tally file (or a ranked ballot's sealed papers) and "
                                               "write your partial decryption of it")
    decrypt.add_argument("--key", required=True, help="your private key file")
    decrypt.add_argument("tally", help="the sealed tally file exported for the ballot")
    decrypt.add_argument("--out", help="write the partial decryption here (default: standard output)")
    decrypt.set_defaults(func=cmd_decrypt)

    from unionvote.voting.sealed_cli import add_ballot_steps  # the server's side, with the database

    add_ballot_steps(steps)
