"""Dagster's webserver, through its GraphQL API: launch, inspect and re-execute runs.

The HTTP API never opens the Dagster instance itself, so it runs anywhere that
can reach the webserver, whatever storage the instance uses. Every call is a
plain HTTP POST on a session of the calling thread: the API serves requests
from many threads at once, and dagster_graphql's own client shares one gql
transport that refuses a second caller while the first is connected
(`TransportAlreadyConnected`).
"""

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from dagster_graphql.client.client_queries import CLIENT_SUBMIT_PIPELINE_RUN_MUTATION
from dagster_graphql.client.query import LAUNCH_PIPELINE_REEXECUTION_MUTATION

from leadgen_pipeline.monitoring.failures import error_message, readable_message

PARTITION_TAG = "dagster/partition"
PARTITION_SET_TAG = "dagster/partition_set"
PARENT_RUN_TAG = "dagster/parent_run_id"
IN_PROGRESS_RUN_STATUSES = frozenset({"QUEUED", "NOT_STARTED", "MANAGED", "STARTING", "STARTED"})
RETRYABLE_RUN_STATUSES = frozenset({"FAILURE", "CANCELED"})
# A re-execution's own step stats cover only the steps it ran; the rest are
# read from its parents, this many generations up at most.
MAX_PARENT_RUNS = 5
MAX_EVENT_PAGES = 10
# Dagster's error texts go into logs, search rows and answers: a line, not a page.
MAX_ERROR_CHARS = 300
LAUNCH_SUCCESS = ("LaunchRunSuccess", "LaunchPipelineRunSuccess")

_REPOSITORIES_QUERY = """
query LeadgenRepositories {
  repositoriesOrError {
    __typename
    ... on RepositoryConnection { nodes { name location { name } pipelines { name } } }
    ... on PythonError { message }
  }
}
"""

_ADD_PARTITION_MUTATION = """
mutation LeadgenAddPartition($selector: RepositorySelector!, $name: String!, $key: String!) {
  addDynamicPartition(repositorySelector: $selector, partitionsDefName: $name, partitionKey: $key) {
    __typename
    ... on PythonError { message }
    ... on UnauthorizedError { message }
  }
}
"""

_RUN_QUERY = """
query LeadgenRun($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run {
      runId jobName status parentRunId rootRunId startTime endTime
      tags { key value }
      stepKeysToExecute
      stepStats { stepKey status }
    }
    ... on RunNotFoundError { message }
    ... on PythonError { message }
  }
}
"""

_RUN_EVENTS_QUERY = """
query LeadgenRunEvents($runId: ID!, $cursor: String) {
  logsForRun(runId: $runId, afterCursor: $cursor, limit: 1000) {
    __typename
    ... on EventConnection {
      cursor hasMore
      events {
        __typename
        ... on ExecutionStepFailureEvent {
          stepKey
          failureMetadata { description }
          error { message cause { message cause { message } } }
        }
      }
    }
    ... on RunNotFoundError { message }
    ... on PythonError { message }
  }
}
"""

_LATEST_TAGGED_RUN_QUERY = """
query LeadgenLatestRun($filter: RunsFilter!) {
  runsOrError(filter: $filter, limit: 1) {
    __typename
    ... on Runs { results { runId status } }
    ... on InvalidPipelineRunsFilterError { message }
    ... on PythonError { message }
  }
}
"""


class OrchestratorUnavailable(Exception):
    """Dagster could not be reached, or refused a request it should have accepted."""


class RunNotRetryable(Exception):
    """The run is not in a state Dagster can re-execute from failure."""


@dataclass(frozen=True)
class StepFailure:
    step: str
    message: str


@dataclass(frozen=True)
class RunDetails:
    run_id: str
    job_name: str
    status: str  # Dagster's DagsterRunStatus name: QUEUED, STARTED, SUCCESS, FAILURE...
    tags: Mapping[str, str]
    parent_run_id: str | None
    planned_steps: tuple[str, ...]
    # Step key -> Dagster's StepEventStatus name, parents' steps included.
    step_statuses: Mapping[str, str] = field(default_factory=dict)
    step_failures: tuple[StepFailure, ...] = ()

    @property
    def partition_key(self) -> str | None:
        return self.tags.get(PARTITION_TAG)


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    status: str


def _short(text: object) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= MAX_ERROR_CHARS else line[: MAX_ERROR_CHARS - 1] + "…"


def _cause_chain_message(error: Mapping[str, Any] | None) -> str:
    if error is None:
        return "unknown error"
    while error.get("cause"):
        error = error["cause"]
    return readable_message(error.get("message") or "unknown error")


class DagsterClient:
    """The GraphQL calls the HTTP API needs, with timeouts and errors it can answer with."""

    def __init__(self, base_url: str, timeout_seconds: float = 15.0) -> None:
        parts = urlsplit(base_url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"the Dagster URL must be http(s)://host[:port][/prefix], not {base_url!r}"
            )
        self._graphql_url = f"{base_url.rstrip('/')}/graphql"
        self._timeout = timeout_seconds
        self._job_locations: dict[str, tuple[str, str]] = {}
        self._local = threading.local()

    @property
    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.trust_env = False  # the webserver is ours: no proxy from the environment
        return session

    def _execute(self, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        try:
            response = self._session.post(
                self._graphql_url,
                json={"query": query, "variables": dict(variables)},
                timeout=self._timeout,
            )
            response.raise_for_status()
            payload = response.json()
        except (requests.RequestException, ValueError) as error:
            raise OrchestratorUnavailable(
                f"Dagster's GraphQL API did not answer: {type(error).__name__}"
            ) from error
        if payload.get("errors"):
            messages = "; ".join(str(e.get("message")) for e in payload["errors"])
            raise OrchestratorUnavailable(f"Dagster refused the query: {_short(messages)}")
        return payload["data"]

    def job_location(self, job_name: str) -> tuple[str, str]:
        """(code location, repository) holding `job_name`; asked once, then remembered."""
        if job_name not in self._job_locations:
            result = self._execute(_REPOSITORIES_QUERY, {})["repositoriesOrError"]
            if result["__typename"] != "RepositoryConnection":
                raise OrchestratorUnavailable(
                    f"Dagster could not list its code: {_short(result['message'])}"
                )
            found = [
                (node["location"]["name"], node["name"])
                for node in result["nodes"]
                if any(job["name"] == job_name for job in node["pipelines"])
            ]
            if len(found) != 1:
                raise OrchestratorUnavailable(
                    f"expected one code location with the {job_name!r} job, found {len(found)}"
                )
            self._job_locations[job_name] = found[0]
        return self._job_locations[job_name]

    def add_dynamic_partition(self, job_name: str, partitions_name: str, key: str) -> None:
        """Add `key` to the dynamic partitions `partitions_name` of the code location of
        `job_name`; a key that already exists is what was wanted."""
        location, repository = self.job_location(job_name)
        result = self._execute(
            _ADD_PARTITION_MUTATION,
            {
                "selector": {"repositoryLocationName": location, "repositoryName": repository},
                "name": partitions_name,
                "key": key,
            },
        )["addDynamicPartition"]
        # A partition that already exists is what we wanted.
        if result["__typename"] not in (
            "AddDynamicPartitionSuccess",
            "DuplicateDynamicPartitionError",
        ):
            raise OrchestratorUnavailable(
                f"could not add the partition: {_short(result.get('message'))}"
            )

    def launch_partition_run(
        self, job_name: str, partition_key: str, tags: Mapping[str, str]
    ) -> str:
        """Launch `job_name` for one partition; returns the run id."""
        location, repository = self.job_location(job_name)
        all_tags = {
            **tags,
            PARTITION_TAG: partition_key,
            # Dagster's name for the job's partition set; the UI groups runs by it.
            PARTITION_SET_TAG: f"{job_name}_partition_set",
        }
        result = self._execute(
            CLIENT_SUBMIT_PIPELINE_RUN_MUTATION,
            {
                "executionParams": {
                    "selector": {
                        "repositoryLocationName": location,
                        "repositoryName": repository,
                        "pipelineName": job_name,
                    },
                    "runConfigData": {},
                    "mode": "default",
                    "executionMetadata": {
                        "tags": [{"key": k, "value": v} for k, v in all_tags.items()]
                    },
                }
            },
        )["launchPipelineExecution"]
        if result["__typename"] in LAUNCH_SUCCESS:
            return result["run"]["runId"]
        raise OrchestratorUnavailable(
            f"Dagster did not launch the run: {result['__typename']}: "
            f"{_short(result.get('message') or '')}"
        )

    def _latest_tagged_run(self, job_name: str | None, key: str, value: str) -> RunSummary | None:
        run_filter: dict[str, Any] = {"tags": [{"key": key, "value": value}]}
        if job_name is not None:
            run_filter["pipelineName"] = job_name
        result = self._execute(_LATEST_TAGGED_RUN_QUERY, {"filter": run_filter})["runsOrError"]
        if result["__typename"] != "Runs":
            raise OrchestratorUnavailable(
                f"Dagster could not list runs: {_short(result['message'])}"
            )
        runs = result["results"]
        return RunSummary(runs[0]["runId"], runs[0]["status"]) if runs else None

    def latest_partition_run(self, job_name: str, partition_key: str) -> RunSummary | None:
        """The newest run of `job_name` for a partition, whoever launched it."""
        return self._latest_tagged_run(job_name, PARTITION_TAG, partition_key)

    def latest_reexecution(self, run_id: str) -> RunSummary | None:
        """The newest re-execution of `run_id` (from the API, the UI or a run retry)."""
        return self._latest_tagged_run(None, PARENT_RUN_TAG, run_id)

    def _run(self, run_id: str) -> dict[str, Any] | None:
        result = self._execute(_RUN_QUERY, {"runId": run_id})["runOrError"]
        if result["__typename"] == "RunNotFoundError":
            return None
        if result["__typename"] != "Run":
            raise OrchestratorUnavailable(
                f"Dagster could not read the run: {_short(result['message'])}"
            )
        return result

    def _step_failures(self, run_id: str) -> list[StepFailure]:
        failures: list[StepFailure] = []
        cursor = None
        for _ in range(MAX_EVENT_PAGES):
            result = self._execute(_RUN_EVENTS_QUERY, {"runId": run_id, "cursor": cursor})
            connection = result["logsForRun"]
            if connection["__typename"] != "EventConnection":
                break
            for event in connection["events"]:
                if event["__typename"] == "ExecutionStepFailureEvent":
                    description = (event.get("failureMetadata") or {}).get("description")
                    message = (
                        error_message(description, None)
                        if description
                        else _cause_chain_message(event.get("error"))
                    )
                    failures.append(StepFailure(event["stepKey"], message))
            if not connection["hasMore"]:
                break
            cursor = connection["cursor"]
        return failures

    def run_details(self, run_id: str) -> RunDetails | None:
        """The run's status and its steps', or None if Dagster has no such run."""
        run = self._run(run_id)
        if run is None:
            return None
        statuses: dict[str, str] = {}
        ancestor = run
        for _ in range(MAX_PARENT_RUNS + 1):
            for step in ancestor["stepStats"]:
                statuses.setdefault(step["stepKey"], step["status"])
            if not ancestor.get("parentRunId"):
                break
            parent = self._run(ancestor["parentRunId"])
            if parent is None:
                break
            ancestor = parent
        own_failed = any(step["status"] == "FAILURE" for step in run["stepStats"])
        return RunDetails(
            run_id=run["runId"],
            job_name=run["jobName"],
            status=run["status"],
            tags={tag["key"]: tag["value"] for tag in run["tags"]},
            parent_run_id=run.get("parentRunId"),
            planned_steps=tuple(run.get("stepKeysToExecute") or ()),
            step_statuses=statuses,
            step_failures=tuple(self._step_failures(run_id)) if own_failed else (),
        )

    def reexecute_from_failure(self, run_id: str) -> str:
        """Launch a re-execution of a failed run from its failed steps; returns the new run id."""
        result = self._execute(
            LAUNCH_PIPELINE_REEXECUTION_MUTATION,
            {"reexecutionParams": {"parentRunId": run_id, "strategy": "FROM_FAILURE"}},
        )["launchPipelineReexecution"]
        kind = result["__typename"]
        if kind in LAUNCH_SUCCESS:
            return result["run"]["runId"]
        message = result.get("message") or kind
        if "not failed" in message or kind == "InvalidStepError":
            raise RunNotRetryable(readable_message(message))
        raise OrchestratorUnavailable(f"Dagster did not re-execute the run: {kind}")
