"""Amendments applied to a motion's numbered lines: delete, insert, replace, and overlaps."""

from __future__ import annotations

import pytest

from unionvote.motions.lines import (
    LineChange,
    TextProblem,
    amended_text,
    apply_changes,
    check_change,
    numbered,
    overlapping_pairs,
    parse_text,
)

MOTION = """Conference notes that pay has fallen behind prices.
Conference believes every worker deserves a decent wage.

Conference instructs the executive to:
campaign for a real pay rise;
ballot members on action if needed."""


def lines():
    return parse_text(MOTION)


def test_blank_lines_start_paragraphs_and_take_no_number():
    assert [n for n, _ in numbered(lines())] == [1, 2, None, 3, 4, 5]
    assert parse_text("  one  \n\n\n\ntwo\n\n") == ["one", None, "two"]


def test_empty_text_and_unprintable_characters_are_refused():
    with pytest.raises(TextProblem, match="no text"):
        parse_text(" \n \n")
    with pytest.raises(TextProblem, match="cannot be printed"):
        parse_text("bad\x00line")


def test_deleting_a_line_renumbers_the_rest_and_keeps_references():
    result = apply_changes(lines(), [LineChange("A1", "delete", 2, 2)])
    assert amended_text(result) == ("Conference notes that pay has fallen behind prices.\n\n"
                                    "Conference instructs the executive to:\ncampaign for a real pay rise;\n"
                                    "ballot members on action if needed.")
    assert [(line.number, line.original) for line in result if line.text] == [(1, 1), (2, 3), (3, 4), (4, 5)]


def test_deleting_across_a_paragraph_break_joins_nothing_it_should_not():
    result = apply_changes(lines(), [LineChange("A1", "delete", 2, 3)])
    assert amended_text(result) == ("Conference notes that pay has fallen behind prices.\n\n"
                                    "campaign for a real pay rise;\nballot members on action if needed.")


def test_inserting_after_a_line_and_at_the_start():
    result = apply_changes(lines(), [LineChange("A1", "insert", 4, 4, ("demand equal pay for equal work;",)),
                                     LineChange("A2", "insert", 0, 0, ("Conference welcomes the report.",))])
    texts = [line.text for line in result if line.text]
    assert texts[0] == "Conference welcomes the report."
    assert texts[4:6] == ["campaign for a real pay rise;", "demand equal pay for equal work;"]
    inserted = next(line for line in result if line.ref == "A1")
    assert inserted.source == "inserted after line 4" and inserted.original is None and inserted.number == 6


def test_replacing_lines_puts_the_new_text_in_their_place():
    result = apply_changes(lines(), [LineChange("A1", "replace", 4, 5, ("organise a national demonstration.",))])
    assert amended_text(result).endswith("Conference instructs the executive to:\norganise a national demonstration.")
    new = [line for line in result if line.ref == "A1"]
    assert [line.source for line in new] == ["replaces lines 4–5"]


def test_several_amendments_each_use_the_original_line_numbers():
    result = apply_changes(lines(), [LineChange("A", "replace", 1, 1, ("Pay has fallen.",)),
                                     LineChange("B", "delete", 5, 5)])
    assert [line.text for line in result if line.text] == [
        "Pay has fallen.", "Conference believes every worker deserves a decent wage.",
        "Conference instructs the executive to:", "campaign for a real pay rise;"]


@pytest.mark.parametrize(("a", "b", "overlap"), [
    (LineChange(1, "delete", 2, 4), LineChange(2, "replace", 4, 5, ("x",)), True),   # share line 4
    (LineChange(1, "delete", 2, 3), LineChange(2, "replace", 4, 5, ("x",)), False),  # neighbours
    (LineChange(1, "replace", 2, 4, ("x",)), LineChange(2, "insert", 3, 3, ("y",)), True),  # inside the range
    (LineChange(1, "replace", 2, 4, ("x",)), LineChange(2, "insert", 4, 4, ("y",)), False),  # just after it
    (LineChange(1, "insert", 1, 1, ("x",)), LineChange(2, "insert", 1, 1, ("y",)), True),  # same place
    (LineChange(1, "delete", 3, 3), LineChange(2, "delete", 3, 3), True),
])
def test_overlaps_are_found(a, b, overlap):
    assert bool(overlapping_pairs([a, b])) is overlap


def test_overlapping_changes_cannot_both_be_applied():
    with pytest.raises(TextProblem, match="Overlapping"):
        apply_changes(lines(), [LineChange(1, "delete", 2, 4), LineChange(2, "delete", 4, 5)])


@pytest.mark.parametrize(("change", "message"), [
    (LineChange(1, "delete", 4, 9), "There is no line 9: the motion has lines 1 to 5."),
    (LineChange(1, "insert", 6, 6, ("x",)), "There is no line 6 to insert after"),
    (LineChange(1, "replace", 3, 2, ("x",)), "no earlier than it"),
    (LineChange(1, "replace", 0, 2, ("x",)), "no earlier than it"),
    (LineChange(1, "replace", 2, 2, ()), "Write the new text"),
    (LineChange(1, "delete", 2, 2, ("x",)), "has no new text"),
])
def test_a_line_range_the_motion_does_not_have_is_refused(change, message):
    with pytest.raises(TextProblem, match=message):
        check_change(change, 5)
