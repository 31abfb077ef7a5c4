"""Who may call what, and what a client sees when something is wrong."""

import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadgen_pipeline.api.app import create_app
from leadgen_pipeline.api.settings import ApiSettings
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.api import API_TOKEN, AUTH, api_settings

JOB_ID = "00000000-0000-4000-8000-000000000000"
MUTATIONS = (
    ("/api/trigger-orchestrator", {"keyword": "plumber", "location": "Austin, TX"}),
    ("/api/enrich-batch", {"placeIds": ["ChIJabc"]}),
    (f"/api/orchestration/retry/{JOB_ID}", None),
)


def searches_stored(database_url: str) -> int:
    with engine_for(database_url).connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(t.searches)).scalar_one()


def test_mutations_without_a_token_are_401_and_with_a_wrong_one_403(client, database_url):
    for path, body in MUTATIONS:
        missing = client.post(path, json=body)
        assert missing.status_code == 401, path
        assert missing.headers["WWW-Authenticate"] == "Bearer"
        assert missing.json()["error"] == "unauthenticated"
        for wrong in (f"Bearer {API_TOKEN}x", "Bearer ", f"Basic {API_TOKEN}", API_TOKEN):
            response = client.post(path, json=body, headers={"Authorization": wrong})
            assert response.status_code in (401, 403), (path, wrong)
    assert searches_stored(database_url) == 0


def test_without_a_configured_token_mutations_are_refused_not_open(database_url):
    settings = ApiSettings(database_url=database_url, api_token=None, webhook_secret=None)
    with TestClient(create_app(settings)) as client:
        for path, body in MUTATIONS:
            response = client.post(path, json=body, headers=AUTH)
            assert response.status_code == 503, path
            assert response.json()["error"] == "api_token_not_configured"
        webhook = client.post("/api/webhooks/crm", content=b"{}")
        assert webhook.status_code == 503
        assert client.get("/api/collections").status_code == 200
    assert searches_stored(database_url) == 0


def test_an_invalid_search_is_422_with_the_reason_and_stores_nothing(client, database_url):
    cases = [
        ({"keyword": "plumber|x", "location": "Austin, TX"}, "keyword contains characters"),
        ({"keyword": "   ", "location": "Austin, TX"}, "keyword is required"),
        ({"keyword": "plumber", "location": "x" * 121}, "location is 121 characters"),
        ({"keyword": "plumber"}, "the request is not valid"),
        ({"keyword": 7, "location": "Austin, TX"}, "the request is not valid"),
        ({"keyword": "plumber", "location": "Austin", "maxCostUsd": 0}, "the request is not"),
        ({"keyword": "plumber", "location": "Austin", "maxCostUsd": "5"}, "the request is not"),
        ({"keyword": "plumber", "location": "Austin", "maxCostUsd": 1e9}, "the request is not"),
    ]
    for body, message in cases:
        response = client.post("/api/trigger-orchestrator", json=body, headers=AUTH)
        assert response.status_code == 422, body
        assert message in response.json()["message"], response.json()
    not_json = client.post(
        "/api/trigger-orchestrator",
        content=b"{not json",
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert not_json.status_code == 422
    assert searches_stored(database_url) == 0


def test_with_dagster_down_a_trigger_is_503_and_stores_nothing(client, database_url):
    response = client.post(
        "/api/trigger-orchestrator",
        json={"keyword": "plumber", "location": "Austin, TX"},
        headers=AUTH,
    )
    assert response.status_code == 503
    assert response.json()["error"] == "orchestrator_unavailable"
    assert searches_stored(database_url) == 0


def test_an_unreachable_database_is_a_503_with_retry_after_and_no_details(tmp_path):
    # A database that cannot be opened: the driver's error names the URL.
    secret_url = f"sqlite:///{tmp_path}/missing-dir/s3cret-password/db.sqlite3"
    with TestClient(create_app(api_settings(secret_url)), raise_server_exceptions=False) as client:
        response = client.get("/api/collections")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert response.json()["error"] == "database_unavailable"
    assert "s3cret" not in response.text and "Traceback" not in response.text


def test_an_unexpected_error_is_a_generic_500_without_details(tmp_path):
    # SQLite keeps whatever it is given: a collection whose count is not a number.
    url = f"sqlite:///{tmp_path / 'odd.sqlite3'}"
    with engine_for(url).begin() as conn:
        conn.execute(
            sa.insert(t.searches).values(
                id="x@y",
                keyword="x",
                location="y",
                text_query="x in y",
                status="searched",
                requested_at=sa.func.now(),
                requested_by="test",
            )
        )
        conn.exec_driver_sql(
            "INSERT INTO lead_collections VALUES "
            "('x@y', 'x', 'y', 's3cret-count', 0, 0, 0, 0, NULL, NULL, CURRENT_TIMESTAMP)"
        )
    with TestClient(create_app(api_settings(url)), raise_server_exceptions=False) as client:
        response = client.get("/api/collections")
    assert response.status_code == 500
    assert response.json() == {"error": "internal_error", "message": "internal server error"}
    assert "s3cret" not in response.text and "Traceback" not in response.text


def test_an_unknown_route_and_a_wrong_method_answer_in_the_error_shape(client):
    assert client.get("/api/nothing-here").json()["error"] == "not_found"
    wrong_method = client.get("/api/trigger-orchestrator")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"] == "method_not_allowed"
    malformed_id = client.get("/api/orchestration/status/not-a-uuid")
    assert malformed_id.status_code == 422
    # The 8 characters the Dagster UI shows of a run id: the answer says what it wants.
    short_id = client.get("/api/orchestration/status/272e581a")
    [detail] = short_id.json()["details"]
    assert detail["field"] == "path.job_id" and "whole Dagster run id" in detail["message"]
