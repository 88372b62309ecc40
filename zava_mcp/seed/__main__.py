"""``python -m zava_mcp.seed [--scale F] [--reset]``: load the catalogue and generated history."""

from __future__ import annotations

import argparse
import asyncio
import sys

from pydantic import ValidationError as PydanticValidationError

from zava_mcp.db.urls import resolve_urls, start_embedded
from zava_mcp.errors import ZavaError
from zava_mcp.infra.settings import Settings, asyncpg_dsn, settings_error
from zava_mcp.seed.catalogue import CatalogueError, load_catalogue
from zava_mcp.seed.embed import embed_catalogue
from zava_mcp.seed.loader import SeedReport, connect, seed


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m zava_mcp.seed", description=__doc__)
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply the default volume (50,000 customers, 200,000 orders)",
    )
    parser.add_argument("--reset", action="store_true", help="empty every table and reload")
    parser.add_argument("--no-progress", action="store_true", help="no progress output")
    parser.add_argument(
        "--reembed", action="store_true", help="recompute every embedding for the configured model"
    )
    parser.add_argument(
        "--no-embeddings",
        action="store_true",
        help="skip the embeddings step (semantic search will find nothing)",
    )
    return parser


async def run(args: argparse.Namespace, settings: Settings) -> SeedReport:
    if not 0.001 <= args.scale <= 100:
        raise SystemExit("--scale must be between 0.001 and 100")
    await asyncio.to_thread(start_embedded, settings)
    urls = resolve_urls(settings)
    catalogue = load_catalogue()
    progress = not args.no_progress  # a bar on a terminal, progress lines otherwise
    conn = await connect(asyncpg_dsn(urls.admin))
    try:
        report = await seed(conn, catalogue, scale=args.scale, reset=args.reset, progress=progress)
        if not args.no_embeddings:
            from zava_mcp.embeddings import build_embedder

            embedder = build_embedder(settings.embedding)
            try:
                report.embeddings = await embed_catalogue(
                    conn, embedder, reembed=args.reembed, progress=progress
                )
            finally:
                await embedder.aclose()
        return report
    finally:
        await conn.close()


def print_report(report: SeedReport) -> None:
    if report.skipped:
        print("already seeded: nothing added (use --reset to reload)")
    else:
        rate = report.total_rows / report.seconds if report.seconds else 0
        print(f"seeded {report.total_rows:,} rows in {report.seconds:.1f}s ({rate:,.0f} rows/s)")
    for table, count in report.rows.items():
        print(f"  {table:<32} {count:>10,}")
    emb = report.embeddings
    if emb is not None:
        if emb.embedded:
            print(
                f"embedded {emb.embedded} products with {emb.model} in {emb.seconds:.1f}s; "
                f"ivfflat rebuilt with lists={emb.lists}"
            )
        else:
            print(f"embeddings for {emb.model} already present")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        report = asyncio.run(run(args, Settings()))
    except (ZavaError, CatalogueError) as exc:
        print(f"seed failed: {exc}", file=sys.stderr)
        return 2
    except PydanticValidationError as exc:
        print(f"seed failed: invalid setting: {settings_error(exc)}", file=sys.stderr)
        return 2
    print_report(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
