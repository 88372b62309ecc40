"""Lighting: ceiling lights, bulbs, outdoor lights, lamps and work lights."""

from __future__ import annotations

from catalogue.engine import Category, ProductType

BRANDS = ["Lumenhaus", "Glowmere", "Brightwater", "Halden Light"]
USERS = ["home owners", "renters", "interior lovers", "landlords", "new home buyers"]
ROOMS = ["living rooms", "kitchens", "bedrooms", "hallways", "bathrooms", "dining rooms"]

CEILING = ProductType(
    "Ceiling Lights",
    "CEL",
    9,
    (15, 149),
    names=["{brand} {style} {finish} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "room": ROOMS,
        "style": ["Oslo", "Brixton", "Harbour", "Aurelia", "Camden", "Nordby"],
        "finish": ["Matt Black", "Brushed Brass", "Satin Nickel", "White", "Smoked Glass"],
        "kind": [
            ("3 Light Pendant", 1.2, {"what": "a three-light pendant"}),
            ("Flush Ceiling Light", 0.8, {"what": "a low-profile flush light"}),
            ("LED Panel Light", 0.9, {"what": "a slim integrated LED panel"}),
            ("4 Spotlight Bar", 1.0, {"what": "an adjustable four-spot bar"}),
        ],
    },
    openers=[
        "The {name} is {what} that lights up {room} with style.",
        "This {style} ceiling light from {brand} is {what} in a {finish} finish.",
        "Brighten {room} with the {name}, {what} for modern and classic interiors.",
    ],
    details=[
        "It takes E27 or GU10 LED bulbs and works with most dimmer switches.",
        "An integrated LED gives up to 2,400 lumens in warm or cool white.",
        "It is simple to hang on a standard ceiling rose, with adjustable drop.",
    ],
    suits=[
        "Suits {user} refreshing {room}.",
        "A stylish upgrade for {user} replacing dated light fittings.",
        "Ideal for {user} creating a warm, welcoming feel.",
    ],
)

BULBS = ProductType(
    "LED Bulbs",
    "BLB",
    8,
    (3, 29),
    names=["{brand} {cap} {power} {kind} {pack}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "room": ROOMS,
        "cap": ["E27", "B22", "GU10", "E14"],
        "power": [
            ("5W", 0.8, {"equiv": "40W"}),
            ("8W", 1.0, {"equiv": "60W"}),
            ("12W", 1.2, {"equiv": "100W"}),
        ],
        "kind": [
            ("Warm White LED Bulb", 1.0, {"tone": "2700K warm white"}),
            ("Cool White LED Bulb", 1.0, {"tone": "4000K cool white"}),
            ("Smart Colour LED Bulb", 2.5, {"tone": "16 million colours"}),
            ("Filament LED Bulb", 1.3, {"tone": "vintage amber"}),
        ],
        "pack": [("Single", 0.5), ("3 Pack", 1.0), ("6 Pack", 1.6)],
    },
    openers=[
        "The {name} is an energy-saving LED bulb giving {tone} light.",
        "This {cap} bulb from {brand} replaces a {equiv} bulb while using just {power}.",
        "Cut lighting costs with the {name}, a {power} LED with {tone} output.",
    ],
    details=[
        "It lasts up to 15,000 hours and is equivalent to a {equiv} traditional bulb.",
        "It reaches full brightness instantly and is rated A for energy efficiency.",
        "The {cap} fitting suits lamps, pendants and ceiling fittings around the home.",
    ],
    suits=[
        "Suits {user} switching to efficient lighting.",
        "A simple saving for {user} lighting {room}.",
        "Ideal for {user} replacing old bulbs as they fail.",
    ],
)

OUTDOOR = ProductType(
    "Outdoor Lighting",
    "ODL",
    7,
    (9, 119),
    names=["{brand} {finish} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "finish": ["Black", "Stainless Steel", "Graphite", "Copper Effect"],
        "kind": [
            ("PIR Security Floodlight", 1.2, {"where": "driveways and yards"}),
            ("Up and Down Wall Light", 1.0, {"where": "front doors and porches"}),
            ("Solar Stake Lights 6 Pack", 0.6, {"where": "paths and borders"}),
            ("Festoon Lights 10m", 0.8, {"where": "patios and pergolas"}),
            ("Bollard Post Light", 1.5, {"where": "driveway edges"}),
        ],
    },
    openers=[
        "The {name} lights up {where} after dark.",
        "This outdoor light from {brand} brings safety and style to {where}.",
        "Welcome guests with the {name}, designed for {where}.",
    ],
    details=[
        "It is rated IP44 or above, so it is safe for year-round outdoor use.",
        "A built-in dusk-to-dawn sensor switches it on automatically.",
        "It uses efficient LEDs and a weatherproof {finish} housing.",
    ],
    suits=[
        "Suits {user} improving kerb appeal and security.",
        "A welcoming touch for {user} who entertain outdoors.",
        "Ideal for {user} lighting the way home.",
    ],
)

LAMPS = ProductType(
    "Table & Floor Lamps",
    "LMP",
    7,
    (15, 129),
    names=["{brand} {style} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "room": ROOMS,
        "style": ["Arlo", "Mabel", "Keswick", "Sora", "Ellis", "Willow"],
        "kind": [
            ("Arc Floor Lamp", 1.6, {"what": "an arched floor lamp"}),
            ("Ceramic Table Lamp", 0.8, {"what": "a ceramic table lamp"}),
            ("Tripod Floor Lamp", 1.2, {"what": "a wooden tripod floor lamp"}),
            ("Adjustable Desk Lamp", 0.7, {"what": "an adjustable desk lamp"}),
        ],
        "shade": ["linen", "rattan", "pleated fabric", "metal dome"],
    },
    openers=[
        "The {name} is {what} with a {shade} shade.",
        "This lamp from {brand} is {what} that adds soft light to {room}.",
        "Create a cosy corner with the {name}, {what} with a {shade} shade.",
    ],
    details=[
        "It has an inline switch, a 1.8m cable and takes an E27 LED bulb.",
        "A weighted base keeps it steady and the shade diffuses light gently.",
        "It is easy to assemble and suits modern and traditional decor.",
    ],
    suits=[
        "Suits {user} layering light in {room}.",
        "A stylish finishing touch for {user}.",
        "Ideal for {user} who read or work in the evenings.",
    ],
)

WORK_LIGHTS = ProductType(
    "Work Lights & Torches",
    "WKL",
    6,
    (8, 89),
    names=["{brand} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "kind": [
            ("Rechargeable LED Work Light", 1.0, {"use": "lofts and garages"}),
            ("Tripod Site Light", 1.8, {"use": "large work areas"}),
            ("LED Head Torch", 0.5, {"use": "hands-free jobs"}),
            ("Magnetic Inspection Light", 0.6, {"use": "under sinks and in cupboards"}),
            ("Aluminium LED Torch", 0.5, {"use": "power cuts and night walks"}),
        ],
        "lumens": ["300 lumen", "1000 lumen", "2500 lumen", "5000 lumen"],
    },
    openers=[
        "The {name} is a bright, portable light for {use}.",
        "This {lumens} light from {brand} is made for {use}.",
        "See clearly with the {name}, built for {use}.",
    ],
    details=[
        "It gives {lumens} output with several brightness modes and USB-C charging.",
        "A tough, water-resistant body survives knocks and drops.",
        "It has a swivel stand or hook and a long-lasting battery.",
    ],
    suits=[
        "Suits {user} who need light where there is none.",
        "A handy standby for {user}.",
        "Ideal for {user} working in dark corners.",
    ],
)

CATEGORIES = [
    Category(
        "Lighting",
        "LT",
        "Indoor, outdoor and task lighting, from ceiling fittings and lamps to LED bulbs.",
        [CEILING, BULBS, OUTDOOR, LAMPS, WORK_LIGHTS],
    )
]
