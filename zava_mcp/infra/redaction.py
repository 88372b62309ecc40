"""Redaction of secrets in log records and messages: registered exact secrets, passwords in URLs,
``password=``-style values, ``Authorization``/``Bearer`` values, SQL ``PASSWORD '...'`` and
JWT-looking tokens. Used by the logging patcher (:mod:`zava_mcp.infra.logging`) and by anything
else that puts text where people read it (the slow-query log).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

MASK = "***"
"""What every redacted value is replaced with."""

MIN_SECRET_LENGTH = 4
"""Registered secrets shorter than this are ignored: masking them would mangle every line."""

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


#: a substring every pattern above needs to match (a superset of each: case-insensitive, and
#: ``passw`` covers ``password``/``passwd``): text without any of them is returned as it is,
#: after one scan instead of six substitutions (most log lines and extras have none)
_TRIGGERS = re.compile(
    r"://|authorization|bearer|passw|pwd|secret|api[-_]?key|apikey|token|eyj", re.IGNORECASE
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
    if _TRIGGERS.search(text) is None:
        return text
    return mask_patterns(text)


def mask_patterns(text: str) -> str:
    """Every pattern of :data:`_PATTERNS` applied to ``text`` (what :func:`redact` does to text
    that holds a trigger)."""
    for regex, replacement in _PATTERNS:
        text = regex.sub(replacement, text)
    return text


def redact_value(value: Any, depth: int = 0) -> Any:
    """Redact an ``extra`` value; non-string values keep their type unless their text leaks."""
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth < 4:
        if isinstance(value, dict):
            return {k: redact_value(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [redact_value(v, depth + 1) for v in value]
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


def redacted_exception(exc: BaseException | None, depth: int = 0) -> BaseException | None:
    if exc is None or depth > 8:
        return exc
    cause = redacted_exception(exc.__cause__, depth + 1)
    context = redacted_exception(exc.__context__, depth + 1)
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
