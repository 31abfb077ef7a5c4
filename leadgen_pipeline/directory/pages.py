"""The directory as server-rendered HTML: collections, and one collection's leads.

One self-contained page per request: the CSS is inline and nothing loads from
anywhere else, so the page works offline and leaks no visitor to a CDN.
Jinja2 (a Dagster dependency) autoescapes every value; the templates live here
rather than in .html files so an installed package needs no data files.
"""

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from jinja2 import DictLoader, Environment, StrictUndefined, select_autoescape

from leadgen_pipeline.directory.coverage_map import LEGEND, render_coverage_map

_BASE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · Leadgen directory</title>
<style>
:root { --ink:#1d2433; --muted:#5b6577; --line:#dde2ea; --bg:#f5f7fa; --card:#fff;
  --accent:#1f6feb; --good:#1a7f37; }
* { box-sizing:border-box; }
body { margin:0; font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
  color:var(--ink); background:var(--bg); }
header.site { background:var(--ink); color:#fff; padding:12px 16px; }
header.site a { color:#fff; text-decoration:none; font-weight:600; }
main { max-width:1100px; margin:0 auto; padding:16px; }
h1 { font-size:1.5rem; margin:8px 0 4px; }
.sub { color:var(--muted); margin:0 0 16px; }
a { color:var(--accent); }
form.filter { display:flex; flex-wrap:wrap; gap:8px; margin:0 0 16px; }
form.filter input, form.filter select { flex:1 1 180px; padding:8px 10px; font:inherit;
  border:1px solid var(--line); border-radius:6px; background:#fff; }
form.filter button { padding:8px 16px; font:inherit; border:0; border-radius:6px;
  background:var(--accent); color:#fff; }
.grid { display:grid; grid-template-columns:repeat(auto-fill,minmax(260px,1fr)); gap:12px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:14px; }
.card h2 { font-size:1.1rem; margin:0 0 2px; }
.card h2 a { text-decoration:none; }
.stats { display:flex; flex-wrap:wrap; gap:6px; margin:8px 0 0; padding:0; list-style:none; }
.stats li { background:#e9edf3; border-radius:999px; padding:2px 10px; font-size:.85rem; }
.stats b { font-weight:600; }
.coverage { margin:16px 0; }
.coverage h2 { font-size:1.05rem; margin:0 0 4px; }
.coverage-map { display:block; max-width:640px; background:#fff; border:1px solid #d5dce5; }
.legend { display:flex; flex-wrap:wrap; gap:4px 14px; padding:0; margin:6px 0 0;
  list-style:none; font-size:.8rem; color:var(--muted); }
.legend span { display:inline-block; width:10px; height:10px; margin-right:5px;
  border-radius:2px; vertical-align:-1px; }
table.leads { width:100%; border-collapse:collapse; background:var(--card);
  border:1px solid var(--line); border-radius:8px; overflow:hidden; }
table.leads th, table.leads td { text-align:left; padding:8px 10px;
  border-bottom:1px solid var(--line); vertical-align:top; }
table.leads th { background:var(--bg); font-size:.85rem; color:var(--muted); }
td.num { text-align:right; white-space:nowrap; }
.score { font-weight:600; color:var(--good); }
.pager { display:flex; justify-content:space-between; align-items:center; margin:16px 0; }
.empty { background:var(--card); border:1px dashed var(--line); border-radius:8px;
  padding:24px; text-align:center; color:var(--muted); }
.wrap { overflow-wrap:anywhere; }
@media (max-width: 700px) {
  table.leads, table.leads tbody, table.leads tr, table.leads td { display:block; width:100%; }
  table.leads thead { display:none; }
  table.leads tr { border-bottom:1px solid var(--line); padding:8px 0; }
  table.leads td { border:0; padding:2px 12px; }
  table.leads td[data-label]::before { content:attr(data-label) ": "; color:var(--muted); }
  td.num { text-align:left; }
  table.leads td:first-child::before { content:"#"; }
}
</style>
</head>
<body>
<header class="site"><a href="/directory">Leadgen directory</a></header>
<main>
{% block content %}{% endblock %}
</main>
</body>
</html>
"""

_COLLECTIONS = """{% extends "base.html" %}
{% block content %}
<h1>Lead collections</h1>
<p class="sub">{{ collections|length }} collection{{ "" if collections|length == 1 else "s" }}
{%- if location %} in locations matching “{{ location }}”{% endif %}</p>
<form class="filter" method="get" action="/directory">
  <input type="search" name="location" value="{{ location or '' }}"
         placeholder="Filter by location, e.g. Austin" aria-label="Location">
  <button type="submit">Filter</button>
</form>
{% if collections %}
<div class="grid">
{% for c in collections %}
  <section class="card">
    <h2><a href="{{ collection_url(c.id) }}">{{ c.keyword }}</a></h2>
    <div class="sub">{{ c.location }}</div>
    <ul class="stats">
      <li><b>{{ c.lead_count }}</b> leads</li>
      <li><b>{{ percent(c.with_email, c.lead_count) }}</b> email</li>
      <li><b>{{ percent(c.with_phone, c.lead_count) }}</b> phone</li>
      <li><b>{{ percent(c.with_owner, c.lead_count) }}</b> owner</li>
      {% if c.average_rating is not none %}
      <li>★ <b>{{ "%.1f"|format(c.average_rating) }}</b></li>
      {% endif %}
      {% if c.average_quality is not none %}
      <li>quality <b>{{ "%.0f"|format(c.average_quality) }}</b></li>
      {% endif %}
    </ul>
  </section>
{% endfor %}
</div>
{% else %}
<p class="empty">No collections yet{% if location %} for “{{ location }}”{% endif %}.</p>
{% endif %}
{% endblock %}
"""

_COLLECTION = """{% extends "base.html" %}
{% block content %}
<p><a href="/directory">← All collections</a></p>
<h1>{{ collection.keyword }} in {{ collection.location }}</h1>
<ul class="stats">
  <li><b>{{ collection.lead_count }}</b> leads</li>
  <li><b>{{ percent(collection.with_email, collection.lead_count) }}</b> with email</li>
  <li><b>{{ percent(collection.with_phone, collection.lead_count) }}</b> with phone</li>
  <li><b>{{ percent(collection.with_owner, collection.lead_count) }}</b> with owner</li>
  <li><b>{{ percent(collection.with_website, collection.lead_count) }}</b> with website</li>
  {% if collection.average_rating is not none %}
  <li>average ★ <b>{{ "%.2f"|format(collection.average_rating) }}</b></li>
  {% endif %}
  {% if collection.average_quality is not none %}
  <li>average quality <b>{{ "%.0f"|format(collection.average_quality) }}</b></li>
  {% endif %}
</ul>
{% if coverage %}
<section class="coverage">
  <h2>Coverage: {{ coverage.status }}</h2>
  <p class="sub">{{ coverage.area_name }} · {{ coverage.places|length }} places located ·
  {{ coverage.tiles|length }} tiles searched
  {%- if coverage.report.text_search_requests %} · {{ coverage.report.text_search_requests }}
  Text Search requests (≈ ${{ "%.2f"|format(coverage.report.estimated_cost_usd or 0) }}){% endif %}
  {%- if coverage.report.service_area_businesses %} · {{ coverage.report.service_area_businesses }}
  service-area businesses (no location; from the whole-area query only){% endif %}</p>
  {{ coverage_svg|safe }}
  <ul class="legend">
  {% for colour, meaning in coverage_legend %}
    <li><span style="background:{{ colour }}"></span>{{ meaning }}</li>
  {% endfor %}
  </ul>
</section>
{% endif %}
<form class="filter" method="get" action="{{ collection_url(collection.id) }}">
  <select name="sort" aria-label="Sort by">
  {% for value, label in sorts %}
    <option value="{{ value }}"{% if value == sort %} selected{% endif %}>Sort: {{ label }}</option>
  {% endfor %}
  </select>
  <button type="submit">Apply</button>
  <a href="{{ export_url }}" style="align-self:center">Download CSV</a>
</form>
{% if leads %}
<table class="leads">
  <thead><tr><th>#</th><th>Business</th><th>Phone</th><th>Email</th><th>Owner</th>
  <th>Rating</th><th>Quality</th></tr></thead>
  <tbody>
  {% for lead in leads %}
  <tr>
    <td class="num">{{ lead.rank }}</td>
    <td class="wrap"><b>{{ lead.name }}</b>
      {%- set link = web_link(lead.website) %}
      {%- if link %}<br><a href="{{ link }}" rel="nofollow">{{ lead.website }}</a>{% endif %}
    </td>
    <td data-label="Phone">{{ lead.phone_e164 or "—" }}</td>
    <td data-label="Email" class="wrap">{{ lead.email or "—" }}</td>
    <td data-label="Owner">{{ lead.owner_name or "—" }}</td>
    <td data-label="Rating" class="num">
      {%- if lead.rating is not none -%}
      ★ {{ "%.1f"|format(lead.rating) }} ({{ lead.user_rating_count or 0 }})
      {%- else %}—{% endif -%}
    </td>
    <td data-label="Quality" class="num score">{{ lead.quality_score }}</td>
  </tr>
  {% endfor %}
  </tbody>
</table>
<nav class="pager">
  {% if page > 1 %}<a href="{{ page_url(page - 1) }}">← Previous</a>
  {% else %}<span></span>{% endif %}
  <span>Page {{ page }} of {{ total_pages }} · {{ total }} leads</span>
  {% if page < total_pages %}<a href="{{ page_url(page + 1) }}">Next →</a>
  {% else %}<span></span>{% endif %}
</nav>
{% else %}
<p class="empty">No leads on this page.</p>
{% endif %}
{% endblock %}
"""

_NOT_FOUND = """{% extends "base.html" %}
{% block content %}
<h1>Not found</h1>
<p class="empty">{{ message }} <a href="/directory">See all collections</a>.</p>
{% endblock %}
"""

SORT_LABELS = (
    ("rank", "search rank"),
    ("quality", "quality"),
    ("rating", "rating"),
    ("name", "name"),
)

_environment = Environment(
    loader=DictLoader(
        {
            "base.html": _BASE,
            "collections.html": _COLLECTIONS,
            "collection.html": _COLLECTION,
            "not_found.html": _NOT_FOUND,
        }
    ),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
)


def collection_url(collection_id: str) -> str:
    return f"/directory/{quote(collection_id, safe='@')}"


def web_link(url: str | None) -> str | None:
    """Only http(s) addresses become links: a scraped "javascript:" URL must not run."""
    try:
        scheme = urlsplit(url).scheme if url else None
    except ValueError:  # not a URL at all, e.g. an unclosed IPv6 bracket
        return None
    return url if scheme in ("http", "https") else None


def percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "n/a"


def render_collections(collections: Sequence[Mapping[str, Any]], location: str | None) -> str:
    return _environment.get_template("collections.html").render(
        title="Lead collections",
        collections=collections,
        location=location,
        collection_url=collection_url,
        percent=percent,
    )


def render_collection(
    collection: Mapping[str, Any],
    leads: Sequence[Mapping[str, Any]],
    *,
    page: int,
    page_size: int,
    total: int,
    sort: str,
    coverage: Mapping[str, Any] | None = None,
) -> str:
    """A collection's page; `coverage` (search_store.coverage_map) adds the coverage map."""
    base = collection_url(collection["id"])
    coverage_svg = (
        render_coverage_map(
            coverage["area"], coverage["tiles"], coverage["places"], coverage["status"]
        )
        if coverage
        else ""
    )

    def page_url(number: int) -> str:
        return f"{base}?{urlencode({'page': number, 'pageSize': page_size, 'sort': sort})}"

    return _environment.get_template("collection.html").render(
        title=f"{collection['keyword']} in {collection['location']}",
        collection=collection,
        leads=leads,
        page=page,
        total=total,
        total_pages=max(1, -(-total // page_size)),
        sort=sort,
        sorts=SORT_LABELS,
        page_url=page_url,
        export_url=f"/api/collections/{quote(collection['id'], safe='@')}/export.csv",
        collection_url=collection_url,
        percent=percent,
        web_link=web_link,
        coverage=coverage,
        coverage_svg=coverage_svg,
        coverage_legend=LEGEND,
    )


def render_not_found(message: str) -> str:
    return _environment.get_template("not_found.html").render(title="Not found", message=message)
