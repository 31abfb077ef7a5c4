"""Rules that find a business's contact data in the pages of its website.

Pure functions over HTML that has already been fetched: no Dagster, no network, no files.
Parsing is done by libraries: selectolax (lexbor) for the DOM and visible text, extruct
for schema.org JSON-LD and microdata, phonenumbers for phone numbers, email-validator
(no DNS) for addresses, tldextract (bundled suffix list) for domains, rapidfuzz to tell
when two names, or a domain and a business name, are the same.

Public API
----------
``extract_page(html, url, *, site_url=None, default_region="US", charset=None)``
    -> ``PageExtraction``: everything one page says. ``html`` may be ``str`` or ``bytes``
    (a BOM, else UTF-8, else ``charset`` (the HTTP header's), else the ``<meta>``
    charset, else windows-1252). ``site_url`` is the site's home page; it bounds
    ``links`` and defaults to ``url``. ``default_region`` reads national numbers. The
    page also tells the links worth following (by topic: contact, legal notice, about,
    team, in the languages of docs/extraction.md; ``PAGE_TOPICS``) and those left out,
    its declared URL (canonical, og:url), the country it is for (``region_hint``) and
    its site names.
``combine(pages, *, site_url=None, business_name=None) -> WebsiteContacts``
    The pages of one site (home page first) merged: each value once, with the provenance
    (url + method) of its first sighting, ranked best first; other businesses' addresses
    apart (``other_emails``); the owners' personal profiles beside the business's; former
    owners and other businesses' owners left out. ``business_name`` (default: the
    schema.org name, else the site's name) lets an address at a domain spelling the
    business rank as the site's own, which matters for sites served from an IP.
``trimmed_text(pages, max_chars) -> str``
    The pages' visible text for an LLM prompt: about, team, legal and contact pages first,
    lines repeated across pages (menus, footers) once, at most ``max_chars`` characters.
``canonical_social_profile(url) -> tuple[str, str] | None``
    ``("social:<network>", canonical profile URL)`` for a profile link, ``None`` otherwise.
``document_key(url)``: the document a URL names (no fragment, no ``index.html``).

``Finding(value, kind, method, url, detail)`` is one value: ``kind`` is ``email``,
``other_email``, ``phone``, ``owner`` or ``social:<network>`` (facebook, instagram,
linkedin, x, youtube, tiktok). ``detail`` is an owner's title, a phone's line type
(``contacts.phone_type``), a profile's holder ("business" or "person"), or why an
address is another business's. ``method`` says how it was found:

- ``json-ld`` / ``microdata``: schema.org data of an Organization or any subtype
  (``schema_org_types``), its contactPoint, sameAs, founder, employees, or a Person
  whose job title makes them an owner (``owners.is_owner_title``).
- ``mailto`` / ``tel``: link targets. ``cfemail``: Cloudflare email protection, decoded.
- ``obfuscated``: "info [at] acme [dot] com", "info(at)acme.com", "contact [arobase]
  acme [point] fr", "info at acme dot com".
- ``text``: plain visible text (HTML entities are decoded by the parser).
- ``link``: an ``<a href>`` to a social profile.
- ``pattern:<name>``: an owner phrasing of ``owners.py`` (``title_label``, ``name_title``,
  ``runs_by``, ``founded_by``, ``self``, ``heading``, ...).

Numbers labelled as fax, company, tax, bank, licence or policy numbers are not phones;
addresses, phones and profiles named in a credit (web designer, host, photographer,
supplier, partner) are another business's. docs/extraction.md describes every rule.

Limits: only the first ``MAX_HTML_CHARS`` of a document are parsed, and none past the
point where its nesting would cost the HTML parser more than ``MAX_NESTING_WORK``
(``PageExtraction.cut`` says so); the first ``MAX_SCANNED_TEXT_CHARS`` of its visible
text are kept and scanned by the text rules.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qs, unquote, urljoin, urlsplit, urlunsplit

import extruct
import lxml.etree
import lxml.html
import phonenumbers
from extruct.jsonld import JsonLdExtractor
from rapidfuzz import fuzz
from rapidfuzz import utils as fuzz_utils
from selectolax.lexbor import LexborHTMLParser

from leadgen_pipeline.domain.contacts import (
    decode_cloudflare_email,
    e164_if_valid,
    is_freemail_domain,
    normalise_email,
    normalise_phone,
    phone_type,
    registered_domain,
)
from leadgen_pipeline.domain.owners import (
    FIXED_TITLE_PATTERNS,
    FOUNDING_PATTERNS,
    is_owner_title,
    owner_mentions,
    person_name,
    title_elsewhere,
)
from leadgen_pipeline.domain.schema_org_types import ORGANIZATION_TYPES

MAX_HTML_CHARS = 2_000_000
# The HTML tree builder looks down the stack of open elements at many tags (a <div>
# closes an open <p> "in button scope"), so its time grows with the square of the
# nesting: 100,000 nested <div>s took lexbor 10.6 s, 10,000 took 0.09 s. The work is
# estimated as the sum of the nesting depth at every tag (an upper bound: unclosed
# <p>, <li> count as open), about 2 ns a unit; a document is parsed up to the tag where
# it passes this, ~0.4 s. A 10,000-level page costs 10^8, a real one 10^4 to 10^6.
MAX_NESTING_WORK = 200_000_000
MAX_SCANNED_TEXT_CHARS = 200_000
MAX_FOLLOW_LINKS = 10

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Finding:
    """One contact value found on one page, and how it was found."""

    value: str  # email lower-cased; phone E.164; social canonical URL; owner full name
    kind: str  # "email" | "phone" | "social:<network>" | "owner"
    method: str  # see the module docstring
    url: str  # the page it came from
    detail: str | None = None  # owner title, or the raw text a value was read from


@dataclass(frozen=True)
class PageLink:
    """A same-site link to a page worth reading, and what it is about."""

    url: str  # absolute, without fragment
    topic: str  # see PAGE_TOPICS
    text: str  # the link text (or the path segment that told the topic)

    @property
    def priority(self) -> int:
        return PAGE_TOPICS.index(self.topic)

    @property
    def reason(self) -> str:
        return f"{self.topic} link {self.text!r}"


@dataclass(frozen=True)
class PageExtraction:
    url: str
    emails: tuple[Finding, ...]
    other_emails: tuple[Finding, ...]  # named as another business's (credits, partners)
    phones: tuple[Finding, ...]
    socials: tuple[Finding, ...]  # at most one per network
    owners: tuple[Finding, ...]
    schema_org: tuple[dict[str, Any], ...]  # LocalBusiness / Organization nodes
    links: tuple[PageLink, ...]  # same-site contact / legal / about / team pages, best first
    skipped_links: tuple[tuple[str, str], ...]  # (link, why it is not fetched)
    text: str  # visible text, one line per block, whitespace collapsed within lines
    # The site's own address as the page declares it (canonical link, og:url), which is
    # how a site served from an IP or through a proxy says which domain is its own.
    declared_url: str | None = None
    region_hint: str | None = None  # the country the page says it is for (lang, domain)
    site_names: tuple[str, ...] = ()  # og:site_name, then the parts of the title
    linked_domains: frozenset[str] = frozenset()  # registered domains of other sites linked
    cut: str | None = None  # why the document was parsed only in part

    @property
    def follow_links(self) -> tuple[str, ...]:
        return tuple(link.url for link in self.links)


@dataclass(frozen=True)
class WebsiteContacts:
    emails: tuple[Finding, ...]
    other_emails: tuple[Finding, ...]  # at other businesses' domains (design credits, partners)
    phones: tuple[Finding, ...]
    socials: tuple[Finding, ...]  # at most one per network
    owners: tuple[Finding, ...]
    business_name: str | None  # as the site's schema.org data names the business
    address: str | None  # the schema.org address, on one line
    schema_org: tuple[dict[str, Any], ...]
    pages: tuple[str, ...]  # the pages combined, in the order given
    site_domain: str | None = None  # the registered domain the site calls its own


# --------------------------------------------------------------------------- public API


def extract_page(
    html: str | bytes,
    url: str,
    *,
    site_url: str | None = None,
    default_region: str = "US",
    charset: str | None = None,
) -> PageExtraction:
    document, cut = _bounded_nesting(_decode_html(html, charset)[:MAX_HTML_CHARS])
    document = _close_unterminated_title(document)
    tree = LexborHTMLParser(document)
    base_url = _base_url(tree, url)
    anchors = _anchors(tree, base_url)
    structured = _StructuredData.from_document(document, base_url)
    declared_url = _declared_url(tree)
    site_names = _site_names(tree)

    email_candidates = [
        *structured.emails(url),
        *_link_emails(anchors, url),
        *_cloudflare_emails(tree, url),
    ]
    phone_candidates = [
        *structured.phones(url, default_region),
        *_tel_phones(anchors, url, default_region),
    ]
    social_candidates = [
        *structured.socials(url),
        *structured.person_socials(url),
        *_link_socials(anchors, url),
    ]
    owner_candidates = list(structured.owners(url))

    links, skipped_links = _follow_links(anchors, url, _SiteScope.of(site_url or url))
    text = _visible_text(tree)
    lines = text.lines
    credit = _credit_lines(text)
    email_candidates += _text_emails(lines, credit, url)
    phone_candidates += _text_phones(lines, credit, url, default_region)
    phone_candidates += _whatsapp_phones(anchors, url, default_region)
    owner_candidates += _text_owners(lines, text.quoted, url)

    emails = _best_per_value([f for f in email_candidates if f.kind == "email"])
    business_addresses = {finding.value for finding in emails}
    return PageExtraction(
        url=url,
        emails=emails,
        other_emails=_best_per_value(
            [f for f in email_candidates if f.kind != "email" and f.value not in business_addresses]
        ),
        phones=_best_per_value(phone_candidates),
        socials=_best_per_value(social_candidates),
        owners=_merge_owners(_best_per_value(owner_candidates)),
        schema_org=tuple(structured.businesses),
        declared_url=declared_url,
        region_hint=_region_hint(tree, declared_url or url),
        site_names=site_names,
        linked_domains=_linked_domains(anchors, _SiteScope.of(site_url or url)),
        cut=cut,
        links=links,
        skipped_links=skipped_links,
        text="\n".join(lines),
    )


def combine(
    pages: Sequence[PageExtraction],
    *,
    site_url: str | None = None,
    business_name: str | None = None,
) -> WebsiteContacts:
    """Merge the pages of one site (home page first).

    Emails rank: the site's own domain (or a domain that spells the business's name), then
    mailbox providers such as gmail, then other domains; within a tier by method, then by
    how many pages show it. An address at a domain the site links to as another site, or
    named in a credit, is another business's (``other_emails``), unless it is at the
    site's own domain. Phones and owners rank by method, then by how many pages show them.
    """
    schema_org = _unique_dicts(node for page in pages for node in page.schema_org)
    name = business_name or _first_text(schema_org, "name")
    site_names = list(pages[0].site_names) if pages else []
    name = name or next(iter(site_names), None)
    own_domain = _site_domain(pages, site_url)
    names = [name, *site_names, own_domain.split(".", 1)[0] if own_domain else None]
    linked = frozenset().union(*(page.linked_domains for page in pages)) - {own_domain}

    def is_own(address: str) -> bool:
        return _is_own_domain(address.rpartition("@")[2], own_domain, name)

    def email_tier(finding: Finding) -> int:
        domain = finding.value.rpartition("@")[2]
        if is_own(finding.value):
            return 0
        return 1 if is_freemail_domain(domain) else 2

    def is_linked_elsewhere(address: str) -> bool:
        # A mailbox provider's address is no one else's for the site linking to the
        # provider's other services (a Korean site's blog.naver.com and its naver.com box).
        domain = address.rpartition("@")[2]
        return (
            not is_own(address)
            and not is_freemail_domain(domain)
            and registered_domain(domain) in linked
        )

    # A credit line that also shows the business's own address does not make it another's.
    own_named_in_credits = [
        [replace(f, kind="email") for f in page.other_emails if own_domain and is_own(f.value)]
        for page in pages
    ]
    emails = _merged(
        [[f for f in page.emails if not is_linked_elsewhere(f.value)] for page in pages]
        + own_named_in_credits,
        lambda finding, pages_seen, order: (
            email_tier(finding),
            _method_rank(finding),
            -pages_seen,
            order,
        ),
    )
    kept = {finding.value for finding in emails}
    other_emails = _merged(
        [
            [
                replace(
                    f,
                    kind="other_email",
                    detail="at a domain the site links to as another business's",
                )
                for f in page.emails
                if f.value not in kept
            ]
            + [f for f in page.other_emails if f.value not in kept]
            for page in pages
        ],
        lambda finding, pages_seen, order: (order,),
    )
    phones = _merged(
        [page.phones for page in pages],
        lambda finding, pages_seen, order: (_method_rank(finding), -pages_seen, order),
    )
    page_owners = [_owners_of_this_business(page.owners, names) for page in pages]
    owners = _merged(
        page_owners,
        lambda finding, pages_seen, order: (_method_rank(finding), -pages_seen, order),
    )
    # Each person with the best title any page gives (the contact page's "Proprietor"
    # over the home page's founding story).
    best_titled: dict[str, Finding] = {}
    for finding in (finding for findings in page_owners for finding in findings):
        known = best_titled.get(finding.value)
        if known is None or _title_rank(finding) < _title_rank(known):
            best_titled[finding.value] = finding
    site_owners = _site_owners([best_titled[finding.value] for finding in owners])
    return WebsiteContacts(
        emails=emails,
        other_emails=other_emails,
        phones=phones,
        socials=_site_socials(
            [finding for page in pages for finding in page.socials],
            names,
            [owner.value.split()[-1] for owner in site_owners],
        ),
        owners=site_owners,
        business_name=name,
        address=next(
            filter(None, (_format_address(node.get("address")) for node in schema_org)), None
        ),
        schema_org=schema_org,
        pages=tuple(page.url for page in pages),
        site_domain=own_domain or None,
    )


_FOUNDING_METHODS = frozenset(f"pattern:{name}" for name in FOUNDING_PATTERNS)
# Phrasings that say someone owns or runs the business without the title they hold ("run
# by ...": "Owner").
_WORDING_METHODS = frozenset(f"pattern:{name}" for name in FIXED_TITLE_PATTERNS)


def _title_rank(finding: Finding) -> int:
    """How well a finding names a person's title: as the site writes it (0), a wording that
    they own or run it (1), the founding story (2)."""
    if finding.method in _FOUNDING_METHODS:
        return 2
    return 1 if finding.method in _WORDING_METHODS else 0


def _owners_of_this_business(
    owners: Sequence[Finding], names: Sequence[str | None]
) -> list[Finding]:
    """Without the owners of other businesses: a title naming one ("Owner, Hill's BBQ")."""
    return [
        finding
        for finding in owners
        if not (
            (elsewhere := title_elsewhere(finding.detail or ""))
            and not any(
                name
                and fuzz.partial_ratio(_letters_and_digits(elsewhere), _letters_and_digits(name))
                >= 80
                for name in names
            )
        )
    ]


def _site_owners(owners: Sequence[Finding]) -> tuple[Finding, ...]:
    """The site's owners, once each. A person known only as the founder is a former owner
    when the site names another person as running the business now ("founded in 1985 by
    Giuseppe; today run by his son Paolo")."""
    current = [finding for finding in owners if finding.method not in _FOUNDING_METHODS]
    kept = []
    for finding in owners:
        named_now = any(_same_person(finding.value, other.value) for other in current)
        if finding.method in _FOUNDING_METHODS and current and not named_now:
            continue
        kept.append(finding)
    return _merge_owners(kept)


def _site_domain(pages: Sequence[PageExtraction], site_url: str | None) -> str:
    """The site's registered domain: its URL's, else the one its pages declare (canonical)."""
    if not pages:
        return ""
    domain = registered_domain(urlsplit(site_url or pages[0].url).hostname or "")
    declared = (page.declared_url for page in pages if page.declared_url)
    return domain or next((registered_domain(urlsplit(url).hostname or "") for url in declared), "")


def trimmed_text(pages: Sequence[PageExtraction], max_chars: int) -> str:
    """Page texts under ``# <url>`` headings, at most ``max_chars`` characters.

    About, team and contact pages come first. A line already given on an earlier page
    (menus, footers) is left out. When the texts do not fit, every page gets an equal
    share of the budget and what a short page leaves over goes to the others; a page is
    cut at a line end where it can be.
    """
    separator = "\n\n"
    seen_lines: set[str] = set()
    sections: list[str] = []
    for page in sorted(pages, key=lambda page: _page_topic_rank(page.url)):
        lines = [line for line in page.text.split("\n") if line and line not in seen_lines]
        seen_lines.update(lines)
        if lines:
            sections.append("\n".join([f"# {page.url}", *lines]))
    budget = max_chars - len(separator) * max(len(sections) - 1, 0)
    shares = _fair_shares([len(section) for section in sections], max(budget, 0))
    kept = [_clip(section, share) for section, share in zip(sections, shares, strict=True)]
    return separator.join(section for section in kept if section)


# Runs of two or more letters, in any script.
_WORD = re.compile(r"[^\W\d_]{2,}")


def reads_as_prose(text: str, *, min_letters: int = 20, min_word_share: float = 0.5) -> bool:
    """Whether a page's visible text is mostly words.

    Binary bytes served as HTML, or a page in a broken encoding, decode to
    text with letters scattered among symbols: no evidence for the LLM, and a
    wasted call. Runs of letters make up 0.66 (a contact page of numbers) to
    0.9 (an about page) of the non-space characters of the sandbox's sites,
    and 0.42 of random bytes decoded as Latin-1. Letters, not words, are
    counted: Chinese or Japanese text has no spaces between its words.
    """
    letters = sum(map(len, _WORD.findall(text)))
    if letters < min_letters:
        return False
    visible = sum(1 for char in text if not char.isspace())
    return letters >= min_word_share * visible


def canonical_social_profile(url: str) -> tuple[str, str] | None:
    """``("social:facebook", "https://www.facebook.com/acmeplumbing")`` and the like.

    Share / intent links, posts, the networks' own pages and site-builder accounts are
    not profiles; query strings (tracking) are dropped.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https", "") or not parts.hostname:
        return None
    network = _SOCIAL_NETWORKS.get(registered_domain(parts.hostname))
    if network is None:
        return None
    segments = [unquote(segment) for segment in parts.path.split("/") if segment]
    profile = _PROFILE_BUILDERS[network](segments, parse_qs(parts.query))
    if (
        profile is None
        or profile.rstrip("/").rsplit("/", 1)[-1].lstrip("@") in _NOT_A_BUSINESS_HANDLE
    ):
        return None
    return f"social:{network}", profile


# ------------------------------------------------------------------------ bytes to text


_CHARSET_DECLARATION = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode_html(html: str | bytes, charset: str | None = None) -> str:
    """Bytes as text: BOM, else UTF-8 if it decodes, else the charset of the HTTP header,
    else the one of the ``<meta>``, else cp1252.

    UTF-8 is tried before the declarations because pages often declare a charset they do
    not use, and text that decodes as UTF-8 almost never is anything else. The header
    comes before the ``<meta>``, as in browsers (a Shift_JIS page whose template says
    UTF-8 is shown right, so its owner never noticed).
    """
    if isinstance(html, str):
        return html
    data = html[: MAX_HTML_CHARS * 4]
    for mark, codec in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return data.decode(codec, errors="replace")
    try:
        # Incremental, so a multi-byte character cut by the size cap is not an error.
        return codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
    except UnicodeDecodeError:
        pass
    # windows-1252 is what browsers assume for legacy pages that declare nothing usable.
    codec = _usable_codec(charset) or _declared_codec(data[:1024]) or "cp1252"
    return data.decode(codec, errors="replace")


def _declared_codec(head: bytes) -> str | None:
    """The codec a ``<meta>`` charset names, unless unknown or the UTF-8 that just failed."""
    declared = _CHARSET_DECLARATION.search(head)
    return None if declared is None else _usable_codec(declared.group(1).decode("ascii"))


def _usable_codec(name: str | None) -> str | None:
    """The codec a charset names, unless unknown or the UTF-8 that just failed."""
    try:
        codec = codecs.lookup(name).name if name else None
    except LookupError:
        return None
    return None if codec in (None, "utf-8") else codec


_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)")
# Tags that do not nest: void elements, and those a sibling of their own kind closes
# (a list of 5,000 unclosed <li> or <option> is one level deep, and cheap to parse).
_FLAT_ELEMENTS = frozenset(
    {
        *("area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link"),
        *("meta", "param", "source", "track", "wbr"),
        *("p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "rb", "rt", "rp"),
    }
)


def _bounded_nesting(document: str) -> tuple[str, str | None]:
    """The document up to the tag where its nesting would cost the parser more than
    ``MAX_NESTING_WORK``, and why it was cut (None: whole)."""
    depth = work = 0
    for tag in _TAG.finditer(document):
        if tag.group(2).lower() in _FLAT_ELEMENTS:
            pass
        elif tag.group(1):
            depth = max(depth - 1, 0)
        else:
            depth += 1
        work += depth
        if work > MAX_NESTING_WORK:
            return document[: tag.start()], f"nested too deep: parsed up to {depth:,} levels"
    return document, None


_TITLE_START = re.compile(r"<title\b[^>]*>", re.IGNORECASE)


def _close_unterminated_title(document: str) -> str:
    """Close a ``<title>`` that is never closed, before the next tag.

    A title's content is raw text up to ``</title>``, so without one the whole page
    would be read as the title (as a browser does, showing a blank page).
    """
    opening = _TITLE_START.search(document)
    if opening is None or "</title" in document[opening.end() :].lower():
        return document
    end = document.find("<", opening.end())
    end = len(document) if end == -1 else end
    return f"{document[:end]}</title>{document[end:]}"


# ----------------------------------------------------------------------------- the DOM


@dataclass(frozen=True)
class _Anchor:
    href: str  # as written, entities decoded
    url: str  # absolute, fragment dropped; "" when not http(s)
    text: str
    order: int
    context: str = ""  # the text of the block the link sits in ("Website by <a>Acme</a>")
    language_switch: bool = False  # to the page in another language (hreflang, "English")


_TITLE_SEPARATORS = re.compile(r"\s+[|\u2013—·:-]\s+")


def _site_names(tree: LexborHTMLParser) -> tuple[str, ...]:
    """The names a site gives itself: og:site_name, then the parts of its title
    ("Sparks Electrical | Electricians in London")."""
    names = []
    node = tree.css_first('meta[property="og:site_name"]')
    if node is not None and (name := " ".join((node.attributes.get("content") or "").split())):
        names.append(name)
    title = tree.css_first("title")
    text = " ".join((title.text() if title is not None else "").split())
    names += [part for part in _TITLE_SEPARATORS.split(text) if part]
    return tuple(names)


# Sites every small business links to that are no business of its own.
_PLATFORM_DOMAINS = frozenset(
    {
        "google.com", "goo.gl", "wix.com", "squarespace.com", "godaddy.com", "jimdo.com",
        "wordpress.org", "wordpress.com", "elegantthemes.com", "wpastra.com", "shopify.com",
        "weebly.com", "yelp.com", "tripadvisor.com", "apple.com", "whatsapp.com", "wa.me",
        "gstatic.com", "googleapis.com", "cloudflare.com", "w3.org", "schema.org",
    }
)  # fmt: skip


def _linked_domains(anchors: Iterable[_Anchor], scope: _SiteScope) -> frozenset[str]:
    """Registered domains of the other sites a page links to (not networks or platforms)."""
    domains = set()
    for anchor in anchors:
        if not anchor.url or scope.contains(anchor.url):
            continue
        domain = registered_domain(urlsplit(anchor.url).hostname or "")
        if domain and domain not in _SOCIAL_NETWORKS and domain not in _PLATFORM_DOMAINS:
            domains.add(domain)
    return frozenset(domains)


def _declared_url(tree: LexborHTMLParser) -> str | None:
    for selector, attribute in (
        ("link[rel=canonical]", "href"),
        ('meta[property="og:url"]', "content"),
        ("link[rel=alternate][hreflang]", "href"),
    ):
        for node in tree.css(selector):
            value = (node.attributes.get(attribute) or "").strip()
            if value.startswith(("http://", "https://")) and registered_domain(
                urlsplit(value).hostname or ""
            ):
                return value
    return None


# Generic top-level domains say nothing about a country; a country's own does (.uk is GB).
_TLD_REGIONS = {"uk": "GB"}
_LANGUAGE_REGIONS = {
    "de": "DE", "fr": "FR", "es": "ES", "it": "IT", "nl": "NL", "pt": "PT", "pl": "PL",
    "da": "DK", "sv": "SE", "fi": "FI", "cs": "CZ", "el": "GR", "ja": "JP", "ko": "KR",
    "nb": "NO", "nn": "NO", "no": "NO", "tr": "TR", "ru": "RU", "uk": "UA", "he": "IL",
    "iw": "IL", "sk": "SK", "hu": "HU", "ro": "RO", "bg": "BG", "hr": "HR", "sl": "SI",
}  # fmt: skip


def _region_hint(tree: LexborHTMLParser, url: str) -> str | None:
    """The country a page is for: its lang's region ("de-AT"), its country domain, its language."""
    lang = ((tree.root.attributes.get("lang") if tree.root else None) or "").replace("_", "-")
    subtags = [tag for tag in lang.split("-") if tag]
    if len(subtags) >= 2 and len(subtags[-1]) == 2 and subtags[-1].isalpha():
        return subtags[-1].upper()
    tld = (urlsplit(url).hostname or "").rsplit(".", 1)[-1].lower()
    if len(tld) == 2 and tld.isalpha() and not tld.isdigit():
        region = _TLD_REGIONS.get(tld, tld.upper())
        if region in phonenumbers.SUPPORTED_REGIONS:
            return region
    return _LANGUAGE_REGIONS.get(subtags[0].lower()) if subtags else None


def _base_url(tree: LexborHTMLParser, url: str) -> str:
    base = tree.css_first("base[href]")
    href = base.attributes.get("href") if base is not None else None
    return (_join(url, href) or url) if href else url


def _join(base: str, href: str) -> str | None:
    try:
        return urljoin(base, href.strip())
    except ValueError:  # malformed, e.g. an unclosed IPv6 bracket
        return None


def _anchors(tree: LexborHTMLParser, base_url: str) -> list[_Anchor]:
    anchors = []
    for order, node in enumerate(tree.css("a[href], area[href]")):
        href = (node.attributes.get("href") or "").strip()
        absolute = _join(base_url, href) or ""
        parts = urlsplit(absolute) if absolute else None
        web_url = (
            urlunsplit(parts._replace(fragment=""))
            if parts is not None and parts.scheme in ("http", "https")
            else ""
        )
        label = node.text(separator=" ", strip=True) or node.attributes.get("aria-label") or ""
        anchors.append(
            _Anchor(
                href=href,
                url=web_url,
                text=" ".join(label.split()),
                order=order,
                context=_block_text(node),
                language_switch=_is_language_switch(node, " ".join(label.split())),
            )
        )
    return anchors


def _is_language_switch(node: Any, text: str) -> bool:
    attributes = node.attributes
    return bool(
        attributes.get("hreflang") or attributes.get("lang") or _LANGUAGE_NAMES.fullmatch(text)
    )


_INLINE_TAGS = frozenset(
    {"a", "span", "b", "strong", "i", "em", "small", "font", "u", "sup", "sub", "abbr", "img",
     "svg", "br", "label", "cite", "mark", "bdi", "bdo", "s", "code"}
)  # fmt: skip
_MAX_CONTEXT_CHARS = 300


def _block_text(node: Any) -> str:
    """The text of the nearest block element around ``node`` (its paragraph, cell or item)."""
    parent = node.parent
    while parent is not None and parent.tag in _INLINE_TAGS:
        parent = parent.parent
    if parent is None or parent.tag in ("body", "html", "-undef"):
        return ""
    return " ".join((parent.text(separator=" ") or "").split())[:_MAX_CONTEXT_CHARS]


_NOISE_SELECTOR = (
    "head, script, style, noscript, template, svg, canvas, iframe, object, select, nav, "
    "[role=navigation]"
)
_BLOCK_SELECTOR = (
    "address, article, aside, blockquote, caption, dd, details, dialog, div, dl, dt, "
    "fieldset, figcaption, figure, footer, form, h1, h2, h3, h4, h5, h6, header, hgroup, hr, "
    "legend, li, main, ol, p, pre, section, summary, table, tbody, td, tfoot, th, thead, tr, ul"
)
# Invisible characters sites slip into addresses and numbers to defeat scrapers.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
# Marks block boundaries in the DOM text; a private-use character, so newlines in the
# source stay plain whitespace as they are in a browser.
_BLOCK_BREAK = "\ue000"


# Testimonials, reviews and quotes: they name customers, not the business's people; news
# items (below) name other organisations' directors ("CEO Tim Cook said...").
_QUOTE_SELECTOR = (
    "blockquote, q, [class*=testimonial], [class*=review], [class*=quote], [class*=temoignage],"
    " [class*=bewertung], [class*=kundenstimme], [class*=recensione], [class*=opinion],"
    " [class*=resena], [class*=depoimento], [itemtype*=Review]"
)
# A news item by its class ("news", "latest-news__item", "news_list"), not a newsletter.
_NEWS_CLASS = re.compile(r"(?i)(?:^|[-_])news(?:$|[-_]|items?\b|list\b)")
_QUOTE_START, _QUOTE_END, _LINE_BREAK = "\ue001", "\ue002", "\ue003"


# The alt text of an image that shows a phone number ("030 / 123 456-7", "+49 30 1234567").
_SHOWN_AS_IMAGE = re.compile(r"\+?[\d\s()./-]{7,30}")


def _fold_width(text: str) -> str:
    """Full-width forms (U+FF01-FF5E) as their ASCII letters: Japanese sites write an
    address with the full-width at sign and full stop, so the email rules read them."""
    if not any("\uff01" <= character <= "\uff5e" for character in text):
        return text
    return "".join(
        unicodedata.normalize("NFKC", character) if "\uff01" <= character <= "\uff5e" else character
        for character in text
    )


@dataclass(frozen=True)
class _Text:
    """A page's visible text: one line per block element or ``<br>``."""

    lines: list[str]
    quoted: list[bool]  # inside a testimonial, a review or a quotation
    blocks: list[int]  # the block each line is part of (lines split by <br> share one)


def _visible_text(tree: LexborHTMLParser) -> _Text:
    """The body's visible text. Mutates ``tree``."""
    text = _Text([], [], [])
    if tree.body is None:
        return text
    for node in tree.css(_NOISE_SELECTOR):
        node.decompose()
    # An address or a number shown as an image, its alt text saying what it shows.
    for node in tree.css("img[alt]"):
        alt = " ".join((node.attributes.get("alt") or "").split())
        if _SHOWN_AS_IMAGE.fullmatch(alt) or _EMAIL.search(_fold_width(alt)):
            node.replace_with(f" {alt} ")
    news = [
        node
        for node in tree.css("[class*=news]")
        if any(_NEWS_CLASS.search(token) for token in (node.attributes.get("class") or "").split())
    ]
    for node in [*tree.css(_QUOTE_SELECTOR), *news]:
        node.insert_before(_QUOTE_START)
        node.insert_after(_QUOTE_END)
    for node in tree.css("br"):
        node.replace_with(_LINE_BREAK)
    for node in tree.css(_BLOCK_SELECTOR):
        node.insert_before(_BLOCK_BREAK)
        node.insert_after(_BLOCK_BREAK)
    depth = 0
    budget = MAX_SCANNED_TEXT_CHARS
    body = tree.body.text().translate(_INVISIBLE)
    for block, raw_block in enumerate(body.split(_BLOCK_BREAK)):
        for raw_line in raw_block.split(_LINE_BREAK):
            starts, ends = raw_line.count(_QUOTE_START), raw_line.count(_QUOTE_END)
            inside = depth > 0 or starts > 0
            depth = max(0, depth + starts - ends)
            raw_line = raw_line.replace(_QUOTE_START, "").replace(_QUOTE_END, "")
            line = " ".join(raw_line.split())[:budget]
            if not line or (text.lines and text.lines[-1] == line):
                continue
            text.lines.append(line)
            text.quoted.append(inside)
            text.blocks.append(block)
            budget -= len(line) + 1
            if budget <= 0:
                return text
    return text


# ------------------------------------------------------------------------------ emails


_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![\w-])"
)
# The words sites write for "@" and "." to hide an address, in the languages read here.
# Polish "małpa", Czech "zavináč", Swedish/Danish/Norwegian "snabel-a", Russian "собака".
_AT_WORDS = (
    r"(?i:at|@|arobase|arroba|ät|chiocciola|apenstaartje|klammeraffe|chez|ma[lł]pa|zavin[aá][cč]"
    r"|snabel-?a|собака)"
)
_DOT_WORDS = r"(?i:dot|\.|punkt|point|punto|punt|ponto|kropka|te[cč]ka|точка)"
_BRACKETED_AT = rf"\s*[\[({{<]\s*{_AT_WORDS}\s*[\])}}>]\s*"
_BRACKETED_DOT = rf"\s*[\[({{<]\s*{_DOT_WORDS}\s*[\])}}>]\s*"
# "info [at] acme [dot] com", "info(at)acme.com", "contact [arobase] acme [point] fr"
_BRACKETED_EMAIL = re.compile(
    rf"(?<![\w.%+-])(?P<local>[\w.%+-]+){_BRACKETED_AT}"
    rf"(?P<domain>[A-Za-z0-9-]+(?:(?:{_BRACKETED_DOT}|\.)[A-Za-z0-9-]+)+)"
)
# "info at acme dot com": only with every dot spelled out, so prose ("us at acme.com") is left.
_SPELLED_EMAIL = re.compile(
    r"(?<![\w.%+-])(?P<local>[\w.%+-]+) (?:at|AT) "
    r"(?P<domain>[A-Za-z0-9-]+(?: (?:dot|DOT) [A-Za-z0-9-]+)+)\b"
)
_SPELLED_SEPARATOR = re.compile(r" (?:dot|DOT) ")
_BRACKETED_SEPARATOR = re.compile(_BRACKETED_DOT)
_PROSE_LOCAL_PARTS = frozenset(
    {"us", "me", "you", "him", "her", "them", "we", "it", "home", "work", "here"}
)
_CLOUDFLARE_PROTECTION_PATH = "/cdn-cgi/l/email-protection"

# Where a site names another business: its web designer, host, photographer, supplier or
# partner ("Website by", "Webdesign:", "Hébergeur", "Sito realizzato da", "Gemaakt door").
_CREDIT = re.compile(
    r"(?i:\b(?:web\s?design(?:er)?|design(?:ed)?\s+(?:by|and)|website\s+by|site\s+by"
    r"|(?:made|built|created|developed|designed|hosted|powered)\s+by|hosting|hoster"
    r"|theme\s+by|photo(?:s|graphy)?\s+by|seo\s+by|agency|erstellt\s+(?:von|durch|mit)"
    r"|umsetzung|konzeption|realisierung|gestaltung|programmierung|agentur"
    r"|h[ée]bergeu?r|h[ée]bergement|r[ée]alis(?:é|e|ée|ation)|con[çc]u\s+par|cr[ée]ation"
    r"|cr[ée]dits?|agence|dise[ñn]o(?:\s+web)?|dise[ñn]ad[oa]|desarrollad[oa]\s+por"
    r"|alojamiento|agencia|realizzat[oa]|realizzazione|progettat[oa]|sviluppat[oa]"
    r"|agenzia|gemaakt\s+door|ontwerp|ontwikkeld\s+door|realisatie|desenvolvid[oa]\s+por"
    r"|criad[oa]\s+por|alojad[oa]|ag[eê]ncia|partner(?:s|in)?\b|partenaires?"
    r"|proveedor(?:es)?|fornitor[ei]|lieferant(?:en)?|suppliers?|fournisseurs?"
    r"|leveranciers?|fornecedor(?:es)?|financing|finanzierung|financement"
    r"|financiaci[oó]n|finanziamento|financiering|financiamento|roaster(?:y|s)?))"
)
_MAX_HEADING_CHARS = 60
# A credit that names its business on the same line: "Site by Acme", "Webdesign: Acme".
_CREDIT_WITH_NAME = re.compile(r"(?i:\b(?:by|von|par|por|da|door)\s+\S|[:\uff1a]\s*\S)")


def _credit_lines(text: _Text) -> list[bool]:
    """Which lines name another business: a credit on the line, above it in its block
    ("Webdesign: Acme<br>info@acme.de"), or a short credit heading over its block
    ("Hébergeur" above the host's address)."""
    flags: list[bool] = []
    under_heading: int | None = None  # the block a credit heading stands over
    heading_pending = False
    for index, line in enumerate(text.lines):
        block = text.blocks[index]
        new_block = not index or text.blocks[index - 1] != block
        if new_block:
            under_heading = block if heading_pending else None
            heading_pending = False
        credit = bool(_CREDIT.search(line))
        flags.append(credit or (not new_block and flags[-1]) or block == under_heading)
        last_of_block = index + 1 == len(text.lines) or text.blocks[index + 1] != block
        # A heading is a credit and nothing else: no address, number or name after it.
        if (
            credit
            and new_block
            and last_of_block
            and len(line) <= _MAX_HEADING_CHARS
            and "@" not in line
            and not _CREDIT_WITH_NAME.search(line)
        ):
            heading_pending = True
    return flags


def _email_finding(
    raw: str, method: str, url: str, detail: str | None = None, *, credit: bool = False
) -> Finding | None:
    address = normalise_email(raw)
    if not address:
        return None
    if credit:
        return Finding(address, "other_email", method, url, "named as another business's")
    return Finding(address, "email", method, url, detail)


def _link_emails(anchors: Iterable[_Anchor], url: str) -> Iterator[Finding]:
    for anchor in anchors:
        credit = bool(_CREDIT.search(anchor.context))
        if anchor.href[:7].lower() == "mailto:":
            recipients = unquote(anchor.href[7:].split("?", 1)[0])
            for recipient in recipients.split(","):
                if finding := _email_finding(recipient, "mailto", url, credit=credit):
                    yield finding
        elif _CLOUDFLARE_PROTECTION_PATH in anchor.href and "#" in anchor.href:
            decoded = decode_cloudflare_email(anchor.href.rsplit("#", 1)[1])
            if decoded and (finding := _email_finding(decoded, "cfemail", url, credit=credit)):
                yield finding


def _cloudflare_emails(tree: LexborHTMLParser, url: str) -> list[Finding]:
    """Decode ``data-cfemail`` elements, putting the address back into the text."""
    findings = []
    for node in tree.css("[data-cfemail]"):
        decoded = decode_cloudflare_email(node.attributes.get("data-cfemail") or "")
        if decoded is None:
            continue
        credit = bool(_CREDIT.search(_block_text(node)))
        node.replace_with(decoded)
        if finding := _email_finding(decoded, "cfemail", url, credit=credit):
            findings.append(finding)
    return findings


def _text_emails(lines: Sequence[str], credit: Sequence[bool], url: str) -> Iterator[Finding]:
    for line, named_elsewhere in zip(lines, credit, strict=True):
        line = _fold_width(line)
        for match in _EMAIL.finditer(line):
            if finding := _email_finding(match.group(), "text", url, credit=named_elsewhere):
                yield finding
        for match in _BRACKETED_EMAIL.finditer(line):
            domain = _BRACKETED_SEPARATOR.sub(".", match["domain"])
            address = f"{match['local']}@{domain}"
            if finding := _email_finding(
                address, "obfuscated", url, match.group(), credit=named_elsewhere
            ):
                yield finding
        for match in _SPELLED_EMAIL.finditer(line):
            if match["local"].lower() in _PROSE_LOCAL_PARTS:
                continue
            domain = _SPELLED_SEPARATOR.sub(".", match["domain"])
            address = f"{match['local']}@{domain}"
            if finding := _email_finding(
                address, "obfuscated", url, match.group(), credit=named_elsewhere
            ):
                yield finding


# ------------------------------------------------------------------------------ phones


# Labels of numbers that are no phone to call: fax, company, tax, bank, licence, policy
# and practitioner numbers, in the languages read here. The label nearest before a number
# (in its field, or on the line above when it stands alone) decides.
_FAX_LABEL = (
    r"(?:tele)?fax|t[ée]l[ée]copie(?:ur)?|facs[ií]mile?|fac-?s[ií]mile|f|faks|факс|φαξ|팩스"
    r"|传真|傳真|فاكس|פקס"
)
_NOT_A_PHONE_LABEL = (
    rf"{_FAX_LABEL}|lic|licen[cs]e|lizenz|licencia|licenza|vergunning|alvar[aá]|impic|reg"
    r"|registration|registered|register|registro|registre|registergericht|rcs|rc|siren|siret"
    r"|ape|naf|tva|vat|btw|ust|uid|ust-?idnr|umsatzsteuer[-\w]*|steuer(?:nummer)?|st\.?-?nr"
    r"|hrb|hra|pr|amtsgericht|handelsregister|kvk|iban|bic|swift|blz|konto|account|acct"
    r"|sort code|nif|nie|cif|dni|nipc|nipc|p\.?\s?iva|partita iva|codice fiscale|c\.?f"
    r"|rea|cciaa|abn|acn|arbn|hst|gst|qst|tps|tvq|neq|bn|ein|tax|ik|rpps|adeli|finess"
    r"|mrb|mls|policy|police|polizza|p[oó]liza|ap[oó]lice|assurance|versicherung|insurance"
    r"|d[ée]cennale|seguro|assicurazione|verzekering|order|invoice|rechnung|facture|factura"
    r"|fattura|ref|sku|serial|model|id|capital|kapital|capitale|stammkapital|tomo|folio|hoja"
    r"|fn|firmenbuch(?:nummer)?|zvr|gisa|handwerksrolle|albo|iscrizione|company|[\w-]*nummer"
    # company, tax and bank numbers of Poland, Czechia, Scandinavia, Belgium, Switzerland
    r"|nip|regon|krs|pesel|i[cč]o?|di[cč]|spojen[ií]|[uú][cč]e?t|[uú][cč]tu|org\.?\s?nr|orgnr"
    r"|bankgiro|plusgiro|momsreg(?:\.?\s?nr)?|cvr(?:-?nr)?|se-?nr|reg\.?\s?nr|kontonr"
    r"|mva|ondernemingsn(?:umme)?r|ond\.?\s?nr|rpr|rpm|kbo|mwst"
    # Turkey, Greece, Russia, Ukraine
    r"|vergi|mersis|sicil|v\.?d|αφμ|γεμη|δου|άδειας|αδειας|инн|кпп|огрн(?:ип)?|окпо|оквэд|бик"
    r"|р/с|к/с|сч[её]т|єдрпоу|рнокпп|іпн|мфо"
    # Korea, China, Taiwan: business registration, mail-order licence, postcode, QQ, ICP
    r"|사업자(?:등록)?번호|통신판매업?(?:신고)?(?:번호)?|등록번호|邮编|郵編|郵遞區號|qq|税号|統一編號|統編"
    r"|统一社会信用代码|营业执照|icp备?"
    # Arabic (commercial register, tax, licence, P.O. box), Hebrew (company, dealer, licence)
    r"|التجاري|التجارية|الضريبي|الرخصة|رخصة|ص\.?ب|صندوق|ח\.?פ|ע\.?מ|עוסק|מורשה|רישיון|ת\.?ז"
    # India, Latin America, Ireland, New Zealand, South Africa
    r"|gstin|udyam|msme|pin\s?code|rfc|curp|cuit|cuil|matr[ií]cula|nit|rgii|nzbn|pirb|cipc"
)
# Words that only say "number": the label before them decides ("Phone No.", "Reg. No.").
_NUMBER_WORDS = re.compile(r"(?i)(?:no|nr|n[°º]|n\.?º|#|number|num[ée]ro|n[úu]mero|numero|num)")
_PHONE_LABEL = (
    r"tel|t|phone|telephone|telefon|telefone|telefoon|t[ée]l[ée]phone|tel[ée]fono|telefono"
    r"|fon|ruf|handy|mobil|mobile|mob|cell|cellulare|cell\.|portable|m[oó]vil|mobiel"
    r"|telem[oó]vel|tlm|tlf|whatsapp|office|bureau|b[üu]ro|notdienst|hotline|call|ring"
    r"|freephone|free call|toll free|urgences|urgencias|emergenza|spoed|text"
    r"|phone number|telefonnummer|rufnummer|num[ée]ro de t[ée]l[ée]phone"
)
_PHONE_WORD = re.compile(rf"(?i)(?:{_PHONE_LABEL})")
_NOT_A_PHONE_WORD = re.compile(rf"(?i)(?:{_NOT_A_PHONE_LABEL})")
# What separates the fields of a line: "Tel. 030 1 · Fax 030 2", "T: 604 | F: 604".
_FIELD_SEPARATOR = re.compile(r"[·•|;,/]\s|\s[-\u2013—]\s|\s{2,}")
_MAX_LABEL_LINE_CHARS = 40
_LABEL_WINDOW_CHARS = 60
# Candidates phonenumbers may reject on one line before it stops: a contact line holds a
# few numbers; a line of thousands (a price list, a hostile page) is not read to its end.
_MAX_TRIES_PER_LINE = 200
# Opening hours read as a number: "08.00 - 17.00", "9:00-18:00", "8h00 - 12h30".
_TIME_RANGE = re.compile(r"\b\d{1,2}[.:h]\d{2}\s*[-\u2013—/]\s*\d{1,2}[.:h]\d{2}\b")


def _phone_finding(raw: str, method: str, url: str, region: str) -> Finding | None:
    e164 = normalise_phone(raw, region)
    return Finding(e164, "phone", method, url, phone_type(e164)) if e164 else None


_WHATSAPP_HOSTS = frozenset({"wa.me", "api.whatsapp.com", "web.whatsapp.com", "whatsapp.com"})


def _whatsapp_number(href: str) -> str | None:
    """The number a WhatsApp chat link opens ("https://wa.me/5215512345678", "api.whatsapp
    .com/send?phone=...", "whatsapp://send?phone=..."): international, without the "+"."""
    try:
        parts = urlsplit(href.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").removeprefix("www.")
    if parts.scheme.lower() == "whatsapp" or host in _WHATSAPP_HOSTS:
        digits = parts.path.strip("/") if host == "wa.me" else ""
        digits = digits or parse_qs(parts.query).get("phone", [""])[0]
        digits = re.sub(r"[\s+().-]", "", digits)
        return f"+{digits}" if digits.isdigit() and 8 <= len(digits) <= 15 else None
    return None


def _tel_phones(anchors: Iterable[_Anchor], url: str, region: str) -> Iterator[Finding]:
    for anchor in anchors:
        scheme, _, number = anchor.href.partition(":")
        if (
            scheme.lower() in ("tel", "callto")
            and number
            and not _CREDIT.search(anchor.context)
            and (finding := _phone_finding(unquote(number), "tel", url, region))
        ):
            yield finding


def _whatsapp_phones(anchors: Iterable[_Anchor], url: str, region: str) -> Iterator[Finding]:
    """The numbers of WhatsApp chat links: a business's mobile, often its only number in
    Latin America; a chat link, not a call link, so ranked with the numbers in the text."""
    for anchor in anchors:
        if (
            (number := _whatsapp_number(anchor.href))
            and not _CREDIT.search(anchor.context)
            and (finding := _phone_finding(number, "whatsapp", url, region))
        ):
            yield finding


def _is_a_phone_label(field: str) -> bool | None:
    """Whether the last label in ``field`` names a phone (True), another number (False),
    or neither (None)."""
    words = re.split(r"[\s:()\uff1a\uff08\uff09]+|\.(?=\s|$)", field.strip().lower())
    for word in reversed([word.strip(".") for word in words if word.strip(".")]):
        if _PHONE_WORD.fullmatch(word):
            return True
        if _NUMBER_WORDS.fullmatch(word):
            continue
        if _NOT_A_PHONE_WORD.fullmatch(word):
            return False
    return None


def _label_line(line: str) -> bool | None:
    """A short line that is only a label ("Fax", "Telefax:", "Telefono"): what it labels."""
    if len(line) > _MAX_LABEL_LINE_CHARS or sum(ch.isdigit() for ch in line) > 2:
        return None
    return _is_a_phone_label(line)


def _text_phones(
    lines: Sequence[str], credit: Sequence[bool], url: str, region: str
) -> Iterator[Finding]:
    # Line by line, so numbers never run across blocks ("Suite 200" + next line).
    previous_label: bool | None = None
    for line, named_elsewhere in zip(lines, credit, strict=True):
        label_above, previous_label = previous_label, _label_line(line)
        if named_elsewhere or sum(character.isdigit() for character in line) < 7:
            continue
        leading_blanks = len(line) - len(line.lstrip())
        for match in phonenumbers.PhoneNumberMatcher(line, region, max_tries=_MAX_TRIES_PER_LINE):
            # The label is in the few words before the number: a bounded window keeps a
            # long line of numbers linear.
            before = line[max(0, match.start - _LABEL_WINDOW_CHARS) : match.start]
            is_phone = _is_a_phone_label(_FIELD_SEPARATOR.split(before)[-1])
            if is_phone is None and match.start <= leading_blanks:
                is_phone = label_above
            if is_phone is False or _TIME_RANGE.search(match.raw_string):
                continue
            if e164 := e164_if_valid(match.number):
                yield Finding(e164, "phone", "text", url, phone_type(e164))


# ----------------------------------------------------------------------------- socials


_SOCIAL_NETWORKS = {
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "fb.me": "facebook",
    "instagram.com": "instagram",
    "instagr.am": "instagram",
    "linkedin.com": "linkedin",
    "twitter.com": "x",
    "x.com": "x",
    "youtube.com": "youtube",
    "tiktok.com": "tiktok",
    # Where Russian and Ukrainian businesses are, and East Asian ones' official accounts.
    "vk.com": "vk",
    "vkontakte.ru": "vk",
    "t.me": "telegram",
    "telegram.me": "telegram",
    "line.me": "line",
}
SOCIAL_NETWORKS = (
    "facebook",
    "instagram",
    "linkedin",
    "x",
    "youtube",
    "tiktok",
    "vk",
    "telegram",
    "line",
)
# Accounts of the networks themselves and of site builders, linked from page templates.
_NOT_A_BUSINESS_HANDLE = frozenset(
    {
        "facebook", "meta", "instagram", "linkedin", "twitter", "x", "youtube", "tiktok",
        "wix", "squarespace", "godaddy", "wordpress", "wordpressdotcom", "shopify", "weebly",
        "yelp", "google", "jimdo", "webflow", "strikingly", "ionos", "strato", "hostinger",
        "elementor", "elegantthemes", "divithemes", "themeforest", "envato", "yoast", "wpastra",
        # a theme's demo links, left in place
        "yourpage", "yourprofile", "yourhandle", "yourusername", "username", "yourname",
        "yourcompany", "your-page", "your-profile", "example", "page", "profile",
    }
)  # fmt: skip
_FACEBOOK_NOT_PROFILES = frozenset(
    {
        "sharer", "sharer.php", "share", "share.php", "dialog", "plugins", "tr", "login",
        "login.php", "home.php", "policies", "privacy", "help", "hashtag", "watch", "groups",
        "events", "photo.php", "photo", "photos", "permalink.php", "story.php", "ads",
        "business", "legal", "l.php", "marketplace", "gaming", "search", "settings", "notes",
        "video.php", "reel", "stories", "messages", "friends", "terms", "cookies", "careers",
        "profile", "people",
    }
)  # fmt: skip
_INSTAGRAM_NOT_PROFILES = frozenset(
    {"p", "reel", "reels", "tv", "explore", "accounts", "direct", "about", "legal", "developer",
     "web", "emails", "challenge", "oauth", "share", "stories"}
)  # fmt: skip
_X_NOT_PROFILES = frozenset(
    {"intent", "share", "home", "hashtag", "search", "i", "explore", "login", "signup", "tos",
     "privacy", "settings", "messages", "notifications", "compose", "widgets", "about"}
)  # fmt: skip
_YOUTUBE_NOT_PROFILES = frozenset(
    {"watch", "embed", "shorts", "playlist", "results", "feed", "redirect", "live", "hashtag",
     "t", "about", "account", "premium", "kids", "music", "subscription_center", "attribution_link"}
)  # fmt: skip
# Shapes of handles, not the networks' length rules: a profile link is taken as written.
_FACEBOOK_HANDLE = re.compile(r"[\w.-]{2,}")
_INSTAGRAM_HANDLE = re.compile(r"[\w.]+")
_X_HANDLE = re.compile(r"\w+")
_SLUG = re.compile(r"[\w.%-]+")


def _facebook_profile(segments: list[str], query: dict[str, list[str]]) -> str | None:
    if not segments:
        return None
    first = segments[0].lower()
    # Pages without a username are known by number: profile.php?id=N, pages/Name/N, people/Name/N.
    if first == "profile.php":
        numeric_id = query.get("id", [""])[0]
    elif first in ("pages", "people") and len(segments) >= 3:
        numeric_id = segments[2]
    else:
        numeric_id = None
    if numeric_id is not None:
        return (
            f"https://www.facebook.com/profile.php?id={numeric_id}"
            if numeric_id.isdigit()
            else None
        )
    if first == "pg" and len(segments) >= 2:
        first = segments[1].lower()
    if first in _FACEBOOK_NOT_PROFILES or not _FACEBOOK_HANDLE.fullmatch(first):
        return None
    return f"https://www.facebook.com/{first}"


def _instagram_profile(segments: list[str], _query: dict[str, list[str]]) -> str | None:
    if not segments:
        return None
    handle = segments[0].lower()
    if handle in _INSTAGRAM_NOT_PROFILES or not _INSTAGRAM_HANDLE.fullmatch(handle):
        return None
    return f"https://www.instagram.com/{handle}"


def _linkedin_profile(segments: list[str], _query: dict[str, list[str]]) -> str | None:
    if len(segments) < 2 or segments[0].lower() not in ("company", "in", "school", "showcase"):
        return None
    if not _SLUG.fullmatch(segments[1]):
        return None
    return f"https://www.linkedin.com/{segments[0].lower()}/{segments[1].lower()}"


def _x_profile(segments: list[str], _query: dict[str, list[str]]) -> str | None:
    if not segments:
        return None
    handle = segments[0].lower()
    if handle in _X_NOT_PROFILES or not _X_HANDLE.fullmatch(handle):
        return None
    return f"https://x.com/{handle}"


def _youtube_profile(segments: list[str], _query: dict[str, list[str]]) -> str | None:
    if not segments:
        return None
    first = segments[0]
    if first.startswith("@") and _SLUG.fullmatch(first[1:]):
        return f"https://www.youtube.com/{first.lower()}"
    if first in ("channel", "c", "user") and len(segments) >= 2 and _SLUG.fullmatch(segments[1]):
        # Channel ids are case-sensitive; custom and user names are not.
        name = segments[1] if first == "channel" else segments[1].lower()
        return f"https://www.youtube.com/{first}/{name}"
    if first.lower() in _YOUTUBE_NOT_PROFILES or not _SLUG.fullmatch(first):
        return None
    return f"https://www.youtube.com/{first.lower()}"


def _tiktok_profile(segments: list[str], _query: dict[str, list[str]]) -> str | None:
    if not segments or not segments[0].startswith("@") or not _SLUG.fullmatch(segments[0][1:]):
        return None
    return f"https://www.tiktok.com/{segments[0].lower()}"


_VK_NOT_PROFILES = frozenset(
    {"share.php", "away.php", "login", "feed", "search", "video", "photos", "im", "apps",
     "settings", "wall", "app", "music", "clips", "terms", "privacy", "support", "dev", "about",
     "blog", "jobs"}
)  # fmt: skip
_TELEGRAM_NOT_PROFILES = frozenset({"share", "joinchat", "addstickers", "proxy", "socks", "iv"})


def _vk_profile(segments: list[str], _query: dict[str, list[str]]) -> str | None:
    if not segments:
        return None
    handle = segments[0].lower()
    if (
        handle in _VK_NOT_PROFILES
        or handle.startswith(("wall", "photo", "video", "topic", "album"))
        or not _INSTAGRAM_HANDLE.fullmatch(handle)
    ):
        return None
    return f"https://vk.com/{handle}"


def _telegram_profile(segments: list[str], _query: dict[str, list[str]]) -> str | None:
    # t.me/handle, t.me/s/handle (the channel's web preview); t.me/handle/123 is a post.
    if segments[:1] == ["s"]:
        segments = segments[1:]
    if len(segments) != 1:
        return None
    handle = segments[0].lower()
    if handle in _TELEGRAM_NOT_PROFILES or not _X_HANDLE.fullmatch(handle):
        return None
    return f"https://t.me/{handle}"


def _line_profile(segments: list[str], _query: dict[str, list[str]]) -> str | None:
    # An official account's friend link: line.me/R/ti/p/@id (or /ti/p/@id).
    path = [segment.lower() for segment in segments]
    if path[:1] == ["r"]:
        path = path[1:]
    if len(path) != 3 or path[:2] != ["ti", "p"] or not _SLUG.fullmatch(path[2].lstrip("@~")):
        return None
    return f"https://line.me/R/ti/p/{path[2]}"


_PROFILE_BUILDERS: dict[str, Callable[[list[str], dict[str, list[str]]], str | None]] = {
    "facebook": _facebook_profile,
    "instagram": _instagram_profile,
    "linkedin": _linkedin_profile,
    "x": _x_profile,
    "youtube": _youtube_profile,
    "tiktok": _tiktok_profile,
    "vk": _vk_profile,
    "telegram": _telegram_profile,
    "line": _line_profile,
}


_PERSONAL_PROFILE = re.compile(r"^https://www\.linkedin\.com/in/")


def _social_finding(link: str, method: str, url: str) -> Finding | None:
    """A profile, its holder in ``detail``: "person" for a personal page (LinkedIn /in/)."""
    profile = canonical_social_profile(link)
    if profile is None:
        return None
    holder = "person" if _PERSONAL_PROFILE.match(profile[1]) else "business"
    return Finding(profile[1], profile[0], method, url, holder)


_CONTEXT_FIELDS = re.compile(r"\s[·•|]\s")


def _anchor_field(anchor: _Anchor) -> str:
    """The field of its block's text a link sits in: "Facebook · Website by <a>Acme</a>"
    has two, and the credit is the second's alone. The whole block when the link has no
    text or its text is not found there."""
    at = anchor.context.find(anchor.text) if anchor.text else -1
    if at < 0:
        return anchor.context
    starts = [m.end() for m in _CONTEXT_FIELDS.finditer(anchor.context, 0, at + 1)]
    ends = [m.start() for m in _CONTEXT_FIELDS.finditer(anchor.context, at + len(anchor.text))]
    return anchor.context[max(starts, default=0) : min(ends, default=len(anchor.context))]


def _link_socials(anchors: Iterable[_Anchor], url: str) -> Iterator[Finding]:
    """Profile links, except those a credit names ("Photos by <a>@annaleephoto</a>")."""
    for anchor in anchors:
        if (
            anchor.url
            and (finding := _social_finding(anchor.url, "link", url))
            and not _CREDIT.search(_anchor_field(anchor))
        ):
            yield finding


def _site_socials(
    candidates: Sequence[Finding],
    names: Sequence[str | None],
    owner_surnames: Sequence[str] = (),
) -> tuple[Finding, ...]:
    """The business's profiles and its people's, best first, by network.

    People's pages are all kept. Of a network's business pages, those whose handle spells
    the business (its name or its domain) are kept; when none does, the best one only
    (schema.org sameAs first): a second page there is a partner's, a franchise's or a
    builder's template link.
    """
    ranked = [
        finding
        for _, finding in sorted(
            enumerate(_best_per_value(candidates)),
            key=lambda item: (_method_rank(item[1]), item[0]),
        )
    ]
    kept: list[Finding] = []
    for network in SOCIAL_NETWORKS:
        found = [finding for finding in ranked if finding.kind == f"social:{network}"]
        business = [finding for finding in found if finding.detail != "person"]
        spelled = [finding for finding in business if _handle_spells(finding.value, names)]
        kept += spelled or business[:1]
    people = [finding for finding in ranked if finding.detail == "person"]
    # A person's page is kept when it is an owner's: named so in schema.org, its handle
    # spelling an owner's surname, or the only person's page a small business links to
    # (a team page linking every employee's is not the owner's).
    kept += [
        finding
        for finding in people
        if finding.method in ("json-ld", "microdata")
        or len(people) == 1
        or any(_handle_spells(finding.value, [surname], 3) for surname in owner_surnames)
    ]
    return tuple(kept)


def _handle_spells(profile: str, names: Sequence[str | None], min_chars: int = 4) -> bool:
    """Whether a profile's handle spells one of ``names`` (at least ``min_chars`` letters)."""
    handle = _letters_and_digits(profile.rstrip("/").rsplit("/", 1)[-1].rsplit("=", 1)[-1])
    return any(
        len(key := _letters_and_digits(name)) >= min_chars and fuzz.partial_ratio(handle, key) >= 80
        for name in names
        if name
    )


# -------------------------------------------------------------------------- schema.org


# The schema.org types of a business: Organization and every subtype, LocalBusiness's
# among them (schema_org_types.py, generated from the vocabulary). A type ending in
# Business, Store or Organization that a newer release or an extension adds counts too.
_BUSINESS_TYPE_SUFFIXES = ("Business", "Store", "Organization")
# Properties through which a page-level node (WebPage, WebSite, Service) names the business.
_BUSINESS_CARRIERS = ("mainEntity", "about", "provider", "publisher")
_PERSON_LISTS = ("employee", "employees", "member", "members", "owner", "owners")


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _as_text(value: object) -> str | None:
    """A plain string out of a JSON-LD value: a string, a number, ``{"name"|"@value": ...}``."""
    for item in _as_list(value):
        if isinstance(item, dict):
            item = item.get("name", item.get("@value"))
        if isinstance(item, (str, int, float)) and not isinstance(item, bool):
            text = " ".join(str(item).split())
            if text:
                return text
    return None


def _type_names(node: dict[str, Any]) -> list[str]:
    # "Plumber", "schema:Plumber" and "http://schema.org/Plumber" all name Plumber.
    return [
        re.split(r"[/:#]", name)[-1]
        for name in _as_list(node.get("@type"))
        if isinstance(name, str)
    ]


def _is_business(node: dict[str, Any]) -> bool:
    return any(
        name in ORGANIZATION_TYPES or name.endswith(_BUSINESS_TYPE_SUFFIXES)
        for name in _type_names(node)
    )


def _flatten(item: object) -> Iterator[dict[str, Any]]:
    if isinstance(item, list):
        for element in item:
            yield from _flatten(element)
    elif isinstance(item, dict):
        if "@graph" in item:
            yield from _flatten(item["@graph"])
        else:
            yield item


class _StructuredData:
    """The schema.org nodes of one page, each tagged "json-ld" or "microdata"."""

    def __init__(self, nodes: list[tuple[dict[str, Any], str]]) -> None:
        self.nodes = nodes
        self._by_id = {node["@id"]: node for node, _ in nodes if isinstance(node.get("@id"), str)}
        self._businesses: list[tuple[dict[str, Any], str]] = []
        seen: set[int] = set()
        for node, method in nodes:
            if _is_business(node):
                candidates = [node]
            else:
                carried = (node.get(key) for key in _BUSINESS_CARRIERS)
                candidates = [
                    self._resolve(value) for values in carried for value in _as_list(values)
                ]
            for candidate in candidates:
                if (
                    isinstance(candidate, dict)
                    and _is_business(candidate)
                    and id(candidate) not in seen
                ):
                    seen.add(id(candidate))
                    self._businesses.append((candidate, method))

    @classmethod
    def from_document(cls, document: str, base_url: str) -> _StructuredData:
        probe = document.lower()
        if "ld+json" not in probe and "itemscope" not in probe:
            return cls([])
        try:
            tree = lxml.html.fromstring(
                document.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8")
            )
        except (lxml.etree.LxmlError, ValueError):  # e.g. "Document is empty"
            return cls([])
        nodes: list[tuple[dict[str, Any], str]] = []
        extractor = JsonLdExtractor()
        # Block by block, so one malformed block does not hide the others.
        for script in tree.xpath('//script[@type="application/ld+json"]'):
            try:
                items = list(extractor.extract_items(script))
            except (ValueError, RecursionError):
                _LOG.debug("skipping a malformed JSON-LD block on %s", base_url)
                continue
            nodes += [(node, "json-ld") for node in _flatten(items)]
        try:
            microdata = extruct.extract(
                tree, base_url=base_url, syntaxes=["microdata"], uniform=True, errors="ignore"
            )["microdata"]
        except KeyError:  # extruct's uniform step expects output from a failed extraction
            microdata = []
        nodes += [(node, "microdata") for node in _flatten(microdata)]
        return cls(nodes)

    @property
    def businesses(self) -> list[dict[str, Any]]:
        return [node for node, _ in self._businesses]

    def _resolve(self, value: object) -> object:
        """A ``{"@id": ...}`` reference replaced by the node it names on this page."""
        if isinstance(value, dict) and set(value) == {"@id"}:
            return self._by_id.get(value["@id"], value)
        return value

    def _contact_points(self, business: dict[str, Any]) -> list[dict[str, Any]]:
        points = [self._resolve(point) for point in _as_list(business.get("contactPoint"))]
        return [business, *(point for point in points if isinstance(point, dict))]

    def emails(self, url: str) -> Iterator[Finding]:
        for business, method in self._businesses:
            for holder in self._contact_points(business):
                for raw in _as_list(holder.get("email")):
                    if isinstance(raw, str) and (
                        finding := _email_finding(unquote(raw), method, url)
                    ):
                        yield finding

    def phones(self, url: str, region: str) -> Iterator[Finding]:
        for business, method in self._businesses:
            for holder in self._contact_points(business):
                for raw in _as_list(holder.get("telephone")):
                    if isinstance(raw, (str, int)) and (
                        finding := _phone_finding(str(raw), method, url, region)
                    ):
                        yield finding

    def socials(self, url: str) -> Iterator[Finding]:
        for business, method in self._businesses:
            for link in _as_list(business.get("sameAs")):
                if isinstance(link, str) and (finding := _social_finding(link, method, url)):
                    yield finding

    def owners(self, url: str) -> Iterator[Finding]:
        for business, method in self._businesses:
            for founder in _as_list(business.get("founder")) + _as_list(business.get("founders")):
                if finding := self._person_finding(founder, "Founder", method, url):
                    yield finding
            for key in _PERSON_LISTS:
                for person in _as_list(business.get(key)):
                    if finding := self._person_finding(person, None, method, url):
                        yield finding
        # People described on their own, e.g. an about page's Person with jobTitle "Owner".
        for node, method in self.nodes:
            if "Person" in _type_names(node) and (
                finding := self._person_finding(node, None, method, url)
            ):
                yield finding

    def _person_finding(
        self, person: object, default_title: str | None, method: str, url: str
    ) -> Finding | None:
        """An owner finding for a Person (or a bare name) whose title makes them the owner."""
        person = self._resolve(person)
        if isinstance(person, str):
            name, title = person, default_title
        elif isinstance(person, dict) and "Person" in (_type_names(person) or ["Person"]):
            given, family = _as_text(person.get("givenName")), _as_text(person.get("familyName"))
            name = _as_text(person.get("name")) or (
                f"{given} {family}" if given and family else None
            )
            title = _as_text(person.get("jobTitle")) or default_title
        else:
            return None
        if not name or not title or (default_title is None and not is_owner_title(title)):
            return None
        # Structured data is often typed in one case throughout ("TOM BAKER").
        clean_name = person_name(name)
        return Finding(clean_name, "owner", method, url, title) if clean_name else None

    def person_socials(self, url: str) -> Iterator[Finding]:
        """The profiles (sameAs) of the people the business's data names as its owners."""
        for business, method in self._businesses:
            people = [
                self._resolve(person)
                for key in ("founder", "founders", *_PERSON_LISTS)
                for person in _as_list(business.get(key))
            ]
            for person in people:
                title = _as_text(person.get("jobTitle")) if isinstance(person, dict) else None
                if not isinstance(person, dict) or not (title is None or is_owner_title(title)):
                    continue
                for link in _as_list(person.get("sameAs")):
                    if isinstance(link, str) and (finding := _social_finding(link, method, url)):
                        yield replace(finding, detail="person")


def _format_address(value: object) -> str | None:
    if isinstance(value, list):
        return next(filter(None, map(_format_address, value)), None)
    if isinstance(value, str):
        return " ".join(value.split()) or None
    if not isinstance(value, dict):
        return None
    region_and_code = " ".join(
        filter(None, (_as_text(value.get("addressRegion")), _as_text(value.get("postalCode"))))
    )
    parts = [
        _as_text(value.get("streetAddress")),
        _as_text(value.get("addressLocality")),
        region_and_code,
        _as_text(value.get("addressCountry")),
    ]
    return ", ".join(part for part in parts if part) or None


def _first_text(nodes: Iterable[dict[str, Any]], key: str) -> str | None:
    return next(filter(None, (_as_text(node.get(key)) for node in nodes)), None)


def _unique_dicts(nodes: Iterable[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    unique: dict[str, dict[str, Any]] = {}
    for node in nodes:
        unique.setdefault(json.dumps(node, sort_keys=True, default=str), node)
    return tuple(unique.values())


# ------------------------------------------------------------------------------ owners


def _text_owners(lines: Sequence[str], quoted: Sequence[bool], url: str) -> list[Finding]:
    """Owners the text names; a title naming a business ("owner of Acme") is given last,
    since whether Acme is this business is known only when the site's pages are combined;
    a founding story after the titles people hold now (one finding is kept per name)."""
    found = [
        Finding(mention.name, "owner", f"pattern:{mention.pattern}", url, mention.title)
        for mention in owner_mentions(lines, quoted)
        if not mention.former
    ]
    return sorted(
        found,
        key=lambda finding: (
            title_elsewhere(finding.detail or "") is not None,
            _title_rank(finding),
        ),
    )


def _same_person(first: str, second: str) -> bool:
    # "Tom Baker" and "Tom A. Baker" or "Tom Baker Jr" are one person; "Tom" and "Jane
    # Baker" are not.
    return fuzz.token_set_ratio(first, second, processor=fuzz_utils.default_process) >= 90


def _merge_owners(owners: Sequence[Finding]) -> tuple[Finding, ...]:
    """Each person once, in the order first named, with the best title the pages give
    (``_title_rank``): a founder who runs the business today keeps the title they hold now
    ("established in 1995 by Mr. Sharma" ... "Proprietor: Rajesh Kumar Sharma")."""
    kept: list[Finding] = []
    for finding in owners:
        same = next(
            (index for index, other in enumerate(kept) if _same_person(finding.value, other.value)),
            None,
        )
        if same is None:
            kept.append(finding)
        elif _title_rank(finding) < _title_rank(kept[same]):
            kept[same] = replace(finding, value=kept[same].value)
    return tuple(kept)


# ------------------------------------------------------------------------ follow links


_DOCUMENT_EXTENSIONS = frozenset(
    {
        "pdf", "jpg", "jpeg", "png", "gif", "svg", "webp", "avif", "ico", "bmp", "tif", "tiff",
        "zip", "rar", "gz", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "csv", "txt", "xml",
        "json", "rss", "mp3", "mp4", "mov", "avi", "webm", "css", "js", "ics", "vcf",
    }
)  # fmt: skip
# Page topics, in the order a crawl fetches them: where a business lists its contact
# details, its legal notice (which names the owner in the markets that require one), who
# it is, and who works there. Words in English, German, French, Spanish, Italian, Dutch and
# Portuguese; page addresses spell them without accents and with - or _ between words.
PAGE_TOPICS = ("contact", "legal notice", "about", "team")
_S = r"[-_ ]?"  # between the words of a path segment or a link text
_TOPIC_WORDS = (
    # contact: the page itself, and pages named for how one reaches or buys from the business
    rf"contact(?:s|{_S}us|o|os|e|ez{_S}nous|ar|anos)?|kontakt(?:formular)?|contatt[oi](?:ci)?"
    rf"|nous{_S}(?:contacter|joindre)|fale{_S}conosco|get{_S}in{_S}touch|reach{_S}(?:us|out)"
    rf"|find{_S}us|visit{_S}us|how{_S}to{_S}find{_S}us|directions|location|anfahrt"
    rf"|infos?{_S}pratiques|acc[eè]s|plan{_S}d{_S}acc[eè]s|ubicaci[oó]n|como{_S}llegar"
    rf"|dove{_S}siamo|bereikbaarheid|route|onde{_S}estamos|localiza[cç][aã]o"
    rf"|(?:get{_S}a{_S}|free{_S}|request{_S}a{_S})?(?:quote|estimate)|devis|presupuesto"
    rf"|preventivo|offerte|or[cç]amento|book(?:{_S}online|{_S}now|ing)?|reservations?"
    rf"|reservas?|prenotazion[ei]|termin(?:{_S}buchen|e)?|encomendas|bestellen|commandes"
    rf"|kontaktier(?:en|e)?|schreiben{_S}sie{_S}uns|write{_S}to{_S}us|e-?mail{_S}us|call{_S}us"
    rf"|anfrage|angebot{_S}anfordern|demande{_S}de{_S}devis|[ée]crivez{_S}nous"
    rf"|richiedi(?:{_S}un)?{_S}preventivo|scrivici|solicita(?:r)?{_S}presupuesto|escr[ií]benos"
    rf"|pide{_S}cita|pedir{_S}or[cç]amento|fale{_S}connosco|neem{_S}contact{_S}op"
    # Latin American Spanish and Brazilian Portuguese: "Contáctenos", "Contato"
    rf"|cont[aá]ct(?:enos|anos)|contat(?:o|os|e|e{_S}nos)|fale{_S}com{_S}a{_S}gente"
    # Japanese: お問い合わせ (inquiry), アクセス (how to get there); pages named in romaji
    r"|お?問(?:い)?合(?:わ)?せ(?:フォーム|窓口)?|アクセス|inquiry|enquiry|otoiawase|toiawase"
    # Polish, Czech, Swedish, Danish, Norwegian: "Kontakty", "Kontakta oss", "Kontakt os"
    rf"|kontakt(?:y|i|a|e)?(?:{_S}(?:oss|os|nas|z{_S}nami))?"
    # Turkish, Greek, Russian and Ukrainian (and their page names in Latin letters)
    rf"|[iİ]leti[sş]im|bize{_S}ula[sş][iı]n|επικοινων[ίι]α|epikoinonia|контакт[ыи]?"
    rf"|обратная{_S}связь|зв['’]?язатися{_S}з{_S}нами|kontakty|kontakti"
    # Korean: contact details, the way here, inquiry, estimate inquiry, customer centre
    rf"|연락처|(?:찾아)?오시는{_S}길|문의(?:하기)?|견적{_S}?문의|상담{_S}?신청|고객{_S}?센터"
    # Chinese (simplified and traditional), Arabic, Hebrew
    rf"|联系(?:我们|方式)|聯[絡繫](?:我們|方式)|lianxi(?:{_S}?women)?"
    rf"|اتصل{_S}بنا|اتصلوا{_S}بنا|تواصل{_S}معنا|للتواصل|צור{_S}קשר|צרו{_S}קשר|יצירת{_S}קשר",
    # legal notice: Impressum (DE, AT, CH), mentions légales, aviso legal, note legali, ...
    rf"impressum|imprint|legal{_S}(?:notice|info(?:rmation)?)|site{_S}notice|offenlegung"
    rf"|anbieterkennzeichnung|mentions(?:{_S}l[eé]gales)?|informations{_S}l[eé]gales"
    rf"|aviso{_S}legal|nota{_S}legal|note{_S}legali|informazioni{_S}legali|colofon|colophon"
    rf"|informa[cç][aã]o{_S}legal|ficha{_S}t[eé]cnica|company{_S}information|rechtliches"
    rf"|rechtliche{_S}hinweise|anbieter|informations{_S}juridiques|avis{_S}l[eé]gal"
    # Japanese: the legal notice of the Act on Specified Commercial Transactions
    r"|特定商取引法?に(?:基づく|関する)表記|特商法(?:に基づく)?表記|tokushoho|tokutei"
    # Russia, Ukraine: the company's details (requisites): legal name, tax ids, director
    r"|реквизиты|реквізити|rekvizity",
    # about: the business, its story, its owner
    rf"about(?:{_S}us|{_S}me)?|our{_S}story|(?:our{_S})?history|who{_S}we{_S}are|company"
    rf"|(?:wir{_S})?[uü](?:e)?ber{_S}(?:uns|mich)|unternehmen|geschichte|philosophie"
    rf"|unsere{_S}(?:geschichte|kanzlei|praxis)|kanzlei|praxis"
    rf"|[aà]{_S}propos|qui{_S}sommes{_S}nous|notre{_S}histoire|histoire|la{_S}maison"
    rf"|(?:l{_S}|notre{_S})?entreprise|le{_S}cabinet|cabinet"
    rf"|sobre{_S}(?:nosotros|m[ií]|n[oó]s)|nosotros|qui[eé]nes{_S}somos|(?:nuestra{_S})?historia"
    rf"|(?:la{_S})?empresa|chi{_S}s(?:iamo|ono)|(?:la{_S}nostra{_S})?storia|azienda|lo{_S}studio"
    rf"|over{_S}(?:ons|mij)|ons{_S}verhaal|geschiedenis|het{_S}bedrijf|quem{_S}somos|sobre"
    rf"|wer{_S}wir{_S}sind|qui{_S}suis{_S}je|nuestra{_S}empresa|wie{_S}zijn{_S}wij"
    # Japanese: company profile, company guide, the representative's greeting
    r"|会社概要|会社案内|企業情報|店舗(?:情報|案内)|代表(?:者)?(?:挨拶|あいさつ)|gaiyou?|kaisya|kaisha"
    # Polish, Czech, Swedish, Danish, Norwegian, Turkish ("Kurumsal": the corporate pages)
    rf"|o{_S}(?:n[aá]s|firmie|firm[eě])|om{_S}(?:oss|os|virksomheden|firmaet|f[oö]retaget)"
    rf"|hakk[iı]m[iı]zda|kurumsal"
    # Greek, Russian, Ukrainian
    rf"|σχετικ[άα](?:{_S}με{_S}εμ[άα]ς)?|sxetika|(?:η{_S})?εταιρε[ίι]α|etaireia|ποιοι{_S}ε[ίι]μαστε"
    rf"|о{_S}(?:компании|нас)|o{_S}kompanii|про{_S}(?:нас|компанію)|pro{_S}nas"
    # Korean, Chinese, Arabic, Hebrew
    rf"|회사{_S}?소개|인사말|关于我们|關於我們|公司简介|公司簡介|guanyu"
    rf"|من{_S}نحن|عن{_S}(?:الشركة|المؤسسة|نا)|אודות|(?:קצת{_S})?עלינו",
    # team: the people
    rf"(?:(?:our|the|meet{_S}the|meet{_S}our){_S})?(?:team|staff|people|doctors|dentists"
    rf"|attorneys|lawyers|founders?|owners?)|leadership|meet{_S}[a-z]+"
    rf"|(?:unser|das){_S}team|mitarbeiter|(?:notre{_S}|l{_S})?[eé]quipe|(?:nuestro{_S}|el{_S})?equipo"
    rf"|(?:il{_S})?team|la{_S}squadra|(?:ons|het){_S}team|medewerkers|(?:a{_S}nossa{_S})?equipa"
    rf"|(?:nasz{_S})?zesp[oó][lł]|(?:n[aá][sš]{_S})?t[yý]m|ekibimiz|(?:наша{_S})?команда"
    rf"|(?:η{_S})?ομ[άα]δα(?:{_S}μας)?|직원{_S}?소개|团队|團隊|فريق(?:نا|{_S}العمل)|הצוות",
)
_TOPIC_BY_SEGMENT = tuple(re.compile(words, re.IGNORECASE) for words in _TOPIC_WORDS)
# Link text must start with the topic: "About Acme" is an about page, "Read about pipes" not.
_TOPIC_BY_TEXT = tuple(re.compile(rf"(?:{words})\b", re.IGNORECASE) for words in _TOPIC_WORDS)
_MAX_LINK_TEXT_CHARS = 40
# Links that lead to an app, not to a page about the business ("Staff login").
_APP_LINK = re.compile(
    r"log[\s_-]?in|sign[\s_-]?(?:in|up)|register|account|portal|admin|cart|checkout|wp-json"
    r"|feed\b|konto|anmelden|warenkorb|kasse|compte|connexion|panier|cuenta|carrito"
    r"|iniciar|carrello|accedi|inloggen|winkelwagen|conta\b|carrinho|entrar"
    r"|logowanie|koszyk|kundvagn|logga[\s_-]?in|logg[\s_-]?inn|log[\s_-]?ind|kurv|sepet|вход|корзина"
    r"|кошик|로그인|장바구니|登录|登入|购物车|購物車|تسجيل الدخول|سلة|התחברות|עגלה",
    re.IGNORECASE,
)
# Privacy and cookie pages name no one: followed only when the link also names a topic
# first ("Impressum & Datenschutz").
_PRIVACY_LINK = re.compile(
    r"privacy|datenschutz|confidentialit|privacidad|privacit|cookie|rgpd|gdpr|dsgvo"
    r"|prywatno|integritet|privatliv|personvern|osobn[ií]ch|gizlilik|kvkk|απ[οό]ρρητ"
    r"|конфиденциальн|персональн|конфіденційн|개인정보|隐私|隱私|الخصوصية|פרטיות",
    re.IGNORECASE,
)
# A language switch ("English", "DE", "Français") leads to the same pages in another
# language, not to another page about the business.
_LANGUAGE_NAMES = re.compile(
    r"(?i)(?:[a-z]{2}(?:[-_][a-z]{2})?|english|deutsch|fran[cç]ais|italiano|espa[nñ]ol|catal[aà]"
    r"|nederlands|portugu[eê]s|polski|svenska|dansk|norsk|suomi|[cč]e[sš]tina|sloven[cč]ina"
    r"|magyar|rom[aâ]n[aă]|t[uü]rk[cç]e|ελληνικ[άα]|русский|українська|български|hrvatski"
    r"|한국어|中文|简体中文|繁體中文|简体|繁體|日本語|العربية|عربي|עברית|हिन्दी)"
)
# A folder's default document is the folder: ".../index.html#contact" is the home page.
_DEFAULT_DOCUMENT = re.compile(r"/(?:index|default|home)\.(?:html?|php|aspx?)$", re.IGNORECASE)


@dataclass(frozen=True)
class _SiteScope:
    """Which URLs belong to a site.

    A host under a public suffix owns the registered domain (every subdomain, any path).
    An IP or ``localhost`` host serves many sites by path, so a site there is host + port
    and the folder of its home page ("/sites/acme/").
    """

    domain: str
    netloc: str
    path_prefix: str

    @classmethod
    def of(cls, site_url: str) -> _SiteScope:
        parts = urlsplit(site_url)
        domain = registered_domain(parts.hostname or "")
        if domain:
            return cls(domain, "", "/")
        # The home page's folder, as relative links resolve: "/sites/acme/" for both
        # "/sites/acme/" and "/sites/acme/contact".
        path = parts.path or "/"
        return cls("", parts.netloc.lower(), path[: path.rfind("/") + 1])

    def contains(self, url: str) -> bool:
        parts = urlsplit(url)
        if self.domain:
            return registered_domain(parts.hostname or "") == self.domain
        path = parts.path or "/"
        return parts.netloc.lower() == self.netloc and (path.rstrip("/") + "/").startswith(
            self.path_prefix
        )


def _segment_topic(path: str) -> int | None:
    for segment in reversed(unquote(path).lower().split("/")):
        stem = (
            segment.rsplit(".", 1)[0]
            if segment.endswith((".html", ".htm", ".php", ".aspx", ".asp"))
            else segment
        )
        for rank, pattern in enumerate(_TOPIC_BY_SEGMENT):
            if pattern.fullmatch(stem):
                return rank
    return None


def _link_topic(path: str, text: str) -> int | None:
    """The topic of a link, by its text first (what a visitor reads), else by its address."""
    if _APP_LINK.search(path) or _APP_LINK.search(text):
        return None
    if len(text) <= _MAX_LINK_TEXT_CHARS:
        for rank, pattern in enumerate(_TOPIC_BY_TEXT):
            if pattern.match(text):
                return rank
    if _PRIVACY_LINK.search(path) or _PRIVACY_LINK.search(text):
        return None
    return _segment_topic(path)


# The order an LLM prompt gives pages in: who runs the business first.
_READING_ORDER = {2: 0, 3: 1, 1: 2, 0: 3}


def _page_topic_rank(url: str) -> int:
    topic = _segment_topic(urlsplit(url).path)
    return len(_READING_ORDER) if topic is None else _READING_ORDER[topic]


def document_key(url: str) -> str:
    """The document a URL names: no fragment, no trailing slash, no default document name."""
    return _DEFAULT_DOCUMENT.sub("", _without_fragment(url)).rstrip("/")


def _follow_links(
    anchors: Iterable[_Anchor], url: str, scope: _SiteScope
) -> tuple[tuple[PageLink, ...], tuple[tuple[str, str], ...]]:
    """Same-site links worth reading, best first, and topic links left out with the reason."""
    page_key = document_key(url)
    seen = {page_key}
    ranked: list[tuple[int, int, PageLink]] = []
    skipped: dict[str, str] = {}
    for anchor in anchors:
        if not anchor.url or not scope.contains(anchor.url):
            continue
        path = urlsplit(anchor.url).path
        last_segment = path.rsplit("/", 1)[-1]
        if "." in last_segment and last_segment.rpartition(".")[2].lower() in _DOCUMENT_EXTENSIONS:
            continue
        topic = None if anchor.language_switch else _link_topic(path, anchor.text)
        if topic is None:
            continue
        key = document_key(anchor.url)
        if key == page_key:
            skipped.setdefault(anchor.href, "a part of the page already read (fragment)")
        elif key not in seen:
            seen.add(key)
            link = PageLink(anchor.url, PAGE_TOPICS[topic], anchor.text or last_segment)
            ranked.append((topic, anchor.order, link))
    ranked.sort(key=lambda item: item[:2])
    skipped |= {
        link.url: f"more than {MAX_FOLLOW_LINKS} links to follow on one page"
        for _, _, link in ranked[MAX_FOLLOW_LINKS:]
    }
    links = tuple(link for _, _, link in ranked[:MAX_FOLLOW_LINKS])
    return links, tuple(skipped.items())


def _without_fragment(url: str) -> str:
    try:
        return urlunsplit(urlsplit(url)._replace(fragment=""))
    except ValueError:
        return url


# ----------------------------------------------------------------- ranking and merging


_METHOD_RANKS = {
    "json-ld": 0,
    "microdata": 1,
    "mailto": 2,
    "tel": 2,
    "link": 2,
    "cfemail": 3,
    "obfuscated": 4,
    "text": 5,
    "whatsapp": 5,
}
_PATTERN_RANK = 6


def _method_rank(finding: Finding) -> int:
    return _METHOD_RANKS.get(finding.method, _PATTERN_RANK)


def _best_per_value(candidates: Sequence[Finding]) -> tuple[Finding, ...]:
    """One finding per value, the best method first, then in discovery order."""
    ranked = sorted(enumerate(candidates), key=lambda item: (_method_rank(item[1]), item[0]))
    chosen: dict[str, Finding] = {}
    for _, finding in ranked:
        chosen.setdefault(finding.value, finding)
    return tuple(chosen.values())


def _merged(
    pages: Sequence[Sequence[Finding]], rank: Callable[[Finding, int, int], tuple[int, ...]]
) -> tuple[Finding, ...]:
    """Each value once with its first finding; ``rank(finding, pages_seen, order)`` sorts."""
    first: dict[str, tuple[Finding, int]] = {}
    pages_seen: dict[str, int] = {}
    for findings in pages:
        for finding in findings:
            first.setdefault(finding.value, (finding, len(first)))
        for value in {finding.value for finding in findings}:
            pages_seen[value] = pages_seen.get(value, 0) + 1
    ranked = sorted(
        first.values(), key=lambda item: rank(item[0], pages_seen[item[0].value], item[1])
    )
    return tuple(finding for finding, _ in ranked)


def _is_own_domain(domain: str, own_domain: str, business_name: str | None) -> bool:
    """The site's registered domain, or one whose name spells the business ("acmeplumbing")."""
    email_domain = registered_domain(domain)
    if own_domain and email_domain == own_domain:
        return True
    label = _letters_and_digits(email_domain.split(".", 1)[0])
    business_key = _letters_and_digits(business_name or "")
    return len(label) >= 4 and bool(business_key) and fuzz.partial_ratio(label, business_key) >= 90


def _letters_and_digits(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower())
    return re.sub(r"[^a-z0-9]", "", "".join(ch for ch in folded if not unicodedata.combining(ch)))


def _fair_shares(lengths: Sequence[int], budget: int) -> list[int]:
    """Split ``budget`` evenly; what a short item does not need goes to the longer ones."""
    shares = [0] * len(lengths)
    remaining = budget
    by_length = sorted(range(len(lengths)), key=lengths.__getitem__)
    for position, index in enumerate(by_length):
        shares[index] = min(lengths[index], remaining // (len(lengths) - position))
        remaining -= shares[index]
    return shares


def _clip(section: str, limit: int) -> str:
    """``section`` cut to ``limit`` characters at a line end; "" if only its heading fits."""
    if len(section) <= limit:
        return section
    heading_end = section.find("\n")
    cut = section.rfind("\n", 0, limit + 1)
    if cut > heading_end:
        return section[:cut]
    return section[:limit] if limit > heading_end + 1 else ""
