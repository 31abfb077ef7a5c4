"""Benchmark 10: outbound webhooks, what the outbox costs the leads upsert and how fast a
delivery round sends.

Outbox: `lead_store.upsert_leads` of 500 new leads (500 lead.created events and one
delivery each for one subscription, in the upsert's transaction), then the same leads
again (a re-run: nothing changed, nothing written to the outbox), on a throwaway
PostgreSQL database. Delivery: one round (`deliver_due`) sends 400 deliveries to a
receiver on loopback that accepts everything, for one subscription (sent in order) and
for four (a thread each); each attempt is signed and recorded in its own transaction.
The receiver turns off Nagle's algorithm, as any production server does: Python's
http.server would otherwise hold each answer for the client's delayed ACK (about 40 ms).
"""

import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.common import Report, progress, throwaway_database
from bench.scale import closed_filler
from leadgen_pipeline.domain.leads import LeadCandidate, Sourced, score_lead
from leadgen_pipeline.domain.outbound_webhooks import OutboundEventType, build_event
from leadgen_pipeline.domain.search_request import parse_search_request
from leadgen_pipeline.resources import OutboundWebhooksResource
from leadgen_pipeline.storage import (
    lead_store,
    outbound_webhook_store,
    prospect_store,
    search_store,
)
from leadgen_pipeline.storage.base import utcnow
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline.webhooks.outbound import DeliverySettings, deliver_due, subscribe

LEADS = 500
DELIVERIES = 400
REPEATS = 3


@contextmanager
def accepting_receiver() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def outbox_cost() -> tuple[list[float], list[float]]:
    first, again = [], []
    for repeat in range(REPEATS):
        with throwaway_database(f"outbox_{repeat}") as url:
            engine = engine_for(url)
            request = parse_search_request("plumber", "Austin, TX")
            search_store.register_search(engine, request, "bench")
            # Listings of the scale benchmark: their leads are what is timed here.
            prospects = [closed_filler(i) for i in range(LEADS)]
            prospect_store.store_search_prospects(engine, request.partition_key, prospects)
            guard = OutboundWebhooksResource(allowed_origins="http://127.0.0.1:9").guard
            subscribe(engine, guard, "http://127.0.0.1:9/", ["lead.created", "lead.updated"])
            phone = Sourced("+15124692300", "places_search")
            scored = [score_lead(LeadCandidate(p, phone=phone)) for p in prospects]
            started = time.perf_counter()
            lead_store.upsert_leads(engine, request.partition_key, scored, None)
            middle = time.perf_counter()
            lead_store.upsert_leads(engine, request.partition_key, scored, None)
            first.append(middle - started)
            again.append(time.perf_counter() - middle)
            engine.dispose()
    return first, again


def delivery_rate(subscriptions: int) -> list[float]:
    rates = []
    for repeat in range(REPEATS):
        with (
            throwaway_database(f"delivery_{subscriptions}_{repeat}") as url,
            accepting_receiver() as receiver,
        ):
            engine = engine_for(url)
            webhooks = OutboundWebhooksResource(allowed_origins=receiver)
            for n in range(subscriptions):
                subscribe(engine, webhooks.guard, f"{receiver}/{n}", ["search.completed"])
            events = [
                build_event(
                    OutboundEventType.SEARCH_COMPLETED, ("bench", str(n)), {"n": n}, utcnow()
                )
                for n in range(DELIVERIES // subscriptions)
            ]
            outbound_webhook_store.emit_events(engine, events)
            settings = DeliverySettings(
                max_per_tick=DELIVERIES, max_per_subscription=DELIVERIES, tick_budget_s=120
            )
            started = time.perf_counter()
            report = deliver_due(engine, webhooks.sender, settings)
            elapsed = time.perf_counter() - started
            if report.delivered != DELIVERIES:
                raise RuntimeError(f"a round delivered {report}")
            rates.append(DELIVERIES / elapsed)
            engine.dispose()
    return rates


def run() -> list[Report]:
    report = Report("outbound_webhooks", "outbound webhooks: the outbox's cost, delivery rate")
    progress(f"outbox: upsert {LEADS} new leads, then again, {REPEATS} times")
    first, again = outbox_cost()
    progress(f"delivery: {DELIVERIES} deliveries in one round, 1 and 4 subscriptions")
    one, four = delivery_rate(1), delivery_rate(4)
    report.ratio(
        "deliveries/s, 4 subscriptions / 1", statistics.median(four) / statistics.median(one)
    )
    report.add_raw(
        {
            f"upsert of {LEADS} new leads with their events, ms (median)": 1000
            * statistics.median(first),
            f"the same {LEADS} again (nothing to tell), ms (median)": 1000
            * statistics.median(again),
            "deliveries/s, 1 subscription (median)": statistics.median(one),
            "deliveries/s, 4 subscriptions (median)": statistics.median(four),
        }
    )
    report.print()
    return [report]
