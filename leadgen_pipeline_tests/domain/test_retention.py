from datetime import UTC, datetime, timedelta

import pytest

from leadgen_pipeline.domain.retention import (
    InvalidRetention,
    lead_without_places_values,
    refresh_due_before,
    retention_cutoff,
)

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_the_cutoff_is_the_retention_before_now():
    assert retention_cutoff(NOW, 30) == NOW - timedelta(days=30)


@pytest.mark.parametrize("days", [0, -3, 1.5, True, "30"])
def test_a_retention_that_is_no_whole_number_of_days_is_refused(days):
    with pytest.raises(InvalidRetention, match="whole number of days"):
        retention_cutoff(NOW, days)


def test_refreshing_comes_a_few_days_before_expiry_and_never_after():
    assert refresh_due_before(NOW, 30) == NOW - timedelta(days=27)
    assert refresh_due_before(NOW, 2) == NOW - timedelta(days=1)


def test_a_lead_keeps_what_its_website_gave_and_loses_what_google_gave():
    provenance = {
        "phone": {"source": "places_search", "url": None},
        "email": {"source": "website:mailto", "url": "https://a.example/contact"},
        "owner": {"source": "llm:website_extraction", "url": "https://a.example/about"},
    }
    contacts = [
        {"kind": "phone", "value": "+15035550100", "source": "places_search"},
        {"kind": "website", "value": "https://a.example", "source": "place_details"},
        {"kind": "email", "value": "info@a.example", "source": "website:mailto"},
    ]
    cleared = lead_without_places_values(provenance, contacts)
    assert cleared == {
        "name": "",
        "website": None,
        "phone_e164": None,
        "provenance": {k: provenance[k] for k in ("email", "owner")},
        "contacts": [contacts[2]],
    }
    website_phone = {"phone": {"source": "website:tel", "url": "https://a.example"}}
    assert "phone_e164" not in lead_without_places_values(website_phone, None)
