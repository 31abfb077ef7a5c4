import dataclasses
import re

import phonenumbers
import pytest
from email_validator import validate_email

from leadgen_sandbox import HostileKind, SandboxDataset, parse_query
from leadgen_sandbox.dataset import KNOWN_QUERY_SIZES, OwnerStyle, locality_of

KNOWN_SIZES = {
    "plumber in Austin, TX": 75,
    "electrician in Austin, TX": 45,
    "dentist in Denver, CO": 30,
    "roofer in Portland, OR": 12,
    "bakery in Springfield, IL": 5,
    "zzzblorf in Austin, TX": 0,
}


@pytest.fixture(scope="module")
def dataset() -> SandboxDataset:
    return SandboxDataset("http://127.0.0.1:8701")


@pytest.mark.parametrize(("query", "size"), KNOWN_SIZES.items())
def test_known_queries_have_fixed_sizes(dataset: SandboxDataset, query: str, size: int) -> None:
    assert len(dataset.businesses_for_query(query)) == size


def test_query_spellings_share_one_population(dataset: SandboxDataset) -> None:
    canonical = dataset.businesses_for_query("plumber in Austin, TX")
    for spelling in ("Plumbers in austin tx", "plumbing  in Austin, Texas", "plumber near Austin"):
        assert dataset.businesses_for_query(spelling) == canonical
    assert parse_query("Plumbers in austin, tx").keyword == "plumber"


def test_any_keyword_in_location_finds_businesses(dataset: SandboxDataset) -> None:
    businesses = dataset.businesses_for_query("dog groomer in Boise, ID")
    assert 6 <= len(businesses) <= 40
    assert all(b.city == "Boise" and b.state == "ID" for b in businesses)
    assert all(b.phone_e164.startswith("+1208") for b in businesses)


def test_bulk_population_extends_the_known_one(dataset: SandboxDataset) -> None:
    bulk = dataset.businesses_for_query("plumber #bulk500 in Austin, TX")
    assert len(bulk) == 500
    assert bulk[:75] == dataset.businesses_for_query("plumber in Austin, TX")
    assert len({b.place_id for b in bulk}) == 500
    assert len({b.name for b in bulk}) == 500
    assert [b.rank for b in bulk] == list(range(1, 501))


def test_same_query_gives_same_data_in_another_dataset(dataset: SandboxDataset) -> None:
    other = SandboxDataset("http://127.0.0.1:9999")
    for query in ("plumber in Austin, TX", "florist in Tulsa, OK"):
        here, there = dataset.businesses_for_query(query), other.businesses_for_query(query)
        strip = [dataclasses.replace(b, website_uri=None) for b in here]
        assert strip == [dataclasses.replace(b, website_uri=None) for b in there]


def test_businesses_look_real_and_valid(dataset: SandboxDataset) -> None:
    businesses = dataset.businesses_for_query("plumber #bulk500 in Austin, TX")
    for business in businesses:
        assert re.fullmatch(r"ChIJ[A-Za-z0-9_-]{23}", business.place_id)
        assert phonenumbers.is_valid_number(phonenumbers.parse(business.phone_e164))
        validate_email(business.email, check_deliverability=False)
        assert business.email.endswith(f"@{business.domain}")
        assert business.rating is None or 1.0 <= business.rating <= 5.0
        assert len(business.reviews) <= 3
        assert business.owner_title in ("Owner", "Founder", "Managing Director", "President")
        assert 3 <= len(business.services) <= 6
        if business.website_uri:
            assert business.website_uri.startswith("http://127.0.0.1:8701/")
    assert businesses[1].national_phone_number.startswith("(")


def shares(values: list[bool]) -> float:
    return sum(values) / len(values)


def test_shares_are_roughly_as_designed(dataset: SandboxDataset) -> None:
    businesses = dataset.businesses_for_query("plumber #bulk2000 in Denver, CO")
    assert 0.02 < shares([b.business_status == "CLOSED_PERMANENTLY" for b in businesses]) < 0.08
    assert 0.01 < shares([b.business_status == "CLOSED_TEMPORARILY" for b in businesses]) < 0.06
    assert 0.10 < shares([not b.phone_listed for b in businesses]) < 0.20
    assert 0.15 < shares([b.website_uri is None for b in businesses]) < 0.25
    assert 0.03 < shares([b.hostile is not None for b in businesses]) < 0.08
    assert 0.5 < shares([b.owner_publicly_known for b in businesses]) < 0.7
    sites = [b.site for b in businesses if b.site]
    assert 0.24 < shares([s.owner_style is OwnerStyle.PROSE_ONLY for s in sites]) < 0.36
    assert any(b.social_profiles for b in businesses)


def test_every_hostile_kind_is_pinned_to_a_known_query(dataset: SandboxDataset) -> None:
    known = [
        business
        for keyword, location in KNOWN_QUERY_SIZES
        for business in dataset.businesses_for_query(f"{keyword} in {location}")
    ]
    assert {b.hostile for b in known if b.hostile} == set(HostileKind)
    hostile = [b for b in known if b.hostile]
    assert all(b.website_uri.endswith(f"/hostile/{b.hostile}/") for b in hostile)
    assert all(b.site is None for b in hostile)


def test_robots_disallowed_sites_are_exposed(dataset: SandboxDataset) -> None:
    assert len(dataset.robots_disallowed_slugs) == 2
    for slug in dataset.robots_disallowed_slugs:
        business = dataset.business_by_slug(slug)
        assert business is not None and business.site is not None
        assert business.site.robots_disallowed


def test_lookups_by_id_and_slug(dataset: SandboxDataset) -> None:
    business = next(b for b in dataset.businesses_for_query("roofer in Portland, OR") if b.site)
    assert dataset.business_by_id(business.place_id) is business
    assert dataset.business_by_slug(business.site.slug) is business
    assert dataset.business_by_id("ChIJ" + "x" * 23) is None


@pytest.mark.parametrize("query", ["Portland, OR", "portland or", "Portland OR", "  portland  or "])
def test_a_city_name_reads_with_or_without_the_comma(query: str) -> None:
    city = locality_of(query)
    assert city is not None and (city.name, city.state) == ("Portland", "OR")


@pytest.mark.parametrize("query", ["roofer in portland or", "portland xx", "or"])
def test_a_business_query_or_an_unknown_place_is_no_locality(query: str) -> None:
    assert locality_of(query) is None
