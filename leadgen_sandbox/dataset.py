"""The deterministic world of fictional businesses the sandbox servers serve.

A search "keyword in location" maps to a *population*: an ordered list of businesses
for the canonical (keyword, city) pair. Business ``i`` of a population is drawn from a
random stream seeded by sha256 of (keyword, city, i), so it is the same in every
process, whatever else was generated before, and a bigger request for the same
population (``#bulk500``) extends the list without changing its head.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import random
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

import phonenumbers

from leadgen_sandbox.geography import PopulationGeography, Viewport, city_viewport
from leadgen_sandbox.locales import (
    JAPANESE_WORD_ROMAJI,
    LOCAL_QUERY_SIZES,
    LOCALES,
    PINNED_LOCAL_NAMES,
    PINNED_ROMAJI,
    Locale,
    LocalTrade,
    local_trades,
)
from leadgen_sandbox.world_data import (
    ALL_CITIES,
    CITIES,
    DEFAULT_AREA_CODE,
    EMAIL_LOCAL_PARTS,
    FIRST_NAMES,
    INTERNATIONAL_CITIES,
    KEYWORD_ALIASES,
    LAST_NAMES,
    NAME_TEMPLATES,
    NAME_WORDS,
    OWNER_TITLES,
    REVIEW_TEXTS,
    REVIEW_TIMES,
    SOCIAL_PLATFORMS,
    STATE_AREA_CODES,
    STREET_NAMES,
    TRADES,
    City,
    Trade,
)

DEFAULT_LOCATION_KEY = "austin tx"
BULK_TAG = re.compile(r"#bulk(\d+)", re.IGNORECASE)
BULK_MAX = 10_000
EXTRA_INDEX_BASE = 1_000_000
# How far past a city's viewport its businesses may lie (the next town over).
NEARBY_DEGREES = 0.05
# A keyword containing this returns no businesses at all.
EMPTY_RESULT_MARKER = "zzz"

# Canonical (keyword, location key) -> population size. Other queries get 6-40.
KNOWN_QUERY_SIZES: dict[tuple[str, str], int] = {
    ("plumber", "austin tx"): 75,
    ("electrician", "austin tx"): 45,
    ("dentist", "denver co"): 30,
    ("roofer", "portland or"): 12,
    ("bakery", "springfield il"): 5,
}
# Territories past the 60-result cap many times over, drawn when first searched (not up
# front: their names would shadow the small known queries' in LLM prompts).
LARGE_QUERY_SIZES: dict[tuple[str, str], int] = {
    # The coverage (tiling) pair: 600 plumbers, a few pure service-area businesses and a
    # few just outside Houston's viewport, ~560 inside it.
    ("plumber", "houston tx"): 600,
    # An office tower holding 75 lawyers at one address: a point denser than one query.
    ("lawyer", "new york ny"): 320,
}


class HostileKind(StrEnum):
    HUGE = "huge"
    SLOW = "slow"
    REDIRECT_LOOP = "redirect-loop"
    REDIRECT_PRIVATE = "redirect-private"
    BINARY = "binary"
    NOT_FOUND = "not-found"
    BROKEN_HTML = "broken-html"
    GARBAGE_HTML = "garbage-html"  # binary bytes that claim to be HTML


# Pinned so every hostile kind is reachable from a known query: (key, 0-based rank).
PINNED_HOSTILE: dict[tuple[str, str], dict[int, HostileKind]] = {
    ("plumber", "austin tx"): {
        12: HostileKind.HUGE,
        25: HostileKind.SLOW,
        38: HostileKind.REDIRECT_LOOP,
        51: HostileKind.REDIRECT_PRIVATE,
    },
    ("electrician", "austin tx"): {
        9: HostileKind.BINARY,
        21: HostileKind.NOT_FOUND,
        33: HostileKind.BROKEN_HTML,
        42: HostileKind.GARBAGE_HTML,
    },
}
# Sites that robots.txt disallows entirely: (key, 0-based rank).
ROBOTS_DISALLOWED: dict[tuple[str, str], frozenset[int]] = {
    ("plumber", "austin tx"): frozenset({4}),
    ("dentist", "denver co"): frozenset({2}),
}
# Outside the known queries, whose hostile sites are exactly the pinned ones.
RANDOM_HOSTILE_SHARE = 0.05
NO_WEBSITE_SHARE = 0.20
PHONE_UNLISTED_SHARE = 0.15
OWNER_PUBLICLY_KNOWN_SHARE = 0.60


class EmailStyle(StrEnum):
    MAILTO = "mailto"
    PLAIN = "plain"
    BRACKET_AT = "bracket_at"  # info [at] domain [dot] com
    PAREN_AT = "paren_at"  # info(at)domain.com
    HTML_ENTITIES = "html_entities"
    CLOUDFLARE = "cloudflare"  # data-cfemail hex
    NONE = "none"


class PhoneStyle(StrEnum):
    TEL_LINK = "tel_link"
    PARENS = "parens"  # (512) 555-0123
    DOTS = "dots"  # 512.555.0123
    DASHES = "dashes"  # 512-555-0123
    INTERNATIONAL = "international"  # +1 512 555 0123
    NONE = "none"


class OwnerStyle(StrEnum):
    FOUNDED_BY = "founded_by"  # "Founded in 1998 by Maria Lopez"
    OWNER_LABEL = "owner_label"  # "Owner: Dan Smith"
    MEET = "meet"  # "Meet Jane Doe, our founder"
    TEAM_CARD = "team_card"  # <h3>Tom Baker</h3><p>Owner & Master Plumber</p>
    SIGNATURE = "signature"  # "— Tom Baker, President"
    PROSE_ONLY = "prose_only"  # only "Ask for Maria Lopez when you call": for the LLM fallback
    NONE = "none"


class JsonLdStyle(StrEnum):
    NONE = "none"
    LOCAL_BUSINESS = "local_business"
    LOCAL_BUSINESS_WITH_FOUNDER = "local_business_with_founder"
    GRAPH = "graph"  # LocalBusiness inside @graph with a WebSite node
    GRAPH_WITH_FOUNDER = "graph_with_founder"


class LinkStyle(StrEnum):
    """How sub-pages link to each other (the home page always links relatively)."""

    RELATIVE = "relative"  # ../about/
    ROOT = "root"  # /sites/slug/about/
    ABSOLUTE = "absolute"  # http://127.0.0.1:PORT/sites/slug/about/


@dataclass(frozen=True)
class SitePage:
    link_text: str
    path: str  # below the site root, e.g. "get-in-touch/"


CONTACT_PAGES: tuple[tuple[SitePage | None, int], ...] = (
    (SitePage("Contact us", "contact/"), 30),
    (SitePage("Get in touch", "get-in-touch/"), 20),
    (SitePage("Contact", "contact-us/"), 20),
    (SitePage("Reach us", "reach-us/"), 15),
    (None, 15),
)
ABOUT_PAGES: tuple[tuple[SitePage | None, int], ...] = (
    (SitePage("About", "about/"), 30),
    (SitePage("Our story", "our-story/"), 20),
    (SitePage("Meet the team", "team/"), 20),
    (SitePage("About us", "about-us/"), 15),
    (None, 15),
)
EMAIL_STYLE_WEIGHTS: dict[EmailStyle, int] = {
    EmailStyle.MAILTO: 25,
    EmailStyle.PLAIN: 15,
    EmailStyle.BRACKET_AT: 10,
    EmailStyle.PAREN_AT: 8,
    EmailStyle.HTML_ENTITIES: 12,
    EmailStyle.CLOUDFLARE: 12,
    EmailStyle.NONE: 18,
}
PHONE_STYLE_WEIGHTS: dict[PhoneStyle, int] = {
    PhoneStyle.TEL_LINK: 35,
    PhoneStyle.PARENS: 20,
    PhoneStyle.DOTS: 15,
    PhoneStyle.DASHES: 15,
    PhoneStyle.INTERNATIONAL: 10,
    PhoneStyle.NONE: 5,
}
OWNER_STYLE_WEIGHTS: dict[OwnerStyle, int] = {
    OwnerStyle.FOUNDED_BY: 14,
    OwnerStyle.OWNER_LABEL: 14,
    OwnerStyle.MEET: 12,
    OwnerStyle.TEAM_CARD: 13,
    OwnerStyle.SIGNATURE: 9,
    OwnerStyle.PROSE_ONLY: 30,
    OwnerStyle.NONE: 8,
}
JSON_LD_WEIGHTS: dict[JsonLdStyle, int] = {
    JsonLdStyle.NONE: 45,
    JsonLdStyle.LOCAL_BUSINESS: 20,
    JsonLdStyle.LOCAL_BUSINESS_WITH_FOUNDER: 10,
    JsonLdStyle.GRAPH: 15,
    JsonLdStyle.GRAPH_WITH_FOUNDER: 10,
}
SOCIAL_SHARES: dict[str, float] = {
    "facebook": 0.6,
    "instagram": 0.45,
    "linkedin": 0.3,
    "x": 0.2,
    "youtube": 0.15,
    "tiktok": 0.15,
}


@dataclass(frozen=True)
class SiteProfile:
    """How a business's website is shaped: what a scraper must cope with, and ground truth."""

    slug: str
    contact_page: SitePage | None
    about_page: SitePage | None
    link_style: LinkStyle
    email_style: EmailStyle
    email_in_footer: bool
    phone_style: PhoneStyle
    socials_in_header: bool
    json_ld: JsonLdStyle
    microdata: bool
    owner_style: OwnerStyle
    links_private_page: bool
    robots_disallowed: bool

    @property
    def path(self) -> str:
        return f"/sites/{self.slug}/"

    @property
    def json_ld_has_founder(self) -> bool:
        return self.json_ld in (
            JsonLdStyle.LOCAL_BUSINESS_WITH_FOUNDER,
            JsonLdStyle.GRAPH_WITH_FOUNDER,
        )

    @property
    def owner_findable_by_rules(self) -> bool:
        """Whether a rule-based extractor can find the owner (else only an LLM can)."""
        prose = self.owner_style in (OwnerStyle.PROSE_ONLY, OwnerStyle.NONE)
        return not prose or self.json_ld_has_founder


@dataclass(frozen=True)
class SocialProfile:
    platform: str  # one of world_data.SOCIAL_PLATFORMS
    url: str


@dataclass(frozen=True)
class Review:
    author: str
    rating: int
    text: str
    publish_time: str
    relative_time: str


@dataclass(frozen=True)
class OpeningHours:
    open_now: bool
    always_open: bool
    # Index 0 is Sunday (Google's day numbering); (open hour, close hour) or None if closed.
    daily: tuple[tuple[int, int] | None, ...]


@dataclass(frozen=True)
class LocalAddress:
    """A street address outside the US, in parts (``locales.format_address`` writes it)."""

    route: str  # "Friedrichstraße"; Japan: the town (町), "銀座"
    route_short: str  # as Google abbreviates it: "C. de Alcalá", "Av. Paulista"
    number: str  # "12"; Japan: chōme-banchi-gō, "1-2-3"
    district: str  # Bezirk, arrondissement, barrio, ward (区), bairro
    district_en: str = ""  # Japan: "Chuo City"
    route_en: str = ""  # Japan: the town in romaji, "Ginza"


@dataclass(frozen=True)
class Business:
    place_id: str
    name: str
    rank: int  # 1-based position in its population
    trade: Trade
    street_address: str
    city: str
    state: str  # two-letter code, "" when the location names no state
    state_name: str
    postal_code: str
    latitude: float | None  # None: a pure service-area business (no public location)
    longitude: float | None
    business_status: str
    phone_e164: str
    phone_listed: bool  # False: Places omits the phone numbers (the website may still show it)
    website_uri: str | None
    site: SiteProfile | None  # None when the business has no website or a hostile one
    hostile: HostileKind | None
    rating: float | None
    user_rating_count: int
    opening_hours: OpeningHours
    reviews: tuple[Review, ...]
    owner_first_name: str
    owner_last_name: str
    owner_title: str
    owner_publicly_known: bool  # the sandbox LLM "knows" this owner without being told
    email: str
    domain: str
    social_profiles: tuple[SocialProfile, ...]
    services: tuple[str, ...]
    founded_year: int
    # Outside the US (locales.py): the country, the address in parts, the name order.
    country: str = "US"
    local_address: LocalAddress | None = None
    family_name_first: bool = False  # Japan: "山田 太郎", family name first
    language: str = "en"  # of the website

    @property
    def pure_service_area(self) -> bool:
        return self.latitude is None or self.longitude is None

    @property
    def owner_name(self) -> str:
        if self.family_name_first:
            return f"{self.owner_last_name} {self.owner_first_name}"
        return f"{self.owner_first_name} {self.owner_last_name}"

    @property
    def types(self) -> tuple[str, ...]:
        return (self.trade.primary_type, "point_of_interest", "establishment")

    @property
    def national_phone_number(self) -> str | None:
        return _format_phone(self.phone_e164, national=True) if self.phone_listed else None

    @property
    def international_phone_number(self) -> str | None:
        return _format_phone(self.phone_e164, national=False) if self.phone_listed else None

    @property
    def formatted_address(self) -> str:
        if self.country != "US":
            from leadgen_sandbox.local_places import formatted_address

            return formatted_address(self, self.language)
        region = f"{self.state} {self.postal_code}" if self.state else self.postal_code
        return f"{self.street_address}, {self.city}, {region}, USA"


@dataclass(frozen=True)
class ParsedQuery:
    keyword: str  # canonical, e.g. "plumber"
    location_key: str  # canonical, e.g. "austin tx"
    city: City
    size: int  # how many businesses the query has before any result cap
    located: bool = True  # False: the query names no location (Austin by default)


def _format_phone(e164: str, *, national: bool) -> str:
    number = phonenumbers.parse(e164)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if national
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def _digest(*parts: object) -> bytes:
    return hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).digest()


def _seeded_random(*parts: object) -> random.Random:
    return random.Random(int.from_bytes(_digest(*parts)[:8], "big"))


def slugify(text: str) -> str:
    text = text.lower().replace("&", "and").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s&'#-]", " ", text.lower()).split())


T = TypeVar("T")


def _weighted_choice(rng: random.Random, options: Iterable[tuple[T, int]]) -> T:
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights)[0]


def resolve_city(location: str) -> City:
    """The city a free-text location names; an unknown one gets a stable invented profile."""
    city_part, _, rest = location.partition(",")
    city_part = " ".join(city_part.split())
    state = _state_code(rest.split(",")[0])
    if not state:
        head, _, last = city_part.rpartition(" ")
        if head and last.upper() in STATE_AREA_CODES:
            city_part, state = head, last.upper()
    if not city_part:
        return CITIES[DEFAULT_LOCATION_KEY]
    known = CITIES.get(f"{city_part.lower()} {state.lower()}")
    if known:
        return known
    if not state:
        same_name = [c for c in ALL_CITIES.values() if _names(c, city_part)]
        if same_name:
            return same_name[0]
    rng = _seeded_random("city", city_part.lower(), state)
    state_name, area_code = STATE_AREA_CODES.get(state, ("", DEFAULT_AREA_CODE))
    return City(
        name=city_part.title(),
        state=state,
        state_name=state_name,
        area_codes=(area_code,),
        latitude=round(rng.uniform(30.0, 47.0), 4),
        longitude=round(rng.uniform(-120.0, -75.0), 4),
        zip_prefix=f"{rng.randrange(100, 999)}",
    )


def _names(city: City, text: str) -> bool:
    """Whether ``text`` is the city's name or one of its aliases ("東京", "Sao Paulo")."""
    folded = " ".join(text.split()).casefold()
    return folded == city.name.casefold() or folded in city.aliases


def _international_city(city_part: str, rest: str) -> City | None:
    """ "Berlin, Germany", "Lyon, France", "東京都, 日本": a known city outside the US, named
    with its country (in any language Places reads, or its code)."""
    for city in INTERNATIONAL_CITIES.values():
        locale = LOCALES[city.country]
        countries = {name.casefold() for name in locale.country_names.values()}
        region = " ".join(rest.split(",")[0].split()).casefold()
        if _names(city, city_part) and region in {*countries, city.country.casefold()}:
            return city
    return None


def _state_code(text: str) -> str:
    """A state code from "TX" or "Texas"; anything else gives ""."""
    cleaned = " ".join(text.split()).upper()
    if cleaned in STATE_AREA_CODES:
        return cleaned
    by_name = {name.upper(): code for code, (name, _) in STATE_AREA_CODES.items()}
    return by_name.get(cleaned, "")


def parse_query(text_query: str) -> ParsedQuery:
    """Split "keyword in location" (or "near"), canonicalise both and size the result."""
    bulk = BULK_TAG.search(text_query)
    text = BULK_TAG.sub(" ", text_query)
    parts = re.split(r"\s+(?:in|near)\s+", text.strip(), flags=re.IGNORECASE)
    if len(parts) > 1:
        keyword_text, location_text = " in ".join(parts[:-1]), parts[-1]
    else:
        keyword_text, location_text = parts[0], ""
    keyword = _normalise(keyword_text)
    keyword = KEYWORD_ALIASES.get(keyword, keyword)
    city = resolve_city(location_text) if location_text.strip() else CITIES[DEFAULT_LOCATION_KEY]
    location_key = f"{city.name.lower()} {city.state.lower()}".strip()
    if city.country != "US":  # "Elektriker", "elektroinstallateur" and "electrician": one trade
        local = local_trades(city.country).get(_normalise(keyword_text))
        local = local or local_trades(city.country).get(keyword)
        keyword = local.trade.keyword if local else keyword
    if not keyword or EMPTY_RESULT_MARKER in keyword:
        size = 0
    elif bulk:
        size = min(int(bulk.group(1)), BULK_MAX)
    else:
        sizes = {**KNOWN_QUERY_SIZES, **LARGE_QUERY_SIZES, **LOCAL_QUERY_SIZES}
        size = sizes.get((keyword, location_key), 0)
        size = size or 6 + int.from_bytes(_digest("size", keyword, location_key)[:4], "big") % 35
    return ParsedQuery(keyword, location_key, city, size, located=bool(location_text.strip()))


def locality_of(text_query: str) -> City | None:
    """The city a query for a place name alone names: "Austin, TX", "Austin", "Boise, Idaho".

    A query naming a business kind ("plumber in Austin") is not one, nor a bare word
    that is not a known city ("plumber"), nor a location containing the empty marker.
    """
    text = " ".join(text_query.split())
    if not text or re.search(r"\s(?:in|near)\s", text, re.IGNORECASE) or BULK_TAG.search(text):
        return None
    if EMPTY_RESULT_MARKER in text.lower():
        return None
    city_part, _, rest = text.partition(",")
    if rest.strip():
        state = _state_code(rest.split(",")[0])
        if not state:
            return _international_city(city_part, rest)
        return resolve_city(text)
    # "portland or", as people type it: Places reads a trailing state code without a comma.
    head, _, last = city_part.strip().rpartition(" ")
    if head and last.upper() in STATE_AREA_CODES:
        return resolve_city(text)
    known = [c for c in ALL_CITIES.values() if _names(c, city_part)]
    return known[0] if known else None


def trade_for_keyword(keyword: str) -> Trade:
    known = TRADES.get(keyword)
    if known:
        return known
    title = keyword.title()
    return Trade(
        keyword=keyword,
        name_noun=title,
        primary_type=re.sub(r"[^a-z0-9]+", "_", keyword).strip("_") or "establishment",
        schema_org_type="LocalBusiness",
        craft_title=f"{title} Specialist",
        craft_activity=f"serving customers as a {keyword}",
        services=(
            f"{title} consultations",
            f"Residential {keyword} services",
            f"Commercial {keyword} services",
            "Free estimates",
            "Same-day appointments",
            "Maintenance plans",
        ),
    )


_ROMAJI_TRADES = {"歯医者": "shika"}
# A site abroad: its contact page and the page the law asks for (Impressum, mentions légales,
# aviso legal), or the company profile (会社概要) and "about us" where none is required.
LOCAL_PAGES: dict[str, tuple[SitePage, SitePage]] = {
    "de": (SitePage("Kontakt", "kontakt/"), SitePage("Impressum", "impressum/")),
    "fr": (SitePage("Contact", "contact/"), SitePage("Mentions légales", "mentions-legales/")),
    "es": (SitePage("Contacto", "contacto/"), SitePage("Aviso legal", "aviso-legal/")),
    "ja": (SitePage("お問い合わせ", "contact/"), SitePage("会社概要", "company/")),
    "pt": (SitePage("Contato", "contato/"), SitePage("Sobre nós", "sobre/")),
}
LOCAL_EMAIL_STYLE_WEIGHTS: dict[EmailStyle, int] = {
    EmailStyle.MAILTO: 40,
    EmailStyle.PLAIN: 20,
    EmailStyle.PAREN_AT: 15,  # "info(at)mueller-elektro.de", common in Germany
    EmailStyle.HTML_ENTITIES: 10,
    EmailStyle.CLOUDFLARE: 15,
}
LOCAL_PHONE_STYLE_WEIGHTS: dict[PhoneStyle, int] = {
    PhoneStyle.TEL_LINK: 40,
    PhoneStyle.DASHES: 40,  # abroad: the national format, "030 23125123", "03-5550-0123"
    PhoneStyle.INTERNATIONAL: 20,  # "+49 30 23125123"
}
# The owner on the legal page ("Inhaber: ...", "Gérant : ...", "代表者"), in a team card,
# or in a sentence saying who founded the business.
LOCAL_OWNER_STYLE_WEIGHTS: dict[OwnerStyle, int] = {
    OwnerStyle.OWNER_LABEL: 70,
    OwnerStyle.TEAM_CARD: 15,
    OwnerStyle.FOUNDED_BY: 15,
}
MINUS = "\u2212"  # Japanese addresses write 2-3 with a minus sign
_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "\u0131": "i"})


def ascii_slug(text: str) -> str:
    """A domain label from a name in any Latin script: "Müller Elektro GmbH" ->
    "mueller-elektro-gmbh", "Fontanería Peña" -> "fontaneria-pena"."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_TRANSLITERATION))
    return slugify("".join(ch for ch in folded if not unicodedata.combining(ch)))


def _local_address(rng: random.Random, locale: Locale) -> tuple[LocalAddress, str]:
    district = rng.choice(locale.districts)
    postal_code = rng.choice(district.postal_codes)
    if locale.country == "JP":
        town, town_en = district.towns[0]
        number = f"{rng.randint(1, 5)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}"
        address = LocalAddress(town, town, number, district.name, district.name_en, town_en)
        return address, postal_code
    street = rng.choice(locale.streets)
    number = str(rng.randint(1, 180))
    return LocalAddress(
        street.name, street.short or street.name, number, district.name
    ), postal_code


def _street_line(address: LocalAddress, locale: Locale) -> str:
    """The street address as the country writes it on a letter."""
    match locale.country:
        case "DE":
            return f"{address.route} {address.number}"
        case "FR":
            return f"{address.number} {address.route}"
        case "JP":
            chome, _, rest = address.number.partition("-")
            return f"{address.district}{address.route}{chome}丁目{rest.replace('-', MINUS)}"
        case _:  # Spain, Brazil
            return f"{address.route}, {address.number}"


def _generic_local_trade(keyword: str, locale: Locale) -> LocalTrade:
    """A trade the locale does not list ("bäckerei in Berlin"): named by the keyword."""
    trade = trade_for_keyword(keyword)
    noun = keyword.title() if keyword.isascii() or locale.country != "JP" else keyword
    return LocalTrade(dataclasses.replace(trade, name_noun=noun), (noun,), noun, (), ())


class _PopulationBuilder:
    """Draws the businesses of one (keyword, city) population in rank order."""

    def __init__(self, parsed: ParsedQuery, site_base_url: Callable[[str], str]) -> None:
        self.key = (parsed.keyword, parsed.location_key)
        self.city = parsed.city
        self.geography = PopulationGeography(self.key, parsed.city)
        self.extras: list[Business] = []  # added by a test after the world was drawn
        self.trade = trade_for_keyword(parsed.keyword)
        self.site_base_url = site_base_url
        self.businesses: list[Business] = []
        self._names: set[str] = set()
        self.locale: Locale | None = LOCALES.get(parsed.city.country)
        if self.locale is not None:
            local = local_trades(self.locale.country).get(parsed.keyword)
            self.local_trade = local or _generic_local_trade(parsed.keyword, self.locale)
            self.trade = self.local_trade.trade
            self._slugs: set[str] = set()

    def draw_extra(self, index: int) -> Business:
        business = self._draw(index)
        return dataclasses.replace(business, rank=len(self.businesses) + len(self.extras) + 1)

    def extend_to(self, size: int) -> list[Business]:
        while len(self.businesses) < size:
            self.businesses.append(self._draw(len(self.businesses)))
        return self.businesses[:size]

    def _draw(self, index: int) -> Business:
        if self.locale is not None:
            return self._draw_local(index, self.locale)
        rng = _seeded_random("business", *self.key, index)
        city, trade = self.city, self.trade
        first, last, name = self._draw_owner_and_name(rng, index)
        slug = slugify(name)
        if slugify(city.name) not in slug:
            slug = f"{slug}-{slugify(city.name)}"
        domain = f"{slug}.com"
        place_id = (
            "ChIJ" + base64.urlsafe_b64encode(_digest("place", *self.key, index)).decode()[:23]
        )
        status_draw = rng.random()
        status = (
            "CLOSED_PERMANENTLY"
            if status_draw < 0.05
            else "CLOSED_TEMPORARILY"
            if status_draw < 0.08
            else "OPERATIONAL"
        )
        phone = f"+1{rng.choice(city.area_codes)}55501{rng.randrange(100):02d}"
        phone_listed = rng.random() >= PHONE_UNLISTED_SHARE
        if rng.random() < 0.04:
            rating, rating_count = None, 0
        else:
            rating = round(min(5.0, max(1.0, rng.gauss(4.3, 0.5))), 1)
            rating_count = max(1, min(4000, int(rng.lognormvariate(3.8, 1.1))))
        hostile, site = self._draw_website(index, slug)
        if hostile:
            website_uri: str | None = f"{self.site_base_url(slug)}/hostile/{hostile}/"
        elif site:
            website_uri = f"{self.site_base_url(slug)}{site.path}"
        else:
            website_uri = None
        street_address = f"{rng.randrange(100, 9999)} {rng.choice(STREET_NAMES)}"
        postal_code = f"{city.zip_prefix}{rng.randrange(100):02d}"
        # The location comes from a stream of its own (geography.py); these two draws
        # stay so that every later field of the business keeps its value.
        rng.uniform(-0.08, 0.08), rng.uniform(-0.08, 0.08)
        spot = self.geography.spot(index)
        return Business(
            place_id=place_id,
            name=name,
            rank=index + 1,
            trade=trade,
            street_address=spot.street_address or street_address,
            city=city.name,
            state=city.state,
            state_name=city.state_name,
            postal_code=postal_code,
            latitude=spot.latitude,
            longitude=spot.longitude,
            business_status=status,
            phone_e164=phone,
            phone_listed=phone_listed,
            website_uri=website_uri,
            site=site,
            hostile=hostile,
            rating=rating,
            user_rating_count=rating_count,
            opening_hours=self._draw_hours(rng),
            reviews=self._draw_reviews(rng, rating, rating_count, first),
            owner_first_name=first,
            owner_last_name=last,
            owner_title=rng.choice(OWNER_TITLES),
            owner_publicly_known=rng.random() < OWNER_PUBLICLY_KNOWN_SHARE,
            email=f"{rng.choice(EMAIL_LOCAL_PARTS).format(first=first.lower())}@{domain}",
            domain=domain,
            social_profiles=self._draw_socials(rng, slug),
            services=tuple(rng.sample(trade.services, rng.randint(3, 6))),
            founded_year=rng.randint(1978, 2020),
        )

    def _draw_local(self, index: int, locale: Locale) -> Business:
        """A business outside the US: local names, address, phone, site (streams of its own)."""
        rng = _seeded_random("business", *self.key, index)
        city, trade = self.city, self.trade
        first, last, name, ascii_name = self._draw_local_names(rng, locale, index)
        slug = ascii_slug(ascii_name)
        if slug in self._slugs:
            slug = f"{slug}-{index + 1}"
        self._slugs.add(slug)
        domain = f"{slug}{locale.domain_suffix}"
        place_id = (
            "ChIJ" + base64.urlsafe_b64encode(_digest("place", *self.key, index)).decode()[:23]
        )
        status_draw = rng.random()
        status = (
            "CLOSED_PERMANENTLY"
            if status_draw < 0.05
            else "CLOSED_TEMPORARILY"
            if status_draw < 0.08
            else "OPERATIONAL"
        )
        line = rng.randrange(10**locale.phone_digits)
        phone = f"{locale.phone_prefix}{line:0{locale.phone_digits}d}"
        phone_listed = rng.random() >= PHONE_UNLISTED_SHARE
        if rng.random() < 0.04:
            rating, rating_count = None, 0
        else:
            rating = round(min(5.0, max(1.0, rng.gauss(4.3, 0.5))), 1)
            rating_count = max(1, min(4000, int(rng.lognormvariate(3.6, 1.1))))
        site = self._draw_local_website(index, slug, locale)
        website_uri = f"{self.site_base_url(slug)}{site.path}" if site else None
        spot = self.geography.spot(index)
        # A building several businesses share has one address: drawn from its spot.
        where = _seeded_random("building", *self.key, spot.latitude, spot.longitude)
        address, postal_code = _local_address(where if spot.street_address else rng, locale)
        founded = rng.randint(1978, 2020)
        return Business(
            place_id=place_id,
            name=name,
            rank=index + 1,
            trade=trade,
            street_address=_street_line(address, locale),
            city=locale.city_names[locale.language],
            state="",
            state_name=city.state_name,
            postal_code=postal_code,
            latitude=spot.latitude,
            longitude=spot.longitude,
            business_status=status,
            phone_e164=phone,
            phone_listed=phone_listed,
            website_uri=website_uri,
            site=site,
            hostile=None,
            rating=rating,
            user_rating_count=rating_count,
            opening_hours=self._draw_hours(rng),
            reviews=self._draw_local_reviews(rng, locale, rating, rating_count, first),
            owner_first_name=first,
            owner_last_name=last,
            owner_title=rng.choice(locale.owner_titles),
            owner_publicly_known=rng.random() < OWNER_PUBLICLY_KNOWN_SHARE,
            email=f"{rng.choice(locale.email_local_parts)}@{domain}",
            domain=domain,
            social_profiles=self._draw_socials(rng, slug),
            services=tuple(rng.sample(trade.services, rng.randint(3, min(6, len(trade.services))))),
            founded_year=founded,
            country=locale.country,
            local_address=address,
            family_name_first=locale.family_name_first,
            language=locale.language,
        )

    def _draw_local_names(
        self, rng: random.Random, locale: Locale, index: int
    ) -> tuple[str, str, str, str]:
        """(first, last, business name, its ASCII spelling for the domain)."""
        pinned = PINNED_LOCAL_NAMES.get(self.key, {}).get(index)
        if pinned:
            first, last, name = pinned
            self._names.add(name)
            return first, last, name, PINNED_ROMAJI.get(name, name)
        # A pinned name's family name is its own: no other business of the population has it.
        taken = {pinned_last for _, pinned_last, _ in PINNED_LOCAL_NAMES.get(self.key, {}).values()}
        firsts = range(len(locale.first_names))
        lasts = [i for i in range(len(locale.last_names)) if locale.last_names[i] not in taken]
        noun = rng.choice(self.local_trade.nouns)
        for _ in range(30):
            f, la = rng.choice(firsts), rng.choice(lasts)
            word = rng.choice(locale.name_words) if locale.name_words else ""
            template = rng.choice(locale.name_templates)
            fields = {"first": locale.first_names[f], "last": locale.last_names[la]}
            name = template.format(**fields, noun=noun, word=word, city=self.city.name)
            if name not in self._names:
                break
        else:
            name = f"{name} {index + 1}"
        self._names.add(name)
        if locale.first_romaji:  # Japan: the domain from the romaji of the name's words
            trade_word = _ROMAJI_TRADES.get(self.trade.keyword, "clinic")
            head = locale.last_romaji[la] if "{last}" in template else "tokyo"
            ascii_name = (
                f"{head} {JAPANESE_WORD_ROMAJI.get(word, '') if '{word}' in template else ''}"
            )
            ascii_name = f"{ascii_name} {trade_word}"
        else:
            ascii_name = name
        return locale.first_names[f], locale.last_names[la], name, ascii_name

    def _draw_local_website(self, index: int, slug: str, locale: Locale) -> SiteProfile | None:
        rng = _seeded_random("site", *self.key, index)
        if rng.random() < NO_WEBSITE_SHARE:
            return None
        contact, legal = LOCAL_PAGES[locale.language]
        return SiteProfile(
            slug=slug,
            contact_page=contact,
            about_page=legal,
            link_style=rng.choice(list(LinkStyle)),
            email_style=_weighted_choice(rng, LOCAL_EMAIL_STYLE_WEIGHTS.items()),
            email_in_footer=rng.random() < 0.3,
            phone_style=_weighted_choice(rng, LOCAL_PHONE_STYLE_WEIGHTS.items()),
            socials_in_header=rng.random() < 0.4,
            json_ld=_weighted_choice(rng, JSON_LD_WEIGHTS.items()),
            microdata=False,
            owner_style=_weighted_choice(rng, LOCAL_OWNER_STYLE_WEIGHTS.items()),
            links_private_page=False,
            robots_disallowed=False,
        )

    def _draw_local_reviews(
        self,
        rng: random.Random,
        locale: Locale,
        rating: float | None,
        rating_count: int,
        owner_first: str,
    ) -> tuple[Review, ...]:
        if rating is None:
            return ()
        reviews: list[Review] = []
        for _ in range(rng.randint(0, min(3, rating_count))):
            stars = max(1, min(5, round(rng.gauss(rating, 0.8))))
            texts = locale.reviews_good if stars >= 4 else locale.reviews_bad
            text = rng.choice(texts).format(first=owner_first)
            publish_time, relative = rng.choice(REVIEW_TIMES)
            if any(review.text == text for review in reviews):
                continue
            first, last = rng.choice(locale.first_names), rng.choice(locale.last_names)
            author = f"{last} {first}" if locale.family_name_first else f"{first} {last[0]}."
            reviews.append(Review(author, stars, text, publish_time, relative))
        return tuple(reviews)

    def _draw_owner_and_name(self, rng: random.Random, index: int) -> tuple[str, str, str]:
        for _ in range(30):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            name = rng.choice(NAME_TEMPLATES).format(
                first=first,
                last=last,
                word=rng.choice(NAME_WORDS),
                noun=self.trade.name_noun,
                city=self.city.name,
            )
            if name not in self._names:
                break
        else:  # a very large population ran out of combinations
            name = f"{name} {index + 1}"
        self._names.add(name)
        return first, last, name

    def _draw_website(self, index: int, slug: str) -> tuple[HostileKind | None, SiteProfile | None]:
        # A stream of its own, so site shapes do not shift the business's other fields.
        rng = _seeded_random("site", *self.key, index)
        pinned_hostile = PINNED_HOSTILE.get(self.key, {}).get(index)
        robots_disallowed = index in ROBOTS_DISALLOWED.get(self.key, frozenset())
        if pinned_hostile:
            return pinned_hostile, None
        if rng.random() < NO_WEBSITE_SHARE and not robots_disallowed:
            return None, None
        if rng.random() < RANDOM_HOSTILE_SHARE and self.key not in KNOWN_QUERY_SIZES:
            return rng.choice(list(HostileKind)), None
        return None, SiteProfile(
            slug=slug,
            contact_page=_weighted_choice(rng, CONTACT_PAGES),
            about_page=_weighted_choice(rng, ABOUT_PAGES),
            link_style=rng.choice(list(LinkStyle)),
            email_style=_weighted_choice(rng, EMAIL_STYLE_WEIGHTS.items()),
            email_in_footer=rng.random() < 0.3,
            phone_style=_weighted_choice(rng, PHONE_STYLE_WEIGHTS.items()),
            socials_in_header=rng.random() < 0.4,
            json_ld=_weighted_choice(rng, JSON_LD_WEIGHTS.items()),
            microdata=rng.random() < 0.2,
            owner_style=_weighted_choice(rng, OWNER_STYLE_WEIGHTS.items()),
            links_private_page=rng.random() < 0.25,
            robots_disallowed=robots_disallowed,
        )

    def _draw_hours(self, rng: random.Random) -> OpeningHours:
        shape = rng.random()
        if shape < 0.1:
            return OpeningHours(open_now=True, always_open=True, daily=())
        if self.trade.keyword == "bakery":
            weekday, saturday, sunday = (6, 14), (7, 15), (7, 12)
        elif shape < 0.55:
            weekday, saturday, sunday = (8, 17), None, None
        else:
            weekday, saturday, sunday = (7, 18), (9, 14), None
        daily = (sunday, weekday, weekday, weekday, weekday, weekday, saturday)
        return OpeningHours(open_now=rng.random() < 0.6, always_open=False, daily=daily)

    def _draw_reviews(
        self, rng: random.Random, rating: float | None, rating_count: int, owner_first: str
    ) -> tuple[Review, ...]:
        if rating is None:
            return ()
        reviews: list[Review] = []
        for _ in range(rng.randint(0, min(3, rating_count))):
            stars = max(1, min(5, round(rng.gauss(rating, 0.8))))
            mood = "good" if stars >= 4 else "mixed" if stars == 3 else "bad"
            publish_time, relative = rng.choice(REVIEW_TIMES)
            text = rng.choice(REVIEW_TEXTS[mood]).format(first=owner_first)
            if any(review.text == text for review in reviews):
                continue
            reviews.append(
                Review(
                    author=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)[0]}.",
                    rating=stars,
                    text=text,
                    publish_time=publish_time,
                    relative_time=relative,
                )
            )
        return tuple(reviews)

    def _draw_socials(self, rng: random.Random, slug: str) -> tuple[SocialProfile, ...]:
        handle = slug.replace("-", "")
        urls = {
            "facebook": f"https://www.facebook.com/{handle}",
            "instagram": f"https://www.instagram.com/{handle}/",
            "linkedin": f"https://www.linkedin.com/company/{slug}",
            "x": f"https://x.com/{handle[:15]}",
            "youtube": f"https://www.youtube.com/@{handle}",
            "tiktok": f"https://www.tiktok.com/@{handle}",
        }
        return tuple(
            SocialProfile(platform, urls[platform])
            for platform in SOCIAL_PLATFORMS
            if rng.random() < SOCIAL_SHARES[platform]
        )


class SandboxDataset:
    """All businesses the sandbox knows, generated on demand and indexed; thread-safe.

    Known queries are generated up front, so robots.txt and id look-ups work before any
    search. Other queries are generated by the first search that names them; a Place
    Details or website request for a business of a query never searched in this process
    gets a 404.
    """

    def __init__(self, web_url: str, more_web_urls: Sequence[str] = ()) -> None:
        self.web_url = web_url.rstrip("/")
        # Every base URL the websites server answers on: with more than one, each
        # business's site lives on one of them (a host of its own, as on the web).
        self.web_urls = (self.web_url, *(url.rstrip("/") for url in more_web_urls))
        self._lock = threading.Lock()
        self._populations: dict[tuple[str, str], _PopulationBuilder] = {}
        self._by_id: dict[str, Business] = {}
        self._by_slug: dict[str, Business] = {}
        # Businesses Places stopped listing (remove_business): never returned again.
        self._removed: set[str] = set()
        for keyword, location_key in KNOWN_QUERY_SIZES:
            self.businesses_for_query(f"{keyword} in {location_key}")
        self.robots_disallowed_slugs: tuple[str, ...] = tuple(
            business.site.slug
            for business in self.known_businesses()
            if business.site and business.site.robots_disallowed
        )

    def site_base_url(self, slug: str) -> str:
        """The base URL a business's site (by its slug) is served under: the same for a slug
        in every process, spread evenly over the server's hosts."""
        if len(self.web_urls) == 1:
            return self.web_url
        return self.web_urls[int.from_bytes(_digest("host", slug)[:4], "big") % len(self.web_urls)]

    def businesses_for_query(self, text_query: str) -> list[Business]:
        """Every business a query finds, in rank order, before any result cap."""
        parsed = parse_query(text_query)
        if parsed.size == 0:
            return []
        key = (parsed.keyword, parsed.location_key)
        with self._lock:
            builder = self._populations.get(key)
            if builder is None:
                builder = self._populations[key] = _PopulationBuilder(parsed, self.site_base_url)
            known = len(builder.businesses)
            businesses = builder.extend_to(parsed.size)
            for business in builder.businesses[known:]:
                self._index(business)
            removed = set(self._removed)
        listed = businesses + builder.extras
        return [b for b in listed if b.place_id not in removed] if removed else listed

    def _index(self, business: Business) -> None:
        self._by_id[business.place_id] = business
        if business.site:
            self._by_slug.setdefault(business.site.slug, business)

    # --- a world that changes between two runs (tests of refreshes and territory feeds) ---
    def add_business(
        self, text_query: str, latitude: float | None = None, longitude: float | None = None
    ) -> Business:
        """A new business of the query's population, ranked last; at the given spot if any."""
        parsed = parse_query(text_query)
        if parsed.size == 0:
            raise ValueError(f"{text_query!r} has no population to add a business to")
        self.businesses_for_query(text_query)
        key = (parsed.keyword, parsed.location_key)
        with self._lock:
            builder = self._populations[key]
            # Indexes far past any drawn one: the newcomer never collides with a #bulk head.
            business = builder.draw_extra(EXTRA_INDEX_BASE + len(builder.extras))
            if latitude is not None and longitude is not None:
                business = dataclasses.replace(business, latitude=latitude, longitude=longitude)
            builder.extras.append(business)
            self._index(business)
        return business

    def update_business(self, place_id: str, **changes: object) -> Business:
        """Change a business in place (status, phone, website...); e.g. close it."""
        with self._lock:
            business = self._by_id.get(place_id)
            if business is None:
                raise KeyError(f"no business has place id {place_id!r}")
            unknown = set(changes) - {f.name for f in dataclasses.fields(Business)}
            if unknown or "place_id" in changes:
                raise ValueError(f"cannot change {sorted(unknown | {'place_id'} & set(changes))}")
            changed = dataclasses.replace(business, **changes)  # type: ignore[arg-type]
            for builder in self._populations.values():
                for people in (builder.businesses, builder.extras):
                    for position, candidate in enumerate(people):
                        if candidate.place_id == place_id:
                            people[position] = changed
            self._by_id[place_id] = changed
        return changed

    def remove_business(self, place_id: str) -> Business:
        """Places stops listing a business (it closed down and was delisted, or moved away):
        no search returns it again, and its Place Details answer 404 NOT_FOUND."""
        with self._lock:
            business = self._by_id.pop(place_id, None)
            if business is None:
                raise KeyError(f"no business has place id {place_id!r}")
            self._removed.add(place_id)
        return business

    def businesses_in_area(self, text_query: str, area: Viewport) -> list[Business] | None:
        """For a query that names no location but a rectangle: the kind's businesses of every
        city whose surroundings meet the rectangle, merged by rank; None if the query names one.
        """
        parsed = parse_query(text_query)
        if parsed.located:
            return None
        with self._lock:
            drawn = {builder.city for builder in self._populations.values()}
        cities = [
            city
            for city in {*ALL_CITIES.values(), *drawn}
            if area.intersects(city_viewport(city).grown(NEARBY_DEGREES))
        ]
        merged: list[Business] = []
        for city in sorted(cities, key=lambda c: (c.name, c.state)):
            where = f"{city.name}, {city.state}" if city.state else city.name
            merged += self.businesses_for_query(f"{text_query} in {where}")
        return sorted(merged, key=lambda business: business.rank)

    def locality_for_query(self, text_query: str) -> City | None:
        """The city a bare place-name query ("Austin, TX") names, else None (a business query)."""
        return locality_of(text_query)

    def business_by_id(self, place_id: str) -> Business | None:
        with self._lock:
            return self._by_id.get(place_id)

    def business_by_slug(self, slug: str) -> Business | None:
        with self._lock:
            return self._by_slug.get(slug)

    def known_businesses(self) -> list[Business]:
        """Every business generated so far, in generation order."""
        with self._lock:
            return list(self._by_id.values())
