"""Kitchen & Bathroom: taps, showers, toilets and basins, sinks, accessories and tiles."""

from __future__ import annotations

from catalogue.engine import Category, ProductType

BRANDS = ["Calder & Finch", "Basin & Brook", "Porcelaine", "Wessex Bath Co"]
USERS = ["home owners", "landlords", "bathroom fitters", "kitchen renovators", "families"]
KITCHEN_USERS = ["home owners", "landlords", "kitchen fitters", "kitchen renovators", "families"]
FINISHES = ["Chrome", "Brushed Nickel", "Matt Black", "Brushed Brass"]

KITCHEN_TAPS = ProductType(
    "Kitchen Taps",
    "KTP",
    8,
    (29, 199),
    names=["{brand} {model} {finish} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": KITCHEN_USERS,
        "finish": FINISHES,
        "model": ["Avon", "Tamar", "Severn", "Ouse", "Wye", "Tees"],
        "kind": [
            ("Single Lever Mixer Tap", 1.0, {"what": "a single lever mixer"}),
            ("Pull Out Spray Mixer Tap", 1.5, {"what": "a mixer with pull-out spray"}),
            ("Swan Neck Monobloc Tap", 1.1, {"what": "a swan-neck monobloc mixer"}),
            ("Boiling Water Tap", 3.5, {"what": "an instant boiling water tap"}),
        ],
    },
    openers=[
        "The {name} is {what} for the kitchen sink.",
        "This {finish} kitchen tap from {brand} is {what} with a 360-degree swivel spout.",
        "Upgrade the sink area with the {name}, {what} in a {finish} finish.",
    ],
    details=[
        "Ceramic disc cartridges give smooth, drip-free control of hot and cold.",
        "It fits a single 35mm tap hole with flexible hoses included.",
        "It is WRAS approved and works on low and high pressure systems.",
    ],
    suits=[
        "Suits {user} refitting or refreshing a kitchen.",
        "A practical, stylish choice for {user}.",
        "Ideal for {user} replacing a worn or leaking tap.",
    ],
)

SHOWERS = ProductType(
    "Showers",
    "SHW",
    7,
    (19, 349),
    names=["{brand} {finish} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "finish": FINISHES,
        "kind": [
            ("Thermostatic Mixer Shower", 1.5, {"what": "a thermostatic bar mixer"}),
            ("9.5kW Electric Shower", 1.3, {"what": "an instant electric shower"}),
            ("Rainfall Shower Head 250mm", 0.5, {"what": "a large rainfall head"}),
            ("Shower Riser Rail Kit", 0.6, {"what": "a riser rail with handset"}),
            ("Power Shower 10.5kW", 1.7, {"what": "a pumped power shower"}),
        ],
    },
    openers=[
        "The {name} is {what} for a refreshing, consistent shower.",
        "This {finish} shower from {brand} is {what} with easy-clean rubber nozzles.",
        "Enjoy a better shower with the {name}, {what} at a steady temperature.",
    ],
    details=[
        "Anti-scald protection keeps water at a safe, steady temperature.",
        "It has a multi-mode handset, a slide rail and a 1.5m anti-twist hose.",
        "Quick-clean nozzles resist limescale for lasting performance.",
    ],
    suits=[
        "Suits {user} upgrading a tired bathroom.",
        "A reliable choice for busy {user}.",
        "Ideal for {user} fitting a new en suite.",
    ],
)

TOILETS = ProductType(
    "Toilets & Basins",
    "TLB",
    7,
    (39, 399),
    names=["{brand} {model} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "model": ["Marlow", "Kendal", "Harlow", "Ripon", "Ludlow", "Settle"],
        "kind": [
            ("Close Coupled Toilet", 1.2, {"what": "a close-coupled toilet"}),
            ("Back to Wall Toilet Pan", 1.0, {"what": "a back-to-wall toilet pan"}),
            ("550mm Vanity Unit and Basin", 1.8, {"what": "a vanity unit with basin"}),
            ("Wall Hung Cloakroom Basin", 0.6, {"what": "a compact wall-hung basin"}),
            ("Pedestal Basin 600mm", 0.8, {"what": "a full pedestal basin"}),
        ],
        "colour": ["white gloss", "white", "matt grey", "sage green"],
    },
    openers=[
        "The {name} is {what}, finished in {colour}.",
        "This bathroom piece from {brand} is {what} with clean, modern lines.",
        "Refresh the bathroom with the {name}, {what} made to last.",
    ],
    details=[
        "Rimless or glazed surfaces are easy to clean and hygienic.",
        "It comes with fixing kits and is designed for straightforward installation.",
        "Soft-close seats or drawers add a quiet, premium touch.",
    ],
    suits=[
        "Suits {user} renovating bathrooms and cloakrooms.",
        "A good-value upgrade for {user}.",
        "Ideal for {user} fitting out a small bathroom.",
    ],
)

SINKS = ProductType(
    "Kitchen Sinks",
    "SNK",
    6,
    (49, 299),
    names=["{brand} {kind} {material}"],
    attrs={
        "brand": BRANDS,
        "user": KITCHEN_USERS,
        "kind": [
            ("1 Bowl", 1.0, {"what": "a single bowl sink"}),
            ("1.5 Bowl", 1.2, {"what": "a one-and-a-half bowl sink"}),
            ("Undermount", 1.3, {"what": "an undermount sink"}),
            ("2 Bowl", 1.5, {"what": "a double bowl sink"}),
        ],
        "material": [
            ("Stainless Steel Sink", 1.0),
            ("Granite Composite Sink", 1.4),
            ("Ceramic Sink", 1.3),
        ],
    },
    openers=[
        "The {name} is {what} with a drainer and deep bowl for washing up.",
        "This kitchen sink from {brand} is {what} in a hard-wearing material.",
        "Give the kitchen a new focal point with the {name}, {what}.",
    ],
    details=[
        "It resists scratches, stains and heat, and wipes clean easily.",
        "Waste and overflow fittings are included; it suits 600mm units.",
        "A deep bowl handles large pans and the surface resists limescale.",
    ],
    suits=[
        "Suits {user} planning a new kitchen.",
        "A durable choice for busy {user}.",
        "Ideal for {user} replacing an old or damaged sink.",
    ],
)

ACCESSORIES = ProductType(
    "Bathroom Accessories",
    "BAC",
    7,
    (5, 89),
    names=["{brand} {finish} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "finish": FINISHES,
        "kind": [
            ("LED Bathroom Mirror", 3.0, {"what": "an illuminated mirror"}),
            ("Towel Ring", 0.5, {"what": "a wall-mounted towel ring"}),
            ("Toilet Roll Holder", 0.5, {"what": "a toilet roll holder"}),
            ("Soft Close Toilet Seat", 1.2, {"what": "a soft-close seat"}),
            ("Corner Shower Caddy", 0.8, {"what": "a two-tier shower caddy"}),
        ],
    },
    openers=[
        "The {name} is {what} in a {finish} finish.",
        "This bathroom accessory from {brand} is {what} that keeps things tidy.",
        "Finish the bathroom nicely with the {name}, {what}.",
    ],
    details=[
        "It is made from corrosion-resistant materials for damp rooms.",
        "All fixings are included and it mounts easily to tiles or plaster.",
        "It matches other pieces in the range for a coordinated look.",
    ],
    suits=[
        "Suits {user} updating bathroom details.",
        "An affordable finishing touch for {user}.",
        "Ideal for {user} creating a coordinated bathroom.",
    ],
)

TILES = ProductType(
    "Wall Tiles",
    "TIL",
    7,
    (12, 49),
    names=["{brand} {colour} {kind} {pack}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "colour": [
            "White Gloss",
            "Sage Green",
            "Navy Blue",
            "Marble Effect",
            "Concrete Grey",
            "Terracotta",
        ],
        "kind": [
            ("Metro Tiles 10x20cm", 1.0, {"what": "bevelled metro tiles"}),
            ("Zellige Style Tiles 13x13cm", 1.3, {"what": "hand-made look square tiles"}),
            ("Large Format Tiles 30x60cm", 1.2, {"what": "large format wall tiles"}),
            ("Hexagon Mosaic Sheets", 1.1, {"what": "hexagon mosaic sheets"}),
        ],
        "pack": [("1m2 Pack", 1.0), ("0.5m2 Pack", 0.6)],
    },
    openers=[
        "The {name} are {what} for kitchen splashbacks and bathroom walls.",
        "These {colour} tiles from {brand} are {what} with a glazed, wipeable surface.",
        "Create a striking splashback with the {name}: {what} in {colour}.",
    ],
    details=[
        "They are ceramic or porcelain, water resistant and easy to cut.",
        "Fix with ready-mixed tile adhesive and finish with a contrasting grout.",
        "Each pack covers the stated area and the glaze resists stains.",
    ],
    suits=[
        "Suits {user} retiling kitchens and bathrooms.",
        "A stylish, practical choice for {user}.",
        "Ideal for {user} adding colour to plain walls.",
    ],
)

CATEGORIES = [
    Category(
        "Kitchen & Bathroom",
        "KB",
        "Taps, showers, sinks, toilets, basins, tiles and accessories for kitchens and bathrooms.",
        [KITCHEN_TAPS, SHOWERS, TOILETS, SINKS, ACCESSORIES, TILES],
    )
]
