"""The code location loads, and holds exactly what it should: a newcomer's map, checked."""

from leadgen_pipeline.definitions import defs

ASSETS = {
    "places_results": "search",
    "prospects": "search",
    "ai_intelligence": "search",
    "enriched_prospects": "enrichment",
    "queued_enrichment": "enrichment",
    "leads": "leads",
    "lead_collections": "leads",
}
CHECKS = {
    ("prospects", "search_results_unique"),
    ("enriched_prospects", "llm_owners_stated_in_page_text"),
    ("leads", "lead_contacts_valid"),
    ("leads", "leads_traceable"),
}
JOBS = {"search", "request_search", "enrich_queue", "promote", "places_retention"}
SENSORS = {
    "search_requests",
    "enrichment_queue_sensor",
    "promote_after_enrichment",
    "webhook_events_sensor",
    "deliver_outbound_webhooks",
    "record_run_failures",
    "reap_dead_runs",
}
SCHEDULES = {
    "refresh_searches",
    "retry_failed_enrichment",
    "reenrich_stale_leads",
    "clear_expired_places",
    "refresh_before_places_expiry",
}
RESOURCES = {"database", "places", "llm", "websites", "dns", "outbound_webhooks"}


def test_the_code_location_holds_exactly_its_assets_checks_jobs_sensors_and_schedules():
    repository = defs.get_repository_def()
    specs = {spec.key.to_user_string(): spec for spec in defs.resolve_all_asset_specs()}
    assert {key: spec.group_name for key, spec in specs.items()} == ASSETS
    checks = {
        (key.asset_key.to_user_string(), key.name)
        for key in defs.resolve_asset_graph().asset_check_keys
    }
    assert checks == CHECKS
    jobs = {job.name for job in repository.get_all_jobs() if not job.name.startswith("__")}
    assert jobs == JOBS
    assert {sensor.name for sensor in repository.sensor_defs} == SENSORS
    assert {schedule.name for schedule in repository.schedule_defs} == SCHEDULES
    assert set(repository.get_top_level_resources()) == RESOURCES


def test_every_search_asset_but_the_queue_drain_is_partitioned_by_search():
    specs = {spec.key.to_user_string(): spec for spec in defs.resolve_all_asset_specs()}
    unpartitioned = {key for key, spec in specs.items() if spec.partitions_def is None}
    assert unpartitioned == {"queued_enrichment"}


def test_the_search_job_runs_every_stage_of_one_search_and_its_checks_but_the_queue_drain():
    job = defs.resolve_job_def("search")
    nodes = {node.name for node in job.nodes_in_topological_order}
    assert nodes == (set(ASSETS) - {"queued_enrichment"}) | {
        f"{asset}_{check}" for asset, check in CHECKS
    }
