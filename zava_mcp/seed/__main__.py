"""``python -m zava_mcp.seed [--scale F] [--reset]``: load the catalogue and generated history."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click
from pydantic import ValidationError as PydanticValidationError

from zava_mcp.cli_errors import run_command
from zava_mcp.errors import ZavaError

if TYPE_CHECKING:
    from zava_mcp.infra.settings import Settings
    from zava_mcp.seed.loader import SeedReport


async def run(
    settings: Settings,
    *,
    scale: float = 1.0,
    reset: bool = False,
    progress: bool = True,
    reembed: bool = False,
    embeddings: bool = True,
) -> SeedReport:
    from zava_mcp.db.urls import resolve_urls, start_embedded
    from zava_mcp.infra.settings import asyncpg_dsn
    from zava_mcp.seed.catalogue import load_catalogue
    from zava_mcp.seed.embed import embed_catalogue
    from zava_mcp.seed.loader import connect, seed

    await asyncio.to_thread(start_embedded, settings)
    urls = resolve_urls(settings)
    catalogue = load_catalogue()
    conn = await connect(asyncpg_dsn(urls.admin))
    try:
        report = await seed(conn, catalogue, scale=scale, reset=reset, progress=progress)
        if embeddings:
            from zava_mcp.embeddings import build_embedder

            embedder = build_embedder(settings.embedding)
            try:
                report.embeddings = await embed_catalogue(
                    conn, embedder, reembed=reembed, progress=progress
                )
            finally:
                await embedder.aclose()
        return report
    finally:
        await conn.close()


def print_report(report: SeedReport) -> None:
    if report.skipped:
        click.echo("already seeded: nothing added (use --reset to reload)")
    else:
        rate = report.total_rows / report.seconds if report.seconds else 0
        click.echo(
            f"seeded {report.total_rows:,} rows in {report.seconds:.1f}s ({rate:,.0f} rows/s)"
        )
    for table, count in report.rows.items():
        click.echo(f"  {table:<32} {count:>10,}")
    emb = report.embeddings
    if emb is not None:
        if emb.embedded:
            click.echo(
                f"embedded {emb.embedded} products with {emb.model} in {emb.seconds:.1f}s; "
                f"ivfflat rebuilt with lists={emb.lists}"
            )
        else:
            click.echo(f"embeddings for {emb.model} already present")


@click.command("seed", context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--scale",
    type=float,
    default=1.0,
    show_default=True,
    help="multiply the default volume (50,000 customers, 200,000 orders)",
)
@click.option("--reset", is_flag=True, help="empty every table and reload")
@click.option("--no-progress", is_flag=True, help="no progress output")
@click.option("--reembed", is_flag=True, help="recompute every embedding for the configured model")
@click.option(
    "--no-embeddings",
    is_flag=True,
    help="skip the embeddings step (semantic search will find nothing)",
)
@click.pass_context
def seed_command(
    ctx: click.Context,
    scale: float,
    reset: bool,
    no_progress: bool,
    reembed: bool,
    no_embeddings: bool,
) -> int:
    """Load the catalogue and generated history (also `zava-mcp seed`)."""
    from zava_mcp.cli import settings_for
    from zava_mcp.infra.settings import settings_error
    from zava_mcp.seed.catalogue import CatalogueError

    if not 0.001 <= scale <= 100:
        raise click.ClickException("--scale must be between 0.001 and 100")  # exit code 1
    try:
        report = asyncio.run(
            run(
                settings_for(ctx),
                scale=scale,
                reset=reset,
                progress=not no_progress,  # a bar on a terminal, progress lines otherwise
                reembed=reembed,
                embeddings=not no_embeddings,
            )
        )
    except (ZavaError, CatalogueError) as exc:
        click.echo(f"seed failed: {exc}", err=True)
        return 2
    except PydanticValidationError as exc:
        click.echo(f"seed failed: invalid setting: {settings_error(exc)}", err=True)
        return 2
    print_report(report)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_command(seed_command, argv, prog_name="python -m zava_mcp.seed")


if __name__ == "__main__":
    raise SystemExit(main())
