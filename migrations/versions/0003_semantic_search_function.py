"""semantic search function

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

``retail.search_products_by_description`` ranks products by cosine similarity of their
description embedding. ``model_name`` keeps vectors of different models apart (NULL: any, for
callers that know the table holds one model). It runs as the caller (SECURITY INVOKER): products
and embeddings are catalogue data every manager may read.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "zava_app"
SIGNATURE = "retail.search_products_by_description(public.vector, double precision, integer, text)"


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute(
        """
        CREATE FUNCTION retail.search_products_by_description(
            query_embedding public.vector(1536),
            similarity_threshold double precision DEFAULT 0.7,
            max_results integer DEFAULT 20,
            model_name text DEFAULT NULL
        )
        RETURNS TABLE (
            product_id uuid,
            sku text,
            product_name text,
            product_description text,
            category_name text,
            product_type_name text,
            base_price numeric,
            similarity double precision
        )
        LANGUAGE sql STABLE
        SET search_path = pg_catalog, public, pg_temp
        AS $$
          SELECT p.id, p.sku, p.name, p.description, c.name, t.name, p.base_price,
                 1 - (e.description_embedding OPERATOR(public.<=>) query_embedding)
          FROM retail.product_description_embeddings AS e
          JOIN retail.products AS p ON p.id = e.product_id
          JOIN retail.categories AS c ON c.id = p.category_id
          JOIN retail.product_types AS t ON t.id = p.product_type_id
          WHERE (search_products_by_description.model_name IS NULL
                 OR e.model_name = search_products_by_description.model_name)
            AND 1 - (e.description_embedding OPERATOR(public.<=>) query_embedding)
                >= similarity_threshold
          ORDER BY e.description_embedding OPERATOR(public.<=>) query_embedding
          LIMIT greatest(least(max_results, 100), 1)
        $$
        """
    )
    op.execute(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {SIGNATURE} TO {APP_ROLE}")


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute(f"DROP FUNCTION {SIGNATURE}")
