"""The directory's HTML pages: content, escaping of scraped data, and how they look in a browser."""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

import lxml.html
import pytest
import sqlalchemy as sa

from leadgen_pipeline.api.settings import ApiSettings
from leadgen_pipeline.domain.crm import describe_source
from leadgen_pipeline.domain.territory import Change, ChangeKind
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.browser import (
    SCREENSHOTS,
    png_size,
    print_to_pdf,
    screenshot,
    served_api,
)
from leadgen_pipeline_tests.support.territory import record_changes

DENTISTS = "dentist@denver-co"
ROOFERS = "roofer@portland-or"


def test_the_directory_lists_collections_with_stats(directory_client):
    page = directory_client.get("/directory")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "dentist" in html and "Denver, CO" in html and "roofer" in html
    assert 'href="/directory/dentist@denver-co"' in html
    assert 'name="viewport"' in html
    # Nothing loads from anywhere else: no external scripts, styles, fonts or images.
    assert "http://" not in html.split("<main>")[0] and "https://" not in html
    filtered = directory_client.get("/directory", params={"location": "portland"}).text
    assert "roofer" in filtered and "Denver, CO" not in filtered
    nothing = directory_client.get("/directory", params={"location": "Atlantis"}).text
    assert "No collections yet" in nothing and "Atlantis" in nothing


def page_of(client, path: str, **params) -> lxml.html.HtmlElement:
    response = client.get(path, params=params or None)  # {} would drop the path's query
    assert response.status_code == 200, response.text
    return lxml.html.fromstring(response.text)


def lead_rows(page: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    return page.xpath("//table[@class='leads']/tbody/tr")


def test_a_collection_page_shows_its_leads_a_page_at_a_time(directory_client):
    total = directory_client.get(f"/api/collections/{DENTISTS}/leads").json()["total"]
    first = page_of(directory_client, f"/directory/{DENTISTS}", pageSize=10)
    text = first.text_content()
    assert f"Page 1 of {-(-total // 10)}" in text and f"{total} leads" in text
    assert len(lead_rows(first)) == 10
    [next_page] = first.xpath("//nav[@class='pager']/a[contains(., 'Next')]/@href")
    assert "page=2" in next_page and "pageSize=10" in next_page
    second = page_of(directory_client, next_page)
    assert len(lead_rows(second)) == min(10, total - 10)
    missing = directory_client.get("/directory/nope@nowhere")
    assert missing.status_code == 404 and "no collection" in missing.text.lower()


def test_the_collection_page_offers_every_filter_its_api_offers(directory_client):
    page = page_of(directory_client, f"/directory/{DENTISTS}")
    [form] = page.xpath("//form[contains(@class, 'leads-filter')]")
    fields = {element.get("name") for element in form.xpath(".//input | .//select")}
    assert fields == {"q", "hasEmail", "hasPhone", "hasOwner", "minScore", "sort", "pageSize"}
    # Submitting the form as a browser does, every field sent, the unset ones empty.
    submitted = {
        "q": "",
        "hasEmail": "true",
        "hasPhone": "",
        "hasOwner": "false",
        "minScore": "40",
        "sort": "quality",
        "pageSize": "50",
    }
    filtered = page_of(directory_client, f"/directory/{DENTISTS}", **submitted)
    expected = directory_client.get(
        f"/api/collections/{DENTISTS}/leads",
        params={"hasEmail": "true", "hasOwner": "false", "minScore": 40, "sort": "quality"},
    ).json()
    names = [row.xpath("string(td[2]/b)") for row in lead_rows(filtered)]
    assert names == [lead["name"] for lead in expected["leads"]]
    assert f"{expected['total']} of " in filtered.text_content()
    # The form shows what is applied; export links and the pager keep the filters.
    [email_choice] = filtered.xpath("//select[@name='hasEmail']/option[@selected]/@value")
    assert email_choice == "true"
    assert filtered.xpath("//input[@name='minScore']/@value") == ["40"]
    exports = filtered.xpath("//span[@class='downloads']/a/@href")
    assert [href.split("?")[0].rsplit(".", 1)[1] for href in exports] == ["csv", "xlsx", "json"]
    assert all("hasEmail=true" in href and "minScore=40" in href for href in exports)
    csv_export = directory_client.get(exports[0])
    assert csv_export.status_code == 200
    assert len(csv_export.text.strip().splitlines()) == 1 + expected["total"]
    assert filtered.xpath("//a[contains(., 'Clear filters')]/@href") == [f"/directory/{DENTISTS}"]


def test_a_text_search_from_the_page_finds_a_lead_by_owner(directory_client):
    leads = directory_client.get(
        f"/api/collections/{DENTISTS}/leads", params={"hasOwner": "true", "pageSize": 100}
    ).json()["leads"]
    owner = leads[-1]["ownerName"]
    page = page_of(directory_client, f"/directory/{DENTISTS}", q=owner.lower())
    assert leads[-1]["name"] in [row.xpath("string(td[2]/b)") for row in lead_rows(page)]
    nothing = page_of(directory_client, f"/directory/{DENTISTS}", q="zz no such lead zz")
    assert lead_rows(nothing) == [] and "No leads match these filters" in nothing.text_content()


def test_each_lead_shows_all_its_contacts_and_where_they_came_from(directory_client):
    api_leads = directory_client.get(
        f"/api/collections/{DENTISTS}/leads", params={"pageSize": 100}
    ).json()["leads"]
    page = page_of(directory_client, f"/directory/{DENTISTS}", pageSize=100)
    for lead, row in zip(api_leads, lead_rows(page), strict=True):
        items = row.xpath(".//details[@class='contacts']/ul/li")
        assert len(items) == len(lead["contacts"])
        for item, contact in zip(items, lead["contacts"], strict=True):
            assert (
                item.xpath("string(span[@class='source'])")
                .strip()
                .startswith(describe_source(contact["source"]))
            )
            if contact["url"] and contact["url"].startswith("http"):
                assert contact["url"] in item.xpath(".//span[@class='source']/a/@href")
        if lead["email"]:
            [email_cell] = row.xpath("td[@data-label='Email']")
            assert email_cell.get("title").startswith("from ")  # provenance on hover


@contextmanager
def first_dentist_as(database_url: str, **values: str) -> Iterator[str]:
    """The first dentist's lead with `values` in place of its own while the block runs;
    yields its place id."""
    engine = engine_for(database_url)
    members = t.lead_collection_members
    columns = [t.leads.c[name] for name in values]
    with engine.begin() as conn:
        place_id, *before = conn.execute(
            sa.select(t.leads.c.place_id, *columns)
            .join(members, members.c.place_id == t.leads.c.place_id)
            .where(members.c.collection_id == DENTISTS, members.c.rank == 1)
        ).one()
        conn.execute(sa.update(t.leads).where(t.leads.c.place_id == place_id).values(values))
    try:
        yield place_id
    finally:
        with engine.begin() as conn:
            conn.execute(
                sa.update(t.leads)
                .where(t.leads.c.place_id == place_id)
                .values(dict(zip(values, before, strict=True)))
            )


@pytest.fixture
def hostile_lead(directory_database_url) -> Iterator[str]:
    """A lead whose scraped name and website try to run script in a visitor's browser."""
    with first_dentist_as(
        directory_database_url,
        name="<script>alert('x')</script>",
        website="javascript:alert(1)",
    ) as place_id:
        yield place_id


def test_scraped_values_are_escaped_and_only_web_addresses_are_links(
    directory_client, hostile_lead
):
    html = directory_client.get(f"/directory/{DENTISTS}").text
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html


@pytest.fixture
def foreign_lead(directory_database_url) -> Iterator[str]:
    """The first dentist as a practice in Berlin, with a German name, address and phone."""
    with first_dentist_as(
        directory_database_url,
        name="Zahnarztpraxis Dr. Weiß · 山田歯科",
        phone_e164="+493012345678",
        country_code="DE",
    ) as place_id:
        yield place_id


def test_a_phone_is_shown_as_its_country_writes_it(directory_client, foreign_lead):
    page = page_of(directory_client, f"/directory/{DENTISTS}")
    first, second, *_ = lead_rows(page)
    assert "Zahnarztpraxis Dr. Weiß · 山田歯科" in first.text_content()
    assert first.xpath("string(td[@data-label='Phone'])").strip() == "030 12345678"
    # A US number in the US: (303) 555-0123, not +13035550123.
    assert re.fullmatch(
        r"\(\d{3}\) \d{3}-\d{4}|—", second.xpath("string(td[@data-label='Phone'])").strip()
    )


@pytest.fixture(scope="module")
def directory_server(directory_database_url) -> Iterator[str]:
    """The app on a real HTTP server on loopback, for a browser."""
    with served_api(ApiSettings(database_url=directory_database_url)) as url:
        yield url


# (name, path, window): the pages a person opens, at phone and desktop widths. Windows
# are taller than a screen so the shots show the filters, a table and the chart.
SHOTS = [
    ("directory", "/directory", (390, 844), (1280, 800)),
    ("collection", f"/directory/{DENTISTS}?hasEmail=true&minScore=50", (390, 1400), (1280, 1100)),
    ("report", f"/directory/searches/{ROOFERS}", (390, 2700), (1280, 1900)),
]


@pytest.mark.slow
@pytest.mark.parametrize("width", ["phone", "desktop"])
@pytest.mark.parametrize(("name", "path", "phone", "desktop"), SHOTS, ids=[s[0] for s in SHOTS])
@pytest.mark.parametrize("directory_database_url", ["postgresql"], indirect=True)
def test_the_pages_render_in_a_browser_at_phone_and_desktop_widths(
    directory_server, name, path, phone, desktop, width, tmp_path
):
    size = phone if width == "phone" else desktop
    shoot(directory_server, path, f"{name}-{width}.png", size, tmp_path)


def shoot(server: str, path: str, file_name: str, size: tuple[int, int], tmp_path) -> None:
    """UPDATE_SCREENSHOTS=1 keeps them in docs/screenshots (look at them before committing)."""
    target = (SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path) / file_name
    shot = screenshot(f"{server}{path}", size, target, tmp_path / "profile")
    assert png_size(shot) == size
    # A blank or error page compresses to a few kilobytes; a rendered one does not.
    assert shot.stat().st_size > 15_000


@pytest.mark.slow
@pytest.mark.parametrize("directory_database_url", ["postgresql"], indirect=True)
def test_the_report_prints_on_a_few_pages(directory_server, tmp_path):
    pdf = print_to_pdf(f"{directory_server}/directory/searches/{ROOFERS}", tmp_path)
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 3, pages


def mark_the_first_three_roofers(client, database_url: str) -> None:
    """A later run of the roofers' search saw its first lead new, the second's email
    changed, the third closed (idempotent: a run records its changes once)."""
    leads = client.get(f"/api/collections/{ROOFERS}/leads").json()["leads"]
    new, changed, closed = (lead["placeId"] for lead in leads[:3])
    record_changes(
        database_url,
        ROOFERS,
        [
            Change(new, ChangeKind.NEW),
            Change(changed, ChangeKind.CHANGED, "email", "a@x.example", "b@x.example"),
            Change(closed, ChangeKind.CLOSED, "", "OPERATIONAL", "CLOSED_PERMANENTLY"),
        ],
    )


def test_new_changed_and_closed_leads_are_marked(directory_client, directory_database_url):
    mark_the_first_three_roofers(directory_client, directory_database_url)
    page = page_of(directory_client, f"/directory/{ROOFERS}")
    marks = [row.xpath(".//span[contains(@class, 'tag')]/text()") for row in lead_rows(page)]
    assert [[m for m in row if m != "report target"] for row in marks[:4]] == [
        ["new"],
        ["changed"],
        ["closed"],
        [],
    ]
    [feed] = page.xpath("//a[.='changes']/@href")
    assert feed == f"/api/collections/{ROOFERS}/changes"


@pytest.mark.slow
@pytest.mark.parametrize(("width", "size"), [("phone", (390, 1400)), ("desktop", (1280, 1100))])
@pytest.mark.parametrize("directory_database_url", ["postgresql"], indirect=True)
def test_marked_leads_render_in_a_browser(
    directory_server, directory_client, directory_database_url, width, size, tmp_path
):
    mark_the_first_three_roofers(directory_client, directory_database_url)
    page = f"/directory/{ROOFERS}"
    shoot(directory_server, page, f"collection-marks-{width}.png", size, tmp_path)
