"""Rules that find a business's contact data in the pages of its website.

Pure functions over HTML that has already been fetched: no Dagster, no network, no files.
Parsing is done by libraries: selectolax (lexbor) for the DOM and visible text, extruct
for schema.org JSON-LD and microdata, phonenumbers for phone numbers, email-validator
(no DNS) for addresses, tldextract (bundled suffix list) for domains, rapidfuzz to tell
when two names, or a domain and a business name, are the same.

Public API
----------
``extract_page(html, url, *, site_url=None, default_region="US") -> PageExtraction``
    Everything one page says. ``html`` may be ``str`` or ``bytes`` (UTF-8, else the
    declared charset, else windows-1252). ``site_url`` is the site's home page; it bounds
    ``follow_links`` and defaults to ``url``. ``default_region`` reads national numbers.
``combine(pages, *, site_url=None, business_name=None) -> WebsiteContacts``
    The pages of one site (home page first) merged: each value once, with the provenance
    (url + method) of its first sighting, ranked best first. ``business_name`` (default:
    the schema.org name) lets an address at a domain spelling the business rank as the
    site's own, which matters for sites served from an IP.
``trimmed_text(pages, max_chars) -> str``
    The pages' visible text for an LLM prompt: about, team and contact pages first, lines
    repeated across pages (menus, footers) once, at most ``max_chars`` characters.
``canonical_social_profile(url) -> tuple[str, str] | None``
    ``("social:<network>", canonical profile URL)`` for a profile link, ``None`` otherwise.

``Finding(value, kind, method, url, detail)`` is one value: ``kind`` is ``email``,
``phone``, ``owner`` or ``social:<network>`` (facebook, instagram, linkedin, x, youtube,
tiktok). ``method`` says how it was found:

- ``json-ld`` / ``microdata``: schema.org data of a LocalBusiness / Organization (or a
  subtype), its contactPoint, sameAs, founder, or a Person titled owner / founder / CEO.
- ``mailto`` / ``tel``: link targets. ``cfemail``: Cloudflare email protection, decoded.
- ``obfuscated``: "info [at] acme [dot] com", "info(at)acme.com", "info at acme dot com".
- ``text``: plain visible text (HTML entities are decoded by the parser).
- ``link``: an ``<a href>`` to a social profile.
- ``pattern:<name>``: an owner-name pattern: ``founded_by`` ("Founded in 1998 by Maria
  Lopez"), ``owned_by`` ("owned and operated by ..."), ``title_label`` ("Owner: Dan
  Smith"), ``title_name`` ("our founder Jim O'Neil"), ``name_title`` ("Jane Doe, Owner",
  "Meet Jane Doe, our founder"), ``is_title`` ("Jane Doe is the owner"), ``heading`` (a
  name block next to a title block). ``detail`` holds the title.

Limits: only the first ``MAX_HTML_CHARS`` of a document are parsed and the first
``MAX_SCANNED_TEXT_CHARS`` of its visible text are kept and scanned by the text rules.
"""

from __future__ import annotations

import codecs
import itertools
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal
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

MAX_HTML_CHARS = 2_000_000
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
    html: str | bytes, url: str, *, site_url: str | None = None, default_region: str = "US"
) -> PageExtraction:
    document = _close_unterminated_title(_decode_html(html)[:MAX_HTML_CHARS])
    tree = LexborHTMLParser(document)
    base_url = _base_url(tree, url)
    anchors = _anchors(tree, base_url)
    structured = _StructuredData.from_document(document, base_url)
    declared_url = _declared_url(tree)

    email_candidates = [
        *structured.emails(url),
        *_link_emails(anchors, url),
        *_cloudflare_emails(tree, url),
    ]
    phone_candidates = [
        *structured.phones(url, default_region),
        *_tel_phones(anchors, url, default_region),
    ]
    social_candidates = [*structured.socials(url), *_link_socials(anchors, url)]
    owner_candidates = list(structured.owners(url))

    links, skipped_links = _follow_links(anchors, url, _SiteScope.of(site_url or url))
    lines = _visible_lines(tree)
    email_candidates += _text_emails(lines, url)
    phone_candidates += _text_phones(lines, url, default_region)
    owner_candidates += _text_owners(lines, url)

    return PageExtraction(
        url=url,
        emails=_best_per_value(email_candidates),
        phones=_best_per_value(phone_candidates),
        socials=_one_per_network(social_candidates),
        owners=_merge_owners(_best_per_value(owner_candidates)),
        schema_org=tuple(structured.businesses),
        declared_url=declared_url,
        region_hint=_region_hint(tree, declared_url or url),
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

    Emails rank: the site's own domain (or a domain that spells ``business_name``), then
    mailbox providers such as gmail, then other domains; within a tier by method, then by
    how many pages show it. Phones rank by method, then by how many pages show them.
    """
    schema_org = _unique_dicts(node for page in pages for node in page.schema_org)
    name = business_name or _first_text(schema_org, "name")
    own_domain = _site_domain(pages, site_url)

    def email_tier(finding: Finding) -> int:
        domain = finding.value.rpartition("@")[2]
        if _is_own_domain(domain, own_domain, name):
            return 0
        return 1 if is_freemail_domain(domain) else 2

    emails = _merged(
        [page.emails for page in pages],
        lambda finding, pages_seen, order: (
            email_tier(finding),
            _method_rank(finding),
            -pages_seen,
            order,
        ),
    )
    phones = _merged(
        [page.phones for page in pages],
        lambda finding, pages_seen, order: (_method_rank(finding), -pages_seen, order),
    )
    owners = _merged(
        [page.owners for page in pages],
        lambda finding, pages_seen, order: (_method_rank(finding), -pages_seen, order),
    )
    return WebsiteContacts(
        emails=emails,
        other_emails=(),
        phones=phones,
        socials=_one_per_network([finding for page in pages for finding in page.socials]),
        owners=_merge_owners(owners),
        business_name=name,
        address=next(
            filter(None, (_format_address(node.get("address")) for node in schema_org)), None
        ),
        schema_org=schema_org,
        pages=tuple(page.url for page in pages),
        site_domain=own_domain or None,
    )


def _site_domain(pages: Sequence[PageExtraction], site_url: str | None) -> str:
    """The site's registered domain: its URL's, else the one its pages declare (canonical)."""
    if not pages:
        return ""
    domain = registered_domain(urlsplit(site_url or pages[0].url).hostname or "")
    declared = (page.declared_url for page in pages if page.declared_url)
    return domain or next(
        (registered_domain(urlsplit(url).hostname or "") for url in declared), ""
    )


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


def _decode_html(html: str | bytes) -> str:
    """Bytes as text: BOM, else UTF-8 if it decodes, else the declared charset, else cp1252.

    UTF-8 is tried before the declaration because pages often declare a charset they do
    not use, and text that decodes as UTF-8 almost never is anything else.
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
    return data.decode(_declared_codec(data[:1024]) or "cp1252", errors="replace")


def _declared_codec(head: bytes) -> str | None:
    """The codec a ``<meta>`` charset names, unless unknown or the UTF-8 that just failed."""
    declared = _CHARSET_DECLARATION.search(head)
    if declared is None:
        return None
    try:
        codec = codecs.lookup(declared.group(1).decode("ascii")).name
    except LookupError:
        return None
    return None if codec == "utf-8" else codec


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
        anchors.append(_Anchor(href=href, url=web_url, text=" ".join(label.split()), order=order))
    return anchors


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


def _visible_lines(tree: LexborHTMLParser) -> list[str]:
    """The body's visible text, one line per block element. Mutates ``tree``."""
    if tree.body is None:
        return []
    for node in tree.css(_NOISE_SELECTOR):
        node.decompose()
    for node in tree.css("br"):
        node.replace_with(_BLOCK_BREAK)
    for node in tree.css(_BLOCK_SELECTOR):
        node.insert_before(_BLOCK_BREAK)
        node.insert_after(_BLOCK_BREAK)
    lines: list[str] = []
    budget = MAX_SCANNED_TEXT_CHARS
    for raw_line in tree.body.text().translate(_INVISIBLE).split(_BLOCK_BREAK):
        line = " ".join(raw_line.split())[:budget]
        if not line or (lines and lines[-1] == line):
            continue
        lines.append(line)
        budget -= len(line) + 1
        if budget <= 0:
            break
    return lines


# ------------------------------------------------------------------------------ emails


_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![\w-])"
)
_BRACKETED_AT = r"\s*[\[({<]\s*(?i:at|@)\s*[\])}>]\s*"
_BRACKETED_DOT = r"\s*[\[({<]\s*(?i:dot|\.)\s*[\])}>]\s*"
# "info [at] acme [dot] com", "info(at)acme.com", "info {at} acme {dot} com"
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


def _email_finding(raw: str, method: str, url: str, detail: str | None = None) -> Finding | None:
    address = normalise_email(raw)
    return Finding(address, "email", method, url, detail) if address else None


def _link_emails(anchors: Iterable[_Anchor], url: str) -> Iterator[Finding]:
    for anchor in anchors:
        if anchor.href[:7].lower() == "mailto:":
            recipients = unquote(anchor.href[7:].split("?", 1)[0])
            for recipient in recipients.split(","):
                if finding := _email_finding(recipient, "mailto", url):
                    yield finding
        elif _CLOUDFLARE_PROTECTION_PATH in anchor.href and "#" in anchor.href:
            decoded = decode_cloudflare_email(anchor.href.rsplit("#", 1)[1])
            if decoded and (finding := _email_finding(decoded, "cfemail", url)):
                yield finding


def _cloudflare_emails(tree: LexborHTMLParser, url: str) -> list[Finding]:
    """Decode ``data-cfemail`` elements, putting the address back into the text."""
    findings = []
    for node in tree.css("[data-cfemail]"):
        decoded = decode_cloudflare_email(node.attributes.get("data-cfemail") or "")
        if decoded is None:
            continue
        node.replace_with(decoded)
        if finding := _email_finding(decoded, "cfemail", url):
            findings.append(finding)
    return findings


def _text_emails(lines: Sequence[str], url: str) -> Iterator[Finding]:
    text = "\n".join(lines)
    for match in _EMAIL.finditer(text):
        if finding := _email_finding(match.group(), "text", url):
            yield finding
    for match in _BRACKETED_EMAIL.finditer(text):
        domain = _BRACKETED_SEPARATOR.sub(".", match["domain"])
        if finding := _email_finding(
            f"{match['local']}@{domain}", "obfuscated", url, match.group()
        ):
            yield finding
    for match in _SPELLED_EMAIL.finditer(text):
        if match["local"].lower() in _PROSE_LOCAL_PARTS:
            continue
        domain = _SPELLED_SEPARATOR.sub(".", match["domain"])
        if finding := _email_finding(
            f"{match['local']}@{domain}", "obfuscated", url, match.group()
        ):
            yield finding


# ------------------------------------------------------------------------------ phones


# Words just before a number that make it something other than a phone to call.
_NOT_A_PHONE_BEFORE = re.compile(
    r"(?:\b(?:fax|f|lic(?:ense)?|reg(?:istration)?|id|order|invoice|acct|account|tax|ein|sku"
    r"|serial|model|ref)\b\W{0,3}(?:(?:no|number|#)\W{0,3})?|#\W{0,2})$",
    re.IGNORECASE,
)


def _phone_finding(raw: str, method: str, url: str, region: str) -> Finding | None:
    e164 = normalise_phone(raw, region)
    return Finding(e164, "phone", method, url, phone_type(e164)) if e164 else None


def _tel_phones(anchors: Iterable[_Anchor], url: str, region: str) -> Iterator[Finding]:
    for anchor in anchors:
        scheme, _, number = anchor.href.partition(":")
        if (
            scheme.lower() in ("tel", "callto")
            and number
            and (finding := _phone_finding(unquote(number), "tel", url, region))
        ):
            yield finding


def _text_phones(lines: Sequence[str], url: str, region: str) -> Iterator[Finding]:
    # Line by line, so numbers never run across blocks ("Suite 200" + next line).
    for line in lines:
        if sum(character.isdigit() for character in line) < 7:
            continue
        for match in phonenumbers.PhoneNumberMatcher(line, region):
            if _NOT_A_PHONE_BEFORE.search(line[max(0, match.start - 16) : match.start]):
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
}
_NETWORK_ORDER = ("facebook", "instagram", "linkedin", "x", "youtube", "tiktok")
# Accounts of the networks themselves and of site builders, linked from page templates.
_NOT_A_BUSINESS_HANDLE = frozenset(
    {
        "facebook", "meta", "instagram", "linkedin", "twitter", "x", "youtube", "tiktok",
        "wix", "squarespace", "godaddy", "wordpress", "wordpressdotcom", "shopify", "weebly",
        "yelp", "google",
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


_PROFILE_BUILDERS: dict[str, Callable[[list[str], dict[str, list[str]]], str | None]] = {
    "facebook": _facebook_profile,
    "instagram": _instagram_profile,
    "linkedin": _linkedin_profile,
    "x": _x_profile,
    "youtube": _youtube_profile,
    "tiktok": _tiktok_profile,
}


def _social_finding(link: str, method: str, url: str) -> Finding | None:
    profile = canonical_social_profile(link)
    return Finding(profile[1], profile[0], method, url) if profile else None


def _link_socials(anchors: Iterable[_Anchor], url: str) -> Iterator[Finding]:
    for anchor in anchors:
        if anchor.url and (finding := _social_finding(anchor.url, "link", url)):
            yield finding


def _one_per_network(candidates: Sequence[Finding]) -> tuple[Finding, ...]:
    """The best profile per network: schema.org sameAs first, a company page before a person's."""
    ranked = sorted(
        enumerate(candidates),
        key=lambda item: (_method_rank(item[1]), "linkedin.com/in/" in item[1].value, item[0]),
    )
    chosen: dict[str, Finding] = {}
    for _, finding in ranked:
        chosen.setdefault(finding.kind, finding)
    return tuple(
        chosen[f"social:{network}"] for network in _NETWORK_ORDER if f"social:{network}" in chosen
    )


# -------------------------------------------------------------------------- schema.org


# schema.org LocalBusiness and Organization with their subtypes (types ending in Business,
# Store or Organization are accepted without being listed).
_BUSINESS_TYPES = frozenset(
    {
        "Organization", "LocalBusiness", "Corporation", "Consortium", "Cooperative", "NGO",
        "OnlineBusiness", "OnlineStore", "Airline", "MedicalOrganization",
        "SportsOrganization", "SportsTeam", "PerformingGroup", "MusicGroup",
        "EducationalOrganization", "School", "Preschool", "ResearchOrganization",
        "ProfessionalService", "AnimalShelter", "ArchiveOrganization", "ChildCare",
        "Dentist", "DryCleaningOrLaundry", "EmergencyService", "EmploymentAgency",
        "FinancialService", "FoodEstablishment", "GovernmentOffice", "InternetCafe",
        "LegalService", "Library", "LodgingBusiness", "MedicalBusiness", "RadioStation",
        "RealEstateAgent", "RecyclingCenter", "SelfStorage", "ShoppingCenter",
        "SportsActivityLocation", "TelevisionStation", "TouristInformationCenter",
        "TravelAgency", "AutoBodyShop", "AutoDealer", "AutoPartsStore", "AutoRental",
        "AutoRepair", "AutoWash", "GasStation", "MotorcycleDealer", "MotorcycleRepair",
        "FireStation", "Hospital", "PoliceStation", "AmusementPark", "ArtGallery", "Casino",
        "ComedyClub", "MovieTheater", "NightClub", "AccountingService", "AutomatedTeller",
        "BankOrCreditUnion", "InsuranceAgency", "Bakery", "BarOrPub", "Brewery",
        "CafeOrCoffeeShop", "Distillery", "FastFoodRestaurant", "IceCreamShop",
        "Restaurant", "Winery", "PostOffice", "BeautySalon", "DaySpa", "HairSalon",
        "HealthClub", "NailSalon", "TattooParlor", "Electrician", "GeneralContractor",
        "HVACBusiness", "HousePainter", "Locksmith", "MovingCompany", "Plumber",
        "RoofingContractor", "Attorney", "Notary", "BedAndBreakfast", "Campground",
        "Hostel", "Hotel", "Motel", "Resort", "VacationRental", "DiagnosticLab",
        "MedicalClinic", "Optician", "Pharmacy", "Physician", "VeterinaryCare",
        "BowlingAlley", "ExerciseGym", "GolfCourse", "PublicSwimmingPool", "SkiResort",
        "SportsClub", "StadiumOrArena", "TennisComplex", "Florist", "PawnShop", "TireShop",
    }
)  # fmt: skip
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
        name in _BUSINESS_TYPES or name.endswith(_BUSINESS_TYPE_SUFFIXES)
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
        if not name or not title or (default_title is None and not _OWNER_TITLE.search(title)):
            return None
        # Structured data is often typed in one case throughout ("TOM BAKER").
        if name.isupper() or name.islower():
            name = name.title()
        clean_name = _person_name(_LEADING_HONORIFIC.sub("", name).split(), keep="all")
        return Finding(clean_name, "owner", method, url, title) if clean_name else None


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


_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
# "Maria", "McDonald", "DeAngelo", "Mary-Jane", "O'Neil", or an initial "J."
_NAME_WORD = (
    rf"(?:[{_UPPER}]'[{_UPPER}][{_LOWER}]+"
    rf"|[{_UPPER}][{_LOWER}]+(?:[{_UPPER}][{_LOWER}]+)?(?:-[{_UPPER}][{_LOWER}]+)?"
    rf"|[{_UPPER}]\.)"
)
# Up to five words: leading words such as "Meet" are trimmed off before the 2-4 word check.
_NAME = rf"{_NAME_WORD}(?: {_NAME_WORD}){{1,4}}"
_HONORIFIC = r"(?:(?:Dr|Mr|Mrs|Ms|Miss|Mx)\.? )?"
_LEADING_HONORIFIC = re.compile(rf"^{_HONORIFIC}")
# Letters after a name: "Ana Ruiz, DDS", "Tom Baker Jr."
_CREDENTIAL = r"(?:,? (?:[A-Z]{2,5}|Jr\.|Sr\.|III?))?"
_TITLE = (
    r"(?i:(?<!vice )(?<!vice-)(?:co-?owner|owner(?: ?/ ?operator)?|co-?founder|founder|proprietor"
    r"|ceo|chief executive officer|president|principal|managing director|managing partner"
    r"|general manager))"
)
_TITLES = rf"{_TITLE}(?: ?(?:&|(?i:and)|/|,) ?{_TITLE})*"
_OWNER_TITLE = re.compile(rf"\b{_TITLE}\b")

# (pattern name, regex with groups name [and title], fixed title, where the name sits)
# "start" / "end": which end of the matched name is anchored by the context; words on the
# other end may be sentence words and are trimmed.
_OWNER_PATTERNS: tuple[tuple[str, re.Pattern[str], str | None, Literal["start", "end"]], ...] = (
    (
        "founded_by",
        re.compile(
            rf"\b(?i:founded|established|started|opened)\b[^.!?]{{0,40}}?\b(?i:by) "
            rf"(?:(?i:our|the|its) (?i:owner|founder)s?,? )?{_HONORIFIC}(?P<name>{_NAME})"
        ),
        "Founder",
        "start",
    ),
    (
        "owned_by",
        re.compile(
            rf"\b(?i:owned|operated|run)(?: (?i:and|&) (?i:operated|owned|run))? (?i:by) "
            rf"{_HONORIFIC}(?P<name>{_NAME})"
        ),
        "Owner",
        "start",
    ),
    (
        "title_label",
        re.compile(
            rf"(?<![\w-])(?P<title>{_TITLES}) ?[:\u2013\u2014|-] ?{_HONORIFIC}(?P<name>{_NAME})"
        ),
        None,
        "start",
    ),
    (
        "title_name",
        re.compile(
            rf"\b(?i:our|the|meet|with) (?P<title>{_TITLES}),? {_HONORIFIC}(?P<name>{_NAME})"
        ),
        None,
        "start",
    ),
    (
        "name_title",
        re.compile(
            rf"(?P<name>{_NAME}){_CREDENTIAL} ?[,\u2013\u2014|(-] ?"
            rf"(?:(?i:our|the|and|is) )?(?P<title>{_TITLES})\b"
        ),
        None,
        "end",
    ),
    (
        "is_title",
        re.compile(
            rf"(?P<name>{_NAME}) (?i:is|was|has been) (?i:the|our) "
            rf"(?:(?i:proud|current|original) )?(?P<title>{_TITLES})\b"
        ),
        None,
        "end",
    ),
)
# A block that is only a name ("Tom Baker", "Dr. Ana Ruiz, DDS") or only a title ("Owner:").
_NAME_LINE = re.compile(rf"{_HONORIFIC}(?P<name>{_NAME}){_CREDENTIAL}")
_TITLE_LINE = re.compile(rf"(?P<title>{_TITLES}) ?:?")
_TITLE_LINE_START = re.compile(rf"{_TITLES}\b")
_MAX_TITLE_LINE_CHARS = 80

# Capitalised words that are not parts of a person's name.
_NOT_NAME_WORDS = frozenset(
    {
        "our", "team", "contact", "us", "about", "today", "meet", "the", "call", "home",
        "welcome", "free", "estimate", "estimates", "read", "more", "learn", "click",
        "here", "privacy", "policy", "terms", "get", "in", "touch", "why", "choose",
        "family", "owned", "operated", "licensed", "insured", "bonded", "service",
        "services", "hours", "open", "now", "book", "schedule", "request", "quote", "view",
        "see", "all", "my", "your", "we", "and", "of", "for", "with", "by", "at", "on", "a",
        "an", "to", "from", "new", "best", "top", "local", "serving", "since", "customer",
        "customers", "reviews", "review", "testimonials", "gallery", "blog", "news", "faq",
        "careers", "jobs", "menu", "shop", "cart", "login", "sign", "up", "follow", "like",
        "share", "email", "phone", "fax", "address", "directions", "map", "monday",
        "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "owner",
        "owners", "founder", "founders", "ceo", "president", "manager", "director",
        "partner", "principal", "master", "senior", "certified", "emergency", "residential",
        "commercial", "north", "south", "east", "west", "street", "avenue", "road", "suite",
        "copyright", "rights", "reserved", "story", "mission", "values", "quality",
        "satisfaction", "guaranteed", "trusted", "professional",
    }
)  # fmt: skip
_BUSINESS_WORDS = frozenset(
    {
        "plumbing", "plumber", "plumbers", "electric", "electrical", "electrician",
        "electricians", "heating", "cooling", "air", "hvac", "roofing", "roofers",
        "roof", "construction", "contractors", "contracting", "contractor", "builders",
        "remodeling", "landscaping", "lawn", "pest", "control", "cleaning", "cleaners",
        "painting", "painters", "dental", "dentistry", "clinic", "medical", "health",
        "law", "legal", "firm", "attorneys", "attorney", "associates", "group",
        "company", "co", "corp", "corporation", "inc", "llc", "ltd", "lp", "llp",
        "pllc", "pc", "solutions", "systems", "enterprises", "industries", "holdings",
        "partners", "agency", "studio", "salon", "spa", "store", "restaurant", "cafe",
        "kitchen", "bakery", "auto", "repair", "motors", "garage", "realty",
        "properties", "insurance", "financial", "consulting", "marketing", "media",
        "design", "pros", "experts", "specialists", "center", "centre", "works",
        "supply", "lock", "key", "locksmith", "brothers", "bros", "sons", "doors",
        "windows",
    }
)  # fmt: skip


def _is_name_word(word: str) -> bool:
    plain = word.rstrip(".").lower()
    return plain not in _NOT_NAME_WORDS and plain not in _BUSINESS_WORDS


def _person_name(words: Sequence[str], *, keep: Literal["start", "end", "all"]) -> str | None:
    """A 2-4 word person name, or ``None``.

    ``keep="start"`` keeps the leading run of name words ("Maria Lopez" of "Maria Lopez
    Today"), ``"end"`` the trailing run ("Jane Doe" of "Meet Jane Doe"), ``"all"`` accepts
    only if every word is a name word.
    """
    words = list(words)
    if keep == "end":
        words.reverse()
    run: list[str] = []
    for word in words:
        if not _is_name_word(word):
            if keep == "all":
                return None
            if run:
                break
            continue
        run.append(word)
    if keep == "end":
        run.reverse()
    while run and run[-1].endswith(".") and len(run[-1]) == 2:  # a trailing initial
        run.pop()
    full_words = [word for word in run if not (len(word) == 2 and word.endswith("."))]
    if not 2 <= len(run) <= 4 or len(full_words) < 2:
        return None
    return " ".join(run)


def _tidy_title(title: str) -> str:
    tidy = " ".join(title.split()).strip(" :,-\u2013\u2014|")
    return tidy[:1].upper() + tidy[1:]


def _text_owners(lines: Sequence[str], url: str) -> Iterator[Finding]:
    for line in lines:
        for pattern_name, pattern, fixed_title, anchored in _OWNER_PATTERNS:
            for match in pattern.finditer(line):
                name = _person_name(match["name"].split(), keep=anchored)
                if name:
                    title = fixed_title or _tidy_title(match["title"])
                    yield Finding(name, "owner", f"pattern:{pattern_name}", url, title)
    yield from _heading_owners(lines, url)


def _heading_owners(lines: Sequence[str], url: str) -> Iterator[Finding]:
    """A name block next to a title block: ``<h3>Tom Baker</h3><p>Owner & Master Plumber</p>``."""
    for first, second in itertools.pairwise(lines):
        name_match = _NAME_LINE.fullmatch(first)
        if (
            name_match
            and len(second) <= _MAX_TITLE_LINE_CHARS
            and _TITLE_LINE_START.match(second)
            and (name := _person_name(name_match["name"].split(), keep="all"))
        ):
            yield Finding(name, "owner", "pattern:heading", url, _tidy_title(second))
            continue
        title_match = _TITLE_LINE.fullmatch(first)
        name_match = _NAME_LINE.fullmatch(second)
        if (
            title_match
            and name_match
            and (name := _person_name(name_match["name"].split(), keep="all"))
        ):
            yield Finding(name, "owner", "pattern:heading", url, _tidy_title(title_match["title"]))


def _same_person(first: str, second: str) -> bool:
    # "Tom Baker" and "Tom A. Baker" or "Tom Baker Jr" are one person; "Tom" and "Jane
    # Baker" are not.
    return fuzz.token_set_ratio(first, second, processor=fuzz_utils.default_process) >= 90


def _merge_owners(owners: Sequence[Finding]) -> tuple[Finding, ...]:
    kept: list[Finding] = []
    for finding in owners:
        if not any(_same_person(finding.value, other.value) for other in kept):
            kept.append(finding)
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
    rf"|reservas?|prenotazion[ei]|termin(?:{_S}buchen|e)?|encomendas|bestellen|commandes",
    # legal notice: Impressum (DE, AT, CH), mentions légales, aviso legal, note legali, ...
    rf"impressum|imprint|legal{_S}(?:notice|info(?:rmation)?)|site{_S}notice|offenlegung"
    rf"|anbieterkennzeichnung|mentions(?:{_S}l[eé]gales)?|informations{_S}l[eé]gales"
    rf"|aviso{_S}legal|nota{_S}legal|note{_S}legali|informazioni{_S}legali|colofon|colophon"
    rf"|informa[cç][aã]o{_S}legal|ficha{_S}t[eé]cnica|company{_S}information",
    # about: the business, its story, its owner
    rf"about(?:{_S}us|{_S}me)?|our{_S}story|(?:our{_S})?history|who{_S}we{_S}are|company"
    rf"|(?:wir{_S})?[uü](?:e)?ber{_S}(?:uns|mich)|unternehmen|geschichte|philosophie"
    rf"|unsere{_S}(?:geschichte|kanzlei|praxis)|kanzlei|praxis"
    rf"|[aà]{_S}propos|qui{_S}sommes{_S}nous|notre{_S}histoire|histoire|la{_S}maison"
    rf"|(?:l{_S}|notre{_S})?entreprise|le{_S}cabinet|cabinet"
    rf"|sobre{_S}(?:nosotros|m[ií]|n[oó]s)|nosotros|qui[eé]nes{_S}somos|(?:nuestra{_S})?historia"
    rf"|(?:la{_S})?empresa|chi{_S}s(?:iamo|ono)|(?:la{_S}nostra{_S})?storia|azienda|lo{_S}studio"
    rf"|over{_S}(?:ons|mij)|ons{_S}verhaal|geschiedenis|het{_S}bedrijf|quem{_S}somos|sobre",
    # team: the people
    rf"(?:(?:our|the|meet{_S}the|meet{_S}our){_S})?(?:team|staff|people|doctors|dentists"
    rf"|attorneys|lawyers|founders?|owners?)|leadership|meet{_S}[a-z]+"
    rf"|(?:unser|das){_S}team|mitarbeiter|(?:notre{_S}|l{_S})?[eé]quipe|(?:nuestro{_S}|el{_S})?equipo"
    rf"|(?:il{_S})?team|la{_S}squadra|(?:ons|het){_S}team|medewerkers|(?:a{_S}nossa{_S})?equipa",
)
_TOPIC_BY_SEGMENT = tuple(re.compile(words, re.IGNORECASE) for words in _TOPIC_WORDS)
# Link text must start with the topic: "About Acme" is an about page, "Read about pipes" not.
_TOPIC_BY_TEXT = tuple(re.compile(rf"(?:{words})\b", re.IGNORECASE) for words in _TOPIC_WORDS)
_MAX_LINK_TEXT_CHARS = 40
# Links that lead to an app, not to a page about the business ("Staff login").
_APP_LINK = re.compile(
    r"log[\s_-]?in|sign[\s_-]?(?:in|up)|register|account|portal|admin|cart|checkout|wp-json"
    r"|feed\b|privacy|datenschutz|confidentialit|privacidad|cookie",
    re.IGNORECASE,
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
        topic = _link_topic(path, anchor.text)
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
    return re.sub(r"[^a-z0-9]", "", text.lower())


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
