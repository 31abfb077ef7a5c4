"""Lead rows as CSV or JSON, the same for the CLI and the HTTP API."""

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

EXPORT_COLUMNS = (
    "rank",
    "name",
    "phone_e164",
    "email",
    "website",
    "owner_name",
    "owner_title",
    "quality_score",
    "rating",
    "user_rating_count",
    "formatted_address",
    "socials",
    "place_id",
)
# Cells a spreadsheet would run as a formula are prefixed with ' so they stay
# text (CSV injection). Plain numbers, E.164 phones included, are left alone.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def _spreadsheet_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return value if _PLAIN_NUMBER.fullmatch(value) else f"'{value}"
    return value


def _export_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return " ".join(str(v) for _, v in sorted(value.items()))
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def export_records(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{column: _export_value(row.get(column)) for column in EXPORT_COLUMNS} for row in rows]


def to_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in export_records(rows):
        writer.writerow({key: _spreadsheet_safe(value) for key, value in record.items()})
    return buffer.getvalue()


def to_json(rows: Sequence[Mapping[str, Any]]) -> str:
    return json.dumps(
        [
            {**record, "socials": dict(row.get("socials") or {})}
            for record, row in zip(export_records(rows), rows, strict=True)
        ],
        indent=2,
        ensure_ascii=False,
    )
