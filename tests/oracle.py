"""The isolation oracle: which stores a manager may see, worked out from the seed catalogue alone.

Every RLS test checks the database against this one answer (never against the database's own
helper functions, which are what is under test). The rules are the product's: head office sees
every store, a regional manager the stores of their region, a store manager their own store.
"""

from __future__ import annotations

import uuid

import asyncpg

from zava_mcp.seed.catalogue import Catalogue, Manager, Store

LEVELS = ("store", "region", "head_office")


def manager(catalogue: Catalogue, code: str) -> Manager:
    return next(m for m in catalogue.managers if m.code == code)


def codes_at(catalogue: Catalogue, level: str) -> list[str]:
    """The managers' codes at one access level, in catalogue order."""
    assert level in LEVELS, level
    return [m.code for m in catalogue.managers if m.access_level == level]


def visible_stores(catalogue: Catalogue, code: str) -> list[Store]:
    """The stores whose rows the manager ``code`` may see."""
    who = manager(catalogue, code)
    if who.access_level == "head_office":
        stores = list(catalogue.stores)
    elif who.access_level == "region":
        stores = [s for s in catalogue.stores if s.region_id == who.region_id]
    elif who.access_level == "store":
        stores = [s for s in catalogue.stores if s.id == who.store_id]
    else:
        raise AssertionError(f"{code} has an unknown access level {who.access_level!r}")
    # an empty answer would make every "sees exactly these" check pass vacuously
    assert stores, f"the catalogue gives {code} no store"
    return stores


def visible_store_ids(catalogue: Catalogue, code: str) -> set[uuid.UUID]:
    return {s.id for s in visible_stores(catalogue, code)}


def visible_store_names(catalogue: Catalogue, code: str) -> set[str]:
    return {s.name for s in visible_stores(catalogue, code)}


async def rows_of_stores(
    owner: asyncpg.Connection, stores: set[uuid.UUID], tables: tuple[str, ...]
) -> dict[str, int]:
    """Rows per table that belong to ``stores``, counted as the owner (RLS does not apply)."""
    counts: dict[str, int] = {}
    for table in tables:
        column = "id" if table == "stores" else "store_id"
        counts[table] = await owner.fetchval(
            f"select count(*) from retail.{table} where {column} = any($1::uuid[])", list(stores)
        )
    return counts
