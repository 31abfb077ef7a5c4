"""The directory's JSON and CSV endpoints on real collections: filters, paging, sorting, export."""

import csv
import io

import pytest

from leadgen_pipeline.directory.export import EXPORT_COLUMNS

DENTISTS = "dentist@denver-co"
ROOFERS = "roofer@portland-or"


def lead_page(client, collection_id: str = DENTISTS, **params) -> dict:
    response = client.get(f"/api/collections/{collection_id}/leads", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def all_leads(client, collection_id: str = DENTISTS, **params) -> list[dict]:
    return lead_page(client, collection_id, pageSize=100, **params)["leads"]


def test_collections_are_listed_with_their_stats_and_filtered(directory_client):
    listing = directory_client.get("/api/collections").json()
    assert listing["total"] == 2
    assert [c["id"] for c in listing["collections"]] == [DENTISTS, ROOFERS]  # by location
    dentists = listing["collections"][0]
    assert dentists["keyword"] == "dentist" and dentists["location"] == "Denver, CO"
    leads = all_leads(directory_client)
    assert dentists["leadCount"] == len(leads) > 10
    assert dentists["withEmail"] == sum(1 for lead in leads if lead["email"])
    assert dentists["withPhone"] == sum(1 for lead in leads if lead["phone"])

    def ids(**params) -> list[str]:
        found = directory_client.get("/api/collections", params=params).json()
        return [c["id"] for c in found["collections"]]

    assert ids(location="portland") == [ROOFERS]
    assert ids(location="PORTLAND, or") == [ROOFERS]
    assert ids(keyword="dent") == [DENTISTS]
    assert ids(location="Denver", keyword="roof") == []
    assert ids(location="%") == []  # LIKE wildcards are matched literally
    assert ids(location="_") == []


def test_leads_are_paged_with_a_total(directory_client):
    everything = all_leads(directory_client)
    first = lead_page(directory_client, page=1, pageSize=5)
    assert first["total"] == len(everything)
    assert first["totalPages"] == -(-len(everything) // 5)
    pages = [
        lead_page(directory_client, page=n, pageSize=5)["leads"]
        for n in range(1, first["totalPages"] + 1)
    ]
    assert [lead for page in pages for lead in page] == everything
    assert [lead["rank"] for lead in everything] == sorted(lead["rank"] for lead in everything)
    past_the_end = lead_page(directory_client, page=first["totalPages"] + 1, pageSize=5)
    assert past_the_end["leads"] == [] and past_the_end["total"] == len(everything)


@pytest.mark.parametrize("sort", ["quality", "rating", "name", "rank"])
def test_leads_sort_by_quality_rating_name_or_rank(directory_client, sort):
    leads = all_leads(directory_client, sort=sort)
    assert len(leads) == len(all_leads(directory_client))
    if sort == "quality":
        keys = [-lead["qualityScore"] for lead in leads]
    elif sort == "rating":
        rated = [lead for lead in leads if lead["rating"] is not None]
        assert leads[: len(rated)] == rated  # unrated last
        keys = [-lead["rating"] for lead in rated]
    elif sort == "name":
        keys = [lead["name"].lower() for lead in leads]
    else:
        keys = [lead["rank"] for lead in leads]
    assert keys == sorted(keys)


@pytest.mark.parametrize(
    ("flag", "field"), [("hasEmail", "email"), ("hasPhone", "phone"), ("hasOwner", "ownerName")]
)
def test_leads_filter_on_email_phone_and_owner(directory_client, flag, field):
    everything = all_leads(directory_client)
    having = lead_page(directory_client, **{flag: "true", "pageSize": 100})
    lacking = lead_page(directory_client, **{flag: "false", "pageSize": 100})
    assert all(lead[field] for lead in having["leads"])
    assert not any(lead[field] for lead in lacking["leads"])
    assert having["total"] + lacking["total"] == len(everything)
    assert having["total"] == sum(1 for lead in everything if lead[field])


def test_the_csv_export_has_every_lead_in_rank_order(directory_client):
    response = directory_client.get(f"/api/collections/{DENTISTS}/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="dentist@denver-co.csv"' in response.headers["content-disposition"]
    reader = csv.DictReader(io.StringIO(response.text))
    assert tuple(reader.fieldnames) == EXPORT_COLUMNS
    rows = list(reader)
    everything = all_leads(directory_client)
    assert [row["place_id"] for row in rows] == [lead["placeId"] for lead in everything]
    with_email = directory_client.get(
        f"/api/collections/{DENTISTS}/export.csv", params={"hasEmail": "true"}
    )
    assert len(list(csv.DictReader(io.StringIO(with_email.text)))) == sum(
        1 for lead in everything if lead["email"]
    )


def test_unknown_collections_and_bad_parameters_are_refused(directory_client):
    for path in ("/api/collections/nope@nowhere/leads", "/api/collections/nope/export.csv"):
        response = directory_client.get(path)
        assert response.status_code == 404 and response.json()["error"] == "not_found"
    for params in ({"pageSize": 0}, {"pageSize": 101}, {"page": 0}, {"sort": "bogus"}):
        response = directory_client.get(f"/api/collections/{DENTISTS}/leads", params=params)
        assert response.status_code == 422, params
    assert (
        directory_client.get("/api/collections", params={"location": "x" * 121}).status_code == 422
    )


def test_each_lead_carries_its_country_email_verdict_and_typed_contacts(directory_client):
    leads = all_leads(directory_client)
    with_email = [lead for lead in leads if lead["email"]]
    assert with_email
    for lead in with_email:
        assert lead["country"] == "US"
        assert lead["emailDeliverable"] in ("yes", "unknown")
        [chosen] = [c for c in lead["contacts"] if c["value"] == lead["email"]]
        assert chosen["signals"]["deliverable"] == lead["emailDeliverable"]
        assert chosen["source"].startswith(("website:", "llm:"))
    phones = [c for lead in leads for c in lead["contacts"] if c["kind"] == "phone"]
    assert phones and all(c["type"] == "landline_or_mobile" for c in phones)
