"""HTML for the fictional businesses' websites.

Each site's ``SiteProfile`` picks how contact data and the owner appear, so a scraper
meets mailto links, obfuscated and Cloudflare-encoded emails, phones in several
formats, JSON-LD (plain, in @graph, with a founder), microdata, and owners named in
ways rules catch and ways only an LLM would.
"""

from __future__ import annotations

import hashlib
import json
import random
from enum import StrEnum
from html import escape

from leadgen_sandbox.dataset import (
    Business,
    EmailStyle,
    JsonLdStyle,
    LinkStyle,
    OwnerStyle,
    PhoneStyle,
    SiteProfile,
)
from leadgen_sandbox.local_site_pages import render_local_page
from leadgen_sandbox.world_data import FIRST_NAMES, LAST_NAMES

STAFF_ROLES = ("Office Manager", "Lead Technician", "Apprentice", "Customer Care", "Estimator")
SOCIAL_LABELS = {
    "facebook": "Facebook",
    "instagram": "Instagram",
    "linkedin": "LinkedIn",
    "x": "X (Twitter)",
    "youtube": "YouTube",
    "tiktok": "TikTok",
}
WEEKDAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


class SitePageKind(StrEnum):
    HOME = "home"
    CONTACT = "contact"
    ABOUT = "about"
    PRIVATE = "private"


def owner_private_email(business: Business) -> str:
    """The owner's own address, published only on the robots-disallowed private page."""
    return f"{business.owner_first_name}.{business.owner_last_name}@{business.domain}".lower()


def render_site_page(business: Business, kind: SitePageKind, web_url: str) -> str:
    site = business.site
    assert site is not None, "only businesses with a normal website have pages"
    page = _SitePage(business, site, kind, web_url)
    if business.country != "US":  # a site abroad, in its own language
        targets = ["", *(p.path for p in (site.contact_page, site.about_page) if p)]
        href = {target: page.href(target) for target in targets}
        return render_local_page(business, kind.value, web_url, href)
    return page.render()


def _phone_parts(e164: str) -> tuple[str, str, str]:
    digits = e164.removeprefix("+1")
    return digits[:3], digits[3:6], digits[6:]


def render_phone(e164: str, style: PhoneStyle) -> str:
    area, exchange, line = _phone_parts(e164)
    match style:
        case PhoneStyle.TEL_LINK:
            return f'<a href="tel:{e164}">({area}) {exchange}-{line}</a>'
        case PhoneStyle.PARENS:
            return f"({area}) {exchange}-{line}"
        case PhoneStyle.DOTS:
            return f"{area}.{exchange}.{line}"
        case PhoneStyle.DASHES:
            return f"{area}-{exchange}-{line}"
        case PhoneStyle.INTERNATIONAL:
            return f"+1 {area} {exchange} {line}"
        case PhoneStyle.NONE:
            return ""


def cloudflare_encode(email: str) -> str:
    """Cloudflare's email obfuscation: a key byte, then every byte XORed with it, in hex."""
    key = hashlib.sha256(email.encode()).digest()[0] | 0x10
    return f"{key:02x}" + "".join(f"{byte ^ key:02x}" for byte in email.encode())


def render_email(email: str, style: EmailStyle) -> str:
    local, _, domain = email.partition("@")
    host, _, tld = domain.rpartition(".")
    match style:
        case EmailStyle.MAILTO:
            return f'<a href="mailto:{email}">{email}</a>'
        case EmailStyle.PLAIN:
            return f"Email us at {email}"
        case EmailStyle.BRACKET_AT:
            return f"{local} [at] {host} [dot] {tld}"
        case EmailStyle.PAREN_AT:
            return f"{local}(at){domain}"
        case EmailStyle.HTML_ENTITIES:
            return "".join(f"&#{ord(char)};" for char in email)
        case EmailStyle.CLOUDFLARE:
            encoded = cloudflare_encode(email)
            return (
                f'<a href="/cdn-cgi/l/email-protection#{encoded}" class="__cf_email__" '
                f'data-cfemail="{encoded}">[email&#160;protected]</a>'
            )
        case EmailStyle.NONE:
            return ""


def _hour(hour: int) -> str:
    return f"{(hour - 1) % 12 + 1}{'am' if hour < 12 else 'pm'}"


def _hours_lines(business: Business) -> list[str]:
    hours = business.opening_hours
    if hours.always_open:
        return ["Open 24 hours, 7 days a week"]
    lines = []
    for day in (1, 2, 3, 4, 5, 6, 0):
        window = hours.daily[day]
        lines.append(
            f"{WEEKDAY_NAMES[day]}: {_hour(window[0])}&ndash;{_hour(window[1])}"
            if window
            else f"{WEEKDAY_NAMES[day]}: closed"
        )
    return lines


class _SitePage:
    def __init__(
        self, business: Business, site: SiteProfile, kind: SitePageKind, web_url: str
    ) -> None:
        self.business, self.site, self.kind, self.web_url = business, site, kind, web_url
        # Page text that is not ground truth (staff names, prose variant) comes from here.
        self.random = random.Random(hashlib.sha256(site.slug.encode()).digest())

    def href(self, target: str) -> str:
        """A link to ``target`` (relative to the site root) as this page would write it."""
        if self.kind is SitePageKind.HOME:
            return target or "./"
        match self.site.link_style:
            case LinkStyle.RELATIVE:
                return f"../{target}"
            case LinkStyle.ROOT:
                return f"{self.site.path}{target}"
            case LinkStyle.ABSOLUTE:
                return f"{self.web_url}{self.site.path}{target}"

    def render(self) -> str:
        business = self.business
        titles = {
            SitePageKind.HOME: f"{business.name} | {business.trade.name_noun} in {business.city}",
            SitePageKind.CONTACT: f"{self._contact_text()} | {business.name}",
            SitePageKind.ABOUT: f"{self._about_text()} | {business.name}",
            SitePageKind.PRIVATE: f"Staff directory | {business.name}",
        }
        main = {
            SitePageKind.HOME: self._home,
            SitePageKind.CONTACT: self._contact,
            SitePageKind.ABOUT: self._about,
            SitePageKind.PRIVATE: self._private,
        }[self.kind]()
        json_ld = self._json_ld() if self.kind is SitePageKind.HOME else ""
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(titles[self.kind])}</title>
<meta name="description" content="{escape(business.name)}: {escape(business.trade.keyword)} \
serving {escape(business.city)} since {business.founded_year}.">
{json_ld}</head>
<body>
{self._header()}
<main>
{main}
</main>
{self._footer()}
</body>
</html>
"""

    def _contact_text(self) -> str:
        return self.site.contact_page.link_text if self.site.contact_page else "Contact"

    def _about_text(self) -> str:
        return self.site.about_page.link_text if self.site.about_page else "About"

    def _header(self) -> str:
        links = [f'<a href="{self.href("")}">Home</a>']
        if self.site.about_page:
            about = self.site.about_page
            links.append(f'<a href="{self.href(about.path)}">{escape(about.link_text)}</a>')
        if self.site.contact_page:
            contact = self.site.contact_page
            links.append(f'<a href="{self.href(contact.path)}">{escape(contact.link_text)}</a>')
        socials = self._socials() if self.site.socials_in_header else ""
        return (
            f'<header>\n<a class="brand" href="{self.href("")}">{escape(self.business.name)}</a>\n'
            f"<nav>{' | '.join(links)}</nav>\n{socials}</header>"
        )

    def _socials(self) -> str:
        if not self.business.social_profiles:
            return ""
        items = "".join(
            f'<li><a href="{profile.url}" rel="noopener" target="_blank">'
            f"{SOCIAL_LABELS[profile.platform]}</a></li>"
            for profile in self.business.social_profiles
        )
        return f'<ul class="social">{items}</ul>\n'

    def _address(self) -> str:
        business = self.business
        if not self.site.microdata:
            region = f"{business.state} {business.postal_code}".strip()
            return (
                f"<address>{escape(business.street_address)}, {escape(business.city)}, "
                f"{region}</address>"
            )
        phone = ""
        if self.site.phone_style is not PhoneStyle.NONE:
            area, exchange, line = _phone_parts(business.phone_e164)
            phone = f'\n<span itemprop="telephone">({area}) {exchange}-{line}</span>'
        email = ""
        if self.site.email_style in (EmailStyle.MAILTO, EmailStyle.PLAIN):
            email = f'\n<span itemprop="email">{business.email}</span>'
        return f"""<div itemscope itemtype="https://schema.org/{business.trade.schema_org_type}">
<span itemprop="name">{escape(business.name)}</span>
<div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
<span itemprop="streetAddress">{escape(business.street_address)}</span>,
<span itemprop="addressLocality">{escape(business.city)}</span>,
<span itemprop="addressRegion">{business.state}</span>
<span itemprop="postalCode">{business.postal_code}</span>
</div>{phone}{email}
</div>"""

    def _footer(self) -> str:
        site, business = self.site, self.business
        parts = [self._address()]
        phone = render_phone(business.phone_e164, site.phone_style)
        if phone:
            parts.append(f'<p class="phone">Call {phone}</p>')
        email_here = site.email_in_footer or (
            site.contact_page is None and self.kind is not SitePageKind.CONTACT
        )
        email = render_email(business.email, site.email_style)
        if email and email_here:
            parts.append(f'<p class="email">{email}</p>')
        if not site.socials_in_header:
            parts.append(self._socials())
        if site.links_private_page:
            parts.append(f'<p><a href="{self.href("private/")}">Staff login</a></p>')
        parts.append(f"<p>&copy; {business.founded_year}&ndash;2025 {escape(business.name)}.</p>")
        return "<footer>\n" + "\n".join(part for part in parts if part) + "\n</footer>"

    def _home(self) -> str:
        business, site = self.business, self.site
        services = "".join(f"<li>{escape(service)}</li>" for service in business.services)
        reviews = "".join(
            f"<blockquote>“{escape(review.text)}” — {escape(review.author)}</blockquote>"
            for review in business.reviews
            if review.rating >= 4
        )
        state = f", {business.state}" if business.state else ""
        sections = [
            f"<h1>{escape(business.name)}</h1>",
            f'<p class="tagline">{escape(business.trade.name_noun)} you can trust in '
            f"{escape(business.city)}{state} since {business.founded_year}.</p>",
            f"<h2>Our services</h2>\n<ul>{services}</ul>",
        ]
        if reviews:
            sections.append(f"<h2>What our customers say</h2>\n{reviews}")
        if site.about_page is None:
            sections.append(self._owner_statement())
        if site.contact_page:
            contact = site.contact_page
            sections.append(
                f'<p>Need help? <a href="{self.href(contact.path)}">'
                f"{escape(contact.link_text)}</a> for a free estimate.</p>"
            )
        return "\n".join(section for section in sections if section)

    def _contact(self) -> str:
        business, site = self.business, self.site
        phone = render_phone(business.phone_e164, site.phone_style)
        email = render_email(business.email, site.email_style)
        hours = "".join(f"<li>{line}</li>" for line in _hours_lines(business))
        sections = [f"<h1>{escape(self._contact_text())}</h1>"]
        if phone:
            sections.append(f"<p>Phone: {phone}</p>")
        if email:
            sections.append(f"<p>{email}</p>")
        sections += [
            f"<h2>Visit us</h2>\n{self._address()}",
            f"<h2>Hours</h2>\n<ul>{hours}</ul>",
            """<form action="#" method="post">
<label>Name <input name="name"></label>
<label>Message <textarea name="message"></textarea></label>
<button type="submit">Send</button>
</form>""",
        ]
        return "\n".join(sections)

    def _about(self) -> str:
        business = self.business
        return "\n".join(
            (
                f"<h1>{escape(self._about_text())}</h1>",
                f"<p>{escape(business.name)} is a locally owned {escape(business.trade.keyword)} "
                f"business serving {escape(business.city)} and the surrounding area since "
                f"{business.founded_year}. We specialise in "
                f"{escape(', '.join(s.lower() for s in business.services[:3]))}.</p>",
                self._owner_statement(),
                self._staff_cards(),
            )
        )

    def _owner_statement(self) -> str:
        business, site = self.business, self.site
        name = escape(business.owner_name)
        first = escape(business.owner_first_name)
        title = escape(business.owner_title)
        year = business.founded_year
        match site.owner_style:
            case OwnerStyle.FOUNDED_BY:
                return (
                    f"<p>Founded in {year} by {name}, {escape(business.name)} has grown from one "
                    f"truck to a team the whole neighbourhood knows.</p>"
                )
            case OwnerStyle.OWNER_LABEL:
                return f"<p><strong>Owner:</strong> {name}</p>"
            case OwnerStyle.MEET:
                role = "founder" if business.owner_title == "Founder" else title.lower()
                return f"<p>Meet {name}, our {role}. {first} started the business in {year}.</p>"
            case OwnerStyle.TEAM_CARD:
                return (
                    f'<div class="team-member"><h3>{name}</h3>'
                    f"<p>{title} &amp; {escape(business.trade.craft_title)}</p></div>"
                )
            case OwnerStyle.SIGNATURE:
                return (
                    "<blockquote>We treat every customer like family.</blockquote>"
                    f'<p class="signature">— {name}, {title}</p>'
                )
            case OwnerStyle.PROSE_ONLY:
                activity = escape(business.trade.craft_activity)
                city = escape(business.city)
                if self.random.random() < 0.5:
                    return (
                        f"<p>{first} has been {activity} in {city} since {year} and still "
                        f"answers the phone personally. Ask for {name} when you call.</p>"
                    )
                return (
                    f"<p>Back in {year} a neighbour's emergency turned into a calling. "
                    f"Customers who have known us since then still say it was {name} who "
                    f"showed up that night, and {first} has been {activity} in {city} ever "
                    f"since.</p>"
                )
            case OwnerStyle.NONE:
                return (
                    "<p>We are a small, family-run team. Every job is done by people who live "
                    "here, and we stand behind our work.</p>"
                )

    def _staff_cards(self) -> str:
        """Other staff, so an extractor must tell the owner from the team."""
        cards = []
        for role in self.random.sample(STAFF_ROLES, self.random.randint(0, 2)):
            person = f"{self.random.choice(FIRST_NAMES)} {self.random.choice(LAST_NAMES)}"
            if person != self.business.owner_name:
                cards.append(f'<div class="team-member"><h3>{person}</h3><p>{role}</p></div>')
        return "\n".join(cards)

    def _private(self) -> str:
        business = self.business
        area, exchange, line = _phone_parts(business.phone_e164)
        return (
            "<h1>Staff directory (internal)</h1>\n"
            f"<p>{escape(business.owner_name)}, {escape(business.owner_title)}: "
            f"{owner_private_email(business)}, mobile +1 {area} {exchange} {line}</p>"
        )

    def _json_ld(self) -> str:
        site, business = self.site, self.business
        if site.json_ld is JsonLdStyle.NONE:
            return ""
        url = f"{self.web_url}{site.path}"
        node: dict[str, object] = {
            "@type": business.trade.schema_org_type,
            "name": business.name,
            "url": url,
            "telephone": business.phone_e164,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": business.street_address,
                "addressLocality": business.city,
                "addressRegion": business.state,
                "postalCode": business.postal_code,
                "addressCountry": "US",
            },
        }
        if site.email_style in (EmailStyle.MAILTO, EmailStyle.PLAIN):
            node["email"] = business.email
        if business.social_profiles:
            node["sameAs"] = [profile.url for profile in business.social_profiles]
        if site.json_ld_has_founder:
            node["founder"] = {
                "@type": "Person",
                "name": business.owner_name,
                "jobTitle": business.owner_title,
            }
        if site.json_ld in (JsonLdStyle.GRAPH, JsonLdStyle.GRAPH_WITH_FOUNDER):
            document: dict[str, object] = {
                "@context": "https://schema.org",
                "@graph": [
                    {
                        "@type": "WebSite",
                        "@id": f"{url}#website",
                        "url": url,
                        "name": business.name,
                    },
                    {"@id": f"{url}#business", **node},
                ],
            }
        else:
            document = {"@context": "https://schema.org", **node}
        return f'<script type="application/ld+json">\n{json.dumps(document, indent=2)}\n</script>\n'
