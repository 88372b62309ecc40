"""The protocol stack's own floor: a bare FastMCP server with one tool that returns a constant.

No identity, no middleware, no database, no audit: the same FastMCP, uvicorn and streamable-HTTP
settings as ``zava-mcp serve`` (stateless, JSON answers), so a ``fastmcp.Client`` call to it
costs what HTTP + MCP cost before zava-mcp does anything. ``python -m zava_mcp.bench.floor
--port N`` serves it; the benchmark starts it next to the real server.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any


def build_app() -> Any:
    from fastmcp import FastMCP
    from starlette.requests import Request
    from starlette.responses import JSONResponse

    mcp = FastMCP("floor")

    @mcp.tool
    async def ping() -> dict[str, bool]:
        """Answer at once."""
        return {"ok": True}

    @mcp.custom_route("/healthz", methods=["GET"])
    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return mcp.http_app(path="/mcp", stateless_http=True, json_response=True)


def main(argv: Sequence[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m zava_mcp.bench.floor")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    uvicorn.run(build_app(), host="127.0.0.1", port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
