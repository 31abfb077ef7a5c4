"""The OpenAI-compatible server, called with the official openai SDK."""

import json
import time
from enum import StrEnum

import openai
import pytest
import requests
from pydantic import BaseModel

from leadgen_sandbox import Business, FaultConfig, Sandbox
from leadgen_sandbox.json_schema import conforms
from leadgen_sandbox_tests.support import PLUMBERS_AUSTIN


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class OwnerExtraction(BaseModel):
    owner_name: str | None
    owner_title: str | None
    email: str | None
    phone: str | None
    confidence: Confidence


class Competitor(BaseModel):
    name: str
    rating: float | None


class BusinessIntelligence(BaseModel):
    decision_maker_name: str | None
    decision_maker_title: str | None
    products_and_services: list[str]
    summary: str
    strengths: list[str]
    gaps: list[str]
    recommendations: list[str]
    competitors: list[Competitor]
    best_competitor: Competitor | None


def client(sandbox: Sandbox, **options: object) -> openai.OpenAI:
    return openai.OpenAI(base_url=sandbox.llm_url, api_key="test-key", **options)


@pytest.fixture
def llm(sandbox: Sandbox) -> openai.OpenAI:
    return client(sandbox, max_retries=0)


@pytest.fixture(scope="module")
def plumbers(sandbox: Sandbox) -> list[Business]:
    return sandbox.dataset.businesses_for_query(PLUMBERS_AUSTIN)


def extract(llm: openai.OpenAI, text: str) -> OwnerExtraction:
    completion = llm.chat.completions.parse(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "Extract the owner and contact data from the page."},
            {"role": "user", "content": text},
        ],
        response_format=OwnerExtraction,
    )
    parsed = completion.choices[0].message.parsed
    assert parsed is not None
    return parsed


def test_extraction_returns_an_owner_the_text_names(
    llm: openai.OpenAI, plumbers: list[Business]
) -> None:
    business = plumbers[3]
    text = (
        f"{business.name}. {business.owner_first_name} has been fixing pipes since "
        f"{business.founded_year}. Ask for {business.owner_name} when you call. "
        f"Write to {business.email}."
    )
    parsed = extract(llm, text)
    assert parsed.owner_name == business.owner_name
    assert parsed.owner_title == business.owner_title
    assert parsed.email == business.email
    assert parsed.phone is None
    assert parsed.confidence is Confidence.HIGH


def test_extraction_never_invents_an_owner(llm: openai.OpenAI, plumbers: list[Business]) -> None:
    known = next(b for b in plumbers if b.owner_publicly_known)
    parsed = extract(
        llm, f"{known.name}: family run since {known.founded_year}. Call 512-555-0101."
    )
    assert parsed.owner_name is None
    assert parsed.owner_title is None
    assert parsed.email is None
    assert parsed.phone == "+15125550101"
    assert parsed.confidence is Confidence.LOW


def test_extraction_reads_obfuscated_email(llm: openai.OpenAI, plumbers: list[Business]) -> None:
    business = plumbers[5]
    local, domain = business.email.split("@")
    host, tld = domain.rsplit(".", 1)
    parsed = extract(llm, f"{business.name} - mail {local} [at] {host} [dot] {tld}")
    assert parsed.email == business.email


def intelligence(llm: openai.OpenAI, prompt: str) -> tuple[BusinessIntelligence, object]:
    completion = llm.chat.completions.parse(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "You are a market analyst. Answer in JSON."},
            {"role": "user", "content": prompt},
        ],
        response_format=BusinessIntelligence,
    )
    parsed = completion.choices[0].message.parsed
    assert parsed is not None
    return parsed, completion.usage


def test_intelligence_knows_publicly_known_owners(
    llm: openai.OpenAI, plumbers: list[Business]
) -> None:
    known = next(b for b in plumbers if b.owner_publicly_known)
    unknown = next(b for b in plumbers if not b.owner_publicly_known)
    parsed, usage = intelligence(llm, f"Analyse the business {known.name} in Austin, TX.")
    assert parsed.decision_maker_name == known.owner_name
    assert parsed.decision_maker_title == known.owner_title
    assert parsed.products_and_services == list(known.services)
    assert known.name in parsed.summary
    assert 1 <= len(parsed.strengths) <= 3
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    parsed, _ = intelligence(llm, f"Analyse the business {unknown.name} in Austin, TX.")
    assert parsed.decision_maker_name is None
    parsed, _ = intelligence(llm, f"{unknown.name}: owner {unknown.owner_name}.")
    assert parsed.decision_maker_name == unknown.owner_name


def test_competitor_analysis_mentions_lower_rating_and_fewer_reviews(
    llm: openai.OpenAI, plumbers: list[Business]
) -> None:
    target = next(b for b in plumbers if b.rating is not None and b.rating < 4.4)
    others = [b for b in plumbers[:8] if b is not target][:4]
    prompt = (
        f"Target business: {target.name} (rating {target.rating}, "
        f"{target.user_rating_count} reviews).\nCompetitors:\n"
        + "\n".join(f"- {b.name}: rating {b.rating}" for b in others)
        + f"\nAverage rating 4.7, average reviews {target.user_rating_count + 100}."
    )
    parsed, _ = intelligence(llm, prompt)
    assert any("Lower rating" in gap for gap in parsed.gaps)
    assert any("Fewer reviews" in gap for gap in parsed.gaps)
    assert 1 <= len(parsed.recommendations) <= 3
    assert [c.name for c in parsed.competitors] == [b.name for b in others]
    assert parsed.best_competitor is None


def test_hand_written_schema_with_refs_enums_and_arrays(
    llm: openai.OpenAI, plumbers: list[Business]
) -> None:
    schema = {
        "type": "object",
        "properties": {
            "owner": {"$ref": "#/$defs/person"},
            "services": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
            "status": {"type": "string", "enum": ["open", "closed", "unknown"]},
            "year": {"type": "integer", "minimum": 1900, "maximum": 2100},
            "score": {"type": ["number", "null"]},
            "verified": {"type": "boolean"},
            "tags": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "null"}]}},
        },
        "required": ["owner", "services", "status", "year", "score", "verified", "tags"],
        "additionalProperties": False,
        "$defs": {
            "person": {
                "type": "object",
                "properties": {"owner_name": {"type": ["string", "null"]}},
                "required": ["owner_name"],
                "additionalProperties": False,
            }
        },
    }
    business = plumbers[0]
    completion = llm.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "user", "content": f"About {business.name}, run by {business.owner_name}"}
        ],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "profile", "strict": True, "schema": schema},
        },
    )
    document = json.loads(completion.choices[0].message.content)
    assert conforms(document, schema, schema)
    assert document["owner"]["owner_name"] == business.owner_name
    assert document["services"] == list(business.services[:2])
    assert 1900 <= document["year"] <= 2100


def test_strict_schema_must_be_closed(llm: openai.OpenAI) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    with pytest.raises(openai.BadRequestError) as raised:
        llm.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "hi"}],
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "open", "strict": True, "schema": schema},
            },
        )
    assert "additionalProperties" in raised.value.message


def test_plain_chat_and_json_object(llm: openai.OpenAI, plumbers: list[Business]) -> None:
    business = plumbers[2]
    completion = llm.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": f"Who is {business.name}?"}]
    )
    assert completion.id.startswith("chatcmpl-")
    assert completion.object == "chat.completion"
    assert completion.model == "gpt-4o-mini"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.choices[0].message.refusal is None
    assert business.name in completion.choices[0].message.content
    as_json = llm.chat.completions.create(
        model="local-model",
        messages=[{"role": "user", "content": f"Reply in JSON about {business.name}."}],
        response_format={"type": "json_object"},
    )
    assert json.loads(as_json.choices[0].message.content)["business_name"] == business.name
    assert as_json.model == "local-model"


def test_length_limit_surfaces_in_parse(llm: openai.OpenAI, plumbers: list[Business]) -> None:
    with pytest.raises(openai.LengthFinishReasonError):
        llm.chat.completions.parse(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": plumbers[0].name}],
            response_format=OwnerExtraction,
            max_completion_tokens=3,
        )


def test_api_key_errors(sandbox: Sandbox, http: requests.Session) -> None:
    url = f"{sandbox.llm_url}/chat/completions"
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    missing = http.post(url, json=body)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "invalid_api_key"
    assert missing.json()["error"]["type"] == "invalid_request_error"
    invalid = openai.OpenAI(base_url=sandbox.llm_url, api_key="invalid-key", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        invalid.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )


@pytest.mark.parametrize(
    "body",
    [
        {"messages": [{"role": "user", "content": "hi"}]},
        {"model": "gpt-4o-mini"},
        {"model": "gpt-4o-mini", "messages": []},
        {"model": "gpt-4o-mini", "messages": [{"role": "robot", "content": "hi"}]},
    ],
)
def test_invalid_bodies(sandbox: Sandbox, http: requests.Session, body: dict[str, object]) -> None:
    response = http.post(
        f"{sandbox.llm_url}/chat/completions",
        json=body,
        headers={"Authorization": "Bearer test-key"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert set(error) == {"message", "type", "param", "code"}


def test_quota_gives_rate_limit_errors_and_sdk_retries_succeed(
    sandbox: Sandbox, plumbers: list[Business]
) -> None:
    sandbox.set_faults("llm", FaultConfig(quota_per_second=1))
    messages = [{"role": "user", "content": plumbers[0].name}]
    no_retries = client(sandbox, max_retries=0)
    first = no_retries.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=messages
    )
    assert first.headers["x-ratelimit-limit-requests"] == "1"
    with pytest.raises(openai.RateLimitError) as raised:
        no_retries.chat.completions.create(model="gpt-4o-mini", messages=messages)
    headers = raised.value.response.headers
    assert 0 < int(headers["retry-after-ms"]) <= 1000
    assert headers["retry-after"] == "1"
    assert raised.value.code == "rate_limit_exceeded"
    started = time.monotonic()
    retried = client(sandbox).chat.completions.create(model="gpt-4o-mini", messages=messages)
    assert retried.choices[0].message.content
    assert time.monotonic() - started < 5
    assert sandbox.stats("llm").rate_limited >= 2
