"""Pages shaped like real small-business sites in several countries, and what a person
reading each would take from it (``real_world_pages/``: nav, footers, agency credits,
legal notices, obfuscations, numbers that are not phones, placeholders)."""

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from leadgen_pipeline.domain.web_extraction import combine, extract_page

PAGES = Path(__file__).parent / "real_world_pages"


@dataclass(frozen=True)
class Expected:
    url: str
    country: str
    emails: list[str]
    phones: list[str]
    owners: list[tuple[str, str]]  # (name, title)
    other_emails: list[str] = field(default_factory=list)  # the web agency's, the host's
    socials: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (topic, path)


EXPECTED = {
    # Impressum: the owner by label; fax, HRA, USt-IdNr, IBAN, postcode ranges, a date,
    # opening hours and the agency's phone are not the bakery's phones.
    "de_impressum": Expected(
        "https://www.baeckerei-mueller-berlin.de/impressum/",
        "DE",
        emails=["info@baeckerei-mueller-berlin.de"],
        phones=["+493047598321"],
        owners=[("Thomas Müller", "Inhaber")],
        other_emails=["hallo@pixelwerk-medien.de"],
        links=[("contact", "/kontakt/")],
    ),
    # mailto: percent-encoded with a query; the host's short number and SIRET/RCS/TVA.
    "fr_mentions": Expected(
        "https://www.plomberie-durand.fr/mentions-legales/",
        "FR",
        emails=["contact@plomberie-durand.fr"],
        phones=["+33478296140", "+33612345678"],
        owners=[("Jean-Pierre Durand", "Gérant")],
        other_emails=["bonjour@agence-lumiere.fr"],
        links=[("contact", "/nous-joindre/")],
    ),
    # "Titular:" names the company (S.L.), not a person; "D." is Don; "Contáctenos".
    "es_aviso_legal": Expected(
        "https://reformasgarcia.es/aviso-legal",
        "ES",
        emails=["info@reformasgarcia.es"],
        phones=["+34914356789", "+34655123456"],
        owners=[("Carlos García López", "Administrador único")],
        other_emails=["hola@webcreativa.es"],
        links=[("contact", "/contactenos")],
    ),
    # Entity-encoded mailto; the PEC mailbox is the practice's; P.IVA, C.F., REA, hours.
    "it_contatti": Expected(
        "https://www.studiorossi.it/contatti/",
        "IT",
        emails=["info@studiorossi.it", "studiorossi@pec.it"],
        phones=["+390286453210", "+393471234567"],
        owners=[("Marco Rossi", "Titolare")],
        other_emails=["info@webagency-milano.it"],
        links=[("about", "/chi-siamo/")],
    ),
    "nl_contact": Expected(
        "https://www.bakkerijdevries.nl/contact",
        "NL",
        emails=["info@bakkerijdevries.nl"],
        phones=["+31302314567"],
        owners=[("Pieter de Vries", "Eigenaar")],
        other_emails=["hallo@pixelfabriek.nl"],
        links=[("about", "/over-ons")],
    ),
    # Brazil: "Contato" in the menu; the founder's daughter runs it today; CNPJ and CEP.
    "br_contato": Expected(
        "https://www.paodourado.com.br/",
        "BR",
        emails=["contato@paodourado.com.br"],
        phones=["+551134567890", "+5511987654321"],
        owners=[("Ana Pereira", "Sócia-proprietária")],
        links=[("contact", "/fale-com-a-gente"), ("about", "/quem-somos")],
    ),
    # Japan: company profile table (代表者), the full-width at sign, FAX, お問い合わせ in the menu.
    "jp_company": Expected(
        "https://www.yamada-koumuten.co.jp/gaiyou/",
        "JP",
        emails=["info@yamada-koumuten.co.jp"],
        phones=["+81334567890"],
        owners=[("山田 太郎", "代表取締役")],
        links=[("contact", "/otoiawase/")],
    ),
    # JSON-LD (email as a mailto: URL, founder), tel: with dots, the agency's Cloudflare
    # address, Company No., VAT, a share link.
    "uk_ltd": Expected(
        "https://www.whitfieldelectrical.co.uk/",
        "GB",
        emails=["office@whitfieldelectrical.co.uk"],
        phones=["+441134960456", "+447911123456"],
        owners=[("James Whitfield", "Founder")],
        other_emails=["info@sparkdigital.co.uk"],
        socials=[
            "https://www.facebook.com/whitfieldelectricalleeds",
            "https://www.instagram.com/whitfield_electrical",
        ],
        links=[("contact", "/contact-us/"), ("about", "/about-us/")],
    ),
    # ABN/ACN, postcode range, prices; an employee who is not the owner.
    "au_abn": Expected(
        "https://sydneyflowers.com.au/",
        "AU",
        emails=["hello@sydneyflowers.com.au"],
        phones=["+61298765432", "+61412345678"],
        owners=[("Hannah Clarke", "Owner & Head Florist")],
        links=[("contact", "/contact")],
    ),
    # Placeholders, Sentry and Wix addresses, prices, a ZIP range, a date, a licence; the
    # address shown as an image with its alt text; the builder's own Facebook.
    "us_hostile": Expected(
        "https://www.brennanplumbing.com/",
        "US",
        emails=["office@brennanplumbing.com"],
        phones=["+15125550147", "+15125550192"],
        owners=[("Mike Brennan", "Owner")],
        links=[("contact", "/contact-us")],
    ),
    "at_microdata": Expected(
        "https://www.tischlerei-huber.at/",
        "AT",
        emails=["office@tischlerei-huber.at"],
        phones=["+43316712345"],
        owners=[("Josef Huber", "Founder"), ("Markus Huber", "Geschäftsführer")],
        links=[("contact", "/kontakt"), ("legal notice", "/impressum")],
    ),
    "pt_contactos": Expected(
        "https://www.oficinaferreira.pt/contactos",
        "PT",
        emails=["geral@oficinaferreira.pt"],
        phones=["+351211234567", "+351912345678"],
        owners=[("António Ferreira", "Sócio-gerente")],
        other_emails=["apoio@webmais.pt"],
        links=[("about", "/sobre-nos")],
    ),
    # Québec: [arobase]/[point], toll-free, RBQ/NEQ/TPS numbers, a customer's testimonial.
    "ca_contact": Expected(
        "https://www.toiturestremblay.ca/nous-joindre",
        "CA",
        emails=["info@toiturestremblay.ca"],
        phones=["+15145550182", "+18005550199"],
        owners=[("Luc Tremblay", "Président")],
        links=[("about", "/a-propos")],
    ),
}


def read(name: str, *, region: str | None = None):
    expected = EXPECTED[name]
    html = (PAGES / f"{name}.html").read_bytes()
    page = extract_page(html, expected.url, default_region=region or expected.country)
    return page, combine([page], site_url=expected.url)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_what_a_person_reads_on_the_page(name):
    expected = EXPECTED[name]
    page, site = read(name)
    assert [f.value for f in site.emails] == expected.emails
    assert [f.value for f in site.phones] == expected.phones
    assert [(f.value, f.detail) for f in site.owners] == expected.owners
    assert [f.value for f in site.other_emails] == expected.other_emails
    assert [f.value for f in site.socials] == expected.socials
    base = expected.url.split("/", 3)
    assert [(link.topic, link.url) for link in page.links] == [
        (topic, f"{base[0]}//{base[2]}{path}") for topic, path in expected.links
    ]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_page_tells_its_country(name):
    """Without a country given, the page's lang or country domain names it (a .com in
    English names none: the caller's default, US, applies)."""
    page, _ = read(name)
    assert page.region_hint == (None if name == "us_hostile" else EXPECTED[name].country)
