"""Paint & Decorating: paints, wood care, brushes and rollers, wallpaper and preparation."""

from __future__ import annotations

from catalogue.engine import Category, ProductType

BRANDS = ["Chalkhill", "Lumera", "Cobbleton", "Hartwell & Rye"]
USERS = [
    "DIY decorators",
    "first-time decorators",
    "landlords",
    "professional decorators",
    "home renovators",
]
COLOURS = [
    "Chalk White",
    "Dove Grey",
    "Sage Green",
    "Midnight Navy",
    "Duck Egg Blue",
    "Terracotta Blush",
    "Warm Linen",
    "Charcoal",
    "Mustard Seed",
    "Pure Brilliant White",
]

EMULSION = ProductType(
    "Emulsion Paint",
    "EML",
    11,
    (12, 55),
    names=["{brand} {colour} {sheen} Emulsion {size}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "colour": COLOURS,
        "sheen": [
            ("Matt", 1.0, {"look": "a flat, velvety look that hides wall imperfections"}),
            ("Silk", 1.05, {"look": "a soft sheen that wipes clean"}),
            ("Durable Matt", 1.2, {"look": "a scrubbable matt finish"}),
        ],
        "size": [
            ("2.5L", 0.7, {"cover": "up to 35 square metres"}),
            ("5L", 1.0, {"cover": "up to 65 square metres"}),
            ("10L", 1.5, {"cover": "up to 130 square metres"}),
        ],
        "room": [
            "living rooms and bedrooms",
            "hallways and stairs",
            "kitchens and utility rooms",
            "ceilings and feature walls",
        ],
    },
    openers=[
        "The {name} is a water-based wall and ceiling paint with {look}.",
        "This {colour} emulsion from {brand} brings colour to {room} with {look}.",
        "Refresh walls and ceilings with the {name}, a low-odour paint in {colour}.",
    ],
    details=[
        "One tin covers {cover} per coat and is touch dry in two hours.",
        "Its rich pigment gives even coverage of {cover}, with easy soap-and-water clean up.",
        "It is low VOC, spatter resistant and recoatable after four hours.",
    ],
    suits=[
        "Perfect for {user} redecorating {room}.",
        "A reliable choice for {user} who want a smooth, even colour.",
        "Suits {user} updating plastered walls and ceilings.",
    ],
)

GLOSS = ProductType(
    "Gloss & Woodwork Paint",
    "GLS",
    8,
    (10, 39),
    names=["{brand} {colour} {sheen} {size}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "colour": COLOURS,
        "sheen": [
            ("High Gloss", 1.0, {"look": "a hard, mirror-like shine"}),
            ("Satinwood", 1.1, {"look": "a mid-sheen, modern finish"}),
            ("Eggshell", 1.05, {"look": "a low-sheen, chalky elegance"}),
        ],
        "size": [("750ml", 0.8), ("1.25L", 1.0), ("2.5L", 1.5)],
        "base": ["quick-dry water-based", "traditional solvent-based", "non-yellowing acrylic"],
    },
    openers=[
        "The {name} is a {base} paint for interior woodwork and metal.",
        "This {colour} trim paint from {brand} gives doors and skirting {look}.",
        "Finish doors, skirting boards and window frames with the {name}: {look}.",
    ],
    details=[
        "It is a {base} formula that resists chips, knocks and scuffs.",
        "Self-undercoating and easy to brush, it levels out to hide brush marks.",
        "It gives {look} and stays bright without yellowing over time.",
    ],
    suits=[
        "A smart finish for {user} refreshing doors, skirting and banisters.",
        "Suits {user} painting woodwork in busy family homes.",
        "Ideal for {user} who want long-lasting trim paint.",
    ],
)

WOOD_CARE = ProductType(
    "Exterior Wood Care",
    "EWC",
    8,
    (9, 49),
    names=["{brand} {colour} {kind} {size}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "colour": [
            "Natural Oak",
            "Forest Green",
            "Rustic Brown",
            "Silver Birch",
            "Ebony",
            "Harvest Gold",
            "Seagrass",
        ],
        "kind": [
            ("Shed & Fence Treatment", 0.8, {"wood": "sheds, fences and trellis"}),
            ("Decking Oil", 1.1, {"wood": "hardwood and softwood decking"}),
            ("Garden Furniture Stain", 1.0, {"wood": "benches and garden furniture"}),
            ("Exterior Wood Preserver", 1.2, {"wood": "bare external timber"}),
        ],
        "size": [("1L", 0.6), ("2.5L", 0.9), ("5L", 1.3)],
    },
    openers=[
        "The {name} colours and protects {wood} against rain and sun.",
        "This {colour} finish from {brand} nourishes and weatherproofs {wood}.",
        "Protect {wood} with the {name}, a water-repellent outdoor wood finish.",
    ],
    details=[
        "It soaks into the grain, repels rain and guards against fading for up to five years.",
        "A low-odour, water-based formula that is touch dry in one hour and pet friendly.",
        "It helps prevent rot, mould and UV greying on all planed and rough-sawn timber.",
    ],
    suits=[
        "Suits {user} giving outdoor timber a spring refresh.",
        "A sensible choice for {user} who want outdoor wood to last longer.",
        "Ideal for {user} brightening up tired garden timber.",
    ],
)

BRUSHES = ProductType(
    "Brushes & Rollers",
    "BRR",
    8,
    (4, 29),
    names=["{brand} {grade} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "grade": [("Pro", 1.3), ("Everyday", 0.8), ("Synthetic Blend", 1.0), ("No-Loss", 1.1)],
        "kind": [
            ("5 Piece Paint Brush Set", 1.0, {"use": "cutting in and woodwork"}),
            ("9in Roller Kit", 1.0, {"use": "rolling walls and ceilings"}),
            ("4in Mini Roller Set", 0.7, {"use": "small areas and radiators"}),
            ("2in Angled Sash Brush", 0.5, {"use": "window frames and edges"}),
            ("Paint Pad Set", 0.8, {"use": "smooth walls and fences"}),
        ],
    },
    openers=[
        "The {name} is a decorating tool set for {use}.",
        "This paint applicator from {brand} gives an even finish on {use}.",
        "Apply paint cleanly with the {name}, designed for {use}.",
    ],
    details=[
        "Tapered synthetic filaments hold plenty of paint and release it without drips.",
        "It works with water- and solvent-based paints and washes out easily.",
        "Bristles are securely set in a stainless ferrule, so they do not shed on the wall.",
    ],
    suits=[
        "Handy for {user} starting a new room.",
        "A quality upgrade for {user} who want a professional finish.",
        "Suits {user} tackling painting jobs big and small.",
    ],
)

WALLPAPER = ProductType(
    "Wallpaper & Adhesives",
    "WLP",
    8,
    (6, 39),
    names=["{brand} {pattern} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "pattern": [
            "Botanical Trail",
            "Herringbone",
            "Art Deco Fan",
            "Linen Texture",
            "Woodland Birds",
            "Geometric Tile",
            "Heritage Damask",
        ],
        "kind": [
            ("Paste The Wall Wallpaper", 1.0, {"what": "a non-woven wallpaper"}),
            ("Vinyl Wallpaper", 1.1, {"what": "a wipeable vinyl wallpaper"}),
            ("Wallpaper Mural", 1.6, {"what": "a large-scale feature mural"}),
        ],
        "colour": ["sage", "navy", "blush pink", "ochre", "charcoal", "cream"],
    },
    openers=[
        "The {name} is {what} with a {colour} colourway.",
        "This {pattern} design from {brand} is {what} that adds character to walls.",
        "Create a feature wall with the {name}, {what} in {colour} tones.",
    ],
    details=[
        "Rolls are 10m by 53cm with a 64cm pattern repeat and are easy to strip later.",
        "It hangs with ready-mixed paste and the print is colourfast and wipeable.",
        "Each roll covers about 5 square metres and matches easily at the seams.",
    ],
    suits=[
        "Ideal for {user} adding pattern to bedrooms and living rooms.",
        "Suits {user} looking for an affordable feature wall.",
        "A stylish pick for {user} who want to make a statement.",
    ],
)

PREP = ProductType(
    "Decorating Prep & Fillers",
    "PRP",
    8,
    (3, 25),
    names=["{brand} {tag} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "kind": [
            ("Ready Mixed Filler 600g", 0.8, {"use": "filling cracks and holes in walls"}),
            ("Flexible Decorators Caulk", 0.6, {"use": "sealing gaps around skirting"}),
            ("Masking Tape 3 Pack", 0.6, {"use": "masking clean paint lines"}),
            ("Dust Sheet 12ft x 9ft", 0.7, {"use": "protecting floors and furniture"}),
            ("Stain Block Primer 1L", 1.2, {"use": "covering water and smoke stains"}),
            ("Sugar Soap Wipes 50 Pack", 0.6, {"use": "cleaning walls before painting"}),
        ],
        "tag": ["Pro", "Easy", "Smooth", "Trade"],
    },
    openers=[
        "The {name} is a decorating essential for {use}.",
        "This product from {brand} makes {use} quick and mess free.",
        "Get surfaces ready with the {name}, designed for {use}.",
    ],
    details=[
        "It is easy to apply, dries quickly and gives a clean base for a smooth finish.",
        "Low odour and simple to use, it saves time before the first coat goes on.",
        "Good preparation means a longer-lasting finish, and this takes the hard work out of it.",
    ],
    suits=[
        "Suits {user} preparing rooms for redecoration.",
        "A must-have for {user} who want neat, professional results.",
        "Ideal for {user} keeping a decorating kit topped up.",
    ],
)

CATEGORIES = [
    Category(
        "Paint & Decorating",
        "PD",
        "Paints, wood finishes, wallpaper and the tools to prepare and decorate any room.",
        [EMULSION, GLOSS, WOOD_CARE, BRUSHES, WALLPAPER, PREP],
    )
]
