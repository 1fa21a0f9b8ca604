"""The one error type domain rules raise: a message a person can act on, and its HTTP status."""

from __future__ import annotations


class RuleViolation(ValueError):
    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.status_code = status_code
