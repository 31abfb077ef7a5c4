import hashlib
import json
import time

import pytest

from leadgen_pipeline.domain.web_extraction import (
    MAX_SCANNED_TEXT_CHARS,
    Finding,
    PageExtraction,
    canonical_social_profile,
    combine,
    extract_page,
    reads_as_prose,
    trimmed_text,
)

HOME = "https://www.acmeplumbing.com/"


def page(body: str, url: str = HOME, **kwargs) -> PageExtraction:
    return extract_page(f"<!doctype html><html><body>{body}</body></html>", url, **kwargs)


def values(findings) -> list[str]:
    return [finding.value for finding in findings]


def provenance(findings) -> list[tuple[str, str]]:
    return [(finding.value, finding.method) for finding in findings]


def cloudflare_encode(address: str, key: int = 0x42) -> str:
    return f"{key:02x}" + "".join(f"{byte ^ key:02x}" for byte in address.encode())


def json_ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


# ------------------------------------------------------------------------------ emails


def test_mailto_strips_the_query_and_url_decodes():
    extraction = page(
        '<a href="MAILTO:Office%40AcmePlumbing.com?subject=Quote%20request&body=Hi">Email us</a>'
    )
    assert extraction.emails == (Finding("office@acmeplumbing.com", "email", "mailto", HOME),)


def test_mailto_with_several_recipients():
    extraction = page('<a href="mailto:info@acme.com,%20sales@acme.com?cc=boss@acme.com">x</a>')
    assert provenance(extraction.emails) == [
        ("info@acme.com", "mailto"),
        ("sales@acme.com", "mailto"),
    ]


def test_plain_text_email_without_trailing_punctuation():
    extraction = page("<p>Questions? Write to info@acmeplumbing.com.</p>")
    assert provenance(extraction.emails) == [("info@acmeplumbing.com", "text")]


def test_email_in_a_mailto_and_in_its_text_is_reported_once_as_mailto():
    extraction = page('<a href="mailto:info@acme.com">info@acme.com</a><p>info@acme.com</p>')
    assert provenance(extraction.emails) == [("info@acme.com", "mailto")]


@pytest.mark.parametrize(
    "body",
    [
        "<p>Email: info [at] acmeplumbing [dot] com</p>",
        "<p>Email: info(at)acmeplumbing.com</p>",
        "<p>Email: info {at} acmeplumbing {dot} com</p>",
        "<p>Email: info [@] acmeplumbing [.] com</p>",
        "<p>Email: info at acmeplumbing dot com</p>",
        "<p>Email: INFO AT ACMEPLUMBING DOT COM</p>",
    ],
)
def test_obfuscated_emails(body):
    assert provenance(page(body).emails) == [("info@acmeplumbing.com", "obfuscated")]


def test_obfuscated_email_keeps_the_snippet_it_was_read_from():
    (finding,) = page("<p>Write to info [at] acme [dot] co [dot] uk today</p>").emails
    assert finding.value == "info@acme.co.uk"
    assert finding.detail == "info [at] acme [dot] co [dot] uk"


@pytest.mark.parametrize(
    "body",
    [
        "<p>Find us at acmeplumbing.com</p>",
        "<p>Visit us at acmeplumbing dot com</p>",
        "<p>We are at home in Austin</p>",
    ],
)
def test_prose_with_at_is_not_an_email(body):
    assert page(body).emails == ()


def test_html_entity_encoded_emails_in_text_and_mailto():
    text = page("<p>&#105;&#110;&#102;&#111;&#64;acme&#46;com</p>")
    link = page('<a href="&#109;&#97;&#105;&#108;&#116;&#111;&#58;sales&#64;acme.com">x</a>')
    assert provenance(text.emails) == [("info@acme.com", "text")]
    assert provenance(link.emails) == [("sales@acme.com", "mailto")]


def test_cloudflare_data_cfemail_is_decoded_into_findings_and_text():
    encoded = cloudflare_encode("info@acmeplumbing.com")
    extraction = page(
        '<p>Email: <a href="/cdn-cgi/l/email-protection" class="__cf_email__" '
        f'data-cfemail="{encoded}">[email&#160;protected]</a></p>'
    )
    assert provenance(extraction.emails) == [("info@acmeplumbing.com", "cfemail")]
    assert extraction.text == "Email: info@acmeplumbing.com"


def test_cloudflare_email_protection_href():
    encoded = cloudflare_encode("owner@acmeplumbing.com", key=0x17)
    extraction = page(f'<a href="/cdn-cgi/l/email-protection#{encoded}">Email the owner</a>')
    assert provenance(extraction.emails) == [("owner@acmeplumbing.com", "cfemail")]


def test_junk_addresses_are_dropped():
    extraction = page(
        '<img src="logo@2x.png" alt=""><p>logo@2x.png banner@3x.jpg you@example.com '
        "your@email.com name@domain.com noreply@acmeplumbing.com</p>"
        "<p>8f14e45fceea167a5a36dedd4bea2543@o450.ingest.sentry.io "
        "605a7baede844d278b89dc95ae0a9123@sentry-next.wixpress.com</p>"
        '<a href="mailto:info@acme..com">bad</a><p>real@acmeplumbing.com</p>'
    )
    assert values(extraction.emails) == ["real@acmeplumbing.com"]


def test_invisible_characters_inside_an_address_are_ignored():
    extraction = page("<p>info\u200b@acme\u00ad.com</p>")
    assert values(extraction.emails) == ["info@acme.com"]


# ------------------------------------------------------------------------------ phones


def test_tel_links_in_any_format():
    extraction = page(
        '<a href="tel:+1-512-867-5309">Call</a><a href="tel:(512)%20867-5308">Call</a>'
        '<a href="callto:5128675307">Call</a><a href="tel:911">Emergency</a>'
    )
    assert provenance(extraction.phones) == [
        ("+15128675309", "tel"),
        ("+15128675308", "tel"),
        ("+15128675307", "tel"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call (512) 867-5309 today", "+15128675309"),
        ("Phone: 512.867.5309", "+15128675309"),
        ("Phone number: 512-867-5309", "+15128675309"),
        ("Call +1 512 867 5309", "+15128675309"),
        ("Toll free 1-800-356-9377", "+18003569377"),
        ("London office +44 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_numbers_in_text(text, expected):
    extraction = page(f"<p>{text}</p>")
    assert provenance(extraction.phones) == [(expected, "text")]


def test_a_phone_carries_its_line_type():
    landline, mobile, free = page(
        "<p>Büro 030 1234567 · Mobil 0171 2345678 · kostenlos 0800 1234567</p>",
        default_region="DE",
    ).phones
    assert (landline.detail, mobile.detail, free.detail) == ("landline", "mobile", "toll_free")


def test_default_region_reads_national_numbers():
    extraction = page("<p>Ring us on 020 7946 0958</p>", default_region="GB")
    assert values(extraction.phones) == ["+442079460958"]


@pytest.mark.parametrize(
    "text",
    [
        "Posted 12/25/2023 at 10:30",
        "Austin, TX 78701-1234",
        "Only $1,234,567.89 this week",
        "Order #5128675309 has shipped",
        "License #5128675309",
        "TX Lic. No. 512-867-5309",
        "Fax: (512) 867-5309",
        "Tax ID 512-867-5309",
        "Item 4412345678901",
        "Call 867-5309",
    ],
)
def test_things_that_are_not_phone_numbers(text):
    assert page(f"<p>{text}</p>").phones == ()


def test_numbers_do_not_run_across_blocks():
    extraction = page("<p>Suite 512</p><p>867 5309 items sold</p>")
    assert extraction.phones == ()


# ----------------------------------------------------------------------------- socials


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.facebook.com/AcmePlumbing/?ref=page_internal",
            ("social:facebook", "https://www.facebook.com/acmeplumbing"),
        ),
        (
            "https://m.facebook.com/profile.php?id=100012345&sk=about",
            ("social:facebook", "https://www.facebook.com/profile.php?id=100012345"),
        ),
        (
            "https://www.facebook.com/pages/Acme-Plumbing/123456789",
            ("social:facebook", "https://www.facebook.com/profile.php?id=123456789"),
        ),
        (
            "https://www.facebook.com/people/Acme-Plumbing/61550123456789/",
            ("social:facebook", "https://www.facebook.com/profile.php?id=61550123456789"),
        ),
        (
            "https://www.facebook.com/pg/AcmePlumbing/reviews/",
            ("social:facebook", "https://www.facebook.com/acmeplumbing"),
        ),
        (
            "https://instagram.com/acme_plumbing/?utm_source=ig_web",
            ("social:instagram", "https://www.instagram.com/acme_plumbing"),
        ),
        (
            "https://www.linkedin.com/company/acme-plumbing/about/",
            ("social:linkedin", "https://www.linkedin.com/company/acme-plumbing"),
        ),
        (
            "https://uk.linkedin.com/in/Maria-Lopez-123",
            ("social:linkedin", "https://www.linkedin.com/in/maria-lopez-123"),
        ),
        ("https://twitter.com/AcmePlumb/status/12345", ("social:x", "https://x.com/acmeplumb")),
        ("https://x.com/acmeplumb?s=20", ("social:x", "https://x.com/acmeplumb")),
        (
            "https://www.youtube.com/@AcmePlumbing/videos",
            ("social:youtube", "https://www.youtube.com/@acmeplumbing"),
        ),
        (
            "https://youtube.com/channel/UCxYz123AbC",
            ("social:youtube", "https://www.youtube.com/channel/UCxYz123AbC"),
        ),
        (
            "https://www.youtube.com/user/AcmeCo",
            ("social:youtube", "https://www.youtube.com/user/acmeco"),
        ),
        (
            "https://www.tiktok.com/@Acme.Plumbing/video/7234",
            ("social:tiktok", "https://www.tiktok.com/@acme.plumbing"),
        ),
    ],
)
def test_canonical_social_profiles(url, expected):
    assert canonical_social_profile(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://www.facebook.com/sharer/sharer.php?u=https://acme.com",
        "https://www.facebook.com/",
        "https://www.facebook.com/facebook",
        "https://www.facebook.com/wix",
        "https://www.facebook.com/tr?id=123&ev=PageView",
        "https://twitter.com/intent/tweet?text=hi",
        "https://twitter.com/share?url=x",
        "https://x.com/",
        "https://www.instagram.com/p/CxYz123/",
        "https://www.instagram.com/",
        "https://www.linkedin.com/shareArticle?mini=true&url=x",
        "https://www.linkedin.com/sharing/share-offsite/?url=x",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com/embed/dQw4w9WgXcQ",
        "https://youtu.be/dQw4w9WgXcQ",
        "https://www.tiktok.com/discover",
        "https://www.acmeplumbing.com/facebook",
        "mailto:info@facebook.com",
    ],
)
def test_links_that_are_not_profiles(url):
    assert canonical_social_profile(url) is None


def test_every_profile_of_a_page_is_kept_with_its_holder():
    extraction = page(
        '<header><a href="https://www.facebook.com/sharer.php?u=x">Share</a>'
        '<a href="https://www.facebook.com/acmeplumbing">Facebook</a></header>'
        '<a href="https://www.linkedin.com/in/maria-lopez">Maria on LinkedIn</a>'
        '<footer><a href="https://facebook.com/AcmePlumbing?ref=footer">fb</a>'
        '<a href="https://www.linkedin.com/company/acme-plumbing">in</a>'
        '<a href="https://www.instagram.com/acmeplumbing/">ig</a></footer>'
    )
    assert [(f.value, f.detail) for f in extraction.socials] == [
        ("https://www.facebook.com/acmeplumbing", "business"),
        ("https://www.linkedin.com/in/maria-lopez", "person"),
        ("https://www.linkedin.com/company/acme-plumbing", "business"),
        ("https://www.instagram.com/acmeplumbing", "business"),
    ]


def test_json_ld_same_as_comes_before_links():
    extraction = page(
        json_ld(
            {
                "@context": "https://schema.org",
                "@type": "Plumber",
                "name": "Acme Plumbing",
                "sameAs": ["https://www.facebook.com/AcmeOfficial", "https://twitter.com/acme"],
            }
        )
        + '<a href="https://www.facebook.com/bobsdiner">Facebook</a>'
    )
    assert provenance(combine([extraction]).socials) == [
        ("https://www.facebook.com/acmeofficial", "json-ld"),
        ("https://x.com/acme", "json-ld"),
    ]


# -------------------------------------------------------------------------- schema.org


YOAST_GRAPH = {
    "@context": "https://schema.org",
    "@graph": [
        {
            "@type": "WebSite",
            "@id": "https://www.acmeplumbing.com/#website",
            "publisher": {"@id": "https://www.acmeplumbing.com/#org"},
        },
        {
            "@type": ["Organization", "Plumber"],
            "@id": "https://www.acmeplumbing.com/#org",
            "name": "Acme Plumbing",
            "telephone": "+1-512-867-5309",
            "email": "mailto:Info@AcmePlumbing.com",
            "address": {
                "@type": "PostalAddress",
                "streetAddress": "100 Congress Ave",
                "addressLocality": "Austin",
                "addressRegion": "TX",
                "postalCode": "78701",
                "addressCountry": "US",
            },
            "founder": {"@id": "https://www.acmeplumbing.com/#/schema/person/1"},
            "contactPoint": {
                "@type": "ContactPoint",
                "telephone": "(512) 867-5300",
                "email": "service@acmeplumbing.com",
            },
        },
        {
            "@type": "Person",
            "@id": "https://www.acmeplumbing.com/#/schema/person/1",
            "name": "Maria Lopez",
        },
        {"@type": "BreadcrumbList", "itemListElement": []},
    ],
}


def test_json_ld_graph():
    extraction = page(json_ld(YOAST_GRAPH))
    assert [node["name"] for node in extraction.schema_org] == ["Acme Plumbing"]
    assert provenance(extraction.emails) == [
        ("info@acmeplumbing.com", "json-ld"),
        ("service@acmeplumbing.com", "json-ld"),
    ]
    assert provenance(extraction.phones) == [
        ("+15128675309", "json-ld"),
        ("+15128675300", "json-ld"),
    ]
    assert extraction.owners == (Finding("Maria Lopez", "owner", "json-ld", HOME, "Founder"),)


def test_json_ld_list_and_subtypes():
    extraction = page(
        json_ld(
            [
                {"@context": "https://schema.org", "@type": "WebSite", "name": "Acme site"},
                {"@context": "https://schema.org", "@type": "HVACBusiness", "name": "Acme Air"},
                {"@context": "http://schema.org", "@type": "schema:Dentist", "name": "Smiles"},
                {"@context": "https://schema.org", "@type": "AutoBodyShop", "name": "Dent Fixers"},
                {"@context": "https://schema.org", "@type": "Product", "name": "Water heater"},
            ]
        )
    )
    assert [node["name"] for node in extraction.schema_org] == ["Acme Air", "Smiles", "Dent Fixers"]


def test_business_named_through_a_web_page_main_entity():
    extraction = page(
        json_ld(
            {
                "@context": "https://schema.org",
                "@type": "AboutPage",
                "mainEntity": {
                    "@type": "RoofingContractor",
                    "name": "Top Roofing",
                    "employee": [
                        {"@type": "Person", "name": "Sam Carter", "jobTitle": "Owner"},
                        {"@type": "Person", "name": "Lee Park", "jobTitle": "Roofer"},
                    ],
                },
            }
        )
    )
    assert [node["name"] for node in extraction.schema_org] == ["Top Roofing"]
    assert extraction.owners == (Finding("Sam Carter", "owner", "json-ld", HOME, "Owner"),)


def test_a_person_node_with_an_owner_title():
    extraction = page(
        json_ld(
            {
                "@context": "https://schema.org",
                "@type": "Person",
                "name": "DR. ANA RUIZ",
                "jobTitle": "Founder & Lead Dentist",
            }
        )
    )
    assert extraction.owners == (
        Finding("Ana Ruiz", "owner", "json-ld", HOME, "Founder & Lead Dentist"),
    )


def test_a_malformed_json_ld_block_does_not_hide_the_others():
    extraction = page(
        '<script type="application/ld+json">{"@type": "Plumber", "name": oops}</script>'
        + json_ld({"@context": "https://schema.org", "@type": "Plumber", "name": "Good"})
    )
    assert [node["name"] for node in extraction.schema_org] == ["Good"]


def test_microdata():
    extraction = page(
        '<div itemscope itemtype="https://schema.org/Electrician">'
        '<h1 itemprop="name">Bright Spark Electric</h1>'
        '<span itemprop="telephone">(512) 867-5301</span>'
        '<div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">'
        '<span itemprop="streetAddress">5 Elm St</span>, '
        '<span itemprop="addressLocality">Austin</span></div>'
        '<div itemprop="founder" itemscope itemtype="https://schema.org/Person">'
        '<span itemprop="name">Tom Baker</span></div></div>'
    )
    (business,) = extraction.schema_org
    assert business["@type"] == "Electrician"
    assert business["name"] == "Bright Spark Electric"
    assert provenance(extraction.phones) == [("+15128675301", "microdata")]
    assert provenance(extraction.owners) == [("Tom Baker", "microdata")]


# ------------------------------------------------------------------------------ owners


@pytest.mark.parametrize(
    ("body", "name", "method", "title"),
    [
        (
            "<p>Founded in 1998 by Maria Lopez, Acme has grown to ten trucks.</p>",
            "Maria Lopez",
            "pattern:founded_by",
            "Founder",
        ),
        ("<p>Owner: Dan Smith</p>", "Dan Smith", "pattern:title_label", "Owner"),
        (
            "<p>Owner/Operator \u2013 Rick James</p>",
            "Rick James",
            "pattern:title_dash",
            "Owner/Operator",
        ),
        ("<p>Meet Jane Doe, our founder.</p>", "Jane Doe", "pattern:name_title", "Founder"),
        ("<p>Jane Doe, Owner</p>", "Jane Doe", "pattern:name_title", "Owner"),
        ("<p>Tom Baker (Owner)</p>", "Tom Baker", "pattern:name_title", "Owner"),
        (
            "<p>Dr. Ana Ruiz, DDS, Founder &amp; CEO</p>",
            "Ana Ruiz",
            "pattern:name_title",
            "Founder & CEO",
        ),
        (
            "<p>Hi, I'm Sam Carter, the owner of Carter Roofing.</p>",
            "Sam Carter",
            "pattern:self",
            "Owner",
        ),
        (
            "<h3>Tom Baker</h3><p>Owner &amp; Master Plumber</p>",
            "Tom Baker",
            "pattern:heading",
            "Owner & Master Plumber",
        ),
        (
            '<div class="card"><div class="name">Lisa Wong</div>'
            '<div class="role">Co-Founder / CEO</div></div>',
            "Lisa Wong",
            "pattern:heading",
            "Co-Founder / CEO",
        ),
        (
            "<dt>Owner</dt><dd>Mary-Jane McDonald</dd>",
            "Mary-Jane McDonald",
            "pattern:heading",
            "Owner",
        ),
        (
            "<p>Locally owned and operated by Carlos Ruiz since 2005.</p>",
            "Carlos Ruiz",
            "pattern:runs_by",
            "Owner",
        ),
        (
            "<p>Our founder Jim O'Neil started in a garage.</p>",
            "Jim O'Neil",
            "pattern:title_name",
            "Founder",
        ),
        (
            "<p>Jane Doe is the owner of Bright Smiles Dental.</p>",
            "Jane Doe",
            "pattern:is_title",
            "Owner",
        ),
        ("<p>José Núñez, President</p>", "José Núñez", "pattern:name_title", "President"),
    ],
)
def test_owner_name_patterns(body, name, method, title):
    extraction = page(body)
    assert extraction.owners == (Finding(name, "owner", method, HOME, title),)


@pytest.mark.parametrize(
    "body",
    [
        "<h2>Contact Us Today</h2><p>Owner operated since 1980</p>",
        "<p>Owner: Austin Plumbing Co</p>",
        "<p>Austin Plumbing Co, Owner</p>",
        "<p>Read Our Story - Founder</p>",
        "<p>Call Us Today - owner approved!</p>",
        "<p>Family owned and operated since 1980.</p>",
        "<p>Vice President: Bob Smith</p>",
        "<p>Marketing Director: Ann Lee</p>",
        "<h3>Our Team</h3><p>Owner &amp; staff</p>",
        "<h3>Free Estimates</h3><p>Owners love our work</p>",
        "<p>Founded by Acme Holdings LLC</p>",
        "<h3>Ann Lee</h3><p>Office Manager</p>",
        "<p>Ann Lee, Lead Technician</p>",
    ],
)
def test_owner_false_positives(body):
    assert page(body).owners == ()


def test_same_owner_from_schema_and_text_is_reported_once():
    extraction = page(
        json_ld({"@context": "https://schema.org", "@type": "Plumber", "founder": "Maria Lopez"})
        + "<p>Founded in 1998 by Maria Lopez.</p><p>Maria A. Lopez, Owner</p>"
    )
    assert provenance(extraction.owners) == [("Maria Lopez", "json-ld")]


# ------------------------------------------------------------------------ follow links


SANDBOX_LINKS = """
<nav>
  <a href="/sites/acme/">Home</a>
  <a href="/sites/acme/services">Services</a>
  <a href="team">Meet the Team</a>
  <a href="http://127.0.0.1:9/sites/acme/about-us/">Our company</a>
  <a href="/sites/acme/contact">Contact</a>
  <a href="/sites/acme/contact#form">Get in touch</a>
</nav>
<a href="/sites/other-business/contact">Contact</a>
<a href="http://127.0.0.1:8/sites/acme/contact">Contact</a>
<a href="/sites/acme/brochure.pdf">About us (PDF)</a>
<a href="/sites/acme/staff.JPG">Staff photo</a>
<a href="#contact">Contact</a>
<a href="mailto:info@acme.com">Contact</a>
<a href="tel:5128675309">Contact</a>
<a href="javascript:openContact()">Contact</a>
<a href="https://www.facebook.com/acme">Contact us on Facebook</a>
"""


def test_follow_links_on_a_path_based_site():
    home = "http://127.0.0.1:9/sites/acme/"
    extraction = page(SANDBOX_LINKS, url=home)
    assert extraction.follow_links == (
        "http://127.0.0.1:9/sites/acme/contact",
        "http://127.0.0.1:9/sites/acme/about-us/",
        "http://127.0.0.1:9/sites/acme/team",
    )


def test_follow_links_from_an_inner_page_stay_in_the_site_folder():
    extraction = page(
        SANDBOX_LINKS,
        url="http://127.0.0.1:9/sites/acme/contact",
        site_url="http://127.0.0.1:9/sites/acme/",
    )
    assert extraction.follow_links == (
        "http://127.0.0.1:9/sites/acme/about-us/",
        "http://127.0.0.1:9/sites/acme/team",
    )


def test_follow_links_on_a_registered_domain():
    extraction = page(
        '<a href="https://shop.acmeplumbing.com/about">About</a>'
        '<a href="https://acmeplumbing.com/blog/all-about-pipes">Read about pipes</a>'
        '<a href="https://other.com/contact">Contact</a>'
        '<a href="/our-story">Our Story</a>'
        '<a href="/contact-us.html">Reach Out</a>'
        '<a href="/leadership">Leaders</a>'
        '<a href="/services/drain-cleaning">Drain cleaning</a>'
    )
    assert extraction.follow_links == (
        "https://www.acmeplumbing.com/contact-us.html",
        "https://shop.acmeplumbing.com/about",
        "https://www.acmeplumbing.com/our-story",
        "https://www.acmeplumbing.com/leadership",
    )


def test_follow_links_skip_app_pages():
    extraction = page(
        '<a href="/private/">Staff login</a><a href="/team/portal">Team portal</a>'
        '<a href="/account/contact">Contact</a><a href="/team/">Our Team</a>'
    )
    assert extraction.follow_links == ("https://www.acmeplumbing.com/team/",)


def test_follow_links_respect_the_base_element():
    extraction = extract_page(
        '<html><head><base href="https://www.acmeplumbing.com/en/"></head>'
        '<body><a href="contact">Contact</a></body></html>',
        "https://www.acmeplumbing.com/",
    )
    assert extraction.follow_links == ("https://www.acmeplumbing.com/en/contact",)


# -------------------------------------------------------------------------------- text


def test_visible_text_drops_scripts_styles_and_navigation():
    extraction = page(
        "<style>p{color:red}</style><script>var email='x@y.com'</script>"
        "<nav><a href='/'>Home</a><a href='/about'>About</a></nav>"
        "<noscript>Enable JavaScript</noscript><svg><text>icon</text></svg>"
        "<h1>Acme   Plumbing</h1><p>Fast,\n\n  friendly <b>service</b>.<br>Since 1998.</p>"
        "<ul><li>Drains</li><li>Water heaters</li></ul>"
    )
    assert (
        extraction.text
        == "Acme Plumbing\nFast, friendly service.\nSince 1998.\nDrains\nWater heaters"
    )


# -------------------------------------------------------------------------- robustness


def test_bytes_declaring_utf8_but_encoded_as_windows_1252():
    html = (
        '<html><head><meta charset="utf-8"></head><body><p>José Núñez, Owner</p>'
        "<p>Call 512-867-5309</p></body></html>"
    ).encode("cp1252")
    extraction = extract_page(html, HOME)
    assert values(extraction.owners) == ["José Núñez"]
    assert values(extraction.phones) == ["+15128675309"]


def test_bytes_in_their_declared_charset():
    html = '<meta charset="windows-1251"><p>Привет, Owner: Dan Smith</p>'.encode("cp1251")
    assert extract_page(html, HOME).text == "Привет, Owner: Dan Smith"


@pytest.mark.parametrize(
    ("text", "codec", "header", "meta"),
    [
        ("Владелец Иван Петров", "cp1251", "windows-1251", None),
        ("オーナー 山田太郎", "shift_jis", "Shift_JIS", None),
        ("オーナー 山田太郎", "shift_jis", "Shift_JIS", "utf-8"),  # the template's meta lies
        ("Владелец Иван Петров", "koi8-r", "KOI8-R", "windows-1251"),  # header over meta
        ("Propriétaire José Peña", "latin-1", "ISO-8859-1", None),
    ],
    ids=[
        "cp1251-header-only",
        "sjis-header-only",
        "sjis-header-meta-utf8",
        "koi8r-vs-meta",
        "latin1-header-only",
    ],
)
def test_bytes_in_the_charset_of_the_http_header(text, codec, header, meta):
    # Before: the header was not read; without a usable <meta> the bytes were read as
    # windows-1252 ("Âëàäåëåö Èâàí Ïåòðîâ").
    head = f'<meta charset="{meta}">' if meta else ""
    html = f"<html><head>{head}</head><body><p>{text}</p></body></html>".encode(codec)
    assert extract_page(html, HOME, charset=header).text == text


@pytest.mark.parametrize("charset", ["x-no-such-charset", "", None, "utf-8"])
def test_a_header_charset_that_is_unknown_or_utf8_falls_back_to_the_meta(charset):
    html = '<meta charset="windows-1251"><p>Привет</p>'.encode("cp1251")
    assert extract_page(html, HOME, charset=charset).text == "Привет"


def test_utf8_and_a_bom_win_over_the_http_header():
    assert extract_page("<p>Café</p>".encode(), HOME, charset="windows-1251").text == "Café"
    bom = "\ufeff<p>Café</p>".encode("utf-16")
    assert extract_page(bom, HOME, charset="windows-1251").text == "Café"


@pytest.mark.parametrize("tag", ["div", "ul", "section", "blockquote"])
def test_a_document_nested_100000_deep_is_parsed_in_part_and_in_bounded_time(tag):
    # lexbor's time grows with the square of the nesting: 10.6 s for 100,000 <div>s.
    html = f"<p>Call (512) 867-5309</p>{f'<{tag}>' * 100_000}<p>deep@nested.example</p>"
    started = time.monotonic()
    extraction = extract_page(html, HOME)
    assert time.monotonic() - started < 2.0
    assert extraction.cut == "nested too deep: parsed up to 20,000 levels"
    assert values(extraction.phones) == ["+15128675309"]  # what came before the cut


@pytest.mark.parametrize(
    "html",
    [
        "<div>" * 10_000 + "<p>x</p>" + "</div>" * 10_000,  # deep, but within the bound
        "<ul>" + "<li><a href=/x>item</a>" * 50_000 + "</ul>",  # unclosed <li>: flat
        "<select>" + "<option>choice" * 50_000 + "</select>",
        "<p>paragraph" * 50_000,
        "<div><span>a</span></div>" * 50_000,
    ],
    ids=["10000-divs", "unclosed-li", "unclosed-option", "unclosed-p", "wide"],
)
def test_wide_or_flat_documents_are_parsed_whole(html):
    assert extract_page(html, HOME).cut is None


def test_bytes_without_a_charset():
    assert extract_page("<p>Café Olé</p>".encode("cp1252"), HOME).text == "Café Olé"
    assert extract_page("<p>Café Olé</p>".encode(), HOME).text == "Café Olé"


@pytest.mark.parametrize(
    "html", ["", b"", "   ", b"\xff\xfe", "<<<>>>", "\x00\x00", "<html><body><p>unclosed <div"]
)
def test_empty_and_broken_documents(html):
    extraction = extract_page(html, HOME)
    assert extraction.emails == extraction.phones == extraction.owners == ()
    assert extraction.schema_org == extraction.follow_links == ()


def test_broken_html_still_yields_its_contacts():
    extraction = page(
        "<div><p>Call <b>(512) 867-5309<p>Email <a href=mailto:info@acme.com>us</div></b>"
        "<table><tr><td>Owner: Dan Smith"
    )
    assert values(extraction.phones) == ["+15128675309"]
    assert values(extraction.emails) == ["info@acme.com"]
    assert values(extraction.owners) == ["Dan Smith"]


def test_an_unclosed_title_does_not_swallow_the_page():
    html = (
        b'<html><head><meta charset="windows-1252"><title>Caf\xe9 \x93Broken\x94 Markup'
        b'<body><div class="main"><p>Welcome<p>We\xff\xfe are \xc3\x28 open'
        b"<table><tr><td>Call (512) 867-5309<td>Email office@broken-markup.com"
        b'<a href="mailto:office@broken-markup.com>write to us</a><div><span><b><i>Unclosed'
        b"\x00\x01<script>var x = '<p>not markup</p>';</scr"
    )
    extraction = extract_page(html, HOME)
    assert values(extraction.phones) == ["+15128675309"]
    assert values(extraction.emails) == ["office@broken-markup.com"]
    assert extraction.text.splitlines()[0] == "Welcome"


def test_huge_documents_are_capped():
    filler = "<p>" + "Lorem ipsum dolor sit amet. " * 400_000 + "</p>"
    extraction = page(filler + "<p>late@acmeplumbing.com</p>")
    assert len(extraction.text) <= MAX_SCANNED_TEXT_CHARS
    assert extraction.emails == ()


# ----------------------------------------------------------------------------- combine


def test_combine_keeps_the_first_provenance_of_each_value():
    home = page(
        "<p>Call (512) 867-5309 or email info@acmeplumbing.com</p>",
        url="https://www.acmeplumbing.com/",
    )
    contact = page(
        '<a href="mailto:info@acmeplumbing.com">Email</a><a href="tel:5128675309">Call</a>'
        '<a href="tel:5128675300">Emergency line</a>',
        url="https://www.acmeplumbing.com/contact",
    )
    contacts = combine([home, contact])
    assert contacts.emails == (
        Finding("info@acmeplumbing.com", "email", "text", "https://www.acmeplumbing.com/"),
    )
    assert [(finding.value, finding.method, finding.url) for finding in contacts.phones] == [
        ("+15128675300", "tel", "https://www.acmeplumbing.com/contact"),
        ("+15128675309", "text", "https://www.acmeplumbing.com/"),
    ]
    assert contacts.pages == (
        "https://www.acmeplumbing.com/",
        "https://www.acmeplumbing.com/contact",
    )


def test_combine_ranks_own_domain_then_freemail_then_other_domains():
    home = page(
        "<p>Site by hello@webdesignco.com</p><p>Owner: acme.plumbing.tx@gmail.com</p>"
        "<p>Office: office@acmeplumbing.com</p>"
    )
    contacts = combine([home])
    assert values(contacts.emails) == ["office@acmeplumbing.com", "acme.plumbing.tx@gmail.com"]
    assert values(contacts.other_emails) == ["hello@webdesignco.com"]


def test_combine_recognises_the_business_domain_on_a_path_based_site():
    home = page(
        "<p>bob.acme@gmail.com</p><p>info@acme-plumbing.com</p>",
        url="http://127.0.0.1:9/sites/acme/",
    )
    by_name = combine([home], business_name="Acme Plumbing & Drain")
    assert values(by_name.emails) == ["info@acme-plumbing.com", "bob.acme@gmail.com"]
    assert values(combine([home]).emails) == ["bob.acme@gmail.com", "info@acme-plumbing.com"]


def test_combine_prefers_structured_data_and_numbers_on_many_pages():
    home = page("<p>Call 512-867-5301</p><footer>Main line 512-867-5302</footer>")
    about = page(
        json_ld({"@context": "https://schema.org", "@type": "Plumber", "telephone": "5128675303"})
        + "<footer>Main line 512-867-5302</footer>",
        url="https://www.acmeplumbing.com/about",
    )
    assert values(combine([home, about]).phones) == ["+15128675303", "+15128675302", "+15128675301"]


def test_combine_merges_owners_socials_and_schema():
    home = page(
        json_ld(YOAST_GRAPH)
        + '<a href="https://www.facebook.com/acmeplumbing">fb</a>'
        + '<a href="https://www.linkedin.com/in/maria-lopez">Maria</a>'
    )
    about = page(
        json_ld(YOAST_GRAPH)
        + "<p>Maria Lopez, Founder</p><p>Tom Baker, General Manager</p>"
        + '<a href="https://www.linkedin.com/company/acme-plumbing">LinkedIn</a>',
        url="https://www.acmeplumbing.com/about",
    )
    contacts = combine([home, about])
    assert [(f.value, f.method, f.url) for f in contacts.owners] == [
        ("Maria Lopez", "json-ld", HOME),
        ("Tom Baker", "pattern:name_title", "https://www.acmeplumbing.com/about"),
    ]
    assert [(f.value, f.detail) for f in contacts.socials] == [
        ("https://www.facebook.com/acmeplumbing", "business"),
        ("https://www.linkedin.com/company/acme-plumbing", "business"),
        ("https://www.linkedin.com/in/maria-lopez", "person"),
    ]
    assert len(contacts.schema_org) == 1
    assert contacts.business_name == "Acme Plumbing"
    assert contacts.address == "100 Congress Ave, Austin, TX 78701, US"


def test_combine_of_nothing():
    contacts = combine([])
    assert contacts.emails == contacts.phones == contacts.socials == contacts.owners == ()
    assert contacts.business_name is None and contacts.address is None


# ------------------------------------------------------------------------ trimmed_text


def text_page(url: str, text: str) -> PageExtraction:
    return PageExtraction(
        url=url,
        emails=(),
        other_emails=(),
        phones=(),
        socials=(),
        owners=(),
        schema_org=(),
        links=(),
        skipped_links=(),
        text=text,
    )


def test_trimmed_text_puts_about_team_and_contact_pages_first_and_drops_repeated_lines():
    pages = [
        text_page("https://acme.com/", "Acme Plumbing\nWe fix drains\nCall 512-867-5309"),
        text_page("https://acme.com/contact", "Acme Plumbing\nEmail info@acme.com"),
        text_page("https://acme.com/about-us", "Acme Plumbing\nFounded by Maria Lopez"),
    ]
    assert trimmed_text(pages, 1000) == (
        "# https://acme.com/about-us\nAcme Plumbing\nFounded by Maria Lopez\n\n"
        "# https://acme.com/contact\nEmail info@acme.com\n\n"
        "# https://acme.com/\nWe fix drains\nCall 512-867-5309"
    )


def test_trimmed_text_shares_the_budget_and_cuts_at_line_ends():
    long_lines = "\n".join(f"Service line number {index:03d}" for index in range(200))
    pages = [
        text_page("https://acme.com/", long_lines),
        text_page("https://acme.com/about", "Owner: Dan Smith"),
    ]
    result = trimmed_text(pages, 300)
    assert len(result) <= 300
    about, home = result.split("\n\n")
    assert about == "# https://acme.com/about\nOwner: Dan Smith"
    assert home.startswith("# https://acme.com/\nService line number 000\n")
    assert home.splitlines()[-1].startswith("Service line number ")
    assert len(home.splitlines()[-1]) == len("Service line number 000")


@pytest.mark.parametrize("budget", [0, 5, 30])
def test_trimmed_text_never_exceeds_the_budget(budget):
    pages = [
        text_page("https://acme.com/", "x" * 100),
        text_page("https://acme.com/team", "y" * 100),
    ]
    assert len(trimmed_text(pages, budget)) <= budget


# ------------------------------------------------------------------------ prose check


@pytest.mark.parametrize(
    "body",
    [
        "<p>Family owned since 1987. Maria Delgado runs the shop with her two sons.</p>",
        "<p>Call (512) 555-0134</p><p>Email info@acme.com</p><p>1234 Congress Ave, Austin, TX</p>",
        "<p>Wir sind ein Familienbetrieb aus München und reparieren Heizungen.</p>",
        "<p>我们是一家家族企业为奥斯汀的家庭提供水管维修服务欢迎致电。</p>",
    ],
)
def test_pages_of_words_read_as_prose(body):
    assert reads_as_prose(page(body).text)


def test_binary_bytes_served_as_html_do_not_read_as_prose():
    noise = b"".join(hashlib.sha256(index.to_bytes(4, "big")).digest() for index in range(2000))
    garbage = extract_page(b"<html><body>" + noise + b"</body></html>", HOME)
    assert len(garbage.text) > 10_000
    assert not reads_as_prose(garbage.text)


@pytest.mark.parametrize("text", ["", "Home", "Home About Contact", "555-0134 555-0199 78701"])
def test_too_few_words_do_not_read_as_prose(text):
    assert not reads_as_prose(text)


def test_of_several_personal_profiles_the_owners_is_kept():
    team = page(
        "<h3>Maria Lopez</h3><p>Owner</p>"
        '<a href="https://www.linkedin.com/in/maria-lopez-plumbing">in</a>'
        "<h3>Tom Baker</h3><p>Technician</p>"
        '<a href="https://www.linkedin.com/in/tombaker77">in</a>'
        '<a href="https://www.linkedin.com/in/sam-ortiz">in</a>'
        '<a href="https://www.linkedin.com/company/acme-plumbing">Acme on LinkedIn</a>',
        url="https://www.acmeplumbing.com/team",
    )
    assert values(combine([team]).socials) == [
        "https://www.linkedin.com/company/acme-plumbing",
        "https://www.linkedin.com/in/maria-lopez-plumbing",
    ]


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Kontaktieren Sie uns", "contact"),
        ("Demande de devis", "contact"),
        ("Richiedi un preventivo", "contact"),
        ("Rechtliches", "legal notice"),
        ("Impressum & Datenschutz", "legal notice"),
        ("Mentions légales", "legal notice"),
        ("Wer wir sind", "about"),
        ("Qui suis-je ?", "about"),
        ("Unser Team", "team"),
        ("Datenschutzerklärung", None),
        ("Mein Konto", None),
    ],
)
def test_link_topics_in_the_languages_read(text, topic):
    extraction = page(f'<a href="seite-{len(text)}/">{text}</a>')
    found = [(link.topic) for link in extraction.links]
    assert found == ([topic] if topic else [])


# ------------------------------------------------- full width, images, more languages


def test_an_address_with_the_full_width_at_sign():
    assert values(page("<p>メール: info\uff20yamada\uff0eco\uff0ejp</p>").emails) == [
        "info@yamada.co.jp"
    ]


def test_an_address_or_number_shown_as_an_image_is_read_from_its_alt_text():
    found = page(
        '<p><img src="mail.png" alt="office@acmeplumbing.com"></p>'
        '<p>Phone: <img src="tel.png" alt="(512) 555-0147"></p>'
        '<p><img src="logo.png" alt="Acme Plumbing since 1998"></p>'
    )
    assert values(found.emails) == ["office@acmeplumbing.com"]
    assert values(found.phones) == ["+15125550147"]


@pytest.mark.parametrize(
    ("href", "text", "topic"),
    [
        ("/contactenos", "Contáctenos", "contact"),
        ("/fale-com-a-gente", "Contato", "contact"),
        ("/contato", "Fale conosco", "contact"),
        ("/otoiawase/", "お問い合わせ", "contact"),
        ("/form/", "お問い合わせフォーム", "contact"),
        ("/inquiry/", "CONTACT", "contact"),
        ("/law/", "特定商取引法に基づく表記", "legal notice"),
        ("/tokushoho/", "", "legal notice"),
        ("/gaiyou/", "会社概要", "about"),
        ("/greeting/", "代表挨拶", "about"),
    ],
)
def test_contact_legal_and_about_links_in_more_languages(href, text, topic):
    found = page(f'<a href="{href}">{text}</a>')
    assert [(link.url, link.topic) for link in found.links] == [(HOME.rstrip("/") + href, topic)]


# ---- more countries and scripts (none of these bodies is a real_world_pages page)


@pytest.mark.parametrize(
    ("href", "text", "topic"),
    [
        ("/kontakt-z-nami", "Skontaktuj się", "contact"),
        ("/strona/kontakt", "Kontakt", "contact"),
        ("/kontakta-oss", "", "contact"),
        ("/ota-yhteytta", "Kontakt os", "contact"),
        ("/kontakty", "Контакты", "contact"),
        ("/bize-ulasin", "İLETİŞİM", "contact"),
        ("/page/3", "Επικοινωνία", "contact"),
        ("/sub/location.php", "찾아오시는 길", "contact"),
        ("/sub/qna.php", "문의하기", "contact"),
        ("/lianxi.html", "", "contact"),
        ("/page?id=7", "联系我们", "contact"),
        ("/ar/page/5", "تواصل معنا", "contact"),
        ("/page/9", "צרו קשר", "contact"),
        ("/rekvizity", "Реквизиты", "legal notice"),
        ("/o-firmie", "", "about"),
        ("/om-virksomheden", "Om virksomheden", "about"),
        ("/kurumsal", "Kurumsal", "about"),
        ("/page/2", "Η εταιρεία", "about"),
        ("/about", "О нас", "about"),
        ("/pro-kompaniyu", "Про компанію", "about"),
        ("/sub/greeting.php", "인사말", "about"),
        ("/about", "公司简介", "about"),
        ("/page/4", "عن الشركة", "about"),
        ("/page/6", "קצת עלינו", "about"),
        ("/zespol", "Nasz zespół", "team"),
        ("/komanda", "Наша команда", "team"),
        ("/polityka-prywatnosci", "Polityka prywatności", None),
        ("/koszyk", "Koszyk", None),
        ("/angebot/", "Angebot", None),
        ("/angebot-anfordern/", "Angebot anfordern", "contact"),
    ],
)
def test_contact_legal_about_and_team_links_in_the_new_languages(href, text, topic):
    found = page(f'<a href="{href}">{text}</a>')
    expected = [(HOME.rstrip("/") + href, topic)] if topic else []
    assert [(link.url, link.topic) for link in found.links] == expected


@pytest.mark.parametrize(
    "anchor",
    [
        '<a href="/en/contact-us" hreflang="en">EN</a>',
        '<a href="/de/kontakt/">Deutsch</a>',
        '<a href="/fr/contact/" lang="fr">Version française</a>',
        '<a href="/zh/contact">繁體中文</a>',
    ],
)
def test_a_language_switch_is_not_another_page_to_read(anchor):
    assert page(anchor).links == ()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("biuro(małpa)firma-kowalski.pl", "biuro@firma-kowalski.pl"),
        ("info (zavináč) novak [tečka] cz", "info@novak.cz"),
        ("post [snabel-a] rorlaggare [punkt] se", "post@rorlaggare.se"),
        ("zakaz (собака) tsvety (точка) ru", "zakaz@tsvety.ru"),
        ("biuro [at] hydro [kropka] pl", "biuro@hydro.pl"),
    ],
)
def test_obfuscations_in_more_languages(body, expected):
    assert values(page(f"<p>E-mail: {body}</p>").emails) == [expected]


def test_a_mailbox_providers_address_is_not_another_business_for_a_link_to_the_provider():
    home = page(
        '<p>이메일 : hanbit@naver.com</p><a href="https://blog.naver.com/hanbit">블로그</a>'
        '<a href="https://www.partner-store.co.kr/">협력업체</a>',
        url="https://www.hanbit.co.kr/",
    )
    assert values(combine([home]).emails) == ["hanbit@naver.com"]


@pytest.mark.parametrize(
    ("href", "region", "expected"),
    [
        ("https://wa.me/5491123456789", "AR", "+5491123456789"),
        ("https://wa.me/5215587654321?text=Hola", "MX", "+525587654321"),
        ("https://api.whatsapp.com/send?phone=573104567890&text=Hola", "CO", "+573104567890"),
        ("whatsapp://send?phone=+27821234567", "ZA", "+27821234567"),
    ],
)
def test_a_whatsapp_chat_link_gives_its_number(href, region, expected):
    found = page(f'<a href="{href}"><i class="fa fa-whatsapp"></i></a>', default_region=region)
    assert provenance(found.phones) == [(expected, "whatsapp")]


def test_whatsapp_links_that_are_no_number():
    found = page('<a href="https://wa.me/message/IKJ4LL2V3C6EA1">Chat</a>')
    assert found.phones == ()


def test_a_mexican_number_with_the_former_mobile_one_is_read_without_it():
    found = page('<a href="tel:+5215587654321">Llámanos</a>', default_region="MX")
    assert values(found.phones) == ["+525587654321"]


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("REGON: 123456785", "PL"),
        ("CVR: 35123456", "DK"),
        ("CVR-nr. 35 12 34 56", "DK"),
        ("Bankgiro: 5050-1055", "SE"),
        ("Ondernemingsnr. 0456.789.123", "BE"),
        ("팩스 : 02-1234-5679", "KR"),
        ("传真：021-6123 4568", "CN"),
        ("統一編號：53123456", "TW"),
        ("ח.פ. 512345678", "IL"),
        ("Faks: 0216 345 67 90", "TR"),
        ("Факс: +7 (495) 123-45-68", "RU"),
    ],
)
def test_company_tax_bank_and_fax_numbers_of_more_countries_are_not_phones(text, region):
    assert page(f"<p>{text}</p>", default_region=region).phones == ()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://vk.com/aquamaster_msk", ("social:vk", "https://vk.com/aquamaster_msk")),
        ("https://vk.com/share.php?url=x", None),
        ("https://vk.com/wall-123_456", None),
        ("https://t.me/aquamaster_msk", ("social:telegram", "https://t.me/aquamaster_msk")),
        ("https://t.me/s/AquaMaster_msk", ("social:telegram", "https://t.me/aquamaster_msk")),
        ("https://t.me/aquamaster_msk/123", None),
        ("https://t.me/share/url?url=x", None),
        (
            "https://line.me/R/ti/p/@haoweidao",
            ("social:line", "https://line.me/R/ti/p/@haoweidao"),
        ),
        ("https://line.me/ti/p/@haoweidao", ("social:line", "https://line.me/R/ti/p/@haoweidao")),
        ("https://line.me/R/msg/text/?hello", None),
    ],
)
def test_vk_telegram_and_line_profiles(url, expected):
    assert canonical_social_profile(url) == expected


def test_a_credit_in_its_own_field_of_a_line_leaves_the_profiles_beside_it():
    found = page(
        '<p><a href="https://www.facebook.com/ngataelectrical">Facebook</a> · Website by '
        '<a href="https://www.instagram.com/kiwiwebco">Kiwi Web Co</a></p>'
    )
    assert values(found.socials) == ["https://www.facebook.com/ngataelectrical"]


def test_news_items_name_no_owner():
    found = page(
        '<section class="news"><p>CEO Tim Cook said prices will rise.</p></section>'
        '<div class="latest-news__item"><p>CEO Jane Fraser said so too.</p></div>'
        "<p>Owner: Dan Smith</p>"
    )
    assert values(found.owners) == ["Dan Smith"]


def test_a_newsletter_block_is_not_a_news_item():
    found = page('<footer class="footer-newsletter"><p>Inhaber: Jens Petersen</p></footer>')
    assert values(found.owners) == ["Jens Petersen"]


def test_a_title_as_written_wins_over_a_wording_or_a_founding_story():
    found = page(
        "<p>Established in 1995 by Mr. Rajesh Kumar Sharma.</p>"
        "<p>The business is run by Rajesh Kumar Sharma.</p>"
        "<p>Proprietor: Rajesh Kumar Sharma</p>"
    )
    assert [(f.value, f.detail) for f in combine([found]).owners] == [
        ("Rajesh Kumar Sharma", "Proprietor")
    ]


def test_across_pages_a_title_as_written_wins_over_a_founding_story():
    home = page("<p>Established in 1995 by Rajesh Kumar Sharma.</p>")
    contact = page("<p>Proprietor: Rajesh Kumar Sharma</p>", url=HOME + "contact")
    assert [(f.value, f.detail) for f in combine([home, contact]).owners] == [
        ("Rajesh Kumar Sharma", "Proprietor")
    ]


@pytest.mark.parametrize(
    ("lang", "region"),
    [("ru", "RU"), ("uk", "UA"), ("tr", "TR"), ("he", "IL"), ("nb", "NO"), ("hu", "HU")],
)
def test_the_language_of_a_page_on_a_generic_domain_names_its_country(lang, region):
    found = extract_page(f'<html lang="{lang}"><body><p>x</p></body></html>', HOME)
    assert found.region_hint == region
