import pytest

from leadgen_pipeline.domain.search_request import (
    MAX_KEYWORD_CHARS,
    InvalidSearchRequest,
    parse_search_request,
    slugify,
    validate_partition_key,
)


@pytest.mark.parametrize(
    ("keyword", "location", "key"),
    [
        ("plumber", "Austin, TX", "plumber@austin-tx"),
        ("  Emergency   Plumber ", "St. Louis, MO", "emergency-plumber@st-louis-mo"),
        ("Café", "Zürich", "cafe@zurich"),
        ("сантехник", "Москва", "сантехник@москва"),
        ("HVAC & Heating", "Portland (OR)", "hvac-heating@portland-or"),
    ],
)
def test_partition_key_is_a_readable_slug_pair(keyword, location, key):
    request = parse_search_request(keyword, location)
    assert request.partition_key == key
    assert validate_partition_key(key) == tuple(key.split("@"))


def test_request_keeps_the_users_spelling_collapsed():
    request = parse_search_request("  Emergency   Plumber ", "St. Louis, MO", " Joe's  Pipes ")
    assert request.keyword == "Emergency Plumber"
    assert request.text_query == "Emergency Plumber in St. Louis, MO"
    assert request.target_business == "Joe's Pipes"


def test_spellings_that_differ_in_case_and_punctuation_are_one_search():
    assert (
        parse_search_request("Plumber", "Austin TX").partition_key
        == parse_search_request("plumber", "austin, tx").partition_key
    )


@pytest.mark.parametrize(
    ("keyword", "location", "message"),
    [
        ("", "Austin, TX", "keyword is required"),
        ("   ", "Austin, TX", "keyword is required"),
        (None, "Austin, TX", "keyword is required"),
        ("plumber", "", "location is required"),
        (42, "Austin, TX", "keyword must be text"),
        ("p" * (MAX_KEYWORD_CHARS + 1), "Austin, TX", "limit is 80"),
        ("plumber", "L" * 121, "limit is 120"),
        ("plumb\x00er", "Austin, TX", "control or invisible"),
        ("plumber\u200b", "Austin, TX", "control or invisible"),
        ("plumber|electrician", "Austin, TX", "not allowed"),
        ("plumber", "Austin'; DROP TABLE searches;--", "not allowed"),
        ("<script>", "Austin, TX", "not allowed"),
        ("---", "Austin, TX", "must contain a letter or a digit"),
        ("plumber", "Austin...TX", None),  # dots fold away in the key: accepted
    ],
)
def test_bad_input_is_refused_with_a_clear_message(keyword, location, message):
    if message is None:
        assert "..." not in parse_search_request(keyword, location).partition_key
        return
    with pytest.raises(InvalidSearchRequest, match=message):
        parse_search_request(keyword, location)


def test_target_is_validated_too():
    with pytest.raises(InvalidSearchRequest, match="targetBusiness"):
        parse_search_request("plumber", "Austin, TX", "x" * 201)


@pytest.mark.parametrize(
    "key",
    [
        "plumber",
        "plumber@",
        "@austin",
        "Plumber@austin",
        "plumber@austin|tx",
        "a,b@c",
        "a@b@c",
        "a...b@c",
        "plumber@austin-",
    ],
)
def test_malformed_partition_keys_are_refused(key):
    with pytest.raises(InvalidSearchRequest):
        validate_partition_key(key)


def test_slugify_folds_runs_of_punctuation():
    assert slugify("  St. Louis -- MO  ") == "st-louis-mo"


@pytest.mark.parametrize(
    ("first", "second"),
    [("ジム", "シム"), ("ガス", "カス"), ("パン", "ハン"), ("ไก่", "ไก"), ("कमल", "कोमल")],
)
def test_marks_that_change_a_word_make_another_search(first, second):
    assert slugify(first) != slugify(second)


@pytest.mark.parametrize(
    ("location", "slug"),
    [("กรุงเทพ", "กรุงเทพ"), ("दिल्ली", "दिल्ली"), ("मुंबई", "मुंबई"), ("Zürich", "zurich")],
)
def test_thai_and_indic_place_names_are_accepted_with_their_marks(location, slug):
    request = parse_search_request("gym", location)
    assert request.partition_key == f"gym@{slug}"
    assert validate_partition_key(request.partition_key) == ("gym", slug)
    assert (
        not any(ch in request.partition_key for ch in "|,") and "..." not in request.partition_key
    )


def test_a_decomposed_spelling_is_the_same_key_as_the_composed_one():
    decomposed = "\u30b7\u3099\u30e0"  # シ + combining dakuten + ム, as some keyboards type it
    assert slugify(decomposed) == slugify("ジム") == "ジム"


def test_coverage_is_full_by_default_and_only_full_or_top():
    assert parse_search_request("plumber", "Austin, TX").coverage == "full"
    assert parse_search_request("plumber", "Austin, TX", None, "top").coverage == "top"
    assert parse_search_request("plumber", "Austin, TX", None, None).coverage == "full"
    with pytest.raises(InvalidSearchRequest, match="coverage must be one of full, top"):
        parse_search_request("plumber", "Austin, TX", None, "everything")
