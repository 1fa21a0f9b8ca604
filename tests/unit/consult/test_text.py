"""Similar thoughts and themes, computed locally."""

from __future__ import annotations

from unionvote.consult.exports import polis_vote
from unionvote.consult.similarity import most_similar
from unionvote.consult.themes import kmeans, label, tfidf

THOUGHTS = [
    ("a", "Batch cook on Sundays and freeze meals for the week"),
    ("b", "Ask for flexible start times for the school run"),
    ("c", "Share one family calendar with everyone who does pick-ups"),
]


def test_a_reworded_thought_is_found_and_an_unrelated_one_is_not() -> None:
    assert [k for k, _ in most_similar("batch cooking on a Sunday, then freezing meals", THOUGHTS)] == ["a"]
    assert most_similar("Join the union's parents' network", THOUGHTS) == []


def test_themes_group_thoughts_about_the_same_thing_and_are_labelled_by_their_words() -> None:
    texts = ["Cook meals ahead and freeze them", "Freeze cooked meals on Sunday", "Cook double meals to freeze",
             "Flexible hours at work help", "Ask work for flexible hours", "Flexible working hours request"]
    vectors = tfidf(texts)
    groups = kmeans(vectors, 2)
    assert groups[0] == groups[1] == groups[2] and groups[3] == groups[4] == groups[5] and groups[0] != groups[3]
    assert kmeans(vectors, 2) == groups  # the same thoughts give the same themes
    assert "flexible" in label([vectors[i] for i in (3, 4, 5)], texts[3:]).lower()


def test_stars_map_to_polis_votes() -> None:
    assert [polis_vote(s) for s in (1, 2, 3, 4, 5, None)] == [-1, -1, 0, 1, 1, 0]
