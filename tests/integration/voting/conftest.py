"""Voting tests share the register tests' fixtures: a session factory and a conference."""

from tests.integration.conferences.conftest import conference_id, factory

__all__ = ["conference_id", "factory"]
