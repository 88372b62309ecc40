"""SQLAlchemy models: the exact mirror of the Alembic revisions (``alembic check`` proves it)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA = "retail"
AUDIT_SCHEMA = "audit"
PRIVATE_SCHEMA = "zava_private"
EMBEDDING_DIMENSIONS = 1536

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(schema=SCHEMA, naming_convention=NAMING_CONVENTION)


def _pk() -> Mapped[uuid.UUID]:
    return mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=func.gen_random_uuid()
    )


def _created_at() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class Region(Base):
    __tablename__ = "regions"

    id: Mapped[uuid.UUID] = _pk()
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _created_at()


class Store(Base):
    __tablename__ = "stores"

    id: Mapped[uuid.UUID] = _pk()
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    location: Mapped[str] = mapped_column(Text)
    region_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("regions.id"), index=True)
    manager_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("managers.id", use_alter=True, ondelete="SET NULL"), index=True
    )
    is_online: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = _created_at()


class Manager(Base):
    __tablename__ = "managers"
    __table_args__ = (
        CheckConstraint(
            "(access_level = 'store' AND store_id IS NOT NULL AND region_id IS NULL)"
            " OR (access_level = 'region' AND region_id IS NOT NULL AND store_id IS NULL)"
            " OR (access_level = 'head_office' AND store_id IS NULL AND region_id IS NULL)",
            name="access_scope",
        ),
    )

    id: Mapped[uuid.UUID] = _pk()
    code: Mapped[str] = mapped_column(Text, unique=True)
    full_name: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(Text, unique=True)
    access_level: Mapped[str] = mapped_column(Text)
    store_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("stores.id"), index=True)
    region_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("regions.id"), index=True)
    created_at: Mapped[datetime] = _created_at()


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("id", "store_id"),)

    id: Mapped[uuid.UUID] = _pk()
    store_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stores.id"), index=True)
    first_name: Mapped[str] = mapped_column(Text)
    last_name: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created_at()


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[uuid.UUID] = _pk()
    name: Mapped[str] = mapped_column(Text, unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created_at()
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(
            "setweight(to_tsvector('english'::regconfig, name), 'B') || "
            "setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'D')",
            persisted=True,
        ),
    )


class ProductType(Base):
    __tablename__ = "product_types"

    id: Mapped[uuid.UUID] = _pk()
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("categories.id"), index=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime] = _created_at()
    #: what the type is used for, in shoppers' words (embedded per model for search)
    description: Mapped[str | None] = mapped_column(Text)
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(
            "setweight(to_tsvector('english'::regconfig, name), 'B') || "
            "setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')",
            persisted=True,
        ),
    )


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("cost >= 0 AND base_price >= 0", name="non_negative_prices"),
        Index("ix_products_search_vector", "search_vector", postgresql_using="gin"),
    )

    id: Mapped[uuid.UUID] = _pk()
    sku: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("categories.id"), index=True)
    product_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("product_types.id"), index=True)
    cost: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    base_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    created_at: Mapped[datetime] = _created_at()
    #: full-text document for hybrid search (the name weighs most); read-only, generated
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(
            "setweight(to_tsvector('english'::regconfig, name), 'A') || "
            "setweight(to_tsvector('english'::regconfig, description), 'C')",
            persisted=True,
        ),
    )


class Inventory(Base):
    __tablename__ = "inventory"
    __table_args__ = (
        UniqueConstraint("store_id", "product_id"),
        CheckConstraint("stock_level >= 0", name="non_negative_stock"),
    )

    id: Mapped[uuid.UUID] = _pk()
    store_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stores.id"), index=True)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"), index=True)
    stock_level: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    created_at: Mapped[datetime] = _created_at()


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("id", "store_id"),
        ForeignKeyConstraint(
            ["customer_id", "store_id"],
            ["customers.id", "customers.store_id"],
            name="fk_orders_customer_store_customers",
        ),
        CheckConstraint(
            "status IN ('pending', 'completed', 'shipped', 'cancelled', 'returned')",
            name="status_values",
        ),
        CheckConstraint("total_amount >= 0", name="non_negative_total"),
        Index("ix_orders_store_id_order_date", "store_id", "order_date"),
    )

    id: Mapped[uuid.UUID] = _pk()
    customer_id: Mapped[uuid.UUID] = mapped_column(index=True)
    store_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stores.id"), index=True)
    order_date: Mapped[date] = mapped_column(Date)
    total_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    status: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _created_at()


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (
        ForeignKeyConstraint(
            ["order_id", "store_id"],
            ["orders.id", "orders.store_id"],
            name="fk_order_items_order_store_orders",
            ondelete="CASCADE",
        ),
        CheckConstraint("quantity > 0", name="positive_quantity"),
        CheckConstraint("discount_percent >= 0 AND discount_percent <= 100", name="discount_range"),
        # covering: an order's items are read from the index alone (0010)
        Index(
            "ix_retail_order_items_order_id",
            "order_id",
            postgresql_include=["store_id", "product_id", "quantity", "line_total"],
        ),
    )

    id: Mapped[uuid.UUID] = _pk()
    order_id: Mapped[uuid.UUID] = mapped_column()
    store_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stores.id"), index=True)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    discount_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), server_default=text("0"))
    line_total: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    created_at: Mapped[datetime] = _created_at()


class ProductDescriptionEmbedding(Base):
    __tablename__ = "product_description_embeddings"
    __table_args__ = (
        Index(
            "ix_product_description_embeddings_ivfflat",
            "description_embedding",
            postgresql_using="ivfflat",
            postgresql_with={"lists": 20},
            postgresql_ops={"description_embedding": "vector_cosine_ops"},
        ),
        CheckConstraint("dimensions BETWEEN 1 AND 1536", name="dimensions_range"),
    )

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    model_name: Mapped[str] = mapped_column(Text, primary_key=True)
    description_embedding: Mapped[list[float]] = mapped_column(Vector(EMBEDDING_DIMENSIONS))
    #: the model's own width; ``native_embedding`` is the vector without its zero padding
    #: (stored in the row, which is what the hybrid search reads: revision 0009)
    dimensions: Mapped[int] = mapped_column(SmallInteger)
    native_embedding: Mapped[list[float]] = mapped_column(
        Vector(), Computed("public.subvector(description_embedding, 1, dimensions)", persisted=True)
    )
    last_updated: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    created_at: Mapped[datetime] = _created_at()


class ProductTypeEmbedding(Base):
    """One vector per product type and model: the type's name and uses, for hybrid search."""

    __tablename__ = "product_type_embeddings"
    __table_args__ = (CheckConstraint("dimensions BETWEEN 1 AND 1536", name="dimensions_range"),)

    product_type_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("product_types.id", ondelete="CASCADE"), primary_key=True
    )
    model_name: Mapped[str] = mapped_column(Text, primary_key=True)
    embedding: Mapped[list[float]] = mapped_column(Vector(EMBEDDING_DIMENSIONS))
    dimensions: Mapped[int] = mapped_column(SmallInteger)
    native_embedding: Mapped[list[float]] = mapped_column(
        Vector(), Computed("public.subvector(embedding, 1, dimensions)", persisted=True)
    )
    created_at: Mapped[datetime] = _created_at()


class DataVersion(Base):
    """Bumped by the seed and by migrations; servers clear their caches when it moves."""

    __tablename__ = "data_version"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(
        Integer, primary_key=True, server_default=text("1"), autoincrement=False
    )
    version: Mapped[int] = mapped_column(BigInteger, server_default=text("1"))
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class ToolCallAudit(Base):
    """A call's rows, appended by ``audit.record_tool_call`` (revision 0004): its ``started`` row
    beside the call and its outcome row after the answer (revision 0008)."""

    __tablename__ = "tool_calls"
    __table_args__ = (
        CheckConstraint("outcome IN ('started', 'ok', 'error')", name="outcome"),
        {"schema": "audit"},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    called_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp(), index=True
    )
    manager_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    tool: Mapped[str] = mapped_column(Text)
    arguments: Mapped[dict[str, object]] = mapped_column(JSONB)
    arguments_hash: Mapped[str] = mapped_column(Text)
    rows_returned: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    outcome: Mapped[str] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(Text, index=True)
    prev_hash: Mapped[str] = mapped_column(Text)
    row_hash: Mapped[str] = mapped_column(Text)


class IdentityKey(Base):
    """The key that signs the bound identity (see revision 0006); only the owner reads it."""

    __tablename__ = "identity_key"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        {"schema": PRIVATE_SCHEMA},
    )

    id: Mapped[int] = mapped_column(
        Integer, primary_key=True, server_default=text("1"), autoincrement=False
    )
    key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
