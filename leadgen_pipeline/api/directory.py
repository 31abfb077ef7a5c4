"""The directory over HTTP: collections and their leads as JSON, CSV and HTML pages."""

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Engine

from leadgen_pipeline.api.models import (
    Collection,
    CollectionList,
    ErrorBody,
    Lead,
    LeadContact,
    LeadPage,
)
from leadgen_pipeline.api.orchestration import engine_of
from leadgen_pipeline.api.security import ApiError
from leadgen_pipeline.directory import pages
from leadgen_pipeline.directory.export import to_csv
from leadgen_pipeline.storage import search_store
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


def lead_filters(
    has_email: Annotated[bool | None, Query(alias="hasEmail")] = None,
    has_phone: Annotated[bool | None, Query(alias="hasPhone")] = None,
    has_owner: Annotated[bool | None, Query(alias="hasOwner")] = None,
) -> LeadFilters:
    return LeadFilters(has_email=has_email, has_phone=has_phone, has_owner=has_owner)


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
        country=row.get("country_code"),
        email_deliverable=row.get("email_deliverable"),
        contacts=[LeadContact(**contact) for contact in row.get("contacts") or []],
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
    "/{collection_id}/export.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
        404: {"model": ErrorBody},
    },
    summary="A collection's leads as CSV, in rank order",
)
def export_collection(collection_id: str, engine: Database, filters: Filters) -> Response:
    existing_collection(engine, collection_id)
    with engine.connect() as conn:
        _, rows = collection_leads(conn, collection_id, filters)
    # The id may hold any script's letters; an HTTP header holds Latin-1 only.
    ascii_name = collection_id.encode("ascii", "replace").decode().replace("?", "_")
    disposition = (
        f'attachment; filename="{ascii_name}.csv"; '
        f"filename*=UTF-8''{quote(collection_id, safe='@')}.csv"
    )
    return Response(
        to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
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
            conn, collection_id, sort=sort, limit=page_size, offset=(page - 1) * page_size
        )
        coverage = search_store.coverage_map(conn, collection_id)
    return HTMLResponse(
        pages.render_collection(
            collection,
            rows,
            page=page,
            page_size=page_size,
            total=total,
            sort=sort.value,
            coverage=coverage,
        )
    )
