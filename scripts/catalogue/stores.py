"""Regions, stores and the people who manage them."""

from __future__ import annotations

REGIONS: list[tuple[str, str]] = [
    ("north", "North"),
    ("south", "South"),
    ("east", "East"),
    ("west", "West"),
    ("online", "Online"),
]

# code, town, county, region code
PHYSICAL_STORES: list[tuple[str, str, str, str]] = [
    ("leeds", "Leeds", "West Yorkshire", "north"),
    ("newcastle", "Newcastle", "Tyne and Wear", "north"),
    ("brighton", "Brighton", "East Sussex", "south"),
    ("southampton", "Southampton", "Hampshire", "south"),
    ("norwich", "Norwich", "Norfolk", "east"),
    ("cambridge", "Cambridge", "Cambridgeshire", "east"),
    ("bristol", "Bristol", "City of Bristol", "west"),
    ("exeter", "Exeter", "Devon", "west"),
]

STORE_MANAGERS: dict[str, str] = {
    "leeds": "Hannah Whitfield",
    "newcastle": "Callum Armstrong",
    "brighton": "Priya Chauhan",
    "southampton": "Tom Ellery",
    "norwich": "Grace Pemberton",
    "cambridge": "Oliver Nash",
    "bristol": "Megan Trelawny",
    "exeter": "Daniel Okafor",
    "online": "Sophie Lindqvist",
}

REGIONAL_MANAGERS: dict[str, str] = {
    "north": "Rebecca Holroyd",
    "south": "James Fairbairn",
    "east": "Aisha Rahman",
    "west": "Matthew Pascoe",
    "online": "Laura Kingsley",
}

HEAD_OFFICE: list[tuple[str, str]] = [
    ("ho-1", "Eleanor Vance"),
    ("ho-2", "Marcus Adeyemi"),
]


def _email(full_name: str) -> str:
    first, last = full_name.lower().split(" ", 1)
    return f"{first}.{last.replace(' ', '')}@zava.example"


def region_rows() -> list[list[str]]:
    return [[code, name] for code, name in REGIONS]


def store_rows() -> list[list[str]]:
    rows = [
        [code, f"Zava {town}", f"{town}, {county}", region, "false"]
        for code, town, county, region in PHYSICAL_STORES
    ]
    rows.append(["online", "Zava Online", "Online", "online", "true"])
    return rows


def manager_rows() -> list[list[str]]:
    rows: list[list[str]] = []
    for store_code, full_name in STORE_MANAGERS.items():
        rows.append([f"sm-{store_code}", full_name, _email(full_name), "store", store_code, ""])
    for region_code, full_name in REGIONAL_MANAGERS.items():
        rows.append([f"rm-{region_code}", full_name, _email(full_name), "region", "", region_code])
    for code, full_name in HEAD_OFFICE:
        rows.append([code, full_name, _email(full_name), "head_office", "", ""])
    return rows
