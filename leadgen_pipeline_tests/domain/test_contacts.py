import pytest

from leadgen_pipeline.domain.contacts import (
    decode_cloudflare_email,
    display_phone,
    is_freemail_domain,
    normalise_email,
    normalise_phone,
    phone_query_digits,
    registered_domain,
)


def cloudflare_encode(address: str, key: int = 0x42) -> str:
    return f"{key:02x}" + "".join(f"{byte ^ key:02x}" for byte in address.encode())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Info@AcmePlumbing.com", "info@acmeplumbing.com"),
        ("mailto:Sales@Acme.co.uk", "sales@acme.co.uk"),
        (" office@acme.com. ", "office@acme.com"),
        ("maria.lopez+quotes@gmail.com", "maria.lopez+quotes@gmail.com"),
    ],
)
def test_normalise_email_lower_cases_valid_addresses(raw, expected):
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "logo@2x.png",
        "hero-image@3x.webp",
        "info@example.com",
        "name@domain.com",
        "your@email.com",
        "john.doe@acme.com",
        "8f14e45fceea167a5a36dedd4bea2543@o123456.ingest.sentry.io",
        "605a7baede844d278b89dc95ae0a9123@sentry-next.wixpress.com",
        "noreply@acme.com",
        "info@acme.invalid",
        "info@acme.example",
        "a..b@acme.com",
        "info@localhost",
        "not an email",
    ],
)
def test_normalise_email_rejects_junk(raw):
    assert normalise_email(raw) is None


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("(512) 867-5309", "US", "+15128675309"),
        ("+1 512.867.5309", "US", "+15128675309"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("867-5309", "US", None),
        ("12345", "US", None),
        ("call me", "US", None),
    ],
)
def test_normalise_phone_gives_e164_of_valid_numbers(raw, region, expected):
    assert normalise_phone(raw, region) == expected


def test_decode_cloudflare_email_reverses_the_xor():
    assert decode_cloudflare_email(cloudflare_encode("info@acme.com", key=0x5A)) == "info@acme.com"
    assert decode_cloudflare_email("zz") is None
    assert decode_cloudflare_email("42") is None


def test_domains():
    assert registered_domain("www.acme.co.uk") == "acme.co.uk"
    assert registered_domain("acme.wixsite.com") == "acme.wixsite.com"
    assert registered_domain("127.0.0.1") == ""
    assert is_freemail_domain("gmail.com")
    assert not is_freemail_domain("acmeplumbing.com")


@pytest.mark.parametrize(
    ("e164", "country", "shown"),
    [
        ("+493012345678", "DE", "030 12345678"),
        ("+33478123456", "FR", "04 78 12 34 56"),
        ("+34912345678", "ES", "912 34 56 78"),
        ("+81312345678", "JP", "03-1234-5678"),
        ("+5511912345678", "BR", "(11) 91234-5678"),
        ("+15125550195", "US", "(512) 555-0195"),
        ("+15125550195", "us", "(512) 555-0195"),
        # Another country's number, or no country known: the international form.
        ("+493012345678", "FR", "+49 30 12345678"),
        ("+493012345678", None, "+49 30 12345678"),
        ("not a number", "DE", "not a number"),
        (None, "DE", None),
    ],
)
def test_display_phone_is_national_in_the_business_country(e164, country, shown):
    assert display_phone(e164, country) == shown


def test_a_phone_number_typed_in_a_search_box_becomes_the_digits_of_its_e164():
    assert phone_query_digits("030 1234 5678") == "3012345678"  # trunk 0 dropped
    assert phone_query_digits("0049 (0)30 1234") == "49030" + "1234"  # digits as typed
    assert phone_query_digits("+81 3-1234-5678") == "81312345678"
    assert phone_query_digits(" (512) 469.23/00 ") == "5124692300"
    assert phone_query_digits("1234") is None  # too short to mean a number
    assert phone_query_digits("Müller 030") is None  # words: a text search
