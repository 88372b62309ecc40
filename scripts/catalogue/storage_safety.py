"""Storage & Organisation, and Safety & Workwear."""

from __future__ import annotations

from catalogue.engine import Category, ProductType

STORE_BRANDS = ["Stackwise", "Boxhaven", "Rackwell", "Tidyworks"]
SAFE_BRANDS = ["Guardline", "Hardwear", "Sentinel Work", "Fieldsafe"]
USERS = ["home owners", "tradespeople", "DIYers", "hobbyists", "landlords"]

SHELVING = ProductType(
    "Shelving Units",
    "SHF",
    7,
    (19, 149),
    names=["{brand} {size} {kind}"],
    attrs={
        "brand": STORE_BRANDS,
        "user": USERS,
        "size": [
            ("5 Tier", 1.0, {"load": "175kg per shelf"}),
            ("4 Tier", 0.85, {"load": "150kg per shelf"}),
            ("3 Tier", 0.7, {"load": "100kg per shelf"}),
        ],
        "kind": [
            ("Boltless Steel Shelving Unit", 1.0, {"what": "a boltless steel rack"}),
            ("Plastic Shelving Unit", 0.6, {"what": "a lightweight plastic rack"}),
            ("Wooden Shelving Unit", 1.1, {"what": "a solid pine shelf unit"}),
            ("Garage Racking Unit", 1.3, {"what": "a heavy duty garage rack"}),
        ],
    },
    openers=[
        "The {name} is {what} for garages, sheds and utility rooms.",
        "This shelving from {brand} is {what} rated to {load}.",
        "Clear the floor with the {name}, {what} that assembles without tools.",
    ],
    details=[
        "Shelves hold up to {load} and adjust in height to fit tall items.",
        "It slots together in minutes with no bolts and stands firm on uneven floors.",
        "Moisture-resistant shelves and a powder-coated frame resist rust.",
    ],
    suits=[
        "Suits {user} organising garages and lofts.",
        "A sturdy choice for {user} storing heavy boxes.",
        "Ideal for {user} making the most of spare space.",
    ],
)

TOOL_STORAGE = ProductType(
    "Tool Boxes & Chests",
    "TBX",
    7,
    (9, 249),
    names=["{brand} {kind}"],
    attrs={
        "brand": STORE_BRANDS,
        "user": USERS,
        "kind": [
            ("19in Plastic Tool Box", 0.5, {"what": "a cantilever tool box"}),
            ("Rolling Tool Chest 7 Drawer", 2.5, {"what": "a wheeled drawer chest"}),
            ("Stackable Tool Case System", 1.5, {"what": "stacking carry cases"}),
            ("Tool Bag 20in", 0.6, {"what": "a wide-mouth tool bag"}),
            ("Small Parts Organiser", 0.4, {"what": "a parts organiser"}),
        ],
        "colour": ["black and yellow", "grey and red", "blue", "orange"],
    },
    openers=[
        "The {name} is {what} that keeps tools and fixings organised.",
        "This {colour} storage from {brand} is {what} for carrying kit to the job.",
        "Find the right tool fast with the {name}, {what}.",
    ],
    details=[
        "Metal latches, a sturdy handle and removable trays keep contents secure.",
        "It is made from impact-resistant polypropylene with reinforced corners.",
        "Dividers and compartments keep small parts sorted.",
    ],
    suits=[
        "Suits {user} who keep their kit tidy.",
        "A robust option for {user} moving between jobs.",
        "Ideal for {user} organising a workshop.",
    ],
)

BOXES = ProductType(
    "Storage Boxes",
    "BOX",
    8,
    (4, 45),
    names=["{brand} {size} {kind} {pack}"],
    attrs={
        "brand": STORE_BRANDS,
        "user": USERS,
        "size": [("24L", 0.7), ("45L", 1.0), ("60L", 1.2), ("80L", 1.4)],
        "kind": [
            ("Clear Storage Box", 1.0),
            ("Heavy Duty Crate", 1.3),
            ("Underbed Storage Box", 0.9),
            ("Wheeled Storage Box", 1.2),
        ],
        "pack": [("Single", 0.5), ("3 Pack", 1.0), ("5 Pack", 1.5)],
        "room": ["lofts", "under beds", "garages", "cupboards"],
    },
    openers=[
        "The {name} stores belongings safely in {room}.",
        "These {size} boxes from {brand} stack neatly in {room}.",
        "Declutter with the {name}, which keep things dust free.",
    ],
    details=[
        "Clip-on lids seal out dust and the boxes nest when empty.",
        "Tough polypropylene stands up to heavy contents and cold lofts.",
        "Lids are stackable and the clear sides make contents easy to find.",
    ],
    suits=[
        "Suits {user} clearing out lofts and cupboards.",
        "A handy pick for {user} moving home.",
        "Ideal for {user} storing seasonal items.",
    ],
)

WALL_STORAGE = ProductType(
    "Garage Wall Storage",
    "GWS",
    7,
    (5, 79),
    names=["{brand} {kind}"],
    attrs={
        "brand": STORE_BRANDS,
        "user": USERS,
        "kind": [
            ("Pegboard Kit 120cm", 1.0, {"what": "a pegboard with hooks"}),
            ("Wall Hook Set 10 Piece", 0.5, {"what": "a set of storage hooks"}),
            ("Bike Wall Bracket", 0.4, {"what": "a bike hanging bracket"}),
            ("Slatwall Panel Kit", 1.6, {"what": "a slatwall panel system"}),
            ("Ceiling Storage Rack", 1.5, {"what": "an overhead ceiling rack"}),
        ],
        "finish": ["black", "galvanised", "grey"],
    },
    openers=[
        "The {name} is {what} that gets tools and bikes off the floor.",
        "This {finish} wall storage from {brand} is {what} for garages and sheds.",
        "Free up floor space with the {name}, {what}.",
    ],
    details=[
        "Heavy gauge steel carries ladders, hoses and long-handled tools.",
        "Fixings are supplied for brick, block and timber walls.",
        "It is modular, so it expands as storage needs grow.",
    ],
    suits=[
        "Suits {user} reclaiming the garage.",
        "A space-saving choice for {user} with busy sheds.",
        "Ideal for {user} parking a car in the garage again.",
    ],
)

GLOVES = ProductType(
    "Work Gloves",
    "GLV",
    6,
    (3, 25),
    names=["{brand} {kind} {size}"],
    attrs={
        "brand": SAFE_BRANDS,
        "user": USERS,
        "size": ["Medium", "Large", "X-Large"],
        "kind": [
            ("Nitrile Grip Gloves 5 Pack", 1.0, {"what": "general handling"}),
            ("Cut Resistant Level C Gloves", 1.2, {"what": "handling sheet metal and glass"}),
            ("Leather Rigger Gloves", 0.9, {"what": "heavy lifting"}),
            ("Thermal Winter Work Gloves", 1.0, {"what": "outdoor work in the cold"}),
        ],
    },
    openers=[
        "The {name} protect hands during {what}.",
        "These work gloves from {brand} are made for {what}.",
        "Keep hands safe with the {name}, designed for {what}.",
    ],
    details=[
        "They keep dexterity high with a breathable back and a grippy palm.",
        "They are tested to EN 388 for abrasion, tear and puncture resistance.",
        "A knitted cuff keeps out debris and they are machine washable.",
    ],
    suits=[
        "Suits {user} on site or at home.",
        "A comfortable everyday choice for {user}.",
        "Ideal for {user} who wear gloves all day.",
    ],
)

PPE = ProductType(
    "Eye, Ear & Dust Protection",
    "PPE",
    7,
    (2, 39),
    names=["{brand} {grade} {kind}"],
    attrs={
        "brand": SAFE_BRANDS,
        "user": USERS,
        "kind": [
            ("Safety Glasses Clear 3 Pack", 0.6, {"what": "protecting eyes from debris"}),
            ("Anti-Fog Safety Goggles", 0.7, {"what": "full eye protection"}),
            ("Ear Defenders SNR 30dB", 1.0, {"what": "blocking noisy machinery"}),
            ("FFP3 Dust Masks 10 Pack", 1.3, {"what": "filtering fine dust"}),
            ("Half Mask Respirator", 2.0, {"what": "dust and vapour protection"}),
        ],
        "grade": ["Pro", "Comfort", "Site", "Lite"],
    },
    openers=[
        "The {name} is designed for {what}.",
        "This protective gear from {brand} is made for {what}.",
        "Stay safe on the job with the {name}, made for {what}.",
    ],
    details=[
        "It meets the relevant EN safety standards and is comfortable for long wear.",
        "Lightweight materials and adjustable straps give a secure, comfortable fit.",
        "It fits alongside other protective gear without gaps or pressure points.",
    ],
    suits=[
        "Suits {user} on dusty or noisy jobs.",
        "An essential for {user} in the workshop.",
        "Ideal for {user} putting safety first.",
    ],
)

WORKWEAR = ProductType(
    "Workwear & Safety Boots",
    "WKW",
    7,
    (9, 89),
    names=["{brand} {kind}"],
    attrs={
        "brand": SAFE_BRANDS,
        "user": USERS,
        "shoe": ["7", "8", "9", "10", "11"],
        "garm": ["M", "L", "XL"],
        "kind": [
            ("S3 Safety Boots Size {shoe}", 2.0, {"what": "a pair of steel toe-cap safety boots"}),
            ("Safety Trainers Size {shoe}", 1.5, {"what": "a pair of composite toe-cap trainers"}),
            ("Hi-Vis Vest Size {garm}", 0.3, {"what": "a high visibility vest"}),
            ("Holster Pocket Work Trousers Size {garm}", 1.2, {"what": "knee-pad trousers"}),
            ("Softshell Work Jacket Size {garm}", 1.5, {"what": "a water-resistant work jacket"}),
        ],
    },
    openers=[
        "The {name} is {what} built for long days on site.",
        "This workwear from {brand} is {what} that is tough and comfortable.",
        "Work comfortably with the {name}, {what} made to last.",
    ],
    details=[
        "Reinforced stitching and durable fabric stand up to hard wear.",
        "It meets the relevant EN ISO standard and is easy to wash.",
        "Plenty of pockets, padding and a comfortable fit help all day.",
    ],
    suits=[
        "Suits {user} working on site or in the garden.",
        "A dependable choice for {user}.",
        "Ideal for {user} who need comfort and protection.",
    ],
)

CATEGORIES = [
    Category(
        "Storage & Organisation",
        "SO",
        "Shelving, tool storage, storage boxes and wall systems to organise homes and garages.",
        [SHELVING, TOOL_STORAGE, BOXES, WALL_STORAGE],
    ),
    Category(
        "Safety & Workwear",
        "SW",
        "Gloves, eye, ear and dust protection, workwear and safety footwear.",
        [GLOVES, PPE, WORKWEAR],
    ),
]
