"""Plumbing: pipe and fittings, radiators, valves, plumbing tools and drainage."""

from __future__ import annotations

from catalogue.engine import Category, ProductType

BRANDS = ["Riverbend", "Flowright", "Tidewell", "Copperfield"]
USERS = ["DIY plumbers", "heating engineers", "landlords", "home owners", "plumbing apprentices"]

PIPE = ProductType(
    "Pipe & Fittings",
    "PIP",
    7,
    (2, 35),
    names=["{brand} {size} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "size": [("15mm", 0.8), ("22mm", 1.0), ("28mm", 1.3)],
        "kind": [
            ("Copper Pipe 3m", 2.0, {"what": "a 3m length of half-hard copper tube"}),
            ("Push-Fit Elbow 10 Pack", 1.0, {"what": "a pack of push-fit elbows"}),
            ("Compression Tee 5 Pack", 1.0, {"what": "a pack of brass compression tees"}),
            ("Barrier Pipe Coil 25m", 2.5, {"what": "a coil of flexible barrier pipe"}),
            ("End Feed Coupler 10 Pack", 0.6, {"what": "a pack of solder end feed couplers"}),
        ],
    },
    openers=[
        "The {name} is {what} for hot and cold water and central heating runs.",
        "This {size} product from {brand} is {what} for joining and routing pipework.",
        "Extend or repair pipe runs with the {name}, {what} made to UK standards.",
    ],
    details=[
        "It is WRAS approved for drinking water and rated for heating systems to 95C.",
        "Fittings make a watertight joint quickly and suit copper and plastic pipe.",
        "Every part is pressure tested and sized to fit standard {size} pipe.",
    ],
    suits=[
        "Suits {user} re-routing pipes for a new kitchen or bathroom.",
        "A reliable choice for {user} fixing leaks and extending pipework.",
        "Ideal for {user} keeping a van or toolbox stocked.",
    ],
)

RADIATORS = ProductType(
    "Radiators",
    "RAD",
    7,
    (39, 249),
    names=["{brand} {kind} {size} {colour}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "kind": [
            ("Double Panel Convector Radiator", 1.0, {"heat": "double panels"}),
            ("Single Panel Radiator", 0.6, {"heat": "a single slim panel"}),
            ("Vertical Designer Radiator", 1.8, {"heat": "tall vertical tubes"}),
            ("Heated Towel Rail", 0.9, {"heat": "ladder rails"}),
        ],
        "size": [
            ("600 x 1000mm", 1.0, {"btu": "4,500 BTU"}),
            ("500 x 800mm", 0.8, {"btu": "3,100 BTU"}),
            ("1800 x 450mm", 1.3, {"btu": "5,200 BTU"}),
        ],
        "colour": ["White", "Anthracite", "Matt Black", "Chrome"],
    },
    openers=[
        "The {name} heats rooms efficiently using {heat} and a {btu} output.",
        "This radiator from {brand} warms living spaces with {heat} rated at {btu}.",
        "Upgrade the central heating with the {name}, giving {btu} of heat.",
    ],
    details=[
        "It comes with wall brackets, a bleed valve and blanking plug, with a 10-year warranty.",
        "A powder-coated {colour} finish and welded steel construction resist corrosion.",
        "It connects to standard 15mm pipework and works with combi and system boilers.",
    ],
    suits=[
        "Suits {user} replacing old, tired radiators.",
        "A stylish choice for {user} renovating bathrooms and living rooms.",
        "Ideal for {user} improving heating in cold rooms.",
    ],
)

VALVES = ProductType(
    "Valves & Controls",
    "VLV",
    7,
    (6, 59),
    names=["{brand} {finish} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "finish": ["Chrome", "White", "Brushed Brass", "Satin Nickel"],
        "kind": [
            ("Thermostatic Radiator Valve Pair", 1.2, {"job": "controlling room heat"}),
            ("Manual Radiator Valve Pair", 0.6, {"job": "on-off radiator control"}),
            ("Lever Isolation Valve 15mm", 0.4, {"job": "isolating appliances"}),
            ("Smart Radiator Thermostat", 2.5, {"job": "app-controlled room heat"}),
        ],
    },
    openers=[
        "The {name} is a heating control for {job}.",
        "This {finish} valve from {brand} is designed for {job}.",
        "Stay comfortable and save energy with the {name}, made for {job}.",
    ],
    details=[
        "It fits 15mm pipework with standard connections and installs in minutes.",
        "Solid brass bodies and quality seals give a long, leak-free life.",
        "Precise control of each radiator can cut heating bills noticeably.",
    ],
    suits=[
        "Suits {user} upgrading old radiator valves.",
        "A smart buy for {user} who want room-by-room control.",
        "Ideal for {user} balancing a central heating system.",
    ],
)

PLUMB_TOOLS = ProductType(
    "Plumbing Tools",
    "PLT",
    7,
    (6, 79),
    names=["{brand} {grade} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "grade": ["Pro", "Trade", "Home", "Heavy Duty"],
        "kind": [
            ("Pipe Cutter 15-22mm", 0.7, {"job": "cutting copper pipe squarely"}),
            ("Pipe Bender 15mm & 22mm", 1.6, {"job": "bending copper pipe smoothly"}),
            ("Basin Wrench", 0.6, {"job": "reaching tap nuts under basins"}),
            ("Blow Torch Kit", 1.5, {"job": "soldering end feed joints"}),
            ("PTFE Tape 10 Pack", 0.3, {"job": "sealing threaded joints"}),
        ],
    },
    openers=[
        "The {name} is a plumbing tool for {job}.",
        "This plumbing tool from {brand} makes {job} easy and accurate.",
        "Work faster on pipework with the {name}, made for {job}.",
    ],
    details=[
        "It is built from hardened steel and aluminium to last on site.",
        "Ergonomic grips and clear markings help get the job right first time.",
        "It is compact enough for tight spaces behind baths and under sinks.",
    ],
    suits=[
        "Suits {user} doing their own plumbing repairs.",
        "A dependable addition to the kit for {user}.",
        "Ideal for {user} installing new pipework.",
    ],
)

DRAINAGE = ProductType(
    "Drainage & Unblockers",
    "DRN",
    7,
    (3, 39),
    names=["{brand} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "kind": [
            ("Drain Unblocker Gel 1L", 0.6, {"job": "clearing blocked sinks and showers"}),
            ("Drain Rods 10 Piece Set", 1.8, {"job": "clearing blocked outside drains"}),
            ("Sink Plunger", 0.5, {"job": "shifting blockages in sinks"}),
            ("Flexible Drain Auger 5m", 1.4, {"job": "hooking out hair and debris"}),
            ("Bottle Trap 40mm", 0.8, {"job": "replacing leaking sink traps"}),
            ("Gully Grid Cover", 0.6, {"job": "stopping leaves entering drains"}),
        ],
        "grade": ["Fast Acting", "Heavy Duty", "Everyday", "Trade"],
    },
    openers=[
        "The {name} is a {grade} solution for {job}.",
        "This drainage product from {brand} is designed for {job}.",
        "Get water flowing again with the {name}, made for {job}.",
    ],
    details=[
        "It works on sinks, baths, showers and outside drains, and is safe for plastic pipes.",
        "It is simple to use with no specialist skills needed.",
        "It helps avoid costly call-outs by dealing with blockages yourself.",
    ],
    suits=[
        "Suits {user} dealing with slow or blocked drains.",
        "A handy standby for {user}.",
        "Ideal for {user} maintaining kitchens and bathrooms.",
    ],
)

CATEGORIES = [
    Category(
        "Plumbing",
        "PL",
        "Pipe, fittings, radiators, valves, drainage and plumbing tools for water and heating.",
        [PIPE, RADIATORS, VALVES, PLUMB_TOOLS, DRAINAGE],
    )
]
