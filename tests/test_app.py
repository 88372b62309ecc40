"""The composition root and the call pipeline: parts handed in stay open, every result states its
row count to the audit trail, and an unexpected failure reaches the client as a bare
INTERNAL_ERROR."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
import pytest
from fastmcp import Client
from fastmcp.exceptions import ToolError

from tests import trail
from tests.conftest import manager_identity
from zava_mcp.db.session import Database
from zava_mcp.embeddings import LocalEmbedder
from zava_mcp.infra.settings import Settings
from zava_mcp.server import build_server

pytestmark = pytest.mark.usefixtures("seeded")


def settings() -> Settings:
    return Settings(auth_mode="dev", _env_file=None)  # type: ignore[call-arg]


class BrokenEmbedder:
    """An embedder whose model fails in a way no typed error describes."""

    def __init__(self, model_name: str) -> None:
        self._model_name = model_name
        self.closed = False

    @property
    def model_name(self) -> str:
        return self._model_name

    @property
    def native_dimensions(self) -> int:
        return 384

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        raise RuntimeError("secret internals: /srv/model.bin is corrupt")

    async def aclose(self) -> None:
        self.closed = True


async def test_every_result_states_its_row_count(
    app_db: Database, owner_conn: asyncpg.Connection, embedder: LocalEmbedder
) -> None:
    since = await trail.last_id(owner_conn)
    mcp = build_server(
        settings(), database=app_db, dev_identity=manager_identity("rm-north"), embedder=embedder
    )
    async with Client(mcp) as client:
        query = await client.call_tool(
            "execute_sales_query",
            {"postgresql_query": "select id from retail.stores order by id"},
        )
        tables = await client.call_tool(
            "get_multiple_table_schemas", {"table_names": ["orders", "stores"]}
        )
        me = await client.call_tool("get_current_user_info", {})
        store = me.structured_content["stores"][0]["store_id"]  # type: ignore[index]
        await client.call_tool("get_store_performance", {"store_id": store})
        found = await client.call_tool(
            "semantic_search_products", {"query_description": "cordless drill", "max_results": 3}
        )
        await client.call_tool("get_current_utc_date", {})
        await client.read_resource("retail://schema/orders")
    rows = await trail.settled_outcomes(owner_conn, since, 7)
    assert [r["outcome"] for r in rows] == ["ok"] * 7
    counted = [(r["tool"], r["rows_returned"]) for r in rows]
    assert counted == [
        ("execute_sales_query", query.structured_content["row_count"]),  # type: ignore[index]
        ("get_multiple_table_schemas", len(tables.structured_content["tables"])),  # type: ignore[index]
        ("get_current_user_info", len(me.structured_content["stores"])),  # type: ignore[index]
        ("get_store_performance", None),  # one report, not rows
        ("semantic_search_products", len(found.structured_content["results"])),  # type: ignore[index]
        ("get_current_utc_date", None),
        ("resource:retail://schema/orders", None),
    ]
    assert counted[0][1] > 1 and counted[2][1] > 1  # a regional manager sees several stores
    # the row count travels to the pipeline only: the client sees no trace of it
    assert query.meta is None or "rows" not in str(query.meta)


async def test_an_unexpected_failure_is_a_bare_internal_error(
    app_db: Database, owner_conn: asyncpg.Connection, embedder: LocalEmbedder
) -> None:
    broken = BrokenEmbedder(embedder.model_name)
    since = await trail.last_id(owner_conn)
    mcp = build_server(
        settings(), database=app_db, dev_identity=manager_identity("sm-leeds"), embedder=broken
    )
    async with Client(mcp) as client:
        with pytest.raises(ToolError) as info:
            await client.call_tool("semantic_search_products", {"query_description": "a drill"})
        # the server goes on serving after it
        await client.call_tool("get_current_utc_date", {})
    message = str(info.value)
    assert message == "[INTERNAL_ERROR] the server hit an unexpected error"
    assert "secret" not in message and "Traceback" not in message
    rows = await trail.settled_outcomes(owner_conn, since, 2)
    assert [(r["outcome"], r["error_code"]) for r in rows] == [
        ("error", "INTERNAL_ERROR"),
        ("ok", None),
    ]
    # handed in, so not the server's to close; the database too stays open
    assert not broken.closed
    async with app_db.unit_of_work(None) as conn:
        assert conn is not None
