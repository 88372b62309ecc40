"""Who the caller is, as the database sees them."""

from __future__ import annotations

from zava_mcp.db.queries import identity as identity_queries
from zava_mcp.errors import AuthenticationError
from zava_mcp.identity import Identity
from zava_mcp.services.base import ServiceContext
from zava_mcp.services.schemas import StoreSummary, WhoAmI


def store_summary(row: identity_queries.StoreRow) -> StoreSummary:
    return StoreSummary(
        store_id=str(row.id),
        code=row.code,
        name=row.name,
        location=row.location,
        region=row.region,
        is_online=row.is_online,
    )


class IdentityService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def whoami(self, *, identity: Identity) -> WhoAmI:
        """The caller's name, access level and the stores they may see."""
        return await self.ctx.cached(identity, "whoami", (), lambda: self._whoami(identity))

    async def _whoami(self, identity: Identity) -> WhoAmI:
        async with (
            self.ctx.track("whoami", operation="identity"),
            self.ctx.db.unit_of_work(identity) as conn,
        ):
            manager = await identity_queries.fetch_current_manager(conn)
            if manager is None:
                raise AuthenticationError("the caller identity is not a known manager")
            stores = await identity_queries.fetch_visible_stores(conn)
        return WhoAmI(
            manager_id=str(manager.manager_id),
            full_name=manager.full_name,
            access_level=manager.access_level,  # type: ignore[arg-type]
            stores=[store_summary(s) for s in stores],
        )
