"""A search request ("keyword in location"): validation and its partition key.

A search is one dynamic partition. Its key is built from the keyword and the
location, each folded to a slug, joined by `@`:

    plumber in "Austin, TX"           -> "plumber@austin-tx"
    "Emergency Plumber" in "St. Louis" -> "emergency-plumber@st-louis"

Slugs keep letters of any script, their marks and digits, lower-cased, with
every other run of characters folded to one `-`. So the key never holds
Dagster's reserved characters (`|` joins multi-partition keys, `,` splits UI
backfill selections, `...` means a range), and spellings that differ only in
case or punctuation name the same search.

Accents are folded only where the letter has an ASCII form ("Zürich" and
"Zurich", "Café" and "Cafe" are one search, as a Places query reads them). Marks
that are parts of other scripts' letters are kept, because they change the
word: Japanese dakuten (`ジム` gym is not `シム` sim), Thai vowel signs
(`กรุงเทพ`), Devanagari vowel signs and viramas (`दिल्ली`, `मुंबई`).

Two spellings of one key are one search: the first spelling owns the key and
its row; a later request spelled differently is the same search, and
`storage.search_store.register_search` reports the spelling it was stored
under instead of rewriting the row (which would re-run the search under the
new spelling and drop the old one's prospects).
"""

import re
import unicodedata
from dataclasses import dataclass

from leadgen_pipeline.domain.budget import InvalidBudget, parse_cap

MAX_KEYWORD_CHARS = 80
MAX_LOCATION_CHARS = 120
MAX_TARGET_CHARS = 200
MAX_PARTITION_KEY_CHARS = MAX_KEYWORD_CHARS + MAX_LOCATION_CHARS + 1
KEY_SEPARATOR = "@"

# Besides letters, marks and digits of any script and spaces: the punctuation
# business names and place names use. Anything else (control characters,
# quotes used for injection, brackets, pipes, emoji) is refused.
_ALLOWED_PUNCTUATION = frozenset(".,'\u2019&()/#+:-_")
_WORD_CATEGORIES = ("L", "M", "N")


def _is_word_character(ch: str) -> bool:
    return unicodedata.category(ch)[0] in _WORD_CATEGORIES


def _is_allowed(ch: str) -> bool:
    return _is_word_character(ch) or ch.isspace() or ch in _ALLOWED_PUNCTUATION


# How much of the area a search covers: every business (tiles past the 60-result cap),
# or the single query's top 60 by relevance.
COVERAGE_MODES = ("full", "top")
DEFAULT_COVERAGE = "full"


class InvalidSearchRequest(ValueError):
    """A search request that must be refused before any API call."""


@dataclass(frozen=True)
class SearchRequest:
    keyword: str
    location: str
    target_business: str | None = None
    coverage: str = DEFAULT_COVERAGE
    max_cost_usd: float | None = None  # the search's own spending cap; None: none

    @property
    def text_query(self) -> str:
        return f"{self.keyword} in {self.location}"

    @property
    def partition_key(self) -> str:
        return f"{slugify(self.keyword)}{KEY_SEPARATOR}{slugify(self.location)}"


def _fold(ch: str) -> str:
    """An accented letter with an ASCII form ("ü", "é", "ﬁ") as that form; any other
    character as it is, marks included (NFC keeps "ジ" one character)."""
    decomposed = unicodedata.normalize("NFKD", ch)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base if base.isascii() and base else ch


def slugify(text: str) -> str:
    """Lower-case; accents folded where an ASCII form exists; runs of anything but
    letters, marks and digits -> '-'."""
    folded = "".join(_fold(ch) for ch in unicodedata.normalize("NFC", text)).lower()
    folded = unicodedata.normalize("NFC", folded)
    slug = "".join(ch if _is_word_character(ch) else "-" for ch in folded)
    return re.sub(r"-+", "-", slug).strip("-")


def _clean_field(name: str, value: object, max_chars: int, *, required: bool) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidSearchRequest(f"{name} is required")
        return None
    if not isinstance(value, str):
        raise InvalidSearchRequest(f"{name} must be text, got {type(value).__name__}")
    # Tabs and line breaks (a value pasted from a spreadsheet) are whitespace,
    # folded below like any other; other control characters are refused.
    if any(
        unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"} and ch not in "\t\n\r"
        for ch in value
    ):
        raise InvalidSearchRequest(f"{name} contains control or invisible characters")
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if len(text) > max_chars:
        raise InvalidSearchRequest(f"{name} is {len(text)} characters; the limit is {max_chars}")
    if not all(_is_allowed(ch) for ch in text):
        bad = sorted({ch for ch in text if not _is_allowed(ch)})
        raise InvalidSearchRequest(f"{name} contains characters that are not allowed: {bad!r}")
    slug = slugify(text)
    if not slug:
        raise InvalidSearchRequest(f"{name} must contain a letter or a digit")
    if len(slug) > max_chars:
        # Some characters fold into many (U+FDFA becomes 18 letters).
        raise InvalidSearchRequest(
            f"{name} folds to {len(slug)} characters; the limit is {max_chars}"
        )
    return text


def parse_search_request(
    keyword: object,
    location: object,
    target_business: object = None,
    coverage: object = DEFAULT_COVERAGE,
    max_cost_usd: object = None,
) -> SearchRequest:
    """Validate and normalise user input; raises InvalidSearchRequest with a clear message."""
    clean_keyword = _clean_field("keyword", keyword, MAX_KEYWORD_CHARS, required=True)
    clean_location = _clean_field("location", location, MAX_LOCATION_CHARS, required=True)
    clean_target = _clean_field("targetBusiness", target_business, MAX_TARGET_CHARS, required=False)
    assert clean_keyword is not None and clean_location is not None
    if coverage is None:
        coverage = DEFAULT_COVERAGE
    if coverage not in COVERAGE_MODES:
        raise InvalidSearchRequest(
            f"coverage must be one of {', '.join(COVERAGE_MODES)}, got {str(coverage)[:40]!r}"
        )
    try:
        cap = parse_cap(max_cost_usd, "maxCostUsd")
    except InvalidBudget as error:
        raise InvalidSearchRequest(str(error)) from None
    return SearchRequest(clean_keyword, clean_location, clean_target, str(coverage), cap)


def validate_partition_key(key: str) -> tuple[str, str]:
    """The (keyword slug, location slug) of a well-formed key; raises otherwise."""
    keyword, separator, location = key.partition(KEY_SEPARATOR)
    parts = (keyword, location)
    if (
        len(key) > MAX_PARTITION_KEY_CHARS
        or not separator
        or any(not part or slugify(part) != part for part in parts)
    ):
        raise InvalidSearchRequest(
            f"{key!r} is not a search partition key (expected 'keyword-slug@location-slug')"
        )
    return parts


def request_from_partition_key(key: str) -> SearchRequest:
    """The search a well-formed key names, its words read from the slugs
    ("plumber@austin-tx": plumber in "austin tx"); raises InvalidSearchRequest otherwise.
    A partition someone added by hand is adopted this way."""
    keyword, location = validate_partition_key(key)
    request = parse_search_request(keyword.replace("-", " "), location.replace("-", " "))
    if request.partition_key != key:
        raise InvalidSearchRequest(f"{key!r} does not name a search as written")
    return request
