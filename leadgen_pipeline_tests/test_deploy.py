"""The deployment files (deploy/), through deploy/validate.py: each check passes or says why it
could not run here; none fails."""

import os
import subprocess
import sys

from leadgen_pipeline_tests.support.databases import PG_ADMIN_URL
from leadgen_pipeline_tests.support.paths import PROJECT_ROOT


def test_the_deployment_files_validate(postgres_url):
    # postgres_url: in CI, a PostgreSQL that is not there fails here rather than in a SKIP line.
    result = subprocess.run(
        [sys.executable, "deploy/validate.py"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "LEADGEN_BENCH_PG_ADMIN_URL": PG_ADMIN_URL},
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    verdicts = {line[6:].split(":")[0]: line[:4] for line in result.stdout.splitlines() if line}
    assert "FAIL" not in verdicts.values(), report
    # Every check whose tool the dev extras install runs; only helm and a Docker engine miss.
    for check in (
        "compose file matches the compose-spec schema",
        "docker compose config",
        "dagster.docker.yaml loads as a Dagster instance",
        "workspace.docker.yaml matches Dagster's schema",
        "Helm values",
    ):
        assert verdicts.get(check) == "PASS", report
