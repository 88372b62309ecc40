"""The protocol stack's own floor: a bare FastMCP server with one tool that returns a constant.

No identity, no middleware, no database, no audit: the same FastMCP, uvicorn and streamable-HTTP
settings as ``zava-mcp serve`` (stateless, JSON answers), so a ``fastmcp.Client`` call to it
costs what HTTP + MCP cost before zava-mcp does anything. ``python -m benchmarks.floor
--port N`` serves it; the benchmark starts it next to the real server.
"""

from __future__ import annotations

from typing import Any

import click


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


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--port", type=click.IntRange(1, 65535), required=True, help="loopback port")
def main(port: int) -> None:
    """Serve the floor server on 127.0.0.1:PORT."""
    import uvicorn

    uvicorn.run(build_app(), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
