"""The audit trail: one append-only, hash-chained row per tool call.

Each record is written in its own read-write transaction (the tool call's transaction is read
only, may have rolled back, and may have run on a read replica), through a pool of its own. The
application role can only append through ``audit.record_tool_call``; ``verify_chain`` (as the
owner) recomputes every hash.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy.engine import URL

from zava_mcp.db.session import CONNECTION_BROKEN, Database, PoolConfig, release
from zava_mcp.errors import DatabaseError

MAX_ARGUMENT_CHARS = 2000


def canonical_arguments(arguments: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Arguments as stored (long strings truncated) and the SHA-256 of the full arguments."""
    full = json.dumps(arguments, sort_keys=True, default=str, ensure_ascii=False)
    digest = hashlib.sha256(full.encode()).hexdigest()
    stored = {
        key: (
            value[:MAX_ARGUMENT_CHARS] + "…"
            if isinstance(value, str) and len(value) > MAX_ARGUMENT_CHARS
            else value
        )
        for key, value in arguments.items()
    }
    return json.loads(json.dumps(stored, default=str)), digest


@dataclass(frozen=True)
class AuditRecord:
    manager_id: uuid.UUID | None
    tool: str
    arguments: dict[str, Any]
    rows_returned: int | None
    duration_ms: float
    outcome: str
    error_code: str | None
    request_id: str | None


#: the audit writer's session: read-write by default (the application role's default is read only),
#: so one ``select audit.record_tool_call(...)`` is its own transaction and commits in the same
#: round trip. Agent SQL never runs on these connections.
AUDIT_SESSION = {"default_transaction_read_only": "off", "application_name": "zava-mcp-audit"}


def audit_database(
    url: URL, config: PoolConfig | None = None, *, synchronous_commit: bool = True
) -> Database:
    """The pool the audit trail is written through (same role and database as the tools).

    ``synchronous_commit=False`` skips the wait for the WAL flush: a PostgreSQL crash, not a
    clean restart, may then lose the newest rows, so it is an explicit operator choice.
    """
    settings = dict(AUDIT_SESSION)
    if not synchronous_commit:
        settings["synchronous_commit"] = "off"
    return Database.from_url(url, config, settings=settings)


async def record(db: Database, entry: AuditRecord) -> int:
    """Append ``entry`` through ``db`` (an :func:`audit_database`): one statement in its own
    implicit transaction, committed (and flushed, unless configured otherwise) before this
    returns.

    A pooled connection the driver can no longer use (PostgreSQL announced a shutdown to it)
    refuses the statement before sending anything, so that one case is tried once more on
    another connection; any other failure is raised.
    """
    stored, digest = canonical_arguments(entry.arguments)
    arguments = (
        entry.manager_id,
        entry.tool,
        json.dumps(stored),
        digest,
        entry.rows_returned,
        round(entry.duration_ms, 3),
        entry.outcome,
        entry.error_code,
        entry.request_id,
    )
    for attempt in (1, 2):
        conn = await db.connect()
        written = False
        try:
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            if driver.is_in_transaction():
                raise DatabaseError("a pooled audit connection was still inside a transaction")
            audit_id = await driver.fetchval(RECORD_SQL, *arguments)
            written = True
            return int(audit_id)
        except CONNECTION_BROKEN:
            if attempt == 2:
                raise
        finally:
            await release(conn, reusable=written)
    raise AssertionError("unreachable")


RECORD_SQL = "select audit.record_tool_call($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9)"


@dataclass(frozen=True)
class ChainReport:
    rows: int
    first_bad_id: int | None

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


async def verify_chain(owner: asyncpg.Connection) -> ChainReport:
    """Recompute every row's hash in id order; report the first row that does not match."""
    rows = await owner.fetch(
        "select id, prev_hash, row_hash, audit.row_digest(prev_hash, called_at, manager_id, "
        "tool, arguments_hash, rows_returned, duration_ms, outcome, error_code, request_id) "
        "as expected from audit.tool_calls order by id"
    )
    previous = "genesis"
    for row in rows:
        if row["prev_hash"] != previous or row["row_hash"] != row["expected"]:
            return ChainReport(len(rows), int(row["id"]))
        previous = row["row_hash"]
    return ChainReport(len(rows), None)
