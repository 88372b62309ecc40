"""The one-query fast path: the packaged model's transformer exported to ONNX Runtime gives the
same vectors as torch (so stored vectors stay valid), and only the shapes it supports take it."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
import pytest_asyncio

from zava_mcp.embeddings import LocalEmbedder, build_embedder, packaged_model_path
from zava_mcp.infra.settings import Settings

TEXTS = [
    "cordless drill",
    "something to cut tiles",
    "Stop the draught under the door!",
    "Hexmoor 18V brushless hammer-drill kit (2 x 2.0Ah), £149.99",
    "weedkiller " * 400,  # longer than the model's 256 tokens: truncated the same way
]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def fast() -> AsyncIterator[LocalEmbedder]:
    model = LocalEmbedder(num_threads=1)
    await model.warm_up()
    yield model
    await model.aclose()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def torch_only() -> AsyncIterator[LocalEmbedder]:
    model = LocalEmbedder(num_threads=1, runtime="torch")
    await model.warm_up()
    yield model
    await model.aclose()


async def test_queries_run_on_onnx_with_torchs_vectors(
    fast: LocalEmbedder, torch_only: LocalEmbedder
) -> None:
    assert fast.runtime == "onnx"
    assert torch_only.runtime == "torch"
    for text in TEXTS:  # one at a time, as a search embeds its query
        ours, theirs = np.array(await fast.embed([text])), np.array(await torch_only.embed([text]))
        assert np.abs(ours - theirs).max() < 1e-5, text
    # a padded batch: the attention mask must keep padding out of the mean
    ours, theirs = np.array(await fast.embed(TEXTS)), np.array(await torch_only.embed(TEXTS))
    assert np.abs(ours - theirs).max() < 1e-5
    assert fast.model_name == torch_only.model_name  # same vectors, same label: no re-embed


async def test_other_model_shapes_stay_on_torch(tmp_path: Path) -> None:
    model_dir = tmp_path / "cls-pooled"
    shutil.copytree(packaged_model_path(), model_dir)
    pooling = model_dir / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    if "pooling_mode" in config:
        config["pooling_mode"] = "cls"
    else:
        config.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    pooling.write_text(json.dumps(config))
    model = LocalEmbedder(model_dir, num_threads=1)
    try:
        await model.warm_up()
        assert model.runtime == "torch"
        assert len(await model.embed(["cordless drill"])) == 1
    finally:
        await model.aclose()


async def test_the_runtime_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZAVA_EMBEDDING_RUNTIME", "torch")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.embedding.runtime == "torch"
    model = build_embedder(settings.embedding)
    assert isinstance(model, LocalEmbedder)
    try:
        await model.warm_up()
        assert model.loaded and model.runtime == "torch"
    finally:
        await model.aclose()
    monkeypatch.delenv("ZAVA_EMBEDDING_RUNTIME")
    assert Settings(_env_file=None).embedding.runtime == "auto"  # type: ignore[call-arg]


async def test_a_warm_up_on_first_use_waits_for_the_first_query(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ZAVA_EMBEDDING_WARM_UP=false: nothing loads until the first query, which loads the
    model itself; the warm-up then builds the ONNX path as it does at start."""
    monkeypatch.setenv("ZAVA_EMBEDDING_WARM_UP", "false")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.embedding.warm_up is False
    model = build_embedder(settings.embedding)
    assert isinstance(model, LocalEmbedder)
    running = asyncio.Event()

    async def warm() -> None:
        running.set()  # the task goes on into warm_up until it waits there, then we resume
        await model.warm_up(on_first_use=True)

    warming = asyncio.create_task(warm())
    try:
        await running.wait()
        assert not warming.done() and not model.loaded and not model.warmed
        assert len(await model.embed(["cordless drill"])) == 1
        assert model.loaded
        await asyncio.wait_for(warming, timeout=300)
        assert model.warmed and model.runtime == "onnx"
    finally:
        warming.cancel()
        await model.aclose()
    monkeypatch.delenv("ZAVA_EMBEDDING_WARM_UP")
    assert Settings(_env_file=None).embedding.warm_up is True  # type: ignore[call-arg]
