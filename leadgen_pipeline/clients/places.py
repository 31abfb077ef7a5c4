"""Google Places API (New, v1) client: text search over every page, and Place Details."""

import json
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
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


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _api_error(response: requests.Response, what: str) -> ProviderError:
    """An ProviderError from a google.rpc.Status body (or whatever came instead)."""
    status_name, reason, message = None, None, response.text[:200]
    try:
        error = response.json()["error"]
        status_name, message = error.get("status"), error.get("message", message)
        reason = next((d.get("reason") for d in error.get("details", []) if d.get("reason")), None)
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    retryable = response.status_code == 429 or response.status_code >= 500
    return ProviderError(
        f"Places {what} failed: HTTP {response.status_code} {status_name or ''} "
        f"{reason or ''}: {message}".replace("  ", " "),
        status=response.status_code,
        reason=reason or status_name,
        retryable=retryable,
        retry_after_s=_retry_after(response),
    )


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
                # Google bills every answered request, errors included.
                if response.ok:
                    cost = sku.usd_per_call
                    self.usage.record_call(outcome, cost, sku.name)
                else:
                    self.usage.record_call(outcome)
            finally:
                if ticket is not None:
                    ticket.settle(cost, outcome)
            if not response.ok:
                raise _api_error(response, what)
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
        counted in `usage` by SKU. Every page repeats the first request's parameters, as
        Places requires of a page token.
        """
        if "nextPageToken" not in field_mask.split(","):
            raise ValueError("the field mask must include nextPageToken to read every page")
        body = self._search_body(
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
        for number in range(1, max_pages + 1):
            response = self._search(body, field_mask, sku)
            places = response.get("places", [])
            if not isinstance(places, list):
                raise ProviderError("Places search: 'places' is not a list", reason="MALFORMED")
            yield SearchPage(
                number, {"body": dict(body), "fieldMask": field_mask, "sku": sku.name}, response
            )
            token = response.get("nextPageToken")
            if not token:
                return
            body = {**body, "pageToken": token}
        raise ProviderError(f"Places search: more than {max_pages} pages", reason="TOO_MANY_PAGES")

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
        if not isinstance(response.get("places", []), list):
            raise ProviderError("Places search: 'places' is not a list", reason="MALFORMED")
        return SearchPage(1, {"body": body, "fieldMask": field_mask, "sku": sku.name}, response)

    def replaying(self, pages: Iterable[Mapping[str, Any]]) -> "PlacesClient":
        """This client (its limits, usage and ledger), answering the stored pages' requests
        from their stored responses. `pages` are stored pages: request and response."""
        answers = {search_page_key(page["request"]): page["response"] for page in pages}
        return replace(self, replay=answers)

    def _search(self, body: dict[str, Any], field_mask: str, sku: Sku) -> dict[str, Any]:
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
        if not is_place_id(place_id):
            raise ValueError(f"not a place id: {place_id[:80]!r}")
        return self._call(
            "GET", f"/v1/places/{place_id}", field_mask, place_details_sku(field_mask)
        )
