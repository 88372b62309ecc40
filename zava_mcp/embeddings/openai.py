"""Embeddings over the OpenAI embeddings HTTP API (OpenAI, Azure OpenAI, Ollama's ``/v1``).

One code path for every server that speaks ``POST /embeddings``:

* OpenAI and compatible servers: ``POST {base_url}/embeddings`` with ``Authorization: Bearer``
  (no header when there is no key, e.g. Ollama at ``http://localhost:11434/v1``);
* Azure OpenAI (``azure_deployment`` set):
  ``POST {base_url}/openai/deployments/{deployment}/embeddings?api-version=...`` with an
  ``api-key`` header, or ``Authorization: Bearer <azure_ad_token>``.

Inputs are sent in batches of ``batch_size``; results are put back in input order by each item's
``index``. 429, 500/502/503/504, connection errors and timeouts are retried with exponential
backoff and full jitter (``Retry-After`` honoured, capped at ``backoff_max_s``); other statuses
fail at once. Error messages never contain the key or the token.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn
from urllib.parse import quote, urlsplit

import httpx

from zava_mcp.embeddings.base import EMBEDDING_DIMENSIONS, finish_vector, prepare_texts
from zava_mcp.errors import ConfigurationError, EmbeddingError

DEFAULT_AZURE_API_VERSION = "2024-10-21"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_MAX_ERROR_DETAIL = 200

# Indirection so tests can observe the backoff delays without waiting for them.
_sleep = asyncio.sleep


class _RetryableFailure(Exception):
    """One attempt failed in a way worth retrying; ``error`` is raised if retries run out."""

    def __init__(self, error: EmbeddingError, retry_after: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after


def _error(message: str, code: str, *, retryable: bool = False) -> EmbeddingError:
    error = EmbeddingError(message, error_code=code)
    if retryable:
        error.retryable = True
    return error


def _parse_retry_after(headers: httpx.Headers) -> float | None:
    """Seconds to wait from ``retry-after-ms`` / ``Retry-After`` (seconds or HTTP date)."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            value = float(millis) / 1000.0
        except ValueError:
            value = math.nan
        if math.isfinite(value) and value >= 0:
            return value
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())
    return value if math.isfinite(value) and value >= 0 else None


class OpenAIEmbedder:
    """Embeddings from an OpenAI-compatible ``/embeddings`` endpoint.

    ``dimensions``: requested from the server (``text-embedding-3-*`` support it) and checked on
    every vector; ``None`` omits it, and the model's own vectors (at most 1536 wide, e.g. 768 for
    Ollama's ``nomic-embed-text``) are zero-padded. ``native_dimensions`` is 0 until known.
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        model: str = "text-embedding-3-small",
        dimensions: int | None = EMBEDDING_DIMENSIONS,
        azure_deployment: str | None = None,
        azure_api_version: str | None = None,
        azure_ad_token: str | None = None,
        batch_size: int = 96,
        timeout_s: float = 30,
        max_retries: int = 4,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 8,
    ) -> None:
        base = (base_url or "").strip().rstrip("/")
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError("the embeddings base URL must be an http(s) URL")
        if not model or not model.strip():
            raise ConfigurationError("an embedding model name is required")
        if dimensions is not None and not 1 <= dimensions <= EMBEDDING_DIMENSIONS:
            raise ConfigurationError(
                f"embedding dimensions must be between 1 and {EMBEDDING_DIMENSIONS}"
            )
        if batch_size < 1:
            raise ConfigurationError("embedding batch size must be at least 1")
        if timeout_s <= 0:
            raise ConfigurationError("embedding timeout must be positive")
        if max_retries < 0 or backoff_base_s < 0 or backoff_max_s < 0:
            raise ConfigurationError("embedding retry settings must not be negative")

        self._model = model.strip()
        self._model_name = f"openai:{self._model}"
        self._dimensions = dimensions
        self._native_dimensions = dimensions or 0
        self._batch_size = batch_size
        self._timeout_s = float(timeout_s)
        self._max_retries = max_retries
        self._backoff_base_s = float(backoff_base_s)
        self._backoff_max_s = float(backoff_max_s)
        # Only scheme://host[:port] ever appears in messages (no userinfo, no path).
        port = f":{parts.port}" if parts.port else ""
        self._origin = f"{parts.scheme}://{parts.hostname}{port}"
        self._secrets = [s for s in (api_key, azure_ad_token) if s]

        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        params: dict[str, str] = {}
        if azure_deployment:
            if azure_ad_token:
                headers["Authorization"] = f"Bearer {azure_ad_token}"
            elif api_key:
                headers["api-key"] = api_key
            else:
                raise ConfigurationError("Azure OpenAI needs an API key or an Azure AD token")
            self._url = f"{base}/openai/deployments/{quote(azure_deployment, safe='')}/embeddings"
            params["api-version"] = azure_api_version or DEFAULT_AZURE_API_VERSION
        else:
            if api_key:
                headers["Authorization"] = f"Bearer {api_key}"
            self._url = f"{base}/embeddings"
        self._headers = headers
        self._params = params
        self._client: httpx.AsyncClient | None = None
        self._closed = False

    @property
    def model_name(self) -> str:
        return self._model_name

    @property
    def native_dimensions(self) -> int:
        return self._native_dimensions

    def __repr__(self) -> str:
        return f"OpenAIEmbedder(model_name={self._model_name!r}, endpoint={self._origin!r})"

    # --- public API --------------------------------------------------------------------------

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        prepared = prepare_texts(texts)
        vectors: list[list[float]] = []
        for start in range(0, len(prepared), self._batch_size):
            vectors.extend(await self._embed_batch(prepared[start : start + self._batch_size]))
        return vectors

    async def __aenter__(self) -> OpenAIEmbedder:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._closed = True
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    # --- internals ---------------------------------------------------------------------------

    def _get_client(self) -> httpx.AsyncClient:
        if self._closed:
            raise EmbeddingError("the embeddings client is closed")
        if self._client is None:
            self._client = httpx.AsyncClient(
                headers=self._headers,
                timeout=httpx.Timeout(self._timeout_s),
                follow_redirects=False,
            )
        return self._client

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self._backoff_max_s)
        ceiling = min(self._backoff_max_s, self._backoff_base_s * (2**attempt))
        return random.uniform(0.0, ceiling)

    async def _embed_batch(self, batch: list[str]) -> list[list[float]]:
        payload: dict[str, Any] = {"model": self._model, "input": batch}
        if self._dimensions is not None:
            payload["dimensions"] = self._dimensions
        payload["encoding_format"] = "float"
        client = self._get_client()
        attempt = 0
        while True:
            try:
                body = await self._attempt(client, payload)
            except _RetryableFailure as failure:
                if attempt >= self._max_retries:
                    raise failure.error from None
                await _sleep(self._backoff(attempt, failure.retry_after))
                attempt += 1
                continue
            return self._parse(body, len(batch))

    async def _attempt(self, client: httpx.AsyncClient, payload: dict[str, Any]) -> Any:
        try:
            async with asyncio.timeout(self._timeout_s):
                response = await client.post(self._url, params=self._params, json=payload)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise _RetryableFailure(
                _error(
                    f"embedding request to {self._origin} timed out after {self._timeout_s:g}s",
                    "EMBEDDING_TIMEOUT",
                    retryable=True,
                )
            ) from exc
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise _RetryableFailure(
                _error(
                    f"embedding service at {self._origin} is unreachable ({type(exc).__name__})",
                    "EMBEDDING_UNAVAILABLE",
                    retryable=True,
                )
            ) from exc
        except httpx.HTTPError as exc:
            raise _error(
                f"embedding request to {self._origin} failed ({type(exc).__name__})",
                "EMBEDDING_ERROR",
            ) from exc

        status = response.status_code
        if status == 200:
            try:
                return response.json()
            except ValueError:
                raise _error(
                    "embedding service returned invalid JSON", "EMBEDDING_BAD_RESPONSE"
                ) from None
        self._raise_for_status(response)

    def _raise_for_status(self, response: httpx.Response) -> NoReturn:
        status = response.status_code
        if status in (401, 403):
            # The server's own text may quote (part of) the key: never pass it on.
            raise _error(
                f"embedding service rejected the credentials (HTTP {status})", "EMBEDDING_AUTH"
            )
        if status == 429:
            raise _RetryableFailure(
                _error(
                    "embedding service rate limit exceeded (HTTP 429); retries exhausted",
                    "EMBEDDING_RATE_LIMITED",
                    retryable=True,
                ),
                _parse_retry_after(response.headers),
            )
        if status in RETRY_STATUSES:
            raise _RetryableFailure(
                _error(
                    f"embedding service at {self._origin} is unavailable (HTTP {status})",
                    "EMBEDDING_UNAVAILABLE",
                    retryable=True,
                ),
                _parse_retry_after(response.headers),
            )
        detail = self._error_detail(response)
        if status == 404:
            message = f"embedding endpoint or model {self._model!r} not found (HTTP 404)"
        else:
            message = f"embedding request rejected (HTTP {status})"
        raise _error(f"{message}: {detail}" if detail else message, "EMBEDDING_ERROR")

    def _error_detail(self, response: httpx.Response) -> str:
        """A short, scrubbed reason from an OpenAI-style error body, if any."""
        try:
            body = response.json()
        except ValueError:
            return ""
        detail: Any = body.get("error") if isinstance(body, dict) else None
        if isinstance(detail, dict):
            detail = detail.get("message")
        if not isinstance(detail, str):
            return ""
        line = " ".join(detail.split())
        return self._scrub(line)[:_MAX_ERROR_DETAIL]

    def _parse(self, body: Any, expected: int) -> list[list[float]]:
        def bad(reason: str) -> EmbeddingError:
            return _error(f"embedding service response {reason}", "EMBEDDING_BAD_RESPONSE")

        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise bad("has no 'data' list")
        if len(data) != expected:
            raise bad(f"has {len(data)} embeddings for {expected} inputs")
        if not all(isinstance(item, dict) for item in data):
            raise bad("has a malformed item")
        indexed = [item.get("index") is not None for item in data]
        if any(indexed) and not all(indexed):
            raise bad("mixes items with and without 'index'")

        ordered: list[list[float] | None] = [None] * expected
        for position, item in enumerate(data):
            index = item.get("index")
            if index is None:
                index = position
            if isinstance(index, bool) or not isinstance(index, int):
                raise bad("has a non-integer index")
            if not 0 <= index < expected or ordered[index] is not None:
                raise bad("has a missing, duplicate or out-of-range index")
            ordered[index] = self._vector(item.get("embedding"), bad)
        return [vector for vector in ordered if vector is not None]

    def _vector(self, raw: Any, bad: Callable[[str], EmbeddingError]) -> list[float]:
        if not isinstance(raw, list) or not raw:
            raise bad("has an embedding that is not a list of numbers")
        if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in raw):
            raise bad("has an embedding that is not a list of numbers")
        width = len(raw)
        expected = self._dimensions or self._native_dimensions
        if width > EMBEDDING_DIMENSIONS or (expected and width != expected):
            want = expected or f"at most {EMBEDDING_DIMENSIONS}"
            raise _error(
                f"embedding service returned {width} dimensions, expected {want}",
                "EMBEDDING_DIMENSION",
            )
        if not all(math.isfinite(x) for x in raw):
            raise bad("has a non-finite value")
        if not self._native_dimensions:
            self._native_dimensions = width
        return finish_vector(raw, EMBEDDING_DIMENSIONS)
