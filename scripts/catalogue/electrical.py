"""Electrical: sockets and switches, extension leads, cable, testers and smart home."""

from __future__ import annotations

from catalogue.engine import Category, ProductType

BRANDS = ["Ampwell", "Voltline", "Brightcircuit", "Sparkhaven"]
USERS = ["qualified electricians", "home owners", "landlords", "renovators", "tech fans"]
FINISHES = ["White", "Brushed Steel", "Matt Black", "Polished Chrome", "Antique Brass"]

SOCKETS = ProductType(
    "Sockets & Switches",
    "SOC",
    9,
    (3, 29),
    names=["{brand} {finish} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "finish": FINISHES,
        "kind": [
            ("Double Socket", 1.0, {"what": "a 13A switched double socket"}),
            ("Double Socket with USB-C", 2.0, {"what": "a double socket with USB-C"}),
            ("1 Gang 2 Way Light Switch", 0.6, {"what": "a single light switch"}),
            ("3 Gang Light Switch", 0.9, {"what": "a triple light switch"}),
            ("Dimmer Switch", 1.4, {"what": "an LED-compatible dimmer"}),
        ],
    },
    openers=[
        "The {name} is {what} in a {finish} finish.",
        "This wiring accessory from {brand} is {what} to suit modern interiors.",
        "Update rooms with the {name}, {what} with a slim profile.",
    ],
    details=[
        "It fits standard 25mm back boxes and meets BS 1363 and BS EN 60669.",
        "Screwless front plates give a clean look and resist fingerprints.",
        "Clearly marked terminals and a solid build make fitting straightforward.",
    ],
    suits=[
        "Suits {user} refreshing sockets and switches during redecoration.",
        "A neat upgrade for {user}; installation should follow UK wiring regulations.",
        "Ideal for {user} matching fittings throughout the house.",
    ],
)

EXTENSIONS = ProductType(
    "Extension Leads",
    "EXT",
    7,
    (5, 49),
    names=["{brand} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "len": ["2m", "5m", "10m"],
        "kind": [
            ("4 Gang {len} Surge Protected Extension Lead", 1.0, {"use": "home offices"}),
            ("6 Gang {len} Extension Lead with USB", 1.2, {"use": "TV and media areas"}),
            ("25m Cable Reel", 2.0, {"use": "garden and workshop jobs"}),
            ("Outdoor IP44 Extension Lead {len}", 1.3, {"use": "patios and gardens"}),
            ("2 Gang {len} Extension Lead", 0.6, {"use": "bedsides and desks"}),
        ],
        "colour": ["white", "black", "grey"],
    },
    openers=[
        "The {name} adds extra power points for {use}.",
        "This {colour} extension lead from {brand} powers several devices in {use}.",
        "Power more appliances safely with the {name}, ideal for {use}.",
    ],
    details=[
        "It is rated at 13A with a fused plug, child-safe shutters and a tough casing.",
        "Built-in surge protection and an illuminated switch help protect electronics.",
        "A heavy duty cable resists kinks and the plug is moulded for strength.",
    ],
    suits=[
        "Suits {user} who need more sockets where they work.",
        "A practical buy for {user} setting up offices and workshops.",
        "Ideal for {user} who want tidy, safe power.",
    ],
)

CABLE = ProductType(
    "Cable & Wiring Accessories",
    "CBL",
    7,
    (3, 89),
    names=["{brand} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "kind": [
            ("2.5mm Twin & Earth Cable 50m", 3.0, {"use": "ring main socket circuits"}),
            ("1.5mm Twin & Earth Cable 50m", 2.2, {"use": "lighting circuits"}),
            ("Metal Back Box 35mm 5 Pack", 0.5, {"use": "flush socket fitting"}),
            ("Lever Wire Connectors 50 Pack", 0.8, {"use": "joining conductors"}),
            ("Cable Clips Assorted 200 Pack", 0.3, {"use": "securing cable runs"}),
            ("Mini Trunking 3m 4 Pack", 0.6, {"use": "surface cable runs"}),
        ],
        "grade": ["Trade", "Pro", "Standard"],
    },
    openers=[
        "The {name} is an essential part for {use}.",
        "This {grade} wiring product from {brand} is designed for {use}.",
        "Complete electrical work neatly with the {name}, made for {use}.",
    ],
    details=[
        "It is BASEC approved or made to the relevant British Standard.",
        "It is easy to strip, fix and terminate, saving time on every job.",
        "Quality materials ensure safe, reliable connections for years.",
    ],
    suits=[
        "Suits {user} carrying out electrical installation work.",
        "A staple for {user} wiring extensions and rewires.",
        "Ideal for {user} keeping supplies stocked.",
    ],
)

TESTERS = ProductType(
    "Electrical Testers",
    "TST",
    6,
    (6, 79),
    names=["{brand} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "kind": [
            ("Digital Multimeter", 1.0, {"job": "measuring voltage, current and resistance"}),
            ("Non Contact Voltage Tester", 0.5, {"job": "detecting live cables"}),
            ("Socket Tester", 0.4, {"job": "checking socket wiring"}),
            ("Cable and Stud Detector", 0.8, {"job": "finding hidden cables and joists"}),
            ("Clamp Meter", 1.5, {"job": "measuring current without disconnecting"}),
        ],
        "grade": ["Pro", "Compact", "Auto Range", "Essential"],
    },
    openers=[
        "The {name} is a test instrument for {job}.",
        "This {grade} tester from {brand} makes {job} quick and safe.",
        "Work safely with the {name}, designed for {job}.",
    ],
    details=[
        "A clear backlit display and audible alerts make readings easy.",
        "It is CAT III rated and supplied with batteries and a protective case.",
        "It is pocket sized with an auto power-off to save battery.",
    ],
    suits=[
        "Suits {user} checking circuits before work starts.",
        "An important safety tool for {user}.",
        "Ideal for {user} diagnosing electrical faults.",
    ],
)

SMART = ProductType(
    "Smart Home & Security",
    "SMH",
    7,
    (9, 149),
    names=["{brand} {grade} {kind}"],
    attrs={
        "brand": BRANDS,
        "user": USERS,
        "kind": [
            ("Video Doorbell", 1.5, {"job": "seeing who is at the door"}),
            ("Smart Plug 2 Pack", 0.4, {"job": "scheduling appliances"}),
            ("Wi-Fi Door Chime", 0.3, {"job": "hearing visitors anywhere"}),
            ("Outdoor Security Camera", 1.8, {"job": "monitoring the driveway"}),
            ("Smoke and Heat Alarm Kit", 0.8, {"job": "early fire warning"}),
            ("Smart Thermostat Hub", 2.0, {"job": "heating control by app"}),
        ],
        "grade": ["Plus", "Lite", "Pro", "Mini"],
    },
    openers=[
        "The {name} is a connected device for {job}.",
        "This smart device from {brand} is designed for {job}.",
        "Make home life easier with the {name}, built for {job}.",
    ],
    details=[
        "It connects to home Wi-Fi and works with popular voice assistants.",
        "Set-up takes minutes through the free app, with no subscription required.",
        "It runs on a rechargeable battery or mains power, with alerts sent to the phone.",
    ],
    suits=[
        "Suits {user} building a smarter, safer home.",
        "A good first smart device for {user}.",
        "Ideal for {user} who want peace of mind when away.",
    ],
)

CATEGORIES = [
    Category(
        "Electrical",
        "EL",
        "Sockets, switches, cable, extension leads, testers and smart home devices.",
        [SOCKETS, EXTENSIONS, CABLE, TESTERS, SMART],
    )
]
