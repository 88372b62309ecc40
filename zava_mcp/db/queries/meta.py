"""What the server asks about the database itself: its schema revision and data version."""

from __future__ import annotations

from zava_mcp.db.tenant import Tenant


async def fetch_schema_revision(conn: Tenant) -> str | None:
    if await conn.fetchval("select to_regclass('public.alembic_version')") is None:
        return None
    value = await conn.fetchval("select version_num from public.alembic_version")
    return str(value) if value is not None else None


async def fetch_data_version(conn: Tenant) -> int | None:
    value = await conn.fetchval("select version from retail.data_version")
    return int(value) if value is not None else None
