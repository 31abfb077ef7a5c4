"""The directory's JSON and export endpoints on real collections: filters, paging, sorting,
contacts with their provenance, CSV, XLSX and JSON files."""

import csv
import io

import openpyxl
import pytest
import sqlalchemy as sa

from leadgen_pipeline.directory.export import CRM_COLUMNS
from leadgen_pipeline.domain.territory import Change, ChangeKind
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.territory import record_changes

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


def test_min_score_keeps_leads_at_or_above_it(directory_client):
    everything = all_leads(directory_client)
    threshold = sorted(lead["qualityScore"] for lead in everything)[len(everything) // 2]
    kept = all_leads(directory_client, minScore=threshold)
    assert kept and all(lead["qualityScore"] >= threshold for lead in kept)
    assert len(kept) == sum(1 for lead in everything if lead["qualityScore"] >= threshold)
    assert all_leads(directory_client, minScore=0) == everything
    assert all_leads(directory_client, minScore="") == everything  # an unset form field


def test_text_search_finds_leads_by_name_email_owner_and_address_in_any_case(directory_client):
    everything = all_leads(directory_client)
    named = everything[0]
    found = all_leads(directory_client, q=named["name"].upper())
    assert named["placeId"] in [lead["placeId"] for lead in found]
    assert all(
        named["name"].lower() in " ".join(str(lead[f]) for f in SEARCHED).lower() for lead in found
    )
    owner = next(lead for lead in everything if lead["ownerName"])
    assert owner["placeId"] in [
        lead["placeId"] for lead in all_leads(directory_client, q=owner["ownerName"].split()[-1])
    ]
    emailed = next(lead for lead in everything if lead["email"])
    [by_email] = all_leads(directory_client, q=emailed["email"])
    assert by_email["placeId"] == emailed["placeId"]
    assert all_leads(directory_client, q="%") == []  # LIKE wildcards are literal
    assert all_leads(directory_client, q="no business is called this") == []
    combined = all_leads(directory_client, q="denver", hasEmail="true", minScore=50)
    assert combined and all(
        lead["email"] and lead["qualityScore"] >= 50 and "denver" in lead["address"].lower()
        for lead in combined
    )


SEARCHED = ("name", "email", "phone", "ownerName", "website", "address")


def test_every_lead_lists_all_its_contacts_with_where_each_came_from(
    directory_client, directory_database_url
):
    leads = all_leads(directory_client)
    with engine_for(directory_database_url).connect() as conn:
        stored = conn.execute(
            sa.select(t.prospect_contacts.c.place_id, sa.func.count())
            .where(t.prospect_contacts.c.place_id.in_([lead["placeId"] for lead in leads]))
            .group_by(t.prospect_contacts.c.place_id)
        ).all()
    for place_id, count in stored:
        lead = next(lead for lead in leads if lead["placeId"] == place_id)
        assert len(lead["contacts"]) >= count
    for lead in leads:
        contacts = lead["contacts"]
        assert all(c["source"] for c in contacts)
        for kind, field in (("email", "email"), ("phone", "phone"), ("owner", "ownerName")):
            chosen = [c for c in contacts if c["kind"] == kind and c["chosen"]]
            assert [c["value"] for c in chosen] == ([lead[field]] if lead[field] else [])
    websites = [c for lead in leads for c in lead["contacts"] if c["source"].startswith("website:")]
    assert websites and all(c["url"].startswith("http") for c in websites)
    # Beyond the three values in the table: websites, social profiles, other emails.
    assert any(len(lead["contacts"]) > 3 for lead in leads)
    assert any(c["kind"].startswith("social:") for lead in leads for c in lead["contacts"])


def test_the_csv_export_has_every_lead_in_rank_order(directory_client):
    response = directory_client.get(f"/api/collections/{DENTISTS}/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="dentist@denver-co.csv"' in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 for Excel too
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    assert reader.fieldnames == [header for header, _ in CRM_COLUMNS]
    rows = list(reader)
    everything = all_leads(directory_client)
    assert [row["Google Place ID"] for row in rows] == [lead["placeId"] for lead in everything]
    assert [row["Email"] for row in rows] == [lead["email"] or "" for lead in everything]
    filtered = directory_client.get(
        f"/api/collections/{DENTISTS}/export.csv", params={"hasEmail": "true", "minScore": 60}
    )
    assert [row["Google Place ID"] for row in csv.DictReader(io.StringIO(filtered.text))] == [
        lead["placeId"] for lead in all_leads(directory_client, hasEmail="true", minScore=60)
    ]


def test_the_xlsx_export_opens_with_a_leads_sheet_and_a_stats_sheet(directory_client):
    response = directory_client.get(
        f"/api/collections/{DENTISTS}/export.xlsx", params={"hasPhone": "true"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="dentist@denver-co.xlsx"' in response.headers["content-disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == ["Leads", "Collection"]
    header, *rows = workbook["Leads"].iter_rows(values_only=True)
    assert list(header) == [header for header, _ in CRM_COLUMNS]
    with_phone = all_leads(directory_client, hasPhone="true")
    column = header.index("Google Place ID")
    assert [row[column] for row in rows] == [lead["placeId"] for lead in with_phone]
    stats = {r[0]: r[1] for r in workbook["Collection"].iter_rows(min_row=2, values_only=True)}
    collection = lead_page(directory_client)["collection"]
    assert stats["Leads"] == collection["leadCount"]
    assert stats["With email"] == collection["withEmail"]
    assert stats["Leads in this export"] == len(with_phone)
    assert stats["Filters"] == "with phone"


def test_the_json_export_carries_the_collection_and_every_contact(directory_client):
    response = directory_client.get(f"/api/collections/{ROOFERS}/export.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["collection"]["id"] == ROOFERS
    everything = all_leads(directory_client, ROOFERS)
    assert [lead["place_id"] for lead in body["leads"]] == [lead["placeId"] for lead in everything]
    assert [len(lead["contacts"]) for lead in body["leads"]] == [
        len(lead["contacts"]) for lead in everything
    ]


def test_unknown_collections_and_bad_parameters_are_refused(directory_client):
    for path in (
        "/api/collections/nope@nowhere/leads",
        "/api/collections/nope/export.csv",
        "/api/collections/nope/export.xlsx",
    ):
        response = directory_client.get(path)
        assert response.status_code == 404 and response.json()["error"] == "not_found"
    for params in (
        {"pageSize": 0},
        {"pageSize": 101},
        {"page": 0},
        {"sort": "bogus"},
        {"minScore": 101},
        {"minScore": -1},
        {"minScore": "high"},
        {"hasEmail": "maybe"},
        {"q": "x" * 121},
    ):
        response = directory_client.get(f"/api/collections/{DENTISTS}/leads", params=params)
        assert response.status_code == 422, params
    assert (
        directory_client.get("/api/collections", params={"location": "x" * 121}).status_code == 422
    )
    assert directory_client.get(f"/api/collections/{DENTISTS}/export.pdf").status_code == 422


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


def test_a_collections_territory_changes_are_a_feed(directory_client, directory_database_url):
    first, second = (lead["placeId"] for lead in all_leads(directory_client, ROOFERS)[:2])
    record_changes(
        directory_database_url,
        ROOFERS,
        [
            Change(first, ChangeKind.NEW),
            Change(second, ChangeKind.CHANGED, "phone", "+15035550100", "+15035550142"),
        ],
    )
    feed = directory_client.get(f"/api/collections/{ROOFERS}/changes").json()
    assert (feed["collectionId"], feed["total"], feed["truncated"]) == (ROOFERS, 2, False)
    changes = sorted(feed["changes"], key=lambda c: c["kind"])
    assert [(c["placeId"], c["kind"], c["field"], c["before"], c["after"]) for c in changes] == [
        (second, "changed", "phone", "+15035550100", "+15035550142"),
        (first, "new", None, None, None),
    ]
    assert changes[1]["name"] and changes[1]["runId"] == "run-2"
    assert changes[1]["observedAt"].endswith(("Z", "+00:00"))

    one = directory_client.get(f"/api/collections/{ROOFERS}/changes", params={"limit": 1}).json()
    assert (one["total"], one["truncated"]) == (1, True)
    later = directory_client.get(f"/api/collections/{ROOFERS}/changes?since=2999-01-01").json()
    assert later["changes"] == [] and later["since"].startswith("2999-01-01T00:00:00")
    assert directory_client.get(f"/api/collections/{DENTISTS}/changes").json()["changes"] == []
    bad = directory_client.get(f"/api/collections/{ROOFERS}/changes?since=last+week")
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_request"
    unknown = directory_client.get("/api/collections/nothing@nowhere/changes")
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
