"""What a delegate typed or chose on the ranked ballot form, read into a preference order or a plain refusal."""

from __future__ import annotations

import pytest

from unionvote.elections.ranking import ranking_from_form
from unionvote.elections.services import ElectionError

NAMES = {"11": "Ann Smith", "12": "Bob Jones", "13": "Cath Lee"}


def test_ranks_become_the_order_of_preference_and_blanks_are_left_out() -> None:
    assert ranking_from_form({"11": "2", "12": "", "13": "1"}, NAMES) == ["13", "11"]


@pytest.mark.parametrize(
    ("ranks", "message"),
    [
        ({"11": "1", "12": "1"}, "You gave rank 1 to Ann Smith and Bob Jones: each rank goes to one candidate only."),
        ({"11": "1", "13": "3"}, "You gave rank 3 but no rank 2: number your choices 1, 2, 3... without gaps."),
        ({"11": "", "12": " "}, "Rank at least one candidate: put 1 beside your first choice."),
        ({"11": "4"}, "The rank for Ann Smith must be a number from 1 to 3."),
        ({"11": "first"}, "The rank for Ann Smith must be a number from 1 to 3."),
        ({"99": "1"}, "That candidate is not standing in this election: reload the ballot page."),
    ],
)
def test_mistakes_are_refused_with_what_to_put_right(ranks: dict[str, str], message: str) -> None:
    with pytest.raises(ElectionError) as refused:
        ranking_from_form(ranks, NAMES)
    assert str(refused.value) == message
