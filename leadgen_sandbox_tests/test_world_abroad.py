"""The world outside the US: Berlin, Lyon, Madrid, Tokyo and São Paulo, in their own
languages and formats; and the US world unchanged by them, byte for byte."""

import hashlib
import json
import re
from typing import Any

import phonenumbers
import pytest
import requests

from leadgen_sandbox import Sandbox
from leadgen_sandbox.dataset import SandboxDataset, parse_query
from leadgen_sandbox.places import place_json
from leadgen_sandbox.site_pages import SitePageKind, render_site_page
from leadgen_sandbox_tests.support import KEY, search

# sha256 of the US world as it was before any city abroad (see us_world_fingerprint).
US_WORLD_SHA256 = "c8f47aaba45070e823f80c536a429a8184ec19204e8cc33baa9e13057488aa5a"
US_QUERIES = (
    "plumber in Austin, TX",
    "electrician in Austin, TX",
    "dentist in Denver, CO",
    "roofer in Portland, OR",
    "bakery in Springfield, IL",
    "painter in Boise, ID",
    "locksmith in Seattle",
)


def us_world_fingerprint() -> str:
    """Every Place answer and website page of a few US populations, hashed."""
    dataset = SandboxDataset("http://127.0.0.1:1")
    digest = hashlib.sha256()
    for query in US_QUERIES:
        for business in dataset.businesses_for_query(query):
            digest.update(json.dumps(place_json(business, "en")).encode())
            for kind in SitePageKind if business.site else ():
                digest.update(render_site_page(business, kind, "http://127.0.0.1:1").encode())
    return digest.hexdigest()


def test_the_us_world_is_unchanged_byte_for_byte() -> None:
    assert us_world_fingerprint() == US_WORLD_SHA256


# (location as typed, languageCode, formattedAddress, country)
LOCALITIES = [
    ("Berlin", "de", "Berlin, Deutschland", "DE"),
    ("Berlin, Germany", "en", "Berlin, Germany", "DE"),
    ("Lyon", "fr", "Lyon, France", "FR"),
    ("Madrid", "es", "Madrid, España", "ES"),
    ("東京", "ja", "日本、東京都", "JP"),
    ("Tokyo", "en", "Tokyo, Japan", "JP"),
    ("São Paulo", "pt", "São Paulo - SP, Brasil", "BR"),
    ("Sao Paulo", "en", "São Paulo - State of São Paulo, Brazil", "BR"),
]


@pytest.mark.parametrize(("location", "language", "formatted", "country"), LOCALITIES)
def test_a_city_abroad_answers_as_its_area_with_its_country(
    sandbox: Sandbox,
    http: requests.Session,
    location: str,
    language: str,
    formatted: str,
    country: str,
) -> None:
    body = {"textQuery": location, "languageCode": language}
    mask = "places.id,places.formattedAddress,places.types,places.viewport,places.addressComponents"
    (place,) = search(http, sandbox, body, mask).json()["places"]
    assert place["formattedAddress"] == formatted
    assert {"locality", "administrative_area_level_1"} & set(place["types"])
    assert place["viewport"]["low"]["latitude"] < place["viewport"]["high"]["latitude"]
    (country_component,) = [c for c in place["addressComponents"] if "country" in c["types"]]
    assert country_component["shortText"] == country


# (query as a local user types it, language, country, calling code, national format)
QUERIES = [
    ("Elektriker in Berlin", "de", "DE", 49, r"030 23125\d{3}"),
    ("plombier in Lyon", "fr", "FR", 33, r"04 65 71 \d\d \d\d"),
    ("fontanero in Madrid", "es", "ES", 34, r"915 55 0\d \d\d"),
    ("歯医者 in 東京", "ja", "JP", 81, r"03-5550-\d{4}"),
    ("encanador in São Paulo", "pt", "BR", 55, r"\(11\) 5555-0\d{3}"),
]


@pytest.mark.parametrize(("query", "language", "country", "calling", "national"), QUERIES)
def test_businesses_abroad_have_local_addresses_phones_and_types(
    sandbox: Sandbox,
    http: requests.Session,
    query: str,
    language: str,
    country: str,
    calling: int,
    national: str,
) -> None:
    body = {"textQuery": query, "languageCode": language, "regionCode": country}
    places = search(http, sandbox, body, "*").json()["places"]
    assert len(places) == parse_query(query).size
    for place in places:
        components = {tuple(c["types"]): c for c in place["addressComponents"]}
        assert components[("country", "political")]["shortText"] == country
        assert place["primaryType"] in place["types"]
        if "internationalPhoneNumber" in place:
            number = phonenumbers.parse(place["internationalPhoneNumber"])
            assert number.country_code == calling and phonenumbers.is_valid_number(number)
            assert phonenumbers.region_code_for_number(number) == country
            assert re.fullmatch(national, place["nationalPhoneNumber"])
        # Place Details answers as the search did.
        mask = ",".join(field for field in place if field != "location")
        answer = http.get(
            f"{sandbox.places_url}/v1/places/{place['id']}",
            params={"languageCode": language},
            headers={**KEY, "X-Goog-FieldMask": mask},
        )
        assert answer.json() == {k: v for k, v in place.items() if k != "location"}
    assert all(place["displayName"]["languageCode"] == language for place in places)


def test_address_formats_follow_the_country_and_the_language(sandbox: Sandbox) -> None:
    dataset = sandbox.dataset
    berlin = dataset.businesses_for_query("Elektriker in Berlin")[5]
    assert berlin.name == "Müller Elektro GmbH"
    street = r"[A-ZÄÖÜ][\w ß.-]+ \d+, 1\d{4} Berlin"
    assert re.fullmatch(f"{street}, Deutschland", place_json(berlin, "de")["formattedAddress"])
    assert re.fullmatch(f"{street}, Germany", place_json(berlin, "en")["formattedAddress"])
    tokyo = dataset.businesses_for_query("歯医者 in 東京")[0]
    assert place_json(tokyo, "ja")["formattedAddress"].startswith("日本、〒1")
    assert place_json(tokyo, "en")["formattedAddress"].endswith(", Japan")
    madrid = dataset.businesses_for_query("fontanero in Madrid")[0]
    assert (
        place_json(madrid, "es")["formattedAddress"].startswith("C. ")
        or "Av. " in (place_json(madrid, "es")["formattedAddress"])
    )


def test_english_and_local_phrasings_name_one_population(sandbox: Sandbox) -> None:
    dataset = sandbox.dataset
    ids = [b.place_id for b in dataset.businesses_for_query("Elektriker in Berlin")]
    for phrasing in ("electrician in Berlin, Germany", "Elektroinstallateur in berlin"):
        assert [b.place_id for b in dataset.businesses_for_query(phrasing)] == ids
    dentists = dataset.businesses_for_query("歯医者 in 東京")
    assert [b.place_id for b in dataset.businesses_for_query("歯科 in Tokyo")] == [
        b.place_id for b in dentists
    ]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("Elektriker in Berlin", ("Impressum", "Angaben gemäß § 5 DDG", "Kontakt")),
        ("plombier in Lyon", ("Mentions légales", "Contact", "SIRET")),
        ("fontanero in Madrid", ("Aviso legal", "Contacto", "NIF")),
        ("歯医者 in 東京", ("会社概要", "お問い合わせ", "所在地")),
        ("encanador in São Paulo", ("Sobre nós", "Contato", "CNPJ")),
    ],
)
def test_websites_abroad_are_in_the_local_language(
    sandbox: Sandbox, http: requests.Session, query: str, words: tuple[str, ...]
) -> None:
    business = next(b for b in sandbox.dataset.businesses_for_query(query) if b.site)
    assert business.site is not None
    pages: list[Any] = [""]
    pages += [page.path for page in (business.site.contact_page, business.site.about_page) if page]
    text = ""
    for path in pages:
        response = http.get(f"{business.website_uri}{path}")
        assert response.status_code == 200
        text += response.text
    assert f'lang="{business.language}"' in text
    for word in words:
        assert word in text, word
    assert business.owner_name in text
    assert business.domain.isascii()
