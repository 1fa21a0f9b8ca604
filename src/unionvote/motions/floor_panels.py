"""What other domains add to the chair's floor page. Motions knows nothing of ballots, so the voting domain
registers a provider here (at import) that returns extra template context for the floor page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

Provider = Callable[[AsyncSession, int], Awaitable[dict[str, Any]]]
_providers: list[Provider] = []


def floor_panel(provider: Provider) -> Provider:
    """Register `provider(db, conference_id) -> context` for the floor page."""
    _providers.append(provider)
    return provider


async def panels_context(db: AsyncSession, conference_id: int) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for provider in _providers:
        context.update(await provider(db, conference_id))
    return context
