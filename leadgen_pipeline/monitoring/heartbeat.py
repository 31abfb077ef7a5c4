"""Heartbeats: proof, in the application database, that a run's process is alive.

Dagster's run monitoring cannot tell that a run's process died on one machine:
the default run launcher has no health check (only the Kubernetes, Docker and
ECS launchers do), so after a machine restart a run stays STARTED for ever.
So every run process beats: from the set-up of the run's database resource
until Dagster records the run's end, a thread writes `run_heartbeats.beat_at`
every HEARTBEAT_SECONDS. The `reap_dead_runs` sensor marks a STARTED run
failed once its beat has been silent for SILENCE_LIMIT, and frees its
enrichment claims.
"""

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import timedelta

from dagster import DagsterInstance, DagsterRun
from sqlalchemy.engine import Engine

from leadgen_pipeline.storage import job_store

logger = logging.getLogger(__name__)

SILENCE_LIMIT_ENV = "LEADGEN_RUN_SILENCE_LIMIT_SECONDS"
# Longer than any stall of a live process (a garbage collection, a database
# failover), far shorter than a run.
SILENCE_LIMIT = timedelta(seconds=float(os.environ.get(SILENCE_LIMIT_ENV, "60")))
# Six beats per silence limit: a few lost writes are not a death.
HEARTBEAT_SECONDS = SILENCE_LIMIT.total_seconds() / 6


class Ticker:
    """Calls `tick` every `interval` seconds on a daemon thread until stopped. A tick that
    fails is logged and the next one tried: a heartbeat outlives a database hiccup."""

    def __init__(self, name: str, interval: float, tick: Callable[[], object]) -> None:
        self._interval = interval
        self._tick = tick
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> "Ticker":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.cancel()
        self._thread.join(timeout=self._interval + 5)

    def cancel(self) -> None:
        """Stop after the current tick, without waiting (a tick may cancel its own ticker)."""
        self._stopped.set()

    @property
    def cancelled(self) -> bool:
        return self._stopped.is_set()

    def _loop(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                self._tick()
            except Exception as error:
                logger.warning("%s failed: %s", self._thread.name, error)

    def __enter__(self) -> "Ticker":
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


# The runs this process beats for: a run's database resource is set up once
# per use (top level, and nested in each client's resource).
_beating: set[str] = set()
_beating_lock = threading.Lock()
# Consecutive failed reads of the run's status after which a heartbeat stops:
# a process that cannot reach Dagster's storage is not running its run either.
MAX_STATUS_FAILURES = 3


class RunHeartbeat:
    """Beats for one run until Dagster says the run has ended (its process ends then too,
    but a test or the CLI runs many runs in one process)."""

    def __init__(self, engine: Engine, instance: DagsterInstance, run: DagsterRun) -> None:
        self.engine = engine
        self.instance = instance
        self.run = run
        self.status_failures = 0
        self.ticker = Ticker(f"heartbeat-{run.run_id}", HEARTBEAT_SECONDS, self.tick)

    def beat(self) -> None:
        job_store.beat(
            self.engine,
            run_id=self.run.run_id,
            root_run_id=self.run.root_run_id or self.run.run_id,
            job_name=self.run.job_name,
            host=socket.gethostname(),
            pid=os.getpid(),
        )

    def run_status(self) -> bool | None:
        """True while the run goes on, False once it ended, None if Dagster cannot say."""
        try:
            current = self.instance.get_run_by_id(self.run.run_id)
        except Exception:
            return None
        return current is not None and not current.is_finished

    def tick(self) -> None:
        running = self.run_status()
        if running:
            self.status_failures = 0
            self.beat()
            return
        if running is None:
            # No beat on a status nobody could read: a process whose run has
            # ended (its instance closed) must not look alive a tick longer.
            # After a few such ticks the row is left to go silent, for the
            # reaper to judge once Dagster answers again.
            self.status_failures += 1
            if self.status_failures >= MAX_STATUS_FAILURES:
                self.stop_beating()
            return
        self.stop_beating()
        job_store.forget_heartbeats(self.engine, [self.run.run_id])

    def stop_beating(self) -> None:
        self.ticker.cancel()
        with _beating_lock:
            _beating.discard(self.run.run_id)


def start_run_heartbeat(engine: Engine, instance: DagsterInstance, run: DagsterRun) -> None:
    """Beat for `run` from this process (once, however many callers ask)."""
    with _beating_lock:
        if run.run_id in _beating:
            return
        _beating.add(run.run_id)
    heartbeat = RunHeartbeat(engine, instance, run)
    heartbeat.beat()  # the run has a heartbeat from its first step on
    heartbeat.ticker.start()
