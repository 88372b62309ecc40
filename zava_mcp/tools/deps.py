"""What tools receive through ``Depends``: the running services and the caller."""

from __future__ import annotations

from fastmcp.server.dependencies import get_context

from zava_mcp.app import Services
from zava_mcp.errors import FeatureUnavailableError
from zava_mcp.pipeline import current_caller
from zava_mcp.services.identity import IdentityService
from zava_mcp.services.products import ProductSearchService
from zava_mcp.services.query import QueryService
from zava_mcp.services.sales import SalesAnalyticsService
from zava_mcp.services.schema import SchemaService

__all__ = [
    "current_caller",
    "identity_service",
    "product_search",
    "query_service",
    "running",
    "sales_service",
    "schema_service",
]


def running() -> Services:
    """The services of the server's open lifespan."""
    services = get_context().lifespan_context.get("services")
    if not isinstance(services, Services):
        raise FeatureUnavailableError("the server is starting or stopping; try again")
    return services


def query_service() -> QueryService:
    return running().query


def schema_service() -> SchemaService:
    return running().schema


def sales_service() -> SalesAnalyticsService:
    return running().sales


def identity_service() -> IdentityService:
    return running().identity


def product_search() -> ProductSearchService:
    products = running().products
    if products is None:
        raise FeatureUnavailableError("semantic search is not configured on this server")
    return products
