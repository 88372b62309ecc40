"""The tenant-bound unit of work: read only, limits bound, errors typed, pool left healthy."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.conftest import manager_identity
from zava_mcp.db.session import Database
from zava_mcp.errors import QueryError, QueryTimeoutError


async def test_unit_of_work_is_read_only_with_limits(app_db: Database) -> None:
    async with app_db.unit_of_work(
        manager_identity("ho-1"), statement_timeout_ms=1234, lock_timeout_ms=567
    ) as conn:
        settings = (
            await conn.execute(
                text(
                    "select current_setting('transaction_read_only'), "
                    "current_setting('statement_timeout'), current_setting('lock_timeout'), "
                    "current_setting('zava.manager_id')"
                )
            )
        ).one()
    assert settings[0] == "on"
    assert settings[1] == "1234ms"
    assert settings[2] == "567ms"
    assert settings[3] == str(manager_identity("ho-1"))


async def test_timeout_is_typed_and_pool_stays_healthy(app_db: Database) -> None:
    with pytest.raises(QueryTimeoutError):
        async with app_db.unit_of_work(None, statement_timeout_ms=100) as conn:
            await conn.execute(text("select count(*) from generate_series(1, 500000000)"))
    for _ in range(3):
        async with app_db.unit_of_work(None) as conn:
            assert (await conn.execute(text("select 1"))).scalar_one() == 1


async def test_query_errors_are_typed_and_short(app_db: Database) -> None:
    with pytest.raises(QueryError) as info:
        async with app_db.unit_of_work(None) as conn:
            await conn.execute(text("select no_such_column from retail.orders"))
    assert "no_such_column" in info.value.message
    assert "Traceback" not in info.value.message
    assert len(info.value.message) <= 300
