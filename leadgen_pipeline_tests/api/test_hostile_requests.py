"""Hostile requests against the real server (`leadgen serve`: uvicorn in its own process).

Huge and endless bodies, bodies without a token, JSON nested 30,000 deep, NUL
bytes and other odd input in paths and queries, loose types and unknown
fields, replayed requests, and a database whose connections are cut while
readers read. Each answer must be a clear 4xx (or a 503 that says when to
come back), never a 500, and the server must not grow.
"""

import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa

from leadgen_pipeline.domain.leads import collection_stats
from leadgen_pipeline.storage import lead_store, search_store
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.api import AUTH, ApiServer, api_server, signed
from leadgen_pipeline_tests.support.databases import PG_ADMIN_URL
from leadgen_pipeline_tests.support.prospects import REQUEST, store_field_with_a_lead

HUNDRED_MB = 100 * 1024 * 1024
CHUNK = 1024 * 1024
DEEP = 30_000
MUTATIONS = ("/api/trigger-orchestrator", "/api/enrich-batch")


@pytest.fixture(scope="module")
def server(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    log: Path = tmp_path_factory.mktemp("api") / "api.log"
    with api_server(postgres_url, log) as running:
        yield running


@pytest.fixture
def field(server: ApiServer, pg_url: str) -> str:
    """A collection (plumber@austin-tx) with one lead in the server's emptied database."""
    engine = store_field_with_a_lead(pg_url)
    with engine.connect() as conn:
        search = dict(search_store.get_search(conn, REQUEST.partition_key)._mapping)
        rows = lead_store.search_lead_rows(conn, REQUEST.partition_key)
    lead_store.save_collection(
        engine, search, collection_stats(rows), [(r["place_id"], r["rank"]) for r in rows]
    )
    return pg_url


def raw_request(
    server: ApiServer,
    head: str,
    body_bytes: int = 0,
    wait_first_s: float = 3.0,
) -> tuple[str | None, int]:
    """Send `head` (request line and headers), then up to `body_bytes` of body in 1 MB
    chunks, stopping as soon as the server answers. Returns (the status line, or None
    if the server never answered; bytes of body sent)."""
    host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
    sent = 0
    with socket.create_connection((host, port), timeout=60) as connection:
        connection.sendall(head.encode("latin-1"))
        connection.settimeout(wait_first_s)
        answered = _status_line(connection)
        connection.settimeout(0.05)
        chunk = b"x" * CHUNK
        while answered is None and sent < body_bytes:
            try:
                connection.sendall(chunk[: body_bytes - sent])
            except OSError:
                break  # the server closed: it answered, or gave up on us
            sent += min(CHUNK, body_bytes - sent)
            answered = _status_line(connection)
        if answered is None:
            connection.settimeout(60)
            answered = _status_line(connection)
    return answered, sent


def _status_line(connection: socket.socket) -> str | None:
    try:
        data = connection.recv(4096)
    except (TimeoutError, BlockingIOError):
        return None
    except OSError:
        return "closed"
    return data.split(b"\r\n", 1)[0].decode("latin-1") if data else "closed"


def post_head(path: str, length: int, headers: dict[str, str] | None = None) -> str:
    lines = [
        f"POST {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/json",
        f"Content-Length: {length}",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    return "\r\n".join(lines) + "\r\n\r\n"


def test_a_mutation_without_a_token_is_refused_before_its_body_is_read(server):
    for path in MUTATIONS:
        status, sent = raw_request(server, post_head(path, HUNDRED_MB), body_bytes=0)
        assert status is not None and " 401 " in status, (path, status)
        assert sent == 0
    wrong = {"Authorization": "Bearer not-the-token"}
    status, _ = raw_request(server, post_head(MUTATIONS[0], HUNDRED_MB, wrong))
    assert status is not None and " 403 " in status


def test_a_body_over_the_cap_is_refused_at_once_declared_or_streamed(server):
    status, sent = raw_request(server, post_head(MUTATIONS[0], HUNDRED_MB, AUTH))
    assert status is not None and " 413 " in status and sent == 0
    webhook = post_head("/api/webhooks/crm", HUNDRED_MB, signed(b"", "crm"))
    status, sent = raw_request(server, webhook)
    assert status is not None and " 413 " in status and sent == 0

    # No Content-Length: the body streams in chunks until it passes the cap.
    def endless() -> Iterator[bytes]:
        for _ in range(100):
            yield b" " * CHUNK

    response = requests.post(
        f"{server.url}/api/enrich-batch",
        data=endless(),
        headers={**AUTH, "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"


def test_eight_100_mb_bodies_without_a_token_at_once_do_not_grow_the_server(server):
    baseline = server.memory_kib("VmRSS")
    peak_before = server.memory_kib("VmHWM")

    def flood(path: str) -> tuple[str | None, int]:
        return raw_request(server, post_head(path, HUNDRED_MB), body_bytes=HUNDRED_MB)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(flood, [MUTATIONS[i % 2] for i in range(8)]))
    assert all(status is not None and " 401 " in status for status, _ in answers), answers
    # Each was answered before its body was taken (a socket buffer's worth at most).
    assert max(sent for _, sent in answers) <= 8 * CHUNK, answers
    grown_mib = (server.memory_kib("VmHWM") - max(peak_before, baseline)) / 1024
    print(
        f"\npeak RSS {peak_before / 1024:.0f} MiB before, grew {grown_mib:.1f} MiB; sent {answers}"
    )
    assert grown_mib < 20, f"the server's peak memory grew by {grown_mib:.0f} MiB"
    assert requests.get(f"{server.url}/api/collections", timeout=10).status_code == 200


# 30,000 arrays deep; objects 12,000 deep (the 30,000 would pass the 64 KB cap: a 413).
@pytest.mark.parametrize("shape", ["[" * DEEP + "]" * DEEP, '{"":' * 12_000 + "1" + "}" * 12_000])
def test_json_nested_30000_deep_is_a_4xx_not_a_500(server, shape):
    body = shape.encode()
    for path in MUTATIONS:
        response = requests.post(
            f"{server.url}{path}",
            data=body,
            headers={**AUTH, "Content-Type": "application/json"},
            timeout=30,
        )
        assert response.status_code == 422, (path, response.text[:200])
        assert "deeper than" in response.json()["message"]
    webhook = requests.post(
        f"{server.url}/api/webhooks/crm", data=body, headers=signed(body, "crm"), timeout=30
    )
    assert webhook.status_code == 422
    # Nesting a real request needs is fine.
    nested = {"keyword": "plumber", "location": "Austin, TX", "x": [[[[1]]]]}
    assert (
        requests.post(
            f"{server.url}/api/trigger-orchestrator", json=nested, headers=AUTH, timeout=30
        ).status_code
        == 422
    )  # for its unknown field, not its depth


ODD_PATHS = [
    "/api/collections/%00/leads",
    "/api/collections/a%00b/export.csv",
    "/directory/%00",
    "/directory?location=%00",
    "/api/collections?keyword=%00",
    "/api/collections?location=x%00y&keyword=z",
    "/api/collections/plumber%40austin-tx/leads?page=%00",
    "/api/orchestration/status/%00",
]
STRANGE_BUT_HARMLESS = [
    "/api/collections/%ff%fe/leads",
    "/api/collections/%ed%a0%80/leads",  # an encoded UTF-16 surrogate
    "/api/collections/..%2f..%2fetc%2fpasswd/leads",
    "/api/collections/" + "x" * 5000 + "/leads",
    "/api/collections?keyword=%ff",
    "/api/collections?keyword=" + "%e2%80%ae" * 30,  # right-to-left overrides
    "/api/collections/%20/leads?sort=%00rank",
    "/directory?location=%01%02%1b[31m",
    "/api/collections/x/leads?pageSize=99999999999999999999999",
    "/api/collections/x/leads?page=-1&hasEmail=maybe",
    "/api/orchestration/status/00000000-0000-4000-8000-00000000000%00",
]


def test_a_nul_byte_in_a_path_or_query_is_a_4xx(server, field):
    for path in ODD_PATHS:
        response = requests.get(f"{server.url}{path}", timeout=10)
        assert response.status_code == 422, (path, response.status_code, response.text[:200])
        assert response.json()["error"] == "invalid_request"


def test_any_other_odd_path_or_query_is_answered_never_with_a_500(server, field):
    for path in STRANGE_BUT_HARMLESS:
        response = requests.get(f"{server.url}{path}", timeout=10)
        # Valid text, however odd, matches nothing (200, 404) or is refused (422).
        assert response.status_code < 500, (path, response.status_code, response.text[:200])
    log = server.log.read_text()
    assert "Traceback" not in log and "internal_error" not in log, log[-3000:]


def test_request_bodies_are_strict(server, field):
    cases = [
        (
            "/api/trigger-orchestrator",
            {"keyword": "plumber", "location": "Austin, TX", "force": "yes"},
        ),
        ("/api/trigger-orchestrator", {"keyword": "plumber", "location": "Austin, TX", "force": 1}),
        ("/api/trigger-orchestrator", {"keyword": "plumber", "location": "Austin, TX", "extra": 1}),
        (
            "/api/trigger-orchestrator",
            {"keyword": "plumber", "location": "Austin, TX", "Force": True},
        ),
        ("/api/enrich-batch", {"placeIds": "a"}),
        ("/api/enrich-batch", {"placeIds": ["a"], "priority": 1}),
        ("/api/enrich-batch", {"placeIds": ["a"], "dryRun": True}),
    ]
    for path, body in cases:
        response = requests.post(f"{server.url}{path}", json=body, headers=AUTH, timeout=10)
        assert response.status_code == 422, (body, response.text)
    with engine_for(field).connect() as conn:
        jobs = conn.execute(sa.select(sa.func.count()).select_from(t.api_jobs)).scalar_one()
        queued = conn.execute(
            sa.select(sa.func.count()).select_from(t.enrichment_queue)
        ).scalar_one()
    assert (jobs, queued) == (0, 0)


def test_an_idempotency_key_gives_the_first_answer_again_and_acts_once(server, field):
    key = {"Idempotency-Key": "batch-7f3c"}
    body = {"placeIds": ["a"], "priority": "high"}
    url = f"{server.url}/api/enrich-batch"

    def send() -> requests.Response:
        return requests.post(url, json=body, headers={**AUTH, **key}, timeout=30)

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: send(), range(4)))
    assert {a.status_code for a in answers} == {202}
    assert len({a.json()["jobId"] for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 3
    with engine_for(field).connect() as conn:
        jobs = conn.execute(sa.select(t.api_jobs.c.id)).scalars().all()
    assert jobs == [answers[0].json()["jobId"]]
    # The same key for another request is refused; a new key acts again.
    other = requests.post(
        url, json={**body, "priority": "low"}, headers={**AUTH, **key}, timeout=30
    )
    assert other.status_code == 422 and other.json()["error"] == "idempotency_key_reused"
    fresh = requests.post(
        url, json=body, headers={**AUTH, "Idempotency-Key": "batch-2"}, timeout=30
    )
    assert fresh.status_code == 202 and fresh.json()["jobId"] not in jobs
    # A failed request is not remembered: with Dagster down, the key may try again.
    trigger = {"keyword": "plumber", "location": "Austin, TX"}
    for _ in range(2):
        down = requests.post(
            f"{server.url}/api/trigger-orchestrator",
            json=trigger,
            headers={**AUTH, "Idempotency-Key": "trigger-1"},
            timeout=30,
        )
        assert down.status_code == 503


def test_pages_and_answers_send_the_security_headers(server, field):
    for path in (
        "/directory",
        "/directory/plumber@austin-tx",
        "/api/collections",
        "/api/collections/nope/leads",
        "/api/collections/%00/leads",
        "/openapi.json",
    ):
        headers = requests.get(f"{server.url}{path}", timeout=10).headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["Referrer-Policy"] == "no-referrer", path
        csp = headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, path
        assert "script-src" not in csp, path
    refused = requests.post(f"{server.url}/api/enrich-batch", json={}, timeout=10)
    assert refused.status_code == 401 and refused.headers["X-Frame-Options"] == "DENY"
    docs = requests.get(f"{server.url}/docs", timeout=10).headers["Content-Security-Policy"]
    # Swagger UI's script and styles come from this server (no CDN: /docs works offline).
    assert "script-src 'self' 'unsafe-inline'" in docs and "https:" not in docs


def test_readers_get_answers_or_a_503_with_retry_after_while_connections_are_cut(server, field):
    """Every backend of the API's database is terminated, again and again, while readers
    read: each answer is a 200, or a 503 with Retry-After; never a 500."""
    database = sa.make_url(field).database
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    stop = threading.Event()
    terminated = 0

    def cut() -> None:
        nonlocal terminated
        while not stop.is_set():
            with admin.connect() as conn:
                terminated += len(
                    conn.execute(
                        sa.text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = :db AND pid <> pg_backend_pid()"
                        ),
                        {"db": database},
                    ).all()
                )
            time.sleep(0.02)

    paths = ["/api/collections", "/api/collections/plumber@austin-tx/leads", "/directory"]

    def read(i: int) -> tuple[int, str | None]:
        response = requests.get(f"{server.url}{paths[i % len(paths)]}", timeout=30)
        return response.status_code, response.headers.get("Retry-After")

    cutter = threading.Thread(target=cut)
    cutter.start()
    try:
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(read, range(1200)))
    finally:
        stop.set()
        cutter.join()
        admin.dispose()
    statuses = {status for status, _ in answers}
    assert terminated > 20, terminated
    assert statuses <= {200, 503}, sorted(statuses)
    assert all(retry_after for status, retry_after in answers if status == 503)
    assert 200 in statuses
    print(
        f"\n{terminated} backends cut; answers: "
        + json.dumps({str(s): sum(1 for a, _ in answers if a == s) for s in sorted(statuses)})
    )
