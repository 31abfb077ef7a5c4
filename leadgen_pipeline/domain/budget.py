"""Spending caps: which apply to a call, whether it fits, and the message when it does not.

Two caps: one per search (`max_cost_usd` on the search) and one per UTC day across every
run and process (LEADGEN_DAILY_BUDGET_USD). A call is admitted when what is committed
against each cap (calls settled at their cost, plus calls in flight at their reserved
price) and the call's own price stay within it; so only a call costing more than it
reserved can take the spend past a cap.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DAILY_BUDGET_ENV = "LEADGEN_DAILY_BUDGET_USD"
# A cap above this is a typo (cents for dollars), not a budget.
MAX_CAP_USD = 1_000_000.0
# A reservation not settled within this long belongs to a process that died: it no
# longer holds the budget (a Places call times out in seconds, an LLM call in a minute).
RESERVATION_LEASE = timedelta(minutes=15)


class InvalidBudget(ValueError):
    """A cap that is not a positive amount of dollars."""


def parse_cap(value: object, name: str) -> float | None:
    """A cap in USD from user input (CLI, API, config, environment); None or "" is no cap."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise InvalidBudget(f"{name} must be an amount in USD, got {value!r}")
    try:
        amount = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidBudget(f"{name} must be an amount in USD, got {str(value)[:40]!r}") from None
    if not math.isfinite(amount) or amount <= 0 or amount > MAX_CAP_USD:
        raise InvalidBudget(f"{name} must be more than 0 and at most {MAX_CAP_USD:g} USD")
    return round(amount, 6)


@dataclass(frozen=True)
class Caps:
    daily_usd: float | None = None
    search_usd: float | None = None

    @property
    def any(self) -> bool:
        return self.daily_usd is not None or self.search_usd is not None


@dataclass(frozen=True)
class Committed:
    """Settled cost plus in-flight reservations, against each cap."""

    day_usd: float = 0.0
    search_usd: float = 0.0


@dataclass(frozen=True)
class Refusal:
    cap: str  # "search" or "daily"
    limit_usd: float
    committed_usd: float
    price_usd: float

    @property
    def message(self) -> str:
        what = (
            "the search's cap (maxCostUsd)"
            if self.cap == "search"
            else f"the daily cap ({DAILY_BUDGET_ENV})"
        )
        return (
            f"budget reached: {what} is ${self.limit_usd:.4f}; ${self.committed_usd:.4f} is "
            f"spent or in flight and the next call costs up to ${self.price_usd:.4f}. "
            "Raise the cap (or wait for the next UTC day) and run again: "
            "it resumes where it stopped"
        )


def refusal(caps: Caps, committed: Committed, price_usd: float) -> Refusal | None:
    """None when a call of `price_usd` fits under every cap; else the cap it would pass.

    A free call (an IDs-only SKU) always fits: it spends nothing.
    """
    if price_usd <= 0:
        return None
    for cap, limit, used in (
        ("search", caps.search_usd, committed.search_usd),
        ("daily", caps.daily_usd, committed.day_usd),
    ):
        if limit is not None and used + price_usd > limit + 1e-9:
            return Refusal(cap, limit, round(used, 6), round(price_usd, 6))
    return None


def day_start(moment: datetime) -> datetime:
    """The start of `moment`'s UTC day: the daily cap's window."""
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def month_start(moment: datetime) -> datetime:
    """The start of `moment`'s UTC month."""
    return day_start(moment).replace(day=1)
