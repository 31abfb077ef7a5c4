"""Drain claimed enrichment work with bounded concurrency, one prospect at a time in the database.

Concurrency keeps the shared quotas busy while requests are in flight (the
clients' limiters, not sleeps, set the pace). Most of a prospect's time is
waiting on other servers (Places, the LLM, its website at its host's polite
pace), so many prospects are in flight at once: a slow site holds one of
them for at most its site budget while the others go on, and the provider
quotas, not the worker count, stay the limit (docs/benchmarks.md: the curve).
Claims are taken in small chunks and topped up as prospects finish, so the
end of a drain runs as fast as its middle and memory does not grow with the
queue; every outcome is written as soon as it is known, so a run killed half
way loses at most the prospects in flight, which its re-execution picks up
again.
"""

from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime

import psycopg
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from leadgen_pipeline.clients.dns import MailDomainResolver
from leadgen_pipeline.clients.llm import LLMClient
from leadgen_pipeline.clients.places import PlacesClient
from leadgen_pipeline.clients.resilience import ProviderError
from leadgen_pipeline.clients.spend import BudgetReached, spend_for
from leadgen_pipeline.clients.web import WebsiteFetcher
from leadgen_pipeline.domain.enrichment import EnrichmentOutcome, retry_delay
from leadgen_pipeline.enrichment.waterfall import WaterfallSettings, enrich_prospect
from leadgen_pipeline.monitoring.heartbeat import Ticker
from leadgen_pipeline.storage import queue_store
from leadgen_pipeline.storage.base import utcnow
from leadgen_pipeline.storage.queue_store import CLAIM_LEASE

# Claims are renewed this often while a drain runs: many times per lease.
CLAIM_RENEW_SECONDS = CLAIM_LEASE.total_seconds() / 6


@dataclass
class EnrichmentTally:
    outcomes: Counter[str] = field(default_factory=Counter)
    failure_reasons: Counter[str] = field(default_factory=Counter)
    skip_reasons: Counter[str] = field(default_factory=Counter)
    # Prospects whose waterfall reached the LLM (asked, whether or not it answered), and
    # those of them it did not answer (an outage, a refusal): the LLM's calls, retries
    # and cost come from its client's usage.
    llm_needed: int = 0
    llm_unanswered: int = 0
    # The budget that stopped the drain; its prospects went back to the queue.
    stopped_by: BudgetReached | None = None

    def add(self, outcome: EnrichmentOutcome | BudgetReached) -> None:
        if isinstance(outcome, BudgetReached):
            self.stopped_by = self.stopped_by or outcome
            return
        self.outcomes[outcome.status] += 1
        if outcome.status == "failed":
            self.failure_reasons[(outcome.reason or "unknown").split(":")[0]] += 1
        elif outcome.status == "skipped":
            self.skip_reasons[outcome.reason or "unknown"] += 1
        if "llm" in outcome.report.get("sources", ()):
            self.llm_needed += 1
            if "error" in outcome.report.get("llm", {}):
                self.llm_unanswered += 1

    @property
    def processed(self) -> int:
        return sum(self.outcomes.values())


@dataclass
class EnrichmentRunner:
    engine: Engine
    places: PlacesClient
    fetcher: WebsiteFetcher
    llm: LLMClient | None
    run_id: str
    claimer: str  # the root run id: a re-execution resumes the claims of the run it retries
    settings: WaterfallSettings = field(default_factory=WaterfallSettings)
    workers: int = 32
    mail_domains: MailDomainResolver | None = None  # no resolver: deliverability "unknown"
    now: Callable[[], datetime] = utcnow

    def _enrich_one(
        self, place_id: str, search_id: str | None
    ) -> EnrichmentOutcome | BudgetReached:
        prospect, attempts = queue_store.start_enrichment(self.engine, place_id)
        try:
            with spend_for(search_id=search_id, place_id=place_id):
                outcome = enrich_prospect(
                    prospect, self.places, self.fetcher, self.llm, self.settings, self.mail_domains
                )
        except BudgetReached as error:
            # Not an outcome: the prospect stays queued (its claim is given back when
            # the drain stops) and no attempt is counted.
            return error
        except ProviderError as error:
            outcome = EnrichmentOutcome("failed", reason=str(error))
        except (DBAPIError, psycopg.Error):
            # The database (ours, or the shared rate limiter's) is in trouble,
            # not this prospect: fail the step, whose retry resumes the claims.
            raise
        except Exception as error:  # one prospect's bug never fails its batch
            outcome = EnrichmentOutcome("failed", reason=f"{type(error).__name__}: {error}")
        retry_at = self.now() + retry_delay(attempts + 1) if outcome.status == "failed" else None
        # Database errors are not caught: the step fails and its retry resumes.
        queue_store.save_enrichment(self.engine, place_id, outcome, self.run_id, retry_at)
        return outcome

    def drain(
        self,
        search_id: str | None = None,
        max_prospects: int | None = None,
        on_progress: Callable[[EnrichmentTally], None] | None = None,
    ) -> EnrichmentTally:
        """Claim and enrich until the queue (or the search's part of it) is empty, the cap,
        or a budget.

        Claims come in chunks, topped up whenever fewer prospects wait than
        there are workers, so no worker idles while the queue has work. When a
        budget refuses a call, nothing more is started; the prospects in flight
        finish (or are refused too), and every claim not finished is given back:
        a later drain picks them up where this one stopped.
        """
        tally = EnrichmentTally()
        in_flight: dict[Future[EnrichmentOutcome | BudgetReached], str] = {}
        pending: list[str] = []
        exhausted = False
        renewal = Ticker(
            f"claims-{self.claimer}",
            CLAIM_RENEW_SECONDS,
            lambda: queue_store.renew_claims(self.engine, self.claimer),
        )
        with renewal, ThreadPoolExecutor(self.workers, thread_name_prefix="enrich") as pool:
            while True:
                taken = tally.processed + len(in_flight) + len(pending)
                room = None if max_prospects is None else max_prospects - taken
                stopped = tally.stopped_by is not None
                if (
                    len(pending) < self.workers
                    and not exhausted
                    and not stopped
                    and (room is None or room > 0)
                ):
                    chunk = self.workers * 2
                    limit = chunk if room is None else min(chunk, room)
                    claimed = queue_store.claim_enrichment(
                        self.engine,
                        self.claimer,
                        limit,
                        self.now() - CLAIM_LEASE,
                        search_id,
                        exclude=[*in_flight.values(), *pending],
                    )
                    pending += claimed
                    exhausted = not claimed
                while pending and not stopped and len(in_flight) < self.workers:
                    place_id = pending.pop(0)
                    in_flight[pool.submit(self._enrich_one, place_id, search_id)] = place_id
                if not in_flight:
                    if stopped:
                        queue_store.release_claims(self.engine, self.claimer)
                    return tally
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    del in_flight[future]
                    tally.add(future.result())
                if on_progress is not None:
                    on_progress(tally)
