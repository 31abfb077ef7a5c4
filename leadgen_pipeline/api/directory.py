"""The directory over HTTP: collections and their leads as JSON, exports and HTML pages."""

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BeforeValidator, Field
from sqlalchemy.engine import Engine

from leadgen_pipeline.api.models import (
    ChangeFeed,
    Collection,
    CollectionList,
    ErrorBody,
    Lead,
    LeadContact,
    LeadPage,
    TerritoryChange,
)
from leadgen_pipeline.api.orchestration import engine_of
from leadgen_pipeline.api.security import ApiError
from leadgen_pipeline.directory import pages
from leadgen_pipeline.directory.export import MEDIA_TYPES, ExportFormat, export_collection
from leadgen_pipeline.storage import search_store, territory_store
from leadgen_pipeline.storage.base import as_utc, utcnow
from leadgen_pipeline.storage.lead_store import (
    LeadFilters,
    LeadSort,
    collection_leads,
    get_collection,
    list_collections,
)

MAX_PAGE_SIZE = 100
# Deep pages of a directory are not a use case; the cap bounds the OFFSET.
MAX_PAGE = 10_000

api_router = APIRouter(prefix="/api/collections", tags=["directory"])
page_router = APIRouter(prefix="/directory", tags=["directory pages"])

Database = Annotated[Engine, Depends(engine_of)]
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, Query(alias="pageSize", ge=1, le=MAX_PAGE_SIZE)]
SearchText = Annotated[str | None, Query(max_length=120)]


def _blank_is_none(value: object) -> object:
    """An HTML form sends an unset choice as `name=`: it means either way."""
    return None if value == "" else value


Score = Annotated[int, Field(ge=0, le=100)]
Choice = Annotated[bool | None, BeforeValidator(_blank_is_none)]


def lead_filters(
    has_email: Annotated[Choice, Query(alias="hasEmail")] = None,
    has_phone: Annotated[Choice, Query(alias="hasPhone")] = None,
    has_owner: Annotated[Choice, Query(alias="hasOwner")] = None,
    min_score: Annotated[
        Score | None,
        BeforeValidator(_blank_is_none),
        Query(alias="minScore", description="The lowest quality score (0-100)."),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=120,
            description="Text in the name, email, phone, owner, website or address (any case).",
        ),
    ] = None,
) -> LeadFilters:
    return LeadFilters(
        has_email=has_email,
        has_phone=has_phone,
        has_owner=has_owner,
        min_score=min_score,
        text=(q or "").strip() or None,
    )


Filters = Annotated[LeadFilters, Depends(lead_filters)]


def lead_model(row: dict[str, Any]) -> Lead:
    return Lead(
        place_id=row["place_id"],
        rank=row["rank"],
        name=row["name"],
        phone=row["phone_e164"],
        email=row["email"],
        website=row["website"],
        owner_name=row["owner_name"],
        owner_title=row["owner_title"],
        quality_score=row["quality_score"],
        rating=row["rating"],
        review_count=row["user_rating_count"],
        address=row["formatted_address"],
        socials=row["socials"] or {},
        is_target=row["is_target"],
        country=row["country_code"],
        email_deliverable=row["email_deliverable"],
        contacts=[LeadContact(**contact) for contact in row["contacts"]],
    )


def existing_collection(engine: Engine, collection_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        collection = get_collection(conn, collection_id)
    if collection is None:
        raise ApiError(404, "not_found", f"no collection {collection_id!r}")
    return collection


@api_router.get("", response_model=CollectionList, summary="Collections, with their stats")
def collections(
    engine: Database, location: SearchText = None, keyword: SearchText = None
) -> CollectionList:
    """Collections whose location and keyword contain the given text (any case)."""
    with engine.connect() as conn:
        rows = list_collections(conn, location, keyword)
    return CollectionList(total=len(rows), collections=[Collection(**row) for row in rows])


@api_router.get(
    "/{collection_id}/leads",
    response_model=LeadPage,
    responses={404: {"model": ErrorBody}},
    summary="A page of a collection's leads, filtered and sorted",
)
def collection_lead_page(
    collection_id: str,
    engine: Database,
    filters: Filters,
    page: Page = 1,
    page_size: PageSize = 25,
    sort: LeadSort = LeadSort.RANK,
) -> LeadPage:
    collection = existing_collection(engine, collection_id)
    with engine.connect() as conn:
        total, rows = collection_leads(
            conn, collection_id, filters, sort, limit=page_size, offset=(page - 1) * page_size
        )
    return LeadPage(
        collection=Collection(**collection),
        page=page,
        page_size=page_size,
        total=total,
        total_pages=-(-total // page_size),
        sort=sort.value,
        leads=[lead_model(row) for row in rows],
    )


@api_router.get(
    "/{collection_id}/export.{export_format}",
    response_class=Response,
    responses={
        200: {
            "content": {
                MEDIA_TYPES[ExportFormat.CSV]: {"schema": {"type": "string"}},
                MEDIA_TYPES[ExportFormat.XLSX]: {"schema": {"type": "string", "format": "binary"}},
                MEDIA_TYPES[ExportFormat.JSON]: {"schema": {"type": "object"}},
            },
            "description": "The file, as an attachment (columns: docs/exports.md).",
        },
        404: {"model": ErrorBody},
    },
    summary="A collection's leads as CSV, XLSX or JSON, in rank order (same filters)",
)
def export_collection_file(
    collection_id: str, export_format: ExportFormat, engine: Database, filters: Filters
) -> Response:
    collection = existing_collection(engine, collection_id)
    with engine.connect() as conn:
        _, rows = collection_leads(conn, collection_id, filters)
    filename = f"{collection_id}.{export_format.value}"
    # The id may hold any script's letters; an HTTP header holds Latin-1 only.
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    disposition = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='@.')}"
    )
    return Response(
        export_collection(export_format, rows, collection, filters.describe()),
        media_type=MEDIA_TYPES[export_format],
        headers={"Content-Disposition": disposition},
    )


@api_router.get(
    "/{collection_id}/changes",
    response_model=ChangeFeed,
    responses={404: {"model": ErrorBody}},
    summary="The history of a collection's territory: new, gone, closed, reopened, changed",
)
def collection_changes(
    collection_id: str,
    engine: Database,
    since: Annotated[
        datetime | None,
        Query(description="Changes observed at or after this date or date-time (UTC if no zone)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=territory_store.MAX_FEED_ROWS)] = 1000,
) -> ChangeFeed:
    """What each run of the search observed changing for its places, oldest first."""
    since = as_utc(since)
    with engine.connect() as conn:
        if search_store.get_search(conn, collection_id) is None:
            raise ApiError(404, "not_found", f"no collection {collection_id!r}")
        rows = territory_store.territory_changes_since(conn, collection_id, since, limit + 1)
    return ChangeFeed(
        collection_id=collection_id,
        since=since,
        total=min(len(rows), limit),
        truncated=len(rows) > limit,
        changes=[
            TerritoryChange(**{**row, "field": row["field"] or None, "name": row["name"] or None})
            for row in rows[:limit]
        ],
    )


@page_router.get("", response_class=HTMLResponse, summary="The directory: collections")
def directory_page(engine: Database, location: SearchText = None) -> HTMLResponse:
    with engine.connect() as conn:
        rows = list_collections(conn, location)
    return HTMLResponse(pages.render_collections(rows, location))


@page_router.get(
    "/{collection_id}",
    response_class=HTMLResponse,
    responses={404: {"content": {"text/html": {}}}},
    summary="The directory: one collection's leads",
)
def collection_page(
    collection_id: str,
    engine: Database,
    filters: Filters,
    page: Page = 1,
    page_size: PageSize = 25,
    sort: LeadSort = LeadSort.RANK,
) -> HTMLResponse:
    with engine.connect() as conn:
        collection = get_collection(conn, collection_id)
        if collection is None:
            return HTMLResponse(
                pages.render_not_found(f"There is no collection “{collection_id}”."),
                status_code=404,
            )
        total, rows = collection_leads(
            conn, collection_id, filters, sort, limit=page_size, offset=(page - 1) * page_size
        )
        coverage = search_store.coverage_map(conn, collection_id)
        changes = territory_store.recent_change_kinds(
            conn, collection_id, [row["place_id"] for row in rows], utcnow() - pages.MARKS_WINDOW
        )
    return HTMLResponse(
        pages.render_collection(
            collection,
            rows,
            filters=filters,
            page=page,
            page_size=page_size,
            total=total,
            sort=sort,
            coverage=coverage,
            changes=changes,
        )
    )
