"""What every service gets: the tenant-bound database and the configured limits."""

from __future__ import annotations

from dataclasses import dataclass

from zava_mcp.db.session import Database


@dataclass(frozen=True)
class Limits:
    max_rows: int = 500
    max_cell_bytes: int = 4096
    max_response_bytes: int = 1_000_000
    statement_timeout_ms: int = 15000
    lock_timeout_ms: int = 2000


@dataclass(frozen=True)
class ServiceContext:
    db: Database
    limits: Limits
