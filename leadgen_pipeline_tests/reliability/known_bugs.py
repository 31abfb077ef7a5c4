"""Product bugs these tests found, and how a test recognises each one.

A test that meets a known bug raises `ProductBug` (an AssertionError) from the
check that recognises exactly that bug, and is marked
`pytest.mark.xfail(strict=True, raises=ProductBug, reason=...)`. So:

- any other failure of the test is reported as a failure, not hidden;
- once the product is fixed, the test passes, strict xfail turns that into a
  failure, and whoever fixed it removes the marker.

The findings and the proposed fixes are in docs/reliability.md.
"""

import pytest


class ProductBug(AssertionError):
    """The signature of a known product bug was seen."""


def known_bug(number: int, summary: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(
        strict=True,
        raises=ProductBug,
        reason=f"PRODUCT BUG, finding {number} in docs/reliability.md: {summary}",
    )


WEBSITE_FAULTS_LOSE_DATA = known_bug(
    1,
    "a website page lost to a 429, a 5xx or a timeout is recorded and the prospect is "
    "marked enriched without it; nothing retries it, so its email and owner stay lost "
    "until re-enrichment 30 days later",
)
RATE_LIMITER_DATABASE_ERRORS_FAIL_PROSPECTS = known_bug(
    2,
    "a dropped connection in the PostgreSQL rate-limit pool fails the prospects whose "
    "requests it paced (caught as a prospect failure) instead of failing the step for "
    "its retry; the pool hands out dead connections",
)
GZIP_PAGES_ARE_NOT_DECODED = known_bug(
    3,
    "the fetcher reads the raw stream without decoding Content-Encoding, so every "
    "gzip-compressed page (most real websites) is stored and parsed as compressed bytes",
)
