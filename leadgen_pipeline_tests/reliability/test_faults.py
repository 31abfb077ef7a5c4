"""Scenario 1: searches under 20% faults on Places, the LLM and the websites.

A faulted search is re-run (bounded) until a run succeeds; every prospect
must then be in a terminal state with a reason, nothing duplicated. Once the
faults clear, re-running the search retries the failed work, and the
business data must then equal a clean run's in a separate, fresh database.
"""

from collections import Counter

import dagster as dg
import sqlalchemy as sa

from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.dbdump import (
    Dump,
    assert_no_leftover_work,
    assert_same_business_data,
)
from leadgen_pipeline_tests.support.known_bugs import ProductBug
from leadgen_pipeline_tests.support.pipeline import run_search, sandbox_resources
from leadgen_pipeline_tests.support.searches import (
    TERMINAL,
    prospect_states,
    register_search,
    run_until_success,
    step_failures,
)
from leadgen_sandbox import SERVER_NAMES, FaultConfig, Sandbox

PLUMBERS = (
    "plumber",
    "Austin, TX",
    "Okafor and Sons Plumbing",
)  # 60 places, 3 pages, hostile sites
DENTISTS = ("dentist", "Denver, CO", None)  # 30 places, 2 pages
HANG_SECONDS = 2.0  # past the clients' 1 s timeout: a hang is a timeout


def twenty_percent(seed: int, quota_per_second: float, *, malformed: bool = True) -> FaultConfig:
    """20% of requests fail at random: 5xx 8%, a hang past the timeout 4%, a 200 with a
    truncated or garbage body 8% (or 5xx 16% without malformed bodies); a quota below
    what the run asks for adds 429s on top."""
    return FaultConfig(
        quota_per_second=quota_per_second,
        error_rate=0.08 if malformed else 0.16,
        timeout_rate=0.04,
        malformed_rate=0.08 if malformed else 0.0,
        hang_seconds=HANG_SECONDS,
        seed=seed,
    )


def run_under_faults(
    sandbox: Sandbox, url: str, search: tuple[str, str, str | None], faults: dict[str, FaultConfig]
) -> None:
    """Request the search, run it under `faults` until a run succeeds, clear the faults
    and re-run it once (the retry of failed work); checks the states at both points."""
    resources = sandbox_resources(url, sandbox)
    with dg.instance_for_test() as instance:
        key = register_search(instance, url, *search)
        for server, config in faults.items():
            sandbox.set_faults(server, config)
        runs = run_until_success(instance, resources, key, max_runs=6, deadline_seconds=120)
        assert runs[-1].success, (
            f"no success in {len(runs)} runs: {[step_failures(r) for r in runs]}"
        )
        for server in faults:
            stats = sandbox.stats(server)
            assert sum(stats.faults_injected.values()) > 0, f"no fault reached {server}: {stats}"
            print(f"{server}: {stats.requests_total} requests; {dict(stats.faults_injected)}")
        assert_terminal_and_unduplicated(url)
        statuses = Counter(s.enrichment_status for s in prospect_states(url))
        print(f"{len(runs)} runs to a success; prospects then: {dict(statuses)}")

        for server in SERVER_NAMES:
            sandbox.set_faults(server, FaultConfig())
        # The faults are gone, and so is the reason for a 1 s timeout: on a
        # loaded machine a healthy answer can take longer than that.
        healed = sandbox_resources(url, sandbox, timeout_seconds=5.0)
        retry = run_search(instance, healed, key, raise_on_error=False)
        assert retry.success, step_failures(retry)
    assert_terminal_and_unduplicated(url)
    assert_no_leftover_work(url)


# What a page lost to a fault that may heal looks like in a prospect's report.
TRANSIENT_PAGE_ERRORS = ("ReadTimeout", "ConnectTimeout", "ConnectionError")


def assert_no_page_lost_to_a_transient_fault(url: str) -> None:
    """No prospect was enriched without a page its site failed to serve for the moment."""
    with engine_for(url).connect() as conn:
        rows = conn.execute(
            sa.select(t.prospects.c.place_id, t.prospects.c.enrichment_report).where(
                t.prospects.c.enrichment_status == "enriched"
            )
        ).all()
    lost = [
        (row.place_id, page["url"].rsplit("/sites/", 1)[-1], page["status"] or page["error"])
        for row in rows
        for page in (row.enrichment_report or {}).get("pages", [])
        if (page["status"] or 0) == 429
        or (page["status"] or 0) >= 500
        or page["error"] in TRANSIENT_PAGE_ERRORS
    ]
    if lost:
        raise ProductBug(
            1,
            f"{len({place for place, _, _ in lost})} prospects were enriched without pages "
            f"lost to transient faults, and nothing will retry them: {lost[:4]}",
        )


def assert_terminal_and_unduplicated(url: str) -> None:
    states = prospect_states(url)
    assert states, "no prospects stored"
    assert {s.enrichment_status for s in states} <= TERMINAL, states
    unexplained = [
        s for s in states if s.enrichment_status != "enriched" and not s.enrichment_error
    ]
    assert not unexplained, f"failed or skipped without a reason: {unexplained}"
    with engine_for(url).connect() as conn:
        links = conn.execute(sa.select(t.search_prospects)).all()
        leads = conn.execute(sa.select(t.leads.c.place_id)).scalars().all()
        members = conn.execute(sa.select(t.lead_collection_members.c.place_id)).scalars().all()
    # Primary keys already forbid exact duplicates; these are the duplicates they allow.
    assert sorted(link.rank for link in links) == list(range(1, len(states) + 1))
    assert {link.place_id for link in links} == {s.place_id for s in states}
    assert sorted(members) == sorted(leads), "collection membership and leads disagree"


def test_every_fault_kind_everywhere_leaves_every_prospect_terminal_and_unduplicated(
    sandbox, fresh_pg, keys_env
):
    faults = {
        "places": twenty_percent(seed=101, quota_per_second=3),
        "llm": twenty_percent(seed=102, quota_per_second=4),
        "web": twenty_percent(seed=103, quota_per_second=25),
    }
    url = fresh_pg("allfaults")
    run_under_faults(sandbox, url, PLUMBERS, faults)
    with engine_for(url).connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.prospects)).scalar_one() == 60


def test_api_faults_then_a_retry_leave_the_same_data_as_a_clean_run(
    sandbox, fresh_pg, keys_env, clean_reference
):
    """Places and the LLM fail 20% of the time in every way; their bodies are JSON, so a
    malformed one is recognised and retried, and nothing may be lost."""
    expected: Dump = clean_reference(*DENTISTS)
    url = fresh_pg("apifaults")
    faults = {
        "places": twenty_percent(seed=201, quota_per_second=3),
        "llm": twenty_percent(seed=202, quota_per_second=4),
    }
    run_under_faults(sandbox, url, DENTISTS, faults)
    assert_same_business_data(url, expected)


def test_website_faults_then_a_retry_leave_the_same_data_as_a_clean_run(
    sandbox, fresh_pg, keys_env, clean_reference
):
    """Websites answer 429 (quota), 5xx or hang 20% of the time: transient faults a
    retry heals. (Malformed website bodies are left out here: a 200 text/html page cut
    short with a matching Content-Length is, to any client, the site's content.)"""
    expected: Dump = clean_reference(*DENTISTS)
    url = fresh_pg("webfaults")
    faults = {"web": twenty_percent(seed=301, quota_per_second=25, malformed=False)}
    run_under_faults(sandbox, url, DENTISTS, faults)
    assert_no_page_lost_to_a_transient_fault(url)
    assert_same_business_data(url, expected)
