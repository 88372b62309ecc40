"""faster hybrid search: native-width vectors, each distance computed once

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29

Issue 15 asks for a search service p50 of 15 ms; the 0007 function spent about 10 ms of it in
the database (measured with auto_explain on the seeded catalogue, all-MiniLM-L6-v2):

- every vector is ``vector(1536)``, zero-padded for a 384-wide model: 6 KB a row, kept out of
  line in TOAST, so each distance first reassembled the row from TOAST chunks, then multiplied
  1152 zeros (an exact scan of the 480 products: 4.7 ms against 1.2 ms for 384 inline values);
- a full-text candidate's distance was a correlated subquery, and the planner copied the
  expressions that used it (score, window order, sort) so it ran three times per candidate; the
  type similarity likewise.

So each vector row also keeps ``dimensions`` (the model's own width, written with the vector)
and ``native_embedding``, the padded vector cut back to that width (generated, stored inline:
the padded column stays the source of truth and keeps the ivfflat index of 0001/0003). The
hybrid function cuts the query to the same width once, computes each product's distance once
(an exact scan: at catalogue sizes it is faster than the index and misses nothing), and each
type's once. Same signature, same scores and ranking rules, same SECURITY INVOKER stock filter
and ZV001 refusal as 0007.

The function also plans its query once per session: PL/pgSQL's plan cache kept choosing a
custom plan (its estimate of the generic one was higher), so every call planned the dozen CTEs
again, about 2 ms of the 5.5 ms the function took. The generic plan ranks the 133 needs of the
eval set exactly as the custom plans do, in each mode (checked result by result).
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "zava_app"
SIGNATURE = (
    "retail.search_products_hybrid(text, public.vector, text, integer, boolean, "
    "double precision, double precision, double precision, double precision, integer, "
    "double precision, integer)"
)
#: the two vector tables and their padded column
TABLES = {
    "product_description_embeddings": "description_embedding",
    "product_type_embeddings": "embedding",
}

SEARCH_FUNCTION = """
CREATE OR REPLACE FUNCTION retail.search_products_hybrid(
    query_text text,
    query_embedding public.vector(1536),
    model_name text,
    max_results integer DEFAULT 10,
    in_stock_only boolean DEFAULT false,
    similarity_threshold double precision DEFAULT 0,
    vector_weight double precision DEFAULT 1,
    type_weight double precision DEFAULT 0.5,
    text_weight double precision DEFAULT 0.25,
    rrf_k integer DEFAULT 10,
    type_spread double precision DEFAULT 0.1,
    candidates integer DEFAULT 100
)
RETURNS TABLE (
    product_id uuid,
    sku text,
    product_name text,
    product_description text,
    category_name text,
    product_type_name text,
    base_price numeric,
    similarity double precision,
    score double precision,
    in_stock_units bigint
)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
-- one plan per session, not one per call (see the module docstring)
SET plan_cache_mode = force_generic_plan
AS $fn$
#variable_conflict use_column
DECLARE
    -- any of the words, not all: a need phrased as a task rarely repeats a product's words;
    -- websearch syntax still parses, stems and drops stop words
    words tsquery := CAST(
        replace(CAST(pg_catalog.websearch_to_tsquery('english', coalesce(query_text, ''))
                     AS text), ' & ', ' | ') AS tsquery);
    use_vectors boolean := query_embedding IS NOT NULL AND vector_weight > 0;
    -- weights of D, C, B, A: the name and the type count most
    weights real[] := '{0.1, 0.2, 0.4, 1.0}';
    pool integer := greatest(least(candidates, 500), 1);
    -- the query at the model's own width, to compare with native_embedding
    query_native public.vector;
BEGIN
    IF use_vectors THEN
        SELECT public.subvector(query_embedding, 1, e.dimensions) INTO query_native
        FROM retail.product_description_embeddings AS e
        WHERE e.model_name = search_products_hybrid.model_name
        LIMIT 1;
        IF query_native IS NULL THEN
            RAISE EXCEPTION 'no product vectors for embedding model %',
                search_products_hybrid.model_name
                USING ERRCODE = 'ZV001',
                      DETAIL = coalesce((SELECT string_agg(DISTINCT e.model_name, ', ')
                                         FROM retail.product_description_embeddings AS e), '');
        END IF;
    END IF;
    RETURN QUERY
    WITH measured AS MATERIALIZED (
        -- every product of the model, one distance each (vector and full-text candidates
        -- both read it)
        SELECT e.product_id,
               e.native_embedding OPERATOR(public.<=>) query_native AS distance
        FROM retail.product_description_embeddings AS e
        WHERE use_vectors AND e.model_name = search_products_hybrid.model_name
    ),
    by_vector AS (
        -- the nearest first, then the threshold: the same rows as filtering first
        SELECT n.product_id, n.distance
        FROM (
            SELECT d.product_id, d.distance
            FROM measured AS d
            WHERE NOT in_stock_only OR EXISTS (
                    SELECT 1 FROM retail.inventory AS i
                    WHERE i.product_id = d.product_id AND i.stock_level > 0)
            ORDER BY d.distance
            LIMIT pool
        ) AS n
        WHERE 1 - n.distance >= similarity_threshold
    ),
    -- full-text rank: the product's own document plus its type's and its category's, each
    -- ranked once; products are found through the GIN index or through a matching type or
    -- category (no per-row concatenation of documents)
    type_text AS (
        SELECT t.id, pg_catalog.ts_rank(weights, t.search_vector, words) AS text_rank
        FROM retail.product_types AS t
        WHERE text_weight > 0 AND t.search_vector @@ words
    ),
    category_text AS (
        SELECT c.id, pg_catalog.ts_rank(weights, c.search_vector, words) AS text_rank
        FROM retail.categories AS c
        WHERE text_weight > 0 AND c.search_vector @@ words
    ),
    text_match AS (
        SELECT p.id FROM retail.products AS p
        WHERE text_weight > 0 AND p.search_vector @@ words
        UNION
        SELECT p.id FROM retail.products AS p JOIN type_text AS tt ON tt.id = p.product_type_id
        UNION
        SELECT p.id FROM retail.products AS p JOIN category_text AS ct ON ct.id = p.category_id
    ),
    by_text AS (
        SELECT m.product_id, row_number() OVER (ORDER BY m.text_rank DESC, m.product_id)
                             AS position
        FROM (
            SELECT p.id AS product_id,
                   pg_catalog.ts_rank(weights, p.search_vector, words)
                   + coalesce(tt.text_rank, 0) + coalesce(ct.text_rank, 0) AS text_rank
            FROM text_match AS tm
            JOIN retail.products AS p ON p.id = tm.id
            LEFT JOIN type_text AS tt ON tt.id = p.product_type_id
            LEFT JOIN category_text AS ct ON ct.id = p.category_id
            WHERE NOT in_stock_only OR EXISTS (
                    SELECT 1 FROM retail.inventory AS i
                    WHERE i.product_id = p.id AND i.stock_level > 0)
            ORDER BY 2 DESC, p.id
            LIMIT pool
        ) AS m
    ),
    by_type AS MATERIALIZED (
        -- one similarity per type, not one per use of it in the expressions below
        SELECT te.product_type_id,
               1 - (te.native_embedding OPERATOR(public.<=>) query_native) AS type_similarity
        FROM retail.product_type_embeddings AS te
        WHERE use_vectors AND type_weight > 0
          AND te.model_name = search_products_hybrid.model_name
    ),
    candidate AS (
        SELECT cd.product_id, d.distance, cd.text_position
        FROM (
            SELECT coalesce(v.product_id, x.product_id) AS product_id,
                   x.position AS text_position
            FROM by_vector AS v
            FULL JOIN by_text AS x ON x.product_id = v.product_id
        ) AS cd
        LEFT JOIN measured AS d ON d.product_id = cd.product_id
    ),
    scored AS (
        SELECT p.id AS product_id, p.product_type_id,
               CAST(1 - cd.distance AS double precision) AS similarity,
               vector_weight * coalesce(1 - cd.distance, 0)
               + type_weight * coalesce(k.type_similarity, 0)
               + coalesce(text_weight / (rrf_k + cd.text_position), 0) AS score
        FROM candidate AS cd
        JOIN retail.products AS p ON p.id = cd.product_id
        LEFT JOIN by_type AS k ON k.product_type_id = p.product_type_id
    ),
    spread AS (
        SELECT sc.product_id, sc.similarity,
               sc.score - type_spread * (row_number() OVER (
                   PARTITION BY sc.product_type_id ORDER BY sc.score DESC, sc.product_id) - 1)
               AS score
        FROM scored AS sc
    )
    SELECT p.id, p.sku, p.name, p.description, c.name, t.name, p.base_price,
           sp.similarity, CAST(sp.score AS double precision),
           CASE WHEN in_stock_only THEN (
               SELECT sum(i.stock_level) FROM retail.inventory AS i
               WHERE i.product_id = p.id AND i.stock_level > 0)
           END
    FROM spread AS sp
    JOIN retail.products AS p ON p.id = sp.product_id
    JOIN retail.categories AS c ON c.id = p.category_id
    JOIN retail.product_types AS t ON t.id = p.product_type_id
    ORDER BY sp.score DESC, p.id
    LIMIT greatest(least(max_results, 100), 1);
END
$fn$
"""


def _add_native_vectors(table: str, padded: str) -> None:
    op.execute(f"ALTER TABLE retail.{table} ADD COLUMN dimensions smallint")
    # the rows already stored: a model's width is where its vectors' padding starts (the last
    # non-zero component of any of its vectors)
    op.execute(
        f"""
        WITH last_nonzero AS (
            SELECT e.model_name,
                   (SELECT max(u.n) FROM unnest(CAST(e.{padded} AS real[]))
                        WITH ORDINALITY AS u(x, n) WHERE u.x <> 0) AS n
            FROM retail.{table} AS e
        )
        UPDATE retail.{table} AS e SET dimensions = w.width
        FROM (SELECT model_name, coalesce(max(n), 1) AS width
              FROM last_nonzero GROUP BY model_name) AS w
        WHERE w.model_name = e.model_name
        """
    )
    op.execute(f"ALTER TABLE retail.{table} ALTER COLUMN dimensions SET NOT NULL")
    op.execute(
        f"ALTER TABLE retail.{table} ADD CONSTRAINT ck_{table}_dimensions_range "
        "CHECK (dimensions BETWEEN 1 AND 1536)"
    )
    op.execute(
        f"""
        ALTER TABLE retail.{table} ADD COLUMN native_embedding public.vector
        GENERATED ALWAYS AS (public.subvector({padded}, 1, dimensions)) STORED NOT NULL
        """
    )
    # in the row, not in TOAST: a 384-wide vector is 1.5 KB, and even 1536 wide fits a page
    op.execute(f"ALTER TABLE retail.{table} ALTER COLUMN native_embedding SET STORAGE MAIN")
    # SET STORAGE applies to rows written from now on: write the stored ones again
    op.execute(f"UPDATE retail.{table} SET dimensions = dimensions")


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    for table, padded in TABLES.items():
        _add_native_vectors(table, padded)
    op.execute(SEARCH_FUNCTION)
    # CREATE OR REPLACE keeps the grants of 0007 (EXECUTE for the application role only)


def _function_of_0007() -> str:
    """The 0007 function text, from its own revision file (one copy of it)."""
    path = Path(__file__).with_name("0007_hybrid_product_search.py")
    spec = importlib.util.spec_from_file_location("zava_revision_0007", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.SEARCH_FUNCTION).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute(_function_of_0007())
    for table in TABLES:
        op.execute(f"ALTER TABLE retail.{table} DROP COLUMN native_embedding")
        op.execute(f"ALTER TABLE retail.{table} DROP COLUMN dimensions")
