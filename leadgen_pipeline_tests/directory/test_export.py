import csv
import io
import json

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
