"""The export check's notes read in the reader's language on the record's verify page, while the command line
(no reader: English) and the files checked keep their English names."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.integration.conferences.conftest import conference_id, factory
from tests.integration.voting.test_export_verify import Conference, conference, export, one_byte, swap_slots
from tests.integration.voting.world import Factory
from tests.subprocesses import clean_env, unionvote
from unionvote.audit.anchors import heads_from_listing
from unionvote.i18n import speaking
from unionvote.voting.verify import verify_export

__all__ = ["conference", "conference_id", "factory"]


async def test_the_export_checks_notes_follow_the_readers_language(
        factory: Factory, conference_id: int, conference: Conference, tmp_path: Path) -> None:
    root = await export(factory, conference_id, tmp_path / "export")
    english = verify_export(root)
    assert english.ok and any(note.startswith("manifest.json: ") and note.endswith("files, every SHA-256 matches")
                              for note in english.notes)
    with speaking("cy"):
        welsh = verify_export(root)
    assert welsh.ok and len(welsh.notes) == len(english.notes)
    assert any(note.startswith("manifest.json: ") and note.endswith("ffeil, mae pob SHA-256 yn cyfateb")
               for note in welsh.notes)
    assert not any("every tracker recomputed" in note for note in welsh.notes)
    assert any("ailgyfrifwyd pob cyfeirnod y bleidlais" in note and "ballot.closed" in note for note in welsh.notes)


async def test_a_noted_head_the_export_misses_fails_in_the_readers_language(
        factory: Factory, conference_id: int, conference: Conference, tmp_path: Path) -> None:
    root = await export(factory, conference_id, tmp_path / "export")
    with speaking("pl"):
        polish = verify_export(root, heads_from_listing(f"conference:{conference_id}\t1\t{'0' * 64}\n",
                                                        "zapisane końce"))
    assert polish.failure is not None
    assert polish.failure.why.startswith(f"łańcuch conference:{conference_id} nigdy nie dochodzi do zapisanego "
                                         f"końca {'0' * 64}")
    english = verify_export(root, heads_from_listing(f"conference:{conference_id}\t1\t{'0' * 64}\n", "heads"))
    assert english.failure is not None and "never reaches the noted head" in english.failure.why


async def test_a_changed_weight_fails_in_polish_on_the_page_and_in_english_at_the_command_line(
        factory: Factory, conference_id: int, conference: Conference, tmp_path: Path) -> None:
    root = await export(factory, conference_id, tmp_path / "export")
    changed = tmp_path / "changed"
    shutil.copytree(root, changed)
    one_byte(changed / f"ballots/{conference.card}/electorate.jsonl", '"weight":"500"', '"weight":"600"')
    with speaking("pl"):
        polish = verify_export(changed)
    assert polish.failure is not None
    assert polish.failure.where == (f"ballots/{conference.card}/electorate.jsonl "
                                    f"(ballot {conference.card}, field weight)")
    assert polish.failure.why.startswith("skrót listy uprawnionych ")
    assert polish.failure.why.endswith("; wagi sumują się do 1600, a nie 1500: zmieniono wagę")
    checked = unionvote("audit", "verify", str(changed), env=clean_env())
    assert checked.returncode == 1
    assert checked.stdout.splitlines()[-1].endswith("; its weights add up to 1600, not 1500: a weight was changed")
    assert "wagi" not in checked.stdout


async def test_a_sealed_vote_that_does_not_verify_fails_in_the_readers_language(
        factory: Factory, conference_id: int, conference: Conference, tmp_path: Path) -> None:
    root = await export(factory, conference_id, tmp_path / "export")
    swap_slots(root / f"ballots/{conference.colours}/sealed.jsonl")
    with speaking("cy"):
        welsh = verify_export(root)
    assert welsh.failure is not None
    assert welsh.failure.why.startswith("nid yw'r bleidlais wedi'i selio yn gwirio: ")
    english = verify_export(root)
    assert english.failure is not None and english.failure.why.startswith("the sealed vote does not verify: ")
