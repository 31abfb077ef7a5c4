"""A Google Places API (New) v1 server: Text Search and Place Details over the data set."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from leadgen_sandbox.dataset import Business, SandboxDataset
from leadgen_sandbox.faults import QuotaState
from leadgen_sandbox.geography import Viewport, city_viewport, distance_m
from leadgen_sandbox.http_server import Request, Response, SandboxApp
from leadgen_sandbox.local_places import address_components, formatted_address, short_address
from leadgen_sandbox.local_places import locality_json as local_locality_json
from leadgen_sandbox.locales import LOCALES, local_trades
from leadgen_sandbox.world_data import City

INVALID_KEY = "invalid-key"
# A key of a project where Places API (New) is not enabled: 403 PERMISSION_DENIED.
DISABLED_KEY = "disabled-key"
SANDBOX_PROJECT = "000000000000"
SERVICE = "places.googleapis.com"

# Fields the sandbox fills (when the business has them).
SERVED_PLACE_FIELDS = frozenset(
    {
        "id",
        "name",
        "displayName",
        "formattedAddress",
        "shortFormattedAddress",
        "addressComponents",
        "location",
        "viewport",
        "types",
        "primaryType",
        "primaryTypeDisplayName",
        "businessStatus",
        "nationalPhoneNumber",
        "internationalPhoneNumber",
        "websiteUri",
        "googleMapsUri",
        "rating",
        "userRatingCount",
        "regularOpeningHours",
        "reviews",
        "pureServiceAreaBusiness",
    }
)
# Real Place fields the fictional businesses never have: valid in a mask, always omitted.
UNSERVED_PLACE_FIELDS = frozenset(
    {
        "accessibilityOptions",
        "adrFormatAddress",
        "allowsDogs",
        "attributions",
        "currentOpeningHours",
        "currentSecondaryOpeningHours",
        "curbsidePickup",
        "delivery",
        "dineIn",
        "editorialSummary",
        "goodForChildren",
        "iconBackgroundColor",
        "iconMaskBaseUri",
        "outdoorSeating",
        "parkingOptions",
        "paymentOptions",
        "photos",
        "plusCode",
        "priceLevel",
        "priceRange",
        "regularSecondaryOpeningHours",
        "reservable",
        "takeout",
        "utcOffsetMinutes",
    }
)
PLACE_FIELDS = SERVED_PLACE_FIELDS | UNSERVED_PLACE_FIELDS

SEARCH_TEXT_PARAMS = frozenset(
    {
        "textQuery",
        "languageCode",
        "regionCode",
        "rankPreference",
        "includedType",
        "openNow",
        "minRating",
        "maxResultCount",
        "priceLevels",
        "strictTypeFiltering",
        "locationBias",
        "locationRestriction",
        "evOptions",
        "routingParameters",
        "searchAlongRouteParameters",
        "includePureServiceAreaBusinesses",
        "pageSize",
        "pageToken",
    }
)
# What a test may change of a business through the admin endpoint.
EDITABLE_FIELDS = frozenset(
    {"name", "business_status", "phone_e164", "phone_listed", "website_uri", "rating"}
)
# Parameters a follow-up page may change; every other one must match the first call.
PAGING_PARAMS = frozenset({"pageToken", "pageSize", "maxResultCount"})
RANK_PREFERENCES = frozenset({"RANK_PREFERENCE_UNSPECIFIED", "RELEVANCE", "DISTANCE"})
WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
MISSING_FIELD_MASK = (
    "FieldMask is a required parameter. See "
    "https://developers.google.com/maps/documentation/places/web-service/choose-fields "
    "for more details."
)


class PlacesError(Exception):
    """An error answer in google.rpc.Status form."""

    def __init__(
        self,
        code: int,
        status: str,
        message: str,
        reason: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code, self.status, self.message = code, status, message
        self.reason, self.metadata = reason, metadata or {}

    def response(self) -> Response:
        error_info = {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": self.reason or self.status,
            "domain": "googleapis.com",
            "metadata": {"service": SERVICE, **self.metadata},
        }
        payload = {
            "error": {
                "code": self.code,
                "message": self.message,
                "status": self.status,
                "details": [error_info],
            }
        }
        return Response.json(self.code, payload)


def invalid_argument(message: str, reason: str = "INVALID_ARGUMENT") -> PlacesError:
    return PlacesError(400, "INVALID_ARGUMENT", message, reason)


# A field mask as a tree: {"displayName": None} keeps the whole field,
# {"displayName": {"text": None}} only its text.
MaskTree = dict[str, "MaskTree | None"]


@dataclass(frozen=True)
class FieldMask:
    place: MaskTree
    next_page_token: bool


def parse_field_mask(raw: str, *, search: bool) -> FieldMask:
    """Parse a comma-separated mask; search masks are ``places.``-prefixed."""
    all_places: MaskTree = {name: None for name in PLACE_FIELDS}
    tree: MaskTree = {}
    next_page_token = False
    for path in (part.strip() for part in raw.split(",")):
        if not path:
            continue
        if path == "*":
            return FieldMask(all_places, next_page_token=search)
        if search and path == "nextPageToken":
            next_page_token = True
            continue
        segments = path.split(".")
        if search:
            if segments[0] != "places":
                raise invalid_argument(f"Invalid field mask path: '{path}'.")
            segments = segments[1:]
            if not segments or segments == ["*"]:
                tree.update(all_places)
                continue
        if segments[0] not in PLACE_FIELDS:
            raise invalid_argument(f"Invalid field mask path: '{path}'. Unknown field.")
        node = tree
        for depth, segment in enumerate(segments):
            if segment in node and node[segment] is None:
                break  # an ancestor already keeps the whole subtree
            if depth == len(segments) - 1:
                node[segment] = None
            else:
                child = node.setdefault(segment, {})
                assert child is not None
                node = child
    return FieldMask(tree, next_page_token)


def apply_mask(value: Any, tree: MaskTree) -> Any:
    if isinstance(value, list):
        return [apply_mask(item, tree) for item in value]
    if not isinstance(value, dict):
        return value
    masked = {}
    for name, item in value.items():  # the value's order, so answers are byte-stable
        if name in tree:
            subtree = tree[name]
            masked[name] = item if subtree is None else apply_mask(item, subtree)
    return masked


def _hour_text(hour: int) -> str:
    suffix = "AM" if hour < 12 else "PM"
    return f"{(hour - 1) % 12 + 1}:00\u202f{suffix}"


def _opening_hours_json(business: Business) -> dict[str, Any]:
    hours = business.opening_hours
    if hours.always_open:
        return {
            "openNow": True,
            "periods": [{"open": {"day": 0, "hour": 0, "minute": 0}}],
            "weekdayDescriptions": [f"{day}: Open 24 hours" for day in WEEKDAYS[1:] + WEEKDAYS[:1]],
        }
    periods = []
    descriptions = {}
    for day, window in enumerate(hours.daily):
        if window is None:
            descriptions[day] = f"{WEEKDAYS[day]}: Closed"
            continue
        opens, closes = window
        periods.append(
            {
                "open": {"day": day, "hour": opens, "minute": 0},
                "close": {"day": day, "hour": closes, "minute": 0},
            }
        )
        descriptions[day] = (
            f"{WEEKDAYS[day]}: {_hour_text(opens)}\u2009\u2013\u2009{_hour_text(closes)}"
        )
    monday_first = [descriptions[day] for day in (1, 2, 3, 4, 5, 6, 0)]
    return {"openNow": hours.open_now, "periods": periods, "weekdayDescriptions": monday_first}


def place_json(business: Business, language_code: str) -> dict[str, Any]:
    """Every field of the Place the business is; absent data is omitted, never null."""
    if business.country != "US":
        place = _local_place_json(business, language_code)
    else:
        place = _us_place_json(business, language_code)
    if business.pure_service_area:
        place["pureServiceAreaBusiness"] = True
    else:
        assert business.latitude is not None and business.longitude is not None
        lat, lng = business.latitude, business.longitude
        place["location"] = {"latitude": lat, "longitude": lng}
        around = Viewport(lat - 0.0014, lng - 0.0014, lat + 0.0014, lng + 0.0014)
        place["viewport"] = around.to_json()
    return {name: value for name, value in place.items() if value is not None}


def _local_place_json(business: Business, language_code: str) -> dict[str, Any]:
    """A Place outside the US: the address in the country's format and the answer's language,
    the type's display name in the local language when asked in it."""
    locale = LOCALES[business.country]
    place = _us_place_json(business, language_code)
    local = local_trades(business.country).get(business.trade.keyword)
    asked = (language_code or "en").split("-")[0].lower()
    if local and asked == locale.language:
        type_name = local.display_name
    else:
        type_name = business.trade.primary_type.replace("_", " ").capitalize()
    place.update(
        formattedAddress=(
            formatted_address(business, language_code).partition(", ")[2]
            if business.pure_service_area and business.country != "JP"
            else formatted_address(business, language_code)
        ),
        shortFormattedAddress=short_address(business, language_code),
        addressComponents=address_components(business, language_code),
        primaryTypeDisplayName={"text": type_name, "languageCode": language_code},
    )
    for review in place.get("reviews") or []:
        for key in ("text", "originalText"):
            review[key]["languageCode"] = locale.language
    return place


def _us_place_json(business: Business, language_code: str) -> dict[str, Any]:
    cid = int.from_bytes(hashlib.sha256(business.place_id.encode()).digest()[:8], "big")
    number, _, street = business.street_address.partition(" ")
    components = [
        (number, number, ["street_number"]),
        (street, street, ["route"]),
        (business.city, business.city, ["locality", "political"]),
    ]
    if business.pure_service_area:  # no public address: the town it serves
        components = components[2:]
    if business.state:
        state_name = business.state_name
        components.append(
            (state_name, business.state, ["administrative_area_level_1", "political"])
        )
    components += [
        ("United States", "US", ["country", "political"]),
        (business.postal_code, business.postal_code, ["postal_code"]),
    ]
    place: dict[str, Any] = {
        "name": f"places/{business.place_id}",
        "id": business.place_id,
        "types": list(business.types),
        "nationalPhoneNumber": business.national_phone_number,
        "internationalPhoneNumber": business.international_phone_number,
        "formattedAddress": (
            business.formatted_address.partition(", ")[2]
            if business.pure_service_area
            else business.formatted_address
        ),
        "shortFormattedAddress": (
            business.city
            if business.pure_service_area
            else f"{business.street_address}, {business.city}"
        ),
        "addressComponents": [
            {"longText": long, "shortText": short, "types": types, "languageCode": "en"}
            for long, short, types in components
        ],
        "location": None,
        "viewport": None,
        "rating": business.rating,
        "userRatingCount": business.user_rating_count or None,
        "googleMapsUri": f"https://maps.google.com/?cid={cid}",
        "websiteUri": business.website_uri,
        "regularOpeningHours": _opening_hours_json(business),
        "businessStatus": business.business_status,
        "displayName": {"text": business.name, "languageCode": language_code},
        "primaryTypeDisplayName": {
            "text": business.trade.keyword.title(),
            "languageCode": language_code,
        },
        "primaryType": business.trade.primary_type,
        "reviews": [
            {
                "name": f"places/{business.place_id}/reviews/r{index}",
                "relativePublishTimeDescription": review.relative_time,
                "rating": review.rating,
                "text": {"text": review.text, "languageCode": "en"},
                "originalText": {"text": review.text, "languageCode": "en"},
                "authorAttribution": {"displayName": review.author},
                "publishTime": review.publish_time,
            }
            for index, review in enumerate(business.reviews)
        ]
        or None,
    }
    return place


def locality_json(city: City, language_code: str) -> dict[str, Any]:
    """The Place a Text Search for a city's name returns: a locality with its viewport."""
    if city.country != "US":
        return local_locality_json(city, language_code)
    place_id = (
        "ChIJ"
        + base64.urlsafe_b64encode(
            hashlib.sha256(f"locality\x1f{city.name}\x1f{city.state}".encode()).digest()
        ).decode()[:23]
    )
    components = [(city.name, city.name, ["locality", "political"])]
    if city.state:
        components.append(
            (city.state_name, city.state, ["administrative_area_level_1", "political"])
        )
    components.append(("United States", "US", ["country", "political"]))
    region = f", {city.state}" if city.state else ""
    return {
        "name": f"places/{place_id}",
        "id": place_id,
        "types": ["locality", "political"],
        "formattedAddress": f"{city.name}{region}, USA",
        "shortFormattedAddress": city.name,
        "addressComponents": [
            {"longText": long, "shortText": short, "types": types, "languageCode": "en"}
            for long, short, types in components
        ],
        "location": {"latitude": city.latitude, "longitude": city.longitude},
        "viewport": city_viewport(city).to_json(),
        "googleMapsUri": f"https://maps.google.com/?q={city.name.replace(' ', '+')}",
        "displayName": {"text": city.name, "languageCode": language_code},
        "primaryType": "locality",
    }


@dataclass(frozen=True)
class Circle:
    latitude: float
    longitude: float
    radius_m: float

    def contains(self, latitude: float, longitude: float) -> bool:
        return distance_m(self.latitude, self.longitude, latitude, longitude) <= self.radius_m


@dataclass(frozen=True)
class SearchTextRequest:
    text_query: str
    page_size: int
    offset: int
    fingerprint: str
    language_code: str
    included_type: str | None
    strict_type_filtering: bool
    open_now: bool
    min_rating: float | None
    restriction: Viewport | None = None  # strict: only places inside
    bias: Viewport | Circle | None = None  # soft: places inside first
    include_service_area: bool = False


class PlacesApp(SandboxApp):
    def __init__(self, dataset: SandboxDataset, result_cap: int | None, page_size_max: int) -> None:
        self.dataset = dataset
        self.result_cap = result_cap
        self.page_size_max = page_size_max

    def handle(self, request: Request) -> Response:
        try:
            if request.path == "/v1/places:searchText":
                if request.method != "POST":
                    raise PlacesError(405, "UNIMPLEMENTED", "Method not allowed: use POST.")
                return self._search_text(request)
            details = re.fullmatch(r"/v1/places/([^/:]+)", request.path)
            if details:
                if request.method != "GET":
                    raise PlacesError(405, "UNIMPLEMENTED", "Method not allowed: use GET.")
                return self._place_details(request, details.group(1))
            raise PlacesError(404, "NOT_FOUND", f"The requested URL {request.path} was not found.")
        except PlacesError as error:
            return error.response()

    def admin(self, route: tuple[str, str], request: Request) -> Response | None:
        """`POST /_sandbox/places/businesses` {"query", "latitude", "longitude"} adds a business;
        `PATCH /_sandbox/places/businesses/{id}` {field: value} changes one (EDITABLE_FIELDS);
        `DELETE /_sandbox/places/businesses/{id}` delists one (no search returns it again)."""
        method, path = route
        try:
            body = request.json() if request.body else {}
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
            if (method, path) == ("POST", "places/businesses"):
                business = self.dataset.add_business(
                    str(body.get("query", "")), body.get("latitude"), body.get("longitude")
                )
            elif method == "PATCH" and path.startswith("places/businesses/"):
                if not set(body) <= EDITABLE_FIELDS:
                    raise ValueError(f"editable fields are {sorted(EDITABLE_FIELDS)}")
                business = self.dataset.update_business(path.rpartition("/")[2], **body)
            elif method == "DELETE" and path.startswith("places/businesses/"):
                business = self.dataset.remove_business(path.rpartition("/")[2])
            else:
                return None
        except KeyError as error:
            return Response.json(404, {"error": str(error)})
        except (ValueError, TypeError) as error:
            return Response.json(400, {"error": str(error)})
        return Response.json(200, {"place": place_json(business, "en")})

    def server_error(self, request: Request, status: int) -> Response:
        if status == 503:
            error = PlacesError(503, "UNAVAILABLE", "The service is currently unavailable.")
        else:
            error = PlacesError(status, "INTERNAL", "Internal error encountered.")
        return error.response()

    def rate_limited(self, request: Request, quota: QuotaState) -> Response:
        metric = "SearchTextRequest" if request.path.endswith(":searchText") else "GetPlaceRequest"
        message = (
            f"Quota exceeded for quota metric '{metric}' and limit '{metric}PerMinutePerProject' "
            f"of service '{SERVICE}' for consumer 'project_number:000000000000'."
        )
        return PlacesError(
            429,
            "RESOURCE_EXHAUSTED",
            message,
            "RATE_LIMIT_EXCEEDED",
            {
                "quota_metric": f"{SERVICE}/{metric}",
                "quota_limit": f"{metric}PerMinutePerProject",
                "quota_limit_value": str(quota.limit),
                "quota_location": "global",
                "consumer": "projects/000000000000",
            },
        ).response()

    def _check_key(self, request: Request) -> None:
        key = request.header("X-Goog-Api-Key") or request.query.get("key")
        if not key:
            raise PlacesError(
                403,
                "PERMISSION_DENIED",
                "The request is missing a valid API key.",
                "API_KEY_MISSING",
            )
        if key == INVALID_KEY:
            raise invalid_argument(
                "API key not valid. Please pass a valid API key.", "API_KEY_INVALID"
            )
        if key == DISABLED_KEY:
            raise PlacesError(
                403,
                "PERMISSION_DENIED",
                f"Places API (New) has not been used in project {SANDBOX_PROJECT} before or it "
                "is disabled. Enable it by visiting https://console.developers.google.com/apis/"
                f"api/{SERVICE}/overview?project={SANDBOX_PROJECT} then retry. If you enabled "
                "this API recently, wait a few minutes for the action to propagate to our "
                "systems and retry.",
                "SERVICE_DISABLED",
                {"consumer": f"projects/{SANDBOX_PROJECT}"},
            )

    def _field_mask(self, request: Request, *, search: bool) -> FieldMask:
        raw = (
            request.header("X-Goog-FieldMask")
            or request.query.get("fields")
            or request.query.get("$fields")
        )
        if not raw or not raw.strip():
            raise invalid_argument(MISSING_FIELD_MASK)
        return parse_field_mask(raw, search=search)

    def _search_text(self, request: Request) -> Response:
        self._check_key(request)
        mask = self._field_mask(request, search=True)
        search = self._parse_search_body(request)
        city = self.dataset.locality_for_query(search.text_query)
        if city is not None:
            place = apply_mask(locality_json(city, search.language_code), mask.place)
            found = mask.place and not search.offset
            return Response.json(200, {"places": [place]} if found else {})
        area = search.restriction or (search.bias if isinstance(search.bias, Viewport) else None)
        population = self.dataset.businesses_in_area(search.text_query, area) if area else None
        if population is None:
            population = self.dataset.businesses_for_query(search.text_query)
        results = [business for business in population if self._matches_filters(business, search)]
        if search.bias is not None:  # the order changes, never the set
            bias = search.bias
            results.sort(
                # A service-area business serves the area it is listed in: it ranks as inside.
                key=lambda b: not (b.pure_service_area or bias.contains(b.latitude, b.longitude))
            )
        if self.result_cap is not None:
            results = results[: self.result_cap]
        if search.offset and search.offset >= len(results):
            raise invalid_argument("Invalid page token.")
        end = search.offset + search.page_size
        places = [
            apply_mask(place_json(business, search.language_code), mask.place)
            for business in results[search.offset : end]
        ]
        payload: dict[str, Any] = {}
        if places and mask.place:
            payload["places"] = places
        if mask.next_page_token and end < len(results):
            payload["nextPageToken"] = _encode_page_token(end, search.fingerprint)
        return Response.json(200, payload)

    def _parse_search_body(self, request: Request) -> SearchTextRequest:
        try:
            body = request.json()
        except ValueError as error:
            raise invalid_argument(f"Invalid JSON payload received. {error}") from error
        if not isinstance(body, dict):
            raise invalid_argument("Invalid JSON payload received. Expected an object.")
        for name in body:
            if name not in SEARCH_TEXT_PARAMS:
                raise invalid_argument(
                    f'Invalid JSON payload received. Unknown name "{name}": Cannot find field.'
                )
        text_query = body.get("textQuery")
        if not isinstance(text_query, str) or not text_query.strip():
            raise invalid_argument("Missing required parameter: textQuery.")
        # pageSize: 0/unset = 20, above 20 capped, negative refused. maxResultCount (older)
        # counts only without pageSize, and must then lie in 1..20 when set.
        page_size = _int_param(body, "pageSize")
        if page_size < 0:
            raise invalid_argument("pageSize must be non-negative.")
        max_result_count = _int_param(body, "maxResultCount")
        if not page_size and max_result_count:
            if not 1 <= max_result_count <= self.page_size_max:
                raise invalid_argument(
                    f"maxResultCount must be between 1 and {self.page_size_max}, inclusive."
                )
            page_size = max_result_count
        page_size = min(page_size or self.page_size_max, self.page_size_max)
        min_rating = body.get("minRating")
        if min_rating is not None and (
            isinstance(min_rating, bool)
            or not isinstance(min_rating, int | float)
            or not 0 <= min_rating <= 5
        ):
            raise invalid_argument("minRating must be a number between 0 and 5.")
        for flag in ("openNow", "strictTypeFiltering", "includePureServiceAreaBusinesses"):
            if flag in body and not isinstance(body[flag], bool):
                raise invalid_argument(f"Invalid value at '{flag}': expected a boolean.")
        for text in ("languageCode", "regionCode", "includedType"):
            if text in body and not isinstance(body[text], str):
                raise invalid_argument(f"Invalid value at '{text}': expected a string.")
        if body.get("rankPreference", "RELEVANCE") not in RANK_PREFERENCES:
            raise invalid_argument(f"Invalid value at 'rankPreference': {body['rankPreference']}")
        restriction, bias = _location(body)
        fingerprint = _fingerprint(body)
        offset = 0
        if body.get("pageToken"):
            offset = _decode_page_token(body["pageToken"], fingerprint)
        return SearchTextRequest(
            text_query=text_query,
            page_size=page_size,
            offset=offset,
            fingerprint=fingerprint,
            language_code=body.get("languageCode") or "en",
            included_type=body.get("includedType") or None,
            strict_type_filtering=bool(body.get("strictTypeFiltering")),
            open_now=bool(body.get("openNow")),
            min_rating=min_rating,
            restriction=restriction,
            bias=bias,
            include_service_area=bool(body.get("includePureServiceAreaBusinesses")),
        )

    @staticmethod
    def _matches_filters(business: Business, search: SearchTextRequest) -> bool:
        if business.pure_service_area:
            # No location to test: only when asked for, and never inside a rectangle.
            if not search.include_service_area or search.restriction is not None:
                return False
        elif search.restriction is not None and not search.restriction.contains(
            business.latitude, business.longitude
        ):
            return False
        if search.min_rating is not None and (business.rating or 0) < search.min_rating:
            return False
        if search.open_now and not business.opening_hours.open_now:
            return False
        return not (
            search.included_type
            and search.strict_type_filtering
            and search.included_type not in business.types
        )

    def _place_details(self, request: Request, place_id: str) -> Response:
        self._check_key(request)
        mask = self._field_mask(request, search=False)
        business = self.dataset.business_by_id(place_id)
        if business is None:
            raise PlacesError(404, "NOT_FOUND", f"Place ID {place_id} was not found.")
        language_code = request.query.get("languageCode") or "en"
        return Response.json(200, apply_mask(place_json(business, language_code), mask.place))


def _location(body: dict[str, Any]) -> tuple[Viewport | None, Viewport | Circle | None]:
    """`locationRestriction` (a rectangle) and `locationBias` (a rectangle or a circle)."""
    bias, restriction = body.get("locationBias"), body.get("locationRestriction")
    if bias is not None and restriction is not None:
        raise invalid_argument("locationBias and locationRestriction cannot both be set.")
    parsed_bias: Viewport | Circle | None = None
    if bias is not None:
        if not isinstance(bias, dict) or len(set(bias) & {"circle", "rectangle"}) != 1:
            raise invalid_argument("locationBias must set exactly one of circle or rectangle.")
        if "circle" in bias:
            parsed_bias = _circle(bias["circle"], "locationBias.circle")
        else:
            parsed_bias = _rectangle(bias["rectangle"], "locationBias.rectangle")
    parsed_restriction = None
    if restriction is not None:
        if not isinstance(restriction, dict) or set(restriction) != {"rectangle"}:
            raise invalid_argument("locationRestriction must be a rectangle.")
        parsed_restriction = _rectangle(restriction["rectangle"], "locationRestriction.rectangle")
    return parsed_restriction, parsed_bias


def _lat_lng(value: Any, field: str) -> tuple[float, float]:
    """A google.type.LatLng; omitted members are 0 (proto3), out-of-range ones refused."""
    if not isinstance(value, dict) or set(value) - {"latitude", "longitude"}:
        raise invalid_argument(f"Invalid value at '{field}': expected a LatLng.")
    lat, lng = value.get("latitude", 0), value.get("longitude", 0)
    for name, number in (("latitude", lat), ("longitude", lng)):
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise invalid_argument(f"Invalid value at '{field}.{name}' (TYPE_DOUBLE): {number!r}")
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise invalid_argument(f"{field} is not a valid LatLng: ({lat}, {lng}).")
    return float(lat), float(lng)


def _rectangle(value: Any, field: str) -> Viewport:
    if not isinstance(value, dict) or set(value) - {"low", "high"}:
        raise invalid_argument(f"Invalid value at '{field}': expected a Viewport.")
    # Both corners are required (a corner given as {} is at 0, 0: proto3).
    for corner in ("low", "high"):
        if corner not in value:
            raise invalid_argument(f"{field}.{corner} is required.")
    south, west = _lat_lng(value["low"], f"{field}.low")
    north, east = _lat_lng(value["high"], f"{field}.high")
    # google.geo.type.Viewport: a closed region; low = high is a single point; low.longitude
    # > high.longitude crosses the 180th meridian; -180..180 is every longitude; empty
    # (low.latitude > high.latitude, or low.longitude 180 with high.longitude -180) is an error.
    if south > north:
        raise invalid_argument(
            f"{field}: the low latitude must be less than or equal to the high latitude."
        )
    if west == 180 and east == -180:
        raise invalid_argument(f"{field} is empty.")
    return Viewport(south, west, north, east)


def _circle(value: Any, field: str) -> Circle:
    if not isinstance(value, dict) or set(value) - {"center", "radius"}:
        raise invalid_argument(f"Invalid value at '{field}': expected a Circle.")
    lat, lng = _lat_lng(value.get("center", {}), f"{field}.center")
    radius = value.get("radius", 0)
    if isinstance(radius, bool) or not isinstance(radius, int | float) or not 0 <= radius <= 50000:
        raise invalid_argument(f"{field}.radius must be between 0.0 and 50000.0, inclusive.")
    return Circle(lat, lng, float(radius))


def _int_param(body: dict[str, Any], name: str) -> int:
    """An int32 from proto JSON, which may arrive as a number or a numeric string."""
    value = body.get(name, 0)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_argument(f"Invalid value at '{name}' (TYPE_INT32): {value!r}")
    return value


def _fingerprint(body: dict[str, Any]) -> str:
    fixed = {name: value for name, value in body.items() if name not in PAGING_PARAMS}
    canonical = json.dumps(fixed, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _encode_page_token(offset: int, fingerprint: str) -> str:
    raw = json.dumps({"o": offset, "f": fingerprint}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_page_token(token: object, fingerprint: str) -> int:
    if not isinstance(token, str):
        raise invalid_argument("Invalid page token.")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        decoded = json.loads(raw)
        offset, token_fingerprint = decoded["o"], decoded["f"]
    except (binascii.Error, ValueError, KeyError, TypeError) as error:
        raise invalid_argument("Invalid page token.") from error
    if not isinstance(offset, int) or offset < 0:
        raise invalid_argument("Invalid page token.")
    if token_fingerprint != fingerprint:
        raise invalid_argument(
            "Request parameters other than pageToken and pageSize must match the request "
            "that returned the page token."
        )
    return offset
