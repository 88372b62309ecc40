"""The signed identity binding: what the server puts in ``zava.manager_id`` for a caller.

The value is ``<uuid>.<mac>`` with ``mac = sha256(key || sha256(key || uuid))`` in hex (the
nested hash resists length extension; PostgreSQL has ``sha256()`` but the embedded build has no
pgcrypto for a real HMAC). ``retail.current_manager_id()`` recomputes it with the key only the
owner can read (migration 0006), so a session that could ``SET`` the setting still cannot name
another manager: a value without the right MAC binds nobody.
"""

from __future__ import annotations

import hashlib
import uuid

import asyncpg
from sqlalchemy.engine import URL

from zava_mcp.errors import ConfigurationError
from zava_mcp.infra.settings import asyncpg_dsn


def signed_identity(manager_id: uuid.UUID, key: bytes) -> str:
    """The bound value for ``manager_id`` under ``key``."""
    text = str(manager_id)
    inner = hashlib.sha256(key + text.encode()).digest()
    return f"{text}.{hashlib.sha256(key + inner).hexdigest()}"


async def read_identity_key(admin_url: URL) -> bytes:
    """The signing key, read once at start through the owner's connection."""
    conn = await asyncpg.connect(asyncpg_dsn(admin_url), timeout=10)
    try:
        key = await conn.fetchval("select key from zava_private.identity_key")
    except (
        asyncpg.exceptions.UndefinedTableError,
        asyncpg.exceptions.InvalidSchemaNameError,
    ):
        key = None
    finally:
        await conn.close()
    if not key:
        raise ConfigurationError(
            "the database has no identity signing key; run `alembic upgrade head`"
        )
    return bytes(key)
