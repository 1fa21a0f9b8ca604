"""Secret votes on PostgreSQL, against someone who holds everything: every row with its xmin and ctid,
a `pg_dump`, the WAL, the server's log of every statement and the application's logs.

A private cluster of the test's own logs every statement with its parameters. The real server runs
against it; delegates vote in a card vote (split mode) and a one-of ballot, in an election (ranked),
and members in a member ballot, through the pages and the API. Then the attacker tries every join we
know of (attacker.every_join) and finds no voter's choice in what each join ties to them. The same
attack on an open (named) ballot recovers every choice: the attack works, so these tests can fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.e2e.server import running_server
from tests.integration.secrecy import attacker
from tests.integration.secrecy.cases import (
    assert_every_choice_recovered,
    assert_no_choice_learned,
    assert_no_choice_logged,
    secret_of,
)
from tests.integration.secrecy.evidence import Evidence, gather, logged_postgres, postgres_bindir
from tests.integration.secrecy.world import Ground, cast_all, close_everything, seed
from unionvote.migrate import upgrade

SEALING_KEY = "the server's sealing key: in a file or the environment, never in the database 7f3a"

pytestmark = [
    pytest.mark.skipif(postgres_bindir() is None, reason="needs PostgreSQL's server programs (initdb, pg_ctl, "
                                                          "pg_dump, pg_waldump) under /usr/lib/postgresql"),
]


@dataclass
class Case:
    ground: Ground
    voting_log: str  # the app's log up to the close (after it, the opened papers are published, and logged)
    evidence: Evidence


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Case]:
    workdir = tmp_path_factory.mktemp("secrecy-pg")
    with logged_postgres() as pg:
        upgrade(pg.url)
        ground = seed(pg.url)
        with running_server(pg.url, workdir, UNIONVOTE_SEALING_KEY=SEALING_KEY,
                            UNIONVOTE_LOG_LEVEL="DEBUG") as server:
            cast_all(server.base_url, ground)
            voting_log = server.log_text()
            close_everything(server.base_url, ground)
        yield Case(ground, voting_log, gather(pg, [server.log]))


def assert_nothing_learned(case: Case, kind: str) -> None:
    secret, evidence = secret_of(case.ground, case.evidence.rows, kind), case.evidence
    joins = attacker.every_join(evidence, secret)
    for name in ("xmin", "ctid", "dump order", "postgres log", "timestamps", "access log", "wal"):
        assert len(joins[name]) == len(secret.truth), f"the {name} join did not reach every voter"
    assert_no_choice_learned(secret, joins, attacker.by_xmin(evidence, secret), case.ground.tokens[kind].values(),
                             [evidence.dump, evidence.postgres_log, evidence.app_log, evidence.wal.everything])
    assert_no_choice_logged(secret, case.voting_log)


def test_the_attack_recovers_every_choice_of_an_open_ballot(case: Case) -> None:
    """The control: on a named ballot the same joins tie each delegate to their choice."""
    secret = secret_of(case.ground, case.evidence.rows, "open")
    joins = attacker.every_join(case.evidence, secret)
    del joins["tokens"]  # no token is kept, open ballot or not
    assert_every_choice_recovered(secret, joins, attacker.by_xmin(case.evidence, secret))


def test_a_card_vote_in_split_mode_tells_nothing(case: Case) -> None:
    assert_nothing_learned(case, "card")


def test_a_one_of_ballot_tells_nothing(case: Case) -> None:
    assert_nothing_learned(case, "one_of")


def test_a_voters_token_ties_them_to_their_open_vote(case: Case) -> None:
    """The token join works: given the voters' ballot tokens (none is kept anywhere, so the attacker's own
    search finds none), it ties each voter of an open ballot to their content row, so to their choice."""
    secret = secret_of(case.ground, case.evidence.rows, "open")
    assert attacker.by_tokens(case.evidence, secret) == {}
    linked = attacker.by_tokens(case.evidence, secret, extra=case.ground.tokens["open"].values())
    assert attacker.learned(secret, {v: "\n".join(texts).encode() for v, texts in linked.items()}) == {
        voter: {choice} for voter, choice in secret.truth.items()}


def test_even_a_voters_own_token_does_not_open_their_sealed_vote(case: Case) -> None:
    """A token that leaves the voter's device (a shared computer, a photo) ties them to their sealed vote, and
    must tell no more than that."""
    for kind in ("card", "one_of"):
        secret = secret_of(case.ground, case.evidence.rows, kind)
        linked = attacker.by_tokens(case.evidence, secret, extra=case.ground.tokens[kind].values())
        assert len(linked) == len(secret.truth)
        assert attacker.learned(secret, {v: "\n".join(texts).encode() for v, texts in linked.items()}) == {}


def test_the_sealing_key_is_nowhere(case: Case) -> None:
    evidence = case.evidence
    for place in (evidence.dump, evidence.postgres_log, evidence.app_log):
        assert SEALING_KEY not in place
    assert SEALING_KEY.encode() not in evidence.wal.everything
    assert evidence.rows["ballot_sealing"], "the secret ballots were not sealed"


def test_a_member_ballot_tells_nothing(case: Case) -> None:
    assert_nothing_learned(case, "member")


def test_an_election_tells_nothing(case: Case) -> None:
    assert_nothing_learned(case, "election")


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "no verifiable shuffle: the shares the count stores open each sealed paper, and the paper's transaction "
    "(xmin) ties it to its voter (docs/audit-format.md, 'What sealing ranked papers protects')"))
def test_after_the_count_no_opened_paper_is_tied_to_its_voter(case: Case) -> None:
    secret = secret_of(case.ground, case.evidence.rows, "election")
    opened = attacker.opened_papers_by_voter(case.evidence, secret)
    assert attacker.learned(secret, {voter: paper.encode() for voter, paper in opened.items()}) == {}
