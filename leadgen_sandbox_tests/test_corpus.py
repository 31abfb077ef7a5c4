"""The extraction corpus and its scorer (scoring runs `leadgen enrich-website` in process)."""

import json
from collections import Counter

import phonenumbers
import pytest
import requests

from leadgen_sandbox.corpus.score import (
    SITES_DIR,
    Report,
    load_sites,
    run,
    score_site,
    serve_corpus,
)

TYPES = {
    phonenumbers.PhoneNumberType.FIXED_LINE: "landline",
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "landline_or_mobile",
    phonenumbers.PhoneNumberType.TOLL_FREE: "toll_free",
}


def test_the_corpus_is_as_broad_as_promised() -> None:
    sites = load_sites()
    assert len(sites) >= 40
    assert len({site.country for site in sites}) >= 6
    assert len({site.truth["language"] for site in sites}) >= 5
    assert Counter(site.truth["split"] for site in sites).keys() == {"dev", "test"}
    for site in sites:
        assert (SITES_DIR / site.slug / "index.html").is_file(), site.slug


def test_every_true_phone_is_valid_and_of_its_stated_type() -> None:
    for site in load_sites():
        for phone in site.truth["phones"]:
            number = phonenumbers.parse(phone["e164"])
            assert phonenumbers.is_valid_number(number), (site.slug, phone)
            assert TYPES[phonenumbers.number_type(number)] == phone["type"], (site.slug, phone)


def test_the_server_serves_folders_extensionless_pages_and_nothing_outside() -> None:
    with serve_corpus() as base, requests.Session() as http:
        http.trust_env = False  # loopback only, never through a proxy from the environment

        def status(path: str) -> int:
            return http.get(f"{base}/{path}", timeout=5).status_code

        assert status("de-elektro-petersen/about/") == 200
        assert status("uk-the-larder/our-story") == 200
        assert status("uk-the-larder/truth.json") == 404
        assert status("uk-the-larder/../score.py") == 404


SITES = ("de-baeckerei-schmidt", "fr-plomberie-martin", "us-coastal-key-realty")


def test_scoring_a_few_sites_through_the_command() -> None:
    report = run(load_sites(slugs=SITES))
    figures = report.as_dict()
    assert figures["sites"] == 3
    for field in ("emails", "phones", "socials", "owners"):
        assert figures["overall"][field]["precision"] == 1.0, field
        assert figures["overall"][field]["recall"] == 1.0, field
    document = report.results[0].document
    # The legal notice is fetched, and named as such.
    assert any(page["reason"].startswith("legal notice") for page in document["pages"])
    # The one-page site's #contact links never fetched its page again.
    one_page = report.results[2].document
    assert [page["url"].rsplit("/", 2)[-2] for page in one_page["pages"]] == [
        "us-coastal-key-realty"
    ]
    assert {skipped["reason"] for skipped in one_page["skipped"]} == {
        "a part of the page already read (fragment)"
    }


def test_the_scorer_counts_what_is_wrong_and_what_is_missing() -> None:
    (site,) = load_sites(slugs=["fr-plomberie-martin"])
    document = json.loads(json.dumps({"emails": [{"address": "bonjour@atelier-lumen.fr"}]}))
    result = score_site(site, document)
    figures = Report([result]).as_dict()["overall"]
    assert figures["emails"] == pytest.approx(
        {
            "precision": 0.0,
            "recall": 0.0,
            "true_positives": 0,
            "false_positives": 1,
            "false_negatives": 1,
        }
    )
    assert figures["owners"]["recall"] == 0.0
