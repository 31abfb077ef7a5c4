from leadgen_pipeline.domain.territory import (
    Change,
    ChangeKind,
    Listing,
    Observed,
    contact_changes,
    listing_changes,
)

OPEN = "OPERATIONAL"


def listing(place_id: str, status: str | None = OPEN, phone: str | None = "+15125550100"):
    return Listing(place_id, status, phone, f"https://{place_id}.example")


def seen(*listings: Listing) -> dict[str, Observed]:
    return {item.place_id: Observed(item.place_id, item) for item in listings}


def test_a_baseline_run_records_nothing():
    assert listing_changes({}, [listing("a")], baseline=True, complete=True) == []


def test_new_closed_and_a_changed_phone_are_reported_exactly():
    before = seen(listing("a"), listing("b"), listing("c"))
    now = [
        listing("a"),
        listing("b", status="CLOSED_PERMANENTLY"),
        listing("c", phone="+15125550199"),
        listing("d"),
    ]
    assert listing_changes(before, now, baseline=False, complete=True) == [
        Change("b", ChangeKind.CLOSED, "", OPEN, "CLOSED_PERMANENTLY"),
        Change("c", ChangeKind.CHANGED, "phone", "+15125550100", "+15125550199"),
        Change("d", ChangeKind.NEW),
    ]


def test_gone_only_when_the_run_covered_the_whole_area():
    before = seen(listing("a"), listing("b"))
    assert listing_changes(before, [listing("a")], baseline=False, complete=True) == [
        Change("b", ChangeKind.GONE)
    ]
    assert listing_changes(before, [listing("a")], baseline=False, complete=False) == []


def test_reopening_and_a_temporary_closure_becoming_permanent():
    before = seen(listing("a", status="CLOSED_TEMPORARILY"), listing("b", "CLOSED_TEMPORARILY"))
    now = [listing("a"), listing("b", status="CLOSED_PERMANENTLY")]
    assert listing_changes(before, now, baseline=False, complete=True) == [
        Change("a", ChangeKind.REOPENED, "", "CLOSED_TEMPORARILY", OPEN),
        Change("b", ChangeKind.CLOSED, "", "CLOSED_TEMPORARILY", "CLOSED_PERMANENTLY"),
    ]


def test_a_place_whose_listing_was_cleared_is_seen_but_not_compared():
    before = {"a": Observed("a", None)}
    now = [listing("a", status="CLOSED_PERMANENTLY", phone=None)]
    assert listing_changes(before, now, baseline=False, complete=True) == []


def test_a_website_that_appears_is_a_change_from_nothing():
    before = seen(Listing("a", OPEN, None, None))
    now = [Listing("a", OPEN, None, "https://a.example")]
    assert listing_changes(before, now, baseline=False, complete=False) == [
        Change("a", ChangeKind.CHANGED, "website", None, "https://a.example")
    ]


def test_contacts_are_compared_only_where_they_were_observed():
    before = {
        "a": {"email": "info@a.example", "owner": "Ana Ruiz"},
        "b": None,
    }
    now = [
        ("a", {"email": "sales@a.example", "owner": "Ana Ruiz"}),
        ("b", {"email": "info@b.example", "owner": None}),
        ("c", {"email": "info@c.example", "owner": None}),
    ]
    assert contact_changes(before, now) == [
        Change("a", ChangeKind.CHANGED, "email", "info@a.example", "sales@a.example")
    ]
