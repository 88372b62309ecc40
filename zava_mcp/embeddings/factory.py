"""Build the configured :class:`~zava_mcp.embeddings.base.Embedder` from the settings."""

from __future__ import annotations

from typing import Protocol

from pydantic import SecretStr

from zava_mcp.embeddings.base import EMBEDDING_DIMENSIONS, Embedder
from zava_mcp.errors import ConfigurationError

DEFAULT_OPENAI_MODEL = "text-embedding-3-small"
DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1"


class EmbeddingSettings(Protocol):
    """The settings :func:`build_embedder` reads (read-only, so narrower field types fit)."""

    @property
    def embedding_provider(self) -> str: ...

    @property
    def embedding_model(self) -> str | None: ...

    @property
    def openai_base_url(self) -> str | None: ...

    @property
    def openai_api_key(self) -> SecretStr | str | None: ...

    @property
    def azure_openai_deployment(self) -> str | None: ...

    @property
    def azure_openai_api_version(self) -> str | None: ...

    @property
    def embedding_batch_size(self) -> int | None: ...

    @property
    def embedding_timeout_s(self) -> float | None: ...


def _secret(value: SecretStr | str | None) -> str | None:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return value or None


def openai_dimensions_for(model: str) -> int | None:
    """Ask for 1536 dimensions from models that accept ``dimensions`` (``text-embedding-3-*``).

    Others (``text-embedding-ada-002``, Ollama models) are sent no ``dimensions``; their own
    vectors, at most 1536 wide, are zero-padded.
    """
    return EMBEDDING_DIMENSIONS if model.startswith("text-embedding-3") else None


def build_embedder(settings: EmbeddingSettings) -> Embedder:
    """``embedding_provider``: ``local`` (sentence-transformers, offline) or ``openai``
    (OpenAI, Azure OpenAI when ``azure_openai_deployment`` is set, or any compatible server
    such as Ollama's ``/v1``)."""
    provider = (settings.embedding_provider or "").strip().lower()
    model = (settings.embedding_model or "").strip() or None
    batch_size = settings.embedding_batch_size
    if provider == "local":
        from zava_mcp.embeddings.local import LocalEmbedder

        # settings objects from before ZAVA_EMBEDDING_THREADS: torch's own choice
        threads = getattr(settings, "embedding_threads", None)
        return LocalEmbedder(model, batch_size=batch_size or 64, num_threads=threads)
    if provider == "openai":
        from zava_mcp.embeddings.openai import OpenAIEmbedder

        model = model or DEFAULT_OPENAI_MODEL
        timeout_s = settings.embedding_timeout_s
        return OpenAIEmbedder(
            base_url=(settings.openai_base_url or DEFAULT_OPENAI_BASE_URL),
            api_key=_secret(settings.openai_api_key),
            model=model,
            dimensions=openai_dimensions_for(model),
            azure_deployment=(settings.azure_openai_deployment or None),
            azure_api_version=(settings.azure_openai_api_version or None),
            batch_size=batch_size or 96,
            timeout_s=timeout_s if timeout_s else 30.0,
        )
    raise ConfigurationError(
        f"unknown embedding provider {settings.embedding_provider!r}: use 'local' or 'openai'"
    )
