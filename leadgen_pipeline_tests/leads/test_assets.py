"""The leads asset on a real search: the target's owner from intelligence needs its pages' word."""

import sqlalchemy as sa

from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.pipeline import run_search
from leadgen_pipeline_tests.support.searches import register_search

# In the sandbox's world this bakery has no website, and its owner (Russell
# Hartley) is one the LLM "knows" without being told: the intelligence names him.
BAKERY_WITHOUT_SITE = "Hartley Bakery Services"


def test_an_owner_only_the_intelligence_names_does_not_become_the_leads_owner(
    instance, resources, database_url
):
    key = register_search(
        instance, database_url, "bakery", "Springfield, IL", target=BAKERY_WITHOUT_SITE
    )
    run_search(instance, resources, key)
    with engine_for(database_url).connect() as conn:
        intelligence = conn.execute(
            sa.select(t.ai_intelligence.c.target_place_id, t.ai_intelligence.c.intelligence)
        ).one()
        lead = conn.execute(
            sa.select(t.leads).where(t.leads.c.place_id == intelligence.target_place_id)
        ).one()
        owners = conn.execute(
            sa.select(t.leads.c.name, t.leads.c.owner_name, t.leads.c.provenance).where(
                t.leads.c.owner_name.is_not(None)
            )
        ).all()
    assert intelligence.intelligence["owner_name"] == "Russell Hartley"
    assert lead.is_target and lead.name == BAKERY_WITHOUT_SITE
    assert lead.owner_name is None and "owner" not in lead.provenance
    # Owners found on the other bakeries' own pages are kept.
    assert owners, "no lead kept an owner its website states"
    assert all(o.provenance["owner"]["source"] != "llm:business_intelligence" for o in owners)
