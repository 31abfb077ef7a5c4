"""The spend ledger: one row per billable call, budget admission, and spend totals.

Admission and the reservation it grants are one short transaction: where a cap
applies, on PostgreSQL under a transaction-level advisory lock (every process
admits one call at a time, so two runs never both see room for the last
dollar); on the embedded SQLite database (one process) under a lock in memory.
An uncapped call takes no lock: it is only recorded.

The daily cap reads a running total: settling a call adds its cost to its day's
row in `spend_days` and marks the call counted, in one transaction; admission
adds the day's row to the calls not counted yet (in flight, or settled before
the total existed), so its cost does not grow with the day's calls.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from leadgen_pipeline.domain.budget import (
    RESERVATION_LEASE,
    Caps,
    Committed,
    Refusal,
    day_start,
    refusal,
)
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import as_utc, upsert, utcnow
from leadgen_pipeline.storage.locks import lock_key

_ADMISSION_LOCK = lock_key("leadgen.spend_ledger.admission")
_sqlite_admission = threading.Lock()
TOTAL_GROUPS = ("search", "run", "day", "month")


@dataclass(frozen=True)
class Call:
    """A billable call about to be made, and what it is for."""

    call_id: str
    provider: str  # "places" or "llm"
    sku: str  # the Places SKU, or the LLM model
    price_usd: float  # its list price (an LLM call: the most it can cost)
    price_version: str
    search_id: str | None = None
    run_id: str | None = None
    place_id: str | None = None


@contextmanager
def _admission(engine: Engine) -> Iterator[Connection]:
    # SQLite: one process; its threads admit one at a time.
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            yield conn
        return
    with _sqlite_admission, engine.begin() as conn:
        yield conn


def _admit_one_at_a_time(conn: Connection) -> None:
    """Only where a cap applies: every process then sees the others' reservations before
    it sums (READ COMMITTED reads after the lock); an uncapped call is a plain insert."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_ADMISSION_LOCK)))


def _committed(now: datetime, *where: sa.ColumnElement[bool]) -> sa.ScalarSelect[Any]:
    """Settled cost plus live reservations of the ledger rows matching `where`."""
    ledger = t.spend_ledger
    amount = sa.case(
        (ledger.c.cost_usd.is_not(None), ledger.c.cost_usd),
        (ledger.c.created_at >= now - RESERVATION_LEASE, ledger.c.reserved_usd),
        else_=0.0,
    )
    return sa.select(sa.func.coalesce(sa.func.sum(amount), 0.0)).where(*where).scalar_subquery()


def _search_committed_usd(conn: Connection, now: datetime, search_id: str) -> float:
    return float(
        conn.execute(
            sa.select(_committed(now, t.spend_ledger.c.search_id == search_id))
        ).scalar_one()
    )


def _day_committed_usd(conn: Connection, now: datetime) -> float:
    """The day's running total plus its calls not counted in it yet, read in one statement
    (one snapshot: a call settled meanwhile is in exactly one of the two)."""
    ledger, days = t.spend_ledger, t.spend_days
    today = day_start(now)
    counted = sa.select(days.c.settled_usd).where(days.c.day_start == today).scalar_subquery()
    uncounted = _committed(now, ledger.c.created_at >= today, sa.not_(ledger.c.counted))
    return float(conn.execute(sa.select(sa.func.coalesce(counted, 0.0) + uncounted)).scalar_one())


def reserve(engine: Engine, call: Call, daily_cap_usd: float | None) -> Refusal | None:
    """Admit `call` against the caps and record it as in flight; or refuse it (nothing written).

    The search's cap is read in the same transaction, so raising it takes effect on
    the next call of every run. Re-reserving a call id already recorded is a no-op.
    """
    now = utcnow()
    with _admission(engine) as conn:
        search_cap = None
        if call.search_id is not None:
            search_cap = conn.execute(
                sa.select(t.searches.c.max_cost_usd).where(t.searches.c.id == call.search_id)
            ).scalar_one_or_none()
        caps = Caps(daily_usd=daily_cap_usd, search_usd=search_cap)
        if caps.any:
            _admit_one_at_a_time(conn)
            committed = Committed(
                day_usd=_day_committed_usd(conn, now) if caps.daily_usd is not None else 0.0,
                search_usd=_search_committed_usd(conn, now, call.search_id)
                if caps.search_usd is not None and call.search_id is not None
                else 0.0,
            )
            if (refused := refusal(caps, committed, call.price_usd)) is not None:
                return refused
        upsert(
            conn,
            t.spend_ledger,
            [
                {
                    "call_id": call.call_id,
                    "created_at": now,
                    "search_id": call.search_id,
                    "run_id": call.run_id,
                    "place_id": call.place_id,
                    "provider": call.provider,
                    "sku": call.sku,
                    "requests": 1,
                    "reserved_usd": call.price_usd,
                    "price_version": call.price_version,
                }
            ],
            ["call_id"],
            # A call id seen again keeps its first row (a retried write, not a new call).
            update_columns=["call_id"],
        )
    return None


def settle(
    engine: Engine,
    call_id: str,
    cost_usd: float,
    outcome: str,
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
) -> None:
    """Record what a call cost (0 for one the provider did not bill) and add it to its
    day's running total. Idempotent: a call settles once; settling it again changes nothing."""
    ledger, days = t.spend_ledger, t.spend_days
    with engine.begin() as conn:
        created_at = conn.execute(
            sa.update(ledger)
            .where(ledger.c.call_id == call_id, sa.not_(ledger.c.counted))
            .values(
                cost_usd=cost_usd,
                outcome=outcome,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                settled_at=utcnow(),
                counted=True,
            )
            .returning(ledger.c.created_at)
        ).scalar_one_or_none()
        if created_at is None:
            return
        upsert(
            conn,
            days,
            [{"day_start": day_start(as_utc(created_at)), "settled_usd": cost_usd}],
            ["day_start"],
            overrides={
                "settled_usd": lambda insert: days.c.settled_usd + insert.excluded.settled_usd
            },
        )


def _group_column(conn: Connection, by: str) -> sa.ColumnElement[Any]:
    ledger = t.spend_ledger
    if by == "search":
        return sa.func.coalesce(ledger.c.search_id, "(none)")
    if by == "run":
        return sa.func.coalesce(ledger.c.run_id, "(none)")
    length = 10 if by == "day" else 7
    if conn.dialect.name == "postgresql":
        pattern = "YYYY-MM-DD" if by == "day" else "YYYY-MM"
        return sa.func.to_char(sa.func.timezone("UTC", ledger.c.created_at), pattern)
    # SQLite keeps timestamps as UTC ISO text.
    return sa.func.substr(ledger.c.created_at, 1, length)


def _spent() -> list[sa.ColumnElement[Any]]:
    ledger = t.spend_ledger
    return [
        sa.func.count().label("calls"),
        sa.func.coalesce(sa.func.sum(ledger.c.cost_usd), 0.0).label("cost_usd"),
        sa.func.count().filter(ledger.c.cost_usd.is_(None)).label("in_flight"),
        sa.func.coalesce(sa.func.sum(ledger.c.prompt_tokens + ledger.c.completion_tokens), 0).label(
            "tokens"
        ),
    ]


def spend_totals(
    conn: Connection, by: str, since: datetime | None = None, search_id: str | None = None
) -> list[dict[str, Any]]:
    """Calls, cost (settled), calls in flight and LLM tokens, per search, run, day or month."""
    if by not in TOTAL_GROUPS:
        raise ValueError(f"spend totals are by {', '.join(TOTAL_GROUPS)}, not {by!r}")
    ledger = t.spend_ledger
    key = _group_column(conn, by).label("key")
    query = sa.select(key, *_spent()).group_by(key).order_by(key)
    if since is not None:
        query = query.where(ledger.c.created_at >= since)
    if search_id is not None:
        query = query.where(ledger.c.search_id == search_id)
    return [
        {**row._mapping, "cost_usd": round(float(row.cost_usd), 6)} for row in conn.execute(query)
    ]


def spend_summary(
    conn: Connection,
    *,
    search_id: str | None = None,
    run_id: str | None = None,
    since: datetime | None = None,
) -> dict[str, Any]:
    """One total (of a search, a run, or everything since a moment), with cost by provider
    and SKU or model."""
    ledger = t.spend_ledger
    where = [
        condition
        for condition in (
            ledger.c.search_id == search_id if search_id is not None else None,
            ledger.c.run_id == run_id if run_id is not None else None,
            ledger.c.created_at >= since if since is not None else None,
        )
        if condition is not None
    ]
    total = conn.execute(sa.select(*_spent()).where(*where)).one()
    by_sku = conn.execute(
        sa.select(ledger.c.provider, ledger.c.sku, *_spent())
        .where(*where)
        .group_by(ledger.c.provider, ledger.c.sku)
        .order_by(ledger.c.provider, ledger.c.sku)
    )
    return {
        "calls": total.calls,
        "cost_usd": round(float(total.cost_usd), 6),
        "in_flight": total.in_flight,
        "tokens": int(total.tokens),
        "by_sku": {
            f"{row.provider}:{row.sku}": {
                "calls": row.calls,
                "cost_usd": round(float(row.cost_usd), 6),
            }
            for row in by_sku
        },
    }


def ledger_rows(conn: Connection, search_id: str) -> list[dict[str, Any]]:
    """A search's calls, oldest first."""
    query = (
        sa.select(t.spend_ledger)
        .where(t.spend_ledger.c.search_id == search_id)
        .order_by(t.spend_ledger.c.created_at, t.spend_ledger.c.call_id)
    )
    return [dict(row._mapping) for row in conn.execute(query)]
