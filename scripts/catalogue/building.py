"""Building Materials: timber, sheet materials, cement, bricks and insulation."""

from __future__ import annotations

from catalogue.engine import Category, ProductType

BRANDS = ["Stonebridge", "Castlerock", "Ashdown Supplies", "Kingsmere"]
USERS = ["builders", "self-builders", "DIY renovators", "landscapers", "extension builders"]

TIMBER = ProductType(
    "Timber & Sheet Materials",
    "TIM",
    8,
    (6, 49),
    names=["{brand} {kind} {size}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "kind": [
            ("C24 Treated Sawn Timber", 0.6, {"use": "stud walls, joists and frames"}),
            ("Planed Square Edge Softwood", 0.5, {"use": "shelving and joinery"}),
            ("Structural Plywood", 1.4, {"use": "flooring, roofing and boxing in"}),
            ("OSB3 Board", 1.2, {"use": "sheathing, hoarding and subfloors"}),
            ("MDF Sheet", 1.0, {"use": "cabinets, shelves and panelling"}),
        ],
        "size": [
            ("2.4m", 0.8, {"dim": "2.4m"}),
            ("1.2m x 2.4m", 1.2, {"dim": "8ft by 4ft"}),
            ("3.0m", 1.0, {"dim": "3.0m"}),
            ("0.6m x 1.2m", 0.6, {"dim": "2ft by 4ft"}),
        ],
    },
    openers=[
        "The {name} is a dependable building material for {use}.",
        "This {dim} product from {brand} is sized and graded for {use}.",
        "Build with confidence using the {name}, ideal for {use}.",
    ],
    details=[
        "It is sourced from FSC certified forests and kiln dried to reduce warping.",
        "Sizes are consistent and edges are straight, so it cuts and fixes predictably.",
        "It is {dim} and suitable for interior or sheltered exterior structural use.",
    ],
    suits=[
        "Suits {user} tackling extensions, lofts and garden buildings.",
        "A staple for {user} framing and boarding out.",
        "Ideal for {user} who need reliable, consistent stock.",
    ],
)

CEMENT = ProductType(
    "Cement & Aggregates",
    "CEM",
    8,
    (3, 69),
    names=["{brand} {kind} {bag}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "kind": [
            ("General Purpose Cement", 1.0, {"use": "mortar, concrete and render"}),
            ("Ready Mixed Concrete", 1.1, {"use": "fence posts, bases and footings"}),
            ("Sharp Sand", 0.6, {"use": "screeds and paving beds"}),
            ("Building Sand", 0.6, {"use": "bricklaying mortar"}),
            ("20mm Gravel", 0.7, {"use": "drainage and concrete mixes"}),
            ("Rapid Set Post Mix", 0.9, {"use": "setting fence posts fast"}),
        ],
        "bag": [("25kg", 0.55), ("20kg", 0.5), ("Bulk Bag", 3.5)],
    },
    openers=[
        "The {name} is a building essential for {use}.",
        "This {bag} product from {brand} is used for {use}.",
        "Get groundwork done with the {name}, for {use}.",
    ],
    details=[
        "It is graded and washed to a consistent quality and mixes easily by hand or mixer.",
        "Mix to the right ratio with clean water for strong, durable results.",
        "It comes in a weather-resistant bag that stores well off the ground.",
    ],
    suits=[
        "Suits {user} laying patios, paths and foundations.",
        "A reliable choice for {user} on site every day.",
        "Ideal for {user} doing building work at home.",
    ],
)

BRICKS = ProductType(
    "Bricks & Blocks",
    "BRK",
    7,
    (1, 149),
    names=["{brand} {kind} {pack}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "kind": [
            ("Red Multi Facing Brick", 1.0, {"use": "garden walls and extensions"}),
            ("Engineering Brick Class B", 1.2, {"use": "manholes and damp courses"}),
            ("Dense Concrete Block", 1.5, {"use": "load-bearing walls"}),
            ("Aerated Thermal Block", 1.8, {"use": "energy-efficient inner walls"}),
            ("Reclaimed Look Yellow Stock Brick", 1.1, {"use": "period-style walls"}),
        ],
        "pack": [("Single", 0.2), ("10 Pack", 1.0), ("Pallet of 40", 3.5)],
    },
    openers=[
        "The {name} is a durable masonry unit for {use}.",
        "This masonry product from {brand} is made for {use}.",
        "Build solid walls with the {name}, well suited to {use}.",
    ],
    details=[
        "Each unit is frost resistant and made to British Standard tolerances.",
        "Consistent size and colour make for neat courses and even joints.",
        "It has high compressive strength and low water absorption.",
    ],
    suits=[
        "Suits {user} building walls, piers and planters.",
        "A dependable choice for {user} on extension projects.",
        "Ideal for {user} matching traditional brickwork.",
    ],
)

PLASTER = ProductType(
    "Plaster & Plasterboard",
    "PLS",
    7,
    (7, 29),
    names=["{brand} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "grade": ["Standard", "Trade", "Premium"],
        "kind": [
            ("12.5mm Plasterboard 2.4m x 1.2m", 1.0, {"use": "lining walls and ceilings"}),
            ("15mm Fire Resistant Plasterboard", 1.3, {"use": "fire-rated partitions"}),
            ("Moisture Resistant Plasterboard", 1.3, {"use": "bathrooms and kitchens"}),
            ("Finishing Plaster 25kg", 0.9, {"use": "skimming walls smooth"}),
            ("Undercoat Plaster 25kg", 1.0, {"use": "backing coats on block"}),
            ("One Coat Plaster 10kg", 0.7, {"use": "patch repairs"}),
        ],
    },
    openers=[
        "The {name} is a {grade} grade product for {use}.",
        "This plastering product from {brand} is designed for {use}.",
        "Create smooth, solid walls with the {name}, made for {use}.",
    ],
    details=[
        "It is easy to cut, fix and finish, and gives a flat surface ready for decorating.",
        "It gives a hard, crack-resistant finish with a good working time.",
        "Tapered edges and consistent density help joints disappear when skimmed.",
    ],
    suits=[
        "Suits {user} fitting out lofts, extensions and garage conversions.",
        "A trusted choice for {user} plastering and dry lining.",
        "Ideal for {user} repairing and renewing walls.",
    ],
)

INSULATION = ProductType(
    "Insulation",
    "INS",
    7,
    (9, 65),
    names=["{brand} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "kind": [
            ("Loft Roll 200mm 5.5m2", 1.0, {"where": "lofts between joists"}),
            ("Loft Roll 100mm 11m2", 1.0, {"where": "topping up loft insulation"}),
            ("PIR Insulation Board 50mm", 1.3, {"where": "walls, floors and roofs"}),
            ("Acoustic Partition Roll 50mm", 0.9, {"where": "stud walls"}),
            ("Multifoil Insulation 10m2", 1.5, {"where": "roofs and garden rooms"}),
            ("Pipe Lagging 15mm 10 Pack", 0.3, {"where": "hot and cold pipes"}),
        ],
        "rating": ["0.044", "0.040", "0.022", "0.037"],
    },
    openers=[
        "The {name} keeps heat in and noise out across {where}.",
        "This insulation from {brand} improves energy efficiency in {where}.",
        "Cut heating bills with the {name}, designed for {where}.",
    ],
    details=[
        "It has a thermal conductivity of {rating} W/mK and is non-combustible.",
        "It is lightweight, easy to cut and quick to fit without special tools.",
        "It helps meet Building Regulations and reduces heat loss and draughts.",
    ],
    suits=[
        "Suits {user} improving older homes.",
        "A smart investment for {user} converting lofts and outbuildings.",
        "Ideal for {user} who want a warmer, quieter home.",
    ],
)

CATEGORIES = [
    Category(
        "Building Materials",
        "BM",
        "Timber, sheet materials, cement, bricks, plaster and insulation for building projects.",
        [TIMBER, CEMENT, BRICKS, PLASTER, INSULATION],
    )
]
