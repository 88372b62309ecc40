"""The protocol layer: the FastMCP server "Zava Retail Analytics".

Tools are thin: typed, bounded parameters, a docstring written for the model, a structured result
with a compact text form, and one call into a service. Errors leave as MCP tool errors carrying
``[ERROR_CODE] short message``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any, ParamSpec, TypeVar

from fastmcp import FastMCP
from fastmcp.exceptions import ToolError
from fastmcp.tools.base import ToolResult
from loguru import logger
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse

from zava_mcp import __version__
from zava_mcp.auth import IdentityResolver, build_auth
from zava_mcp.call_errors import (
    ClientErrorsMiddleware,
    resource_error,
    tool_error,
)
from zava_mcp.db import audit
from zava_mcp.db.posture import check_posture, failures, render
from zava_mcp.db.session import Database
from zava_mcp.embeddings import Embedder, build_embedder
from zava_mcp.errors import ConfigurationError, FeatureUnavailableError, ZavaError
from zava_mcp.health import ThrottledProbe, readiness
from zava_mcp.identity import Identity
from zava_mcp.infra.cache import QueryCache
from zava_mcp.infra.logging import register_secret
from zava_mcp.infra.metrics import Metrics, metrics_endpoint, sqlalchemy_pool_stats
from zava_mcp.infra.querymon import QueryMonitor
from zava_mcp.infra.settings import Settings, async_url, redact_url
from zava_mcp.pipeline import CallerLimits, CallPipeline, KnownManagers, current_caller
from zava_mcp.prompts import register_prompts
from zava_mcp.security.binding import read_identity_key
from zava_mcp.services.base import ServiceContext
from zava_mcp.services.identity import IdentityService
from zava_mcp.services.products import ProductSearchService
from zava_mcp.services.query import QueryService
from zava_mcp.services.sales import SalesAnalyticsService, TimePeriod
from zava_mcp.services.schema import SchemaService
from zava_mcp.services.schemas import (
    ProductSearchResult,
    QueryResult,
    StorePerformance,
    TableSchemas,
    WhoAmI,
)

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

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class AppState:
    """Built in the lifespan (or handed in by tests); read by the tools."""

    settings: Settings
    db: Database | None = None
    identity: IdentityResolver | None = None
    services: dict[str, Any] = field(default_factory=dict)
    owns_db: bool = False
    embedder: Embedder | None = None
    #: where tool queries go: the read replica when one is configured, else ``db``
    read_db: Database | None = None
    metrics: Metrics = field(default_factory=Metrics)
    cache: QueryCache | None = None
    monitor: QueryMonitor | None = None
    #: the audit trail's own pool on the primary (built in the lifespan from ``db``)
    audit_db: Database | None = None
    #: which identities are managers (refreshed every minute; cleared when the data moves)
    known: KnownManagers | None = None

    @property
    def query_db(self) -> Database | None:
        return self.read_db or self.db

    def service(self, name: str) -> Any:
        if name not in self.services:
            raise FeatureUnavailableError("the server is starting or stopping; try again")
        return self.services[name]


def build_services(state: AppState) -> None:
    assert state.query_db is not None
    ctx = ServiceContext(
        db=state.query_db,
        limits=state.settings.limits,
        cache=state.cache,
        monitor=state.monitor,
    )
    state.services = {
        "query": QueryService(ctx),
        "schema": SchemaService(ctx),
        "sales": SalesAnalyticsService(ctx),
        "identity": IdentityService(ctx),
    }
    if state.embedder is not None:
        state.services["products"] = ProductSearchService.from_settings(
            ctx, state.embedder, state.settings, metrics=state.metrics
        )


def result(model: BaseModel) -> ToolResult:
    """The structured result, and the same answer serialized as the text content: many clients
    hand the model only the text, so it carries every row and figure (the MCP spec asks a tool
    with structured content to return it serialized in a text block too)."""
    data = model.model_dump(mode="json")
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return ToolResult(content=text, structured_content=data)


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()


def tool_errors(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Typed errors leave as ``[CODE] message`` tool errors; anything else as a generic one.

    Applied inside each tool so FastMCP sees a ToolError (logged without a traceback) rather
    than masking our message away; the error itself travels with it to the call pipeline.
    """

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await fn(*args, **kwargs)
        except ZavaError as exc:
            raise tool_error(exc) from None
        except ToolError:
            raise
        except Exception:
            logger.exception("unexpected failure in tool {}", fn.__name__)
            raise tool_error(ZavaError("the server hit an unexpected error")) from None

    return wrapper


def build_server(
    settings: Settings,
    *,
    database: Database | None = None,
    dev_identity: Identity | None = None,
    embedder: Embedder | None = None,
    metrics: Metrics | None = None,
) -> FastMCP:
    """The FastMCP server. ``database`` and ``dev_identity`` let tests hand in what they built."""
    state = AppState(
        settings=settings, db=database, embedder=embedder, metrics=metrics or Metrics()
    )
    state.known = KnownManagers(lambda: state.query_db)

    @asynccontextmanager
    async def lifespan(_: FastMCP) -> AsyncIterator[dict[str, Any]]:
        if state.db is None:
            from zava_mcp.db.urls import resolve_urls, start_embedded

            await asyncio.to_thread(start_embedded, settings)
            urls = resolve_urls(settings)
            register_secret(urls.app.password)
            register_secret(urls.admin.password)
            key = await read_identity_key(urls.admin)
            state.db = Database.from_url(urls.app, settings.pool, identity_key=key)
            state.owns_db = True
            if settings.read_replica_url is not None:
                replica = async_url(
                    settings.read_replica_url.get_secret_value(), name="ZAVA_READ_REPLICA_URL"
                )
                state.read_db = Database.from_url(replica, settings.pool, identity_key=key)
                logger.info("read-only tool queries go to the read replica {}", redact_url(replica))
        await enforce_posture(state.db)
        state.audit_db = audit.audit_database(
            state.db.engine.url,
            state.db.config,
            synchronous_commit=settings.audit_synchronous_commit,
        )
        if state.read_db is not None:
            await enforce_posture(state.read_db)
        identity = dev_identity
        if settings.auth_mode == "dev" and identity is None:
            identity = _default_dev_identity(settings)
        state.identity = IdentityResolver(settings, identity)
        if state.embedder is None:
            state.embedder = build_embedder(settings.embedding)
            owns_embedder = True
        else:
            owns_embedder = False
        if settings.auth_mode == "dev":
            logger.warning(
                "auth_mode=dev: EVERY caller is served as manager {}; never expose this server",
                identity,
            )
        state.monitor = QueryMonitor(state.metrics, slow_threshold_s=settings.slow_query_ms / 1000)
        if settings.cache_ttl_s > 0:
            state.cache = QueryCache(
                ttl_s=settings.cache_ttl_s,
                maxsize=settings.cache_maxsize,
                metrics=state.metrics,
                name="results",
            )
        db = state.query_db
        state.metrics.set_pool_collector(
            lambda: sqlalchemy_pool_stats(db.engine.pool) if db is not None else {}
        )
        build_services(state)
        await _check_data_version(state)  # the first reading, before any call is served
        poll_task = (
            asyncio.create_task(_poll_data_version(state)) if state.cache is not None else None
        )
        warm = getattr(state.embedder, "warm_up", None)
        warm_task = asyncio.create_task(warm()) if warm is not None else None
        try:
            yield {"state": state}
        finally:
            state.services = {}
            state.metrics.set_pool_collector(None)
            for task in (warm_task, poll_task):
                if task is not None and not task.done():
                    task.cancel()
            if owns_embedder and state.embedder is not None:
                await state.embedder.aclose()
                state.embedder = None
            if state.audit_db is not None:
                await state.audit_db.dispose()
                state.audit_db = None
            if state.owns_db and state.db is not None:
                await state.db.dispose()
                state.db = None
            if state.owns_db and state.read_db is not None:
                await state.read_db.dispose()
                state.read_db = None
            await logger.complete()

    pipeline = CallPipeline(
        resolve=lambda: state.identity.current if state.identity is not None else None,
        known=state.known,
        limits=CallerLimits(
            in_flight=settings.caller_max_in_flight,
            per_minute=settings.caller_max_calls_per_minute,
            queue_wait_s=settings.caller_queue_wait_s,
        ),
        audit_db=lambda: state.audit_db,
        metrics=state.metrics,
        tool_names=lambda: _tool_names(mcp),
    )
    mcp = FastMCP(
        SERVER_NAME,
        version=__version__,  # ours, not FastMCP's
        instructions=INSTRUCTIONS,
        auth=build_auth(settings),
        lifespan=lifespan,
        middleware=[pipeline, ClientErrorsMiddleware()],
        mask_error_details=True,
    )
    mcp.state = state  # type: ignore[attr-defined]

    @mcp.custom_route("/healthz", methods=["GET"], include_in_schema=False)
    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    mcp.custom_route("/metrics", methods=["GET"], include_in_schema=False)(
        metrics_endpoint(state.metrics, token=_metrics_token(settings))
    )

    @mcp.custom_route("/readyz", methods=["GET"], include_in_schema=False)
    async def readyz(_: Request) -> JSONResponse:
        ready, body = await probe.result()
        return JSONResponse(body, status_code=200 if ready else 503)

    async def check_readiness() -> tuple[bool, dict[str, Any]]:
        ready, checks = await readiness(state.db)
        if state.embedder is not None:
            checks["embedder"] = {
                "ok": True,
                "model": state.embedder.model_name,
                "loaded": bool(getattr(state.embedder, "loaded", True)),
            }
        if state.read_db is not None:
            replica_ready, replica_checks = await readiness(state.read_db)
            checks["read_replica"] = {"ok": replica_ready, **replica_checks.get("database", {})}
            ready = ready and replica_ready
        return ready, {"status": "ready" if ready else "not ready", "checks": checks}

    # the database is checked at most once a second, whatever the request rate
    probe = ThrottledProbe(check_readiness, min_interval_s=1.0)
    caller = current_caller

    read_only = {"readOnlyHint": True, "openWorldHint": False}

    @mcp.tool(output_schema=schema_of(QueryResult), annotations=read_only)
    @tool_errors
    async def execute_sales_query(
        postgresql_query: Annotated[
            str,
            Field(
                description="One read-only PostgreSQL SELECT (CTEs, window functions, "
                "aggregates allowed) over tables in the retail schema.",
                min_length=1,
                max_length=20000,
            ),
        ],
    ) -> ToolResult:
        """Run one read-only SQL query over Zava's retail data and return its rows.

        Use schema-qualified names (retail.orders, retail.order_items, retail.customers,
        retail.inventory, retail.products, retail.categories, retail.product_types,
        retail.stores, retail.regions). Rows are already limited to the stores the caller may
        see. Results are capped at a few hundred rows and about 64 KB: when `truncated` is
        true the rows are only a prefix (read `note`), so aggregate in SQL (GROUP BY, sum,
        count) rather than fetching raw rows. Money columns are GBP; to match
        get_store_performance, leave orders with status 'cancelled' or 'returned' out of
        revenue. Only one SELECT statement; anything that writes or changes settings is
        refused.
        """
        out = await state.service("query").execute(identity=caller(), sql=postgresql_query)
        return result(out)

    @mcp.tool(output_schema=schema_of(TableSchemas), annotations=read_only)
    @tool_errors
    async def get_multiple_table_schemas(
        table_names: Annotated[
            list[Annotated[str, Field(min_length=1, max_length=100)]],
            Field(
                description="Table names in the retail schema, e.g. ['orders', 'order_items']",
                min_length=1,
                max_length=20,
            ),
        ],
    ) -> ToolResult:
        """Describe tables before querying them: columns and types, primary and foreign keys,
        and useful valid values (store names, categories, order date range, statuses) limited to
        what the caller may see."""
        out = await state.service("schema").get_table_schemas(
            identity=caller(), table_names=table_names
        )
        return result(out)

    @mcp.tool(output_schema=schema_of(StorePerformance), annotations=read_only)
    @tool_errors
    async def get_store_performance(
        store_id: Annotated[
            str,
            Field(
                description="The store's id (UUID), code or name, from get_current_user_info",
                min_length=1,
                max_length=100,
            ),
        ],
        time_period: Annotated[
            TimePeriod, Field(description="The period to report on, ending at the latest data")
        ] = "last_30_days",
    ) -> ToolResult:
        """Revenue, orders, average order value, units, customers, top 5 categories and products
        for one store over a period, with the change against the previous period and short
        plain-language insights. Stores the caller may not see are refused.

        Revenue is in GBP and counts only orders that were not cancelled or returned (status
        pending, shipped or completed): orders.total_amount for the totals, order_items
        line totals after discounts for categories and products. The period ends at `as_of`
        (the latest day with orders, at most today) and runs from `current.start` (inclusive)
        to `current.end` (exclusive); `previous` is the same length just before
        (year_to_date: the same dates a year earlier)."""
        out = await state.service("sales").get_store_performance(
            identity=caller(), store=store_id, time_period=time_period
        )
        return result(out)

    @mcp.tool(output_schema=schema_of(ProductSearchResult), annotations=read_only)
    @tool_errors
    async def semantic_search_products(
        query_description: Annotated[
            str,
            Field(
                description="What the customer wants, in plain words, e.g. 'cordless drill for "
                "hard wood'",
                min_length=2,
                max_length=1000,
            ),
        ],
        max_results: Annotated[int, Field(description="How many products", ge=1, le=50)] = 10,
        similarity_threshold: Annotated[
            float,
            Field(
                description="Minimum cosine similarity of meaning matches, 0 to 1 (keyword "
                "matches are kept)",
                ge=0.0,
                le=1.0,
            ),
        ] = 0.3,
        in_stock_only: Annotated[
            bool, Field(description="Only products in stock at the caller's stores")
        ] = False,
    ) -> ToolResult:
        """Find products for a need in the customer's words, a product ("cordless drill") or a
        job ("stop weeds growing between patio slabs"): meaning and keywords ranked together,
        best first, the likeliest kinds of product leading, with name, SKU, category, type,
        price and (in_stock_only) units in stock at the caller's stores."""
        service = state.services.get("products")
        if service is None:
            raise FeatureUnavailableError("semantic search is not configured on this server")
        out = await service.search(
            identity=caller(),
            query=query_description,
            max_results=max_results,
            similarity_threshold=similarity_threshold,
            in_stock_only=in_stock_only,
        )
        return result(out)

    @mcp.tool(annotations=read_only)
    @tool_errors
    async def get_current_utc_date() -> str:
        """The current date and time in UTC (ISO 8601), for questions about 'this month' etc."""
        return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

    @mcp.tool(output_schema=schema_of(WhoAmI), annotations=read_only)
    @tool_errors
    async def get_current_user_info() -> ToolResult:
        """Who is asking: name, access level (store, region or head_office) and the stores
        whose data they can see. Call this first."""
        out = await state.service("identity").whoami(identity=caller())
        return result(out)

    @mcp.resource(
        "retail://schema/{table}",
        description="The schema of one retail table, with valid values the caller may see",
        mime_type="application/json",
    )
    async def table_schema_resource(table: str) -> str:
        try:
            out = await state.service("schema").get_table_schemas(
                identity=caller(), table_names=[table]
            )
        except ZavaError as exc:
            raise resource_error(exc) from None
        return out.tables[0].model_dump_json(indent=2)

    register_prompts(mcp)
    return mcp


async def _tool_names(mcp: FastMCP) -> frozenset[str]:
    """The names of the tools this server offers (metric labels come only from these)."""
    names: frozenset[str] | None = getattr(mcp, "_zava_tool_names", None)
    if names is None:
        names = frozenset(tool.name for tool in await mcp.list_tools(run_middleware=False))
        mcp._zava_tool_names = names  # type: ignore[attr-defined]
    return names


async def _check_data_version(state: AppState) -> None:
    from zava_mcp.db import queries

    if state.query_db is None or state.cache is None:
        return
    try:
        async with state.query_db.unit_of_work(None) as conn:
            version = await queries.fetch_data_version(conn)
    except ZavaError as exc:
        logger.warning("data version check failed: {}", exc.error_code)
        return
    if version is not None and state.cache.clear_if_generation_changed(version):
        logger.info("data version {}: result cache cleared", version)
        if state.known is not None:
            state.known.clear()


async def _poll_data_version(state: AppState) -> None:
    """Clear the result cache when the seed or a migration moved the data version."""
    while True:
        await asyncio.sleep(state.settings.cache_check_interval_s)
        await _check_data_version(state)


async def enforce_posture(db: Database) -> None:
    """Refuse to serve when the application role could escape RLS or rebind its identity."""
    conn = await db.connect()
    try:
        driver = (await conn.get_raw_connection()).driver_connection
        findings = await check_posture(driver)
    finally:
        await conn.close()
    bad = failures(findings)
    if bad:
        logger.error("security posture check failed:\n{}", render(findings))
        raise ConfigurationError(
            "refusing to serve: the application role fails the security posture check "
            f"({', '.join(f.check for f in bad)}); run `zava-mcp doctor`"
        )


def _metrics_token(settings: Settings) -> str | None:
    """The bearer token /metrics requires: the configured one; in jwt mode without one, a
    random token nobody holds (metrics closed rather than open to the internet)."""
    if settings.metrics_token is not None:
        return settings.metrics_token.get_secret_value()
    if settings.auth_mode == "jwt":
        logger.warning("auth_mode=jwt without ZAVA_METRICS_TOKEN: /metrics is closed")
        return secrets.token_urlsafe(32)
    return None


def _default_dev_identity(settings: Settings) -> Identity:
    if settings.dev_manager_id:
        return Identity.parse(settings.dev_manager_id)
    from zava_mcp.seed.catalogue import load_catalogue

    catalogue = load_catalogue()
    # least privilege: a store manager, never head office, unless configured otherwise
    store_manager = next(m for m in catalogue.managers if m.access_level == "store")
    return Identity(store_manager.id)


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
