"""Deterministic generation of customers, orders, order items and inventory.

One ``random.Random(seed)`` drives everything in a fixed order, so the same catalogue, scale and
seed give identical rows on every machine. Demand is seasonal: garden and outdoor products peak
in spring and summer, decorating in January and September, lighting and electrical before
Christmas; weekends are busier and the business grows year on year.
"""

from __future__ import annotations

import random
import uuid
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate
from typing import TypeVar

from asyncpg.pgproto.pgproto import UUID as FastUUID

from zava_mcp.seed.catalogue import Catalogue, Product, Store

HISTORY_START = date(2022, 1, 1)
HISTORY_END = date(2026, 11, 25)
BASE_CUSTOMERS = 50_000
BASE_ORDERS = 200_000

FIRST_NAMES = (
    "Oliver Amelia George Isla Harry Ava Noah Mia Jack Ivy Leo Freya Arthur Lily Muhammad "
    "Florence Oscar Sophia Charlie Grace Theo Evie Jacob Willow Henry Poppy Thomas Rosie Alfie "
    "Elsie Joshua Ella William Emily James Sienna Archie Daisy Lucas Alice Ethan Hannah Daniel "
    "Priya Samuel Chloe Aarav Zara Ryan Megan Liam Sofia Adam Niamh Owen Aisha Callum Erin"
).split()
LAST_NAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson "
    "Evans Walker White Roberts Green Hall Wood Jackson Clarke Khan Lewis Harris Martin Cooper "
    "Hill Ward Hughes Moore Clark King Lee Turner Baker Allen Scott Morris Singh Mitchell "
    "Phillips Campbell Kelly Murphy Price Bennett Griffiths Shaw Lloyd Ellis Fox Chapman"
).split()

# month (1-12) multipliers
MONTH_DEMAND = (0.85, 0.8, 1.0, 1.2, 1.3, 1.25, 1.2, 1.1, 1.0, 0.95, 1.0, 1.15)
CATEGORY_SEASON = {
    "garden": (0.3, 0.4, 1.0, 1.8, 2.2, 2.0, 1.8, 1.4, 0.9, 0.6, 0.4, 0.3),
    "paint": (1.4, 1.1, 1.0, 1.0, 0.9, 0.8, 0.8, 0.9, 1.3, 1.1, 0.9, 0.8),
    "light": (1.1, 0.9, 0.8, 0.8, 0.7, 0.7, 0.7, 0.8, 0.9, 1.2, 1.5, 1.8),
    "electric": (1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 1.0, 1.1, 1.3, 1.4),
}
WEEKDAY_DEMAND = (0.85, 0.85, 0.9, 0.95, 1.05, 1.35, 1.25)
DISCOUNTS = (Decimal(5), Decimal(10), Decimal(15), Decimal(20), Decimal(25))
CENT = Decimal("0.01")
ZERO = Decimal(0)
ITEM_COUNTS = (1, 2, 3, 4, 5, 6)
ITEM_COUNT_CUM = list(accumulate((30, 28, 18, 12, 8, 4)))
QUANTITIES = (1, 2, 3, 4, 6, 10)
QUANTITY_CUM = {
    cheap: list(accumulate((60, 20, 8, 6, 4, 2 if cheap else 0))) for cheap in (True, False)
}
OLD_STATUSES = ("completed", "cancelled", "returned")
OLD_STATUS_CUM = list(accumulate((93, 3, 4)))
RECENT_STATUSES = ("pending", "shipped", "completed")

_T = TypeVar("_T")


@dataclass(frozen=True)
class Scale:
    customers: int
    orders: int

    @classmethod
    def of(cls, factor: float) -> Scale:
        return cls(
            customers=max(int(BASE_CUSTOMERS * factor), 20),
            orders=max(int(BASE_ORDERS * factor), 50),
        )


def _season_key(category_name: str) -> str | None:
    name = category_name.lower()
    for key in CATEGORY_SEASON:
        if key in name:
            return key
    if "outdoor" in name:
        return "garden"
    return None


#: the version-4 bits ``uuid.UUID(int=n, version=4)`` sets, as two precomputed masks
_UUID_KEEP = ~((0xC000 << 48) | (0xF000 << 64)) & ((1 << 128) - 1)
_UUID_SET = (0x8000 << 48) | (4 << 76)


def _uuid(rng: random.Random) -> uuid.UUID:
    # asyncpg's UUID: a uuid.UUID subclass built in C (5x faster to make), which COPY encodes
    # as it is; same value and repr as uuid.UUID(int=n, version=4)
    return FastUUID(((rng.getrandbits(128) & _UUID_KEEP) | _UUID_SET).to_bytes(16, "big"))


def _picker(
    rng: random.Random, population: Sequence[_T], cum_weights: Sequence[float]
) -> Callable[[], _T]:
    """``lambda: rng.choices(population, cum_weights=cum_weights)[0]``, drawing the same one
    ``random()`` per pick (the seed's rows stay the same), without the per-call checks."""
    draw, total, hi = rng.random, cum_weights[-1] + 0.0, len(population) - 1
    return lambda: population[bisect_right(cum_weights, draw() * total, 0, hi)]


def _store_weights(stores: list[Store]) -> list[float]:
    # online is the biggest single store; physical stores differ by a fixed, seeded amount
    rng = random.Random(7)
    return [4.0 if s.is_online else 1.0 + rng.random() * 1.5 for s in stores]


class Generator:
    """Streams rows as tuples in the column order of the COPY targets."""

    customer_columns = ("id", "store_id", "first_name", "last_name", "email", "phone", "created_at")
    order_columns = (
        "id",
        "customer_id",
        "store_id",
        "order_date",
        "total_amount",
        "status",
        "created_at",
    )
    item_columns = (
        "id",
        "order_id",
        "store_id",
        "product_id",
        "quantity",
        "unit_price",
        "discount_percent",
        "line_total",
        "created_at",
    )
    inventory_columns = ("id", "store_id", "product_id", "stock_level", "updated_at", "created_at")

    def __init__(self, catalogue: Catalogue, scale: Scale, seed: int = 20240501) -> None:
        self.catalogue = catalogue
        self.scale = scale
        self.rng = random.Random(seed)
        self.stores = catalogue.stores
        self.store_weights = _store_weights(self.stores)
        self.customers_by_store: dict[uuid.UUID, list[uuid.UUID]] = {s.id: [] for s in self.stores}
        self.order_items: list[tuple[object, ...]] = []
        self._line_totals: dict[tuple[Decimal, int, Decimal], Decimal] = {}
        self._days = [
            HISTORY_START + timedelta(days=i) for i in range((HISTORY_END - HISTORY_START).days + 1)
        ]
        span = len(self._days)
        day_weights = [
            MONTH_DEMAND[d.month - 1] * WEEKDAY_DEMAND[d.weekday()] * (0.75 + 0.5 * i / span)
            for i, d in enumerate(self._days)
        ]
        self._day_cum = _cumulative(day_weights)
        products = catalogue.products
        popularity = [1.0 / (1 + (i * 37 % len(products)) ** 0.6) for i in range(len(products))]
        self._product_cum: list[list[float]] = []
        for month in range(12):
            weights = []
            for product, base in zip(products, popularity, strict=True):
                key = _season_key(product.category_name)
                factor = CATEGORY_SEASON[key][month] if key else 1.0
                weights.append(base * factor)
            self._product_cum.append(_cumulative(weights))

    def customers(self) -> Iterator[tuple[object, ...]]:
        rng = self.rng
        pick_store = _picker(rng, self.stores, _cumulative(self.store_weights))
        pick_day = _picker(rng, self._days, self._day_cum)
        for n in range(self.scale.customers):
            store = pick_store()
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            customer_id = _uuid(rng)
            self.customers_by_store[store.id].append(customer_id)
            joined = pick_day()
            yield (
                customer_id,
                store.id,
                first,
                last,
                f"{first}.{last}{n}@example.com".lower(),
                f"07{rng.randrange(10**9):09d}",
                datetime.combine(joined, time(9), tzinfo=UTC),
            )

    def orders(self) -> Iterator[tuple[object, ...]]:
        """Orders; their items are collected in ``self.order_items`` as a side effect."""
        rng = self.rng
        products = self.catalogue.products
        stores = [s for s in self.stores if self.customers_by_store[s.id]]
        pick_store = _picker(
            rng, stores, _cumulative([self.store_weights[self.stores.index(s)] for s in stores])
        )
        pick_day = _picker(rng, self._days, self._day_cum)
        pick_count = _picker(rng, ITEM_COUNTS, ITEM_COUNT_CUM)
        pick_old_status = _picker(rng, OLD_STATUSES, OLD_STATUS_CUM)
        pick_products = [_picker(rng, products, cum) for cum in self._product_cum]
        pick_quantity = {
            cheap: _picker(rng, QUANTITIES, QUANTITY_CUM[cheap]) for cheap in QUANTITY_CUM
        }
        recent = HISTORY_END - timedelta(days=14)
        items = self.order_items
        for _ in range(self.scale.orders):
            store = pick_store()
            customer_id = rng.choice(self.customers_by_store[store.id])
            day = pick_day()
            order_id = _uuid(rng)
            created = datetime.combine(day, time(8 + rng.randrange(12), rng.randrange(60)), UTC)
            pick_product = pick_products[day.month - 1]
            # drawn before the items, as ``rng.choices(products, k=count)`` drew them
            chosen = [pick_product() for _ in range(pick_count())]
            total = Decimal(0)
            for product in chosen:
                item = self._item(rng, order_id, store.id, product, created, pick_quantity)
                total += item[7]  # type: ignore[operator]
                items.append(item)
            status = rng.choice(RECENT_STATUSES) if day > recent else pick_old_status()
            yield (order_id, customer_id, store.id, day, total, status, created)

    def _item(
        self,
        rng: random.Random,
        order_id: uuid.UUID,
        store_id: uuid.UUID,
        product: Product,
        created: datetime,
        pick_quantity: dict[bool, Callable[[], int]],
    ) -> tuple[object, ...]:
        quantity = pick_quantity[product.base_price < 15]()
        discount = ZERO if rng.random() < 0.8 else rng.choice(DISCOUNTS)
        unit_price = product.base_price
        key = (unit_price, quantity, discount)
        line_total = self._line_totals.get(key)
        if line_total is None:
            line_total = (unit_price * quantity * (100 - discount) / 100).quantize(
                CENT, ROUND_HALF_UP
            )
            self._line_totals[key] = line_total
        return (
            _uuid(rng),
            order_id,
            store_id,
            product.id,
            quantity,
            unit_price,
            discount,
            line_total,
            created,
        )

    def inventory(self) -> Iterator[tuple[object, ...]]:
        rng = self.rng
        stamp = datetime.combine(HISTORY_END, time(6), UTC)
        for store in self.stores:
            for product in self.catalogue.products:
                if rng.random() < 0.06:
                    level = 0
                elif rng.random() < 0.12:
                    level = rng.randint(1, 5)
                else:
                    level = rng.randint(6, 400 if store.is_online else 120)
                yield (_uuid(rng), store.id, product.id, level, stamp, stamp)


def _cumulative(weights: list[float]) -> list[float]:
    total = 0.0
    out = []
    for weight in weights:
        total += weight
        out.append(total)
    return out
