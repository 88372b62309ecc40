"""A real HTTP server on 127.0.0.1 that speaks the OpenAI embeddings API, for tests.

It runs :class:`http.server.ThreadingHTTPServer` in a background thread on a free port, answers
``POST .../embeddings`` (any prefix: ``/v1/embeddings``, Azure's
``/openai/deployments/<name>/embeddings``) with deterministic vectors derived from a hash of each
text, returns the items in reverse order (clients must use ``index``), records every request,
and can be scripted to misbehave::

    server.script(Behaviour.status(429), Behaviour.status(429))   # the next two requests
    server.default = Behaviour.status(429)                        # every later request
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

DEFAULT_DIMENSIONS = 1536


def raw_vector(text: str, dims: int) -> list[float]:
    """The (unnormalised) vector the server returns for ``text``: seeded by its SHA-256."""
    seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")
    rng = random.Random(seed)
    return [rng.uniform(-1.0, 1.0) for _ in range(dims)]


def expected_vector(text: str, dims: int, padded_to: int = DEFAULT_DIMENSIONS) -> list[float]:
    """What a client should return for ``text``: :func:`raw_vector` normalised, zero-padded."""
    vec = raw_vector(text, dims)
    norm = math.sqrt(sum(x * x for x in vec))
    return [x / norm for x in vec] + [0.0] * (padded_to - dims)


@dataclass(frozen=True)
class Behaviour:
    """What the server does with one request."""

    kind: str = "ok"  # ok | status | slow | dims | raw
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    delay_s: float = 0.0
    dims: int | None = None

    @classmethod
    def ok(cls) -> Behaviour:
        return cls()

    @classmethod
    def error(
        cls, status: int, message: str = "error", retry_after: str | None = None
    ) -> Behaviour:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        body = json.dumps({"error": {"message": message, "type": "test", "code": None}})
        return cls(kind="status", status=status, headers=headers, body=body.encode())

    @classmethod
    def slow(cls, delay_s: float) -> Behaviour:
        """Answer normally, but only after ``delay_s``."""
        return cls(kind="slow", delay_s=delay_s)

    @classmethod
    def wrong_dimensions(cls, dims: int) -> Behaviour:
        """Answer with ``dims``-wide vectors whatever was asked for."""
        return cls(kind="dims", dims=dims)

    @classmethod
    def raw(cls, body: bytes | str, status: int = 200) -> Behaviour:
        """Answer with exactly ``body`` as ``application/json``."""
        data = body.encode() if isinstance(body, str) else body
        return cls(kind="raw", status=status, body=data)


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: Any  # parsed JSON, or the raw text when it was not JSON

    @property
    def inputs(self) -> list[str]:
        return list(self.body["input"])


class EmbeddingServer:
    """Start with :meth:`start` (or as a context manager); ``url`` is ``http://127.0.0.1:<port>``.

    ``native_dimensions``: the width returned when a request has no ``dimensions``.
    """

    def __init__(self, native_dimensions: int = 768) -> None:
        self.native_dimensions = native_dimensions
        self.default = Behaviour.ok()
        self.requests: list[RecordedRequest] = []
        self._script: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- control -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(self, *behaviours: Behaviour) -> None:
        """Queue behaviours for the next requests; afterwards ``default`` applies."""
        with self._lock:
            self._script.extend(behaviours)

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self.requests.clear()
            self.default = Behaviour.ok()

    def start(self) -> EmbeddingServer:
        handler = type("Handler", (_Handler,), {"server_ref": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="embedding-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> EmbeddingServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- used by the handler -----------------------------------------------------------------

    def _next(self, request: RecordedRequest) -> Behaviour:
        with self._lock:
            self.requests.append(request)
            return self._script.popleft() if self._script else self.default

    def _embeddings(self, body: Any, dims_override: int | None) -> bytes:
        texts = body["input"]
        if isinstance(texts, str):
            texts = [texts]
        dims = dims_override or body.get("dimensions") or self.native_dimensions
        data = [
            {"object": "embedding", "index": i, "embedding": raw_vector(text, dims)}
            for i, text in enumerate(texts)
        ]
        data.reverse()  # valid per the API: clients must order by "index"
        tokens = sum(len(t.split()) for t in texts)
        payload = {
            "object": "list",
            "data": data,
            "model": body.get("model"),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
        return json.dumps(payload).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_ref: EmbeddingServer

    def log_message(self, format: str, *args: Any) -> None:  # silence stderr
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        parts = urlsplit(self.path)
        request = RecordedRequest(
            method="POST",
            path=parts.path,
            query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        server = self.server_ref
        behaviour = server._next(request)

        if not parts.path.endswith("/embeddings"):
            self._send(404, b'{"error": {"message": "not found"}}')
            return
        if behaviour.kind == "status":
            self._send(behaviour.status, behaviour.body or b"{}", behaviour.headers)
            return
        if behaviour.kind == "raw":
            self._send(behaviour.status, behaviour.body or b"")
            return
        if behaviour.kind == "slow":
            deadline = time.monotonic() + behaviour.delay_s
            while time.monotonic() < deadline and not server._stopping.is_set():
                time.sleep(0.01)
        if not isinstance(body, dict) or "input" not in body:
            self._send(400, b'{"error": {"message": "invalid request body"}}')
            return
        self._send(200, server._embeddings(body, behaviour.dims))

    def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
            self.close_connection = True
