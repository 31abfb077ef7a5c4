"""/docs works with no internet: Swagger UI's assets come from the server itself."""

import re
from collections.abc import Iterator

import pytest

from leadgen_pipeline_tests.support.api import api_settings
from leadgen_pipeline_tests.support.browser import rendered_dom, served_api


@pytest.fixture
def api_server(database_url: str) -> Iterator[str]:
    with served_api(api_settings(database_url)) as url:
        yield url


def test_the_docs_page_loads_only_its_own_assets(client):
    html = client.get("/docs").text
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    assert all(asset.startswith("/") and not asset.startswith("//") for asset in assets), assets
    assert "validatorUrl" in html  # no badge that would send the spec's address out
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.content) > 1000, asset


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_docs_render_in_a_browser_that_reaches_only_loopback(api_server, tmp_path):
    dom = rendered_dom(f"{api_server}/docs", tmp_path / "profile")
    # Swagger UI drew the operations from /openapi.json: its script ran, from here.
    assert "opblock-summary-path" in dom, dom[:2000]
    assert "/api/trigger-orchestrator" in dom
    assert "Failed to load API definition" not in dom
