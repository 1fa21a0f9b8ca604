"""Fuzzing the JSON API from its own OpenAPI description: no request, however odd, gets a 5xx,
and every answer matches what /schema/openapi.json promises.

Runs against a real server in a child process, authenticated as an administrator with an
API token, so requests reach the handlers rather than stopping at the guards. Each operation
gets a fixed number of generated requests (derandomised, so a failure reproduces), half of
them aimed at the ids that really exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import make_settings  # noqa: E402
from tests.e2e.server import LiveServer, running_server  # noqa: E402
from tests.hostile.api_world import ApiWorld, seed_api_world  # noqa: E402
from unionvote.app import create_app  # noqa: E402

EXAMPLES_PER_OPERATION = 25
SCOPED_EXAMPLES_PER_OPERATION = 8  # the read-only token: most changes stop at the scope check
UNAUTHENTICATED_EXAMPLES_PER_OPERATION = 8  # no credential: most requests stop at the guard
# Operations that end the fuzzer's own credential (log out everywhere, new password, 2FA reset,
# token revocation) would turn every later request into a 401; they are fuzzed unauthenticated only.
# Every operation is also fuzzed with no credential at all.
ENDS_OWN_CREDENTIAL = {
    ("DELETE", "/api/v1/session"), ("DELETE", "/api/v1/session/everywhere"), ("POST", "/api/v1/me/password"),
    ("POST", "/api/v1/users/{user_id}/totp-reset"), ("DELETE", "/api/v1/me/tokens/{token_id}"),
}
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]


def _operations() -> list[tuple[str, str]]:
    described = create_app(make_settings("sqlite+aiosqlite:///:memory:")).openapi_schema.to_schema()
    return sorted((method.upper(), path) for path, item in described["paths"].items() for method in item
                  if method in {"get", "post", "put", "patch", "delete"})


OPERATIONS = _operations()


@pytest.fixture(scope="module")
def api(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, ApiWorld]]:
    workdir = tmp_path_factory.mktemp("fuzz")
    database = workdir / "fuzz.db"
    database.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite+aiosqlite:///{database}"
    world = seed_api_world(url)
    # A generous login limit: the fuzzer is not a brute-force test (that is test_brute_force.py).
    with running_server(url, workdir, UNIONVOTE_LOGIN_ATTEMPTS_PER_MINUTE="100000") as server:
        yield server, world


@pytest.fixture(scope="module")
def schema(api: tuple[LiveServer, ApiWorld]) -> object:
    server, _ = api
    return schemathesis.openapi.from_url(f"{server.base_url}/schema/openapi.json")


@pytest.mark.parametrize("token", ["all scopes", "read only", "none"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_request_gets_a_server_error_and_every_answer_matches_the_schema(
        api: tuple[LiveServer, ApiWorld], schema: object, method: str, path: str, token: str) -> None:
    server, world = api
    operation = schema[path][method]  # type: ignore[index]
    if token != "none" and (method, path) in ENDS_OWN_CREDENTIAL:
        pytest.skip("fuzzed unauthenticated only: it would end the fuzzer's own credential")
    plain = {"all scopes": world.admin_token, "read only": world.read_token}.get(token)
    headers = {"authorization": f"Bearer {plain}"} if plain else {}
    examples = {"all scopes": EXAMPLES_PER_OPERATION, "read only": SCOPED_EXAMPLES_PER_OPERATION,
                "none": UNAUTHENTICATED_EXAMPLES_PER_OPERATION}[token]
    real_ids = {"conference_id": world.world.conference_id, "delegate_id": world.delegate_ids[0],
                "user_id": world.world.sam.user_id}

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(), aim_at_real_ids=st.booleans())
    def one_request(case: object, aim_at_real_ids: bool) -> None:
        if aim_at_real_ids and case.path_parameters:  # type: ignore[attr-defined]
            for name, value in real_ids.items():
                if name in case.path_parameters:  # type: ignore[attr-defined]
                    case.path_parameters[name] = value  # type: ignore[attr-defined]
        response = case.call(base_url=server.base_url, headers=headers, timeout=30)  # type: ignore[attr-defined]
        case.validate_response(response, checks=CHECKS, headers=headers)  # type: ignore[attr-defined]

    one_request()
