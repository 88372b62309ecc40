"""The audit trail: one append-only, hash-chained row per tool call.

Each record is written in its own read-write transaction (the tool call's transaction is read
only and may have rolled back). The application role can only append through
``audit.record_tool_call``; ``verify_chain`` (as the owner) recomputes every hash.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

from zava_mcp.db.session import Database

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


async def record(db: Database, entry: AuditRecord, *, synchronous_commit: bool = True) -> int:
    """Append ``entry`` in its own read-write transaction. ``synchronous_commit=False`` skips
    the wait for the WAL flush (0.1-0.3 ms a call on this machine's disk, more on slow storage):
    a PostgreSQL crash, not a clean restart, may then lose the newest rows, so it is an explicit
    operator choice."""
    stored, digest = canonical_arguments(entry.arguments)
    conn = await db.connect()
    try:
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.execute(
            "BEGIN READ WRITE"
            if synchronous_commit
            else "BEGIN READ WRITE; SET LOCAL synchronous_commit = off"
        )
        try:
            audit_id = await driver.fetchval(
                "select audit.record_tool_call($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9)",
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
            await driver.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                await driver.execute("ROLLBACK")
            raise
    finally:
        with contextlib.suppress(Exception):
            await conn.close()
    return int(audit_id)


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
