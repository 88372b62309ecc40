"""Embeddings over the OpenAI embeddings API (OpenAI, Azure OpenAI, Ollama's ``/v1``), through
the ``openai`` SDK.

* OpenAI and compatible servers: :class:`openai.AsyncOpenAI` at ``base_url`` (no
  ``Authorization`` header when there is no key, e.g. Ollama at ``http://localhost:11434/v1``);
* Azure OpenAI (``azure_deployment`` set): :class:`openai.AsyncAzureOpenAI` with the resource
  endpoint as ``base_url``, an ``api-key`` or an Azure AD token.

The SDK retries 408/409/429/5xx, connection errors and timeouts ``max_retries`` times with
exponential backoff and jitter, honouring ``retry-after-ms``/``Retry-After`` up to two minutes (a
longer one is not retried). Inputs go in batches of ``batch_size``; results are put back in input
order by each item's ``index``. SDK errors become typed :class:`EmbeddingError` codes whose
messages never contain the key or the token.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

import openai

from zava_mcp.embeddings.base import EMBEDDING_DIMENSIONS, finish_vector, prepare_texts
from zava_mcp.errors import ConfigurationError, EmbeddingError

DEFAULT_AZURE_API_VERSION = "2024-10-21"
_MAX_ERROR_DETAIL = 200


def _error(message: str, code: str, *, retryable: bool = False) -> EmbeddingError:
    error = EmbeddingError(message, error_code=code)
    if retryable:
        error.retryable = True
    return error


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
        if max_retries < 0:
            raise ConfigurationError("embedding retries must not be negative")

        self._model = model.strip()
        self._model_name = f"openai:{self._model}"
        self._dimensions = dimensions
        self._native_dimensions = dimensions or 0
        self._batch_size = batch_size
        # Only scheme://host[:port] ever appears in messages (no userinfo, no path).
        port = f":{parts.port}" if parts.port else ""
        self._origin = f"{parts.scheme}://{parts.hostname}{port}"
        self._secrets = [s for s in (api_key, azure_ad_token) if s]
        # The SDK insists on a credential; a keyless server (Ollama) gets a placeholder key and
        # the Authorization header is omitted from every request, so the placeholder never leaves.
        self._extra_headers: dict[str, Any] = {}
        self._client: openai.AsyncOpenAI
        if azure_deployment:
            if not (azure_ad_token or api_key):
                raise ConfigurationError("Azure OpenAI needs an API key or an Azure AD token")
            self._client = openai.AsyncAzureOpenAI(
                azure_endpoint=base,
                azure_deployment=azure_deployment,
                api_version=azure_api_version or DEFAULT_AZURE_API_VERSION,
                api_key=None if azure_ad_token else api_key,
                azure_ad_token=azure_ad_token,
                timeout=float(timeout_s),
                max_retries=max_retries,
            )
        else:
            if not api_key:
                self._extra_headers["Authorization"] = openai.Omit()
            self._client = openai.AsyncOpenAI(
                base_url=base,
                api_key=api_key or "no-key",
                timeout=float(timeout_s),
                max_retries=max_retries,
            )
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
        if not self._closed:
            self._closed = True
            await self._client.close()

    # --- internals ---------------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    async def _embed_batch(self, batch: list[str]) -> list[list[float]]:
        if self._closed:
            raise EmbeddingError("the embeddings client is closed")
        try:
            response = await self._client.embeddings.create(
                model=self._model,
                input=batch,
                dimensions=self._dimensions if self._dimensions is not None else openai.omit,
                # the SDK's default is base64; floats are what every compatible server speaks
                encoding_format="float",
                extra_headers=self._extra_headers or None,
            )
        except openai.APIStatusError as exc:
            raise self._status_error(exc) from None
        except openai.APITimeoutError:
            raise _error(
                f"embedding request to {self._origin} timed out; retries exhausted",
                "EMBEDDING_TIMEOUT",
                retryable=True,
            ) from None
        except openai.APIConnectionError as exc:
            cause = type(exc.__cause__ or exc).__name__
            raise _error(
                f"embedding service at {self._origin} is unreachable ({cause})",
                "EMBEDDING_UNAVAILABLE",
                retryable=True,
            ) from None
        except (openai.APIResponseValidationError, ValueError):
            raise _error(
                "embedding service returned invalid JSON", "EMBEDDING_BAD_RESPONSE"
            ) from None
        return self._parse(response, len(batch))

    def _status_error(self, exc: openai.APIStatusError) -> EmbeddingError:
        status = exc.status_code
        if status in (401, 403):
            # The server's own text may quote (part of) the key: never pass it on.
            return _error(
                f"embedding service rejected the credentials (HTTP {status})", "EMBEDDING_AUTH"
            )
        if status == 429:
            return _error(
                "embedding service rate limit exceeded (HTTP 429); retries exhausted",
                "EMBEDDING_RATE_LIMITED",
                retryable=True,
            )
        if status >= 500:
            return _error(
                f"embedding service at {self._origin} is unavailable (HTTP {status})",
                "EMBEDDING_UNAVAILABLE",
                retryable=True,
            )
        detail = self._error_detail(exc.body)
        if status == 404:
            message = f"embedding endpoint or model {self._model!r} not found (HTTP 404)"
        else:
            message = f"embedding request rejected (HTTP {status})"
        return _error(f"{message}: {detail}" if detail else message, "EMBEDDING_ERROR")

    def _error_detail(self, body: object) -> str:
        """A short, scrubbed reason from an OpenAI-style error body, if any."""
        detail = body.get("message") if isinstance(body, dict) else body
        if not isinstance(detail, str):
            return ""
        line = " ".join(detail.split())
        return self._scrub(line)[:_MAX_ERROR_DETAIL]

    def _parse(self, response: Any, expected: int) -> list[list[float]]:
        # The SDK builds its typed response without validating it: a compatible server's
        # answer is checked here, item by item.
        def bad(reason: str) -> EmbeddingError:
            return _error(f"embedding service response {reason}", "EMBEDDING_BAD_RESPONSE")

        data = getattr(response, "data", None)
        if not isinstance(data, list):
            raise bad("has no 'data' list")
        if len(data) != expected:
            raise bad(f"has {len(data)} embeddings for {expected} inputs")
        if not all(hasattr(item, "embedding") for item in data):
            raise bad("has a malformed item")
        indexed = [getattr(item, "index", None) is not None for item in data]
        if any(indexed) and not all(indexed):
            raise bad("mixes items with and without 'index'")

        ordered: list[list[float] | None] = [None] * expected
        for position, item in enumerate(data):
            index = getattr(item, "index", None)
            if index is None:
                index = position
            if isinstance(index, bool) or not isinstance(index, int):
                raise bad("has a non-integer index")
            if not 0 <= index < expected or ordered[index] is not None:
                raise bad("has a missing, duplicate or out-of-range index")
            ordered[index] = self._vector(item.embedding, bad)
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
