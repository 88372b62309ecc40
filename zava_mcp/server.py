"""The protocol layer: the FastMCP server "Zava Retail Analytics".

Here the server is put together: the lifespan from :mod:`zava_mcp.app`, the call pipeline, the
tools and resource from :mod:`zava_mcp.tools`, the prompts and the health routes. Every error
leaves as ``[ERROR_CODE] short message``, translated by type in the pipeline.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastmcp import FastMCP
from loguru import logger
from starlette.requests import Request
from starlette.responses import JSONResponse

from zava_mcp import __version__
from zava_mcp.app import App
from zava_mcp.auth import build_auth
from zava_mcp.call_errors import ClientErrorsMiddleware
from zava_mcp.db.session import Database
from zava_mcp.embeddings import Embedder
from zava_mcp.health import ThrottledProbe, server_readiness
from zava_mcp.identity import Identity
from zava_mcp.infra.metrics import Metrics, metrics_endpoint
from zava_mcp.infra.settings import Settings
from zava_mcp.pipeline import CallerLimits, CallPipeline, quiet_typed_errors
from zava_mcp.prompts import register_prompts
from zava_mcp.tools import about, catalogue, sales
from zava_mcp.tools.results import READ_ONLY

SERVER_NAME = "Zava Retail Analytics"
INSTRUCTIONS = """\
Answers questions about Zava's DIY retail business (stores, customers, orders, inventory,
products) from PostgreSQL. Every row you see is already limited to the caller's stores by the
database: never add store filters for security, only for the question. Start with
`get_current_user_info` to learn who is asking and which stores they have, and with
`get_multiple_table_schemas` before writing SQL for `execute_sales_query`. Tables live in the
`retail` schema. Amounts are in GBP. Errors come back as `[CODE] message` on one line: fix the
call as the message says (VALIDATION_ERROR, QUERY_REJECTED, QUERY_ERROR) or retry later
(DATABASE_UNAVAILABLE, POOL_TIMEOUT). Answers are capped: when `truncated` is true, aggregate
in SQL instead of reading rows."""


def build_server(
    settings: Settings,
    *,
    database: Database | None = None,
    dev_identity: Identity | None = None,
    embedder: Embedder | None = None,
    metrics: Metrics | None = None,
) -> FastMCP:
    """The FastMCP server. ``database``, ``dev_identity``, ``embedder`` and ``metrics`` let
    tests hand in what they built (the server uses them and leaves them open)."""
    metrics = metrics or Metrics()
    app = App(settings, metrics, database=database, dev_identity=dev_identity, embedder=embedder)
    tool_names: frozenset[str] = frozenset()

    async def names() -> frozenset[str]:
        """The names of the tools this server offers (metric labels come only from these)."""
        nonlocal tool_names
        if not tool_names:
            tool_names = frozenset(t.name for t in await mcp.list_tools(run_middleware=False))
        return tool_names

    pipeline = CallPipeline(
        services=lambda: app.services,
        limits=CallerLimits(
            in_flight=settings.caller_max_in_flight,
            per_minute=settings.caller_max_calls_per_minute,
            queue_wait_s=settings.caller_queue_wait_s,
        ),
        metrics=metrics,
        tool_names=names,
    )
    quiet_typed_errors()
    mcp = FastMCP(
        SERVER_NAME,
        version=__version__,  # ours, not FastMCP's
        instructions=INSTRUCTIONS,
        auth=build_auth(settings),
        lifespan=app.lifespan,
        middleware=[pipeline, ClientErrorsMiddleware()],
        mask_error_details=True,
    )
    for spec in (*sales.TOOLS, *catalogue.TOOLS, *about.TOOLS):
        if spec.output is None:
            mcp.tool(spec.fn, annotations=READ_ONLY)
        else:
            mcp.tool(spec.fn, output_schema=spec.output.model_json_schema(), annotations=READ_ONLY)
    mcp.resource(
        "retail://schema/{table}",
        description="The schema of one retail table, with valid values the caller may see",
        mime_type="application/json",
    )(catalogue.table_schema_resource)
    register_prompts(mcp)

    # the database is checked at most once a second, whatever the request rate
    probe = ThrottledProbe(lambda: server_readiness(app.services), min_interval_s=1.0)

    @mcp.custom_route("/healthz", methods=["GET"], include_in_schema=False)
    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @mcp.custom_route("/readyz", methods=["GET"], include_in_schema=False)
    async def readyz(_: Request) -> JSONResponse:
        ready, body = await probe.result()
        return JSONResponse(body, status_code=200 if ready else 503)

    mcp.custom_route("/metrics", methods=["GET"], include_in_schema=False)(
        metrics_endpoint(metrics, token=_metrics_token(settings))
    )
    return mcp


def _metrics_token(settings: Settings) -> str | None:
    """The bearer token /metrics requires: the configured one; in jwt mode without one, a
    random token nobody holds (metrics closed rather than open to the internet)."""
    if settings.metrics_token is not None:
        return settings.metrics_token.get_secret_value()
    if settings.auth_mode == "jwt":
        logger.warning("auth_mode=jwt without ZAVA_METRICS_TOKEN: /metrics is closed")
        return secrets.token_urlsafe(32)
    return None


def build_http_app(mcp: FastMCP, settings: Settings) -> Any:
    """The streamable-HTTP ASGI app: stateless, so replicas can sit behind a proxy."""
    from starlette.middleware import Middleware as ASGIMiddleware

    from zava_mcp.auth import BodyLimitMiddleware, TrustedProxyMiddleware, parse_networks

    return mcp.http_app(
        path=settings.mcp_path,
        stateless_http=True,
        json_response=settings.http_json_response,
        middleware=[
            ASGIMiddleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes),
            ASGIMiddleware(
                TrustedProxyMiddleware, trusted=parse_networks(settings.trusted_proxies)
            ),
        ],
        host_origin_protection="auto",
        allowed_hosts=settings.allowed_hosts or None,
        allowed_origins=settings.allowed_origins or None,
    )
