"""Budget rules: which cap a call would pass, and caps read from user input."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from leadgen_pipeline.domain.budget import (
    Caps,
    Committed,
    InvalidBudget,
    day_start,
    month_start,
    parse_cap,
    refusal,
)


def test_a_call_that_fits_under_every_cap_is_admitted():
    assert refusal(Caps(daily_usd=1.0, search_usd=0.5), Committed(0.9, 0.4), 0.1) is None
    assert refusal(Caps(), Committed(100.0, 100.0), 5.0) is None


def test_the_search_cap_is_named_before_the_daily_one():
    refused = refusal(Caps(daily_usd=1.0, search_usd=0.5), Committed(0.95, 0.45), 0.1)
    assert refused is not None and refused.cap == "search"
    assert "maxCostUsd" in refused.message and "$0.5000" in refused.message
    assert "resumes" in refused.message


def test_the_daily_cap_counts_every_search():
    refused = refusal(Caps(daily_usd=1.0, search_usd=5.0), Committed(0.95, 0.0), 0.1)
    assert refused is not None and refused.cap == "daily"
    assert "LEADGEN_DAILY_BUDGET_USD" in refused.message


def test_a_free_call_is_admitted_even_at_the_cap():
    assert refusal(Caps(daily_usd=1.0), Committed(1.0, 0.0), 0.0) is None


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("", None), ("2.5", 2.5), (3, 3.0)])
def test_caps_are_read_from_text_and_numbers(value, expected):
    assert parse_cap(value, "cap") == expected


@pytest.mark.parametrize("value", ["0", "-1", "abc", "nan", "inf", "2000000", True])
def test_a_cap_that_is_not_a_positive_amount_is_refused(value):
    with pytest.raises(InvalidBudget, match="cap"):
        parse_cap(value, "cap")


def test_the_daily_window_is_the_utc_day():
    late_in_new_york = datetime(2026, 12, 2, 22, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert day_start(late_in_new_york) == datetime(2026, 12, 3, tzinfo=UTC)
    assert month_start(late_in_new_york) == datetime(2026, 12, 1, tzinfo=UTC)
