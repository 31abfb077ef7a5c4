"""Searches outside the US, end to end on the sandbox: Elektriker in Berlin, 歯医者 in 東京
and plombier in Lyon, typed as local users type them, run through the real search job (the
area looked up in Places, Text Search, enrichment on the local-language websites, promotion
to leads) with a named target whose name has diacritics or is in Japanese."""

import phonenumbers
import sqlalchemy as sa

from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.searches import run_searches
from leadgen_sandbox.dataset import Business
from leadgen_sandbox.dns import domain_state

# (keyword, location, target as typed, the business it names, country, calling code)
SEARCHES = [
    ("Elektriker", "Berlin", "Müller Elektro", "Müller Elektro GmbH", "DE", 49),
    ("歯医者", "東京", "山本歯科", "山本歯科医院", "JP", 81),
    ("plombier", "Lyon", "Plomberie Lefevre", "Plomberie Lefèvre & Fils", "FR", 33),
]


def test_searches_abroad_become_prospects_and_leads_of_their_country(
    database_url, sandbox, tmp_path
):
    search_ids = run_searches(
        database_url,
        sandbox,
        tmp_path,
        [(keyword, place, target) for keyword, place, target, *_ in SEARCHES],
        coverage="full",  # as `leadgen search` does: the area is looked up in Places first
    )
    engine = engine_for(database_url)
    for search_id, (keyword, location, _, target_name, country, calling_code) in zip(
        search_ids, SEARCHES, strict=True
    ):
        world = {
            b.place_id: b for b in sandbox.dataset.businesses_for_query(f"{keyword} in {location}")
        }
        with engine.connect() as conn:
            searched = conn.execute(
                sa.select(t.searches.c.status, t.searches.c.country_code).where(
                    t.searches.c.id == search_id
                )
            ).one()
            prospects = {
                row.place_id: row
                for row in conn.execute(
                    sa.select(t.prospects)
                    .join(t.search_prospects)
                    .where(t.search_prospects.c.search_id == search_id)
                )
            }
            leads = {
                row.place_id: row
                for row in conn.execute(
                    sa.select(t.leads).where(t.leads.c.origin_search_id == search_id)
                )
            }
        assert searched.country_code == country, search_id
        # Every business of the trade in the city, and nothing else, is a prospect of it.
        assert set(prospects) == set(world), search_id
        for place_id, prospect in prospects.items():
            business = world[place_id]
            assert prospect.country_code == country
            expected_phone = business.phone_e164 if business.phone_listed else None
            assert prospect.phone_e164 == expected_phone, business.name
            assert prospect.national_phone == business.national_phone_number
        # Every open business is promoted; its contacts come from its local-language site.
        operational = {p for p, b in world.items() if b.business_status == "OPERATIONAL"}
        assert operational <= set(leads) <= set(world), search_id
        for place_id, lead in leads.items():
            business = world[place_id]
            assert lead.country_code == country
            if lead.phone_e164 is not None:
                number = phonenumbers.parse(lead.phone_e164)
                assert number.country_code == calling_code, lead.phone_e164
                assert phonenumbers.is_valid_number(number), lead.phone_e164
            assert lead.is_target == (business.name == target_name), business.name
            _assert_site_contacts(lead, business)
        assert sum(lead.is_target for lead in leads.values()) == 1, search_id


def _assert_site_contacts(lead: sa.Row, business: Business) -> None:
    if business.site is None or business.business_status != "OPERATIONAL":
        return
    # Every local site names its owner in a way rules read (Inhaber:, Gérant :, 院長 row...).
    assert business.site.owner_findable_by_rules
    assert lead.owner_name == business.owner_name, business.name
    assert lead.phone_e164 == business.phone_e164, business.name
    state = domain_state(business.domain)
    if state == "mx":
        assert lead.email == business.email, business.name
    elif state == "none":  # a domain that takes no mail: its address is not kept
        assert lead.email is None, business.name


def test_a_top_search_abroad_is_in_the_country_of_its_results(database_url, sandbox, tmp_path):
    """Coverage top looks no area up: the search takes its country from the places it
    found, and no region is imposed on Places (a US one would bias Berlin's results)."""
    [search_id] = run_searches(database_url, sandbox, tmp_path, [("Elektriker", "Berlin")])
    with engine_for(database_url).connect() as conn:
        country = conn.execute(
            sa.select(t.searches.c.country_code).where(t.searches.c.id == search_id)
        ).scalar_one()
        requests = (
            conn.execute(
                sa.select(t.places_results.c.request).where(
                    t.places_results.c.search_id == search_id
                )
            )
            .scalars()
            .all()
        )
        prospect_countries = set(
            conn.execute(
                sa.select(t.prospects.c.country_code)
                .join(t.search_prospects)
                .where(t.search_prospects.c.search_id == search_id)
            ).scalars()
        )
    assert country == "DE"
    assert prospect_countries == {"DE"}
    assert requests and all("regionCode" not in request["body"] for request in requests)
