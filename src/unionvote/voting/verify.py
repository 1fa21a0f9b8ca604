"""`unionvote audit verify DIR`: check a conference export without trusting the server that wrote it.

Recomputes every chain, each ballot's electorate hash, contents hash and trackers, recounts
each ballot from its exported contents and hall counts under its stored rule, and checks the
declared result and its hash, then the manifest. Uses only the pure modules (audit.chain,
voting.rules, voting.receipts): no database. The first check that fails is reported with the
file, line, ballot and field it concerns. docs/audit-format.md describes every step.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from unionvote.voting.verify_ballot import BallotCheck
from unionvote.voting.verify_files import FORMAT, ExportFailure, ExportFiles


@dataclass
class Report:
    notes: list[str] = field(default_factory=list)
    failure: ExportFailure | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


def verify_export(root: Path) -> Report:
    """Check everything; the report's notes say what held, its failure the first thing that did not."""
    report = Report()
    try:
        _verify(ExportFiles(root), report.notes)
    except ExportFailure as exc:
        report.failure = exc
    except (KeyError, TypeError, ValueError, AttributeError, OSError) as exc:  # a shape no check above foresaw
        where = report.notes[-1].split(":")[0] if report.notes else "the export"
        report.failure = ExportFailure(f"after {where}", f"the export could not be read ({exc!r})")
    return report


def _manifest(files: ExportFiles) -> tuple[int, list[int], dict[str, str]]:
    manifest = files.document("manifest.json")
    if manifest.get("format") != FORMAT:
        raise ExportFailure("manifest.json (field format)", f"not {FORMAT!r}: this is not a conference export")
    conference, ballots, listed = manifest.get("conference"), manifest.get("ballots"), manifest.get("files")
    if not isinstance(conference, int) or isinstance(conference, bool):
        raise ExportFailure("manifest.json (field conference)", "the conference id is not a whole number")
    if not isinstance(ballots, list) or not all(isinstance(b, int) and not isinstance(b, bool) for b in ballots):
        raise ExportFailure("manifest.json (field ballots)", "ballots is not a list of ballot ids")
    if not isinstance(listed, dict) or not all(isinstance(v, str) for v in listed.values()):
        raise ExportFailure("manifest.json (field files)", "files is not an object of file names and hashes")
    folders = sorted(int(p.name) for p in (files.root / "ballots").glob("*") if p.name.isdigit()) \
        if (files.root / "ballots").is_dir() else []
    if sorted(ballots) != folders:
        raise ExportFailure("manifest.json (field ballots)", f"lists ballots {sorted(ballots)}, but the export "
                            f"has folders for {folders}")
    return conference, sorted(ballots), listed


def _check_manifest(files: ExportFiles, listed: dict[str, str]) -> int:
    on_disk = sorted(p.relative_to(files.root).as_posix() for p in files.root.rglob("*")
                     if p.is_file() and p.relative_to(files.root).as_posix() != "manifest.json")
    for name in sorted(set(on_disk) | set(listed)):
        if name not in listed:
            raise ExportFailure(f"manifest.json (files, {name})", "the file is in the export but not in the manifest")
        if name not in on_disk:
            raise ExportFailure(f"manifest.json (files, {name})", "the manifest lists a file the export lacks")
        found = hashlib.sha256((files.root / name).read_bytes()).hexdigest()
        if found != listed[name]:
            raise ExportFailure(f"manifest.json (files, {name})", f"the file's SHA-256 is {found}, the manifest "
                                f"says {listed[name]}")
    return len(on_disk)


def _verify(files: ExportFiles, notes: list[str]) -> None:
    conference, ballots, listed = _manifest(files)
    chain = f"chains/conference-{conference}.jsonl"
    rows = files.chain(chain, f"conference:{conference}")
    notes.append(f"{chain}: {len(rows)} entries" + (f", head {rows[-1][1]['hash']}" if rows else ""))
    for ballot_id in ballots:
        check = BallotCheck(files, ballot_id, notes)
        check.run()
        created = check.events["ballot.created"]
        if created[1]["payload"].get("conference") != conference or check.doc.get("conference") != conference:
            raise check.fail("chain.jsonl", f"the ballot is not of conference {conference}", created[0],
                             "payload.conference")
        if check.doc.get("ballot") != ballot_id:
            raise check.fail("ballot.json", f"the file describes ballot {check.doc.get('ballot')!r}",
                             what="field ballot")
    notes.append(f"manifest.json: {_check_manifest(files, listed)} files, every SHA-256 matches")
