"""The spend ledger through the real clients: every call recorded once, caps held across runs."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from leadgen_pipeline.clients.llm import LLMClient
from leadgen_pipeline.clients.places import PlacesClient
from leadgen_pipeline.clients.resilience import ProviderError, RetrySettings
from leadgen_pipeline.clients.spend import BudgetReached, SpendMeter, spend_for
from leadgen_pipeline.domain.intelligence import SYSTEM_PROMPT, BusinessIntelligence
from leadgen_pipeline.domain.places import SEARCH_FIELD_MASK
from leadgen_pipeline.domain.pricing import PRICE_VERSION, text_search_sku
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage import spend_store
from leadgen_pipeline.storage.database import engine_for
from leadgen_sandbox import FaultConfig

FAST_RETRIES = RetrySettings(max_attempts=3, base_delay_s=0.01, max_delay_s=0.05)
PRICE = text_search_sku(SEARCH_FIELD_MASK).usd_per_call  # $0.035


def places_client(sandbox, meter: SpendMeter) -> PlacesClient:
    return PlacesClient(
        api_key="test-places-key",
        base_url=sandbox.places_url,
        timeout_s=5.0,
        retry=FAST_RETRIES,
        spend=meter,
    )


def ledger(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(sa.select(t.spend_ledger))]


def test_each_attempt_is_one_row_with_its_search_prospect_sku_and_prices(engine, sandbox):
    sandbox.set_faults("places", FaultConfig(error_rate=1.0))
    client = places_client(sandbox, SpendMeter(engine, run_id="run-1"))
    with spend_for(search_id="plumber@austin-tx", place_id="p1"), pytest.raises(ProviderError):
        client.search_text_page("plumber in Austin, TX", SEARCH_FIELD_MASK)
    sandbox.set_faults("places", FaultConfig())
    client.search_text_page("plumber in Austin, TX", SEARCH_FIELD_MASK)
    rows = ledger(engine)
    assert len(rows) == FAST_RETRIES.max_attempts + 1 == client.usage.calls
    refused, answered = rows[:-1], rows[-1]
    assert {(r["search_id"], r["place_id"], r["cost_usd"]) for r in refused} == {
        ("plumber@austin-tx", "p1", 0.0)
    }
    assert {r["outcome"] for r in refused} <= {"500", "503"}
    assert (answered["search_id"], answered["cost_usd"], answered["outcome"]) == (
        None,
        PRICE,
        "200",
    )
    assert {r["sku"] for r in rows} == {"Text Search Enterprise"}
    assert {(r["run_id"], r["price_version"]) for r in rows} == {("run-1", PRICE_VERSION)}


def test_an_llm_call_reserves_its_most_and_settles_at_its_tokens(engine, sandbox):
    client = LLMClient(
        api_key="test-llm-key",
        model="gpt-4o-mini",
        base_url=sandbox.llm_url,
        retry=FAST_RETRIES,
        spend=SpendMeter(engine, run_id="run-1"),
    )
    business = sandbox.dataset.businesses_for_query("roofer in Portland, OR")[0]
    with spend_for(search_id="roofer@portland-or"):
        completion = client.parse(
            BusinessIntelligence, SYSTEM_PROMPT, f"Target business: {business.name}"
        )
    [row] = ledger(engine)
    assert (row["provider"], row["sku"], row["search_id"]) == (
        "llm",
        "gpt-4o-mini",
        "roofer@portland-or",
    )
    assert (row["prompt_tokens"], row["completion_tokens"]) == (
        completion.prompt_tokens,
        completion.completion_tokens,
    )
    assert row["cost_usd"] == pytest.approx(completion.cost_usd)
    assert row["reserved_usd"] >= row["cost_usd"] > 0


def test_a_refused_call_is_never_sent(engine, sandbox):
    client = places_client(sandbox, SpendMeter(engine, daily_cap_usd=PRICE / 2))
    with pytest.raises(BudgetReached, match="daily cap"):
        client.search_text_page("plumber in Austin, TX", SEARCH_FIELD_MASK)
    assert client.usage.calls == 0
    assert ledger(engine) == []


def test_two_runs_under_one_daily_cap_spend_at_most_the_cap(database_url, sandbox):
    """Two runs (each its own engine, so its own connections, as two processes have), four
    calls at a time each, against one daily cap: every call is admitted from the shared
    ledger, so together they stop at the cap, never past it (the issue allows the calls in
    flight; a Places call reserves its exact price, so there is no overshoot at all)."""
    cap = 0.5  # 14 calls at $0.035
    sandbox.set_faults("places", FaultConfig(latency_ms=20))  # calls overlap
    shared = engine_for(database_url)  # migrated

    def run(name: str) -> tuple[int, int]:
        engine = sa.create_engine(database_url)
        client = places_client(sandbox, SpendMeter(engine, run_id=name, daily_cap_usd=cap))

        def one(_: int) -> int:
            try:
                client.search_text_page("plumber in Austin, TX", SEARCH_FIELD_MASK)
            except BudgetReached:
                return 1
            return 0

        with ThreadPoolExecutor(4) as pool:
            refused = sum(pool.map(one, range(20)))
        engine.dispose()
        return client.usage.calls, refused

    with ThreadPoolExecutor(2) as runs:
        results = list(runs.map(run, ("run-a", "run-b")))
    with shared.connect() as conn:
        spent = spend_store.spend_summary(conn)
    assert spent["in_flight"] == 0
    assert spent["cost_usd"] <= cap + 1e-9
    assert spent["cost_usd"] > cap - PRICE  # and the cap was used, not refused early
    assert spent["calls"] == sum(calls for calls, _ in results) == int(cap // PRICE)
    assert sum(refused for _, refused in results) == 40 - spent["calls"]
