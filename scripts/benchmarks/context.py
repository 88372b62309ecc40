"""What every benchmark gets: the run's configuration, the cluster, the seeded database, the
results so far and (started on first use) the main server."""

from __future__ import annotations

import asyncio
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from fastmcp import Client

from benchmarks import output
from benchmarks.cluster import BenchCluster, SeededDatabase
from benchmarks.config import RunConfig
from benchmarks.load import mcp_transport
from benchmarks.processes import Server, mcp_server, wait_warm
from benchmarks.workload import head_office
from zava_mcp.infra.settings import asyncpg_dsn
from zava_mcp.security.binding import read_identity_key


@dataclass
class Context:
    config: RunConfig
    cluster: BenchCluster
    db: SeededDatabase
    results_dir: Path
    stack: ExitStack = field(default_factory=ExitStack)
    results: dict[str, Any] = field(default_factory=dict)
    #: the scale-10 scratch database the seed benchmark leaves for store_performance
    scratch: dict[float, SeededDatabase] = field(default_factory=dict)
    _server: Server | None = None
    _identity_key: bytes | None = None

    async def identity_key(self) -> bytes:
        """The key that signs bound identities (direct connections bind as the server does)."""
        if self._identity_key is None:
            self._identity_key = await read_identity_key(self.db.admin)
        return self._identity_key

    @property
    def app_dsn(self) -> str:
        return asyncpg_dsn(self.db.app)

    @property
    def admin_dsn(self) -> str:
        return asyncpg_dsn(self.db.admin)

    @property
    def logs(self) -> Path:
        path = self.results_dir / "logs"
        path.mkdir(parents=True, exist_ok=True)
        return path

    async def main_server(self) -> Server:
        """The server over the seeded database, started and warmed up on first use."""
        if self._server is None:
            with output.step("starting the main server (python -m zava_mcp serve)"):
                server = self.stack.enter_context(
                    mcp_server(self.db.app, self.db.admin, self.logs / "server-main.log")
                )
                await warm_up(server)
            self._server = server
            self.results["_idle_rss_mb"] = psutil.Process(server.pid).memory_info().rss / 2**20
        return self._server

    @property
    def server_started(self) -> bool:
        return self._server is not None

    def postmaster_pid(self) -> int | None:
        return self.cluster.pg.status().pid


async def warm_up(server: Server) -> None:
    """One call of each kind, and the server's background warm-up over, so neither the model
    load nor the ONNX export runs while anything is timed (a server that never searches loads
    no model: one call)."""
    if server.searches:
        await asyncio.to_thread(wait_warm, server.base)
    async with Client(mcp_transport(server.mcp_url, head_office())) as client:
        await client.call_tool_mcp("get_current_user_info", {})
        if server.searches:
            await client.call_tool_mcp(
                "semantic_search_products",
                {"query_description": "cordless drill", "max_results": 3},
            )
