"""The call pipeline: one middleware that owns every tool call, resource read and prompt.

For each request it resolves the caller once, refuses an identity that is not a manager,
applies the per-caller limits (calls in flight, calls per minute), runs the call, translates a
typed error by its type, writes the call's bounded audit rows (the durable "started" row beside
the call, which the answer waits for, and the outcome row after it) and counts the call in the
metrics. Tools read the caller with :func:`current_caller`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cachetools import TTLCache
from fastmcp.exceptions import NotFoundError as FastMCPNotFoundError
from fastmcp.exceptions import ValidationError
from fastmcp.server.middleware import Middleware, MiddlewareContext
from loguru import logger

from zava_mcp.call_errors import (
    CODED_ERRORS,
    UNKNOWN_TOOL,
    resource_error,
    tool_error,
)
from zava_mcp.db.audit import AuditRecord
from zava_mcp.db.queries import identity as identity_queries
from zava_mcp.db.session import Database
from zava_mcp.errors import (
    AuthenticationError,
    FeatureUnavailableError,
    RateLimitedError,
    ZavaError,
)
from zava_mcp.identity import Identity
from zava_mcp.infra.metrics import Metrics
from zava_mcp.tools.results import CountedResult

if TYPE_CHECKING:
    from zava_mcp.app import Services

_CALLER: ContextVar[Identity | None] = ContextVar("zava_caller", default=None)


def current_caller() -> Identity:
    """The caller of the request being served (resolved once by :class:`CallPipeline`)."""
    identity = _CALLER.get()
    if identity is None:
        raise FeatureUnavailableError("the server is starting or stopping; try again")
    return identity


def _chain(exc: BaseException | None) -> list[BaseException]:
    """``exc`` and its causes: FastMCP wraps what a tool, resource, prompt or dependency
    raises (ToolError, ResourceError, PromptError, RuntimeError) with the original as cause."""
    chain: list[BaseException] = []
    while exc is not None and len(chain) < 8:
        chain.append(exc)
        exc = exc.__cause__
    return chain


def typed_error(exc: BaseException | None) -> ZavaError | None:
    """The typed error behind a failure, if there is one."""
    return next((e for e in _chain(exc) if isinstance(e, ZavaError)), None)


def error_code(exc: BaseException) -> str:
    """The stable code of a failure, by its type."""
    for candidate in _chain(exc):
        if isinstance(candidate, CODED_ERRORS):
            return candidate.code
        if isinstance(candidate, ZavaError):
            return candidate.error_code
    if isinstance(exc, ValidationError):
        return "VALIDATION_ERROR"
    if isinstance(exc, FastMCPNotFoundError):
        return "NOT_FOUND"
    return "INTERNAL_ERROR"


class QuietTypedErrors(logging.Filter):
    """FastMCP logs every failure of a tool or resource at ERROR with its traceback. A typed
    error is an expected answer (a refused query, a forbidden store) that the pipeline logs
    with its code, so FastMCP's line for it drops to DEBUG, without the traceback (an
    INTERNAL_ERROR keeps both: it is a failure to look into)."""

    def filter(self, record: logging.LogRecord) -> bool:
        typed = typed_error(record.exc_info[1]) if record.exc_info else None
        if typed is not None and typed.error_code != "INTERNAL_ERROR":
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            record.exc_info, record.exc_text = None, None
        return True


def quiet_typed_errors() -> None:
    """Install :class:`QuietTypedErrors` on FastMCP's server logger (once)."""
    fastmcp_logger = logging.getLogger("fastmcp.server.server")
    if not any(isinstance(f, QuietTypedErrors) for f in fastmcp_logger.filters):
        fastmcp_logger.addFilter(QuietTypedErrors())


class KnownManagers:
    """Whether an identity is a manager, remembered for a short while (one lookup per minute
    per identity, not one per call)."""

    def __init__(self, db: Database, *, ttl_s: float = 60.0) -> None:
        self._db = db
        self._known: TTLCache[Identity, bool] = TTLCache(maxsize=10_000, ttl=ttl_s)

    async def require(self, identity: Identity) -> None:
        known = self._known.get(identity)
        if known is None:
            async with self._db.unit_of_work(identity) as conn:
                known = await identity_queries.fetch_current_manager(conn) is not None
            self._known[identity] = known
        if not known:
            raise AuthenticationError("the caller is not a known manager")

    def clear(self) -> None:
        self._known.clear()


@dataclass
class _Usage:
    active: int = 0
    recent: deque[float] = field(default_factory=deque)
    freed: asyncio.Condition = field(default_factory=asyncio.Condition)


class CallerLimits:
    """Per-caller limits: at most ``in_flight`` calls at once (a call past it waits up to
    ``queue_wait_s`` for a slot) and at most ``per_minute`` calls in any 60 seconds. Past either,
    :class:`RateLimitedError` with a retry hint; other callers are never slowed."""

    def __init__(self, *, in_flight: int, per_minute: int, queue_wait_s: float) -> None:
        self.in_flight = in_flight
        self.per_minute = per_minute
        self.queue_wait_s = queue_wait_s
        self._usage: dict[Identity, _Usage] = {}

    @contextlib.asynccontextmanager
    async def slot(self, identity: Identity) -> AsyncIterator[None]:
        usage = self._usage.setdefault(identity, _Usage())
        now = time.monotonic()
        while usage.recent and now - usage.recent[0] >= 60:
            usage.recent.popleft()
        if self.per_minute and len(usage.recent) >= self.per_minute:
            self._forget_if_idle(identity, usage)
            raise RateLimitedError(
                f"more than {self.per_minute} calls in a minute",
                retry_after_s=60 - (now - usage.recent[0]),
            )
        if self.in_flight and usage.active >= self.in_flight:
            try:
                async with usage.freed:
                    await asyncio.wait_for(
                        usage.freed.wait_for(lambda: usage.active < self.in_flight),
                        timeout=self.queue_wait_s,
                    )
            except TimeoutError:
                raise RateLimitedError(
                    f"{self.in_flight} calls of yours are already running", retry_after_s=1
                ) from None
        usage.active += 1
        usage.recent.append(time.monotonic())
        try:
            yield
        finally:
            usage.active -= 1
            async with usage.freed:
                usage.freed.notify()
            self._forget_if_idle(identity, usage)

    def _forget_if_idle(self, identity: Identity, usage: _Usage) -> None:
        now = time.monotonic()
        while usage.recent and now - usage.recent[0] >= 60:
            usage.recent.popleft()
        if usage.active == 0 and not usage.recent:
            self._usage.pop(identity, None)


class CallPipeline(Middleware):
    """Every tool call, resource read and prompt: caller, limits, typed errors, audit, metrics."""

    def __init__(
        self,
        *,
        services: Callable[[], Services | None],
        limits: CallerLimits,
        metrics: Metrics,
        tool_names: Callable[[], Awaitable[frozenset[str]]],
    ) -> None:
        self.services = services
        self.limits = limits
        self.metrics = metrics
        self.tool_names = tool_names

    async def on_call_tool(self, context: MiddlewareContext[Any], call_next: Any) -> Any:
        name = str(getattr(context.message, "name", "?"))
        label = name if name in await self.tool_names() else UNKNOWN_TOOL
        return await self._serve(context, call_next, name, label, translate=tool_error)

    async def on_read_resource(self, context: MiddlewareContext[Any], call_next: Any) -> Any:
        uri = str(getattr(context.message, "uri", "?"))
        return await self._serve(
            context, call_next, f"resource:{uri}", "resource", translate=resource_error
        )

    async def on_get_prompt(self, context: MiddlewareContext[Any], call_next: Any) -> Any:
        name = str(getattr(context.message, "name", "?"))
        return await self._serve(
            context, call_next, f"prompt:{name}", "prompt", translate=resource_error
        )

    async def _serve(
        self,
        context: MiddlewareContext[Any],
        call_next: Callable[[MiddlewareContext[Any]], Awaitable[Any]],
        what: str,
        label: str,
        *,
        translate: Callable[[ZavaError], Exception],
    ) -> Any:
        arguments = getattr(context.message, "arguments", None) or {}
        if not isinstance(arguments, dict):
            arguments = {"_": arguments}
        request_id = uuid.uuid4().hex[:16]
        started = time.perf_counter()
        services = self.services()
        identity: Identity | None = None
        code: str | None = None
        rows: int | None = None
        token = None
        begun: asyncio.Future[None] | None = None
        try:
            if services is None:
                raise FeatureUnavailableError("the server is starting or stopping; try again")
            identity = services.resolver.current()
            token = _CALLER.set(identity)
            # the call's durable "started" row is written beside the call, not before it
            begun = services.audit.start(
                _audit_entry(identity, what, arguments, request_id, outcome="started")
            )
            with logger.contextualize(request_id=request_id, identity=str(identity), tool=what):
                await services.known.require(identity)
                async with self.limits.slot(identity):
                    response = await call_next(context)
            await _recorded(begun)
            if isinstance(response, CountedResult):
                rows = response.rows
            return response
        except asyncio.CancelledError:
            code = "CANCELLED"
            raise
        except Exception as exc:
            code = error_code(exc)
            if begun is not None:
                # a failed call too answers after its "started" row (its own error stands)
                await asyncio.gather(asyncio.shield(begun), return_exceptions=True)
            if isinstance(exc, CODED_ERRORS):
                raise  # already in the client's form
            typed = typed_error(exc)
            if typed is None:
                if code != "INTERNAL_ERROR":
                    raise
                # FastMCP logged the traceback; the client learns only that it failed
                typed = ZavaError("the server hit an unexpected error")
            raise translate(typed) from None
        finally:
            if token is not None:
                _CALLER.reset(token)
            duration_ms = (time.perf_counter() - started) * 1000
            # counted, logged and its outcome row queued once the answer is on its way: none of
            # it changes the answer, and the caller need not wait for it
            asyncio.get_running_loop().call_soon(
                self._settle,
                services,
                _audit_entry(
                    identity,
                    what,
                    arguments,
                    request_id,
                    outcome="error" if code else "ok",
                    rows_returned=rows,
                    duration_ms=duration_ms,
                    error_code=code,
                ),
                label,
            )

    def _settle(self, services: Services | None, outcome: AuditRecord, label: str) -> None:
        """After a call: its metrics, its log line and its outcome row (after its started
        row in the trail)."""
        code = outcome.error_code
        self.metrics.record_tool_call(label, code or "ok", outcome.duration_ms / 1000)
        logger.info("{} {} in {:.1f} ms", outcome.tool, code or "ok", outcome.duration_ms)
        if services is not None:
            services.audit.finish(outcome)


async def _recorded(begun: asyncio.Future[None]) -> None:
    """Fail closed: a call whose "started" row could not be written returns no data."""
    try:
        await asyncio.shield(begun)
    except Exception:
        raise ZavaError(
            "the call could not be recorded; try again shortly", error_code="AUDIT_UNAVAILABLE"
        ) from None


def _audit_entry(
    identity: Identity | None,
    what: str,
    arguments: dict[str, Any],
    request_id: str,
    *,
    outcome: str,
    rows_returned: int | None = None,
    duration_ms: float = 0.0,
    error_code: str | None = None,
) -> AuditRecord:
    return AuditRecord(
        manager_id=identity.manager_id if identity else None,
        tool=what,
        arguments=arguments,
        rows_returned=rows_returned,
        duration_ms=duration_ms,
        outcome=outcome,
        error_code=error_code,
        request_id=request_id,
    )
