"""Google Places API (New, v1) client: text search over every page, and Place Details."""

import json
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from leadgen_pipeline.clients.rate_limit import RateLimit
from leadgen_pipeline.clients.resilience import (
    ProviderError,
    RetrySettings,
    Usage,
    call_with_retries,
)
from leadgen_pipeline.clients.spend import SpendMeter
from leadgen_pipeline.domain.places import is_place_id
from leadgen_pipeline.domain.pricing import Sku, place_details_sku, text_search_sku
from leadgen_pipeline.domain.tiling import Rectangle

PLACES_API_URL = "https://places.googleapis.com"


@dataclass(frozen=True)
class SearchPage:
    number: int  # 1-based
    request: dict[str, Any]  # body and field mask as sent (no key)
    response: dict[str, Any]

    @property
    def places(self) -> list[dict[str, Any]]:
        return self.response.get("places", [])


# google.rpc.RetryInfo's retryDelay, a google.protobuf.Duration in JSON: "30s", "1.5s".
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)s$")
# A refused follow-up page with these reasons is not a page token problem: no restart.
_KEY_REASONS = frozenset({"API_KEY_INVALID", "API_KEY_EXPIRED", "API_KEY_MISSING"})


def _retry_after(response: requests.Response, details: list[Any]) -> float | None:
    """The server's own pause hint: the Retry-After header (seconds or an HTTP date), else
    a google.rpc.RetryInfo detail's retryDelay."""
    value = response.headers.get("Retry-After")
    if value is not None:
        try:
            return max(float(value), 0.0)
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return max((when - datetime.now(UTC)).total_seconds(), 0.0)
    for detail in details:
        if isinstance(detail, Mapping) and str(detail.get("@type", "")).endswith(
            "google.rpc.RetryInfo"
        ):
            match = _DURATION.match(str(detail.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None


def _api_error(response: requests.Response, what: str, api_key: str) -> ProviderError:
    """A ProviderError from a google.rpc.Status body (or whatever came instead).

    The message is Google's own (it names the status, the ErrorInfo reason and what to do:
    enable the API, check the key...), with the key blanked should any text repeat it.
    """
    status_name, reason, message = None, None, response.text[:200]
    details: list[Any] = []
    try:
        error = response.json()["error"]
        status_name, message = error.get("status"), error.get("message", message)
        details = [d for d in error.get("details") or [] if isinstance(d, Mapping)]
        reason = next((d.get("reason") for d in details if d.get("reason")), None)
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    retryable = response.status_code == 429 or response.status_code >= 500
    text = (
        f"Places {what} failed: HTTP {response.status_code} {status_name or ''} "
        f"{reason or ''}: {message}".replace("  ", " ")
    )
    if api_key:
        text = text.replace(api_key, "[api key]")
    return ProviderError(
        text,
        status=response.status_code,
        reason=reason or status_name,
        retryable=retryable,
        retry_after_s=_retry_after(response, details),
    )


def _page_token_refused(error: ProviderError) -> bool:
    """A follow-up page answered 400 for its page token (expired, or not accepted)."""
    return error.status == 400 and error.reason not in _KEY_REASONS


def _mask_paths(field_mask: str) -> list[str]:
    return [path.strip() for path in field_mask.split(",") if path.strip()]


def search_page_key(request: Mapping[str, Any]) -> str:
    """A Text Search request as `SearchPage.request` stores it, as a replay key."""
    return json.dumps({"body": request["body"], "fieldMask": request["fieldMask"]}, sort_keys=True)


@dataclass
class PlacesClient:
    api_key: str = field(repr=False)
    base_url: str = PLACES_API_URL
    timeout_s: float = 10.0
    retry: RetrySettings = field(default_factory=RetrySettings)
    rate_limit: RateLimit | None = None
    usage: Usage = field(default_factory=Usage)
    # The shared spend ledger and budgets; None: not recorded (a test of the client alone).
    spend: SpendMeter | None = None
    # Text Search answers already paid for, by request (`search_page_key`): asked again,
    # they are answered from here, free (a search stopped by its budget resumes).
    replay: Mapping[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    _local: threading.local = field(default_factory=threading.local, repr=False)

    @property
    def _session(self) -> requests.Session:
        # requests.Session is not thread-safe; one per thread keeps pooling.
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def _call(
        self, method: str, path: str, field_mask: str, sku: Sku, body: dict | None = None
    ) -> dict[str, Any]:
        headers = {"X-Goog-Api-Key": self.api_key, "X-Goog-FieldMask": field_mask}
        what = f"{method} {path}"

        def attempt() -> dict[str, Any]:
            # Admitted by the budgets before the rate limit: a refused call waits for nothing.
            ticket = self.spend.admit("places", sku.name, sku.usd_per_call) if self.spend else None
            cost, outcome = 0.0, "not sent"
            try:
                # Everything but the send is done before the rate limit's admission: a
                # request must leave right after its stamp (see RateLimit.acquire), and
                # preparing one (environment, .netrc, a first request's lazy work) took up
                # to ~140 ms on a loaded machine, enough to draw a 429 a window later.
                session = self._session
                request = requests.Request(
                    method, f"{self.base_url}{path}", json=body, headers=headers
                )
                prepared = session.prepare_request(request)
                settings = session.merge_environment_settings(prepared.url, {}, None, None, None)
                if self.rate_limit is not None:
                    self.rate_limit.acquire()
                try:
                    response = session.send(
                        prepared, timeout=self.timeout_s, allow_redirects=False, **settings
                    )
                except requests.RequestException as error:
                    outcome = type(error).__name__
                    self.usage.record_call(outcome)
                    raise ProviderError(
                        f"Places {what}: {type(error).__name__}", retryable=True
                    ) from None
                outcome = str(response.status_code)
                # Estimated spend counts successful answers only; errors are counted, at no
                # cost (Google's billable event is a request it answered).
                if response.ok:
                    cost = sku.usd_per_call
                    self.usage.record_call(outcome, cost, sku.name)
                else:
                    self.usage.record_call(outcome)
            finally:
                if ticket is not None:
                    ticket.settle(cost, outcome)
            if not response.ok:
                raise _api_error(response, what, self.api_key)
            try:
                payload = response.json()
            except (ValueError, json.JSONDecodeError):
                raise ProviderError(
                    f"Places {what}: the response body is not JSON",
                    retryable=True,
                    reason="MALFORMED",
                ) from None
            if not isinstance(payload, dict):
                raise ProviderError(
                    f"Places {what}: the response is not an object",
                    retryable=True,
                    reason="MALFORMED",
                )
            return payload

        return call_with_retries(attempt, self.retry, self.usage)

    def search_text_pages(
        self,
        text_query: str,
        field_mask: str,
        page_size: int = 20,
        max_pages: int = 10,
        *,
        location_restriction: Rectangle | None = None,
        location_bias: Rectangle | None = None,
        language_code: str | None = None,
        region_code: str | None = None,
        include_pure_service_area: bool = False,
        **params: Any,
    ) -> Iterator[SearchPage]:
        """Every page of a text search, following nextPageToken (which must be in the mask).

        Each page is a request billed at the SKU its field mask triggers (domain.pricing),
        counted in `usage` by SKU. Every page repeats the first request's parameters and
        field mask, as Places requires of a page token ("all parameters other than
        pageToken, pageSize and maxResultCount must match the initial call").

        A follow-up page refused with 400 (a page token expired, or one from a stored
        page no longer accepted) restarts the query once from its first page, live; the
        pages already yielded are not yielded again. A second refusal surfaces.
        """
        paths = _mask_paths(field_mask)
        if "nextPageToken" not in paths and "*" not in paths:
            raise ValueError("the field mask must include nextPageToken to read every page")
        first = self._search_body(
            text_query,
            page_size,
            location_restriction,
            location_bias,
            language_code,
            region_code,
            include_pure_service_area,
            params,
        )
        sku = text_search_sku(field_mask)
        body, number, yielded, restarted = first, 1, 0, False
        while True:
            if number > max_pages:
                raise ProviderError(
                    f"Places search: more than {max_pages} pages", reason="TOO_MANY_PAGES"
                )
            try:
                response = self._search(body, field_mask, sku, replay=not restarted)
            except ProviderError as error:
                if "pageToken" not in body or restarted or not _page_token_refused(error):
                    raise
                restarted, body, number = True, first, 1
                continue
            _check_places(response)
            if number > yielded:
                yield SearchPage(
                    number, {"body": dict(body), "fieldMask": field_mask, "sku": sku.name}, response
                )
                yielded = number
            token = response.get("nextPageToken")
            if not token or not isinstance(token, str):
                return
            body, number = {**first, "pageToken": token}, number + 1

    def search_text_page(
        self,
        text_query: str,
        field_mask: str,
        page_size: int = 20,
        *,
        language_code: str | None = None,
        region_code: str | None = None,
    ) -> SearchPage:
        """One page of a text search (a look-up that needs no more than its first answers)."""
        body = self._search_body(
            text_query, page_size, None, None, language_code, region_code, False, {}
        )
        sku = text_search_sku(field_mask)
        response = self._search(body, field_mask, sku)
        _check_places(response)
        return SearchPage(1, {"body": body, "fieldMask": field_mask, "sku": sku.name}, response)

    def replaying(self, pages: Iterable[Mapping[str, Any]]) -> "PlacesClient":
        """This client (its limits, usage and ledger), answering the stored pages' requests
        from their stored responses. `pages` are stored pages: request and response."""
        answers = {search_page_key(page["request"]): page["response"] for page in pages}
        return replace(self, replay=answers)

    def _search(
        self, body: dict[str, Any], field_mask: str, sku: Sku, *, replay: bool = True
    ) -> dict[str, Any]:
        if replay:
            answer = self.replay.get(search_page_key({"body": body, "fieldMask": field_mask}))
            if answer is not None:
                return answer
        return self._call("POST", "/v1/places:searchText", field_mask, sku, body)

    @staticmethod
    def _search_body(
        text_query: str,
        page_size: int,
        restriction: Rectangle | None,
        bias: Rectangle | None,
        language_code: str | None,
        region_code: str | None,
        include_pure_service_area: bool,
        params: dict[str, Any],
    ) -> dict[str, Any]:
        if restriction is not None and bias is not None:
            # Places refuses both at once; refuse it here, before a billed request.
            raise ValueError("a text search takes a location restriction or a bias, not both")
        body: dict[str, Any] = {"textQuery": text_query, "pageSize": page_size, **params}
        if restriction is not None:
            body["locationRestriction"] = {"rectangle": restriction.to_places()}
        if bias is not None:
            body["locationBias"] = {"rectangle": bias.to_places()}
        if language_code:
            body["languageCode"] = language_code
        if region_code:
            body["regionCode"] = region_code
        if include_pure_service_area:
            body["includePureServiceAreaBusinesses"] = True
        return body

    def place_details(self, place_id: str, field_mask: str) -> dict[str, Any]:
        """`GET /v1/places/{id}`; `place_id` is an id or its resource name ("places/{id}").

        A Place Details mask names Place fields unprefixed ("displayName"); a search mask's
        `places.` paths are refused here, before a billed request Places would refuse.
        """
        place_id = place_id.removeprefix("places/")
        if not is_place_id(place_id):
            raise ValueError(f"not a place id: {place_id[:80]!r}")
        if any(path.startswith("places.") for path in _mask_paths(field_mask)):
            raise ValueError("a Place Details field mask names fields without 'places.'")
        return self._call(
            "GET", f"/v1/places/{place_id}", field_mask, place_details_sku(field_mask)
        )


def _check_places(response: dict[str, Any]) -> None:
    """`places` is a list, or absent (an empty answer is `{}`); a null counts as absent."""
    if response.get("places", []) is None:
        response.pop("places")
    if not isinstance(response.get("places", []), list):
        raise ProviderError("Places search: 'places' is not a list", reason="MALFORMED")
