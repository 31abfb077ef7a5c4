"""Static data the fictional business world is drawn from: places, trades, names, words.

Everything here is plain data. The generator in ``dataset.py`` combines it with a
seeded random stream, so changing a list changes the data set for every query.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    name: str
    state: str  # two-letter code
    state_name: str
    area_codes: tuple[str, ...]  # real area codes for the city; phone lines are 555-01xx
    latitude: float
    longitude: float
    zip_prefix: str  # first three digits of the city's ZIP codes
    # Half the height and width of the city's Places viewport, in degrees.
    viewport_half_lat: float = 0.12
    viewport_half_lng: float = 0.14
    country: str = "US"  # ISO 3166-1 alpha-2; outside the US see locales.py
    aliases: tuple[str, ...] = ()  # other names a user types ("東京", "sao paulo"), lower case


@dataclass(frozen=True)
class Trade:
    keyword: str  # canonical search keyword, e.g. "plumber"
    name_noun: str  # how businesses of the trade name themselves: "Plumbing"
    primary_type: str  # Google Places primaryType
    schema_org_type: str  # schema.org @type used in the sites' JSON-LD
    craft_title: str  # second half of "Owner & Master Plumber"
    craft_activity: str  # "fixing pipes", for prose about the owner
    services: tuple[str, ...]


CITIES: dict[str, City] = {
    city.name.lower() + " " + city.state.lower(): city
    for city in (
        City("Austin", "TX", "Texas", ("512", "737"), 30.2672, -97.7431, "787", 0.2091, 0.1885),
        City("Round Rock", "TX", "Texas", ("512",), 30.5083, -97.6789, "786"),
        City("Dallas", "TX", "Texas", ("214", "469"), 32.7767, -96.7970, "752"),
        City("Houston", "TX", "Texas", ("713", "832"), 29.7604, -95.3698, "770", 0.27, 0.33),
        City("Denver", "CO", "Colorado", ("303", "720"), 39.7392, -104.9903, "802"),
        City("Portland", "OR", "Oregon", ("503", "971"), 45.5152, -122.6784, "972"),
        City("Springfield", "IL", "Illinois", ("217",), 39.7817, -89.6501, "627"),
        City("Chicago", "IL", "Illinois", ("312", "773"), 41.8781, -87.6298, "606"),
        City("Seattle", "WA", "Washington", ("206",), 47.6062, -122.3321, "981"),
        City("New York", "NY", "New York", ("212", "646"), 40.7128, -74.0060, "100", 0.2, 0.23),
        City("Los Angeles", "CA", "California", ("213", "323"), 34.0522, -118.2437, "900"),
        City("San Francisco", "CA", "California", ("415",), 37.7749, -122.4194, "941"),
        City("San Diego", "CA", "California", ("619", "858"), 32.7157, -117.1611, "921"),
        City("Boston", "MA", "Massachusetts", ("617",), 42.3601, -71.0589, "021"),
        City("Miami", "FL", "Florida", ("305", "786"), 25.7617, -80.1918, "331"),
        City("Phoenix", "AZ", "Arizona", ("602",), 33.4484, -112.0740, "850"),
        City("Atlanta", "GA", "Georgia", ("404", "678"), 33.7490, -84.3880, "303"),
        City("Nashville", "TN", "Tennessee", ("615",), 36.1627, -86.7816, "372"),
        City("Minneapolis", "MN", "Minnesota", ("612",), 44.9778, -93.2650, "554"),
        City("Philadelphia", "PA", "Pennsylvania", ("215", "267"), 39.9526, -75.1652, "191"),
    )
}

# Cities outside the US (their businesses, streets and words are in locales.py), keyed by
# their name in lower case: they have no state; `state_name` is the region Google names.
# `area_codes` holds the city's trunk code without its 0 (unused: locales.py draws the lines),
# `zip_prefix` the first digits of its postal codes.
INTERNATIONAL_CITIES: dict[str, City] = {
    city.name.lower(): city
    for city in (
        City("Berlin", "", "Berlin", ("30",), 52.52, 13.405, "1", 0.1686, 0.3364, "DE"),
        City(
            "Lyon", "", "Auvergne-Rhône-Alpes", ("4",), 45.764, 4.8357, "69", 0.0505, 0.0633, "FR"
        ),
        City(
            "Madrid",
            "",
            "Comunidad de Madrid",
            ("91",),
            40.4168,
            -3.7038,
            "28",
            0.1259,
            0.185,
            "ES",
        ),
        City(
            "Tokyo",
            "",
            "東京都",
            ("3",),
            35.6764,
            139.65,
            "1",
            0.16,
            0.18,
            "JP",
            aliases=("東京", "東京都", "tokyo-to", "tōkyō", "tokyo japan"),
        ),
        City(
            "São Paulo",
            "",
            "São Paulo",
            ("11",),
            -23.5558,
            -46.6396,
            "0",
            0.22,
            0.24,
            "BR",
            aliases=("sao paulo", "são paulo sp", "sao paulo sp", "são paulo - sp", "sampa"),
        ),
    )
}
# Every city the world knows (CITIES stays the US list: the benchmarks draw from it).
ALL_CITIES: dict[str, City] = {**CITIES, **INTERNATIONAL_CITIES}

# One real area code per state, for "keyword in Some Town, ST" queries outside CITIES.
STATE_AREA_CODES: dict[str, tuple[str, str]] = {
    "AL": ("Alabama", "205"),
    "AK": ("Alaska", "907"),
    "AZ": ("Arizona", "602"),
    "AR": ("Arkansas", "501"),
    "CA": ("California", "213"),
    "CO": ("Colorado", "303"),
    "CT": ("Connecticut", "203"),
    "DE": ("Delaware", "302"),
    "DC": ("District of Columbia", "202"),
    "FL": ("Florida", "305"),
    "GA": ("Georgia", "404"),
    "HI": ("Hawaii", "808"),
    "ID": ("Idaho", "208"),
    "IL": ("Illinois", "217"),
    "IN": ("Indiana", "317"),
    "IA": ("Iowa", "515"),
    "KS": ("Kansas", "316"),
    "KY": ("Kentucky", "502"),
    "LA": ("Louisiana", "504"),
    "ME": ("Maine", "207"),
    "MD": ("Maryland", "410"),
    "MA": ("Massachusetts", "617"),
    "MI": ("Michigan", "313"),
    "MN": ("Minnesota", "612"),
    "MS": ("Mississippi", "601"),
    "MO": ("Missouri", "314"),
    "MT": ("Montana", "406"),
    "NE": ("Nebraska", "402"),
    "NV": ("Nevada", "702"),
    "NH": ("New Hampshire", "603"),
    "NJ": ("New Jersey", "201"),
    "NM": ("New Mexico", "505"),
    "NY": ("New York", "212"),
    "NC": ("North Carolina", "704"),
    "ND": ("North Dakota", "701"),
    "OH": ("Ohio", "216"),
    "OK": ("Oklahoma", "405"),
    "OR": ("Oregon", "503"),
    "PA": ("Pennsylvania", "215"),
    "RI": ("Rhode Island", "401"),
    "SC": ("South Carolina", "803"),
    "SD": ("South Dakota", "605"),
    "TN": ("Tennessee", "615"),
    "TX": ("Texas", "512"),
    "UT": ("Utah", "801"),
    "VT": ("Vermont", "802"),
    "VA": ("Virginia", "804"),
    "WA": ("Washington", "206"),
    "WV": ("West Virginia", "304"),
    "WI": ("Wisconsin", "414"),
    "WY": ("Wyoming", "307"),
}
DEFAULT_AREA_CODE = "212"

TRADES: dict[str, Trade] = {
    trade.keyword: trade
    for trade in (
        Trade(
            "plumber",
            "Plumbing",
            "plumber",
            "Plumber",
            "Master Plumber",
            "fixing pipes",
            (
                "Emergency plumbing repair",
                "Drain cleaning",
                "Water heater installation",
                "Leak detection",
                "Sewer line repair",
                "Repiping",
                "Fixture installation",
                "Gas line service",
            ),
        ),
        Trade(
            "electrician",
            "Electric",
            "electrician",
            "Electrician",
            "Master Electrician",
            "wiring homes",
            (
                "Panel upgrades",
                "Lighting installation",
                "EV charger installation",
                "Electrical inspections",
                "Generator installation",
                "Rewiring",
                "Ceiling fan installation",
                "Surge protection",
            ),
        ),
        Trade(
            "dentist",
            "Dental",
            "dentist",
            "Dentist",
            "Lead Dentist",
            "caring for smiles",
            (
                "Dental cleanings",
                "Teeth whitening",
                "Dental implants",
                "Invisalign",
                "Root canal therapy",
                "Crowns and bridges",
                "Pediatric dentistry",
                "Emergency dental care",
            ),
        ),
        Trade(
            "roofer",
            "Roofing",
            "roofing_contractor",
            "RoofingContractor",
            "Roofing Contractor",
            "fixing roofs",
            (
                "Roof replacement",
                "Roof repair",
                "Storm damage inspection",
                "Gutter installation",
                "Metal roofing",
                "Shingle roofing",
                "Skylight installation",
                "Insurance claim assistance",
            ),
        ),
        Trade(
            "bakery",
            "Bakery",
            "bakery",
            "Bakery",
            "Head Baker",
            "baking bread",
            (
                "Sourdough bread",
                "Custom cakes",
                "Pastries",
                "Wedding cakes",
                "Gluten-free baking",
                "Catering trays",
                "Cookies",
                "Morning coffee",
            ),
        ),
        Trade(
            "restaurant",
            "Kitchen",
            "restaurant",
            "Restaurant",
            "Head Chef",
            "cooking for neighbours",
            (
                "Dine-in",
                "Takeout",
                "Catering",
                "Private events",
                "Weekend brunch",
                "Happy hour",
                "Delivery",
                "Seasonal menu",
            ),
        ),
        Trade(
            "lawyer",
            "Law",
            "lawyer",
            "LegalService",
            "Managing Attorney",
            "representing clients",
            (
                "Personal injury",
                "Estate planning",
                "Family law",
                "Business formation",
                "Real estate closings",
                "Criminal defense",
                "Wills and trusts",
                "Contract review",
            ),
        ),
        Trade(
            "hvac",
            "Heating & Air",
            "general_contractor",
            "HVACBusiness",
            "HVAC Technician",
            "keeping homes comfortable",
            (
                "AC repair",
                "Furnace installation",
                "Duct cleaning",
                "Heat pump service",
                "Thermostat installation",
                "Maintenance plans",
                "Indoor air quality",
                "Emergency HVAC service",
            ),
        ),
        Trade(
            "locksmith",
            "Lock & Key",
            "locksmith",
            "Locksmith",
            "Master Locksmith",
            "opening doors",
            (
                "Lockout service",
                "Rekeying",
                "Lock installation",
                "Car key replacement",
                "Safe opening",
                "Access control",
                "Master key systems",
                "Smart lock installation",
            ),
        ),
        Trade(
            "painter",
            "Painting",
            "painter",
            "HousePainter",
            "Lead Painter",
            "painting houses",
            (
                "Interior painting",
                "Exterior painting",
                "Cabinet refinishing",
                "Drywall repair",
                "Deck staining",
                "Commercial painting",
                "Color consultation",
                "Wallpaper removal",
            ),
        ),
    )
}

# Search phrasing that means a known trade.
KEYWORD_ALIASES: dict[str, str] = {
    "plumbers": "plumber",
    "plumbing": "plumber",
    "electricians": "electrician",
    "electrical contractor": "electrician",
    "dentists": "dentist",
    "dental clinic": "dentist",
    "roofers": "roofer",
    "roofing": "roofer",
    "roofing contractor": "roofer",
    "bakeries": "bakery",
    "restaurants": "restaurant",
    "lawyers": "lawyer",
    "attorney": "lawyer",
    "hvac contractor": "hvac",
    "locksmiths": "locksmith",
    "painters": "painter",
}

FIRST_NAMES: tuple[str, ...] = (
    "Maria",
    "Dan",
    "Jane",
    "Tom",
    "Carlos",
    "Priya",
    "Marcus",
    "Elena",
    "Hank",
    "Grace",
    "Luis",
    "Aisha",
    "Ben",
    "Rosa",
    "Kevin",
    "Nora",
    "Omar",
    "Sofia",
    "Derek",
    "Helen",
    "Victor",
    "Mei",
    "Travis",
    "Leah",
    "Frank",
    "Yolanda",
    "Gavin",
    "Irene",
    "Sam",
    "Tessa",
    "Wade",
    "Camila",
    "Russell",
    "Dana",
    "Jorge",
    "Kira",
    "Malcolm",
    "Paula",
    "Eddie",
    "Ruth",
)

LAST_NAMES: tuple[str, ...] = (
    "Lopez",
    "Smith",
    "Doe",
    "Baker",
    "Garcia",
    "Patel",
    "Johnson",
    "Novak",
    "Whitfield",
    "Okafor",
    "Brennan",
    "Castillo",
    "Nguyen",
    "Haskins",
    "Moreau",
    "Lindqvist",
    "Delgado",
    "Kowalski",
    "Abernathy",
    "Tanaka",
    "Rutherford",
    "Mendoza",
    "Fairbanks",
    "Osei",
    "Holloway",
    "Varga",
    "Quintero",
    "Sorensen",
    "McAllister",
    "Beaumont",
    "Ramirez",
    "Ellison",
    "Kaminski",
    "Vance",
    "Albright",
    "Petrov",
    "Sutherland",
    "Ibarra",
    "Whitaker",
    "Fontaine",
    "Gallagher",
    "Reyes",
    "Hartley",
    "Lindgren",
    "Caldwell",
    "Navarro",
    "Pennington",
    "Stroud",
)

# Adjectives and place-ish words that make business names.
NAME_WORDS: tuple[str, ...] = (
    "Reliable",
    "Precision",
    "Summit",
    "Blue Ribbon",
    "Evergreen",
    "Capitol",
    "Hometown",
    "Bright",
    "Ironclad",
    "Golden",
    "Keystone",
    "Pioneer",
    "Northside",
    "Eastside",
    "Heritage",
    "Prime",
    "Liberty",
    "Cornerstone",
    "Red Oak",
    "Silver Creek",
    "Clearwater",
    "True North",
    "Anchor",
    "Beacon",
    "Canyon",
    "Copper",
    "Falcon",
    "Harbor",
    "Maple",
    "Oakwood",
    "Pinnacle",
    "Riverbend",
    "Sunrise",
    "Timberline",
    "Willow",
    "Granite",
    "Lighthouse",
    "Bluebonnet",
    "Cedar",
    "Patriot",
)

# Business name shapes; {word}, {last}, {first}, {noun}, {city} are filled in.
NAME_TEMPLATES: tuple[str, ...] = (
    "{last} {noun}",
    "{last} & Sons {noun}",
    "{word} {noun}",
    "{city} {noun} Co.",
    "{first}'s {noun}",
    "{word} {noun} of {city}",
    "{last} {noun} Services",
    "{word} {last} {noun}",
    "{last} Brothers {noun}",
    "{word} {noun} Group",
)

OWNER_TITLES: tuple[str, ...] = ("Owner", "Founder", "Managing Director", "President")

STREET_NAMES: tuple[str, ...] = (
    "Oak St",
    "Congress Ave",
    "Lamar Blvd",
    "Main St",
    "Elm St",
    "Cedar Ln",
    "Maple Ave",
    "Riverside Dr",
    "Commerce St",
    "Park Ave",
    "Hillcrest Rd",
    "Industrial Blvd",
    "Sunset Blvd",
    "Lakeview Dr",
    "Washington Ave",
    "Mill Rd",
    "Pecan St",
    "Broadway",
    "Market St",
    "Willow Way",
)

EMAIL_LOCAL_PARTS: tuple[str, ...] = ("info", "contact", "hello", "office", "service", "{first}")

REVIEW_TEXTS: dict[str, tuple[str, ...]] = {
    "good": (
        "Showed up on time, explained everything and the price matched the quote.",
        "Friendly team and great work. We will call them again.",
        "Fast, honest and tidy. {first} even followed up the next day to check on us.",
        "Best in town. Fair prices and real craftsmanship.",
    ),
    "mixed": (
        "Good work in the end, but it took two visits and scheduling was a hassle.",
        "Decent service, a bit pricey compared with the quote we got elsewhere.",
    ),
    "bad": (
        "Never called back after the first visit. Disappointed.",
        "Arrived three hours late and left a mess.",
    ),
}

REVIEW_TIMES: tuple[tuple[str, str], ...] = (
    ("2025-09-14T16:02:11Z", "a month ago"),
    ("2025-06-03T09:45:30Z", "4 months ago"),
    ("2025-01-22T18:12:05Z", "9 months ago"),
    ("2024-08-30T12:00:41Z", "a year ago"),
    ("2023-11-11T08:30:00Z", "2 years ago"),
)

SOCIAL_PLATFORMS: tuple[str, ...] = (
    "facebook",
    "instagram",
    "linkedin",
    "x",
    "youtube",
    "tiktok",
)
