"""Logs are structured and never carry a secret."""

from __future__ import annotations

import json
import logging

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import Visitor, make_user
from unionvote.logs import JsonFormatter, safe_path


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines() -> list[str]:
    handler = Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    yield handler.lines
    root.removeHandler(handler)
    root.setLevel(old_level)


async def test_logins_are_logged_as_json_without_passwords_or_session_tokens(
    app: Litestar, client: AsyncTestClient[Litestar], log_lines: list[str]
) -> None:
    await make_user(app, "dana@branch.example", totp=False)
    visitor = Visitor(client)
    await visitor.log_in("dana@branch.example", "a-wrong-password-123")
    await visitor.log_in("dana@branch.example")
    session_token = visitor.jar.get("uv_session")
    assert session_token
    joined = "\n".join(log_lines)
    entries = [json.loads(line) for line in log_lines]
    assert any(e.get("path") == "/login" and e.get("status") == 303 for e in entries)
    assert "a-wrong-password-123" not in joined
    assert "correct horse battery staple" not in joined
    assert session_token not in joined
    assert visitor.jar.get("uv_csrf", "") not in joined


def test_secret_fields_passed_to_a_logger_are_redacted() -> None:
    record = logging.LogRecord("unionvote.test", logging.INFO, __file__, 1, "hello", None, None)
    record.password, record.api_token, record.user_id = "hunter2hunter2", "uvt_abc", 7
    line = json.loads(JsonFormatter().format(record))
    assert line["password"] == "[redacted]" and line["api_token"] == "[redacted]" and line["user_id"] == 7


def test_credential_like_path_segments_are_masked() -> None:
    assert safe_path("/enrol/Zk3J9v0Qm1xYt7Lp2RsW8aBcDe") == "/enrol/[token]"
    assert safe_path("/admin/users/12") == "/admin/users/12"
