"""Scenario 4a: hostile search requests, through every door a person can use.

parse_search_request (the API and webhooks call it), the request_search
Dagster job (the launchpad) and `leadgen search` (the CLI, in process). A bad
request gets a clear error naming the field, exit status 1 or a step failure,
and leaves nothing behind: no searches row, no dynamic partition, no Places
request. Inputs the validator accepts by design (an apostrophe, a comma, a
path-looking string) are stored as data, verbatim, under a key that holds none
of Dagster's reserved delimiters.
"""

from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from leadgen_pipeline.cli import main
from leadgen_pipeline.domain.search_request import (
    InvalidSearchRequest,
    parse_search_request,
    validate_partition_key,
)
from leadgen_pipeline.resources import DatabaseResource
from leadgen_pipeline.search.jobs import request_search
from leadgen_pipeline.steps import search_partitions
from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.known_bugs import ProductBug
from leadgen_sandbox.environment import sandbox_environ

# (keyword, location, target, what the error must say). The field named in the
# message is the one that is wrong.
REFUSED: list[tuple[object, object, object, str]] = [
    ("", "Austin, TX", None, "keyword is required"),
    ("   \t\n ", "Austin, TX", None, "keyword is required"),
    ("plumber", "", None, "location is required"),
    ("plumber", "\u3000", None, "location is required"),  # ideographic space
    ("x" * 81, "Austin, TX", None, "keyword is 81 characters; the limit is 80"),
    ("plumber", "y" * 121, None, "location is 121 characters; the limit is 120"),
    ("plumber", "Austin, TX", "z" * 201, "targetBusiness is 201 characters; the limit is 200"),
    ("plumber " * 5000, "Austin, TX", None, "the limit is 80"),
    ("plumber\x00", "Austin, TX", None, "keyword contains control or invisible characters"),
    ("plumber", "Austin\x07TX", None, "location contains control or invisible characters"),
    ("plumber\x1b[31m", "Austin, TX", None, "keyword contains control"),
    ("plumber\x0bX", "Austin, TX", None, "keyword contains control"),  # vertical tab
    ("plum\u200bber", "Austin, TX", None, "keyword contains control or invisible"),  # zero width
    ("plumber\u200d", "Austin, TX", None, "keyword contains control or invisible"),  # ZWJ
    ("\ufeffplumber", "Austin, TX", None, "keyword contains control or invisible"),  # BOM
    ("plumber", "Austin\u202eXT ,", None, "location contains control or invisible"),  # RLO
    ("plumber", "\u2066Austin\u2069", None, "location contains control or invisible"),  # isolates
    ("plumber", "Austin, TX", "Joe\u061cs", "targetBusiness contains control or invisible"),
    ("'; DROP TABLE searches; --", "Austin, TX", None, "not allowed: [';']"),
    ("x' OR '1'='1", "Austin, TX", None, "not allowed: ['=']"),
    ("plumber", "Robert'); DROP TABLE prospects;--", None, "location contains characters"),
    ("<script>alert(1)</script>", "Austin, TX", None, "not allowed: ['<', '>']"),
    ("plumber", "Austin, TX", '<img src=x onerror="alert(1)">', "targetBusiness contains"),
    ("$(rm -rf /)", "Austin, TX", None, "keyword contains characters that are not allowed"),
    ("`id`", "Austin, TX", None, "not allowed: ['`']"),
    ("plumber; ls", "Austin, TX", None, "not allowed: [';']"),
    ("{{7*7}}", "Austin, TX", None, "keyword contains characters that are not allowed"),
    ("${jndi:ldap://127.0.0.1/a}", "Austin, TX", None, "keyword contains characters"),
    ("plumber|electrician", "Austin, TX", None, "not allowed: ['|']"),  # multi-partition delimiter
    ("plumber", "Austin|TX", None, "not allowed: ['|']"),
    ("plumber@home", "Austin, TX", None, "not allowed: ['@']"),  # our key separator
    ("plumber", "@austin-tx", None, "not allowed: ['@']"),
    ("...", "Austin, TX", None, "keyword must contain a letter or a digit"),  # range syntax
    (",", "Austin, TX", None, "keyword must contain a letter or a digit"),  # backfill splitter
    ("plumber", "-- _ --", None, "location must contain a letter or a digit"),
    ("🔧 plumber", "Austin, TX", None, "keyword contains characters that are not allowed"),
    ("100%", "Austin, TX", None, "not allowed: ['%']"),
    (123, "Austin, TX", None, "keyword must be text, got int"),
    ("plumber", 78701, None, "location must be text, got int"),
    ("plumber", "Austin, TX", 4.5, "targetBusiness must be text, got float"),
    (True, "Austin, TX", None, "keyword must be text, got bool"),
    (["plumber"], "Austin, TX", None, "keyword must be text, got list"),
    ({"$ne": None}, "Austin, TX", None, "keyword must be text, got dict"),
    (b"plumber", "Austin, TX", None, "keyword must be text, got bytes"),
    (None, "Austin, TX", None, "keyword is required"),
]
# Accepted by design and stored as plain data: the characters are allowed in
# business and place names, and nothing downstream interprets them.
ACCEPTED: list[tuple[str, str, str | None]] = [
    ("O'Brien & Sons plumber", "St. Louis, MO", "O'Brien (Downtown) #2"),
    ("x' OR 1 --", "Austin, TX", None),  # SQL-looking, with allowed characters only
    ("plumber && rm -rf /", "Austin, TX", None),  # shell-looking, never reaches a shell
    ("../../etc/passwd", "Austin, TX", None),
    ("plumber, electrician", "Austin... TX", None),  # , and ... fold into the slug
    ("Zoë's Café", "Zürich", "Café Zoë\u2019s"),
    ("сантехник", "Москва", None),
    ("plumber\u00a0\u2028x", "Austin,\u2003TX", None),  # odd spaces collapse to one
    ("plumber\t", "Austin,\r\nTX", None),  # pasted from a spreadsheet: tabs, line breaks
    ("plumber\r\nX-Injected: 1", "Austin, TX", None),  # one line of text; never a header
]
RESERVED_IN_KEYS = ("|", ",", "...")


def all_text(case: tuple[object, object, object, str]) -> bool:
    keyword, location, target, _ = case
    return isinstance(keyword, str) and isinstance(location, str) and isinstance(target, str | None)


# Each run of the request_search job costs a Dagster run: every other text case
# (neighbours in REFUSED are of a kind), and every non-text one (refused by the
# job's typed config before a run starts).
JOB_CASES = [c for c in REFUSED if all_text(c)][::2] + [c for c in REFUSED if not all_text(c)]


def ids(cases: list) -> list[str]:
    return [repr(case[:3])[:60] for case in cases]


@pytest.mark.parametrize(("keyword", "location", "target", "message"), REFUSED, ids=ids(REFUSED))
def test_parse_refuses_with_a_clear_message(keyword, location, target, message):
    with pytest.raises(InvalidSearchRequest) as refused:
        parse_search_request(keyword, location, target)
    assert message in str(refused.value)


def assert_safe_key(key: str) -> None:
    assert key.count("@") == 1 and not any(d in key for d in RESERVED_IN_KEYS), key
    assert validate_partition_key(key) == tuple(key.split("@"))


@pytest.mark.parametrize(("keyword", "location", "target"), ACCEPTED, ids=ids(ACCEPTED))
def test_accepted_oddities_get_a_key_free_of_dagster_delimiters(keyword, location, target):
    request = parse_search_request(keyword, location, target)
    assert_safe_key(request.partition_key)
    assert request.keyword == " ".join(keyword.split())


def test_every_accepted_request_has_a_valid_partition_key():
    # U+FDFA is one letter (Lo) that NFKD spells out in 18 characters.
    try:
        request = parse_search_request("\ufdfa" * 80, "Austin, TX")
    except InvalidSearchRequest as error:
        assert "keyword" in str(error)  # refused up front, naming the field: fine
        return
    try:
        validate_partition_key(request.partition_key)
    except InvalidSearchRequest as error:
        raise ProductBug(5, f"accepted, then refused as a key: {str(error)[:60]}...") from None


def stored_searches(database_url: str) -> list[sa.Row]:
    with engine_for(database_url).connect() as conn:
        return list(conn.execute(sa.select(t.searches)))


def run_request_job(instance, database_url, keyword, location, target):
    config = {"keyword": keyword, "location": location}
    if target is not None:
        config["target_business"] = target
    return request_search.execute_in_process(
        run_config={"ops": {"register_search_request": {"config": config}}},
        resources={"database": DatabaseResource(url=database_url)},
        instance=instance,
        raise_on_error=False,
    )


def test_the_request_search_job_refuses_every_bad_request_and_stores_nothing(pg_url, sandbox):
    places_before = sandbox.stats("places").requests_total
    problems = []
    with dg.instance_for_test() as instance:
        for keyword, location, target, message in JOB_CASES:
            case = repr((keyword, location, target))[:70]
            if not all_text((keyword, location, target, message)):
                # Dagster's typed config refuses a non-string before the op runs.
                with pytest.raises(dg.DagsterInvalidConfigError) as refused:
                    run_request_job(instance, pg_url, keyword, location, target)
                field = message.split()[0].replace("targetBusiness", "target_business")
                if field not in str(refused.value):
                    problems.append(f"{case}: config error does not name {field!r}")
                continue
            result = run_request_job(instance, pg_url, keyword, location, target)
            failures = [e for e in result.all_events if e.is_step_failure]
            if result.success or len(failures) != 1:
                problems.append(f"{case}: not refused ({len(failures)} step failures)")
                continue
            error = failures[0].step_failure_data.error
            text = error.message if error else ""
            if "search request refused: " not in text or message not in text:
                problems.append(f"{case}: unclear failure {text[:100]!r}")
            retried = [e for e in result.all_events if e.event_type.value == "STEP_UP_FOR_RETRY"]
            if retried:
                problems.append(f"{case}: a refused request was retried")
        partitions = instance.get_dynamic_partitions(search_partitions.name)
    assert not problems, "\n".join(problems)
    assert partitions == []
    assert stored_searches(pg_url) == []
    assert sandbox.stats("places").requests_total == places_before


def test_the_request_search_job_stores_accepted_oddities_verbatim(pg_url):
    with dg.instance_for_test() as instance:
        for keyword, location, target in ACCEPTED:
            result = run_request_job(instance, pg_url, keyword, location, target)
            assert result.success, (keyword, location, target)
        partitions = set(instance.get_dynamic_partitions(search_partitions.name))
    stored = {row.id: row for row in stored_searches(pg_url)}
    assert partitions == set(stored)
    for keyword, location, target in ACCEPTED:
        request = parse_search_request(keyword, location, target)
        row = stored[request.partition_key]
        assert_safe_key(row.id)
        assert (row.keyword, row.location, row.target_business) == (
            request.keyword,
            request.location,
            request.target_business,
        )
    # The SQL-looking keyword was data: every table is still there.
    assert set(t.metadata.tables) <= set(sa.inspect(engine_for(pg_url)).get_table_names())


@pytest.fixture
def cli_environment(pg_url: str, sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in sandbox_environ(sandbox).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LEADGEN_DATABASE_URL", pg_url)
    monkeypatch.setenv("LEADGEN_DATA_DIR", str(tmp_path / "data"))
    home = tmp_path / "dagster_home"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def test_the_cli_refuses_every_bad_request_with_status_1_and_stores_nothing(
    cli_environment, pg_url, sandbox, capsys
):
    places_before = sandbox.stats("places").requests_total
    problems = []
    for keyword, location, target, message in filter(all_text, REFUSED):  # argv: text only
        argv = ["search", keyword, location, *(["--target", target] if target else [])]
        status = main(argv)
        err = capsys.readouterr().err
        if status != 1 or "error:" not in err or message not in " ".join(err.split()):
            problems.append(f"{argv[1:]!r:.70}: status {status}, stderr {err.strip()[:100]!r}")
    assert not problems, "\n".join(problems)
    assert stored_searches(pg_url) == []
    assert sandbox.stats("places").requests_total == places_before
    with dg.DagsterInstance.from_config(str(cli_environment)) as instance:
        assert instance.get_dynamic_partitions(search_partitions.name) == []
