from dataclasses import replace

from leadgen_pipeline.domain.enrichment import ContactValue
from leadgen_pipeline.domain.leads import (
    LeadCandidate,
    Sourced,
    collection_stats,
    is_promotable,
    lead_candidates,
    score_lead,
)
from leadgen_pipeline_tests.support.prospects import prospect

SHOP = prospect("a", "Austin Pipe Pros", 4.6, 80, website="https://www.austinpipepros.com/")


def test_a_lead_needs_a_phone_or_an_email():
    assert not is_promotable(LeadCandidate(SHOP))
    assert is_promotable(LeadCandidate(SHOP, phone=Sourced("+15124692300", "places_search")))
    assert is_promotable(
        LeadCandidate(SHOP, email=Sourced("jo@austinpipepros.com", "website:mailto"))
    )


def test_a_permanently_closed_business_is_never_a_lead():
    closed = replace(SHOP, business_status="CLOSED_PERMANENTLY")
    assert not is_promotable(LeadCandidate(closed, phone=Sourced("+15124692300", "places_search")))


def test_the_score_is_the_sum_of_its_reasons():
    candidate = LeadCandidate(
        SHOP,
        phone=Sourced("+15124692300", "places_search"),
        email=Sourced(
            "jo@austinpipepros.com", "website:mailto", "https://www.austinpipepros.com/contact"
        ),
        owner=Sourced("Jo Diaz", "website:json-ld", detail="Owner"),
        socials={"facebook": Sourced("https://facebook.com/austinpipepros", "website:link")},
    )
    scored = score_lead(candidate)
    assert scored.score == sum(points for points, _ in scored.reasons) == 100
    assert (5, "email on the business's own domain") in scored.reasons
    assert scored.provenance()["email"] == {
        "source": "website:mailto",
        "url": "https://www.austinpipepros.com/contact",
    }


def test_a_phone_only_lead_scores_lower_and_explains_why():
    bare = replace(SHOP, website=None, rating=3.0, user_rating_count=3)
    scored = score_lead(LeadCandidate(bare, phone=Sourced("+15124692300", "places_search")))
    assert scored.score == 30
    assert [reason for _, reason in scored.reasons] == [
        "valid phone from places_search",
        "operating",
    ]


def test_collection_stats_count_what_leads_carry():
    rows = [
        {
            "email": "a@b.com",
            "phone_e164": "+1",
            "owner_name": "A",
            "website": "w",
            "rating": 4.0,
            "quality_score": 90,
        },
        {
            "email": None,
            "phone_e164": "+1",
            "owner_name": None,
            "website": None,
            "rating": None,
            "quality_score": 30,
        },
    ]
    stats = collection_stats(rows)
    assert (
        stats.lead_count,
        stats.with_email,
        stats.with_phone,
        stats.with_owner,
        stats.with_website,
    ) == (2, 1, 2, 1, 1)
    assert stats.average_rating == 4.0
    assert stats.average_quality == 60.0
    assert collection_stats([]).average_quality is None


def test_a_candidate_takes_the_best_value_of_each_kind_and_the_targets_owner_falls_back():
    other = prospect("b", "Other Plumbing", phone_e164=None)
    contacts = {
        "a": [
            ContactValue("email", "jo@austinpipepros.com", "website:mailto", "https://a/contact"),
            ContactValue("email", "info@gmail.com", "website:text", "https://a/"),
            ContactValue("phone", "+15125550100", "website:tel", "https://a/contact"),
            ContactValue("social:facebook", "https://www.facebook.com/app", "website:link"),
        ],
    }
    owner = Sourced("Maria Lopez", "llm:business_intelligence", detail="Owner")
    page = "About us: Maria  LOPEZ founded Other Plumbing in 1998."
    first, second = lead_candidates(
        [SHOP, other], contacts, target_id="b", target_owner=owner, target_page_text=page
    )
    assert first.email == Sourced("jo@austinpipepros.com", "website:mailto", "https://a/contact")
    assert first.phone.value == "+15125550100"
    assert first.owner is None
    assert set(first.socials) == {"facebook"}
    # No contact of its own: the listing's phone (none here) and the intelligence's owner.
    assert (second.phone, second.email, second.owner) == (None, None, owner)


def test_the_intelligence_owner_is_kept_only_if_the_targets_pages_state_it():
    target = prospect("b", "Other Plumbing", phone_e164=None)
    owner = Sourced("Maria Lopez", "llm:business_intelligence", detail="Owner")
    for page_text in ("", "Family run since 1998. Call us today.", "Maria Lopes, owner"):
        [candidate] = lead_candidates([target], {}, "b", owner, page_text)
        assert candidate.owner is None, page_text
    [candidate] = lead_candidates([target], {}, "b", owner, "Owner: Maria Lopez")
    assert candidate.owner == owner
    # Another prospect never takes the target's owner, stated or not.
    [other] = lead_candidates([SHOP], {}, "b", owner, "Owner: Maria Lopez")
    assert other.owner is None


def _email(address, deliverable, **signals):
    return ContactValue(
        "email",
        address,
        "website:mailto",
        "https://www.austinpipepros.com/contact",
        signals={"deliverable": deliverable, "disposable": False, **signals},
    )


def test_an_email_whose_domain_takes_no_mail_is_not_the_leads_email():
    contacts = {
        "a": [
            _email("info@austinpipe.com", "no"),
            _email("jo@austinpipepros.com", "unknown"),
        ]
    }
    [candidate] = lead_candidates([SHOP], contacts, None, None)
    assert candidate.email.value == "jo@austinpipepros.com"
    assert [c.value for c in candidate.contacts] == ["info@austinpipe.com", "jo@austinpipepros.com"]
    [nowhere] = lead_candidates([SHOP], {"a": [_email("info@austinpipe.com", "no")]}, None, None)
    assert nowhere.email is None


def test_the_score_counts_a_deliverable_email_and_a_disposable_one_against():
    def reasons(*contacts):
        [candidate] = lead_candidates([SHOP], {"a": list(contacts)}, None, None)
        return [reason for _, reason in score_lead(candidate).reasons]

    assert "email's domain takes mail (MX or A record)" in reasons(
        _email("jo@austinpipepros.com", "yes")
    )
    assert "email's domain takes mail (MX or A record)" not in reasons(
        _email("jo@austinpipepros.com", "unknown")
    )
    assert "email at a disposable-mail domain" in reasons(
        _email("jo@mailinator.com", "yes", disposable=True)
    )
