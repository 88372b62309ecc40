"""Row Level Security as the application role: each identity sees exactly its stores' rows."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.conftest import manager_identity
from tests.oracle import LEVELS, codes_at, rows_of_stores, visible_store_ids
from zava_mcp.db.session import Database
from zava_mcp.errors import AuthenticationError
from zava_mcp.identity import Identity
from zava_mcp.seed.catalogue import Catalogue

COUNTED = ("stores", "customers", "inventory", "orders", "order_items")


async def visible_counts(db: Database, identity: Identity | None) -> dict[str, int]:
    async with db.unit_of_work(identity) as conn:
        return {
            table: await conn.fetchval(f"select count(*) from retail.{table}") for table in COUNTED
        }


def _one_code_per_level(catalogue: Catalogue) -> list[str]:
    return [code for level in LEVELS for code in codes_at(catalogue, level)[:2]]


async def test_each_access_level_sees_exactly_its_stores(
    app_db: Database, owner_conn: asyncpg.Connection, catalogue: Catalogue
) -> None:
    codes = _one_code_per_level(catalogue)
    assert len(codes) == 6
    for code in codes:
        stores = visible_store_ids(catalogue, code)
        expected = await rows_of_stores(owner_conn, stores, COUNTED)
        assert expected["orders"] > 0, code
        assert await visible_counts(app_db, manager_identity(code)) == expected, code


async def test_head_office_sees_every_row(
    app_db: Database, owner_conn: asyncpg.Connection, catalogue: Catalogue
) -> None:
    code = codes_at(catalogue, "head_office")[0]
    seen = await visible_counts(app_db, manager_identity(code))
    for table in COUNTED:
        assert seen[table] == await owner_conn.fetchval(f"select count(*) from retail.{table}")


@pytest.mark.parametrize("identity", [None, Identity(uuid.uuid4())], ids=["none", "unknown"])
async def test_no_or_unknown_identity_sees_no_tenant_rows(
    app_db: Database, identity: Identity | None
) -> None:
    assert await visible_counts(app_db, identity) == dict.fromkeys(COUNTED, 0)


async def test_catalogue_tables_are_readable_by_everyone(app_db: Database) -> None:
    async with app_db.unit_of_work(None) as conn:
        products = await conn.fetchval("select count(*) from retail.products")
    assert products >= 400


async def test_binding_ends_with_the_transaction(app_db: Database, catalogue: Catalogue) -> None:
    code = codes_at(catalogue, "head_office")[0]
    async with app_db.unit_of_work(manager_identity(code)) as conn:
        assert await conn.fetchval("select count(*) from retail.stores") > 1
    # pool of several connections: whichever we get next must carry no identity
    for _ in range(5):
        async with app_db.unit_of_work(None) as conn:
            value = await conn.fetchval("select current_setting('zava.manager_id', true)")
            assert value in (None, "")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "not-a-uuid",
        "1; drop table retail.orders",
        "x" * 100,
        None,
        42,
        "00000000-0000-0000-0000-00000000000g",
    ],
)
def test_malformed_identity_is_refused_before_sql(raw: object) -> None:
    with pytest.raises(AuthenticationError):
        Identity.parse(raw)


def test_identity_is_canonical() -> None:
    value = uuid.uuid4()
    assert str(Identity.parse(str(value).upper())) == str(value)
