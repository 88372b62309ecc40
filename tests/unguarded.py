"""SQL handed to the data layer as if the guard had accepted it.

Only tests that prove the database's own walls (what holds when the guard is bypassed or wrong)
use this; everything else goes through ``check_query``.
"""

from __future__ import annotations

from zava_mcp.db import guard
from zava_mcp.db.guard import GuardedQuery


def unguarded(sql: str) -> GuardedQuery:
    return GuardedQuery(sql=sql, relations=frozenset(), fingerprint="", token=guard._ACCEPTED)
