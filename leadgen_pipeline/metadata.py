"""Materialisation metadata helpers shared by the domains' assets."""

from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg

_COLUMN_TYPES = {bool: "bool", int: "int", float: "float"}


def preview_table(rows: Sequence[Mapping[str, Any]]) -> dg.TableMetadataValue:
    """A few rows as a table the asset page renders (column types from the first row)."""
    if not rows:
        return dg.MetadataValue.table(records=[], schema=dg.TableSchema(columns=[]))
    columns = [
        dg.TableColumn(name, _COLUMN_TYPES.get(type(value), "string"))
        for name, value in rows[0].items()
    ]
    return dg.MetadataValue.table(
        records=[dg.TableRecord(dict(row)) for row in rows],
        schema=dg.TableSchema(columns=columns),
    )
