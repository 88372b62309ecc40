"""Read the catalogue data files into typed rows.

The CSVs live in the top-level ``seed/`` folder and ship inside the wheel as the
``zava_mcp._seed`` package; ``load_catalogue()`` reads them with importlib.resources.

Every catalogue row gets a deterministic UUID (uuid5 of its natural key), so identities such as
a store manager's id are the same on every machine and in every seed.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from decimal import Decimal
from importlib.resources import files
from importlib.resources.abc import Traversable

NAMESPACE = uuid.UUID("6f0f7c7e-4f1e-4c1b-9d3a-2a7f5e0c1d00")
SEED_PACKAGE = "zava_mcp._seed"


def stable_id(kind: str, key: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{kind}:{key}")


@dataclass(frozen=True)
class Region:
    id: uuid.UUID
    code: str
    name: str


@dataclass(frozen=True)
class Store:
    id: uuid.UUID
    code: str
    name: str
    location: str
    region_id: uuid.UUID
    is_online: bool


@dataclass(frozen=True)
class Manager:
    id: uuid.UUID
    code: str
    full_name: str
    email: str
    access_level: str
    store_id: uuid.UUID | None
    region_id: uuid.UUID | None


@dataclass(frozen=True)
class Category:
    id: uuid.UUID
    name: str
    description: str


@dataclass(frozen=True)
class ProductType:
    id: uuid.UUID
    category_id: uuid.UUID
    name: str
    description: str | None = None


@dataclass(frozen=True)
class Product:
    id: uuid.UUID
    sku: str
    name: str
    description: str
    category_id: uuid.UUID
    product_type_id: uuid.UUID
    cost: Decimal
    base_price: Decimal
    category_name: str


@dataclass(frozen=True)
class Catalogue:
    regions: list[Region]
    stores: list[Store]
    managers: list[Manager]
    categories: list[Category]
    product_types: list[ProductType]
    products: list[Product]


class CatalogueError(ValueError):
    pass


def _rows(path: Traversable) -> list[dict[str, str]]:
    if not path.is_file():
        raise CatalogueError(f"catalogue file missing: {path}")
    # bytes, so quoted fields keep their line endings as csv expects (newline="")
    text = path.read_bytes().decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def load_catalogue(seed_dir: Traversable | None = None) -> Catalogue:
    """The catalogue in ``seed_dir`` (any folder, e.g. a test's), by default the packaged one."""
    if seed_dir is None:
        seed_dir = files(SEED_PACKAGE)
    regions = [
        Region(stable_id("region", r["code"]), r["code"], r["name"])
        for r in _rows(seed_dir / "regions.csv")
    ]
    region_ids = {r.code: r.id for r in regions}
    stores = [
        Store(
            stable_id("store", r["code"]),
            r["code"],
            r["name"],
            r["location"],
            region_ids[r["region_code"]],
            r["is_online"].strip().lower() == "true",
        )
        for r in _rows(seed_dir / "stores.csv")
    ]
    store_ids = {s.code: s.id for s in stores}
    managers = [
        Manager(
            stable_id("manager", r["code"]),
            r["code"],
            r["full_name"],
            r["email"],
            r["access_level"],
            store_ids[r["store_code"]] if r["store_code"] else None,
            region_ids[r["region_code"]] if r["region_code"] else None,
        )
        for r in _rows(seed_dir / "managers.csv")
    ]
    categories = [
        Category(stable_id("category", r["name"]), r["name"], r["description"])
        for r in _rows(seed_dir / "categories.csv")
    ]
    category_ids = {c.name: c.id for c in categories}
    product_types = [
        ProductType(
            stable_id("product_type", r["name"]),
            category_ids[r["category"]],
            r["name"],
            r.get("description") or None,
        )
        for r in _rows(seed_dir / "product_types.csv")
    ]
    type_ids = {t.name: t.id for t in product_types}
    products = [
        Product(
            stable_id("product", r["sku"]),
            r["sku"],
            r["name"],
            r["description"],
            category_ids[r["category"]],
            type_ids[r["product_type"]],
            Decimal(r["cost"]),
            Decimal(r["base_price"]),
            r["category"],
        )
        for r in _rows(seed_dir / "products.csv")
    ]
    if not products or not stores or not managers:
        raise CatalogueError(f"catalogue in {seed_dir} is incomplete")
    return Catalogue(regions, stores, managers, categories, product_types, products)
