"""Register files as they really arrive, or as an attacker sends them: the import refuses each with
a message a person can act on, answers 4xx (never 500), and leaves the register untouched."""

from __future__ import annotations

import time

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor, make_conference
from tests.integration.conferences.builders import bodies_csv
from tests.integration.conferences.web_world import logged_in, register_size
from unionvote.accounts.models import Role

# Reading a file happens before the database is touched, and all-or-nothing writes are covered on
# PostgreSQL in tests/integration/conferences/test_imports.py: SQLite keeps this module quick.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

HEADER = "membership number,name,email,body code,role,lead"
GOOD_ROWS = ["A1,Ann Smith,ann@example.org,LON,delegate,yes", "A2,Bob Jones,bob@example.org,LON,delegate,"]


def register(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


@pytest.fixture
async def conference_id(app: Litestar) -> int:
    return await make_conference(app)


@pytest.fixture
async def staff(client: AsyncTestClient[Litestar], app: Litestar, conference_id: int) -> Visitor:
    visitor = await logged_in(client, app, "sam.staff@union.example", conference_id, Role.STAFF)
    bodies = await visitor.post(f"/api/v1/conferences/{conference_id}/bodies/import",
                                content=bodies_csv(("LON", 300)), headers={"content-type": "text/csv"})
    assert bodies.status_code == 200, bodies.text
    return visitor


async def send(staff: Visitor, conference_id: int, data: bytes) -> httpx.Response:
    return await staff.post(f"/api/v1/conferences/{conference_id}/delegates/import", content=data,
                            headers={"content-type": "text/csv"})


def problems(response: httpx.Response) -> list[tuple[int, str]]:
    return [(row["line"], row["reason"]) for row in response.json()["extra"]["rows"]]


async def test_a_file_saved_as_utf16_is_refused_with_how_to_save_it_as_utf8(
        staff: Visitor, app: Litestar, conference_id: int) -> None:
    for data in (register(*GOOD_ROWS).encode("utf-16"), register(*GOOD_ROWS).encode("utf-16-le")):
        response = await send(staff, conference_id, data)
        assert response.status_code == 400, response.text
        assert "UTF-8" in response.json()["extra"]["rows"][0]["reason"], response.text
    assert await register_size(app, conference_id) == 0


async def test_a_latin1_file_names_each_line_that_is_not_utf8(staff: Visitor, app: Litestar, conference_id: int
                                                               ) -> None:
    data = register("A1,Zoë Brontë,zoe@example.org,LON,delegate,", "A2,Ann Smith,ann@example.org,LON,delegate,",
                    "A3,José Núñez,jose@example.org,LON,delegate,").encode("latin-1")
    response = await send(staff, conference_id, data)
    assert response.status_code == 400
    assert [line for line, _ in problems(response)] == [2, 4]
    assert all("not UTF-8" in reason and "CSV UTF-8" in reason for _, reason in problems(response))
    assert await register_size(app, conference_id) == 0


@pytest.mark.parametrize("cut", [len(HEADER) + 12, -9, -1], ids=["mid-row", "mid-email", "last-newline"])
async def test_a_truncated_file_imports_all_or_nothing(staff: Visitor, app: Litestar, conference_id: int,
                                                       cut: int) -> None:
    whole = register(*GOOD_ROWS, 'A3,"Carys ""CJ"" Evans",carys@example.org,LON,delegate,').encode()
    response = await send(staff, conference_id, whole[:cut])
    if response.status_code == 200:  # the cut fell where the file still reads as complete rows
        assert response.json()["added"] == 3 and cut == -1
    else:
        assert response.status_code == 400 and problems(response), response.text
        assert await register_size(app, conference_id) == 0


async def test_a_quoted_value_that_never_closes_is_named_not_crashed_on(
        staff: Visitor, app: Litestar, conference_id: int) -> None:
    response = await send(staff, conference_id, register(*GOOD_ROWS, 'A3,"Carys Evans,carys@example.org').encode())
    assert response.status_code == 400, response.text
    [(line, reason)] = problems(response)
    assert line == 4 and "quot" in reason
    assert await register_size(app, conference_id) == 0


@pytest.mark.parametrize("junk", [b"\x00" * 64, bytes(range(256)), b"PK\x03\x04" + b"\x00\x14" * 40,
                                  b"\xef\xbb\xbf", b"\r\r\r", b'"', b",,,,,\n,,,,\n"],
                         ids=["nul-bytes", "every-byte", "a-zip-file", "bom-only", "carriage-returns",
                              "one-quote", "only-commas"])
async def test_binary_or_empty_junk_is_refused_with_a_message(staff: Visitor, app: Litestar, conference_id: int,
                                                            junk: bytes) -> None:
    response = await send(staff, conference_id, junk)
    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith("Nothing was imported")
    assert await register_size(app, conference_id) == 0


async def test_control_characters_and_enormous_cells_are_listed_row_by_row(
        staff: Visitor, app: Litestar, conference_id: int) -> None:
    rows = [*GOOD_ROWS, "A3,Nul\x00Byte,n@example.org,LON,delegate,",
            "A4," + "N" * 100_000 + ",x@example.org,LON,delegate,",
            "A5,Esc\x1b[31mape,e@example.org,LON,delegate,", "A6,Extra,f@example.org,LON,delegate,,surplus"]
    response = await send(staff, conference_id, register(*rows).encode())
    assert response.status_code == 400, response.text
    assert [line for line, _ in problems(response)] == [4, 5, 6, 7]
    assert await register_size(app, conference_id) == 0


async def test_an_enormous_file_is_refused_quickly_and_cleanly(staff: Visitor, app: Litestar, conference_id: int
                                                              ) -> None:
    bad = "\n".join(f"X{n},,not-an-email,NOPE,chief," for n in range(50_000))  # ~1.7 MB, every row bad
    started = time.monotonic()
    response = await send(staff, conference_id, (HEADER + "\n" + bad + "\n").encode())
    assert response.status_code == 400, response.text[:500]
    assert len(problems(response)) == 50_000
    assert time.monotonic() - started < 60
    too_big = await send(staff, conference_id, b"A" * (11 * 1024 * 1024))
    assert too_big.status_code == 413
    assert await register_size(app, conference_id) == 0


async def test_formula_cells_are_stored_as_text_and_never_leave_as_formulas(
        staff: Visitor, app: Litestar, conference_id: int) -> None:
    names = ["=cmd|' /C calc'!A0", "+SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)",
             '=HYPERLINK("http://attacker.example","Click")']
    rows = [f'F{n},"{name.replace(chr(34), chr(34) * 2)}",f{n}@example.org,LON,delegate,'
            for n, name in enumerate(names)]
    imported = await send(staff, conference_id, register(*rows).encode())
    assert imported.status_code == 200, imported.text
    listed = (await staff.get(f"/api/v1/conferences/{conference_id}/delegates")).json()
    assert sorted(d["name"] for d in listed["items"]) == sorted(names)  # kept exactly as given

    for export in ("invitations/export", "voting-codes/export"):
        response = await staff.post(f"/api/v1/conferences/{conference_id}/{export}", json={})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/csv; charset=utf-8"  # once, not twice
        text = response.content.decode("utf-8-sig")
        for name in names:
            assert f"'{name}" in text.replace('""', '"'), f"{export} left {name!r} as a formula"
