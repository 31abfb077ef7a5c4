"""Celery workers of the dagster-celery executor, on the RabbitMQ broker of this machine.

Every development and CI machine runs RabbitMQ on 127.0.0.1:5672 (guest/guest).
Each test gets a queue of its own on it, so that engineers testing at the same
time never take each other's steps, and deletes the queue afterwards.
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path

import kombu
import pytest

BROKER_URL = os.environ.get("LEADGEN_TEST_BROKER_URL", "pyamqp://guest:guest@127.0.0.1:5672//")


def require_broker() -> None:
    """Skip when no broker answers here; on CI (CI=true) a missing broker fails the test."""
    try:
        with kombu.Connection(BROKER_URL, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1)
    except (OSError, kombu.exceptions.OperationalError) as error:
        message = f"the RabbitMQ broker at {BROKER_URL.split('@')[-1]} is not reachable: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def unique_queue() -> str:
    return f"leadgen-test-{uuid.uuid4().hex[:12]}"


def delete_queue(name: str) -> None:
    with kombu.Connection(BROKER_URL, connect_timeout=3) as connection:
        connection.default_channel.queue_delete(name)


@contextmanager
def celery_workers(
    count: int, queue: str, env: Mapping[str, str], log_dir: Path, ready_within_s: float = 90
) -> Iterator[list[str]]:
    """`count` workers of dagster-celery's app listening on `queue`, each a process of its own
    executing one step at a time; yields their names. Stopped (SIGTERM, then SIGKILL) after."""
    names = [f"worker{n}-{queue}@{socket.gethostname()}" for n in range(1, count + 1)]
    with ExitStack() as stack:
        processes = []
        for name in names:
            log = stack.enter_context((log_dir / f"{name.split('@')[0]}.log").open("w"))
            process = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("celery")),
                    "--app=dagster_celery.app",
                    f"--broker={BROKER_URL}",
                    "worker",
                    f"--queues={queue}",
                    f"--hostname={name}",
                    "--pool=solo",  # steps run in the worker process itself, one at a time
                    "--prefetch-multiplier=1",
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel=INFO",
                ],
                env=dict(env),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            stack.callback(_stop, process)
            processes.append(process)
        _wait_until_ready(names, log_dir, processes, ready_within_s)
        yield names


def _wait_until_ready(
    names: list[str], log_dir: Path, processes: list[subprocess.Popen], within_s: float
) -> None:
    deadline = time.monotonic() + within_s
    logs = [log_dir / f"{name.split('@')[0]}.log" for name in names]
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            raise RuntimeError(f"a celery worker exited at start; see {log_dir}")
        if all(" ready." in log.read_text(errors="replace") for log in logs):
            return
        time.sleep(0.2)
    raise TimeoutError(f"celery workers not ready within {within_s:g} s; see {log_dir}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
