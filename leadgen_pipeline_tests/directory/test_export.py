"""The export files from lead rows: the CRM columns, formulas defused, XLSX and JSON as typed."""

import csv
import io
import json
from datetime import UTC, datetime

import openpyxl
import pytest

from leadgen_pipeline.directory.export import (
    CRM_COLUMNS,
    SOCIAL_HEADERS,
    ExportFormat,
    export_collection,
    to_csv,
    to_json,
    to_xlsx,
)
from leadgen_pipeline.domain.web_extraction import SOCIAL_NETWORKS

COLLECTION = {
    "id": "plumber@austin-tx",
    "keyword": "plumber",
    "location": "Austin, TX",
    "lead_count": 4,
    "with_email": 1,
    "with_phone": 1,
    "with_owner": 1,
    "with_website": 0,
    "average_rating": 4.5,
    "average_quality": 80.0,
    "updated_at": datetime(2026, 11, 30, 12, 0, tzinfo=UTC),
}
HOSTILE = '=HYPERLINK("http://evil")'
LEAD = {
    "place_id": "ChIJa",
    "rank": 1,
    "name": HOSTILE,
    "phone_e164": "+15124692300",
    "email": "@SUM(1)",
    "website": None,
    "owner_name": "Dr. Ana María López",
    "owner_title": "Owner",
    "quality_score": 80,
    "rating": 4.5,
    "user_rating_count": 12,
    "formatted_address": "1 Main St, Austin, TX",
    "google_maps_uri": "https://maps.google.com/?cid=1",
    "socials": {
        "instagram": "https://instagram.com/a",
        "facebook": "https://facebook.com/a",
        "telegram": "https://t.me/a",
    },
    "is_target": True,
    "country_code": "US",
    "email_deliverable": "unknown",
    "contacts": [
        {"kind": "email", "value": "@SUM(1)", "source": "website:mailto",
         "url": "https://a.example/contact", "detail": None, "chosen": True},
        {"kind": "email", "value": "sales@a.example", "source": "website:text",
         "url": "https://a.example/", "detail": None, "chosen": False},
        {"kind": "phone", "value": "+15124692300", "source": "places_search", "url": None,
         "detail": None, "chosen": True},
        {"kind": "owner", "value": "Dr. Ana María López", "source": "llm:business_intelligence",
         "url": None, "detail": "Owner", "chosen": True},
    ],
}  # fmt: skip
HEADERS = [header for header, _ in CRM_COLUMNS]


def test_csv_has_the_crm_columns_defuses_formulas_but_not_phones():
    [record] = list(csv.DictReader(io.StringIO(to_csv([LEAD], COLLECTION))))
    assert list(record) == HEADERS
    assert record["Company"] == "'" + HOSTILE
    assert record["Email"] == "'@SUM(1)"
    assert record["Phone"] == "+15124692300"
    assert (record["Contact Name"], record["First Name"], record["Last Name"]) == (
        "Dr. Ana María López",
        "Ana María",
        "López",
    )
    assert record["Reviews"] == "12" and record["Rating"] == "4.5"  # whole numbers stay whole
    assert record["Website"] == "" and record["LinkedIn"] == ""
    assert record["Instagram"] == "https://instagram.com/a"
    assert record["Telegram"] == "https://t.me/a" and record["VK"] == ""
    assert record["Email Source"] == "website (email link) https://a.example/contact"
    assert record["Contact Name Source"] == "AI profile of the business"
    assert "sales@a.example (website (page text) https://a.example/)" in record["All Contacts"]
    assert record["Lead Source"] == "Google Places: plumber in Austin, TX"
    assert (record["Country"], record["Email Deliverable"]) == ("US", "unknown")


def test_every_network_the_extraction_finds_has_its_column():
    assert set(SOCIAL_HEADERS) == set(SOCIAL_NETWORKS)


def test_xlsx_has_a_leads_sheet_and_a_stats_sheet_with_text_kept_as_text():
    workbook = openpyxl.load_workbook(io.BytesIO(to_xlsx([LEAD], COLLECTION, "with email")))
    assert workbook.sheetnames == ["Leads", "Collection"]
    leads = workbook["Leads"]
    assert [cell.value for cell in leads[1]] == HEADERS
    row = {header: cell for header, cell in zip(HEADERS, leads[2], strict=True)}
    # A spreadsheet shows the name as it is and runs nothing: a text cell, not a formula.
    assert row["Company"].value == HOSTILE and row["Company"].data_type == "s"
    assert row["Email"].value == "@SUM(1)" and row["Email"].data_type == "s"
    assert row["Phone"].value == "+15124692300" and row["Phone"].data_type == "s"
    assert row["Reviews"].value == 12 and row["Rating"].value == 4.5
    assert leads.freeze_panes == "B2" and leads.auto_filter.ref == "A1:AG2"
    stats = {r[0]: r[1:] for r in workbook["Collection"].iter_rows(min_row=2, values_only=True)}
    assert stats["Leads"] == (4, None)
    assert stats["With email"] == (1, 0.25)
    assert stats["Leads in this export"] == (1, 0.25)
    assert stats["Filters"] == ("with email", None)
    assert stats["Updated"] == ("2026-11-30T12:00:00+00:00", None)


def test_json_has_the_collection_and_every_contact_as_they_are():
    body = json.loads(to_json([LEAD], COLLECTION))
    assert body["collection"]["id"] == "plumber@austin-tx"
    assert body["collection"]["updated_at"] == "2026-11-30T12:00:00+00:00"
    [lead] = body["leads"]
    assert lead["name"] == HOSTILE
    assert lead["socials"] == LEAD["socials"]
    assert lead["review_count"] == 12
    assert lead["contacts"] == LEAD["contacts"]


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        ' =HYPERLINK("http://evil")',
        "  @SUM(1)",
        "\n=cmd|' /C calc'!A0",
        "\r\n+1+cmd|' /C calc'!A0",
        "\t=1",
        "\r=1",
        '\uff1dHYPERLINK("http://evil")',  # fullwidth equals sign
        "\uff0b1+1",
        "\uff0d1+1",
        "\uff20SUM(1)",
        "\ufe661+1",  # small equals sign
        "\u3000=1+1",  # ideographic space first
        "-2+3+cmd|' /C calc'!A0",
        "+1 (512) 469-2300",
    ],
)
def test_every_cell_a_spreadsheet_would_run_as_a_formula_is_defused(value):
    [record] = list(csv.DictReader(io.StringIO(to_csv([{**LEAD, "name": value}], COLLECTION))))
    assert record["Company"] == f"'{value}"


@pytest.mark.parametrize(
    ("field", "header", "value"),
    [
        ("email", "Email", "-info@example.com"),
        ("email", "Email", "+sales@example.com"),
        ("email", "Email", "a-b.c+tag@mail.example.co.uk"),
        ("phone_e164", "Phone", "+4930123456"),
        ("name", "Company", "Müller & Söhne, Bäckerei"),
        ("name", "Company", "line\nbreak inside"),
        ("name", "Company", 'quote " inside'),
        ("name", "Company", "ends with ="),
    ],
)
def test_valid_data_is_exported_intact(field, header, value):
    [record] = list(csv.DictReader(io.StringIO(to_csv([{**LEAD, field: value}], COLLECTION))))
    assert record[header] == value


def test_every_cell_is_quoted():
    header = to_csv([LEAD], COLLECTION).splitlines()[0]
    assert header == ",".join(f'"{name}"' for name in HEADERS)


BERLIN_LEAD = {
    **LEAD,
    "name": "Müller Sanitär GmbH & Co. KG",
    "owner_name": "Jürgen Weiß",
    "phone_e164": "+493012345678",
    "formatted_address": "Friedrichstraße 123, 10117 Berlin, Deutschland",
    "country_code": "DE",
    "contacts": [],
}


def test_a_csv_file_starts_with_a_byte_order_mark_so_excel_reads_utf8():
    content = export_collection(ExportFormat.CSV, [BERLIN_LEAD], COLLECTION, None)
    assert content.startswith(b"\xef\xbb\xbf")
    [record] = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert next(iter(record)) == "Company"
    assert (record["Company"], record["Contact Name"], record["Address"]) == (
        "Müller Sanitär GmbH & Co. KG",
        "Jürgen Weiß",
        "Friedrichstraße 123, 10117 Berlin, Deutschland",
    )
    # JSON and XLSX say their encoding themselves: no mark.
    assert export_collection(ExportFormat.JSON, [BERLIN_LEAD], COLLECTION, None).startswith(b"{")


@pytest.mark.parametrize(
    ("phone", "country", "national"),
    [
        ("+493012345678", "DE", "030 12345678"),
        ("+33478123456", "FR", "04 78 12 34 56"),
        ("+34912345678", "ES", "912 34 56 78"),
        ("+81312345678", "JP", "03-1234-5678"),
        ("+5511912345678", "BR", "(11) 91234-5678"),
        ("+15124692300", "US", "(512) 469-2300"),
    ],
)
def test_every_export_keeps_e164_and_the_csv_and_xlsx_add_the_national_form(
    phone, country, national
):
    lead = {**BERLIN_LEAD, "phone_e164": phone, "country_code": country}
    [record] = list(csv.DictReader(io.StringIO(to_csv([lead], COLLECTION))))
    assert (record["Phone"], record["Phone (National)"]) == (phone, national)
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx([lead], COLLECTION)))["Leads"]
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert (row["Phone"], row["Phone (National)"]) == (phone, national)
    assert json.loads(to_json([lead], COLLECTION))["leads"][0]["phone"] == phone
