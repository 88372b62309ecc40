"""retail schema: tables, keys and indexes

Revision ID: 0001
Revises:
Create Date: 2026-11-26

The extension and every table of the multi-tenant schema. Security (roles, grants, RLS, helper
functions) follows in 0002 and search in 0003, each next to what it protects or serves.
"""

from collections.abc import Sequence

import pgvector.sqlalchemy
import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.execute("CREATE SCHEMA retail")
    op.create_table(
        "categories",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("name", name=op.f("uq_categories_name")),
        schema="retail",
    )
    op.create_table(
        "regions",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regions")),
        sa.UniqueConstraint("code", name=op.f("uq_regions_code")),
        schema="retail",
    )
    op.create_table(
        "product_types",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("category_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["retail.categories.id"],
            name=op.f("fk_product_types_category_id_categories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_types")),
        sa.UniqueConstraint("name", name=op.f("uq_product_types_name")),
        schema="retail",
    )
    op.create_index(
        op.f("ix_retail_product_types_category_id"),
        "product_types",
        ["category_id"],
        unique=False,
        schema="retail",
    )
    op.create_table(
        "stores",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("region_id", sa.UUID(), nullable=False),
        sa.Column("manager_id", sa.UUID(), nullable=True),
        sa.Column("is_online", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["retail.regions.id"], name=op.f("fk_stores_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stores")),
        sa.UniqueConstraint("code", name=op.f("uq_stores_code")),
        sa.UniqueConstraint("name", name=op.f("uq_stores_name")),
        schema="retail",
    )
    op.create_index(
        op.f("ix_retail_stores_manager_id"), "stores", ["manager_id"], unique=False, schema="retail"
    )
    op.create_index(
        op.f("ix_retail_stores_region_id"), "stores", ["region_id"], unique=False, schema="retail"
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("store_id", sa.UUID(), nullable=False),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("last_name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["retail.stores.id"], name=op.f("fk_customers_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("id", "store_id", name=op.f("uq_customers_id_store_id")),
        schema="retail",
    )
    op.create_index(
        op.f("ix_retail_customers_store_id"),
        "customers",
        ["store_id"],
        unique=False,
        schema="retail",
    )
    op.create_table(
        "managers",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("access_level", sa.Text(), nullable=False),
        sa.Column("store_id", sa.UUID(), nullable=True),
        sa.Column("region_id", sa.UUID(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(access_level = 'store' AND store_id IS NOT NULL AND region_id IS NULL) OR (access_level = 'region' AND region_id IS NOT NULL AND store_id IS NULL) OR (access_level = 'head_office' AND store_id IS NULL AND region_id IS NULL)",
            name=op.f("ck_managers_access_scope"),
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["retail.regions.id"], name=op.f("fk_managers_region_id_regions")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["retail.stores.id"], name=op.f("fk_managers_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_managers")),
        sa.UniqueConstraint("code", name=op.f("uq_managers_code")),
        sa.UniqueConstraint("email", name=op.f("uq_managers_email")),
        schema="retail",
    )
    op.create_index(
        op.f("ix_retail_managers_region_id"),
        "managers",
        ["region_id"],
        unique=False,
        schema="retail",
    )
    op.create_index(
        op.f("ix_retail_managers_store_id"), "managers", ["store_id"], unique=False, schema="retail"
    )
    # stores.manager_id and managers.store_id point at each other: this key comes second.
    op.create_foreign_key(
        op.f("fk_stores_manager_id_managers"),
        "stores",
        "managers",
        ["manager_id"],
        ["id"],
        source_schema="retail",
        referent_schema="retail",
        ondelete="SET NULL",
    )
    op.create_table(
        "products",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("sku", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category_id", sa.UUID(), nullable=False),
        sa.Column("product_type_id", sa.UUID(), nullable=False),
        sa.Column("cost", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("base_price", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "cost >= 0 AND base_price >= 0", name=op.f("ck_products_non_negative_prices")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["retail.categories.id"],
            name=op.f("fk_products_category_id_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["product_type_id"],
            ["retail.product_types.id"],
            name=op.f("fk_products_product_type_id_product_types"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("sku", name=op.f("uq_products_sku")),
        schema="retail",
    )
    op.create_index(
        op.f("ix_retail_products_category_id"),
        "products",
        ["category_id"],
        unique=False,
        schema="retail",
    )
    op.create_index(
        op.f("ix_retail_products_product_type_id"),
        "products",
        ["product_type_id"],
        unique=False,
        schema="retail",
    )
    op.create_table(
        "inventory",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("store_id", sa.UUID(), nullable=False),
        sa.Column("product_id", sa.UUID(), nullable=False),
        sa.Column("stock_level", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("stock_level >= 0", name=op.f("ck_inventory_non_negative_stock")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["retail.products.id"], name=op.f("fk_inventory_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["retail.stores.id"], name=op.f("fk_inventory_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory")),
        sa.UniqueConstraint(
            "store_id", "product_id", name=op.f("uq_inventory_store_id_product_id")
        ),
        schema="retail",
    )
    op.create_index(
        op.f("ix_retail_inventory_product_id"),
        "inventory",
        ["product_id"],
        unique=False,
        schema="retail",
    )
    op.create_index(
        op.f("ix_retail_inventory_store_id"),
        "inventory",
        ["store_id"],
        unique=False,
        schema="retail",
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.UUID(), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("total_amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'completed', 'shipped', 'cancelled', 'returned')",
            name=op.f("ck_orders_status_values"),
        ),
        sa.CheckConstraint("total_amount >= 0", name=op.f("ck_orders_non_negative_total")),
        sa.ForeignKeyConstraint(
            ["customer_id", "store_id"],
            ["retail.customers.id", "retail.customers.store_id"],
            name="fk_orders_customer_store_customers",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["retail.stores.id"], name=op.f("fk_orders_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("id", "store_id", name=op.f("uq_orders_id_store_id")),
        schema="retail",
    )
    op.create_index(
        "ix_orders_store_id_order_date",
        "orders",
        ["store_id", "order_date"],
        unique=False,
        schema="retail",
    )
    op.create_index(
        op.f("ix_retail_orders_customer_id"),
        "orders",
        ["customer_id"],
        unique=False,
        schema="retail",
    )
    op.create_index(
        op.f("ix_retail_orders_store_id"), "orders", ["store_id"], unique=False, schema="retail"
    )
    op.create_table(
        "product_description_embeddings",
        sa.Column("product_id", sa.UUID(), nullable=False),
        sa.Column("model_name", sa.Text(), nullable=False),
        sa.Column(
            "description_embedding", pgvector.sqlalchemy.vector.VECTOR(dim=1536), nullable=False
        ),
        sa.Column(
            "last_updated",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["retail.products.id"],
            name=op.f("fk_product_description_embeddings_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "product_id", "model_name", name=op.f("pk_product_description_embeddings")
        ),
        schema="retail",
    )
    op.create_index(
        "ix_product_description_embeddings_ivfflat",
        "product_description_embeddings",
        ["description_embedding"],
        unique=False,
        schema="retail",
        postgresql_using="ivfflat",
        postgresql_with={"lists": 20},
        postgresql_ops={"description_embedding": "vector_cosine_ops"},
    )
    op.create_table(
        "order_items",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.UUID(), nullable=False),
        sa.Column("product_id", sa.UUID(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column(
            "discount_percent",
            sa.Numeric(precision=5, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column("line_total", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "discount_percent >= 0 AND discount_percent <= 100",
            name=op.f("ck_order_items_discount_range"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_items_positive_quantity")),
        sa.ForeignKeyConstraint(
            ["order_id", "store_id"],
            ["retail.orders.id", "retail.orders.store_id"],
            name="fk_order_items_order_store_orders",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["retail.products.id"], name=op.f("fk_order_items_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["retail.stores.id"], name=op.f("fk_order_items_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_items")),
        schema="retail",
    )
    op.create_index(
        op.f("ix_retail_order_items_order_id"),
        "order_items",
        ["order_id"],
        unique=False,
        schema="retail",
    )
    op.create_index(
        op.f("ix_retail_order_items_product_id"),
        "order_items",
        ["product_id"],
        unique=False,
        schema="retail",
    )
    op.create_index(
        op.f("ix_retail_order_items_store_id"),
        "order_items",
        ["store_id"],
        unique=False,
        schema="retail",
    )


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.drop_constraint(
        op.f("fk_stores_manager_id_managers"), "stores", schema="retail", type_="foreignkey"
    )
    op.drop_index(op.f("ix_retail_order_items_store_id"), table_name="order_items", schema="retail")
    op.drop_index(
        op.f("ix_retail_order_items_product_id"), table_name="order_items", schema="retail"
    )
    op.drop_index(op.f("ix_retail_order_items_order_id"), table_name="order_items", schema="retail")
    op.drop_table("order_items", schema="retail")
    op.drop_index(
        "ix_product_description_embeddings_ivfflat",
        table_name="product_description_embeddings",
        schema="retail",
        postgresql_using="ivfflat",
        postgresql_with={"lists": 20},
        postgresql_ops={"description_embedding": "vector_cosine_ops"},
    )
    op.drop_table("product_description_embeddings", schema="retail")
    op.drop_index(op.f("ix_retail_orders_store_id"), table_name="orders", schema="retail")
    op.drop_index(op.f("ix_retail_orders_customer_id"), table_name="orders", schema="retail")
    op.drop_index("ix_orders_store_id_order_date", table_name="orders", schema="retail")
    op.drop_table("orders", schema="retail")
    op.drop_index(op.f("ix_retail_inventory_store_id"), table_name="inventory", schema="retail")
    op.drop_index(op.f("ix_retail_inventory_product_id"), table_name="inventory", schema="retail")
    op.drop_table("inventory", schema="retail")
    op.drop_index(
        op.f("ix_retail_products_product_type_id"), table_name="products", schema="retail"
    )
    op.drop_index(op.f("ix_retail_products_category_id"), table_name="products", schema="retail")
    op.drop_table("products", schema="retail")
    op.drop_index(op.f("ix_retail_managers_store_id"), table_name="managers", schema="retail")
    op.drop_index(op.f("ix_retail_managers_region_id"), table_name="managers", schema="retail")
    op.drop_table("managers", schema="retail")
    op.drop_index(op.f("ix_retail_customers_store_id"), table_name="customers", schema="retail")
    op.drop_table("customers", schema="retail")
    op.drop_index(op.f("ix_retail_stores_region_id"), table_name="stores", schema="retail")
    op.drop_index(op.f("ix_retail_stores_manager_id"), table_name="stores", schema="retail")
    op.drop_table("stores", schema="retail")
    op.drop_index(
        op.f("ix_retail_product_types_category_id"), table_name="product_types", schema="retail"
    )
    op.drop_table("product_types", schema="retail")
    op.drop_table("regions", schema="retail")
    op.drop_table("categories", schema="retail")
    op.execute("DROP SCHEMA retail")
    # The extension stays: it may predate this project and is owned by whoever created it.
