"""Every table model, imported in one place so SQLModel.metadata is complete.

Alembic (migrations/env.py) and the schema tests take their metadata from here:
add each new domain's models module to the imports below.
"""

from __future__ import annotations

from sqlmodel import SQLModel

import unionvote.accounts.models
import unionvote.audit.models
import unionvote.ballots.models
import unionvote.ballots.outreach_models
import unionvote.conferences.credentials
import unionvote.conferences.models
import unionvote.conferences.register
import unionvote.consult.models
import unionvote.elections.models
import unionvote.motions.models
import unionvote.voting.models  # noqa: F401

metadata = SQLModel.metadata

__all__ = ["metadata"]
