"""The small engine behind the catalogue: product-type specs in, product rows out.

A product type lists attribute slots; every value is either plain text or a tuple
``(text, price_factor)`` or ``(text, price_factor, {extra_slot: text, ...})``. A product draws one
value per slot, its name comes from one of the type's name formats, and its description joins
one sentence from each of the type's sentence groups (an opener, a detail, a "who it suits").
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from catalogue.uses import use_sentence

Value = str | tuple[Any, ...]


@dataclass(frozen=True)
class ProductType:
    name: str
    code: str
    count: int
    price: tuple[float, float]
    names: list[str]
    attrs: dict[str, list[Value]]
    openers: list[str]
    details: list[str]
    suits: list[str]


@dataclass(frozen=True)
class Category:
    name: str
    code: str
    description: str
    types: list[ProductType] = field(default_factory=list)


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    category: str
    product_type: str
    description: str
    cost: str
    base_price: str


def _draw(rng: random.Random, attrs: dict[str, list[Value]]) -> tuple[dict[str, str], float]:
    slots: dict[str, str] = {}
    factor = 1.0
    for key, values in attrs.items():
        value = rng.choice(values)
        if isinstance(value, tuple):
            slots[key] = value[0]
            if len(value) > 1:
                factor *= value[1]
            if len(value) > 2:
                slots.update(value[2])
        else:
            slots[key] = value
    return slots, factor


def _fill(template: str, slots: dict[str, str]) -> str:
    """Format twice, so a slot's text may itself name other slots (``"{size} Membrane"``)."""
    text = template.format(**slots)
    return text.format(**slots) if "{" in text else text


def _tidy(text: str) -> str:
    text = " ".join(text.split())
    return text.replace(" ,", ",").replace(" .", ".")


def _retail(price: float) -> float:
    """Round a price to a shop-shelf ending: .99 above ten pounds, .49/.99 below."""
    if price >= 10:
        return math.floor(price) + 0.99
    return math.floor(price * 2) / 2 + 0.49


def _prices(rng: random.Random, spec: ProductType, factor: float) -> tuple[str, str]:
    low, high = spec.price
    middle = math.sqrt(low * high)
    # Squash the factor on a log scale so prices stay inside [low, high] without piling up
    # on the bounds.
    span = math.log(high / middle)
    price = middle * math.exp(span * math.tanh(math.log(factor * rng.uniform(0.85, 1.15)) / span))
    base = _retail(price)
    markup = rng.uniform(0.25, 0.60)
    cost = round(base / (1 + markup), 2)
    return f"{cost:.2f}", f"{base:.2f}"


def build_products(
    rng: random.Random, category: Category, seen_names: set[str], seen_descs: set[str]
) -> list[Product]:
    products: list[Product] = []
    for spec in category.types:
        made = 0
        attempts = 0
        while made < spec.count:
            attempts += 1
            if attempts > 2000:
                raise RuntimeError(f"cannot make {spec.count} distinct {spec.name}")
            slots, factor = _draw(rng, spec.attrs)
            name = _tidy(_fill(rng.choice(spec.names), slots))
            if name in seen_names:
                continue
            slots["name"] = name
            sentences = [
                rng.choice(spec.openers),
                rng.choice(spec.details),
                rng.choice(spec.suits),
            ]
            description = _tidy(" ".join(_fill(s, slots) for s in sentences))
            if description in seen_descs or not 25 <= len(description.split()) <= 60:
                continue
            seen_names.add(name)
            seen_descs.add(description)
            # after the checks and with no draw of its own: every other field stays as it was
            description = _tidy(f"{description} {use_sentence(spec.name)}")
            made += 1
            cost, base = _prices(rng, spec, factor)
            sku = f"{category.code}-{spec.code}-{made:04d}"
            products.append(Product(sku, name, category.name, spec.name, description, cost, base))
    return products
