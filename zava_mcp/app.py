"""The composition root: what a running server holds, and the lifespan that builds it.

The lifespan is a stack of small parts (database pools with the optional read replica, the
security posture check, the audit pool, the embedder and its background warm-up, the result
cache, the data-version watch), each an async context manager that undoes only what it built: a
part handed in by a test is used and left alone. It yields one frozen :class:`Services`.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastmcp import FastMCP
from loguru import logger

from zava_mcp.auth import IdentityResolver
from zava_mcp.db import audit, posture
from zava_mcp.db.audit import AuditTrail
from zava_mcp.db.session import Database
from zava_mcp.embeddings import Embedder, build_embedder
from zava_mcp.errors import ZavaError
from zava_mcp.identity import Identity
from zava_mcp.infra.cache import QueryCache
from zava_mcp.infra.logging import register_secret
from zava_mcp.infra.metrics import Metrics
from zava_mcp.infra.querymon import QueryMonitor
from zava_mcp.infra.settings import Settings, async_url, redact_url
from zava_mcp.pipeline import KnownManagers
from zava_mcp.security.binding import read_identity_key
from zava_mcp.services import freshness
from zava_mcp.services.base import ServiceContext
from zava_mcp.services.identity import IdentityService
from zava_mcp.services.products import ProductSearchService
from zava_mcp.services.query import QueryService
from zava_mcp.services.sales import SalesAnalyticsService
from zava_mcp.services.schema import SchemaService


@dataclass(frozen=True)
class Services:
    """Everything a call needs, built once per lifespan."""

    settings: Settings
    metrics: Metrics
    #: the primary (application role); readiness and posture are checked on it
    db: Database
    #: the streaming read replica read-only tool queries go to, when one is configured
    replica: Database | None
    #: the audit trail's writer, on its own pool on the primary
    audit: AuditTrail
    resolver: IdentityResolver
    #: which identities are managers (cleared when the data version moves)
    known: KnownManagers
    cache: QueryCache | None
    embedder: Embedder
    query: QueryService
    schema: SchemaService
    sales: SalesAnalyticsService
    identity: IdentityService
    products: ProductSearchService | None

    @property
    def query_db(self) -> Database:
        return self.replica or self.db


@dataclass(frozen=True)
class Databases:
    primary: Database
    replica: Database | None


@asynccontextmanager
async def databases(settings: Settings, given: Database | None) -> AsyncIterator[Databases]:
    """The primary pool and, when configured, the read replica's (a given database: as is)."""
    if given is not None:
        yield Databases(primary=given, replica=None)
        return
    from zava_mcp.db.urls import resolve_urls, start_embedded

    await asyncio.to_thread(start_embedded, settings)
    urls = resolve_urls(settings)
    register_secret(urls.app.password)
    register_secret(urls.admin.password)
    key = await read_identity_key(urls.admin)
    config = settings.pool
    async with AsyncExitStack() as stack:
        primary = Database.from_url(urls.app, config, identity_key=key)
        stack.push_async_callback(primary.dispose)
        replica = None
        if settings.read_replica_url is not None:
            url = async_url(
                settings.read_replica_url.get_secret_value(), name="ZAVA_READ_REPLICA_URL"
            )
            replica = Database.from_url(url, config, identity_key=key)
            stack.push_async_callback(replica.dispose)
            logger.info("read-only tool queries go to the read replica {}", redact_url(url))
        yield Databases(primary=primary, replica=replica)


@asynccontextmanager
async def audit_trail(
    settings: Settings, metrics: Metrics, primary: Database
) -> AsyncIterator[AuditTrail]:
    """The audit writer on its own pool; at shutdown every queued row is written first."""

    def failed(entry: audit.AuditRecord, exc: Exception) -> None:
        metrics.audit_write_failures_total.inc()
        logger.error(
            "audit write failed ({} row of {}): {}",
            entry.outcome,
            entry.tool,
            getattr(exc, "error_code", type(exc).__name__),
        )

    db = audit.audit_database(
        primary.url, primary.config, synchronous_commit=settings.audit_synchronous_commit
    )
    try:
        async with AuditTrail(db, on_failure=failed) as trail:
            yield trail
    finally:
        await db.dispose()


@asynccontextmanager
async def embedder_part(settings: Settings, given: Embedder | None) -> AsyncIterator[Embedder]:
    if given is not None:
        yield given
        return
    embedder = build_embedder(settings.embedding)
    try:
        yield embedder
    finally:
        await embedder.aclose()


@asynccontextmanager
async def background(work: Callable[[], Coroutine[Any, Any, None]] | None) -> AsyncIterator[None]:
    """``work()`` running beside the server, cancelled when the lifespan ends."""
    if work is None:
        yield
        return
    task = asyncio.create_task(work())
    try:
        yield
    finally:
        task.cancel()
        # a failed warm-up was already logged where it failed; do not raise it at shutdown
        await asyncio.gather(task, return_exceptions=True)


@asynccontextmanager
async def pool_gauges(metrics: Metrics, db: Database) -> AsyncIterator[None]:
    metrics.set_pool_collector(db.pool_stats)
    try:
        yield
    finally:
        metrics.set_pool_collector(None)


class DataVersionWatch:
    """Clears the result cache and the known managers when the seed or a migration moved the
    data version (checked every ``cache_check_interval_s``)."""

    def __init__(self, db: Database, cache: QueryCache, known: KnownManagers) -> None:
        self.db = db
        self.cache = cache
        self.known = known

    async def check(self) -> None:
        try:
            version = await freshness.data_version(self.db)
        except ZavaError as exc:
            logger.warning("data version check failed: {}", exc.error_code)
            return
        if version is not None and self.cache.clear_if_generation_changed(version):
            logger.info("data version {}: result cache cleared", version)
            self.known.clear()

    async def poll(self, interval_s: float) -> None:
        while True:
            await asyncio.sleep(interval_s)
            await self.check()


def default_dev_identity(settings: Settings) -> Identity:
    if settings.dev_manager_id:
        return Identity.parse(settings.dev_manager_id)
    from zava_mcp.seed.catalogue import load_catalogue

    catalogue = load_catalogue()
    # least privilege: a store manager, never head office, unless configured otherwise
    store_manager = next(m for m in catalogue.managers if m.access_level == "store")
    return Identity(store_manager.id)


def identity_resolver(settings: Settings, dev_identity: Identity | None) -> IdentityResolver:
    identity = dev_identity
    if settings.auth_mode == "dev":
        identity = identity or default_dev_identity(settings)
        logger.warning(
            "auth_mode=dev: EVERY caller is served as manager {}; never expose this server",
            identity,
        )
    return IdentityResolver(settings, identity)


@asynccontextmanager
async def assemble(
    settings: Settings,
    metrics: Metrics,
    *,
    database: Database | None = None,
    dev_identity: Identity | None = None,
    embedder: Embedder | None = None,
) -> AsyncIterator[Services]:
    """Build every part in order, yield the services, and undo the parts in reverse."""
    async with AsyncExitStack() as stack:
        dbs = await stack.enter_async_context(databases(settings, database))
        await posture.enforce(dbs.primary)
        trail = await stack.enter_async_context(audit_trail(settings, metrics, dbs.primary))
        if dbs.replica is not None:
            await posture.enforce(dbs.replica)
        resolver = identity_resolver(settings, dev_identity)
        embedder = await stack.enter_async_context(embedder_part(settings, embedder))
        query_db = dbs.replica or dbs.primary
        cache = None
        if settings.cache_ttl_s > 0:
            cache = QueryCache(
                ttl_s=settings.cache_ttl_s,
                maxsize=settings.cache_maxsize,
                metrics=metrics,
                name="results",
            )
        ctx = ServiceContext(
            db=query_db,
            limits=settings.limits,
            cache=cache,
            monitor=QueryMonitor(metrics, slow_threshold_s=settings.slow_query_ms / 1000),
        )
        services = Services(
            settings=settings,
            metrics=metrics,
            db=dbs.primary,
            replica=dbs.replica,
            audit=trail,
            resolver=resolver,
            known=KnownManagers(query_db),
            cache=cache,
            embedder=embedder,
            query=QueryService(ctx),
            schema=SchemaService(ctx),
            sales=SalesAnalyticsService(ctx),
            identity=IdentityService(ctx),
            products=ProductSearchService.from_settings(ctx, embedder, settings, metrics=metrics),
        )
        await stack.enter_async_context(pool_gauges(metrics, query_db))
        if cache is not None:
            watch = DataVersionWatch(query_db, cache, services.known)
            await watch.check()  # the first reading, before any call is served
            interval = settings.cache_check_interval_s
            await stack.enter_async_context(background(lambda: watch.poll(interval)))
        # the model loads while the server starts taking calls, so the first search is quick
        # (or, with the warm-up off, once the first search has loaded it: the ONNX path)
        warm_up = getattr(embedder, "warm_up", None)
        if warm_up is not None and not settings.embedding.warm_up:
            warm_up = functools.partial(warm_up, on_first_use=True)
        await stack.enter_async_context(background(warm_up))
        yield services


class App:
    """The running server's state: ``services`` while the lifespan is open, else ``None``."""

    def __init__(
        self,
        settings: Settings,
        metrics: Metrics,
        *,
        database: Database | None = None,
        dev_identity: Identity | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.database = database
        self.dev_identity = dev_identity
        self.embedder = embedder
        self.services: Services | None = None

    @asynccontextmanager
    async def lifespan(self, _: FastMCP) -> AsyncIterator[dict[str, Any]]:
        try:
            async with assemble(
                self.settings,
                self.metrics,
                database=self.database,
                dev_identity=self.dev_identity,
                embedder=self.embedder,
            ) as services:
                self.services = services
                try:
                    yield {"services": services}
                finally:
                    self.services = None
        finally:
            await logger.complete()
