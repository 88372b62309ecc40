"""Logging: loguru on stderr (text or JSON lines), an optional rotating file, stdlib routed in,
and secrets redacted before any sink sees a record.

Nothing is configured at import time: the CLI (or the server's lifespan) calls
:func:`configure_logging` once, and may call it again to reconfigure; every call replaces the
sinks it added before, so lines are never duplicated. Stdout is never written to: under the stdio
transport it is the MCP channel.

Redaction happens in a loguru *patcher*, which runs on every record before the sinks: the message
and every ``extra`` value pass through :func:`redact`, and an exception whose text (or cause's)
holds a secret is replaced by a redacted stand-in. Our own formats render exceptions themselves
(a short ``exception`` string in JSON, a traceback without local variables in text), redacted
again. Exact secrets (database passwords, signing keys) are added with
:func:`register_secret`.
"""

from __future__ import annotations

import contextlib
import inspect
import json as jsonlib
import logging
import re
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote

from loguru import logger

if TYPE_CHECKING:
    from loguru import Message, Record

__all__ = [
    "STDLIB_LOGGERS",
    "InterceptHandler",
    "configure_logging",
    "redact",
    "register_secret",
]

MASK = "***"
"""What every redacted value is replaced with."""

MIN_SECRET_LENGTH = 4
"""Registered secrets shorter than this are ignored: masking them would mangle every line."""

MAX_EXCEPTION_CHARS = 500
"""The JSON ``exception`` field is cut to this many characters."""

STDLIB_LOGGERS: dict[str, int] = {
    "uvicorn": logging.NOTSET,
    "uvicorn.error": logging.NOTSET,
    "uvicorn.access": logging.NOTSET,
    "sqlalchemy": logging.WARNING,
    "fastmcp": logging.NOTSET,
    "mcp": logging.NOTSET,
    "mcp.server.streamable_http": logging.WARNING,
    "alembic": logging.NOTSET,
    "alembic.runtime.plugins": logging.WARNING,
    "httpx": logging.WARNING,
    "httpx2": logging.WARNING,
    "httpcore": logging.WARNING,
    "asyncio": logging.WARNING,
}
"""Stdlib loggers routed through loguru, with their floor level (NOTSET: the configured level).

``sqlalchemy`` at INFO would log every statement with its parameters and ``httpx`` every request
URL, so they stay at WARNING whatever level is asked for. The MCP transport's "Terminating session"
(once per stateless request) and alembic's plugin set-up lines are noise at INFO.
"""

# --- redaction ---------------------------------------------------------------------------------

_SECRET_KEYS = r"password|passwd|pwd|secret|api[-_]?key|apikey|token"  # noqa: S105
"""Key names whose values are masked, also as the end of a longer name (``db_password``,
``x-api-key``, ``access_token``)."""


def _mask_value(match: re.Match[str]) -> str:
    """Mask a key-value match, keeping the key and any quotes around the value."""
    head = match.group("head")
    value = match.group(0)[len(head) :]
    if value[:1] in ("'", '"'):
        return f"{head}{value[0]}{MASK}{value[0]}"
    return f"{head}{MASK}"


_PATTERNS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    # scheme://user:PASSWORD@host -> scheme://user:***@host
    (
        re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/?#@'\"<>]*:)[^\s'\"<>@]+@"),
        rf"\g<head>{MASK}@",
    ),
    # Authorization: Bearer xxx / Authorization: Basic xxx / authorization=xxx
    (
        re.compile(
            r"(?P<head>\b(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?"
            r"(?:(?:bearer|basic|token|digest)\s+)?)[^\s\"',;]+",
            re.IGNORECASE,
        ),
        rf"\g<head>{MASK}",
    ),
    # a bare "Bearer xxx" anywhere else
    (
        re.compile(r"(?P<head>\bbearer\s+)[A-Za-z0-9\-._~+/]+=*", re.IGNORECASE),
        rf"\g<head>{MASK}",
    ),
    # SQL: ... PASSWORD 'secret'
    (
        re.compile(r"(?P<head>\bpassword\s+)'(?:[^']|'')*'", re.IGNORECASE),
        rf"\g<head>'{MASK}'",
    ),
    # password=..., pwd: ..., "api_key": "...", api-key=... (quoted or bare values)
    (
        re.compile(
            rf"(?P<head>\b[\w.-]*?(?:{_SECRET_KEYS})[\"']?\s*[=:]\s*)"
            r"(?:\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[^\s\"'&;,)}\]]+)",
            re.IGNORECASE,
        ),
        _mask_value,
    ),
    # bare JWT-looking tokens: three base64url segments, the first one a JSON header
    (
        re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"),
        MASK,
    ),
)


class _SecretRegistry:
    """Exact strings to mask, compiled into one alternation (longest first)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self.pattern: re.Pattern[str] | None = None

    def add(self, values: Iterable[str]) -> None:
        with self._lock:
            before = len(self._values)
            self._values.update(values)
            if len(self._values) == before:
                return
            ordered = sorted(self._values, key=len, reverse=True)
            # assigned last: readers see either the old or the new pattern, never half of one
            self.pattern = re.compile("|".join(re.escape(v) for v in ordered))


_secrets = _SecretRegistry()


def register_secret(value: str | None) -> bool:
    """Mask ``value`` (and its URL-encoded form) wherever it appears in a log record.

    Meant for values read from settings: database passwords, JWT keys, API keys. Values shorter
    than :data:`MIN_SECRET_LENGTH` (after stripping whitespace) are ignored and ``False`` is
    returned; otherwise ``True``.
    """
    if not isinstance(value, str) or len(value.strip()) < MIN_SECRET_LENGTH:
        return False
    variants = {value, value.strip(), quote(value, safe=""), quote(value, safe="@:")}
    _secrets.add(v for v in variants if len(v) >= MIN_SECRET_LENGTH)
    return True


def redact(text: str) -> str:
    """Return ``text`` with credentials masked.

    Masks registered secrets, passwords in URLs (``scheme://user:***@host``), ``password=``/
    ``pwd=``/``api_key=``/``token=`` style values (quoted or not, ``=`` or ``:``), SQL
    ``PASSWORD '...'``, ``Authorization`` header values, ``Bearer`` tokens and JWT-looking tokens.
    """
    if not text:
        return text
    pattern = _secrets.pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    for regex, replacement in _PATTERNS:
        text = regex.sub(replacement, text)
    return text


def _redact_value(value: Any, depth: int = 0) -> Any:
    """Redact an ``extra`` value; non-string values keep their type unless their text leaks."""
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth < 4:
        if isinstance(value, dict):
            return {k: _redact_value(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [_redact_value(v, depth + 1) for v in value]
    try:
        text = str(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"
    cleaned = redact(text)
    return value if cleaned == text else cleaned


class RedactedException(Exception):
    """Stands in, inside a log record, for an exception whose text held a secret: same class
    name and module, redacted message and notes, same traceback, redacted cause and context."""


_standins: dict[type[BaseException], type[RedactedException]] = {}


def _standin_type(original: type[BaseException]) -> type[RedactedException]:
    standin = _standins.get(original)
    if standin is None:
        standin = type(
            original.__name__,
            (RedactedException,),
            {"__module__": original.__module__, "__qualname__": original.__qualname__},
        )
        _standins[original] = standin
    return standin


def _redacted_exception(exc: BaseException | None, depth: int = 0) -> BaseException | None:
    if exc is None or depth > 8:
        return exc
    cause = _redacted_exception(exc.__cause__, depth + 1)
    context = _redacted_exception(exc.__context__, depth + 1)
    try:
        text = str(exc)
    except Exception:
        text = ""
    cleaned = redact(text)
    notes = getattr(exc, "__notes__", None)
    cleaned_notes = [redact(str(note)) for note in notes] if isinstance(notes, list) else None
    if (
        cleaned == text
        and cause is exc.__cause__
        and context is exc.__context__
        and cleaned_notes == notes
    ):
        return exc
    standin = _standin_type(type(exc))(cleaned).with_traceback(exc.__traceback__)
    standin.__cause__ = cause
    standin.__context__ = context
    standin.__suppress_context__ = exc.__suppress_context__
    if cleaned_notes:
        standin.__notes__ = cleaned_notes
    return standin


def _redacting_patcher(record: Record) -> None:
    record["message"] = redact(record["message"])
    extra = record["extra"]
    for key, value in extra.items():
        extra[key] = _redact_value(value)
    exc = record["exception"]
    if exc is not None and exc.value is not None:
        value = _redacted_exception(exc.value)
        if value is not None and value is not exc.value:
            record["exception"] = exc.__class__(type(value), value, exc.traceback)


# --- formats -----------------------------------------------------------------------------------

_TEXT_FORMAT = (
    "<green>{time:YYYY-MM-DD HH:mm:ss.SSS!UTC}Z</green> | <level>{level: <8}</level> | "
    "<cyan>{name}</cyan>:<cyan>{function}</cyan>:<cyan>{line}</cyan> - "
    "<level>{message}</level>{zava_extra}\n{zava_exception}"
)
_JSON_FORMAT = "{zava_json}\n"
_CORE_KEYS = ("time", "level", "message", "logger", "exception")


def _short_exception(record: Record) -> str | None:
    exc = record["exception"]
    if exc is None or exc.type is None:
        return None
    text = redact(f"{exc.type.__name__}: {exc.value}" if str(exc.value) else exc.type.__name__)
    return text[:MAX_EXCEPTION_CHARS]


def _json_default(value: Any) -> str:
    try:
        return redact(str(value))
    except Exception:
        return f"<unprintable {type(value).__name__}>"


def render_json(record: Record) -> str:
    """One compact JSON object (no newline) for ``record``: time (ISO UTC), level, message,
    logger, every ``extra`` key, and a short ``exception`` when there is one."""
    out: dict[str, Any] = {
        "time": record["time"].astimezone(UTC).isoformat(timespec="milliseconds"),
        "level": record["level"].name,
        "message": record["message"],
        "logger": record["name"],
    }
    for key, value in record["extra"].items():
        out[f"extra_{key}" if key in _CORE_KEYS else key] = value
    exception = _short_exception(record)
    if exception is not None:
        out["exception"] = exception
    return jsonlib.dumps(out, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def _json_format(record: Record) -> str:
    # The documented loguru recipe for dynamic content: compute it here, reference it from a
    # constant template (so nothing in the content is parsed as a format or a colour tag).
    fields = cast(dict[str, Any], record)
    if "zava_json" not in fields:
        fields["zava_json"] = render_json(record)
    return _JSON_FORMAT


def _text_extra(record: Record) -> str:
    if not record["extra"]:
        return ""
    parts = [f"{key}={value}" for key, value in record["extra"].items()]
    return " | " + " ".join(parts)


def _text_exception(record: Record) -> str:
    exc = record["exception"]
    if exc is None or exc.type is None:
        return ""
    lines = traceback.format_exception(exc.type, exc.value, exc.traceback)
    return redact("".join(lines))


def _text_format(record: Record) -> str:
    fields = cast(dict[str, Any], record)
    if "zava_extra" not in fields:
        fields["zava_extra"] = _text_extra(record)
        fields["zava_exception"] = _text_exception(record)
    return _TEXT_FORMAT


def _write_stderr(message: Message) -> None:
    # looked up per write: stdout is never touched, and a replaced sys.stderr is honoured
    stream = sys.stderr
    stream.write(message)
    stream.flush()


# --- stdlib interception -----------------------------------------------------------------------


class InterceptHandler(logging.Handler):
    """Send stdlib ``logging`` records to loguru (the loguru recipe), keeping the caller's frame
    and the stdlib logger's name."""

    def emit(self, record: logging.LogRecord) -> None:
        level: str | int
        try:
            level = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        # find the frame that called logging, so function/line are the real caller's
        frame, depth = inspect.currentframe(), 0
        while frame is not None and (depth == 0 or frame.f_code.co_filename == logging.__file__):
            frame = frame.f_back
            depth += 1
        name = record.name

        def rename(loguru_record: Record) -> None:
            loguru_record["name"] = name

        logger.patch(rename).opt(depth=depth, exception=record.exc_info).log(
            level, record.getMessage()
        )


def _route_stdlib(level_no: int, *, stdio: bool) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, InterceptHandler) or (stdio and _writes_to_stdout(handler)):
            root.removeHandler(handler)
    root.addHandler(InterceptHandler())
    root.setLevel(level_no)
    for name, floor in STDLIB_LOGGERS.items():
        std = logging.getLogger(name)
        for handler in list(std.handlers):
            std.removeHandler(handler)
        std.propagate = True
        std.setLevel(max(level_no, floor))


def _writes_to_stdout(handler: logging.Handler) -> bool:
    stream = getattr(handler, "stream", None)
    return stream is not None and stream in (sys.stdout, sys.__stdout__)


# --- configuration -----------------------------------------------------------------------------


@dataclass
class _State:
    handler_ids: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


_state = _State()


def configure_logging(
    *,
    level: str = "INFO",
    json: bool = False,
    log_file: Path | None = None,
    rotation: str = "50 MB",
    retention: int = 5,
    stdio: bool = False,
) -> None:
    """Configure loguru and route stdlib logging through it; safe to call again.

    ``level``: a loguru level name (TRACE, DEBUG, INFO, SUCCESS, WARNING, ERROR, CRITICAL).
    ``json``: JSON lines instead of readable text, on stderr and in the file.
    ``log_file``: also write to this file, rotated at ``rotation`` (a loguru rotation such as
    ``"50 MB"`` or ``"1 day"``), keeping ``retention`` old files.
    ``stdio``: the server speaks MCP on stdout: no colours, and any stdlib handler that would
    write to stdout is removed.

    Each call removes the sinks added by the previous call (and loguru's default stderr sink), so
    lines are never duplicated; sinks added by others are left alone.
    """
    level_name = level.strip().upper()
    level_name = {"WARN": "WARNING", "FATAL": "CRITICAL"}.get(level_name, level_name)
    level_no = logger.level(level_name).no  # ValueError for an unknown level, before any change
    if retention < 0:
        raise ValueError("retention must be >= 0")
    fmt = _json_format if json else _text_format
    colorize = not json and not stdio and _isatty(sys.stderr)

    with _state.lock:
        for handler_id in [*_state.handler_ids, 0]:  # 0: loguru's default stderr sink
            with contextlib.suppress(ValueError):
                logger.remove(handler_id)
        _state.handler_ids.clear()
        logger.configure(patcher=_redacting_patcher)
        _state.handler_ids.append(
            logger.add(
                _write_stderr,
                level=level_name,
                format=fmt,
                colorize=colorize,
                backtrace=False,
                diagnose=False,  # never render local variables: they hold secrets and data
            )
        )
        if log_file is not None:
            _state.handler_ids.append(
                logger.add(
                    str(log_file),
                    level=level_name,
                    format=fmt,
                    colorize=False,
                    rotation=rotation,
                    retention=retention,
                    encoding="utf-8",
                    backtrace=False,
                    diagnose=False,
                )
            )
        _route_stdlib(level_no, stdio=stdio)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except Exception:
        return False
