"""A search's report over HTTP: JSON for machines, a printable page for people."""

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Engine

from leadgen_pipeline.api.models import ErrorBody, SearchReport
from leadgen_pipeline.api.orchestration import engine_of
from leadgen_pipeline.api.security import ApiError
from leadgen_pipeline.directory import pages
from leadgen_pipeline.directory.report import search_report

api_router = APIRouter(prefix="/api/searches", tags=["directory"])
page_router = APIRouter(prefix="/directory/searches", tags=["directory pages"])

Database = Annotated[Engine, Depends(engine_of)]


@api_router.get(
    "/{search_id}/report",
    response_model=SearchReport,
    responses={404: {"model": ErrorBody}},
    summary="A search's report: its target, AI profile, figures against the field, competitors",
)
def report(search_id: str, engine: Database) -> SearchReport:
    """A search that has not run, or found nothing, answers with `message` and no target."""
    with engine.connect() as conn:
        found = search_report(conn, search_id)
    if found is None:
        raise ApiError(404, "not_found", f"no search {search_id!r}")
    return SearchReport.model_validate(found)


@page_router.get(
    "/{search_id}",
    response_class=HTMLResponse,
    responses={404: {"content": {"text/html": {}}}},
    summary="The directory: a search's report, printable",
)
def report_page(search_id: str, engine: Database) -> HTMLResponse:
    with engine.connect() as conn:
        found = search_report(conn, search_id)
    if found is None:
        return HTMLResponse(
            pages.render_not_found(f"There is no search “{search_id}”."), status_code=404
        )
    return HTMLResponse(pages.render_report(found))
