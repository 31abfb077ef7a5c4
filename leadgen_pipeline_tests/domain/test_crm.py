import pytest

from leadgen_pipeline.domain.crm import describe_source, split_person_name


@pytest.mark.parametrize(
    ("full", "expected"),
    [
        ("Jane Doe", ("Jane", "Doe")),
        ("Dr. Ana María López", ("Ana María", "López")),
        ("John Smith Jr.", ("John", "Smith Jr.")),
        ("Smith, John", ("John", "Smith")),
        ("John Smith, Jr.", ("John", "Smith Jr.")),
        ("Cher", ("Cher", "")),
        ("Dr.", ("Dr.", "")),
        ("  ", ("", "")),
    ],
)
def test_a_name_splits_into_first_and_last(full, expected):
    assert split_person_name(full) == expected


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("places_search", "Google listing"),
        ("website:mailto", "website (email link)"),
        ("website:pattern:founded_by", "website (sentence naming the owner)"),
        ("website:something-new", "website (something-new)"),
        ("llm:website_extraction", "AI, read from the website"),
        ("crm:import", "crm:import"),
    ],
)
def test_a_source_reads_as_words(source, words):
    assert describe_source(source) == words
