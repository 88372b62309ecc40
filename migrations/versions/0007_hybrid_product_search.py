"""hybrid product search

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29

Full-text search next to the vectors: generated, weighted ``tsvector`` columns (English
stemming) on products (name A, description C), product types (name B, description C) and
categories (name B, description D), with a GIN index on the products' one. Product types get a
``description`` (what the type is used for) and one vector per type and model in
``retail.product_type_embeddings``: a need phrased as a job ("keep the lawn short") is closer
to its type's uses than to any one product's specification.

``retail.search_products_hybrid(...)`` scores each candidate (the nearest product vectors and
the best full-text matches) as a blend: cosine similarity of the product, plus ``type_weight``
times that of its type, plus ``text_weight / (rrf_k + full-text rank)``; the n-th product of a
type then loses ``type_spread * (n - 1)``, so a second likely type reaches the first results.
With the type and text weights at zero it is the plain vector search; with the vector weights
at zero, full-text search alone.

The function runs as the caller (SECURITY INVOKER): catalogue tables are readable by every
manager, and with ``in_stock_only`` the stock comes from ``retail.inventory`` under the caller's
RLS. It refuses, with SQLSTATE ZV001, to rank vectors when none of ``model_name`` are stored
(vectors of another model are never compared with the query). The 0003 function is unchanged.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "zava_app"
SIGNATURE = (
    "retail.search_products_hybrid(text, public.vector, text, integer, boolean, "
    "double precision, double precision, double precision, double precision, integer, "
    "double precision, integer)"
)

SEARCH_FUNCTION = """
CREATE FUNCTION retail.search_products_hybrid(
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
BEGIN
    IF use_vectors AND NOT EXISTS (
        SELECT 1 FROM retail.product_description_embeddings AS e
        WHERE e.model_name = search_products_hybrid.model_name
    ) THEN
        RAISE EXCEPTION 'no product vectors for embedding model %',
            search_products_hybrid.model_name
            USING ERRCODE = 'ZV001',
                  DETAIL = coalesce((SELECT string_agg(DISTINCT e.model_name, ', ')
                                     FROM retail.product_description_embeddings AS e), '');
    END IF;
    RETURN QUERY
    WITH by_vector AS (
        -- the nearest first, then the threshold: the same rows as filtering first (it cuts
        -- by distance), with one distance computed per row
        SELECT n.product_id, n.distance
        FROM (
            SELECT e.product_id,
                   e.description_embedding OPERATOR(public.<=>) query_embedding AS distance
            FROM retail.product_description_embeddings AS e
            WHERE use_vectors
              AND e.model_name = search_products_hybrid.model_name
              AND (NOT in_stock_only OR EXISTS (
                    SELECT 1 FROM retail.inventory AS i
                    WHERE i.product_id = e.product_id AND i.stock_level > 0))
            ORDER BY e.description_embedding OPERATOR(public.<=>) query_embedding
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
    by_type AS (
        SELECT te.product_type_id,
               1 - (te.embedding OPERATOR(public.<=>) query_embedding) AS type_similarity
        FROM retail.product_type_embeddings AS te
        WHERE use_vectors AND type_weight > 0
          AND te.model_name = search_products_hybrid.model_name
    ),
    candidate AS (
        -- the distance of the vector candidates is known; full-text candidates look theirs up
        SELECT coalesce(v.product_id, x.product_id) AS product_id,
               coalesce(v.distance, (
                   SELECT e.description_embedding OPERATOR(public.<=>) query_embedding
                   FROM retail.product_description_embeddings AS e
                   WHERE use_vectors AND e.product_id = x.product_id
                     AND e.model_name = search_products_hybrid.model_name)) AS distance,
               x.position AS text_position
        FROM by_vector AS v
        FULL JOIN by_text AS x ON x.product_id = v.product_id
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


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute(
        """
        ALTER TABLE retail.products ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (
            setweight(to_tsvector('english'::regconfig, name), 'A')
            || setweight(to_tsvector('english'::regconfig, description), 'C')
        ) STORED NOT NULL
        """
    )
    op.execute(
        "CREATE INDEX ix_products_search_vector ON retail.products USING gin (search_vector)"
    )
    op.execute("ALTER TABLE retail.product_types ADD COLUMN description text")
    op.execute(
        """
        ALTER TABLE retail.product_types ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (
            setweight(to_tsvector('english'::regconfig, name), 'B')
            || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')
        ) STORED NOT NULL
        """
    )
    op.execute(
        """
        CREATE TABLE retail.product_type_embeddings (
            product_type_id uuid NOT NULL,
            model_name text NOT NULL,
            embedding public.vector(1536) NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_product_type_embeddings PRIMARY KEY (product_type_id, model_name),
            CONSTRAINT fk_product_type_embeddings_product_type_id_product_types
                FOREIGN KEY (product_type_id) REFERENCES retail.product_types (id)
                ON DELETE CASCADE
        )
        """
    )
    op.execute(f"GRANT SELECT ON retail.product_type_embeddings TO {APP_ROLE}")
    op.execute(
        """
        ALTER TABLE retail.categories ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (
            setweight(to_tsvector('english'::regconfig, name), 'B')
            || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'D')
        ) STORED NOT NULL
        """
    )
    op.execute(SEARCH_FUNCTION)
    op.execute(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {SIGNATURE} TO {APP_ROLE}")


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute(f"DROP FUNCTION {SIGNATURE}")
    op.execute("ALTER TABLE retail.categories DROP COLUMN search_vector")
    op.execute("DROP TABLE retail.product_type_embeddings")
    op.execute("ALTER TABLE retail.product_types DROP COLUMN search_vector")
    op.execute("ALTER TABLE retail.product_types DROP COLUMN description")
    op.execute("DROP INDEX retail.ix_products_search_vector")
    op.execute("ALTER TABLE retail.products DROP COLUMN search_vector")
