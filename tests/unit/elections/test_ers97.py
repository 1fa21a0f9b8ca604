"""ERS97 counts worked by hand from the published rules (Electoral Reform Society, "How to conduct an
election by the Single Transferable Vote", 3rd edition 1997, section 5), each sheet in full.

Each election is small enough to check with a pencil; the comment above each sheet is the working.
"""

from __future__ import annotations

from decimal import Decimal

from tests.unit.elections.ballots import election, expected, sheet
from unionvote.elections.count import ers97


def test_the_quota_gains_a_hundredth_only_when_the_division_is_not_exact() -> None:
    # 5.1.6: 8 votes for 3 places: 8 / 4 = 2.00 exactly; 97 / 4 = 24.25 exactly; 31 / 3 = 10.333..., so 10.34.
    assert ers97.quota_of(800, 3) == 200
    assert ers97.quota_of(9700, 3) == 2425
    assert ers97.quota_of(3100, 2) == 1034
    # 9 votes, 2 places: the quota is 3.00, so Bob's 3 votes elect him at the first stage with Ann.
    result = ers97.count(election("Ann Bob Cath", 2, "4 x Ann Cath", "3 x Bob", "2 x Cath"))
    assert sheet(result) == expected("""
        quota             3.00
        stage             1
        action            first
        Ann               4.00
        Bob               3.00
        Cath              2.00
        non-transferable  0.00
        elected           Ann+Bob
    """)


def test_the_lowest_candidates_are_excluded_together_when_they_cannot_overtake_the_next() -> None:
    # 25 votes, 2 places: quota 8.34. Nobody is elected at stage 1 (total active vote 25 / 3 = 8.33 > 8).
    # 5.2.5: Eve 1 + Dev 3 = 4 does not exceed Cath 6 (and 4 + 6 > Bob 7), so Eve and Dev go together,
    # in one stage: Dev's papers to Cath (9.00), Eve's to Ann (9.00); both reach the quota, Ann first
    # (she had more at the first stage).
    result = ers97.count(election(
        "Ann Bob Cath Dev Eve", 2, "8 x Ann", "7 x Bob", "6 x Cath", "3 x Dev Cath", "1 x Eve Ann"))
    assert sheet(result) == expected("""
        quota             8.34   8.34
        stage             1      2
        action            first  exclusion:Eve+Dev
        Ann               8.00   9.00
        Bob               7.00   7.00
        Cath              6.00   9.00
        Dev               3.00   0.00
        Eve               1.00   0.00
        non-transferable  0.00   0.00
        elected           -      Ann+Cath
    """)
    assert result.stages[1].excluded == ("Eve", "Dev")


def test_a_surplus_is_deferred_when_it_cannot_save_a_group_that_could_be_excluded() -> None:
    # 31 votes, 2 places: quota 10.34; Ann's surplus is 0.66. The two lowest tie (gap 0), so 5.2.2(a)
    # does not defer, but Dev 2 + Eve 2 = 4 could be excluded together and Cath 7 - 4 = 3 >= 0.66, so
    # 5.2.2(b) defers it. 5.2.5: 4 + 0.66 does not exceed Cath 7: Dev and Eve go; Eve's papers elect Bob.
    result = ers97.count(election(
        "Ann Bob Cath Dev Eve", 2, "11 x Ann Bob", "9 x Bob", "7 x Cath", "2 x Dev Cath", "2 x Eve Bob"))
    assert sheet(result) == expected("""
        quota             10.34  10.34
        stage             1      2
        action            first  exclusion:Dev+Eve
        Ann               11.00  11.00
        Bob               9.00   11.00
        Cath              7.00   9.00
        Dev               2.00   0.00
        Eve               2.00   0.00
        non-transferable  0.00   0.00
        elected           Ann    Bob
    """)
    assert result.stages[1].deferred == ("Ann",)


def test_a_surplus_equal_to_the_gap_between_the_two_lowest_is_deferred() -> None:
    # 100 votes, 2 places: quota 33.34; Ann's surplus 6.66. Dev 12 and Cath 20 differ by 8: deferred (5.2.2(a)).
    # After Dev's papers go to Cath (32.00) the gap to Bob is 4.00 < 6.66: the surplus moves, 6.66 / 40 = 0.16 each.
    result = ers97.count(election(
        "Ann Bob Cath Dev", 2, "40 x Ann Bob", "28 x Bob", "20 x Cath Bob", "12 x Dev Cath"))
    assert sheet(result) == expected("""
        quota             33.34  33.34        33.34
        stage             1      2            3
        action            first  exclusion:Dev  surplus:Ann
        Ann               40.00  40.00        33.34
        Bob               28.00  28.00        34.40
        Cath              20.00  32.00        32.00
        Dev               12.00  0.00         0.00
        non-transferable  0.00   0.00         0.26
        elected           Ann    -            Bob
    """)
    assert result.stages[1].deferred == ("Ann",)


def test_a_surplus_exactly_equal_to_the_gap_is_deferred() -> None:
    # 38 votes, 2 places: quota 12.67; nobody is elected at stage 1 (38 / 3 = 12.67 > 12). Eve's 5 papers have
    # no next preference: the quota is recalculated on 33 votes, 11.00 exactly (5.4.8), and Bob's 12.00 is
    # elected with a surplus of 1.00. Dev 6.00 and Ann 7.00 differ by exactly 1.00: the surplus does not
    # exceed the gap, so it is deferred (5.2.2(a)) and Dev is excluded; his papers elect Cath.
    result = ers97.count(election(
        "Ann Bob Cath Dev Eve", 2,
        "5 x Eve", "12 x Bob Dev Eve", "7 x Ann Bob", "6 x Dev Cath", "8 x Cath Ann Dev"))
    assert sheet(result) == expected("""
        quota             12.67  11.00          11.00
        stage             1      2              3
        action            first  exclusion:Eve  exclusion:Dev
        Ann               7.00   7.00           7.00
        Bob               12.00  12.00          12.00
        Cath              8.00   8.00           14.00
        Dev               6.00   6.00           0.00
        Eve               5.00   0.00           0.00
        non-transferable  0.00   5.00           5.00
        elected           -      Bob            Cath
    """)
    assert result.stages[2].deferred == ("Bob",)


def test_a_candidate_reaching_the_total_active_vote_share_is_elected_after_a_surplus() -> None:
    # 38 votes, 2 places: quota 12.67. Ann's surplus 7.33 is carried by only 6 transferable papers, worth 6.00
    # (5.3.7: they move at their value, 1.00); 1.33 is non-transferable. Cath has 12.00, below the quota, but
    # the total active vote is 9 + 12 + 3 = 24 and 24 / (1 + 1) = 12: Cath is deemed elected (5.3.13(b)).
    result = ers97.count(election(
        "Ann Bob Cath Dev", 2, "14 x Ann", "6 x Ann Cath", "9 x Bob", "6 x Cath", "3 x Dev"))
    assert sheet(result) == expected("""
        quota             12.67  12.67
        stage             1      2
        action            first  surplus:Ann
        Ann               20.00  12.67
        Bob               9.00   9.00
        Cath              6.00   12.00
        Dev               3.00   3.00
        non-transferable  0.00   1.33
        elected           Ann    Cath
    """)
    assert result.stages[1].transfer_value == Decimal("1.00")


def test_the_quota_is_recalculated_when_papers_are_lost_before_anyone_is_elected() -> None:
    # 31 votes, 2 places: quota 10.34. Dev's 6 papers have no next preference: 5.4.8 recalculates the quota
    # on 31 - 6 = 25 votes: 8.34. Ann (10.00) is now elected with a surplus of 1.66; Bob's 8.00 is below both
    # the quota and the total active vote share (8 + 7 + 1.66 = 16.66, / 2 = 8.33). Ann's surplus comes from
    # her last batch, her first preferences: 1.66 / 10 = 0.16 each to Cath (8.60), who is elected.
    result = ers97.count(election("Ann Bob Cath Dev", 2, "10 x Ann Cath", "8 x Bob", "7 x Cath", "6 x Dev"))
    assert sheet(result) == expected("""
        quota             10.34  8.34           8.34
        stage             1      2              3
        action            first  exclusion:Dev  surplus:Ann
        Ann               10.00  10.00          8.34
        Bob               8.00   8.00           8.00
        Cath              7.00   7.00           8.60
        Dev               6.00   0.00           0.00
        non-transferable  0.00   6.00           6.06
        elected           -      Ann            Cath
    """)
    assert result.quota == Decimal("8.34")


def test_when_an_exclusion_would_leave_as_many_candidates_as_places_they_are_elected_without_transfer() -> None:
    # 22 votes, 2 places: quota 7.34. Ann's surplus 4.66 has no next preferences: non-transferable. Bob and
    # Cath then both have 5.00 = (5 + 5) / 2, the total active vote share, but there is one place and they were
    # equal at every stage: neither is deemed elected (5.6.2). One must be excluded, by lot (Cath, drawn with
    # SHA-256 as the count record says); that would leave Bob alone for one place, so Bob is deemed elected
    # at once (5.5.1) and Cath's papers are not transferred: there is no third stage.
    result = ers97.count(election("Ann Bob Cath", 2, "12 x Ann", "5 x Bob", "5 x Cath"))
    assert sheet(result) == expected("""
        quota             7.34   7.34
        stage             1      2
        action            first  surplus:Ann
        Ann               12.00  7.34
        Bob               5.00   5.00
        Cath              5.00   5.00
        non-transferable  0.00   4.66
        elected           Ann    Bob
    """)
    note = result.stages[1].note
    assert "(rule 5.6.2)" in note and "Bob deemed elected (rule 5.5.1)" in note
    [lot] = result.stages[1].tie_breaks
    assert (lot.purpose, lot.method, lot.chosen) == ("exclusion", "lot", "Cath")


def test_an_exclusion_is_one_stage_however_many_batches_it_takes() -> None:
    # 101 votes, 2 places: quota 33.67. Ann's surplus 6.33 over 40 papers: 0.15 each to Dev, 0.33 lost to
    # rounding (non-transferable). Dev and Cath tie on 21.00; at the first stage Dev had fewer, so Dev goes.
    # His papers move in two batches in one stage (5.2.7): his own 15 at 1.00 (no next preference), then
    # Ann's 40 at 0.15 to Bob. Bob's 31.00 is short of the quota but the total active vote is 31 + 21 = 52,
    # and 52 / 2 = 26: Bob is deemed elected (5.4.9(b)).
    result = ers97.count(election(
        "Ann Bob Cath Dev", 2, "40 x Ann Dev Bob", "25 x Bob", "21 x Cath", "15 x Dev"))
    assert sheet(result) == expected("""
        quota             33.67  33.67        33.67
        stage             1      2            3
        action            first  surplus:Ann  exclusion:Dev
        Ann               40.00  33.67        33.67
        Bob               25.00  25.00        31.00
        Cath              21.00  21.00        21.00
        Dev               15.00  21.00        0.00
        non-transferable  0.00   0.33         15.33
        elected           Ann    -            Bob
    """)
    s3 = result.stages[2]
    [tie] = s3.tie_breaks
    assert (tie.method, tie.decided_at_stage, tie.chosen) == ("look-back", 1, "Dev")
    assert "15 at 1.00; 40 at 0.15" in s3.note


def test_what_rounding_leaves_of_a_surplus_is_non_transferable() -> None:
    # 31 votes, 2 places: quota 10.34; Ann's surplus 3.66 over 14 papers: 0.2614..., so 0.26 each (5.3.7):
    # 13 to Bob (3.38), 1 to Cath (0.26); the 0.02 left is the non-transferable difference (5.3.9-5.3.10).
    result = ers97.count(election(
        "Ann Bob Cath Dev", 2, "13 x Ann Bob", "1 x Ann Cath", "8 x Bob", "5 x Cath", "4 x Dev"))
    assert sheet(result) == expected("""
        quota             10.34  10.34
        stage             1      2
        action            first  surplus:Ann
        Ann               14.00  10.34
        Bob               8.00   11.38
        Cath              5.00   5.26
        Dev               4.00   4.00
        non-transferable  0.00   0.02
        elected           Ann    Bob
    """)
    assert all(stage.lost_to_fractions == 0 for stage in result.stages)


def test_a_later_surplus_comes_only_from_the_last_batch_received() -> None:
    # 102 votes, 3 places: quota 25.50 exactly. Ann's surplus 4.50 over her 26 transferable papers: 0.17 each,
    # 0.08 non-transferable; her 4 papers with no next preference stay with her. Bob's surplus 0.75 comes from
    # the 25 papers he got from Ann, all to Cath at 0.03: his own first preferences (next: Eve) are not looked at.
    result = ers97.count(election(
        "Ann Bob Cath Dev Eve", 3,
        "25 x Ann Bob Cath", "1 x Ann Dev", "4 x Ann", "22 x Bob Eve", "18 x Cath", "16 x Dev", "16 x Eve Dev",
    ))
    assert sheet(result) == expected("""
        quota             25.50  25.50        25.50        25.50
        stage             1      2            3            4
        action            first  surplus:Ann  surplus:Bob  exclusion:Eve
        Ann               30.00  25.50        25.50        25.50
        Bob               22.00  26.25        25.50        25.50
        Cath              18.00  18.00        18.75        18.75
        Dev               16.00  16.17        16.17        32.17
        Eve               16.00  16.00        16.00        0.00
        non-transferable  0.00   0.08         0.08         0.08
        elected           Ann    Bob          -            Dev
    """)
    assert [s.transfer_value for s in result.stages[1:3]] == [Decimal("0.17"), Decimal("0.03")]


def test_papers_worth_less_than_the_surplus_move_at_their_own_value() -> None:
    # 100 votes, 2 places: quota 33.34. Ann's 3 transferable papers are worth 3.00 < 6.66: they move at 1.00
    # and 3.66 is non-transferable. Bob's 33.00 is short of the quota but reaches (33 + 30) / 2 = 31.50.
    result = ers97.count(election("Ann Bob Cath", 2, "37 x Ann", "3 x Ann Bob", "30 x Bob", "30 x Cath"))
    assert sheet(result) == expected("""
        quota             33.34  33.34
        stage             1      2
        action            first  surplus:Ann
        Ann               40.00  33.34
        Bob               30.00  33.00
        Cath              30.00  30.00
        non-transferable  0.00   3.66
        elected           Ann    Bob
    """)
