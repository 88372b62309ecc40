"""Write the static catalogue files in ``seed/``: ``python scripts/gen_catalogue.py``.

Pure standard library and fully deterministic: a fixed random seed and a fixed category order
mean every run rewrites the CSV files byte for byte.
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalogue import stores
from catalogue.engine import Category, Product, build_products
from catalogue.uses import use_sentence

SEED = 20240611
SEED_DIR = Path(__file__).resolve().parents[1] / "seed"
MODULES = [
    "power_tools",
    "hand_tools",
    "garden",
    "decorating",
    "plumbing",
    "electrical",
    "building",
    "flooring",
    "kitchen_bathroom",
    "lighting",
    "storage_safety",
]


def load_categories() -> list[Category]:
    import importlib

    categories: list[Category] = []
    for module in MODULES:
        loaded = importlib.import_module(f"catalogue.{module}")
        categories.extend(loaded.CATEGORIES)
    return categories


def write_csv(name: str, header: list[str], rows: list[list[str]]) -> None:
    with (SEED_DIR / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main() -> int:
    SEED_DIR.mkdir(exist_ok=True)
    categories = load_categories()
    rng = random.Random(SEED)
    names: set[str] = set()
    descriptions: set[str] = set()
    products: list[Product] = []
    for category in categories:
        products.extend(build_products(rng, category, names, descriptions))

    write_csv("regions.csv", ["code", "name"], stores.region_rows())
    write_csv(
        "stores.csv", ["code", "name", "location", "region_code", "is_online"], stores.store_rows()
    )
    write_csv(
        "managers.csv",
        ["code", "full_name", "email", "access_level", "store_code", "region_code"],
        stores.manager_rows(),
    )
    write_csv(
        "categories.csv", ["name", "description"], [[c.name, c.description] for c in categories]
    )
    write_csv(
        "product_types.csv",
        ["category", "name", "description"],
        [[c.name, t.name, use_sentence(t.name)] for c in categories for t in c.types],
    )
    write_csv(
        "products.csv",
        ["sku", "name", "category", "product_type", "description", "cost", "base_price"],
        [
            [p.sku, p.name, p.category, p.product_type, p.description, p.cost, p.base_price]
            for p in products
        ],
    )
    print(f"wrote {len(categories)} categories and {len(products)} products to {SEED_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
