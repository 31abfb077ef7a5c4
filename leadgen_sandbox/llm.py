"""An OpenAI-compatible chat completions server whose model knows the sandbox world."""

from __future__ import annotations

import contextlib
import json
import math
import time
import uuid
from typing import Any

from leadgen_sandbox.dataset import SandboxDataset
from leadgen_sandbox.faults import QuotaState, retry_after_header
from leadgen_sandbox.http_server import Request, Response, SandboxApp
from leadgen_sandbox.json_schema import (
    NO_VALUE,
    JsonSchema,
    SchemaFiller,
    strict_schema_problem,
)
from leadgen_sandbox.llm_answers import (
    Answerer,
    PromptFacts,
    approximate_tokens,
    message_text,
)

INVALID_KEY = "invalid-key"
MESSAGE_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
NO_KEY_MESSAGE = (
    "You didn't provide an API key. You need to provide your API key in an Authorization "
    "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field "
    "(with blank username) if you're accessing the API from your browser and are prompted for "
    "a username and password. You can obtain an API key from "
    "https://platform.openai.com/account/api-keys."
)


class OpenAIError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        error_type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message = status, message
        self.error_type, self.param, self.code = error_type, param, code

    def response(self, headers: dict[str, str] | None = None) -> Response:
        payload = {
            "error": {
                "message": self.message,
                "type": self.error_type,
                "param": self.param,
                "code": self.code,
            }
        }
        return Response.json(
            self.status, payload, {"x-request-id": _request_id(), **(headers or {})}
        )


def _request_id() -> str:
    return f"req_{uuid.uuid4().hex}"


def _invalid(message: str, param: str | None = None, code: str | None = None) -> OpenAIError:
    return OpenAIError(400, message, param=param, code=code)


class LlmApp(SandboxApp):
    def __init__(self, dataset: SandboxDataset) -> None:
        self.dataset = dataset

    def handle(self, request: Request) -> Response:
        try:
            if request.path.rstrip("/") != "/v1/chat/completions":
                raise OpenAIError(
                    404, f"Invalid URL ({request.method} {request.path})", code="unknown_url"
                )
            if request.method != "POST":
                raise OpenAIError(405, f"Method {request.method} not allowed; use POST.")
            self._check_key(request)
            return self._chat_completion(request)
        except OpenAIError as error:
            return error.response()

    def server_error(self, request: Request, status: int) -> Response:
        message = (
            "The engine is currently overloaded, please try again later."
            if status == 503
            else "The server had an error while processing your request. Sorry about that!"
        )
        return OpenAIError(status, message, "server_error").response()

    def rate_limited(self, request: Request, quota: QuotaState) -> Response:
        model = "the requested model"
        with contextlib.suppress(ValueError, AttributeError):
            model = request.json().get("model") or model
        wait_ms = max(1, math.ceil(quota.reset_seconds * 1000))
        message = (
            f"Rate limit reached for {model} in organization org-sandbox on requests per second "
            f"(RPS): Limit {quota.limit}, Used {quota.limit}, Requested 1. "
            f"Please try again in {wait_ms}ms."
        )
        headers = {
            "retry-after-ms": str(wait_ms),
            "retry-after": retry_after_header(quota.reset_seconds),
        }
        return OpenAIError(429, message, "requests", code="rate_limit_exceeded").response(headers)

    def quota_headers(self, quota: QuotaState) -> dict[str, str]:
        return {
            "x-ratelimit-limit-requests": str(quota.limit),
            "x-ratelimit-remaining-requests": str(quota.remaining),
            "x-ratelimit-reset-requests": f"{max(1, math.ceil(quota.reset_seconds * 1000))}ms",
        }

    @staticmethod
    def _check_key(request: Request) -> None:
        authorization = request.header("Authorization") or ""
        scheme, _, key = authorization.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise OpenAIError(401, NO_KEY_MESSAGE, code="invalid_api_key")
        if key.strip() == INVALID_KEY:
            raise OpenAIError(
                401,
                f"Incorrect API key provided: {INVALID_KEY}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            )

    def _chat_completion(self, request: Request) -> Response:
        started = time.monotonic()
        body = self._parse_body(request)
        messages, model = body["messages"], body["model"]
        content = self._content(messages, body.get("response_format"))
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        finish_reason = "stop"
        if isinstance(limit, int) and approximate_tokens(content) > limit:
            content, finish_reason = content[: limit * 4], "length"
        choices_count = body.get("n") or 1
        prompt_tokens = approximate_tokens(message_text(messages, include_system=True))
        completion_tokens = approximate_tokens(content) * choices_count
        payload = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:29]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": index,
                    "message": {
                        "role": "assistant",
                        "content": content,
                        "refusal": None,
                        "annotations": [],
                    },
                    "logprobs": None,
                    "finish_reason": finish_reason,
                }
                for index in range(choices_count)
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {
                    "reasoning_tokens": 0,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                },
            },
            "service_tier": "default",
            "system_fingerprint": "fp_sandbox",
        }
        elapsed_ms = int((time.monotonic() - started) * 1000)
        headers = {"x-request-id": _request_id(), "openai-processing-ms": str(elapsed_ms)}
        return Response.json(200, payload, headers)

    @staticmethod
    def _parse_body(request: Request) -> dict[str, Any]:
        try:
            body = request.json()
        except ValueError as error:
            raise _invalid(
                "We could not parse the JSON body of your request. (HINT: This likely means "
                "you aren't using your HTTP library correctly. The OpenAI API expects a JSON "
                "payload, but what was sent was not valid JSON.)"
            ) from error
        if not isinstance(body, dict):
            raise _invalid("The request body must be a JSON object.")
        if not isinstance(body.get("model"), str) or not body["model"]:
            raise _invalid("you must provide a model parameter", param="model")
        messages = body.get("messages")
        if messages is None:
            raise _invalid(
                "Missing required parameter: 'messages'.",
                param="messages",
                code="missing_required_parameter",
            )
        if not isinstance(messages, list) or not messages:
            raise _invalid(
                "Invalid 'messages': empty array. Expected an array with minimum length 1, "
                "but got an empty array instead.",
                param="messages",
                code="empty_array",
            )
        for index, message in enumerate(messages):
            if not isinstance(message, dict) or message.get("role") not in MESSAGE_ROLES:
                raise _invalid(
                    f"Invalid value for 'messages[{index}].role'.",
                    param=f"messages[{index}].role",
                    code="invalid_value",
                )
        if body.get("stream"):
            raise _invalid("The leadgen sandbox does not support stream=true.", param="stream")
        n = body.get("n")
        if n is not None and (not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 8):
            raise _invalid("Invalid 'n': expected an integer between 1 and 8.", param="n")
        return body

    def _content(self, messages: list[Any], response_format: Any) -> str:
        if response_format is None:
            format_type = "text"
        elif isinstance(response_format, dict):
            format_type = response_format.get("type")
        else:
            format_type = None
        if format_type == "json_schema":
            json_schema = response_format.get("json_schema")
            schema, name = self._checked_schema(json_schema)
            facts = PromptFacts.read(messages, name, self.dataset)
            return json.dumps(SchemaFiller(schema).fill(Answerer(facts)))
        if format_type == "json_object":
            if "json" not in message_text(messages, include_system=True).lower():
                raise _invalid(
                    "'messages' must contain the word 'json' in some form, to use "
                    "'response_format' of type 'json_object'.",
                    param="messages",
                )
            return json.dumps(self._free_json(messages))
        if format_type == "text":
            return self._plain_text(messages)
        raise _invalid(
            "Invalid value for 'response_format.type': expected 'text', 'json_object' or "
            "'json_schema'.",
            param="response_format",
        )

    @staticmethod
    def _checked_schema(json_schema: Any) -> tuple[JsonSchema, str]:
        if not isinstance(json_schema, dict) or not isinstance(json_schema.get("name"), str):
            raise _invalid(
                "Missing required parameter: 'response_format.json_schema.name'.",
                param="response_format.json_schema.name",
                code="missing_required_parameter",
            )
        name = json_schema["name"]
        schema = json_schema.get("schema") or {"type": "object", "properties": {}}
        if json_schema.get("strict"):
            problem = strict_schema_problem(schema)
            if problem:
                raise _invalid(
                    f"Invalid schema for response_format '{name}': {problem}",
                    param="response_format",
                    code="invalid_json_schema",
                )
        return schema, name

    def _free_json(self, messages: list[Any]) -> dict[str, Any]:
        """A json_object answer: what the prompt says about its business, nothing invented."""
        answerer = Answerer(PromptFacts.read(messages, "extraction", self.dataset))
        keys = ("business_name", "owner_name", "owner_title", "services", "summary")
        values = {key: answerer.value_for(key) for key in keys}
        return {key: None if value is NO_VALUE else value for key, value in values.items()}

    def _plain_text(self, messages: list[Any]) -> str:
        answerer = Answerer(PromptFacts.read(messages, "chat", self.dataset))
        if answerer.business is None:
            return (
                "I am the leadgen sandbox model. Name a business from the sandbox data set "
                "and I can tell you about it."
            )
        owner = answerer.owner_name()
        owner_sentence = (
            f" It is run by {owner} ({answerer.business.owner_title})." if owner else ""
        )
        return answerer.summary() + owner_sentence
