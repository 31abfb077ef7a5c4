"""Data-quality checks on what the leads stage writes."""

import dagster as dg

from leadgen_pipeline.domain.contacts import normalise_email, normalise_phone
from leadgen_pipeline.leads.assets import leads
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.steps import offenders_result, search_check
from leadgen_pipeline.storage import lead_store


@search_check(
    asset=leads,
    description="Every lead of the search has an email and a phone that pass validation.",
)
def lead_contacts_valid(
    context: dg.AssetCheckExecutionContext, database: DatabaseResource
) -> dg.AssetCheckResult:
    offenders = []
    with database.engine.connect() as conn:
        for place_id, email, phone in lead_store.lead_contact_values(conn, context.partition_key):
            if email is not None and normalise_email(email) != email:
                offenders.append(f"{place_id}: email {email!r}")
            if phone is not None and normalise_phone(phone) != phone:
                offenders.append(f"{place_id}: phone {phone!r}")
    return offenders_result(offenders, "invalid lead contacts")


@search_check(
    asset=leads,
    description="Every lead of the search traces back to a prospect and a search.",
)
def leads_traceable(
    context: dg.AssetCheckExecutionContext, database: DatabaseResource
) -> dg.AssetCheckResult:
    with database.engine.connect() as conn:
        offenders = lead_store.untraceable_leads(conn, context.partition_key)
    return offenders_result(offenders, "leads with no prospect or no search")


lead_checks = [lead_contacts_valid, leads_traceable]
