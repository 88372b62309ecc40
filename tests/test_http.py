"""Real HTTP: uvicorn server processes, ``fastmcp.Client`` over streamable HTTP, JWT identities,
the trusted-proxy header mode, and nginx in front of two replicas."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from fastmcp import Client
from fastmcp.client.transports import StreamableHttpTransport
from fastmcp.exceptions import ToolError
from fastmcp.server.auth.providers.jwt import RSAKeyPair

from tests.conftest import manager_identity
from tests.oracle import LEVELS, codes_at, visible_store_names
from tests.servers import database_env, mcp_server, nginx, nginx_binary
from zava_mcp.infra.embedded import EmbeddedPostgres
from zava_mcp.seed.catalogue import Catalogue

pytestmark = pytest.mark.usefixtures("seeded")

ISSUER = "https://login.zava.example"
AUDIENCE = "zava-mcp"
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    },
}
MCP_HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


@pytest.fixture(scope="session")
def keys() -> RSAKeyPair:
    return RSAKeyPair.generate()


def token(keys: RSAKeyPair, code: str | None, **overrides: Any) -> str:
    claims = {"rls_user_id": str(manager_identity(code))} if code else {}
    claims.update(overrides.pop("claims", {}))
    return keys.create_token(
        subject=code or "nobody",
        issuer=overrides.pop("issuer", ISSUER),
        audience=overrides.pop("audience", AUDIENCE),
        expires_in_seconds=overrides.pop("expires_in_seconds", 600),
        additional_claims=claims,
    )


@pytest.fixture(scope="session")
def jwt_env(pg: EmbeddedPostgres, keys: RSAKeyPair) -> dict[str, str]:
    return {
        **database_env(pg),
        "ZAVA_AUTH_MODE": "jwt",
        "ZAVA_JWT_PUBLIC_KEY": keys.public_key,
        "ZAVA_JWT_ISSUER": ISSUER,
        "ZAVA_JWT_AUDIENCE": AUDIENCE,
        "ZAVA_TRUSTED_PROXIES": '["127.0.0.2/32"]',
        "ZAVA_POOL_SIZE": "4",
    }


@pytest.fixture(scope="session")
def jwt_server(jwt_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = Path(tmp_path_factory.mktemp("jwt-server")) / "server.log"
    with mcp_server(jwt_env, log=log) as base:
        yield base


def level_codes(catalogue: Catalogue) -> dict[str, str]:
    return {level: codes_at(catalogue, level)[0] for level in LEVELS}


STORES_SQL = (
    "select distinct s.name from retail.{table} t join retail.stores s on s.id = t.store_id"
)


async def test_every_level_over_http(
    jwt_server: str, keys: RSAKeyPair, catalogue: Catalogue
) -> None:
    for level, code in level_codes(catalogue).items():
        async with Client(f"{jwt_server}/mcp", auth=token(keys, code)) as client:
            me = (await client.call_tool("get_current_user_info", {})).structured_content
            assert me["access_level"] == level
            expected = visible_store_names(catalogue, code)
            for table in ("orders", "customers", "inventory", "order_items"):
                rows = (
                    await client.call_tool(
                        "execute_sales_query", {"postgresql_query": STORES_SQL.format(table=table)}
                    )
                ).structured_content["rows"]
                assert {r[0] for r in rows} == expected, (level, table)
            store = me["stores"][0]["store_id"]
            perf = await client.call_tool("get_store_performance", {"store_id": store})
            assert perf.structured_content["store_id"] == store
            schemas = await client.call_tool(
                "get_multiple_table_schemas", {"table_names": ["stores"]}
            )
            assert set(schemas.structured_content["tables"][0]["valid_values"]["store_names"]) == (
                expected
            )
            assert (await client.call_tool("get_current_utc_date", {})).content[0].text


async def test_other_store_is_refused_over_http(
    jwt_server: str, keys: RSAKeyPair, catalogue: Catalogue
) -> None:
    manager = next(m for m in catalogue.managers if m.access_level == "store")
    other = next(s for s in catalogue.stores if s.id != manager.store_id)
    async with Client(f"{jwt_server}/mcp", auth=token(keys, manager.code)) as client:
        with pytest.raises(ToolError, match=r"\[FORBIDDEN\]"):
            await client.call_tool("get_store_performance", {"store_id": str(other.id)})
        with pytest.raises(ToolError, match="max_results"):
            await client.call_tool(
                "semantic_search_products", {"query_description": "drill", "max_results": 0}
            )


def _post_initialize(base: str, bearer: str | None, **headers: str) -> httpx.Response:
    all_headers = dict(MCP_HEADERS, **headers)
    if bearer is not None:
        all_headers["authorization"] = f"Bearer {bearer}"
    return httpx.post(f"{base}/mcp", headers=all_headers, json=INIT, timeout=10)


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "malformed",
        "expired",
        "wrong_signature",
        "wrong_audience",
        "wrong_issuer",
        "no_exp",
        "future_iat",
        "future_nbf",
        "too_long",
    ],
)
def test_bad_tokens_are_refused(jwt_server: str, keys: RSAKeyPair, case: str) -> None:
    bearer: str | None
    if case == "missing":
        bearer = None
    elif case == "malformed":
        bearer = "not.a.jwt"
    elif case == "expired":
        bearer = token(keys, "ho-1", expires_in_seconds=-120)
    elif case == "wrong_signature":
        bearer = token(RSAKeyPair.generate(), "ho-1")
    elif case == "wrong_audience":
        bearer = token(keys, "ho-1", audience="someone-else")
    elif case == "wrong_issuer":
        bearer = token(keys, "ho-1", issuer="https://evil.example")
    elif case == "no_exp":
        bearer = token(keys, "ho-1", claims={"exp": None})
    elif case == "future_iat":
        bearer = token(keys, "ho-1", claims={"iat": int(time.time()) + 3600})
    elif case == "future_nbf":
        bearer = token(keys, "ho-1", claims={"nbf": int(time.time()) + 3600})
    else:
        bearer = token(keys, "ho-1", expires_in_seconds=30 * 24 * 3600)
    response = _post_initialize(jwt_server, bearer)
    assert response.status_code == 401
    challenge = response.headers.get("www-authenticate", "")
    assert challenge.lower().startswith("bearer")
    assert "resource_metadata=" in challenge


async def test_token_without_a_valid_identity_claim_is_refused(
    jwt_server: str, keys: RSAKeyPair
) -> None:
    for bearer in (
        token(keys, None),
        token(keys, None, claims={"rls_user_id": "head office please"}),
    ):
        async with Client(f"{jwt_server}/mcp", auth=bearer) as client:
            with pytest.raises(ToolError, match=r"\[UNAUTHENTICATED\]"):
                await client.call_tool("execute_sales_query", {"postgresql_query": "select 1"})


def test_protected_resource_metadata(jwt_server: str) -> None:
    response = httpx.get(f"{jwt_server}/.well-known/oauth-protected-resource/mcp", timeout=5)
    assert response.status_code == 200
    body = response.json()
    assert body["resource"].endswith("/mcp")
    assert ISSUER.rstrip("/") in [s.rstrip("/") for s in body["authorization_servers"]]


def test_health_and_readiness(jwt_server: str) -> None:
    assert httpx.get(f"{jwt_server}/healthz", timeout=5).json() == {"status": "ok"}
    ready = httpx.get(f"{jwt_server}/readyz", timeout=5)
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert checks["database"]["ok"] and checks["migrations"]["ok"]


def test_metrics_are_closed_in_jwt_mode_without_a_token(jwt_server: str, keys: RSAKeyPair) -> None:
    assert httpx.get(f"{jwt_server}/metrics", timeout=5).status_code == 401
    bearer = {"authorization": f"Bearer {token(keys, 'ho-1')}"}
    assert httpx.get(f"{jwt_server}/metrics", headers=bearer, timeout=5).status_code == 401


def test_the_server_caps_request_bodies(jwt_server: str, keys: RSAKeyPair) -> None:
    big = dict(INIT, params={**INIT["params"], "padding": "x" * 300_000})  # type: ignore[dict-item]
    headers = dict(MCP_HEADERS, authorization=f"Bearer {token(keys, 'ho-1')}")
    response = httpx.post(f"{jwt_server}/mcp", headers=headers, json=big, timeout=10)
    assert response.status_code == 413
    assert response.json()["error"].startswith("[PAYLOAD_TOO_LARGE]")
    # and the server keeps serving
    assert _post_initialize(jwt_server, token(keys, "ho-1")).status_code == 200


def test_foreign_host_header_is_refused(jwt_server: str, keys: RSAKeyPair) -> None:
    response = _post_initialize(jwt_server, token(keys, "ho-1"), host="evil.example")
    assert response.status_code in (400, 403, 421)


# ----------------------------------------------------------------------------- header mode


@pytest.fixture(scope="session")
def header_server(pg: EmbeddedPostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {
        **database_env(pg),
        "ZAVA_AUTH_MODE": "header",
        "ZAVA_TRUSTED_PROXIES": '["127.0.0.2/32"]',
        "ZAVA_POOL_SIZE": "2",
        "ZAVA_HTTP_JSON_RESPONSE": "false",  # the SSE answer path, covered here
    }
    log = Path(tmp_path_factory.mktemp("header-server")) / "server.log"
    with mcp_server(env, log=log) as base:
        yield base


def from_address(address: str) -> Any:
    def factory(**kwargs: Any) -> httpx2.AsyncClient:
        kwargs.setdefault("timeout", httpx2.Timeout(30.0, read=300.0))
        return httpx2.AsyncClient(
            transport=httpx2.AsyncHTTPTransport(local_address=address), **kwargs
        )

    return factory


async def test_identity_header_only_from_the_trusted_proxy(
    header_server: str, catalogue: Catalogue
) -> None:
    code = level_codes(catalogue)["store"]
    headers = {"x-rls-user-id": str(manager_identity(code))}
    trusted = StreamableHttpTransport(
        f"{header_server}/mcp", headers=headers, httpx_client_factory=from_address("127.0.0.2")
    )
    async with Client(trusted) as client:
        me = (await client.call_tool("get_current_user_info", {})).structured_content
        assert me["access_level"] == "store"
    untrusted = StreamableHttpTransport(f"{header_server}/mcp", headers=headers)
    async with Client(untrusted) as client:
        with pytest.raises(ToolError, match=r"\[UNAUTHENTICATED\].*trusted proxy"):
            await client.call_tool("get_current_user_info", {})
    missing = StreamableHttpTransport(
        f"{header_server}/mcp", httpx_client_factory=from_address("127.0.0.2")
    )
    async with Client(missing) as client:
        with pytest.raises(ToolError, match=r"\[UNAUTHENTICATED\]"):
            await client.call_tool("get_current_user_info", {})


# ----------------------------------------------------------------------------- behind nginx


@pytest.fixture(scope="session")
def nginx_pair(
    jwt_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    if nginx_binary() is None:
        pytest.fail("nginx is not installed; scripts/test installs it")
    work = Path(tmp_path_factory.mktemp("nginx"))
    with (
        mcp_server(jwt_env, log=work / "a.log") as a,
        mcp_server(jwt_env, log=work / "b.log") as b,
    ):
        ports = [int(a.rsplit(":", 1)[1]), int(b.rsplit(":", 1)[1])]
        with nginx(ports, work / "nginx") as base:
            yield base, work / "nginx"


async def test_calls_through_nginx_reach_both_replicas(
    nginx_pair: tuple[str, Path], keys: RSAKeyPair, catalogue: Catalogue
) -> None:
    base, work = nginx_pair
    for level, code in level_codes(catalogue).items():
        expected = visible_store_names(catalogue, code)
        for _ in range(3):
            async with Client(f"{base}/mcp", auth=token(keys, code)) as client:
                me = (await client.call_tool("get_current_user_info", {})).structured_content
                assert me["access_level"] == level
                rows = (
                    await client.call_tool(
                        "execute_sales_query",
                        {"postgresql_query": STORES_SQL.format(table="orders")},
                    )
                ).structured_content["rows"]
                assert {r[0] for r in rows} == expected
    # every tool once through the proxy
    async with Client(f"{base}/mcp", auth=token(keys, level_codes(catalogue)["store"])) as client:
        me = (await client.call_tool("get_current_user_info", {})).structured_content
        own = me["stores"][0]["store_id"]
        perf = await client.call_tool("get_store_performance", {"store_id": own})
        assert perf.structured_content["store_id"] == own
        schemas = await client.call_tool("get_multiple_table_schemas", {"table_names": ["orders"]})
        assert schemas.structured_content["tables"][0]["table"] == "retail.orders"
        assert (await client.call_tool("get_current_utc_date", {})).content[0].text
        found = await client.call_tool(
            "semantic_search_products", {"query_description": "weed killer", "max_results": 3}
        )
        assert len(found.structured_content["results"]) == 3
    upstreams = set(re.findall(r"upstream=(\S+)", (work / "access.log").read_text()))
    assert len(upstreams) >= 2, upstreams


def test_nginx_refuses_bad_tokens_and_serves_metadata(
    nginx_pair: tuple[str, Path], keys: RSAKeyPair
) -> None:
    base, _ = nginx_pair
    assert _post_initialize(base, None).status_code == 401
    assert _post_initialize(base, token(keys, "ho-1", audience="other")).status_code == 401
    meta = httpx.get(f"{base}/.well-known/oauth-protected-resource/mcp", timeout=5)
    assert meta.status_code == 200 and json.loads(meta.text)["resource"].endswith("/mcp")
    assert httpx.get(f"{base}/readyz", timeout=5).status_code == 200
    assert httpx.get(f"{base}/anything-else", timeout=5).status_code == 404
