"""The ballots of the secrecy tests as the attacker approaches them (attacker.Secret), one per kind:
card, one_of and open (conference ballots), election (ranked), member (a member ballot's two questions)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from tests.integration.secrecy import attacker
from tests.integration.secrecy.attacker import Secret, json_needles, ranking_needles
from tests.integration.secrecy.evidence import Row, json_lines
from tests.integration.secrecy.world import BRANCH_KEYS, BRANCHES, PLAN_KEYS, PLANS, ROTAS, Ground

FOR_AGAINST = ("for", "against", "abstain")


def secret_of(ground: Ground, rows: dict[str, list[Row]], kind: str) -> Secret:
    """How the attacker approaches one kind of vote, and the truth to judge them by."""
    cid = ground.conference_id
    users = {int(r.values["user_id"]): int(r.values["id"]) for r in rows["delegate"]  # type: ignore[call-overload]
             if r.values.get("user_id") is not None}
    if kind in ("card", "one_of", "open"):
        bid = ground.ballots[kind]
        options = {"card": FOR_AGAINST, "one_of": PLAN_KEYS, "open": BRANCH_KEYS}[kind]
        needles = json_needles(options)
        if kind != "card":
            labels = dict(zip(options, PLANS if kind == "one_of" else BRANCHES, strict=True))
            for key in options:
                needles[key] += [key.encode(), labels[key].encode()]  # distinctive words: found bare, and the label
        return Secret(kind, "ballot_participation", "delegate_id", lambda r: r.get("ballot_id") == bid,
                      ground.truth[kind], needles, lambda c: {str(c)},
                      re.compile(rf"/api/v1/ballots/{bid}/votes|/conferences/{cid}/vote/{bid}"), users, bid,
                      tuple(options))
    if kind == "election":
        [election] = [r for r in rows["election"] if r.values["id"] == ground.election_id]
        bid = election.values["ballot_id"]
        return Secret(kind, "ballot_participation", "delegate_id", lambda r: r.get("ballot_id") == bid,
                      ground.truth[kind], ranking_needles([str(c) for c in ground.candidate_ids]),
                      lambda c: {" ".join(c)},  # type: ignore[call-overload]
                      re.compile(rf"/conferences/{cid}/elections/{ground.election_id}/vote"), users)
    assert kind == "member"
    mbid, questions = ground.member_ballot_id, set(ground.question_ids)
    needles = json_needles(["yes", "no", *ground.rota_keys])
    for key, label in zip(ground.rota_keys, ROTAS, strict=True):
        needles[key] += [key.encode(), label.encode()]
    return Secret(kind, "member_participation", "member_id",
                  lambda r: r.get("ballot_id") == mbid or r.get("question_id") in questions,
                  ground.truth[kind], needles, lambda c: set(c), re.compile(r"/vote/\[token\]"))  # type: ignore[call-overload]


def assert_every_choice_recovered(secret: Secret, joins: dict[str, dict[int, bytes]],
                                  linked_rows: dict[int, list[Row]]) -> None:
    """The control (an open ballot): each join ties every voter to their choice, and the choice column varies."""
    truth = {voter: frozenset(secret.labels(choice)) for voter, choice in secret.truth.items()}
    for name, linked in joins.items():
        assert attacker.learned(secret, linked) == truth, name
    problems = attacker.varying_fields(secret, linked_rows)
    assert any("ballot_content.choice" in p for p in problems), problems


def assert_no_choice_learned(secret: Secret, joins: dict[str, dict[int, bytes]], linked_rows: dict[int, list[Row]],
                             tokens: Iterable[str], places: Iterable[str | bytes]) -> None:
    """No join tells a choice; the rows tied to voters hold only constants, voter attributes and ciphertexts
    (one length whatever the choice, never two alike); no voter's ballot token is in any place (with it, the
    content id, an HMAC over the choice, would tell)."""
    for name, linked in joins.items():
        assert attacker.learned(secret, linked) == {}, f"the {name} join tells how people voted"
    for voter, rows in linked_rows.items():  # each vote is there, sealed: a long random string in a row of its own
        assert any(isinstance(value, str) and len(value) >= 64 for row in rows for value in row.values.values()
                   if row.table != secret.participation and row.table not in attacker.VOTER_TABLES), voter
    assert attacker.varying_fields(secret, linked_rows) == []
    assert attacker.all_distinct_ciphertexts(r for rows in linked_rows.values() for r in rows) == []
    places = list(places)
    for token in tokens:
        assert not any((token if isinstance(place, str) else token.encode()) in place for place in places)


def assert_no_choice_logged(secret: Secret, app_log: str) -> None:
    """The application's own log (every request, at DEBUG: the database driver's statements with their
    parameters too) holds none of the ballot's choices in any form, its JSON lines read as well as decoded."""
    assert attacker.found(secret, (app_log + "\n" + decoded_log(app_log)).encode()) == frozenset()


def decoded_log(log: str) -> str:
    """Every string in the log's JSON lines, unescaped (a logged statement's parameters are escaped twice)."""
    values = [value for entry in json_lines(log) for value in entry.values() if isinstance(value, str)]
    return "\n".join(text for value in values for text in (value, value.replace('\\"', '"')))
