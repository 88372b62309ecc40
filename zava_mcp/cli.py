"""The ``zava-mcp`` command: the embedded database, migrations, seed, server and checks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from zava_mcp.errors import MCPError
from zava_mcp.infra.settings import Settings


def _db(args: argparse.Namespace, settings: Settings) -> int:
    from zava_mcp.db.urls import embedded_from_settings
    from zava_mcp.infra.settings import redact_url

    if not settings.uses_embedded:
        print("a database URL is configured; the embedded PostgreSQL is not in use")
        return 0 if args.action in ("status", "urls") else 2
    embedded = embedded_from_settings(settings)
    if args.action == "start":
        embedded.start()
        print(f"embedded PostgreSQL running on 127.0.0.1:{embedded.port} (data: {embedded.pgdata})")
    elif args.action == "stop":
        print("stopped" if embedded.stop() else "not running")
    elif args.action == "status":
        status = embedded.status()
        state = "running" if status.running else ("stopped" if status.initialised else "absent")
        print(
            f"{state}: port {status.port}, data {status.pgdata}"
            + (f", pid {status.pid}" if status.pid else "")
        )
        return 0 if status.running else 3
    elif args.action == "urls":
        show = args.show_passwords
        for name, url in (("admin", embedded.admin_url()), ("app", embedded.app_url())):
            text = url.set(drivername="postgresql").render_as_string(hide_password=not show)
            print(f"ZAVA_{'ADMIN_' if name == 'admin' else ''}DATABASE_URL={text}")
        if not show:
            print("# passwords hidden; add --show-passwords to print them", file=sys.stderr)
        _ = redact_url
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from zava_mcp.db.migrations import upgrade

    upgrade(args.revision)
    print(f"migrated to {args.revision}")
    return 0


def _seed(args: argparse.Namespace, settings: Settings) -> int:
    from zava_mcp.seed.__main__ import main as seed_main

    return seed_main(args.seed_args)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from zava_mcp.server import build_http_app, build_server

    if args.transport == "stdio":
        build_server(settings).run(transport="stdio", show_banner=False)
        return 0
    import uvicorn

    host = args.host or settings.host
    port = args.port or settings.port
    if args.host or args.port:
        settings = settings.model_copy(update={"host": host, "port": port})
    app = build_http_app(build_server(settings), settings)
    uvicorn.run(
        app,
        host=host,
        port=port,
        proxy_headers=False,  # TrustedProxyMiddleware decides whose forwarded headers count
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=10,
        access_log=False,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zava-mcp", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    db = sub.add_parser("db", help="manage the embedded PostgreSQL")
    db.add_argument("action", choices=("start", "stop", "status", "urls"))
    db.add_argument("--show-passwords", action="store_true")
    db.set_defaults(handler=_db)
    migrate = sub.add_parser("migrate", help="alembic upgrade (default: head)")
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.set_defaults(handler=_migrate)
    seed = sub.add_parser("seed", help="same as python -m zava_mcp.seed")
    seed.add_argument("seed_args", nargs=argparse.REMAINDER)
    seed.set_defaults(handler=_seed)
    serve = sub.add_parser("serve", help="serve MCP over streamable HTTP (default) or stdio")
    serve.add_argument("--transport", choices=("http", "stdio"), default="http")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(handler=_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
        return int(args.handler(args, settings))
    except MCPError as exc:
        print(f"zava-mcp: {exc}", file=sys.stderr)
        return 2
