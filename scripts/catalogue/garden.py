"""Garden & Outdoor: weed control, mowers, hedge trimmers, hand tools and watering."""

from __future__ import annotations

from catalogue.engine import Category, ProductType

BRANDS = ["Greenhollow", "Meadowcraft", "Fernlea", "Thistledown"]
USERS = ["gardeners", "allotment holders", "new gardeners", "busy home owners", "keen growers"]
AREAS = [
    "paths and driveways",
    "patios and gravel",
    "flower beds and borders",
    "vegetable plots",
    "block paving",
]

WEED_CONTROL = ProductType(
    "Weed Control",
    "WDC",
    14,
    (4, 69),
    names=["{brand} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "area": AREAS,
        "lsize": [("500ml", 0.7), ("1L", 1.0), ("2.5L", 1.8)],
        "msize": [("1m x 8m", 0.8), ("2m x 10m", 1.3), ("1m x 25m", 1.6)],
        "weeds": [
            "dandelions, docks and nettles",
            "bindweed, ground elder and thistles",
            "moss, algae and grassy weeds",
            "annual and perennial weeds",
        ],
        "pests": [
            "creeping weeds",
            "weeds and moss",
            "tough, deep-rooted weeds",
            "weeds that keep coming back",
        ],
        "kind": [
            (
                "{lsize} Weed Killer Concentrate",
                0.9,
                {
                    "what": "a concentrated weed killer that kills weeds down to the root",
                    "how": "Dilute the {lsize} bottle in a watering can or sprayer and treat "
                    "{area}.",
                },
            ),
            (
                "{lsize} Ready To Use Weed Killer Spray",
                0.7,
                {
                    "what": "a trigger-spray weed killer that starts killing weeds in hours",
                    "how": "Spray the leaves: results show in a day, rain-fast in an hour.",
                },
            ),
            (
                "Path & Patio Weed Killer {lsize}",
                0.9,
                {
                    "what": "a long-lasting weed killer that stops weeds regrowing on paving",
                    "how": "One application keeps {area} clear of weeds for up to six months.",
                },
            ),
            (
                "{msize} Weed Control Membrane",
                1.0,
                {
                    "what": "a woven weed membrane that suppresses weeds by blocking light",
                    "how": "Lay it under bark, gravel or slate; water and air still pass through.",
                },
            ),
            (
                "Heavy Duty {msize} Weed Membrane",
                1.3,
                {
                    "what": "a thick 100gsm ground cover fabric that suppresses weeds for years",
                    "how": "Pin it down over {area} before topping with gravel or chippings.",
                },
            ),
            (
                "Long Handled Weed Puller",
                0.9,
                {
                    "what": "a stand-up weeding tool that pulls weeds out roots and all",
                    "how": "Push the steel claws over a weed, twist and lift without bending.",
                },
            ),
            (
                "Patio Weeding Knife",
                0.4,
                {
                    "what": "a hooked weeding knife that scrapes weeds from patio cracks",
                    "how": "The hardened blade hooks out weeds and moss between slabs and setts.",
                },
            ),
            (
                "Electric Weed Burner",
                2.2,
                {
                    "what": "a chemical-free weed burner that kills weeds with hot air",
                    "how": "A 2000W element heats weeds until the cells burst, with no spraying.",
                },
            ),
        ],
    },
    openers=[
        "The {name} is {what}.",
        "Take control of weeds with the {name}, {what}.",
        "Keep {area} free of weeds with this product from {brand}: {what}.",
        "The {name} is {what}, effective against {weeds}.",
    ],
    details=["{how}"],
    suits=[
        "Ideal for {user} keeping {area} tidy.",
        "A reliable way for {user} to deal with {pests}.",
        "Suits {user} who want less weeding and more time enjoying the garden.",
        "Recommended for {user} battling {pests} across {area}.",
    ],
)

MOWERS = ProductType(
    "Lawn Mowers",
    "MOW",
    11,
    (119, 599),
    names=["{brand} {width} {power} {kind} Mower"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "width": [
            ("32cm", 0.6, {"lawn": "small"}),
            ("37cm", 0.8, {"lawn": "small to medium"}),
            ("42cm", 1.0, {"lawn": "medium"}),
            ("46cm", 1.3, {"lawn": "large"}),
        ],
        "power": [
            ("1200W Electric", 0.6),
            ("36V Cordless", 1.3),
            ("150cc Petrol", 1.5),
            ("18V Cordless", 1.0),
        ],
        "kind": [("Rotary", 1.0), ("Self-Propelled", 1.4), ("Rear Roller", 1.2)],
        "box": ["35L", "45L", "55L", "60L"],
    },
    openers=[
        "The {name} cuts grass cleanly and collects clippings in a {box} grass box.",
        "This {kind} lawn mower from {brand} gives a neat finish on {lawn} lawns.",
        "Mow the lawn quickly with the {name}, made for {lawn} gardens.",
    ],
    details=[
        "It has a {width} cutting width, six cutting heights and a {box} collector.",
        "Central height adjustment sets the grass length in one move; the box holds {box}.",
        "Rear-edge combs cut close to borders and a fold-down handle saves shed space.",
    ],
    suits=[
        "Suits {user} with {lawn} lawns who want stripes without the effort.",
        "A dependable mower for {user} cutting the grass every week in summer.",
        "Recommended for {user} upgrading from a basic lawn mower.",
    ],
)

HEDGE = ProductType(
    "Hedge Trimmers",
    "HDG",
    8,
    (39, 249),
    names=["{brand} {power} {blade} Hedge Trimmer"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "power": [
            ("18V Cordless", 1.0),
            ("36V Cordless", 1.4),
            ("500W Electric", 0.6),
            ("26cc Petrol", 1.6),
        ],
        "blade": [("45cm", 0.9), ("55cm", 1.0), ("60cm", 1.2), ("Long Reach", 1.5)],
        "gap": ["18mm", "22mm", "26mm"],
        "hedge": ["privet", "beech", "laurel", "box and yew"],
    },
    openers=[
        "The {name} shapes and trims hedges, shrubs and bushes fast.",
        "This hedge trimmer from {brand} cuts {hedge} hedges with dual-action blades.",
        "Keep hedges neat with the {name}, which cuts branches up to {gap} thick.",
    ],
    details=[
        "Laser-cut dual-action blades with a {gap} tooth gap cut cleanly with low vibration.",
        "A rotating rear handle helps with hedge tops and sides; the gap is {gap}.",
        "It has a blade guard, two-handed safety switch and a hanging hook.",
    ],
    suits=[
        "Suits {user} with garden hedges and boundary shrubs.",
        "A good choice for {user} who trim {hedge} hedges each season.",
        "Recommended for {user} who want crisp, tidy hedge lines.",
    ],
)

GARDEN_TOOLS = ProductType(
    "Garden Hand Tools",
    "GHT",
    11,
    (5, 49),
    names=["{brand} {finish} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "finish": [
            ("Stainless Steel", 1.3, {"head": "polished stainless steel head"}),
            ("Carbon Steel", 1.0, {"head": "powder-coated carbon steel head"}),
            ("Ash Handled", 1.1, {"head": "forged head on its ash handle"}),
            ("Ergonomic", 0.9, {"head": "epoxy-coated head"}),
        ],
        "kind": [
            ("Hand Trowel", 0.4, {"job": "planting seedlings and bedding plants"}),
            ("Digging Spade", 1.4, {"job": "digging beds and turning soil"}),
            ("Border Fork", 1.3, {"job": "loosening soil and lifting plants"}),
            ("Bypass Secateurs", 0.7, {"job": "pruning roses and shrubs"}),
            ("Ratchet Loppers", 1.2, {"job": "cutting branches up to 45mm"}),
            ("Leaf Rake", 0.8, {"job": "gathering leaves from lawns"}),
        ],
    },
    openers=[
        "The {name} is a sturdy garden tool for {job}.",
        "This {kind} from {brand} makes light work of {job}.",
        "Look after beds and borders with the {name}, built for {job}.",
    ],
    details=[
        "The {head} resists rust and the grip is comfortable for long sessions.",
        "A welded joint and a cushioned grip give strength without extra weight.",
        "It is backed by a ten-year guarantee and cleans easily after use.",
    ],
    suits=[
        "Ideal for {user} working on beds, borders and allotments.",
        "A dependable tool for {user} in the garden every weekend.",
        "Suits {user} looking for a lasting, well-balanced garden tool.",
    ],
)

WATERING = ProductType(
    "Hoses & Watering",
    "WAT",
    10,
    (5, 89),
    names=["{brand} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "len": [("15m", 0.7), ("30m", 1.0), ("50m", 1.4)],
        "kind": [
            ("{len} Anti-Kink Garden Hose", 1.0, {"job": "watering the garden"}),
            ("{len} Hose Reel Cart", 1.6, {"job": "storing and moving hose"}),
            ("8 Pattern Spray Gun", 0.4, {"job": "rinsing and spraying plants"}),
            ("10L Watering Can", 0.4, {"job": "watering pots and seedlings"}),
            ("Oscillating Sprinkler", 0.6, {"job": "watering the lawn evenly"}),
            ("{len} Soaker Hose", 0.8, {"job": "slow watering along beds"}),
        ],
        "colour": ["green", "graphite grey", "blue", "orange"],
    },
    openers=[
        "The {name} is a practical watering product for {job}.",
        "This {colour} watering product from {brand} is designed for {job}.",
        "Keep plants and lawns healthy with the {name}, made for {job}.",
    ],
    details=[
        "It is UV stabilised, frost resistant and fits standard click-on hose connectors.",
        "Tough {colour} plastic and brass-effect fittings keep it leak free season after season.",
        "It helps cut water waste by putting water where the plants need it.",
    ],
    suits=[
        "Ideal for {user} during dry summer spells.",
        "Suits {user} looking after lawns, beds and containers.",
        "A convenient choice for {user} who water little and often.",
    ],
)

CATEGORIES = [
    Category(
        "Garden & Outdoor",
        "GO",
        "Everything for the garden, from weed control and lawn care to watering and tools.",
        [WEED_CONTROL, MOWERS, HEDGE, GARDEN_TOOLS, WATERING],
    )
]
