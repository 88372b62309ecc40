"""The one settings tree: every setting comes from ``ZAVA_*`` environment variables or ``.env``.

Groups that a layer takes whole are nested models (``settings.pool`` for the database engine,
``settings.limits`` for the services, ``settings.embedding`` for the embedder), so each layer
receives its part of the tree instead of a mirror class copied field by field. The documented
variable names stay flat (``ZAVA_POOL_SIZE``, ``ZAVA_MAX_ROWS``, ...: see :data:`FLAT_NAMES`);
the nested form ``ZAVA_<GROUP>__<FIELD>`` (``ZAVA_POOL__POOL_SIZE``) is accepted as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from sqlalchemy.engine import URL, make_url


def _default_data_dir() -> Path:
    return Path.cwd() / ".zava"


class PoolSettings(BaseModel):
    """The database engine's pool and session settings (taken whole by ``db.session``)."""

    model_config = ConfigDict(frozen=True)

    pool_size: int = Field(default=10, ge=1, le=200)
    max_overflow: int = Field(default=10, ge=0, le=500)
    pool_timeout_s: float = Field(default=10.0, gt=0)
    pool_recycle_s: int = Field(default=1800, ge=30)
    command_timeout_s: float = Field(default=30.0, gt=0)
    connect_retries: int = Field(default=3, ge=0, le=10, description="On connection errors only")
    connect_backoff_s: float = Field(default=0.05, gt=0, le=5)
    work_mem: str = Field(default="16MB", pattern=r"^[0-9]+(kB|MB|GB)$")
    # not user settings (no flat name): the engine's identity and an engine-wide timeout that only
    # internal pools (the audit writer's) set
    application_name: str = "zava-mcp"
    statement_timeout_ms: int | None = None


class LimitSettings(BaseModel):
    """What one query may cost and return (taken whole by the services)."""

    model_config = ConfigDict(frozen=True)

    max_rows: int = Field(default=500, ge=1, le=100000)
    max_cell_bytes: int = Field(default=4096, ge=64)
    max_response_bytes: int = Field(
        default=65_536,
        ge=1024,
        description="Bytes of rows per result: 64 KiB is about 16,000-20,000 tokens, a tenth of "
        "a 128k-token context, so an answer leaves room for the conversation and more calls",
    )
    statement_timeout_ms: int = Field(default=15000, ge=100, le=600000)
    lock_timeout_ms: int = Field(default=2000, ge=10, le=60000)


class EmbeddingSettings(BaseModel):
    """Which embedder to build and how (taken whole by ``embeddings.build_embedder``)."""

    model_config = ConfigDict(frozen=True)

    provider: Literal["local", "openai"] = "local"
    model: str | None = Field(
        default=None,
        description="local: a sentence-transformers model path (default: the packaged "
        "all-MiniLM-L6-v2); openai: the model name (default text-embedding-3-small)",
    )
    openai_base_url: str | None = Field(
        default=None, description="OpenAI-compatible base URL (Azure: the resource endpoint)"
    )
    openai_api_key: SecretStr | None = None
    azure_openai_deployment: str | None = None
    azure_openai_api_version: str | None = None
    batch_size: int | None = Field(default=None, ge=1, le=2048)
    timeout_s: float | None = Field(default=None, gt=0)
    threads: int = Field(
        default=1,
        ge=1,
        le=64,
        description="torch threads of the local model (one query gains nothing from more, and "
        "more threads spin-wait when other processes hold the cores)",
    )
    runtime: Literal["auto", "torch"] = Field(
        default="auto",
        description="local model: auto runs single queries on ONNX Runtime once the model is "
        "exported and checked at start (same vectors, about half torch's time); torch never "
        "exports",
    )
    warm_up: bool = Field(
        default=True,
        description="local model: load it while the server starts; false: on the first search",
    )


def _flat(group: str, model: type[BaseModel], renamed: Mapping[str, str]) -> dict[str, str]:
    return {
        renamed.get(name, name): f"{group}.{name}"
        for name in model.model_fields
        if renamed.get(name, name)
    }


# The documented flat variable names (without ZAVA_) of the nested settings: "flat" -> "group.field"
FLAT_NAMES: dict[str, str] = {
    **_flat(
        "pool",
        PoolSettings,
        {"max_overflow": "pool_max_overflow", "application_name": "", "statement_timeout_ms": ""},
    ),
    **_flat("limits", LimitSettings, {}),
    **_flat(
        "embedding",
        EmbeddingSettings,
        {
            name: f"embedding_{name}"
            for name in EmbeddingSettings.model_fields
            if not name.startswith(("openai_", "azure_"))
        },
    ),
}
_NESTED_NAMES = {nested: flat for flat, nested in FLAT_NAMES.items()}


class _FlatNamesSource(PydanticBaseSettingsSource):
    """The flat ``ZAVA_*`` names of nested settings, read from what another source loaded."""

    def __init__(self, settings_cls: type[BaseSettings], env_vars: Mapping[str, str | None]):
        super().__init__(settings_cls)
        self._env_vars = env_vars

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads the names itself

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for flat in FLAT_NAMES:
            value = self._env_vars.get(f"zava_{flat}")
            if value is not None:
                found[flat] = value
        return found


class Settings(BaseSettings):
    """Runtime configuration for zava-mcp (see ``.env.example`` for every setting)."""

    model_config = SettingsConfigDict(
        env_prefix="ZAVA_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        env_vars: Mapping[str, str | None] = getattr(env_settings, "env_vars", {})
        dotenv_vars: Mapping[str, str | None] = getattr(dotenv_settings, "env_vars", {})
        return (
            init_settings,
            env_settings,
            _FlatNamesSource(settings_cls, env_vars),
            dotenv_settings,
            _FlatNamesSource(settings_cls, dotenv_vars),
            file_secret_settings,
        )

    @model_validator(mode="before")
    @classmethod
    def _nest_flat_names(cls, data: Any) -> Any:
        """Move flat names (from the environment or keyword arguments) into their group.

        A nested value given explicitly (``ZAVA_POOL__POOL_SIZE``, ``pool=...``) wins over the
        flat name of the same setting.
        """
        if not isinstance(data, dict) or not FLAT_NAMES.keys() & data.keys():
            return data
        data = dict(data)
        for flat, nested in FLAT_NAMES.items():
            if flat not in data:
                continue
            value = data.pop(flat)
            group, field = nested.split(".")
            current = data.get(group)
            values = current.model_dump() if isinstance(current, BaseModel) else dict(current or {})
            values.setdefault(field, value)
            data[group] = values
        return data

    # --- database -------------------------------------------------------------------------
    database_url: SecretStr | None = Field(
        default=None,
        description="Application-role URL used by tool queries. Unset: the embedded PostgreSQL.",
    )
    admin_database_url: SecretStr | None = Field(
        default=None,
        description="Owner/admin URL used by migrations and the seed. Unset: the embedded one.",
    )
    read_replica_url: SecretStr | None = Field(
        default=None,
        description="Optional application-role URL of a streaming read replica: read-only tool "
        "queries go there; audit writes stay on the primary.",
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Folder for the embedded PostgreSQL (pgdata, credentials, logs).",
    )
    embedded_port: int = Field(default=54329, ge=1024, le=65535)
    embedded_database: str = Field(default="zava", pattern=r"^[a-z_][a-z0-9_]{0,62}$")

    pool: PoolSettings = Field(default_factory=lambda: PoolSettings())
    limits: LimitSettings = Field(default_factory=lambda: LimitSettings())

    # --- per-caller limits (one caller cannot take the service from the others) -------------
    caller_max_in_flight: int = Field(
        default=4, ge=0, le=1000, description="Calls one caller may have running at once (0: off)"
    )
    caller_max_calls_per_minute: int = Field(
        default=120, ge=0, le=100000, description="Calls one caller may make in 60 s (0: off)"
    )
    caller_queue_wait_s: float = Field(
        default=2.0,
        ge=0,
        le=60,
        description="How long a call past the in-flight limit waits for a slot before RATE_LIMITED",
    )
    max_request_bytes: int = Field(
        default=256 * 1024, ge=4096, description="Largest HTTP request body the server reads"
    )

    # --- semantic search ----------------------------------------------------------------------
    embedding: EmbeddingSettings = Field(default_factory=lambda: EmbeddingSettings())
    search_probes: int = Field(default=10, ge=1, le=1000, description="ivfflat.probes per query")
    search_mode: Literal["hybrid", "vector", "text"] = Field(
        default="hybrid",
        description="hybrid (vectors fused with full-text search), vector or text (one ranking)",
    )
    search_type_weight: float = Field(
        default=0.5, ge=0, le=10, description="Weight of the product type's similarity (hybrid)"
    )
    search_text_weight: float = Field(
        default=0.25, ge=0, le=10, description="Weight of the full-text rank, w / (k + rank)"
    )
    search_rrf_k: int = Field(
        default=10, ge=1, le=1000, description="Rank constant k of the full-text term"
    )
    search_type_spread: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="Score taken off each further product of a type, so other types show",
    )
    search_candidates: int = Field(
        default=100, ge=1, le=500, description="Candidates taken from each ranking"
    )

    # --- identity ---------------------------------------------------------------------------
    auth_mode: Literal["dev", "header", "jwt"] = "dev"
    dev_manager_id: str | None = Field(
        default=None, description="Identity for auth_mode=dev; unset: the first store manager."
    )
    jwt_jwks_url: str | None = None
    jwt_public_key: str | None = Field(default=None, description="PEM public key (or HS secret)")
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_algorithm: str = "RS256"
    jwt_identity_claim: str = "rls_user_id"
    jwt_authorization_servers: list[str] = Field(
        default_factory=list, description="Advertised in protected-resource metadata"
    )
    jwt_leeway_s: int = Field(
        default=60, ge=0, le=600, description="Clock skew allowed for iat/nbf/exp"
    )
    jwt_max_lifetime_s: int = Field(
        default=24 * 3600,
        ge=60,
        description="Longest token lifetime accepted (exp - iat, or exp - now without iat)",
    )
    trusted_proxies: list[str] = Field(
        default_factory=lambda: ["127.0.0.1/32", "::1/128"],
        description="Addresses whose X-Forwarded-* and x-rls-user-id headers are honoured",
    )

    # --- server -----------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    mcp_path: str = Field(default="/mcp", pattern=r"^/[A-Za-z0-9/_-]*$")
    public_base_url: str | None = Field(
        default=None, description="Public URL of the server (behind the proxy); default from host"
    )
    http_json_response: bool = Field(
        default=True,
        description="Answer POSTs with plain JSON (faster); false: an SSE stream per call",
    )
    allowed_hosts: list[str] = Field(default_factory=list, description="Extra Host header values")
    allowed_origins: list[str] = Field(default_factory=list, description="Browser origins")
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token /metrics requires (jwt mode without one: /metrics is closed)",
    )
    log_level: str = "INFO"
    log_json: bool = Field(default=False, description="JSON lines instead of readable text")
    log_file: Path | None = Field(default=None, description="Also log to this rotating file")
    slow_query_ms: int = Field(default=1000, ge=1)
    audit_synchronous_commit: bool = Field(
        default=True,
        description="Wait for the audit row's WAL flush before answering (false: no fsync wait "
        "per call; a PostgreSQL crash may lose the newest audit rows)",
    )
    cache_ttl_s: float = Field(default=300, ge=0, description="0 disables the result cache")
    cache_maxsize: int = Field(default=2048, ge=1)
    cache_check_interval_s: float = Field(default=5, gt=0, le=3600)

    @field_validator("log_level")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @property
    def base_url(self) -> str:
        return self.public_base_url or f"http://{self.host}:{self.port}"

    @property
    def uses_embedded(self) -> bool:
        return self.database_url is None and self.admin_database_url is None


def async_url(url: str, *, name: str = "database URL") -> URL:
    """Return ``url`` with the asyncpg driver, whatever postgres scheme it was given with."""
    from zava_mcp.errors import ConfigurationError

    hint = "expected postgresql://user:password@host:port/database"
    try:
        parsed = make_url(url)
    except Exception:
        raise ConfigurationError(f"invalid {name}: {hint}") from None
    if not parsed.drivername.startswith("postgres") or not parsed.host:
        raise ConfigurationError(f"invalid {name}: {hint}")
    return parsed.set(drivername="postgresql+asyncpg")


def redact_url(url: str | URL) -> str:
    """Render a URL with its password hidden, for messages and logs."""
    parsed = make_url(url) if isinstance(url, str) else url
    return parsed.render_as_string(hide_password=True)


def asyncpg_dsn(url: URL) -> str:
    """A libpq-style DSN for asyncpg from a SQLAlchemy URL (password included: never log it)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def settings_error(exc: Exception) -> str:
    """One short line for a pydantic settings error (the value itself is never shown)."""
    errors: list[dict[str, Any]] = getattr(exc, "errors", list)()
    if not errors:
        return "could not read the settings"
    first = errors[0]
    field = ".".join(str(p) for p in first.get("loc", ())) or "?"
    field = _NESTED_NAMES.get(field, field.replace(".", "__"))
    return f"ZAVA_{field.upper()}: {first.get('msg', 'invalid value')}"


def flat_values(settings: Settings) -> dict[str, Any]:
    """Every documented setting's value, by flat name (lower case, without ``ZAVA_``)."""
    values: dict[str, Any] = {}
    for name in documented_names():
        group, _, field = FLAT_NAMES.get(name, name).partition(".")
        value = getattr(settings, group)
        values[name] = getattr(value, field) if field else value
    return values


def documented_names() -> dict[str, Any]:
    """Every documented setting (flat name without ``ZAVA_``, lower case) and its default."""
    names: dict[str, Any] = {}
    for name, field in Settings.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for sub, sub_field in annotation.model_fields.items():
                flat = _NESTED_NAMES.get(f"{name}.{sub}")
                if flat is not None:
                    names[flat] = sub_field.get_default(call_default_factory=True)
        else:
            names[name] = field.get_default(call_default_factory=True)
    return names
