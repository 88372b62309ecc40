"""Power Tools: drills, drivers, saws, sanders and grinders."""

from __future__ import annotations

from catalogue.engine import Category, ProductType

BRANDS = ["Voltara", "Torvik", "Hexmoor", "Brakka"]
USERS = ["DIYers", "keen home improvers", "tradespeople", "first-time homeowners", "site joiners"]

CORDLESS = [
    ("12V", 0.6, {"torque": "38Nm", "chuck": "10mm"}),
    ("18V", 1.0, {"torque": "65Nm", "chuck": "13mm"}),
    ("18V", 1.1, {"torque": "85Nm", "chuck": "13mm"}),
    ("20V", 1.15, {"torque": "95Nm", "chuck": "13mm"}),
    ("36V", 1.6, {"torque": "130Nm", "chuck": "13mm all-metal"}),
]
MOTOR = [
    ("Brushless", 1.25, {"motor_desc": "its brushless motor runs cooler and longer per charge"}),
    ("Compact", 0.9, {"motor_desc": "a short, lightweight body fits between joists and studs"}),
    ("Heavy Duty", 1.2, {"motor_desc": "a metal gearbox and rubber overmould survive site use"}),
]
KIT = [
    ("", 0.75, {"kit_desc": "sold as a body-only tool for existing battery owners"}),
    (" Kit", 1.2, {"kit_desc": "supplied with two 2.0Ah batteries, a charger and a carry case"}),
    (" Twin 4.0Ah Kit", 1.45, {"kit_desc": "supplied with two 4.0Ah batteries and a fast charger"}),
]

DRILLS = ProductType(
    "Cordless Drills",
    "DRL",
    12,
    (49, 249),
    names=["{brand} {volt} {motor} {kind}{kit}"],
    attrs={
        "brand": BRANDS,
        "volt": CORDLESS,
        "motor": MOTOR,
        "kit": KIT,
        "user": USERS,
        "kind": [
            ("Combi Drill", 1.0, {"kind_lc": "combi drill", "mode": "a hammer setting for brick"}),
            ("Hammer Drill", 1.1, {"kind_lc": "hammer drill", "mode": "a hard-hitting hammer"}),
            ("SDS+ Drill", 1.3, {"kind_lc": "SDS+ drill", "mode": "an SDS+ chuck for concrete"}),
        ],
    },
    openers=[
        "The {name} is a cordless {kind_lc} that bores through hardwood, brick and masonry.",
        "This {volt} {kind_lc} from {brand} drills hardwood, softwood, masonry and metal "
        "with up to {torque} of torque.",
        "Drill clean holes in oak, blockwork and steel with the {name}, a cordless {kind_lc} "
        "with {mode}.",
    ],
    details=[
        "It has a {chuck} keyless chuck and {torque} of torque; {motor_desc}.",
        "A {chuck} keyless chuck grips bits firmly and {motor_desc}; it is {kit_desc}.",
        "Specs: {torque} torque, {chuck} chuck, 2-speed gearbox and LED light; {kit_desc}.",
    ],
    suits=[
        "Ideal for {user} fixing shelves, curtain poles and brackets to masonry walls.",
        "A dependable choice for {user} drilling into hard wood, brick and concrete.",
        "Well suited to {user} who want one battery drill for wood, masonry and metal.",
    ],
)

IMPACT = ProductType(
    "Impact Drivers",
    "IMP",
    8,
    (45, 199),
    names=["{brand} {volt} {motor} Impact Driver{kit}"],
    attrs={
        "brand": BRANDS,
        "volt": CORDLESS,
        "motor": MOTOR,
        "kit": KIT,
        "user": USERS,
        "speed": ["2,800rpm", "3,200rpm", "3,400rpm"],
    },
    openers=[
        "The {name} drives long screws and bolts into timber without stripping heads.",
        "This {volt} impact driver from {brand} sinks decking screws and coach bolts at {speed}.",
        "Drive screws fast with the {name}, a cordless impact driver with a 1/4in hex chuck.",
    ],
    details=[
        "Rapid impacts deliver high fastening torque and {motor_desc}.",
        "A quick-release 1/4in hex chuck takes driver bits in seconds; it is {kit_desc}.",
        "It runs at up to {speed} with three speed modes, and {motor_desc}.",
    ],
    suits=[
        "Made for {user} building decks, fences, stud walls and garden structures.",
        "A strong partner for {user} assembling frames and fixing joists.",
        "Recommended for {user} driving hundreds of screws on a weekend project.",
    ],
)

CIRCULAR = ProductType(
    "Circular Saws",
    "CIR",
    8,
    (59, 279),
    names=["{brand} {blade} {power} Circular Saw", "{brand} {power} {blade} Plunge Saw"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "blade": [
            ("165mm", 0.9, {"depth": "55mm"}),
            ("184mm", 1.0, {"depth": "62mm"}),
            ("190mm", 1.1, {"depth": "66mm"}),
            ("235mm", 1.4, {"depth": "85mm"}),
        ],
        "power": [("18V Cordless", 1.1), ("1200W", 0.8), ("1400W", 0.95), ("1800W", 1.2)],
    },
    openers=[
        "The {name} makes straight, fast rip and cross cuts in timber and sheet materials.",
        "This {blade} circular saw from {brand} cuts plywood, MDF, OSB and framing timber.",
        "Cut boards and worktops to size with the {name}, a saw taking a {blade} blade.",
    ],
    details=[
        "Cutting depth reaches {depth} at 90 degrees and the base bevels to 45 degrees.",
        "It has a {depth} maximum cut depth, a dust port and a spindle lock for blade changes.",
        "A riving knife, blade guard and {depth} cut depth make it safe for thick timber.",
    ],
    suits=[
        "A good fit for {user} cutting decking boards, studwork and flooring panels.",
        "Ideal for {user} breaking down full sheets of ply and chipboard.",
        "Recommended for {user} who want accurate straight cuts in wood.",
    ],
)

JIGSAWS = ProductType(
    "Jigsaws",
    "JIG",
    8,
    (35, 169),
    names=["{brand} {power} {style} Jigsaw"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "power": [("18V Cordless", 1.2), ("500W", 0.7), ("650W", 0.9), ("800W", 1.1)],
        "style": [("Top Handle", 1.0), ("Barrel Grip", 1.15), ("Pendulum", 1.05)],
        "stroke": ["18mm", "20mm", "26mm"],
    },
    openers=[
        "The {name} cuts curves, circles and shapes in wood, laminate and thin metal.",
        "This {style} jigsaw from {brand} makes scroll cuts and straight cuts in timber.",
        "Shape timber and sheet material with the {name}, a jigsaw with a {stroke} stroke.",
    ],
    details=[
        "Four-stage pendulum action speeds up cuts and the base tilts for 45-degree bevels.",
        "It has a tool-free blade clamp, variable speed and a {stroke} stroke length.",
        "A dust blower keeps the cut line clear and the shoe bevels to 45 degrees.",
    ],
    suits=[
        "Great for {user} cutting worktop sink holes, shelving and decorative shapes.",
        "A versatile saw for {user} working on furniture and craft projects.",
        "Suits {user} who need curved cuts that a straight saw cannot make.",
    ],
)

SANDERS = ProductType(
    "Sanders",
    "SND",
    8,
    (29, 189),
    names=["{brand} {power} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "power": [("18V Cordless", 1.2), ("220W", 0.6), ("300W", 0.8), ("750W", 1.4)],
        "kind": [
            ("Random Orbit Sander", 1.1, {"pad": "125mm hook-and-loop pad"}),
            ("Detail Sander", 0.7, {"pad": "triangular detail pad"}),
            ("Belt Sander", 1.3, {"pad": "75mm x 533mm belt"}),
            ("Sheet Sander", 0.85, {"pad": "1/3-sheet clamp pad"}),
        ],
    },
    openers=[
        "The {name} smooths rough timber and strips old varnish from doors and floors.",
        "This sander from {brand} levels joints and prepares bare wood for a fresh finish.",
        "Get a smooth surface with the {name}, which takes abrasive on a {pad}.",
    ],
    details=[
        "It uses a {pad} with variable speed and a micro-filter dust box.",
        "Low vibration, a soft grip and dust extraction make long sanding jobs easier.",
        "A {pad} and a vacuum port help keep dust off the workshop floor.",
    ],
    suits=[
        "Ideal for {user} restoring furniture, skirting boards and window frames.",
        "A handy sander for {user} preparing timber before oiling or staining.",
        "Suits {user} refinishing tabletops and doors.",
    ],
)

GRINDERS = ProductType(
    "Angle Grinders",
    "GRN",
    8,
    (35, 219),
    names=["{brand} {power} {disc} Angle Grinder"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "power": [("18V Cordless", 1.2), ("750W", 0.7), ("900W", 0.85), ("2200W", 1.5)],
        "disc": [("115mm", 0.9), ("125mm", 1.0), ("230mm", 1.4)],
    },
    openers=[
        "The {name} cuts and grinds steel, bolts, rebar and paving slabs.",
        "This {disc} angle grinder from {brand} cuts metal and grinds back welds and rust.",
        "Cut through steel bar, tiles and stone with the {name}, a grinder taking {disc} discs.",
    ],
    details=[
        "It takes {disc} discs, has a spindle lock and an adjustable guard.",
        "A side handle, soft start and {disc} disc capacity help keep the cut controlled.",
        "Anti-kickback protection and a paddle switch add safety; discs are {disc}.",
    ],
    suits=[
        "Made for {user} cutting metal, sharpening tools and removing rust.",
        "A tough grinder for {user} trimming bolts, slabs and steel sections.",
        "Suits {user} doing metalwork and landscaping jobs.",
    ],
)

CATEGORIES = [
    Category(
        "Power Tools",
        "PT",
        "Corded and cordless power tools for drilling, driving, cutting, sanding and grinding.",
        [DRILLS, IMPACT, CIRCULAR, JIGSAWS, SANDERS, GRINDERS],
    )
]
