"""Run every benchmark in sequence and print their ratios together (`make bench`).

    .venv/bin/python -m bench.run_all [--only NAME ...] [--json PATH]

Each benchmark starts its own sandbox process and throwaway PostgreSQL
databases and removes them when it ends. One that fails is reported and the
others still run; the exit status is then 1. Figures are comparable only
within a run: the machine's load (other work on it) is printed at the start
and the end.
"""

import argparse
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import sqlalchemy as sa

from bench import (
    api_under_load,
    celery_backfill,
    coverage,
    cross_run_quota,
    dagster_shared_quota,
    outbound_webhooks,
    pipeline_overhead,
    quota_use,
    quote_accuracy,
    scale,
    spend_admission,
    throughput_curve,
)
from bench.common import PG_ADMIN_URL, Report

BENCHMARKS: dict[str, Callable[[], list[Report]]] = {
    "quota_use": quota_use.run,
    "throughput_curve": throughput_curve.run,
    "cross_run_quota": cross_run_quota.run,
    "pipeline_overhead": pipeline_overhead.run,
    "scale": scale.run,
    "dagster_shared_quota": dagster_shared_quota.run,
    "api_under_load": api_under_load.run,
    "coverage": coverage.run,
    "celery_backfill": celery_backfill.run,
    "outbound_webhooks": outbound_webhooks.run,
    "quote_accuracy": quote_accuracy.run,
    "spend_admission": spend_admission.run,
}
BUDGET_SECONDS = 20 * 60


def machine() -> str:
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    engine = sa.create_engine(PG_ADMIN_URL)
    with engine.connect() as conn:
        postgres = conn.exec_driver_sql("SHOW server_version").scalar_one()
    engine.dispose()
    return (
        f"{os.cpu_count()} cores, {memory_gib:.0f} GiB, Python {platform.python_version()}, "
        f"dagster {version('dagster')}, PostgreSQL {postgres}"
    )


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), help="run only these")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args()
    chosen = args.only or list(BENCHMARKS)
    print(f"leadgen benchmarks on {machine()}; {load()}", flush=True)
    started = time.monotonic()
    reports: list[Report] = []
    failed: list[str] = []
    for name in chosen:
        print(f"\n### {name}", flush=True)
        try:
            reports += BENCHMARKS[name]()
        except Exception:
            failed.append(name)
            traceback.print_exc()
    seconds = time.monotonic() - started

    print(f"\n### summary ({seconds / 60:.1f} min; {load()})")
    for report in reports:
        for label, (value, target) in report.ratios.items():
            suffix = f"   (target {target})" if target else ""
            print(f"  {report.name}: {label} = {value:.3f}{suffix}")
    if seconds > BUDGET_SECONDS:
        print(f"  note: took longer than the {BUDGET_SECONDS // 60} min budget")
    for name in failed:
        print(f"  FAILED: {name} (traceback above)")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": machine(),
                    "seconds": round(seconds, 1),
                    "reports": [report.as_dict() for report in reports],
                },
                indent=2,
                default=str,
            )
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
