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
from typing import Any

from unionvote.audit.anchors import AnchorCheck, NotedHeads
from unionvote.audit.signing import SIGNATURES_FILE, manifest_signature_problem
from unionvote.i18n import _
from unionvote.voting.verify_ballot import BallotCheck, elections_hook
from unionvote.voting.verify_files import FORMAT, ExportFailure, ExportFiles


@dataclass
class Report:
    notes: list[str] = field(default_factory=list)
    failure: ExportFailure | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


def verify_export(root: Path, heads: NotedHeads | None = None, keys: tuple[str, ...] = ()) -> Report:
    """Check everything; the report's notes say what held, its failure the first thing that did not.

    With `heads` (noted at a trusted moment), every chain of the export must also reach its noted head;
    with `keys` (Ed25519 public keys, hex), each must have signed the manifest.
    """
    report = Report()
    try:
        _verify(ExportFiles(root), report.notes, heads or NotedHeads())
        check_signatures(root, keys, report.notes)
    except ExportFailure as exc:
        report.failure = exc
    except (KeyError, TypeError, ValueError, AttributeError, OSError) as exc:  # a shape no check above foresaw
        where = report.notes[-1].split(":")[0] if report.notes else _("the export")
        report.failure = ExportFailure(_("after %(where)s") % {"where": where},
                                       _("the export could not be read (%(problem)s)") % {"problem": repr(exc)})
    return report


def _manifest(files: ExportFiles) -> tuple[int, list[int], dict[str, str]]:
    manifest = files.document("manifest.json")
    if manifest.get("format") != FORMAT:
        raise ExportFailure("manifest.json (field format)", _("not %(format)s: this is not a conference export")
                            % {"format": repr(FORMAT)})
    conference, ballots, listed = manifest.get("conference"), manifest.get("ballots"), manifest.get("files")
    if not isinstance(conference, int) or isinstance(conference, bool):
        raise ExportFailure("manifest.json (field conference)", _("the conference id is not a whole number"))
    if not isinstance(ballots, list) or not all(isinstance(b, int) and not isinstance(b, bool) for b in ballots):
        raise ExportFailure("manifest.json (field ballots)", _("ballots is not a list of ballot ids"))
    if not isinstance(listed, dict) or not all(isinstance(v, str) for v in listed.values()):
        raise ExportFailure("manifest.json (field files)", _("files is not an object of file names and hashes"))
    folders = sorted(int(p.name) for p in (files.root / "ballots").glob("*") if p.name.isdigit()) \
        if (files.root / "ballots").is_dir() else []
    if sorted(ballots) != folders:
        raise ExportFailure("manifest.json (field ballots)", _(
            "lists ballots %(listed)s, but the export has folders for %(folders)s")
                            % {"listed": sorted(ballots), "folders": folders})
    return conference, sorted(ballots), listed


def _check_manifest(files: ExportFiles, listed: dict[str, str]) -> int:
    on_disk = sorted(p.relative_to(files.root).as_posix() for p in files.root.rglob("*")
                     if p.is_file() and p.relative_to(files.root).as_posix() not in ("manifest.json", SIGNATURES_FILE))
    for name in sorted(set(on_disk) | set(listed)):
        if name not in listed:
            raise ExportFailure(f"manifest.json (files, {name})",
                                _("the file is in the export but not in the manifest"))
        if name not in on_disk:
            raise ExportFailure(f"manifest.json (files, {name})", _("the manifest lists a file the export lacks"))
        found = hashlib.sha256((files.root / name).read_bytes()).hexdigest()
        if found != listed[name]:
            raise ExportFailure(f"manifest.json (files, {name})", _(
                "the file's SHA-256 is %(found)s, the manifest says %(listed)s")
                % {"found": found, "listed": listed[name]})
    return len(on_disk)


def _conference_ballots(chain: str, rows: list[tuple[int, dict[str, Any]]], ballots: list[int]) -> None:
    """The conference chain records every ballot created in it: each must have its folder in the export."""
    created = {entry["payload"].get("ballot"): line for line, entry in rows if entry["action"] == "ballot.created"}
    missing = sorted(set(created) - set(ballots), key=str)
    if missing:
        raise ExportFailure(f"{chain} line {created[missing[0]]}", _(
            "the chain records that ballot %(ballot)s was created, but the export has no folder for it: a ballot was "
            "left out") % {"ballot": missing[0]})
    unrecorded = sorted(set(ballots) - set(created))
    if unrecorded:
        raise ExportFailure("manifest.json (field ballots)", _(
            "ballot %(ballot)s is not recorded as created in %(chain)s") % {"ballot": unrecorded[0], "chain": chain})


def _recount_elections(files: ExportFiles, chain: str, notes: list[str]) -> None:
    recount = elections_hook("recount_declarations")
    text = files.text(chain)
    if '"election.declared"' not in text:
        return
    if recount is None:
        notes.append(_("%(file)s: declared elections not recounted (the elections count is not installed)")
                     % {"file": chain})
        return
    recounted, problems = recount(text.split("\n"))
    if problems:
        raise ExportFailure(chain, problems[0])
    notes.append(_("%(file)s: recounted %(count)s election(s) from their papers: every stage matches the "
                   "declared record") % {"file": chain, "count": recounted})


def check_signatures(root: Path, keys: tuple[str, ...], notes: list[str]) -> None:
    """Each public key given must have signed manifest.json (which lists every other file's SHA-256)."""
    for public in keys:
        problem = manifest_signature_problem(root, public)
        if problem:
            raise ExportFailure(SIGNATURES_FILE, problem)
        notes.append(_("%(file)s: signed by %(key)s, the signature verifies")
                     % {"file": "manifest.json", "key": public})
    if not keys and (root / SIGNATURES_FILE).is_file():
        notes.append(_("%(file)s: signatures not checked (give the signers' public keys with --key)")
                     % {"file": SIGNATURES_FILE})


def _check_heads(anchors: AnchorCheck, notes: list[str]) -> None:
    checked, skipped, failed = anchors.problems()
    if failed:
        raise ExportFailure(_("noted heads"), failed[0])
    notes.append(_("noted heads: %(checked)s checked, every chain reaches its noted head (%(skipped)s of other "
                   "scopes skipped)") % {"checked": checked, "skipped": skipped} if skipped else
                 _("noted heads: %(checked)s checked, every chain reaches its noted head") % {"checked": checked})


def _verify(files: ExportFiles, notes: list[str], heads: NotedHeads) -> None:
    conference, ballots, listed = _manifest(files)
    chain = f"chains/conference-{conference}.jsonl"
    rows = files.chain(chain, f"conference:{conference}")
    notes.append(_("%(file)s: %(count)s entries, head %(head)s") % {"file": chain, "count": len(rows),
                                                                     "head": rows[-1][1]["hash"]} if rows else
                 _("%(file)s: %(count)s entries") % {"file": chain, "count": 0})
    _conference_ballots(chain, rows, ballots)
    _recount_elections(files, chain, notes)
    anchors = AnchorCheck(heads, lambda scope: scope == f"conference:{conference}" or scope in {
        f"ballot:{b}" for b in ballots})
    anchors.chain(f"conference:{conference}", (entry["hash"] for _, entry in rows))
    for ballot_id in ballots:
        check = BallotCheck(files, ballot_id, notes)
        check.run()
        anchors.chain(f"ballot:{ballot_id}", check.hashes)
        created = check.events["ballot.created"]
        if created[1]["payload"].get("conference") != conference or check.doc.get("conference") != conference:
            raise check.fail("chain.jsonl", f"the ballot is not of conference {conference}", created[0],
                             "payload.conference")
        if check.doc.get("ballot") != ballot_id:
            raise check.fail("ballot.json", f"the file describes ballot {check.doc.get('ballot')!r}",
                             what="field ballot")
    notes.append(_("%(file)s: %(count)s files, every SHA-256 matches") % {
        "file": "manifest.json", "count": _check_manifest(files, listed)})
    if heads:
        _check_heads(anchors, notes)
