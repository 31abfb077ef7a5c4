"""Lead rows as CSV or JSON, the same for the CLI and the HTTP API."""

import csv
import io
import json
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
# Cells a spreadsheet would run as a formula; prefixed so they stay text.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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
        writer.writerow(
            {
                k: f"'{v}" if isinstance(v, str) and v.startswith(_FORMULA_PREFIXES) else v
                for k, v in record.items()
            }
        )
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
