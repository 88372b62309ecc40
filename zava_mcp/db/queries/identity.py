"""Who the caller is and which stores they see."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from zava_mcp.db.tenant import Tenant


@dataclass(frozen=True)
class CurrentManager:
    manager_id: uuid.UUID
    full_name: str
    access_level: str
    region_id: uuid.UUID | None
    store_id: uuid.UUID | None


async def fetch_current_manager(conn: Tenant) -> CurrentManager | None:
    row = await conn.fetchrow(
        "select manager_id, full_name, access_level, region_id, store_id "
        "from retail.get_current_manager()"
    )
    return CurrentManager(*row) if row else None


@dataclass(frozen=True)
class StoreRow:
    id: uuid.UUID
    code: str
    name: str
    location: str
    region: str
    is_online: bool


_STORES = (
    "select s.id, s.code, s.name, s.location, r.name, s.is_online "
    "from retail.stores s join retail.regions r on r.id = s.region_id"
)


async def fetch_visible_stores(conn: Tenant) -> list[StoreRow]:
    return [StoreRow(*row) for row in await conn.fetch(_STORES + " order by s.name")]
