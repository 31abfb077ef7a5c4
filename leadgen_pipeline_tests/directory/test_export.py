import csv
import io
import json

import pytest

from leadgen_pipeline.directory.export import EXPORT_COLUMNS, to_csv, to_json

ROW = {
    "rank": 1,
    "name": '=HYPERLINK("http://evil")',
    "phone_e164": "+15124692300",
    "email": "@SUM(1)",
    "socials": {"instagram": "https://instagram.com/a", "facebook": "https://facebook.com/a"},
    "quality_score": 80,
}


def test_csv_has_every_column_and_defuses_formulas_but_not_phones():
    [record] = list(csv.DictReader(io.StringIO(to_csv([ROW]))))
    assert list(record) == list(EXPORT_COLUMNS)
    assert record["name"] == '\'=HYPERLINK("http://evil")'
    assert record["email"] == "'@SUM(1)"
    assert record["phone_e164"] == "+15124692300"
    assert record["socials"] == "https://facebook.com/a https://instagram.com/a"
    assert record["owner_name"] == ""


def test_json_keeps_values_as_they_are():
    [record] = json.loads(to_json([ROW]))
    assert record["name"] == ROW["name"]
    assert record["socials"] == ROW["socials"]
    assert record["quality_score"] == 80


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
    [record] = list(csv.DictReader(io.StringIO(to_csv([{"name": value}]))))
    assert record["name"] == f"'{value}"


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("email", "-info@example.com"),
        ("email", "+sales@example.com"),
        ("email", "a-b.c+tag@mail.example.co.uk"),
        ("phone_e164", "+4930123456"),
        ("rating", "-1.5"),
        ("name", "Müller & Söhne, Bäckerei"),
        ("name", "line\nbreak inside"),
        ("name", 'quote " inside'),
        ("name", "ends with ="),
    ],
)
def test_valid_data_is_exported_intact(column, value):
    [record] = list(csv.DictReader(io.StringIO(to_csv([{column: value}]))))
    assert record[column] == value


def test_every_cell_is_quoted():
    header, row = to_csv([{"rank": 1, "name": "A"}]).splitlines()
    assert header.startswith('"rank","name",')
    assert row.startswith('"1","A",')
