"""The spend ledger as the clients see it: admit a billable call, then settle its cost.

The resources give one `SpendMeter` to the Places and LLM clients. Before each
attempt a client reserves the call's price in the shared ledger (refused with
`BudgetReached` when a cap has no room); when the attempt returns it settles the
actual cost. What the work is for (its search, its prospect) is set around it
with `spend_for(...)`, per thread, so the clients need not be told.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from leadgen_pipeline.domain.budget import Refusal
from leadgen_pipeline.domain.pricing import PRICE_VERSION
from leadgen_pipeline.storage import spend_store
from leadgen_pipeline.storage.spend_store import Call


class BudgetReached(Exception):
    """A cap has no room for the next call: nothing was sent, nothing was spent on it."""

    def __init__(self, refused: Refusal) -> None:
        super().__init__(refused.message)
        self.refusal = refused


@dataclass(frozen=True)
class _Purpose:
    search_id: str | None = None
    place_id: str | None = None


_purpose: ContextVar[_Purpose | None] = ContextVar("leadgen_spend_purpose", default=None)


@contextmanager
def spend_for(search_id: str | None = None, place_id: str | None = None) -> Iterator[None]:
    """Charge the calls made in this block (in this thread) to a search and a prospect."""
    token = _purpose.set(_Purpose(search_id, place_id))
    try:
        yield
    finally:
        _purpose.reset(token)


@dataclass
class Ticket:
    """A call admitted and recorded as in flight; settle it once it returns."""

    engine: Engine
    call_id: str

    def settle(
        self, cost_usd: float, outcome: str, prompt_tokens: int = 0, completion_tokens: int = 0
    ) -> None:
        spend_store.settle(
            self.engine, self.call_id, cost_usd, outcome, prompt_tokens, completion_tokens
        )


@dataclass
class SpendMeter:
    engine: Engine
    run_id: str | None = None
    daily_cap_usd: float | None = None

    def admit(self, provider: str, sku: str, price_usd: float) -> Ticket:
        """Reserve one call's price, or raise BudgetReached (before anything is sent)."""
        purpose = _purpose.get() or _Purpose()
        call = Call(
            call_id=str(uuid.uuid4()),
            provider=provider,
            sku=sku,
            price_usd=price_usd,
            price_version=PRICE_VERSION,
            search_id=purpose.search_id,
            run_id=self.run_id,
            place_id=purpose.place_id,
        )
        if (refused := spend_store.reserve(self.engine, call, self.daily_cap_usd)) is not None:
            raise BudgetReached(refused)
        return Ticket(self.engine, call.call_id)
