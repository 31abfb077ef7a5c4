"""Schemathesis against the app's own OpenAPI spec, in-process: no input makes it fail.

Every generated request must get an answer the spec documents, in the shape it
documents, and never a server error. One 5xx is an answer rather than a
failure: 503 `orchestrator_unavailable`, because here Dagster is deliberately
unreachable (a fuzzer's valid searches must not launch real runs); the live
tests cover the endpoints with Dagster up. Likewise 503 `probe_unavailable`: no
Places key is set here, so a quote's probe calls nothing (leadgen_pipeline_tests/api/test_quote.py
probes the sandbox).
"""

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import positive_data_acceptance

from leadgen_pipeline.api.app import create_app
from leadgen_pipeline_tests.support.api import AUTH, api_settings
from leadgen_pipeline_tests.support.searches import ROOFERS_PORTLAND, run_searches

EXAMPLES_PER_OPERATION = 80


@pytest.fixture(scope="module")
def api_schema(sandbox, tmp_path_factory: pytest.TempPathFactory) -> schemathesis.BaseSchema:
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    database_url = f"sqlite:///{data_dir / 'leadgen.sqlite3'}"
    run_searches(database_url, sandbox, data_dir, [ROOFERS_PORTLAND])
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(api_settings(database_url)))


def no_server_error_but_a_dagster_outage(ctx, response, case) -> None:
    if response.status_code < 500:
        return
    outage = response.status_code == 503 and (
        response.json().get("error") in ("orchestrator_unavailable", "probe_unavailable")
    )
    assert outage, f"{case.method} {case.path}: {response.status_code} {response.text[:300]}"


def schema_valid_data_accepted_unless_it_holds_nul(ctx, response, case) -> None:
    """Schemathesis' positive_data_acceptance, but a NUL character in a string is refused by
    design (422: PostgreSQL cannot store one), though the spec's plain strings allow it."""
    values = [*(case.path_parameters or {}).values(), *(case.query or {}).values()]
    if any(
        "\x00" in str(v)
        for value in values
        for v in (value if isinstance(value, list) else [value])
    ):
        assert response.status_code == 422, f"{case.path}: NUL answered {response.status_code}"
        return
    positive_data_acceptance(ctx, response, case)


def operations() -> list[tuple[str, str]]:
    # The spec does not depend on the database, so it can be listed at collection time.
    app = create_app(api_settings("sqlite://"))
    spec = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [(op.ok().method.upper(), op.ok().path) for op in spec.get_all_operations()]


OPERATIONS = operations()
# Their rules go beyond what a schema says (which characters a keyword may
# hold, whether a place id exists), so a schema-valid body may get a 422.
DOMAIN_VALIDATED = {
    "/api/trigger-orchestrator",
    "/api/enrich-batch",
    "/api/quote",
    "/api/webhooks/{source}",
}


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_generated_request_gets_a_documented_non_5xx_answer(
    api_schema, method, path, monkeypatch
):
    monkeypatch.delenv("GOOGLE_PLACES_API_KEY", raising=False)
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def answers_as_documented(case: schemathesis.Case) -> None:
        case.call_and_validate(
            headers=AUTH,
            excluded_checks=[not_a_server_error, positive_data_acceptance],
            additional_checks=[
                no_server_error_but_a_dagster_outage,
                *(
                    []
                    if path in DOMAIN_VALIDATED
                    else [schema_valid_data_accepted_unless_it_holds_nul]
                ),
            ],
        )

    answers_as_documented()
