"""Benchmark: the Celery backfill test (leadgen_pipeline_tests/test_celery_executor.py).

Ten searches backfilled by `dagster job backfill`, each run's steps executed by
dagster-celery's executor on two Celery workers through this machine's RabbitMQ
broker, the database compared with an in-process run of the same searches.
It is a test (it asserts), run here because it takes minutes; this prints
whether it passed, how long the backfill took and what pytest said.
"""

import re
import subprocess
import sys
import time

from bench.common import REPO_ROOT, Report, progress

TEST = "leadgen_pipeline_tests/test_celery_executor.py"


def run() -> list[Report]:
    report = Report("celery_backfill", "10 searches backfilled on 2 Celery workers (a test)")
    progress(f"pytest -m celery {TEST}")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "celery", "-qs", "-p", "no:cacheprovider", TEST],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    seconds = time.monotonic() - started
    output = result.stdout + result.stderr
    backfill = re.search(r"backfill of (\d+) runs: ([\d.]+) s", output)
    counts = re.compile(r"\d+ (passed|failed|skipped)")
    summary = [line for line in output.splitlines() if counts.search(line)]
    report.ratio("test passed (1 = yes)", 1.0 if result.returncode == 0 else 0.0, "1")
    report.add_raw(
        {
            "pytest says": summary[-1] if summary else output[-500:],
            "backfill seconds (runs launched to all finished)": backfill.group(2)
            if backfill
            else None,
            "test seconds (with the in-process reference run)": round(seconds, 1),
        }
    )
    if result.returncode != 0:
        report.note(output[-3000:])
    report.print()
    return [report]


if __name__ == "__main__":
    run()
