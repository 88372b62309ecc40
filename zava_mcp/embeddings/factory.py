"""Build the configured :class:`~zava_mcp.embeddings.base.Embedder` from the settings."""

from __future__ import annotations

from zava_mcp.embeddings.base import EMBEDDING_DIMENSIONS, Embedder
from zava_mcp.errors import ConfigurationError
from zava_mcp.infra.settings import EmbeddingSettings

DEFAULT_OPENAI_MODEL = "text-embedding-3-small"
DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1"


def openai_dimensions_for(model: str) -> int | None:
    """Ask for 1536 dimensions from models that accept ``dimensions`` (``text-embedding-3-*``).

    Others (``text-embedding-ada-002``, Ollama models) are sent no ``dimensions``; their own
    vectors, at most 1536 wide, are zero-padded.
    """
    return EMBEDDING_DIMENSIONS if model.startswith("text-embedding-3") else None


def build_embedder(settings: EmbeddingSettings) -> Embedder:
    """``provider``: ``local`` (sentence-transformers, offline) or ``openai`` (OpenAI, Azure
    OpenAI when ``azure_openai_deployment`` is set, or any compatible server such as Ollama's
    ``/v1``)."""
    model = (settings.model or "").strip() or None
    batch_size = settings.batch_size
    if settings.provider == "local":
        from zava_mcp.embeddings.local import LocalEmbedder

        return LocalEmbedder(
            model,
            batch_size=batch_size or 64,
            num_threads=settings.threads,
            runtime=settings.runtime,
        )
    if settings.provider == "openai":
        from zava_mcp.embeddings.openai import OpenAIEmbedder

        model = model or DEFAULT_OPENAI_MODEL
        api_key = settings.openai_api_key
        return OpenAIEmbedder(
            base_url=(settings.openai_base_url or DEFAULT_OPENAI_BASE_URL),
            api_key=api_key.get_secret_value() or None if api_key is not None else None,
            model=model,
            dimensions=openai_dimensions_for(model),
            azure_deployment=(settings.azure_openai_deployment or None),
            azure_api_version=(settings.azure_openai_api_version or None),
            batch_size=batch_size or 96,
            timeout_s=settings.timeout_s or 30.0,
        )
    # unreachable through the settings (a Literal), kept for a model built without validation
    raise ConfigurationError(
        f"unknown embedding provider {settings.provider!r}: use 'local' or 'openai'"
    )
