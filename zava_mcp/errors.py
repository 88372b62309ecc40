"""The error hierarchy. Every error has a stable ``error_code`` and a short, safe message.

Messages never carry stack traces, SQL internals beyond a short reason, other tenants' values or
connection details: they are shown to the model and the user as they are.
"""

from __future__ import annotations


class ZavaError(Exception):
    """Base class: a failure the caller may see, with a stable code."""

    error_code = "INTERNAL_ERROR"
    retryable = False

    def __init__(self, message: str, *, error_code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if error_code is not None:
            self.error_code = error_code

    def __str__(self) -> str:
        return f"[{self.error_code}] {self.message}"


class ConfigurationError(ZavaError):
    error_code = "CONFIGURATION_ERROR"


class DatabaseError(ZavaError):
    error_code = "DATABASE_ERROR"


class DatabaseUnavailableError(DatabaseError):
    error_code = "DATABASE_UNAVAILABLE"
    retryable = True


class PoolTimeoutError(DatabaseError):
    error_code = "POOL_TIMEOUT"
    retryable = True


class NotMigratedError(DatabaseError):
    error_code = "NOT_MIGRATED"


class QueryTimeoutError(DatabaseError):
    error_code = "QUERY_TIMEOUT"


class QueryRejectedError(ZavaError):
    """The SQL guard refused the query; the message names the construct."""

    error_code = "QUERY_REJECTED"


class QueryError(ZavaError):
    """The database refused a query the guard let through (bad column, type error...)."""

    error_code = "QUERY_ERROR"


class ValidationError(ZavaError):
    error_code = "VALIDATION_ERROR"


class AuthenticationError(ZavaError):
    error_code = "UNAUTHENTICATED"


class AuthorizationError(ZavaError):
    error_code = "FORBIDDEN"


class NotFoundError(ZavaError):
    error_code = "NOT_FOUND"


class EmbeddingError(ZavaError):
    error_code = "EMBEDDING_ERROR"


class FeatureUnavailableError(ZavaError):
    error_code = "UNAVAILABLE"


class ResourceLimitError(DatabaseError):
    """The query needed more memory, temporary disk or result size than one query may take."""

    error_code = "RESOURCE_LIMIT"


class RateLimitedError(ZavaError):
    """The caller has too many calls in flight or made too many this minute."""

    error_code = "RATE_LIMITED"
    retryable = True

    def __init__(self, message: str, *, retry_after_s: float) -> None:
        super().__init__(f"{message}; retry in {max(1, round(retry_after_s))} s")
        self.retry_after_s = retry_after_s


class EmbeddingModelMismatchError(EmbeddingError):
    """The catalogue's vectors were made by another model than the one this server embeds with:
    their distances to the query would be meaningless, so the search is refused."""

    error_code = "EMBEDDING_MODEL_MISMATCH"

    @classmethod
    def for_models(cls, model: str, stored: str) -> EmbeddingModelMismatchError:
        found = f"the catalogue holds vectors of {stored}" if stored else "none are stored"
        return cls(
            f"no product vectors for embedding model {model} ({found}): re-embed with "
            "`python -m zava_mcp.seed --reembed`, or set ZAVA_EMBEDDING_MODEL to the stored model"
        )
