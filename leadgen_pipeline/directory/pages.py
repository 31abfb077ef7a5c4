"""The directory as server-rendered HTML: collections, and one collection's leads.

One self-contained page per request: the CSS is inline and nothing loads from
anywhere else, so the page works offline and leaks no visitor to a CDN.
Jinja2 (a Dagster dependency) autoescapes every value; the templates live here
rather than in .html files so an installed package needs no data files.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from jinja2 import DictLoader, Environment, StrictUndefined, select_autoescape
from markupsafe import Markup

from leadgen_pipeline.directory.chart import rating_review_chart
from leadgen_pipeline.directory.coverage_map import LEGEND, render_coverage_map
from leadgen_pipeline.directory.export import ExportFormat, chosen_provenance
from leadgen_pipeline.directory.report import chart_points
from leadgen_pipeline.domain.contacts import display_phone
from leadgen_pipeline.domain.crm import describe_source
from leadgen_pipeline.storage.lead_store import LeadFilters, LeadSort

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
.tel { white-space:nowrap; }  /* "030 12345678" is one number: never split over lines */
.actions { display:flex; flex-wrap:wrap; align-items:center; gap:8px 16px; margin:12px 0; }
a.button { display:inline-block; padding:6px 14px; border-radius:6px; background:var(--ink);
  color:#fff; text-decoration:none; font-weight:600; }
.downloads { color:var(--muted); }
form.leads-filter { display:block; }
.filter-row { display:flex; flex-wrap:wrap; align-items:center; gap:8px; margin:0 0 8px; }
form.leads-filter input[type=search] { flex:3 1 240px; }
form.leads-filter select { flex:1 1 130px; }
form.leads-filter select.narrow { flex:0 1 190px; }
form.filter label.inline { display:flex; align-items:center; gap:6px; flex:0 1 150px;
  color:var(--muted); white-space:nowrap; }
form.filter label.inline input { flex:1 1 60px; min-width:60px; }
form.filter a.reset { align-self:center; }
.tag { display:inline-block; font-size:.75rem; font-weight:600; color:#fff;
  background:var(--accent); border-radius:4px; padding:0 6px; vertical-align:middle; }
.tag.new { background:var(--good); }
.tag.changed { background:#9a6700; }
.tag.closed { background:#6e7781; }
.detail { color:var(--muted); font-size:.85rem; }
details.contacts { margin-top:4px; font-size:.85rem; }
details.contacts summary { cursor:pointer; color:var(--accent); }
details.contacts ul { list-style:none; margin:6px 0 0; padding:0; }
details.contacts li { padding:3px 0; border-top:1px dotted var(--line); }
details.contacts li.chosen .value { font-weight:600; }
details.contacts .value { overflow-wrap:anywhere; }
details.contacts .kind { display:inline-block; min-width:64px; color:var(--muted); }
details.contacts .source { display:block; color:var(--muted); padding-left:68px; }
td[title] { cursor:help; }
{% block style %}{% endblock %}
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
<p class="actions">
  <a class="button" href="{{ report_url }}">Search report</a>
  <span class="downloads">Download{{ " these" if filtered else "" }} {{ total }} leads:
  {% for label, url in export_urls -%}
    <a href="{{ url }}">{{ label }}</a>{{ "" if loop.last else " · " }}
  {%- endfor %}
  </span>
  <span class="downloads territory">Territory: <a href="{{ changes_url }}">changes</a>
  (new, gone, closed, changed)</span>
</p>
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
<form class="filter leads-filter" method="get" action="{{ collection_url(collection.id) }}">
  <div class="filter-row">
  <input type="search" name="q" value="{{ filters.text or '' }}" maxlength="120"
         placeholder="Search name, email, owner…" aria-label="Search name, email, phone, owner,
         website or address">
  {% for name, label, value in choices %}
  <select name="{{ name }}" aria-label="{{ label }}">
    <option value=""{% if value is none %} selected{% endif %}>{{ label }}: any</option>
    <option value="true"{% if value is true %} selected{% endif %}>
      with {{ label|lower }}</option>
    <option value="false"{% if value is false %} selected{% endif %}>
      without {{ label|lower }}</option>
  </select>
  {% endfor %}
  <label class="inline">Score ≥
    <input type="number" name="minScore" min="0" max="100" step="1" inputmode="numeric"
           value="{{ filters.min_score if filters.min_score is not none else '' }}" placeholder="0">
  </label>
  </div>
  <div class="filter-row">
  <select name="sort" aria-label="Sort by" class="narrow">
  {% for value, label in sorts %}
    <option value="{{ value }}"{% if value == sort %} selected{% endif %}>Sort: {{ label }}</option>
  {% endfor %}
  </select>
  <select name="pageSize" aria-label="Leads per page" class="narrow">
  {% for size in page_sizes %}
    <option value="{{ size }}"{% if size == page_size %} selected{% endif %}>
      {{ size }} per page</option>
  {% endfor %}
  </select>
  <button type="submit">Apply</button>
  {% if filtered %}
  <a class="reset" href="{{ collection_url(collection.id) }}">Clear filters</a>
  {% endif %}
  </div>
</form>
<p class="sub">{{ total }} of {{ collection.lead_count }} leads{% if filtered %} match{% endif %}.
Open “contacts” under a business for every value found and where it came from.</p>
{% if leads %}
<table class="leads">
  <thead><tr><th>#</th><th>Business</th><th>Phone</th><th>Email</th><th>Owner</th>
  <th>Rating</th><th>Quality</th></tr></thead>
  <tbody>
  {% for lead in leads %}
  <tr>
    <td class="num">{{ lead.rank }}</td>
    <td class="wrap"><b>{{ lead.name or "Name cleared (Google data past retention)" }}</b>
      {%- if lead.is_target %} <span class="tag">report target</span>{% endif %}
      {%- for mark in marks.get(lead.place_id, ()) %} <span class="tag {{ mark }}"
        title="{{ mark_titles[mark] }} in the last {{ marks_days }} days">{{ mark }}</span>
      {%- endfor %}
      {%- set link = web_link(lead.website) %}
      {%- if link %}
      <br><a href="{{ link }}" rel="nofollow noopener">{{ short_url(lead.website) }}</a>
      {%- endif %}
      <details class="contacts">
        <summary>{{ lead.contacts|length }}
          contact{{ "" if lead.contacts|length == 1 else "s" }}</summary>
        <ul>
        {% for c in lead.contacts %}
          <li{% if c.chosen %} class="chosen"{% endif %}>
            <span class="kind">{{ c.kind.removeprefix("social:").replace("_", " ") }}</span>
            {%- set value_link = web_link(c.value) %}
            {%- if value_link %}
            <a class="value" href="{{ value_link }}" rel="nofollow noopener">
              {{- short_url(c.value) }}</a>
            {%- elif c.kind == "phone" %}
            <span class="value">{{ display_phone(c.value, lead.country_code) }}</span>
            {%- else %}
            <span class="value">{{ c.value }}</span>
            {%- endif %}
            {%- if c.kind == "owner" and c.detail %}
            <span class="detail">({{ c.detail }})</span>
            {%- endif %}
            <span class="source">{{ describe_source(c.source) }}
            {%- set page = web_link(c.url) %}
            {%- if page %} · <a href="{{ page }}" rel="nofollow noopener">page</a>{% endif -%}
            </span>
          </li>
        {% endfor %}
        </ul>
      </details>
    </td>
    {% for kind, value in (
        ("phone", display_phone(lead.phone_e164, lead.country_code)), ("email", lead.email),
        ("owner", lead.owner_name)) %}
    <td data-label="{{ kind|capitalize }}"
        {%- if kind == "email" %} class="wrap"{% elif kind == "phone" %} class="tel"{% endif %}
        {%- set origin = chosen_source(lead, kind) %}
        {%- if origin %} title="from {{ origin }}"{% endif %}>
      {{- value or "—" }}
      {%- if kind == "owner" and lead.owner_title %}
      <span class="detail">{{ lead.owner_title }}</span>
      {%- endif -%}
    </td>
    {% endfor %}
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
<p class="empty">
{%- if filtered %}No leads match these filters.
  <a href="{{ collection_url(collection.id) }}">Clear them</a>.
{%- else %}No leads on this page.{% endif -%}
</p>
{% endif %}
{% endblock %}
"""

_REPORT = """{% extends "base.html" %}
{% block style %}
.columns { display:grid; grid-template-columns:repeat(auto-fit,minmax(300px,1fr)); gap:12px; }
section.card { margin:0 0 12px; }
section.card h2 { font-size:1.1rem; margin:0 0 8px; }
section.card h3 { font-size:.95rem; margin:12px 0 4px; }
section.card ul { margin:4px 0; padding-left:20px; }
.target h2 { font-size:1.35rem; }
.position { display:inline-block; font-size:.8rem; font-weight:600; border-radius:999px;
  padding:1px 10px; vertical-align:middle; background:#e9edf3; text-transform:uppercase; }
.position.leader { background:#dafbe1; color:#116329; }
.position.contender { background:#ddf4ff; color:#0a3069; }
.position.challenger { background:#fff8c5; color:#6c4a00; }
.position.laggard { background:#ffebe9; color:#82071e; }
dl.facts { display:grid; grid-template-columns:max-content 1fr; gap:4px 12px; margin:8px 0 0; }
dl.facts dt { color:var(--muted); }
dl.facts dd { margin:0; overflow-wrap:anywhere; }
table.figures { width:100%; border-collapse:collapse; }
table.figures th, table.figures td { text-align:left; padding:6px 8px;
  border-bottom:1px solid var(--line); vertical-align:top; }
table.figures th { font-size:.85rem; color:var(--muted); font-weight:600; }
table.figures td.num { text-align:right; }
.better { color:var(--good); } .worse { color:#cf222e; }
.note { color:var(--muted); font-size:.85rem; }
.chart-scroll { overflow-x:auto; }
.swipe { display:none; margin:0 0 6px; }
@media (max-width: 620px) { .swipe { display:block; } }
svg.chart { width:100%; min-width:560px; height:auto; display:block;
  font:12px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; }
svg.chart .plot { fill:#fff; stroke:var(--line); }
svg.chart .grid { stroke:#eef1f5; }
svg.chart .tick { fill:var(--muted); font-size:11px; }
svg.chart .axis { fill:var(--ink); font-size:12px; font-weight:600; }
svg.chart .mark { stroke:#9aa4b5; stroke-dasharray:5 4; }
svg.chart .mark-label { fill:var(--muted); font-size:11px; }
svg.chart .point.other { fill:#8a94a6; fill-opacity:.55; }
svg.chart .point.closest { fill:var(--accent); }
svg.chart .point.target { fill:#e8590c; stroke:#fff; stroke-width:2; }
svg.chart .rank { fill:var(--accent); font-size:11px; font-weight:600; }
svg.chart .target-label { fill:#c2410c; font-weight:700; }
.legend { display:flex; flex-wrap:wrap; gap:4px 16px; list-style:none; padding:0; margin:8px 0 0;
  color:var(--muted); font-size:.85rem; }
.legend li::before { content:""; display:inline-block; width:10px; height:10px;
  border-radius:50%; margin-right:6px; vertical-align:middle; }
.legend .target::before { background:#e8590c; }
.legend .closest::before { background:var(--accent); }
.legend .other::before { background:#8a94a6; opacity:.55; }
@media print {
  @page { margin:14mm; }
  header.site, .noprint, .swipe { display:none; }
  body { background:#fff; font-size:10.5pt; }
  main { max-width:none; padding:0 2px; }
  .card { border-color:#bbb; break-inside:avoid; }
  .columns { grid-template-columns:1fr 1fr; }
  a { color:inherit; text-decoration:none; }
  svg.chart { min-width:0; max-height:90mm; }
}
{% endblock %}
{% block content %}
<p class="noprint">
{%- if report.collection_id %}
  <a href="{{ collection_url(report.collection_id) }}">← The {{ report.keyword }} leads in
  {{ report.location }}</a>
{%- else %}<a href="/directory">← All collections</a>{% endif %}
  · Print it, or save it as a PDF, from your browser's menu.</p>
<h1>Search report: {{ report.keyword }} in {{ report.location }}</h1>
<p class="sub">{{ report.result_count }} business{{ "" if report.result_count == 1 else "es" }}
found{% if report.result_capped %} (the Places cap: more exist){% endif %}
{%- if report.searched_at %} · searched {{ day(report.searched_at) }}{% endif %}
{%- if report.generated_at %} · AI profile by {{ report.model }}, {{ day(report.generated_at) }},
{{ "$%.4f"|format(report.cost_usd) }}{% endif %}
{%- if report.spend.calls %} · spent {{ "$%.4f"|format(report.spend.cost_usd) }} on
{{ report.spend.calls }} billable call{{ "" if report.spend.calls == 1 else "s" }}{% endif %}
{%- if report.spend.max_cost_usd %}
(cap {{ "$%.2f"|format(report.spend.max_cost_usd) }}){% endif %}</p>
{% if not report.target %}
<p class="empty">No report yet: {{ report.message }}.</p>
{% else %}
{% set target = report.target %}{% set profile = report.profile %}{% set field = report.field %}
<section class="card target">
  <h2>{{ target.name }}
    <span class="position {{ profile.competitive_position }}">
      {{- profile.competitive_position }}</span></h2>
  <p class="sub">{{ match_sentence(target) }}</p>
  <dl class="facts">
    <dt>Rank</dt><dd>#{{ target.rank }} of {{ field.field_size }} in Google's results</dd>
    <dt>Rating</dt><dd>{% if target.rating is not none %}★ {{ "%.1f"|format(target.rating) }}
      ({{ target.review_count or 0 }} reviews){% else %}no rating yet{% endif %}</dd>
    {% if target.phone %}<dt>Phone</dt>
    <dd>{{ display_phone(target.phone, target.country) }}</dd>{% endif %}
    {% set link = web_link(target.website) %}
    {% if link %}<dt>Website</dt>
    <dd><a href="{{ link }}" rel="nofollow noopener">{{ short_url(target.website) }}</a></dd>
    {% endif %}
    {% if target.address %}<dt>Address</dt><dd>{{ target.address }}</dd>{% endif %}
  </dl>
</section>
<div class="columns">
<section class="card">
  <h2>Owner and offer</h2>
  <dl class="facts">
    <dt>Owner</dt><dd>{% if profile.owner_name %}{{ profile.owner_name }}
      {%- if profile.owner_title %}, {{ profile.owner_title }}{% endif %}
      {%- elif target.owner_name %}{{ target.owner_name }}
      {%- if target.owner_title %}, {{ target.owner_title }}{% endif %}
      <span class="detail">(from its website)</span>
      {%- else %}not known{% endif %}</dd>
    <dt>Confidence</dt><dd>{{ profile.confidence }}</dd>
  </dl>
  <p>{{ profile.summary }}</p>
  {% if profile.products_and_services %}<h3>What it sells</h3>
  <ul>{% for item in profile.products_and_services %}<li>{{ item }}</li>{% endfor %}</ul>
  {% endif %}
</section>
<section class="card">
  <h2>Against the field</h2>
  <table class="figures">
    <thead><tr><th></th><th>{{ target.name }}</th><th>The others</th></tr></thead>
    <tbody>
    <tr><th>Rank</th><td>#{{ target.rank }}</td><td>{{ field.field_size - 1 }} competitors</td></tr>
    <tr><th>Rating</th>
      <td>{{ stars(target.rating, "%.1f") }}</td>
      <td>{% if field.average_rating is not none %}average {% endif %}
        {{- stars(field.average_rating, "%.2f") }}</td></tr>
    <tr><th>Reviews</th>
      <td>{{ target.review_count if target.review_count is not none else "—" }}</td>
      <td>{% if field.median_review_count is not none %}median
        {{ "%g"|format(field.median_review_count) }}{% else %}—{% endif %}</td></tr>
    </tbody>
  </table>
  {% if field.rating_percentile is not none %}
  <p class="note">Rated higher than {{ share(field.rating_percentile) }} of the
  {{ field.competitors_with_rating }} rated competitors
  {%- if field.review_count_percentile is not none %}; more reviews than
  {{ share(field.review_count_percentile) }}{% endif %}.</p>
  {% endif %}
</section>
</div>
<div class="columns">
<section class="card">
  <h2>Gaps</h2>
  {% if report.gaps %}
  <ul>{% for gap in report.gaps %}<li>{{ gap[:1]|upper }}{{ gap[1:] }}</li>{% endfor %}</ul>
  {% else %}<p class="note">None found.</p>{% endif %}
  {% if profile.strengths %}<h3>Strengths</h3>
  <ul>{% for item in profile.strengths %}<li>{{ item }}</li>{% endfor %}</ul>{% endif %}
  {% if profile.recommendations %}<h3>What it could do next</h3>
  <ul>{% for item in profile.recommendations %}<li>{{ item }}</li>{% endfor %}</ul>{% endif %}
</section>
<section class="card">
  <h2>Closest competitors</h2>
  {% if report.closest_competitors %}
  <table class="figures">
    <thead><tr><th>#</th><th>Business</th><th>Rating</th><th>Reviews</th></tr></thead>
    <tbody>
    {% for c in report.closest_competitors %}
    <tr><td>{{ c.rank }}</td><td>{{ c.name }}</td>
      <td>{% if c.rating is not none %}★ {{ "%.1f"|format(c.rating) }}
        {{ difference(c.rating_difference, "%+.1f") }}{% else %}—{% endif %}</td>
      <td>{% if c.review_count is not none %}{{ c.review_count }}
        {{ difference(c.review_count_difference, "%+d") }}{% else %}—{% endif %}</td></tr>
    {% endfor %}
    </tbody>
  </table>
  <p class="note">The businesses ranked nearest the target; in brackets, against it.</p>
  {% else %}<p class="note">The target has no competitor in these results.</p>{% endif %}
</section>
</div>
<section class="card">
  <h2>Rating against reviews</h2>
  <p class="note swipe">Swipe sideways to see the whole chart.</p>
  <div class="chart-scroll">{{ chart }}</div>
  <ul class="legend"><li class="target">{{ target.name }}</li>
    <li class="closest">closest competitors (by rank)</li><li class="other">others</li></ul>
</section>
{% endif %}
{% endblock %}
"""

_NOT_FOUND = """{% extends "base.html" %}
{% block content %}
<h1>Not found</h1>
<p class="empty">{{ message }} <a href="/directory">See all collections</a>.</p>
{% endblock %}
"""

PAGE_SIZES = (25, 50, 100)
EXPORT_LABELS = (
    ("CSV", ExportFormat.CSV),
    ("Excel", ExportFormat.XLSX),
    ("JSON", ExportFormat.JSON),
)
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
            "report.html": _REPORT,
            "not_found.html": _NOT_FOUND,
        }
    ),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
)
# Phones are stored in E.164 and shown as a person in the business's country writes them.
_environment.globals["display_phone"] = display_phone


def collection_url(collection_id: str) -> str:
    return f"/directory/{quote(collection_id, safe='@')}"


def report_url(search_id: str) -> str:
    return f"/directory/searches/{quote(search_id, safe='@')}"


def web_link(url: str | None) -> str | None:
    """Only http(s) addresses become links: a scraped "javascript:" URL must not run."""
    try:
        scheme = urlsplit(url).scheme if url else None
    except ValueError:  # not a URL at all, e.g. an unclosed IPv6 bracket
        return None
    return url if scheme in ("http", "https") else None


def short_url(url: str) -> str:
    """An address as a person reads it: no scheme, no "www.", no trailing slash."""
    bare = url.split("://", 1)[-1].removeprefix("www.")
    return bare.removesuffix("/")


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


def filter_params(filters: LeadFilters) -> dict[str, str]:
    """The API's query parameters for `filters` (set ones only)."""
    params = {
        f"has{what.capitalize()}": str(wanted).lower() for what, wanted in filters.presence.items()
    }
    if filters.min_score is not None:
        params["minScore"] = str(filters.min_score)
    if filters.text:
        params["q"] = filters.text
    return params


# A lead is marked for the changes its search observed this recently: a weekly refresh
# (search/schedules.py) marks what it found until the next one.
MARKS_WINDOW = timedelta(days=7)
# The kinds of territory change, as the marks beside a lead's name.
_MARK_OF_KIND = {"new": "new", "closed": "closed", "changed": "changed", "reopened": "changed"}
MARK_TITLES = {
    "new": "first seen by this search",
    "closed": "Google lists it as closed",
    "changed": "a contact or its status changed",
}


def lead_marks(kinds_by_place: Mapping[str, set[str]]) -> dict[str, list[str]]:
    """Place id -> its marks, in a fixed order (a lead both new and changed shows both)."""
    return {
        place_id: [m for m in MARK_TITLES if m in {_MARK_OF_KIND.get(k) for k in kinds}]
        for place_id, kinds in kinds_by_place.items()
    }


def render_collection(
    collection: Mapping[str, Any],
    leads: Sequence[Mapping[str, Any]],
    *,
    filters: LeadFilters,
    page: int,
    page_size: int,
    total: int,
    sort: LeadSort,
    coverage: Mapping[str, Any] | None = None,
    changes: Mapping[str, set[str]] | None = None,
) -> str:
    """A collection's page; `coverage` (search_store.coverage_map) adds the coverage map,
    `changes` (place id -> kinds of change within MARKS_WINDOW) the leads' marks."""
    base = collection_url(collection["id"])
    api_base = f"/api/collections/{quote(collection['id'], safe='@')}"
    params = filter_params(filters)
    coverage_svg = (
        render_coverage_map(
            coverage["area"], coverage["tiles"], coverage["places"], coverage["status"]
        )
        if coverage
        else ""
    )

    def page_url(number: int) -> str:
        query = {**params, "sort": sort.value, "pageSize": page_size, "page": number}
        return f"{base}?{urlencode(query)}"

    suffix = f"?{urlencode(params)}" if params else ""
    return _environment.get_template("collection.html").render(
        title=f"{collection['keyword']} in {collection['location']}",
        collection=collection,
        leads=leads,
        filters=filters,
        filtered=bool(params),
        choices=(
            ("hasEmail", "Email", filters.has_email),
            ("hasPhone", "Phone", filters.has_phone),
            ("hasOwner", "Owner", filters.has_owner),
        ),
        page=page,
        page_size=page_size,
        page_sizes=PAGE_SIZES if page_size in PAGE_SIZES else sorted({*PAGE_SIZES, page_size}),
        total=total,
        total_pages=max(1, -(-total // page_size)),
        sort=sort.value,
        sorts=SORT_LABELS,
        page_url=page_url,
        export_urls=[
            (label, f"{api_base}/export.{export_format.value}{suffix}")
            for label, export_format in EXPORT_LABELS
        ],
        report_url=report_url(collection["id"]),
        changes_url=f"{api_base}/changes",
        marks=lead_marks(changes or {}),
        mark_titles=MARK_TITLES,
        marks_days=MARKS_WINDOW.days,
        collection_url=collection_url,
        percent=percent,
        web_link=web_link,
        coverage=coverage,
        coverage_svg=coverage_svg,
        coverage_legend=LEGEND,
        short_url=short_url,
        describe_source=describe_source,
        chosen_source=chosen_provenance,
    )


def match_sentence(target: Mapping[str, Any]) -> str:
    """How the report's target was chosen, in words."""
    requested = target["requested_name"]
    if target["match_method"] == "named":
        score = f" (name match {target['match_score']:.0f}/100)" if target["match_score"] else ""
        return f"The business you named, “{requested}”, found in the results{score}."
    if requested:
        return (
            f"“{requested}” is not among the results, so the report profiles the "
            "top-ranked business instead."
        )
    return "No business was named: the report profiles the top-ranked one."


def _difference(value: float | None, pattern: str) -> Markup:
    """A competitor's lead (+, red: ahead of the target) or lag (-, green), in brackets."""
    if value is None:
        return Markup("")
    css = "worse" if value > 0 else "better" if value < 0 else "note"
    return Markup('<span class="{}">({})</span>').format(css, pattern % value)


def _stars(rating: float | None, pattern: str) -> str:
    return f"★ {pattern % rating}" if rating is not None else "—"


def _day(moment: datetime) -> str:
    return moment.strftime("%-d %b %Y")


def _share(fraction: float) -> str:
    return f"{round(100 * fraction)}%"


def render_report(report: Mapping[str, Any]) -> str:
    chart = Markup("")
    if report["target"]:
        points, unrated = chart_points(report)
        field = report["field"]
        # Our own markup, every name in it escaped (directory.chart).
        chart = Markup(
            rating_review_chart(
                points,
                average_rating=field["average_rating"],
                median_review_count=field["median_review_count"],
                unrated=unrated,
            )
        )
    return _environment.get_template("report.html").render(
        title=f"Search report: {report['keyword']} in {report['location']}",
        report=report,
        chart=chart,
        match_sentence=match_sentence,
        difference=_difference,
        day=_day,
        share=_share,
        stars=_stars,
        collection_url=collection_url,
        web_link=web_link,
        short_url=short_url,
    )


def render_not_found(message: str) -> str:
    return _environment.get_template("not_found.html").render(title="Not found", message=message)
