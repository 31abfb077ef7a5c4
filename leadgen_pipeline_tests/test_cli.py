"""The leadgen command, in process against the session sandbox and as a real subprocess."""

import csv
import io
import json
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

import openpyxl
import pytest
import sqlalchemy as sa
from rich.console import Console

from leadgen_pipeline.cli import leads_table_of, main
from leadgen_pipeline.domain.territory import Change, ChangeKind
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.prospects import REQUEST, store_field
from leadgen_pipeline_tests.support.territory import record_changes
from leadgen_sandbox import SandboxDataset
from leadgen_sandbox.corpus.score import serve_corpus
from leadgen_sandbox.environment import sandbox_environ
from leadgen_sandbox.geography import city_viewport
from leadgen_sandbox.world_data import CITIES


@pytest.fixture
def cli_env(database_url, sandbox, tmp_path, monkeypatch):
    for name, value in sandbox_environ(sandbox).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LEADGEN_DATABASE_URL", database_url)
    monkeypatch.setenv("LEADGEN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    return database_url


def count(database_url, table):
    with engine_for(database_url).connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["search", "", "Austin, TX"], "keyword is required"),
        (["search", "plumber", "Austin\x07TX"], "control or invisible"),
        (["search", "plumber", "x" * 500], "limit is 120"),
        (["search", "plumber", "Austin, TX", "--max-cost", "0"], "maxCostUsd must be more"),
        (["search", "plumber", "Austin, TX", "--max-cost", "ten"], "maxCostUsd must be an"),
        (["quote", "", "Austin, TX", "--probe"], "keyword is required"),
        (["quote", "plumber", "Austin\x07TX", "--probe"], "control or invisible"),
    ],
)
def test_bad_input_exits_1_before_any_api_call(cli_env, sandbox, capsys, argv, message):
    assert main(argv) == 1
    assert message in capsys.readouterr().err
    assert sandbox.stats("places").requests_total == 0
    assert count(cli_env, t.searches) == 0


def test_quote_probes_a_search_never_run_at_no_cost_and_prints_it(cli_env, sandbox, capsys):
    before = sandbox.stats("places").requests_total
    assert main(["quote", "roofer", "Portland, OR", "--probe", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["search_id"] == "roofer@portland-or"
    assert document["probe"] == {
        "requests": 1,
        "sku": "Text Search Essentials (IDs Only)",
        "cost_usd": 0.0,
        "places": 12,
        "saturated": False,
    }
    assert document["requests_by_sku"]["Text Search Enterprise"] == 1
    assert sandbox.stats("places").requests_total == before + 1
    assert count(cli_env, t.searches) == 0  # a quote requests nothing

    assert main(["quote", "roofer", "Portland, OR", "--coverage", "top"]) == 0
    printed = capsys.readouterr().out
    assert "quote for 'roofer in Portland, OR' (roofer@portland-or, coverage top)" in printed
    assert "places" in printed and "default" in printed
    assert sandbox.stats("places").requests_total == before + 1


def test_search_then_export_as_csv_xlsx_and_json(cli_env, capsys, tmp_path):
    assert main(["search", "roofer", "Portland, OR", "--target", "nobody in particular"]) == 0
    table = capsys.readouterr().out
    assert "leads in roofer@portland-or" in table

    assert main(["export", "roofer@portland-or"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == count(cli_env, t.leads) > 0
    assert rows[0]["Search Rank"] == "1" and rows[0]["Phone"].startswith("+1")

    assert main(["export", "roofer@portland-or", "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["collection"]["id"] == "roofer@portland-or"
    assert [r["place_id"] for r in body["leads"]] == [r["Google Place ID"] for r in rows]

    workbook_path = tmp_path / "roofers.xlsx"
    assert main(["export", "roofer@portland-or", "--format", "xlsx", "-o", str(workbook_path)]) == 0
    assert f"{len(rows)} leads written to" in capsys.readouterr().err
    workbook = openpyxl.load_workbook(workbook_path, read_only=True)
    header, *records = workbook["Leads"].iter_rows(values_only=True)
    assert [r[header.index("Google Place ID")] for r in records] == [
        r["Google Place ID"] for r in rows
    ]


def test_a_capped_search_stops_with_status_3_resumes_with_a_higher_cap_and_spend_shows_it(
    cli_env, sandbox, capsys
):
    # The location look-up ($0.032) fits under $0.05; the first area page ($0.035) does not.
    assert main(["search", "roofer", "Portland, OR", "--max-cost", "0.05"]) == 3
    err = capsys.readouterr().err
    assert "'roofer@portland-or' stopped (run" in err
    assert "budget reached" in err and "maxCostUsd" in err
    assert sandbox.stats("places").requests_total == 1

    assert main(["search", "roofer", "Portland, OR", "--max-cost", "5"]) == 0
    capsys.readouterr()
    # The look-up was answered from the stopped run's page, not asked again.
    with engine_for(cli_env).connect() as conn:
        looked_up = conn.execute(
            sa.select(sa.func.count()).where(t.spend_ledger.c.sku == "Text Search Pro")
        ).scalar_one()
    assert looked_up == 1

    assert main(["spend", "--by", "search"]) == 0
    out = capsys.readouterr().out
    assert "roofer@portland-or" in out and "total" in out
    with pytest.raises(SystemExit):  # argparse refuses the day, with its usage
        main(["spend", "--since", "2026-13-01"])
    assert "is not a day" in capsys.readouterr().err


def test_the_leads_table_never_cuts_a_rank_a_phone_or_the_score_header():
    # 74 Austin plumbers printed at the piped width (160) cut ranks from 10 on to "…",
    # the phones to "(512) 555-01…" and the header to "sco…".
    rows = [
        {
            "rank": rank,
            "name": f"Clearwater Lindqvist Plumbing Services {rank}",
            "phone_e164": "+15125550123",
            "country_code": "US",
            "email": f"contact@clearwater-lindqvist-plumbing-services-{rank}.com",
            "owner_name": "Russell McAllister-Lindqvist",
            "socials": {"facebook": "", "instagram": "", "linkedin": "", "x": "", "youtube": ""},
            "quality_score": 100,
        }
        for rank in range(1, 75)
    ]
    console = Console(width=160, record=True)
    console.print(leads_table_of("plumber@austin-tx", rows))
    printed = console.export_text()
    assert max(len(line) for line in printed.splitlines()) <= 160
    assert "score" in printed and "sco…" not in printed
    assert "│ 74 │" in printed and "│ 10 │" in printed
    assert printed.count("(512) 555-0123") == 74


def test_the_demo_leaves_the_users_data_alone_and_says_so(cli_env, capsys):
    assert main(["demo"]) == 0
    captured = capsys.readouterr()
    assert "leads in plumber@austin-tx" in captured.out
    assert "leads in dentist@denver-co" in captured.out
    assert "throwaway database, now deleted" in captured.err
    assert count(cli_env, t.searches) == 0


def test_sandbox_on_a_port_taken_says_so_in_one_line(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["sandbox", "--places-port", str(port), "--llm-port", "0"]) == 1
    error = capsys.readouterr().err
    assert f"ports {port}, 0, 8703" in error and "Address already in use" in error
    assert "Traceback" not in error


def test_export_of_an_unknown_collection_lists_the_known_ones(cli_env, capsys):
    assert main(["export", "nothing@nowhere"]) == 1
    assert "no collection 'nothing@nowhere'" in capsys.readouterr().err


def test_the_installed_command_searches_postgres_twice_without_duplicates(pg_url, tmp_path):
    """The promise in the issue: `leadgen search plumber "Austin, TX"` on PostgreSQL, twice."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("GOOGLE_PLACES_API_KEY", "OPENAI_API_KEY")
    }
    env |= {
        "LEADGEN_DATABASE_URL": pg_url,
        "LEADGEN_DATA_DIR": str(tmp_path / "data"),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
    }
    command = [sys.executable, "-m", "leadgen_pipeline.cli", "search", "plumber", "Austin, TX"]
    for _ in range(2):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
        assert "using the local sandbox" in done.stderr
    with engine_for(pg_url).connect() as conn:
        place_ids = conn.execute(sa.select(t.prospects.c.place_id)).scalars().all()
        assert conn.execute(sa.select(sa.func.count()).select_from(t.searches)).scalar_one() == 1
        kinds = dict(
            conn.execute(
                sa.select(t.places_results.c.request_kind, sa.func.count()).group_by(
                    t.places_results.c.request_kind
                )
            ).all()
        )
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(t.lead_collections)).scalar_one()
            == 1
        )
    # Coverage "full" by default: one look-up, the whole-area query's 3 pages, then tiles;
    # every plumber inside Austin's viewport (the sandbox's world is the same in every
    # process), each once.
    assert kinds["locate"] == 1 and kinds["area"] == 3 and kinds["tile"] >= 2
    assert len(place_ids) == len(set(place_ids))
    assert austin_plumbers_inside_the_viewport() <= set(place_ids)


def austin_plumbers_inside_the_viewport() -> set[str]:
    viewport = city_viewport(CITIES["austin tx"])
    plumbers = SandboxDataset("http://127.0.0.1:9").businesses_for_query("plumber in Austin, TX")
    return {b.place_id for b in plumbers if viewport.contains(b.latitude, b.longitude)}


# --- leadgen enrich-website ---------------------------------------------------------


@pytest.fixture
def corpus_site(sandbox, monkeypatch):
    """A corpus site on loopback, its origin allowed, mail domains asked of the sandbox."""
    with serve_corpus() as base:
        monkeypatch.setenv("LEADGEN_WEB_ALLOWED_HOSTS", base)
        monkeypatch.setenv("LEADGEN_DNS_RESOLVER", sandbox.dns_address)
        yield base


def enrich_website_json(capsys, *argv):
    """The JSON document the command printed, and what it said on stderr."""
    assert main(["enrich-website", *argv, "--json"]) == 0
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


def test_enrich_website_prints_every_contact_typed_with_provenance(corpus_site, capsys):
    document, _ = enrich_website_json(
        capsys, f"{corpus_site}/de-baeckerei-schmidt/", "--country", "DE", "--no-llm"
    )
    assert document["country"] == "DE"
    assert document["site_domain"] == "baeckerei-schmidt.de"
    first = document["emails"][0]
    assert first["address"] == "info@baeckerei-schmidt.de"
    assert first["deliverable"] in ("yes", "no")
    assert {"role_account", "free_mail", "disposable", "mail_domain"} <= set(first)
    assert first["source"] == "website" and first["page"].startswith(corpus_site)
    assert [(p["number"], p["type"]) for p in document["phones"]] == [("+49301234567", "landline")]
    assert [o["address"] for o in document["other_emails"]] == ["kontakt@pixelwerk-medien.de"]
    assert [(o["name"], o["title"]) for o in document["owners"]] == [
        ("Lena Schmidt", "Geschäftsführerin")
    ]
    assert {s["holder"] for s in document["socials"]} == {"business"}
    reasons = [page["reason"] for page in document["pages"]]
    assert reasons[0] == "home page" and any(r.startswith("legal notice") for r in reasons)
    assert document["llm"] == {"used": False, "why_not": "--no-llm", "cost_usd": 0.0}


def test_enrich_website_says_why_the_llm_was_not_asked(corpus_site, capsys, monkeypatch):
    # It printed "LLM: not used (None)" whatever the reason.
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    document, _ = enrich_website_json(capsys, f"{corpus_site}/de-baeckerei-schmidt/")
    assert document["owners"] and document["llm"]["why_not"] == "the rules found the owner"

    assert main(["enrich-website", f"{corpus_site}/de-baeckerei-schmidt/", "--no-llm"]) == 0
    assert "LLM: not used (--no-llm)" in capsys.readouterr().out


def test_enrich_website_reads_the_country_from_the_site_when_not_told(corpus_site, capsys):
    document, _ = enrich_website_json(capsys, f"{corpus_site}/fr-plomberie-martin/", "--no-llm")
    assert document["country"] == "FR"
    assert "+33465712345" in [phone["number"] for phone in document["phones"]]


def test_enrich_website_honours_the_private_address_guard(sandbox, capsys, monkeypatch):
    monkeypatch.delenv("LEADGEN_WEB_ALLOWED_HOSTS", raising=False)
    monkeypatch.delenv("LEADGEN_DNS_RESOLVER", raising=False)
    url = f"{sandbox.web_url}/sites/anything/"
    document, _ = enrich_website_json(capsys, url, "--no-llm")
    assert document["pages"][0]["error"].startswith("blocked: ")
    assert sandbox.stats("web").requests_total == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ftp://example.org/"], "is not an http(s) URL"),
        (["https://"], "is not an http(s) URL"),
        (["https://example.org/", "--country", "XX"], "not an ISO 3166 country code"),
    ],
)
def test_enrich_website_refuses_bad_input_before_fetching(capsys, argv, message):
    assert main(["enrich-website", *argv, "--no-llm"]) == 1
    assert message in capsys.readouterr().err


def test_enrich_website_refuses_a_resolver_that_is_no_address(corpus_site, capsys, monkeypatch):
    monkeypatch.setenv("LEADGEN_DNS_RESOLVER", "dns.example.org")
    assert main(["enrich-website", f"{corpus_site}/uk-the-larder/", "--no-llm"]) == 1
    assert "LEADGEN_DNS_RESOLVER" in capsys.readouterr().err


def test_enrich_website_without_an_llm_key_says_the_sandbox_stands_in(
    corpus_site, capsys, monkeypatch
):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    document, stderr = enrich_website_json(
        capsys, f"{corpus_site}/uk-the-larder/", "--country", "GB"
    )
    assert "no OPENAI_API_KEY set: the local sandbox's LLM stands in" in stderr
    assert document["owners"]


def test_enrich_website_without_an_llm_key_or_the_sandbox_refuses(capsys, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    # A production install: the development-only sandbox package is absent.
    monkeypatch.setitem(sys.modules, "leadgen_sandbox.sandbox", None)
    assert main(["enrich-website", "https://example.org/"]) == 1
    error = capsys.readouterr().err
    assert "needs OPENAI_API_KEY (or run with --no-llm" in error


def test_changes_prints_a_collections_territory_history(cli_env, capsys):
    store_field(cli_env)
    key = REQUEST.partition_key
    record_changes(
        cli_env, key, [Change("a", ChangeKind.CLOSED, "", "OPERATIONAL", "CLOSED_PERMANENTLY")]
    )
    assert main(["changes", key]) == 0
    table = capsys.readouterr().out
    assert f"changes in {key} (1)" in table and "CLOSED_PERMANENTLY" in table

    assert main(["changes", key, "--json", "--since", "2020-01-01"]) == 0
    [change] = json.loads(capsys.readouterr().out)
    assert (change["place_id"], change["kind"], change["name"]) == ("a", "closed", "A")
    assert main(["changes", key, "--since", "2999-01-01T00:00+02:00"]) == 0
    assert f"changes in {key} (0)" in capsys.readouterr().out
    # A moment in another zone is that moment: on SQLite, 10 minutes ago written at
    # +05:00 was compared as a wall time 4 h 50 min ahead, and found nothing.
    ten_minutes_ago = (datetime.now(UTC) - timedelta(minutes=10)).astimezone(
        timezone(timedelta(hours=5))
    )
    assert main(["changes", key, "--json", "--since", ten_minutes_ago.isoformat()]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1

    with pytest.raises(SystemExit):
        main(["changes", key, "--since", "last week"])
    assert "is not a date" in capsys.readouterr().err
    assert main(["changes", "nothing@nowhere"]) == 1
    assert "no collection 'nothing@nowhere'" in capsys.readouterr().err
