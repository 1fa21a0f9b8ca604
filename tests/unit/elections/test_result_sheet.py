"""The printed result sheet: stages as columns, transfers and totals, the non-transferable line."""

from __future__ import annotations

from tests.unit.elections.ballots import election
from unionvote.elections.count import ers97, scottish_stv
from unionvote.elections.sheet import build_sheet


def test_an_ers97_sheet_puts_rounding_on_the_non_transferable_line_and_shows_a_recalculated_quota() -> None:
    record = ers97.count(election("Ann Bob Cath Dev", 2, "10 x Ann Cath", "8 x Bob", "7 x Cath", "6 x Dev")).to_record()
    sheet = build_sheet(record, {})
    assert sheet.headings == ["Stage 1: First preferences", "Stage 2: Exclusion of Dev", "Stage 3: Surplus of Ann"]
    assert [row.cells for row in sheet.rows if row.name == "Cath"] == [
        [("+7.00", "7.00"), ("", "7.00"), ("+1.60", "8.60")]]
    assert sheet.non_transferable == [("", "0.00"), ("+6.00", "6.00"), ("+0.06", "6.06")]
    assert sheet.lost_to_fractions == []
    assert sheet.quotas == ["10.34", "8.34", "8.34"]
    assert any("Quota recalculated to 8.34" in note for note in sheet.notes)


def test_a_scottish_sheet_keeps_the_votes_lost_to_fractions_apart() -> None:
    record = scottish_stv.count(election("Ann Bob Cath", 2, "7 x Ann Bob", "3 x Bob", "2 x Cath")).to_record()
    sheet = build_sheet(record, {})
    assert len(sheet.lost_to_fractions) == len(sheet.headings)
    assert sheet.quotas == []
