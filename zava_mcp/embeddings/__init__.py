"""Text embeddings for semantic product search: a local model or an OpenAI-compatible API."""

from zava_mcp.embeddings.base import (
    EMBEDDING_DIMENSIONS,
    MAX_INPUT_CHARS,
    Embedder,
    l2_normalise,
    pad_to_dimensions,
    prepare_texts,
)
from zava_mcp.embeddings.factory import EmbeddingSettings, build_embedder
from zava_mcp.embeddings.local import LocalEmbedder, packaged_model_path
from zava_mcp.embeddings.openai import OpenAIEmbedder

__all__ = [
    "EMBEDDING_DIMENSIONS",
    "MAX_INPUT_CHARS",
    "Embedder",
    "EmbeddingSettings",
    "LocalEmbedder",
    "OpenAIEmbedder",
    "build_embedder",
    "l2_normalise",
    "packaged_model_path",
    "pad_to_dimensions",
    "prepare_texts",
]
