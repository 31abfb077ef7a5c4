"""The real `search` job, run by Dagster in this process or in a child one.

`search_job` is the reconstructable target: the product's code location as
`leadgen_pipeline.definitions` builds it from the environment (production
resources, keys through EnvVar, endpoints from LEADGEN_* variables). Run as a
module it executes one partition of the job and exits:

    DAGSTER_HOME=... LEADGEN_DATABASE_URL=... python -m \
        leadgen_pipeline_tests.support.search_process plumber@austin-tx

The job runs in process (the code location's executor), so a SIGKILL of this
process is the crash of the run. Everything it needs comes from the
environment, so its command line carries
nothing secret.
"""

import sys
from pathlib import Path

import dagster as dg

from leadgen_pipeline.definitions import build_definitions


def search_job() -> dg.JobDefinition:
    return build_definitions().resolve_job_def("search")


def prepare_dagster_home(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return home


def execute(instance: dg.DagsterInstance, partition_key: str) -> dg.JobExecutionResult:
    return dg.execute_job(
        dg.reconstructable(search_job),
        instance=instance,
        tags={"dagster/partition": partition_key},
    )


def reexecute_from_failure(instance: dg.DagsterInstance, run_id: str) -> dg.JobExecutionResult:
    """What the UI's "Re-execute from failure" (GraphQL launchPipelineReexecution, which the
    API's retry endpoint calls) does, in this process. The Python API, unlike GraphQL, does
    not copy the parent's tags, so the partition tag is passed on here."""
    parent = instance.get_run_by_id(run_id)
    assert parent is not None, f"no run {run_id}"
    return dg.execute_job(
        dg.reconstructable(search_job),
        instance=instance,
        tags={k: v for k, v in parent.tags.items() if k == "dagster/partition"},
        reexecution_options=dg.ReexecutionOptions.from_failure(run_id, instance),
    )


def main(argv: list[str]) -> int:
    [partition_key] = argv
    with dg.DagsterInstance.get() as instance:
        result = execute(instance, partition_key)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
