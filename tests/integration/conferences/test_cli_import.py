"""`unionvote bodies import` and `unionvote delegates import`: a summary, or every bad row and exit 1."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.integration.conferences.builders import bodies_csv, delegates_csv
from unionvote.cli import main
from unionvote.conferences.register import Delegate
from unionvote.conferences.services import create_conference
from unionvote.config import Settings
from unionvote.db import make_engine, make_session_factory, session_scope


async def _setup(url: str, query: bool = False) -> int:
    engine = make_engine(Settings(database_url=url))
    try:
        async with session_scope(make_session_factory(engine)) as db:
            if query:
                return (await db.execute(select(func.count(Delegate.id)))).scalar_one()
            await create_conference(db, slug="adc-2027", name="Annual Delegate Conference", by=None)
            return 0
    finally:
        await engine.dispose()


@pytest.fixture
def cli_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("UNIONVOTE_DATABASE_URL", database_url)
    asyncio.run(_setup(database_url))
    return database_url


def test_the_cli_imports_bodies_then_delegates_and_prints_a_summary(
        cli_database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bodies.csv").write_bytes(bodies_csv(("LON", 1000), ("MAN", 600)))
    (tmp_path / "delegates.csv").write_bytes(delegates_csv(("1", "LON", "delegate"), ("2", "MAN", "delegate")))

    assert main(["bodies", "import", "--conference", "adc-2027", str(tmp_path / "bodies.csv")]) == 0
    assert main(["delegates", "import", "--conference", "adc-2027", str(tmp_path / "delegates.csv")]) == 0
    assert main(["delegates", "import", "--conference", "adc-2027", str(tmp_path / "delegates.csv")]) == 0

    assert capsys.readouterr().out.splitlines() == [
        "Bodies of adc-2027: 2 added, 0 updated, 0 unchanged.",
        "Delegates of adc-2027: 2 added, 0 updated, 0 unchanged.",
        "Delegates of adc-2027: 0 added, 0 updated, 2 unchanged.",
    ]


def test_the_cli_prints_every_bad_row_exits_1_and_imports_nothing(
        cli_database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bodies.csv").write_bytes(bodies_csv(("LON", 1000)))
    main(["bodies", "import", "--conference", "adc-2027", str(tmp_path / "bodies.csv")])
    (tmp_path / "delegates.csv").write_bytes(delegates_csv(("1", "LON", "delegate"), ("2", "XXX", "delegate"),
                                                           ("1", "LON", "speaker")))

    code = main(["delegates", "import", "--conference", "adc-2027", str(tmp_path / "delegates.csv")])

    assert code == 1
    assert capsys.readouterr().err.splitlines() == [
        "Nothing was imported: 2 rows of the file have problems.",
        "Row 3: body code 'XXX' is not one of this conference's bodies",
        "Row 4: membership number '1' is also on row 2; "
        "role 'speaker' must be delegate, substitute, observer or visitor",
    ]
    assert asyncio.run(_setup(cli_database, query=True)) == 0


def test_the_cli_names_an_unknown_conference_or_a_missing_file(
        cli_database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bodies.csv").write_bytes(bodies_csv(("LON", 1000)))

    assert main(["bodies", "import", "--conference", "tuc-2027", str(tmp_path / "bodies.csv")]) == 2
    assert main(["bodies", "import", "--conference", "adc-2027", str(tmp_path / "nope.csv")]) == 2

    err = capsys.readouterr().err
    assert "no conference with the short name 'tuc-2027'" in err and "nope.csv does not exist" in err
