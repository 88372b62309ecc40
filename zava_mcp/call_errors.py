"""One error format for everything a client can see: ``[CODE] message``, on one line.

Tools, unknown tools, argument validation, resources and prompts all answer in this form, with a
code from :data:`ERROR_CODES` (the README lists the same codes; a test keeps them in step). The
message says what to change, never how the server failed inside.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastmcp.exceptions import NotFoundError, PromptError, ResourceError, ToolError
from fastmcp.exceptions import ValidationError as FastMCPValidationError
from fastmcp.server.middleware import Middleware, MiddlewareContext
from pydantic import ValidationError as PydanticValidationError

from zava_mcp.errors import NotFoundError as NotFoundMCPError
from zava_mcp.errors import ValidationError as InvalidArguments
from zava_mcp.errors import ZavaError

#: every code a client can see, with what it means (the README's table says the same)
ERROR_CODES: dict[str, str] = {
    "VALIDATION_ERROR": "an argument is missing, unknown, of the wrong type or out of range",
    "NOT_FOUND": "no such tool, resource, prompt or table",
    "QUERY_REJECTED": "the SQL guard refused the query (not one plain read)",
    "QUERY_ERROR": "the database refused the query (unknown column, type mismatch...)",
    "QUERY_TIMEOUT": "the query ran past the statement timeout; aggregate or filter more",
    "RESOURCE_LIMIT": "the query needed more memory or temporary disk than one query may use",
    "RATE_LIMITED": "too many calls of this caller at once or this minute; retry after the hint",
    "FORBIDDEN": "the caller may not see that store",
    "UNAUTHENTICATED": "no valid identity (token or trusted header)",
    "UNAVAILABLE": "a feature is not configured, or the server is starting or stopping",
    "DATABASE_UNAVAILABLE": "the database cannot be reached; retry shortly",
    "POOL_TIMEOUT": "every database connection is busy; retry shortly",
    "DATABASE_ERROR": "the database failed in an unexpected way",
    "NOT_MIGRATED": "the database schema is not at the expected revision",
    "EMBEDDING_ERROR": "the embedding model or API failed",
    "EMBEDDING_INPUT": "the text cannot be embedded (empty or too long)",
    "EMBEDDING_BAD_RESPONSE": "the embedding API answered with something unusable",
    "EMBEDDING_DIMENSION": "the embedding model's dimensions do not fit the index",
    "EMBEDDING_MODEL_MISMATCH": "the catalogue's vectors were made by another embedding model",
    "AUDIT_UNAVAILABLE": "the call could not be recorded, so no data was returned",
    "CONFIGURATION_ERROR": "a setting is missing or invalid",
    "INTERNAL_ERROR": "an unexpected server error (details are in the server log)",
    "PAYLOAD_TOO_LARGE": "(HTTP 413) the request body is over ZAVA_MAX_REQUEST_BYTES",
}

#: the metric label for a tool name the server does not have (client text never becomes a label)
UNKNOWN_TOOL = "unknown"
MAX_MESSAGE = 400
_SPACES = re.compile(r"\s+")


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` on one line, at most ``limit`` characters."""
    flat = _SPACES.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def coded(code: str, message: str) -> str:
    return one_line(f"[{code}] {message}")


def _shown(value: Any) -> str | None:
    """A short rendering of the value the caller sent, or None when it is too big to echo."""
    if isinstance(value, str | int | float | bool) and len(repr(value)) <= 40:
        return repr(value)
    if isinstance(value, str):
        return f"a string of {len(value):,} characters"
    return None


def validation_message(exc: PydanticValidationError, accepted: list[str] | None = None) -> str:
    """One line naming each bad argument and what it should be (no pydantic boilerplate)."""
    parts: list[str] = []
    errors = exc.errors(include_url=False)
    for error in errors[:3]:
        loc = ".".join(str(p) for p in error.get("loc", ()) if p != "call") or "arguments"
        kind = str(error.get("type", ""))
        if kind in ("missing_argument", "missing"):
            parts.append(f"missing required argument '{loc}'")
            continue
        if kind in ("unexpected_keyword_argument", "extra_forbidden"):
            name = one_line(loc, 60)
            hint = f" (this tool takes: {', '.join(accepted)})" if accepted is not None else ""
            parts.append(f"unexpected argument '{name}'{hint}")
            continue
        msg = str(error.get("msg", "invalid value"))
        msg = msg[0].lower() + msg[1:] if msg else msg
        got = _shown(error.get("input"))
        parts.append(f"{loc}: {msg}" + (f" (got {got})" if got else ""))
    if len(errors) > 3:
        parts.append(f"and {len(errors) - 3} more")
    return "; ".join(parts)


class CallerError(ToolError):
    """A typed error on its way to the client as a ``[CODE] message`` tool error; it keeps the
    error itself, so the call pipeline reads the code by type. Expected refusals log at DEBUG:
    the call's own INFO line already names the code."""

    def __init__(self, error: ZavaError) -> None:
        level = logging.ERROR if error.error_code == "INTERNAL_ERROR" else logging.DEBUG
        super().__init__(coded(error.error_code, error.message), log_level=level)
        self.error = error
        self.code = error.error_code


def tool_error(exc: ZavaError) -> CallerError:
    """A typed error as the tool error the client sees."""
    return CallerError(exc)


def prompt_error(message: str) -> PromptError:
    """A bad prompt argument value, answered as ``[VALIDATION_ERROR] message``."""
    return PromptError(coded("VALIDATION_ERROR", message), log_level=logging.DEBUG)


class UnknownToolError(CallerError):
    """A call to a tool this server does not have (counted under :data:`UNKNOWN_TOOL`)."""


class ClientRequestError(FastMCPValidationError):
    """For resources and prompts: FastMCP sends a ValidationError as JSON-RPC invalid params."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(coded(code, message), log_level=logging.DEBUG)
        self.code = code


class CodedResourceError(ResourceError):
    """A server-side failure of a resource read, as ``[CODE] message``."""

    def __init__(self, code: str, message: str, *, log_level: int = logging.WARNING) -> None:
        super().__init__(coded(code, message), log_level=log_level)
        self.code = code


def _client_error(code: str, message: str) -> ClientRequestError:
    return ClientRequestError(code, message)


#: codes that mean "the caller asked for something wrong" rather than "the server failed"
CLIENT_CODES = frozenset(
    {"VALIDATION_ERROR", "NOT_FOUND", "FORBIDDEN", "UNAUTHENTICATED", "RATE_LIMITED"}
)
#: the errors that carry their code as data (``.code``)
CODED_ERRORS = (CallerError, ClientRequestError, CodedResourceError)


def resource_error(exc: ZavaError) -> Exception:
    """A typed error as a resource read or prompt error: the client sees ``[CODE] message``
    (FastMCP would otherwise mask it as "Error reading resource" and log a traceback at
    ERROR)."""
    if exc.error_code in CLIENT_CODES:
        return _client_error(exc.error_code, exc.message)
    level = logging.ERROR if exc.error_code == "INTERNAL_ERROR" else logging.WARNING
    return CodedResourceError(exc.error_code, exc.message, log_level=level)


class ClientErrorsMiddleware(Middleware):
    """Turns what FastMCP raises for bad calls (argument validation, unknown names, prompt
    arguments) into ``[CODE] message`` errors. It sits inside the call pipeline, so the audit
    row and the metrics see the same code the client does; a failure of the call itself (a
    typed error or an unexpected one) passes through to the pipeline, which translates it."""

    async def on_call_tool(self, context: MiddlewareContext[Any], call_next: Any) -> Any:
        name = str(getattr(context.message, "name", ""))
        try:
            return await call_next(context)
        except NotFoundError:
            tools = await self._names(context, "tools")
            raise UnknownToolError(
                NotFoundMCPError(f"unknown tool {one_line(name, 60)!r}; tools: {', '.join(tools)}")
            ) from None
        except (FastMCPValidationError, PydanticValidationError) as exc:
            cause = exc if isinstance(exc, PydanticValidationError) else exc.__cause__
            if not isinstance(cause, PydanticValidationError):
                raise CallerError(InvalidArguments(one_line(str(exc)))) from None
            accepted = await self._arguments(context, name)
            raise CallerError(InvalidArguments(validation_message(cause, accepted))) from None

    async def on_read_resource(self, context: MiddlewareContext[Any], call_next: Any) -> Any:
        uri = one_line(str(getattr(context.message, "uri", "")), 120)
        try:
            return await call_next(context)
        except NotFoundError:
            raise _client_error(
                "NOT_FOUND", f"no resource {uri!r}; read retail://schema/{{table}}"
            ) from None

    async def on_get_prompt(self, context: MiddlewareContext[Any], call_next: Any) -> Any:
        name = one_line(str(getattr(context.message, "name", "")), 60)
        arguments = dict(getattr(context.message, "arguments", None) or {})
        server = context.fastmcp_context.fastmcp if context.fastmcp_context else None
        prompt = await server.get_prompt(name) if server is not None else None
        if prompt is None:
            prompts = await self._names(context, "prompts")
            raise _client_error(
                "NOT_FOUND", f"unknown prompt {name!r}; prompts: {', '.join(prompts)}"
            )
        declared = [a.name for a in prompt.arguments or []]
        required = [a.name for a in prompt.arguments or [] if a.required]
        missing = [a for a in required if a not in arguments]
        extra = [one_line(a, 60) for a in arguments if a not in declared]
        if missing or extra:
            parts = [f"missing required argument '{a}'" for a in missing]
            parts += [f"unexpected argument '{a}'" for a in extra]
            raise _client_error(
                "VALIDATION_ERROR",
                "; ".join(parts) + f" (prompt {name!r} takes: {', '.join(declared)})",
            )
        try:
            return await call_next(context)
        except PromptError as exc:
            if re.match(r"^\[[A-Z_]+\]", str(exc)):
                raise _client_error(*_split(str(exc))) from None
            raise

    @staticmethod
    async def _names(context: MiddlewareContext[Any], kind: str) -> list[str]:
        server = context.fastmcp_context.fastmcp if context.fastmcp_context else None
        if server is None:
            return []
        items = await (server.list_tools() if kind == "tools" else server.list_prompts())
        return sorted(item.name for item in items)

    @staticmethod
    async def _arguments(context: MiddlewareContext[Any], tool: str) -> list[str] | None:
        server = context.fastmcp_context.fastmcp if context.fastmcp_context else None
        found = await server.get_tool(tool) if server is not None else None
        if found is None:
            return None
        return list((found.parameters or {}).get("properties", {}))


def _split(text: str) -> tuple[str, str]:
    match = re.match(r"^\[([A-Z_]+)\]\s*(.*)$", text, re.DOTALL)
    return (match.group(1), match.group(2)) if match else ("INTERNAL_ERROR", text)
