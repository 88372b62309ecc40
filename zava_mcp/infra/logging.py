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
again. What counts as a secret, and the exact secrets added with :func:`register_secret`
(database passwords, signing keys), is :mod:`zava_mcp.infra.redaction`'s business.
"""

from __future__ import annotations

import contextlib
import inspect
import json as jsonlib
import logging
import sys
import threading
import traceback
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from loguru import logger

from zava_mcp.infra.redaction import (
    redact,
    redact_value,
    redacted_exception,
    register_secret,
)

if TYPE_CHECKING:
    from loguru import Message, Record

__all__ = [
    "STDLIB_LOGGERS",
    "InterceptHandler",
    "configure_logging",
    "redact",
    "register_secret",
]

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


def _redacting_patcher(record: Record) -> None:
    record["message"] = redact(record["message"])
    extra = record["extra"]
    for key, value in extra.items():
        extra[key] = redact_value(value)
    exc = record["exception"]
    if exc is not None and exc.value is not None:
        value = redacted_exception(exc.value)
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
