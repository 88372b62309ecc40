"""How fresh the data is: the version the seed and migrations move when they change it."""

from __future__ import annotations

from zava_mcp.db.queries import meta as meta_queries
from zava_mcp.db.session import Database


async def data_version(db: Database) -> int | None:
    """The current data version (``None`` before the seed has set one)."""
    async with db.unit_of_work(None) as conn:
        return await meta_queries.fetch_data_version(conn)
