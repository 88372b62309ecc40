"""Flooring: laminate, vinyl, engineered wood, carpet tiles and underlay."""

from __future__ import annotations

from catalogue.engine import Category, ProductType

BRANDS = ["Oakfield", "Timberlane", "Floorcraft Studio", "Pennine Floors"]
USERS = [
    "DIY floor fitters",
    "landlords",
    "families with pets",
    "home renovators",
    "professional fitters",
]
ROOMS = ["living rooms", "hallways", "bedrooms", "kitchens", "home offices", "dining rooms"]

LAMINATE = ProductType(
    "Laminate Flooring",
    "LAM",
    9,
    (14, 39),
    names=["{brand} {decor} {thick} Laminate Flooring {pack}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "room": ROOMS,
        "decor": [
            "Rustic Oak",
            "Grey Washed Oak",
            "Natural Ash",
            "Smoked Walnut",
            "Whitewashed Pine",
            "Honey Oak",
        ],
        "thick": [
            ("7mm", 0.8, {"ac": "AC3"}),
            ("8mm", 1.0, {"ac": "AC4"}),
            ("12mm", 1.3, {"ac": "AC5"}),
        ],
        "pack": [("2.22m2 Pack", 1.0), ("1.48m2 Pack", 0.75), ("1.73m2 Pack", 0.85)],
    },
    openers=[
        "The {name} is a click-fit laminate floor with a realistic {decor} wood grain.",
        "This {thick} laminate from {brand} brings the look of {decor} boards to {room}.",
        "Lay a hard-wearing floor in {room} with the {name}, rated {ac} for wear.",
    ],
    details=[
        "Boards are {thick} thick with a bevelled edge and an {ac} scratch-resistant surface.",
        "The angle-angle click system needs no glue and floats over a suitable underlay.",
        "It has an {ac} wear rating, a moisture-resistant core and embossed texture.",
    ],
    suits=[
        "A cost-effective choice for {user} refreshing {room}.",
        "Suits {user} wanting a wood look that is quick to lay.",
        "Ideal for {user} who need a floor that copes with busy family life.",
    ],
)

VINYL = ProductType(
    "Vinyl Flooring",
    "VIN",
    9,
    (12, 45),
    names=["{brand} {decor} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "room": ROOMS,
        "decor": [
            "Slate Grey",
            "Terrazzo",
            "Herringbone Oak",
            "Victorian Tile",
            "Concrete Effect",
            "Limed Oak",
        ],
        "kind": [
            ("Luxury Vinyl Click Plank", 1.3, {"what": "a rigid luxury vinyl plank floor"}),
            ("Vinyl Sheet 4m Wide", 0.8, {"what": "a cushioned vinyl sheet floor"}),
            ("Self Adhesive Vinyl Tiles", 0.7, {"what": "a peel-and-stick vinyl tile floor"}),
        ],
    },
    openers=[
        "The {name} is {what} that is waterproof and warm underfoot.",
        "This {decor} vinyl from {brand} is {what} made for {room} and bathrooms.",
        "Cover {room} with the {name}: {what} with a {decor} design.",
    ],
    details=[
        "It is 100 percent waterproof, easy to clean and quieter underfoot than tiles.",
        "A tough wear layer resists scuffs and stains, and it cuts to size with a knife.",
        "It is suitable for underfloor heating and can be laid over most level floors.",
    ],
    suits=[
        "Perfect for {user} looking for a practical, wipe-clean floor.",
        "Suits {user} fitting kitchens, bathrooms and utility rooms.",
        "A smart choice for {user} after a stylish floor on a budget.",
    ],
)

ENGINEERED = ProductType(
    "Engineered Wood Flooring",
    "ENG",
    7,
    (35, 89),
    names=["{brand} {species} {grade} Engineered Wood Flooring {pack}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "room": ROOMS,
        "species": [("Oak", 1.0), ("Walnut", 1.3), ("Smoked Oak", 1.15), ("Ash", 0.95)],
        "grade": [("Rustic", 0.9), ("Select", 1.1), ("Brushed Matt", 1.0)],
        "pack": [("1.8m2 Pack", 1.0), ("1.44m2 Pack", 0.85)],
        "wear": ["3mm", "4mm", "6mm"],
    },
    openers=[
        "The {name} is real {species} with a {wear} hardwood wear layer.",
        "This engineered board from {brand} has a genuine {species} top layer for {room}.",
        "Bring natural warmth to {room} with the {name}, finished in hard-wearing lacquer.",
    ],
    details=[
        "A multi-ply core keeps boards stable, and the {wear} top layer can be re-sanded.",
        "It is factory finished in UV-cured oil or lacquer and clicks or glues down.",
        "Boards are 190mm wide with micro-bevelled edges and suit underfloor heating.",
    ],
    suits=[
        "Ideal for {user} who want a real wood floor that lasts for decades.",
        "Suits {user} adding value to living spaces.",
        "A premium choice for {user} laying {room}.",
    ],
)

CARPET = ProductType(
    "Carpet Tiles",
    "CPT",
    7,
    (15, 49),
    names=["{brand} {colour} {kind} {pack}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "room": ROOMS,
        "colour": ["Graphite", "Oatmeal", "Navy", "Moss Green", "Stone Beige", "Charcoal Stripe"],
        "kind": [
            ("Loop Pile Carpet Tiles", 1.0),
            ("Cut Pile Carpet Tiles", 1.2),
            ("Heavy Contract Carpet Tiles", 1.4),
        ],
        "pack": [("20 Pack", 1.0), ("10 Pack", 0.6)],
    },
    openers=[
        "The {name} are 50cm square carpet tiles with a bitumen backing.",
        "These {colour} carpet tiles from {brand} lay loose or with tackifier in {room}.",
        "Carpet {room} in an afternoon with the {name}, each 50cm x 50cm.",
    ],
    details=[
        "A pack of 20 covers 5 square metres; damaged tiles lift out and swap easily.",
        "Stain-resistant solution-dyed nylon stands up to heavy foot traffic.",
        "They need no underlay or gripper and cut neatly with a utility knife.",
    ],
    suits=[
        "Ideal for {user} fitting offices, garages and playrooms.",
        "Suits {user} who want soft flooring that is easy to replace.",
        "A practical pick for {user} on a budget.",
    ],
)

UNDERLAY = ProductType(
    "Underlay & Floor Accessories",
    "UND",
    7,
    (4, 39),
    names=["{brand} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "room": ROOMS,
        "kind": [
            ("5mm Acoustic Underlay 10m2", 1.2, {"job": "cutting footfall noise"}),
            ("3mm Fibreboard Underlay 7m2", 1.0, {"job": "levelling small dips"}),
            ("Damp Proof Membrane 15m2", 0.8, {"job": "protecting floors from moisture"}),
            ("Oak Effect Threshold Strip", 0.5, {"job": "joining floors at doorways"}),
            ("Flooring Fitting Kit", 0.6, {"job": "tapping boards tightly together"}),
            ("Scotia Beading 2.4m 4 Pack", 0.6, {"job": "finishing floor edges"}),
        ],
        "grade": ["Standard", "Premium", "Trade", "Eco"],
    },
    openers=[
        "The {name} is a flooring accessory for {job}.",
        "This {grade} product from {brand} is designed for {job}.",
        "Get a neat, quiet floor with the {name}, made for {job}.",
    ],
    details=[
        "It suits laminate, engineered wood and luxury vinyl click floors.",
        "It is light, easy to cut and quick to lay over concrete or timber subfloors.",
        "Using the right accessories helps floors last longer and look better.",
    ],
    suits=[
        "Suits {user} completing a new floor in {room}.",
        "A must-have for {user} laying click flooring.",
        "Ideal for {user} who want a professional finish.",
    ],
)

CATEGORIES = [
    Category(
        "Flooring",
        "FL",
        "Laminate, vinyl, engineered wood and carpet tile flooring with underlay and trims.",
        [LAMINATE, VINYL, ENGINEERED, CARPET, UNDERLAY],
    )
]
