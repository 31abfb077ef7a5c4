"""How a lead reads to a person and to a CRM: where a value came from, in words, and a
contact's name in the first / last fields CRMs ask for."""

# A contact value's source (see domain.enrichment.ContactValue) in words.
_SOURCES = {
    "places_search": "Google listing",
    "place_details": "Google Place Details",
    "llm:website_extraction": "AI, read from the website",
    "llm:business_intelligence": "AI profile of the business",
}
_WEBSITE_METHODS = {
    "json-ld": "schema.org data",
    "microdata": "schema.org data",
    "mailto": "email link",
    "tel": "phone link",
    "cfemail": "protected email",
    "obfuscated": "spelled-out address",
    "text": "page text",
    "link": "profile link",
}
_HONORIFICS = frozenset(
    {"dr", "mr", "mrs", "ms", "mx", "miss", "prof", "sir", "dame", "herr", "frau", "mme", "m"}
)
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "dds", "dmd", "esq", "cpa"})


def describe_source(source: str) -> str:
    """ "website:mailto" -> "website (email link)"; an unknown source is shown as it is."""
    if source in _SOURCES:
        return _SOURCES[source]
    kind, _, method = source.partition(":")
    if kind == "website" and method:
        if method.startswith("pattern:"):
            return "website (sentence naming the owner)"
        return f"website ({_WEBSITE_METHODS.get(method, method)})"
    return source


def split_person_name(full_name: str) -> tuple[str, str]:
    """(first, last) for CRMs that require both: the last word (with a suffix such as Jr.)
    is the last name, a leading honorific is dropped; "Last, First" is read as written.
    "Dr. Ana María López" -> ("Ana María", "López"); one word is a first name. A
    convenience only: the full name is exported beside it."""
    before, comma, after = full_name.partition(",")
    if comma and after.strip() and after.strip().rstrip(".").lower() not in _SUFFIXES:
        return split_person_name(f"{after} {before}") if "," not in after else (full_name, "")
    words = full_name.replace(",", " ").split()
    while len(words) > 1 and words[0].rstrip(".").lower() in _HONORIFICS:
        words = words[1:]
    last_words = 2 if len(words) > 2 and words[-1].rstrip(".").lower() in _SUFFIXES else 1
    if len(words) <= last_words:
        return (" ".join(words), "")
    return (" ".join(words[:-last_words]), " ".join(words[-last_words:]))
