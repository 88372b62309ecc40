"""Which database to use: the configured URLs, or the embedded PostgreSQL when none are set.

Resolving the URLs never starts anything: starting the embedded server is its own explicit step
(:func:`start_embedded`), taken by ``zava-mcp db start``, the seed and the server's lifespan.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import URL

from zava_mcp.errors import ConfigurationError
from zava_mcp.infra.embedded import Bootstrap, EmbeddedPostgres
from zava_mcp.infra.settings import Settings, async_url
from zava_mcp.security.bootstrap import bootstrap_database_sql, bootstrap_roles_sql
from zava_mcp.security.policy import APP_ROLE, OWNER_ROLE


@dataclass(frozen=True)
class DatabaseUrls:
    admin: URL
    app: URL


def embedded_bootstrap() -> Bootstrap:
    """The security policy's roles and lock-down SQL, for a cluster the product starts itself."""
    return Bootstrap(
        owner_role=OWNER_ROLE,
        app_role=APP_ROLE,
        roles_sql=bootstrap_roles_sql,
        database_sql=bootstrap_database_sql,
    )


def embedded_from_settings(settings: Settings) -> EmbeddedPostgres:
    return EmbeddedPostgres(
        settings.data_dir,
        bootstrap=embedded_bootstrap(),
        port=settings.embedded_port,
        database=settings.embedded_database,
    )


def start_embedded(settings: Settings) -> bool:
    """Start (initialise, bootstrap) the embedded server when the settings name no database.

    Returns whether it is the one in use; with configured URLs it does nothing.
    """
    if not settings.uses_embedded:
        return False
    embedded_from_settings(settings).start()
    return True


def resolve_urls(settings: Settings) -> DatabaseUrls:
    """The owner and application URLs: the configured ones, or the embedded server's.

    Starts nothing: the embedded server's URLs need its credentials, so call
    :func:`start_embedded` first (a cluster never started fails with "run zava-mcp db start").
    """
    if settings.uses_embedded:
        embedded = embedded_from_settings(settings)
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
