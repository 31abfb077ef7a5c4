"""Draining the enrichment queue: priority, failure isolation, resumption, idempotency."""

from dataclasses import replace
from datetime import timedelta

import sqlalchemy as sa

from leadgen_pipeline.clients.spend import SpendMeter
from leadgen_pipeline.enrichment.runner import EnrichmentRunner
from leadgen_pipeline.enrichment.waterfall import WaterfallSettings
from leadgen_pipeline.storage import queue_store, spend_store
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import utcnow
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline.storage.queue_store import CLAIM_LEASE
from leadgen_pipeline_tests.support.searches import store_search
from leadgen_sandbox import FaultConfig


def runner(database_url, places, fetcher, llm=None, claimer="run-1", workers=4, **kwargs):
    return EnrichmentRunner(
        engine=engine_for(database_url),
        places=places,
        fetcher=fetcher,
        llm=llm,
        run_id=claimer,
        claimer=claimer,
        settings=WaterfallSettings(max_pages_per_site=2),
        workers=workers,
        **kwargs,
    )


def statuses(database_url):
    with engine_for(database_url).connect() as conn:
        rows = conn.execute(
            sa.select(t.prospects.c.place_id, t.prospects.c.enrichment_status)
        ).all()
    return dict(rows)


def test_a_search_drains_to_terminal_states_and_a_rerun_changes_nothing(
    database_url, places, fetcher, llm
):
    search_id, _ = store_search(database_url, places, "dentist", "Denver, CO")
    engine = engine_for(database_url)
    assert queue_store.enqueue_search_prospects(engine, search_id, utcnow()) == 30
    tally = runner(database_url, places, fetcher, llm).drain(search_id=search_id)
    assert tally.processed == 30
    assert set(statuses(database_url).values()) <= {"enriched", "skipped"}
    with engine.connect() as conn:
        contacts = conn.execute(
            sa.select(sa.func.count()).select_from(t.prospect_contacts)
        ).scalar_one()
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(t.enrichment_queue)).scalar_one()
            == 0
        )
    # Nothing is stale a minute later: a re-run of the search queues nothing.
    assert (
        queue_store.enqueue_search_prospects(engine, search_id, utcnow() - timedelta(minutes=1))
        == 0
    )
    # Re-enriching everything converges on the same contacts.
    queue_store.enqueue_search_prospects(engine, search_id, utcnow() + timedelta(minutes=1))
    runner(database_url, places, fetcher, llm, claimer="run-2").drain(search_id=search_id)
    with engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(t.prospect_contacts)).scalar_one()
            == contacts
        )


def test_the_queue_drains_highest_priority_first(database_url, places, fetcher):
    _, ranked = store_search(database_url, places, "roofer", "Portland, OR")
    engine = engine_for(database_url)
    low, normal, high = (
        [p.place_id for p in ranked[:3]],
        [p.place_id for p in ranked[3:6]],
        [p.place_id for p in ranked[6:9]],
    )
    queue_store.enqueue_enrichment(engine, low, "low", "test")
    queue_store.enqueue_enrichment(engine, normal, "normal", "test")
    queue_store.enqueue_enrichment(engine, high, "high", "test")
    queue_store.enqueue_enrichment(
        engine, low[:1], "high", "test"
    )  # a re-request raises a queued item
    drained = runner(database_url, places, fetcher, workers=1).drain(max_prospects=4)
    assert drained.processed == 4
    done = {
        place_id
        for place_id, status in statuses(database_url).items()
        if status in ("enriched", "skipped")
    }
    assert done == set(high) | {low[0]}
    with engine.connect() as conn:
        assert queue_store.queued_counts(conn) == {1: 3, 2: 2}


def test_one_prospects_failure_never_fails_the_batch(database_url, places, fetcher, sandbox):
    search_id, ranked = store_search(database_url, places, "roofer", "Portland, OR")
    engine = engine_for(database_url)
    # Two prospects lose their listing phone and website: they need Place Details, which fails.
    needing_details = [p.place_id for p in ranked[:2]]
    with engine.begin() as conn:
        conn.execute(
            sa.update(t.prospects)
            .where(t.prospects.c.place_id.in_(needing_details))
            .values(phone_e164=None, website=None)
        )
        needing_details = (
            conn.execute(
                sa.select(t.prospects.c.place_id).where(
                    t.prospects.c.phone_e164.is_(None), t.prospects.c.website.is_(None)
                )
            )
            .scalars()
            .all()
        )
    assert len(needing_details) >= 2
    sandbox.set_faults("places", FaultConfig(error_rate=1.0))
    queue_store.enqueue_search_prospects(engine, search_id, utcnow())
    tally = runner(database_url, places, fetcher).drain(search_id=search_id)
    assert tally.outcomes["failed"] == len(needing_details) and tally.processed == 12
    with engine.connect() as conn:
        failed = conn.execute(
            sa.select(t.prospects).where(t.prospects.c.enrichment_status == "failed")
        ).all()
    assert sorted(r.place_id for r in failed) == sorted(needing_details)
    assert all(
        "HTTP 5" in r.enrichment_error and r.enrichment_attempts == 1 and r.next_attempt_at
        for r in failed
    )
    # Once Places recovers, the retry path picks up only what failed.
    sandbox.set_faults("places", FaultConfig())
    retry_time = utcnow() + timedelta(days=1)
    assert queue_store.enqueue_due_failures(engine, retry_time) == len(needing_details)
    assert runner(database_url, places, fetcher, claimer="run-2").drain().processed == len(
        needing_details
    )
    assert "failed" not in statuses(database_url).values()


def test_a_killed_runs_claims_are_resumed_by_its_reexecution_or_after_the_lease(
    database_url, places, fetcher
):
    search_id, _ = store_search(database_url, places, "roofer", "Portland, OR")
    engine = engine_for(database_url)
    queue_store.enqueue_search_prospects(engine, search_id, utcnow())
    # The run claimed five and was killed before finishing any.
    claimed = queue_store.claim_enrichment(engine, "root-A", 5, utcnow() - CLAIM_LEASE)
    assert len(claimed) == 5
    # Another run takes only the unclaimed seven...
    other = runner(database_url, places, fetcher, claimer="root-B").drain()
    assert other.processed == 7
    # ...the killed run's re-execution (same root run id) resumes its five at once...
    assert runner(database_url, places, fetcher, claimer="root-A").drain().processed == 5
    assert set(statuses(database_url).values()) <= {"enriched", "skipped"}


def test_expired_claims_go_to_whoever_comes_next(database_url, places, fetcher):
    search_id, _ = store_search(database_url, places, "bakery", "Springfield, IL")
    engine = engine_for(database_url)
    queue_store.enqueue_search_prospects(engine, search_id, utcnow())
    queue_store.claim_enrichment(engine, "dead-run", 5, utcnow() - CLAIM_LEASE)
    later = utcnow() + CLAIM_LEASE + timedelta(seconds=1)
    assert runner(database_url, places, fetcher, claimer="root-C").drain().processed == 0
    assert (
        runner(database_url, places, fetcher, claimer="root-C", now=lambda: later).drain().processed
        == 5
    )


def test_only_prospects_in_flight_are_running(database_url, places, fetcher):
    """A chunk is claimed ahead of the workers; only what a worker holds shows as `running`."""
    search_id, _ = store_search(database_url, places, "roofer", "Portland, OR")
    engine = engine_for(database_url)
    queue_store.enqueue_search_prospects(engine, search_id, utcnow())
    running_seen: list[int] = []

    def count_running(_tally):
        running_seen.append(list(statuses(database_url).values()).count("running"))

    tally = runner(database_url, places, fetcher, workers=2).drain(on_progress=count_running)
    assert tally.processed == 12
    # The claim took 8 at once; at most the two workers' prospects were ever running.
    assert running_seen and max(running_seen) <= 2


def test_a_drain_stopped_by_the_daily_cap_gives_its_prospects_back_and_resumes(
    database_url, places, fetcher, llm
):
    search_id, _ = store_search(database_url, places, "dentist", "Denver, CO")
    engine = engine_for(database_url)
    queue_store.enqueue_search_prospects(engine, search_id, utcnow())
    # Room for about two LLM calls: each is reserved at its most (about $0.0012) and
    # settles at about $0.0002.
    meter = SpendMeter(engine, run_id="run-1", daily_cap_usd=0.0015)
    capped = runner(
        database_url, replace(places, spend=meter), fetcher, replace(llm, spend=meter), workers=2
    )
    tally = capped.drain(search_id=search_id)
    assert tally.stopped_by is not None and tally.stopped_by.refusal.cap == "daily"
    assert 0 < tally.processed < 30
    left = {p for p, status in statuses(database_url).items() if status == "queued"}
    assert len(left) == 30 - tally.processed
    with engine.connect() as conn:
        queue = conn.execute(sa.select(t.enrichment_queue)).all()
        spent = spend_store.spend_summary(conn)
    # Every prospect not finished is queued again, unclaimed; none counted an attempt.
    assert {row.place_id for row in queue} == left
    assert all(row.claimed_by is None for row in queue)
    assert spent["cost_usd"] <= 0.0015 and spent["in_flight"] == 0

    meter.daily_cap_usd = 1.0
    rest = runner(
        database_url,
        replace(places, spend=meter),
        fetcher,
        replace(llm, spend=meter),
        claimer="run-2",
    ).drain(search_id=search_id)
    assert rest.stopped_by is None and rest.processed == len(left)
    assert set(statuses(database_url).values()) <= {"enriched", "skipped"}
    with engine.connect() as conn:
        attempts = set(conn.execute(sa.select(t.prospects.c.enrichment_attempts)).scalars())
    assert attempts == {1}  # each prospect enriched once
