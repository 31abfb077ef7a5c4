"""Scenario 4b: Places and the LLM answer 200 with valid JSON of the wrong shape.

The sandbox's malformed bodies are unparseable; these parse, and lie about
their shape. The real PlacesClient and LLMClient talk to a loopback server
that answers them; the step must fail with a message that says what was
wrong, and write no row.
"""

import json
import re
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa

from leadgen_pipeline.search.assets import ai_intelligence, places_results, prospects
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage import search_store
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.fake_keys import LLM_KEY, PLACES_KEY
from leadgen_pipeline_tests.support.known_bugs import ProductBug
from leadgen_pipeline_tests.support.loopback import LoopbackServer, answer, loopback_server
from leadgen_pipeline_tests.support.pipeline import run_search, sandbox_resources
from leadgen_pipeline_tests.support.searches import (
    register_search,
)

BAKERIES = ("bakery", "Springfield, IL")  # 5 places, one page


def place(**fields: Any) -> dict[str, Any]:
    return {"id": "ChIJmalformed0001", "displayName": {"text": "Acme Bakery"}, **fields}


PLACES_BODIES = {
    "places-not-a-list": ({"places": {"id": "ChIJx"}}, "'places' is not a list"),
    "place-not-an-object": ({"places": ["ChIJx"]}, "a place must be an object, got str"),
    "place-without-id": ({"places": [{"displayName": {"text": "A"}}]}, "a place has no id"),
    "id-a-number": ({"places": [place(id=12345)]}, "a place has no id"),
    "id-empty": ({"places": [place(id="")]}, "a place has no id"),
    "displayName-a-string": ({"places": [place(displayName="Acme")]}, "has no displayName.text"),
    "displayName-text-blank": (
        {"places": [place(displayName={"text": "  "})]},
        "has no displayName.text",
    ),
    "types-a-string": ({"places": [place(types="bakery")]}, "types is not a list of text"),
    "rating-a-string": ({"places": [place(rating="five")]}, "rating is not a number"),
    "rating-a-boolean": ({"places": [place(rating=True)]}, "rating is not a number"),
    "latitude-a-string": (
        {"places": [place(location={"latitude": "north", "longitude": 1})]},
        "latitude is not a number",
    ),
    "phone-an-object": (
        {"places": [place(nationalPhoneNumber={"n": 1})]},
        "nationalPhoneNumber is not text",
    ),
    "body-an-array": ([{"places": []}], "the response is not an object"),
    "body-a-string": ("OK", "the response is not an object"),
    "second-page-broken": (None, "a place has no id"),  # page 1 fine, page 2 broken
    "pages-forever": (None, "more than 10 pages"),  # a next page token on every page
}


def error_text(result: dg.ExecuteInProcessResult, step: str) -> str:
    """The step failure's message with its causes (a retried step's message is
    'Exceeded max_retries'; what went wrong is in the cause)."""
    [failure] = [e for e in result.all_events if e.is_step_failure and e.step_key == step]
    error = failure.step_failure_data.error
    parts = []
    while error is not None:
        parts.append(error.message.strip())
        error = error.cause
    return " / ".join(parts)


@pytest.fixture(scope="module")
def searched_bakeries(module_pg, module_instance, sandbox, tmp_path_factory) -> str:
    """The bakeries search, searched for real on the sandbox: prospects to profile."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TEST_PLACES_KEY", PLACES_KEY)
        env.setenv("TEST_LLM_KEY", LLM_KEY)
        env.setenv("LEADGEN_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        key = register_search(module_instance, module_pg, *BAKERIES)
        searched = run_search(
            module_instance,
            sandbox_resources(module_pg, sandbox),
            key,
            assets=[places_results, prospects],
            raise_on_error=False,
        )
    assert searched.success
    return key


def serve_places(server: LoopbackServer, case: str) -> None:
    body, _ = PLACES_BODIES[case]
    pages = {"n": 0}

    def search_text(handler: Any) -> None:
        pages["n"] += 1
        if case == "pages-forever":
            payload: Any = {"places": [place(id=f"ChIJpage{pages['n']}")], "nextPageToken": "t"}
        elif case == "second-page-broken":
            payload = (
                {"places": [place()], "nextPageToken": "t2"}
                if pages["n"] == 1
                else {"places": [{"displayName": {"text": "B"}}]}
            )
        else:
            payload = body
        answer(handler, 200, json.dumps(payload).encode())

    server.routes["/v1/places:searchText"] = search_text


def rows_of(database_url: str, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    with engine_for(database_url).connect() as conn:
        return conn.execute(
            sa.select(sa.func.count()).select_from(table).where(*where)
        ).scalar_one()


@pytest.mark.parametrize("case", list(PLACES_BODIES))
def test_a_places_body_of_the_wrong_shape_fails_the_step_clearly_and_writes_nothing(
    case, module_pg, module_instance, sandbox, keys_env
):
    # One search per case, all in the module's database.
    key = register_search(module_instance, module_pg, f"bakery {case}", BAKERIES[1])
    with loopback_server() as server:
        serve_places(server, case)
        resources = sandbox_resources(module_pg, sandbox, places_url=server.url, max_attempts=2)
        result = run_search(
            module_instance, resources, key, assets=[places_results], raise_on_error=False
        )
    assert not result.success
    expected = PLACES_BODIES[case][1]
    message = error_text(result, "places_results")
    assert expected in message, message
    assert rows_of(module_pg, t.places_results, t.places_results.c.search_id == key) == 0
    assert rows_of(module_pg, t.search_prospects, t.search_prospects.c.search_id == key) == 0
    assert rows_of(module_pg, t.prospects, t.prospects.c.place_id.like("ChIJ%x%")) == 0
    assert rows_of(module_pg, t.prospects, t.prospects.c.place_id.like("ChIJpage%")) == 0
    with engine_for(module_pg).connect() as conn:
        search = search_store.get_search(conn, key)
    assert search.status == "failed" and expected in search.last_error


def completion(content: Any = None, **overrides: Any) -> dict[str, Any]:
    """An OpenAI chat completion; `overrides` replace its top-level fields."""
    return {
        "id": "chatcmpl-malformed",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        **overrides,
    }


LLM_BODIES = [
    pytest.param(
        completion("Sure! Here is the profile you asked for."),
        "does not match the schema",
        id="content-prose",
    ),
    pytest.param(
        completion(json.dumps({"owner_name": 5})),
        "does not match the schema",
        id="content-wrong-shape",
    ),
    pytest.param(
        completion(json.dumps([1, 2])), "does not match the schema", id="content-an-array"
    ),
    pytest.param(
        completion(
            json.dumps({"owner_name": "A"}),
            choices=[
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "{}"},
                    "finish_reason": "length",
                }
            ],
        ),
        "LLM answer unusable",
        id="finish-reason-length",
    ),
    pytest.param(completion(choices=[]), "LLM", id="choices-empty"),
    pytest.param(completion(choices={"0": {}}), "LLM", id="choices-an-object"),
    pytest.param(
        completion(choices=[{"index": 0, "finish_reason": "stop"}]),
        "LLM",
        id="message-missing",
    ),
    pytest.param([completion("{}")], "LLM", id="body-an-array"),
    pytest.param(
        {"error": {"message": "overloaded", "type": "server_error"}},
        "LLM",
        id="error-object-with-200",
    ),
]
BARE_PYTHON_ERROR = re.compile(r"^(IndexError|AttributeError|TypeError|KeyError|ValueError)\b")


@pytest.mark.parametrize(("body", "expected"), LLM_BODIES)
def test_an_llm_body_of_the_wrong_shape_fails_the_step_clearly_and_writes_nothing(
    body, expected, searched_bakeries, module_pg, module_instance, sandbox, keys_env
):
    key = searched_bakeries
    with loopback_server() as server:
        server.routes["/v1/chat/completions"] = lambda handler: answer(
            handler, 200, json.dumps(body).encode()
        )
        resources = sandbox_resources(
            module_pg, sandbox, llm_url=f"{server.url}/v1", max_attempts=2
        )
        result = run_search(
            module_instance, resources, key, assets=[ai_intelligence], raise_on_error=False
        )
    assert not result.success
    message = error_text(result, "ai_intelligence")
    innermost = message.rsplit(" / ", 1)[-1]
    if BARE_PYTHON_ERROR.match(innermost):
        raise ProductBug(6, f"the step failed with a bare Python error: {innermost[:120]!r}")
    assert expected in message, message
    assert rows_of(module_pg, t.ai_intelligence) == 0
