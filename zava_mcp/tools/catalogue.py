"""Catalogue tools: table schemas (also as a resource) and product search."""

from __future__ import annotations

from typing import Annotated

from fastmcp.dependencies import Depends
from fastmcp.tools.base import ToolResult
from pydantic import Field

from zava_mcp.identity import Identity
from zava_mcp.services.products import ProductSearchService
from zava_mcp.services.schema import SchemaService
from zava_mcp.services.schemas import ProductSearchResult, TableSchemas
from zava_mcp.tools.deps import current_caller, product_search, schema_service
from zava_mcp.tools.results import ToolSpec, result


async def get_multiple_table_schemas(
    table_names: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=100)]],
        Field(
            description="Table names in the retail schema, e.g. ['orders', 'order_items']",
            min_length=1,
            max_length=20,
        ),
    ],
    schema: SchemaService = Depends(schema_service),
    caller: Identity = Depends(current_caller),
) -> ToolResult:
    """Describe tables before querying them: columns and types, primary and foreign keys,
    and useful valid values (store names, categories, order date range, statuses) limited to
    what the caller may see."""
    return result(await schema.get_table_schemas(identity=caller, table_names=table_names))


async def semantic_search_products(
    query_description: Annotated[
        str,
        Field(
            description="What the customer wants, in plain words, e.g. 'cordless drill for "
            "hard wood'",
            min_length=2,
            max_length=1000,
        ),
    ],
    max_results: Annotated[int, Field(description="How many products", ge=1, le=50)] = 10,
    similarity_threshold: Annotated[
        float,
        Field(
            description="Minimum cosine similarity of meaning matches, 0 to 1 (keyword "
            "matches are kept)",
            ge=0.0,
            le=1.0,
        ),
    ] = 0.3,
    in_stock_only: Annotated[
        bool, Field(description="Only products in stock at the caller's stores")
    ] = False,
    products: ProductSearchService = Depends(product_search),
    caller: Identity = Depends(current_caller),
) -> ToolResult:
    """Find products for a need in the customer's words, a product ("cordless drill") or a
    job ("stop weeds growing between patio slabs"): meaning and keywords ranked together,
    best first, the likeliest kinds of product leading, with name, SKU, category, type,
    price and (in_stock_only) units in stock at the caller's stores."""
    out = await products.search(
        identity=caller,
        query=query_description,
        max_results=max_results,
        similarity_threshold=similarity_threshold,
        in_stock_only=in_stock_only,
    )
    return result(out)


async def table_schema_resource(
    table: str,
    schema: SchemaService = Depends(schema_service),
    caller: Identity = Depends(current_caller),
) -> str:
    out = await schema.get_table_schemas(identity=caller, table_names=[table])
    return out.tables[0].model_dump_json(indent=2)


TOOLS = (
    ToolSpec(get_multiple_table_schemas, TableSchemas),
    ToolSpec(semantic_search_products, ProductSearchResult),
)
