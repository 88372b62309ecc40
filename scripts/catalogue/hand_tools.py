"""Hand Tools: screwdrivers, hammers, spanners, saws, pliers and measuring tools."""

from __future__ import annotations

from catalogue.engine import Category, ProductType

BRANDS = ["Fordwell", "Kelbrook", "Ashgrove", "Marlow Forge"]
USERS = ["DIYers", "home owners", "tradespeople", "apprentices", "hobbyists", "renters"]

SCREWDRIVERS = ProductType(
    "Screwdriver Sets",
    "SCR",
    8,
    (8, 25),
    names=["{brand} {pieces} {kind} Screwdriver Set"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "pieces": [("6 Piece", 0.7), ("8 Piece", 0.85), ("12 Piece", 1.0), ("32 Piece", 1.3)],
        "kind": [
            ("Soft Grip", 1.0, {"tips": "slotted and Phillips"}),
            ("Insulated VDE", 1.3, {"tips": "slotted and Pozidriv"}),
            ("Precision", 0.8, {"tips": "Torx, hex and tiny Phillips"}),
            ("Ratchet", 1.1, {"tips": "interchangeable Pozidriv, Torx and slotted"}),
        ],
        "steel": ["chrome vanadium steel", "S2 tool steel", "hardened chrome molybdenum"],
    },
    openers=[
        "The {name} covers the common screw heads around the house with {tips} tips.",
        "This {pieces} screwdriver set from {brand} drives and removes screws with {tips} tips.",
        "Tighten hinges, handles and fittings with the {name}, made from {steel}.",
    ],
    details=[
        "Shafts are {steel} with magnetic tips and cushioned two-part handles.",
        "Tips are hardened for grip and the set comes in a wall-mountable storage case.",
        "It includes {tips} profiles, each marked on the handle end for quick picking.",
    ],
    suits=[
        "A sensible first toolkit buy for {user}.",
        "Handy for {user} assembling flat-pack furniture and fitting door hardware.",
        "Suits {user} who need the right screwdriver in one tidy set.",
    ],
)

HAMMERS = ProductType(
    "Hammers",
    "HAM",
    8,
    (8, 39),
    names=["{brand} {weight} {kind} Hammer"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "weight": [("8oz", 0.7), ("16oz", 1.0), ("20oz", 1.15), ("2.5lb", 1.2)],
        "kind": [
            ("Claw", 1.0, {"use": "driving and pulling nails"}),
            ("Framing", 1.2, {"use": "heavy framing and first-fix carpentry"}),
            ("Ball Pein", 0.9, {"use": "shaping metal and setting rivets"}),
            ("Club", 1.0, {"use": "striking bolsters and chisels"}),
        ],
        "handle": ["fibreglass", "ash wood", "one-piece forged steel", "graphite"],
    },
    openers=[
        "The {name} is a balanced hammer for {use}.",
        "This {weight} {kind} hammer from {brand} has a {handle} handle built for {use}.",
        "Strike accurately with the {name}, designed for {use}.",
    ],
    details=[
        "A drop-forged, heat-treated head sits on a {handle} handle with an anti-slip grip.",
        "The {handle} handle absorbs shock and the polished face resists glancing blows.",
        "It weighs {weight} at the head and has a rubber grip that cuts vibration.",
    ],
    suits=[
        "A toolbox essential for {user}.",
        "Recommended for {user} doing carpentry, fencing and renovation work.",
        "Suits {user} who want a hammer that lasts for years.",
    ],
)

SPANNERS = ProductType(
    "Spanners & Wrenches",
    "SPN",
    8,
    (9, 69),
    names=["{brand} {size} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "size": [("6-19mm", 0.8), ("8-22mm", 1.0), ("10-32mm", 1.3), ("250mm", 0.7)],
        "kind": [
            ("Combination Spanner Set", 1.0),
            ("Ratchet Spanner Set", 1.4),
            ("Ring Spanner Set", 0.9),
            ("Socket Set", 1.2),
        ],
        "finish": ["satin chrome", "black phosphate", "mirror-polished chrome"],
    },
    openers=[
        "The {name} tightens and loosens nuts and bolts across the {size} range.",
        "This {kind} from {brand} grips hex nuts and bolts without rounding corners.",
        "Work on bikes, flat-pack and machinery with the {name} in a {finish} finish.",
    ],
    details=[
        "It is forged from chrome vanadium steel with a {finish} finish that resists rust.",
        "Six-point profiles drive on the flats of the nut for high torque without slipping.",
        "Sizes are laser etched and everything stores in a roll-up or moulded case.",
    ],
    suits=[
        "Ideal for {user} maintaining bikes, trailers and workshop machinery.",
        "A reliable set for {user} assembling furniture and fitting fixings.",
        "Suits {user} building a complete mechanical toolkit.",
    ],
)

HAND_SAWS = ProductType(
    "Hand Saws",
    "HSW",
    8,
    (7, 35),
    names=["{brand} {length} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "length": [("12in", 0.8), ("15in", 0.9), ("20in", 1.0), ("22in", 1.1)],
        "kind": [
            ("Hardpoint Panel Saw", 1.0, {"cut": "cross cuts and rip cuts in timber"}),
            ("Tenon Saw", 0.9, {"cut": "fine joints and mitres"}),
            ("Hacksaw", 0.8, {"cut": "metal pipe, bolts and plastic conduit"}),
            ("Pruning Saw", 0.85, {"cut": "green wood and thick branches"}),
        ],
        "tpi": ["7 TPI", "8 TPI", "11 TPI", "24 TPI"],
    },
    openers=[
        "The {name} is a sharp hand saw for {cut}.",
        "This {length} saw from {brand} makes clean {cut} with little effort.",
        "Cut by hand with the {name}, ground for {cut}.",
    ],
    details=[
        "Induction-hardened teeth at {tpi} stay sharp far longer than standard teeth.",
        "A {tpi} blade and a soft-grip handle keep strokes smooth and controlled.",
        "The {length} blade has a low-friction coating and a 45/90 degree marking handle.",
    ],
    suits=[
        "A quiet, no-battery choice for {user}.",
        "Useful for {user} tackling small cutting jobs without power tools.",
        "Suits {user} who want a saw that is ready to go in seconds.",
    ],
)

PLIERS = ProductType(
    "Pliers & Cutters",
    "PLR",
    8,
    (6, 35),
    names=["{brand} {size} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "size": [("160mm", 0.8), ("180mm", 0.9), ("200mm", 1.0), ("250mm", 1.2)],
        "kind": [
            ("Combination Pliers", 1.0, {"job": "gripping, bending and cutting wire"}),
            ("Long Nose Pliers", 0.9, {"job": "reaching into tight spaces"}),
            ("Side Cutters", 0.9, {"job": "snipping wire and cable ties flush"}),
            ("Water Pump Pliers", 1.1, {"job": "gripping pipes and large nuts"}),
            ("3 Piece Pliers Set", 1.8, {"job": "gripping, cutting and reaching"}),
        ],
    },
    openers=[
        "The {name} is made for {job}.",
        "These {size} pliers from {brand} handle {job} with a firm, even grip.",
        "Get a secure hold with the {name}, shaped for {job}.",
    ],
    details=[
        "Jaws are induction hardened and the dual-material handles stay comfortable.",
        "They are drop forged from chrome vanadium steel with precision-ground jaws.",
        "A box joint keeps the jaws aligned and the {size} length adds leverage.",
    ],
    suits=[
        "A core toolbox item for {user}.",
        "Handy for {user} doing repairs, crafts and bike maintenance.",
        "Suits {user} who want durable, comfortable pliers.",
    ],
)

MEASURING = ProductType(
    "Measuring & Levelling",
    "MES",
    8,
    (5, 89),
    names=["{brand} {trim} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "kind": [
            ("5m Tape Measure", 0.3, {"task": "measuring rooms and timber"}),
            ("8m Tape Measure", 0.4, {"task": "measuring long runs"}),
            ("600mm Spirit Level", 0.5, {"task": "checking level and plumb"}),
            ("1200mm Spirit Level", 0.8, {"task": "levelling shelves and worktops"}),
            ("Cross Line Laser Level", 2.5, {"task": "projecting level lines"}),
            ("Laser Distance Measure", 2.0, {"task": "measuring rooms to 40m"}),
            ("Combination Square", 0.4, {"task": "marking square cuts"}),
        ],
        "trim": ["Pro", "Classic", "Site", "Magnetic", "Compact"],
    },
    openers=[
        "The {name} is an accurate tool for {task}.",
        "This {trim} tool from {brand} takes the guesswork out of {task}.",
        "Get measurements right first time with the {name}, made for {task}.",
    ],
    details=[
        "A tough, rubber-armoured body survives drops and markings stay clear in low light.",
        "It is accurate to within 1mm and easy to read at a glance.",
        "A belt clip and a compact, impact-resistant case make it easy to carry.",
    ],
    suits=[
        "Essential for {user} putting up shelves, hanging pictures and laying out rooms.",
        "A precise choice for {user} working on fitting and joinery jobs.",
        "Suits {user} who measure twice and cut once.",
    ],
)

CATEGORIES = [
    Category(
        "Hand Tools",
        "HT",
        "Quality hand tools for fixing, cutting, gripping, measuring and general repairs.",
        [SCREWDRIVERS, HAMMERS, SPANNERS, HAND_SAWS, PLIERS, MEASURING],
    )
]
