"""Which database to use: the configured URLs, or the embedded PostgreSQL when none are set."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import URL

from zava_mcp.errors import ConfigurationError
from zava_mcp.infra.embedded import EmbeddedPostgres
from zava_mcp.infra.settings import Settings, async_url


@dataclass(frozen=True)
class DatabaseUrls:
    admin: URL
    app: URL


def embedded_from_settings(settings: Settings) -> EmbeddedPostgres:
    return EmbeddedPostgres(
        settings.data_dir, port=settings.embedded_port, database=settings.embedded_database
    )


def resolve_urls(settings: Settings, *, start_embedded: bool = True) -> DatabaseUrls:
    """The owner and application URLs, starting the embedded server when it is the default."""
    if settings.uses_embedded:
        embedded = embedded_from_settings(settings)
        if start_embedded:
            embedded.start()
        return DatabaseUrls(admin=embedded.admin_url(), app=embedded.app_url())
    if settings.database_url is None or settings.admin_database_url is None:
        raise ConfigurationError(
            "set both ZAVA_DATABASE_URL (application role) and ZAVA_ADMIN_DATABASE_URL "
            "(owner, for migrations and the seed), or neither for the embedded PostgreSQL"
        )
    return DatabaseUrls(
        admin=async_url(
            settings.admin_database_url.get_secret_value(), name="ZAVA_ADMIN_DATABASE_URL"
        ),
        app=async_url(settings.database_url.get_secret_value(), name="ZAVA_DATABASE_URL"),
    )
