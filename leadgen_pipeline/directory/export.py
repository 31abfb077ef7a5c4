"""Lead rows as CSV or JSON, the same for the CLI and the HTTP API."""

import csv
import io
import json
import re
import unicodedata
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
    # Every cell quoted (OWASP): a line break or a separator inside a value
    # stays inside its cell.
    writer = csv.DictWriter(
        buffer, fieldnames=EXPORT_COLUMNS, lineterminator="\n", quoting=csv.QUOTE_ALL
    )
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
