"""Benchmark 12: a capped call's admission as the day's ledger grows.

`spend_store.reserve` with a daily cap (the lock, the day's running total plus
the calls not counted yet, the reservation), the median of 200 admissions, with
1,000 and with 1,000,000 of the day's calls already settled in the ledger (as
the product leaves them: counted in `spend_days`). BASELINE: the query the
admission ran before the running total (sql/012_spend_days.sql), the sum over
every ledger row of the day, timed alone on the same rows: less than the whole
admission it was part of.
"""

import time
import uuid

from sqlalchemy.engine import Engine

from bench.common import Report, percentile, progress, throwaway_database
from leadgen_pipeline.domain.budget import RESERVATION_LEASE, day_start
from leadgen_pipeline.storage import spend_store
from leadgen_pipeline.storage.base import utcnow
from leadgen_pipeline.storage.database import engine_for

DAY_SIZES = (1_000, 1_000_000)
ADMISSIONS = 200
NO_LIMIT_USD = 1e9  # a cap that never refuses: admission does all its work

# The day's calls, settled and counted, made over the last minutes (never before midnight).
_SETTLED_DAY = """
INSERT INTO spend_ledger (call_id, created_at, settled_at, provider, sku, requests,
                          reserved_usd, cost_usd, outcome, price_version, counted)
SELECT 'settled-' || g, greatest(date_trunc('day', now()), now() - g * interval '1 ms'),
       now(), 'places', 'Text Search Pro', 1, 0.032, 0.032, '200', 'bench', true
FROM generate_series(1, %(calls)s) AS g
"""
_DAY_TOTAL = """
INSERT INTO spend_days (day_start, settled_usd)
SELECT %(today)s, sum(cost_usd) FROM spend_ledger WHERE counted
"""
# BASELINE: the admission's sum before the running total.
_DAY_SUM = """
SELECT coalesce(sum(CASE WHEN cost_usd IS NOT NULL THEN cost_usd
                         WHEN created_at >= %(lease)s THEN reserved_usd ELSE 0 END), 0)
FROM spend_ledger WHERE created_at >= %(today)s
"""


def fill_day(engine: Engine, calls: int) -> None:
    with engine.connect() as conn:
        raw = conn.connection.driver_connection  # type: ignore[union-attr]
        raw.execute("TRUNCATE spend_ledger, spend_days")
        raw.execute(_SETTLED_DAY, {"calls": calls})
        raw.execute(_DAY_TOTAL, {"today": day_start(utcnow())})
        raw.commit()
        raw.autocommit = True
        raw.execute("VACUUM ANALYZE spend_ledger, spend_days")
        raw.autocommit = False


def admission_seconds(engine: Engine) -> list[float]:
    timings = []
    for _ in range(ADMISSIONS):
        call = spend_store.Call(
            call_id=str(uuid.uuid4()),
            provider="places",
            sku="Text Search Pro",
            price_usd=0.032,
            price_version="bench",
        )
        started = time.perf_counter()
        refused = spend_store.reserve(engine, call, daily_cap_usd=NO_LIMIT_USD)
        timings.append(time.perf_counter() - started)
        assert refused is None
    return timings


def day_sum_seconds(engine: Engine) -> list[float]:
    timings = []
    with engine.connect() as conn:
        raw = conn.connection.driver_connection  # type: ignore[union-attr]
        for _ in range(ADMISSIONS):
            now = utcnow()
            started = time.perf_counter()
            raw.execute(_DAY_SUM, {"today": day_start(now), "lease": now - RESERVATION_LEASE})
            timings.append(time.perf_counter() - started)
        raw.rollback()
    return timings


def run() -> list[Report]:
    report = Report("spend_admission", "a capped call's admission as the day's ledger grows")
    medians: dict[int, dict[str, float]] = {}
    with throwaway_database("spend_admission") as database_url:
        engine = engine_for(database_url)
        for calls in DAY_SIZES:
            progress(f"{calls} settled calls today: {ADMISSIONS} admissions")
            fill_day(engine, calls)
            medians[calls] = {
                "admission": percentile(admission_seconds(engine), 50),
                "BASELINE day sum": percentile(day_sum_seconds(engine), 50),
            }
    small, large = (medians[calls] for calls in DAY_SIZES)
    report.ratio(
        f"admission median, {DAY_SIZES[1]:,} / {DAY_SIZES[0]:,} calls today",
        large["admission"] / small["admission"],
        "~1 (flat)",
    )
    report.ratio(
        f"BASELINE day sum alone / whole admission, {DAY_SIZES[1]:,} calls today",
        large["BASELINE day sum"] / large["admission"],
        "> 1",
    )
    report.add_raw(
        {
            f"{calls:,} calls today, median ms": {
                name: round(seconds * 1000, 2) for name, seconds in figures.items()
            }
            for calls, figures in medians.items()
        }
    )
    report.print()
    return [report]


if __name__ == "__main__":
    run()
