"""A collection's leads as CSV, XLSX and JSON: the same for the directory, the API and the CLI.

CSV and the XLSX "Leads" sheet share one CRM-ready column set (`CRM_COLUMNS`,
documented in docs/exports.md); the XLSX adds a "Collection" sheet of stats; JSON
carries the collection, and each lead with every contact and its provenance.
The tables are built with pandas; XlsxWriter writes the workbook.
"""

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import pandas as pd

from leadgen_pipeline.domain.contacts import display_phone
from leadgen_pipeline.domain.crm import describe_source, split_person_name

Row = Mapping[str, Any]
SOCIAL_HEADERS = {
    "linkedin": "LinkedIn",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "x": "X (Twitter)",
    "youtube": "YouTube",
    "tiktok": "TikTok",
    # Where Russian and Ukrainian businesses are; East Asian official accounts.
    "vk": "VK",
    "telegram": "Telegram",
    "line": "LINE",
}

# CSV injection (OWASP): a cell a spreadsheet would run as a formula starts,
# after any blanks or line breaks, with = + - @ or their fullwidth and small
# forms (U+FF1D, U+FF0B, U+FF0D, U+FF20, U+FE66...: NFKC folds them to ASCII), or a tab or a
# carriage return. Such a cell is prefixed with ' so it stays text. Data that
# cannot call anything is left intact: plain numbers (E.164 phones included)
# and plain email addresses, such as one whose local part starts with "-".
_FORMULA_STARTS = frozenset("=+-@")
_CONTROL_STARTS = ("\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
_PLAIN_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def _runs_as_formula(value: str) -> bool:
    if value.startswith(_CONTROL_STARTS):
        return True
    stripped = value.lstrip()
    return bool(stripped) and unicodedata.normalize("NFKC", stripped[0])[:1] in _FORMULA_STARTS


def _spreadsheet_safe(value: Any) -> Any:
    if not isinstance(value, str) or not _runs_as_formula(value):
        return value
    if _PLAIN_NUMBER.fullmatch(value) or _PLAIN_EMAIL.fullmatch(value):
        return value
    return f"'{value}"


def _provenance(contact: Mapping[str, Any]) -> str:
    """ "website (email link) https://acme.example/contact": where a value was found."""
    return " ".join(filter(None, (describe_source(contact["source"]), contact["url"])))


def chosen_provenance(lead: Row, kind: str) -> str | None:
    """Where the lead's own value of `kind` was found; None if it has none."""
    chosen = next((c for c in lead["contacts"] if c["kind"] == kind and c["chosen"]), None)
    return _provenance(chosen) if chosen else None


def _all_contacts(lead: Row) -> str:
    """Every value found for the lead, each with its source: one cell, "; " between them."""
    return "; ".join(
        f"{c['kind'].removeprefix('social:')}: {c['value']} ({_provenance(c)})"
        for c in lead["contacts"]
    )


def _first_name(lead: Row) -> str | None:
    return split_person_name(lead["owner_name"])[0] if lead["owner_name"] else None


def _last_name(lead: Row) -> str | None:
    return split_person_name(lead["owner_name"])[1] if lead["owner_name"] else None


def _social(network: str) -> Callable[[Row, Row], Any]:
    return lambda lead, collection: (lead["socials"] or {}).get(network)


# (header, value of a lead in a collection). Headers are the names CRMs map on import.
CRM_COLUMNS: tuple[tuple[str, Callable[[Row, Row], Any]], ...] = (
    ("Company", lambda lead, c: lead["name"]),
    ("Contact Name", lambda lead, c: lead["owner_name"]),
    ("First Name", lambda lead, c: _first_name(lead)),
    ("Last Name", lambda lead, c: _last_name(lead)),
    ("Job Title", lambda lead, c: lead["owner_title"]),
    ("Email", lambda lead, c: lead["email"]),
    ("Email Deliverable", lambda lead, c: lead["email_deliverable"]),
    ("Phone", lambda lead, c: lead["phone_e164"]),
    ("Phone (National)", lambda lead, c: display_phone(lead["phone_e164"], lead["country_code"])),
    ("Website", lambda lead, c: lead["website"]),
    ("Address", lambda lead, c: lead["formatted_address"]),
    ("Country", lambda lead, c: lead["country_code"]),
    ("Rating", lambda lead, c: lead["rating"]),
    ("Reviews", lambda lead, c: lead["user_rating_count"]),
    ("Lead Score", lambda lead, c: lead["quality_score"]),
    ("Search Rank", lambda lead, c: lead["rank"]),
    ("Email Source", lambda lead, c: chosen_provenance(lead, "email")),
    ("Phone Source", lambda lead, c: chosen_provenance(lead, "phone")),
    ("Contact Name Source", lambda lead, c: chosen_provenance(lead, "owner")),
    ("All Contacts", lambda lead, c: _all_contacts(lead)),
    *((header, _social(network)) for network, header in SOCIAL_HEADERS.items()),
    ("Google Maps URL", lambda lead, c: lead["google_maps_uri"]),
    ("Google Place ID", lambda lead, c: lead["place_id"]),
    ("Lead Source", lambda lead, c: f"Google Places: {c['keyword']} in {c['location']}"),
    ("Collection", lambda lead, c: c["id"]),
)


def _as_is(value: Any) -> Any:
    return value


def leads_frame(
    leads: Sequence[Row], collection: Row, cell: Callable[[Any], Any] = _as_is
) -> pd.DataFrame:
    """One row per lead, the CRM columns, each value passed through `cell`. Object dtype
    keeps whole numbers whole and missing values empty (DataFrame.map would not)."""
    return pd.DataFrame(
        [[cell(value(lead, collection)) for _, value in CRM_COLUMNS] for lead in leads],
        columns=[header for header, _ in CRM_COLUMNS],
        dtype=object,
    )


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def stats_frame(collection: Row, exported: int, filters: str | None) -> pd.DataFrame:
    count = collection["lead_count"]
    rows = [
        ("Collection", collection["id"], None),
        ("Keyword", collection["keyword"], None),
        ("Location", collection["location"], None),
        ("Leads", count, None),
        *(
            (f"With {what}", collection[f"with_{what}"], _share(collection[f"with_{what}"], count))
            for what in ("email", "phone", "owner", "website")
        ),
        ("Average rating", collection["average_rating"], None),
        ("Average lead score", collection["average_quality"], None),
        ("Updated", _iso(collection["updated_at"]), None),
        ("Exported", _iso(datetime.now(UTC)), None),
        ("Leads in this export", exported, _share(exported, count)),
        ("Filters", filters or "none", None),
    ]
    return pd.DataFrame(rows, columns=["Statistic", "Value", "Share"], dtype=object)


def _iso(moment: datetime) -> str:
    # SQLite hands timestamps back without their zone; they were written in UTC.
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat(timespec="seconds")


def to_csv(leads: Sequence[Row], collection: Row) -> str:
    frame = leads_frame(leads, collection, cell=_spreadsheet_safe)
    # Every cell quoted (OWASP): a line break or a separator inside a value
    # stays inside its cell.
    return frame.to_csv(index=False, lineterminator="\n", quoting=csv.QUOTE_ALL)


def to_xlsx(leads: Sequence[Row], collection: Row, filters: str | None = None) -> bytes:
    """A workbook: "Leads" (the CRM columns, header frozen, filterable) and "Collection"."""
    buffer = io.BytesIO()
    # Every string stays a string: no formula (the injection a CSV must defuse by
    # hand), no number, no hyperlink made of scraped text.
    options = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as out:
        frame = leads_frame(leads, collection)
        frame.to_excel(out, sheet_name="Leads", index=False)
        stats_frame(collection, len(leads), filters).to_excel(
            out, sheet_name="Collection", index=False
        )
        sheet = out.sheets["Leads"]
        sheet.freeze_panes(1, 1)
        sheet.autofilter(0, 0, len(frame), len(frame.columns) - 1)
        for worksheet in out.sheets.values():
            worksheet.autofit(max_width=400)
        out.sheets["Collection"].set_column(2, 2, 10, out.book.add_format({"num_format": "0%"}))
    return buffer.getvalue()


def _json_lead(lead: Row) -> dict[str, Any]:
    return {
        "place_id": lead["place_id"],
        "rank": lead["rank"],
        "name": lead["name"],
        "phone": lead["phone_e164"],
        "email": lead["email"],
        "website": lead["website"],
        "owner_name": lead["owner_name"],
        "owner_title": lead["owner_title"],
        "quality_score": lead["quality_score"],
        "rating": lead["rating"],
        "review_count": lead["user_rating_count"],
        "address": lead["formatted_address"],
        "google_maps_uri": lead["google_maps_uri"],
        "socials": dict(lead["socials"] or {}),
        "is_target": lead["is_target"],
        "country": lead["country_code"],
        "email_deliverable": lead["email_deliverable"],
        "contacts": [dict(c) for c in lead["contacts"]],
    }


def to_json(leads: Sequence[Row], collection: Row) -> str:
    body = {
        "collection": {
            **{k: v for k, v in collection.items() if k != "updated_at"},
            "updated_at": _iso(collection["updated_at"]),
        },
        "leads": [_json_lead(lead) for lead in leads],
    }
    return json.dumps(body, indent=2, ensure_ascii=False)


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.JSON: "application/json",
}


# Excel reads a CSV without a byte order mark in the system's legacy code page
# ("MÃ¼ller SanitÃ¤r", mojibake for every name outside ASCII); with one, as UTF-8.
# Python's csv (with encoding="utf-8-sig"), pandas, LibreOffice, Google Sheets and
# CRM importers read it either way.
UTF8_BOM = "\ufeff"


def export_collection(
    export_format: ExportFormat, leads: Sequence[Row], collection: Row, filters: str | None
) -> bytes:
    """The export file's bytes (text as UTF-8; a CSV starts with a byte order mark)."""
    if export_format is ExportFormat.XLSX:
        return to_xlsx(leads, collection, filters)
    if export_format is ExportFormat.JSON:
        return (to_json(leads, collection) + "\n").encode()
    return (UTF8_BOM + to_csv(leads, collection)).encode()
