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
    # ---- more countries and scripts, written as real sites there are (a second probe)
    # Poland: "(małpa)" for @, REGON (a valid-looking Kraków number), a bank account,
    # "Właścicielem firmy jest ..." (instrumental), a testimonial; "O nas", "Kontakt".
    "pl_home": Expected(
        "https://hydraulik-nowak.pl/",
        "PL",
        emails=["biuro@hydraulik-nowak.pl"],
        phones=["+48601234567", "+48123456789"],
        owners=[("Jan Nowak", "Właścicielem")],
        links=[("contact", "/kontakt/"), ("about", "/o-nas/")],
    ),
    # Sweden: founded by the father, run by the son (team card "VD & ägare"); Bankgiro
    # (a valid-looking number), Org.nr, opening hours with dots; "Kontakta oss", "Om oss".
    "se_home": Expected(
        "https://www.anderssonsror.se/",
        "SE",
        emails=["johan@anderssonsror.se", "info@anderssonsror.se"],
        phones=["+4618123456", "+46701234567"],
        owners=[("Johan Andersson", "VD & ägare")],
        socials=[
            "https://www.facebook.com/anderssonsror",
            "https://www.instagram.com/anderssonsror",
        ],
        links=[("contact", "/kontakta-oss/"), ("about", "/om-oss/")],
    ),
    # Denmark: CVR (eight digits, like every Danish number), "Indehaver" on a card.
    "dk_kontakt": Expected(
        "https://www.jensen-vvs.dk/kontakt/",
        "DK",
        emails=["info@jensen-vvs.dk", "mj@jensen-vvs.dk", "bogholderi@jensen-vvs.dk"],
        phones=["+4586123456", "+4520123456", "+4540551234"],
        owners=[("Mads Jensen", "Indehaver, aut. VVS-installatør")],
        links=[("about", "/om-os/")],
    ),
    # Norway: "Daglig leder" (the person running an AS); a news item naming an agency's
    # director; Org.nr with MVA.
    "no_home": Expected(
        "https://www.hansenelektro.no/",
        "NO",
        emails=["post@hansenelektro.no"],
        phones=["+4732123456"],
        owners=[("Ole Hansen", "Daglig leder")],
        links=[("contact", "/kontakt-oss"), ("about", "/om-oss")],
    ),
    # Czech Republic: "Jednatel" in a table cell beside the name, "(zavináč)" for @,
    # IČO/DIČ, a bank account "123456789/0800"; "Kontakty", "O nás".
    "cz_kontakty": Expected(
        "https://www.instalaterstvi-dvorak.cz/kontakty",
        "CZ",
        emails=["info@instalaterstvi-dvorak.cz"],
        phones=["+420602123456", "+420234567890"],
        owners=[("Petr Dvořák", "Jednatel")],
        links=[("about", "/o-nas")],
    ),
    # Switzerland (de-CH): a language switch, "führt Beat Meier die Schreinerei", UID,
    # holiday dates; Impressum in the footer.
    "ch_home": Expected(
        "https://www.schreinerei-meier.ch/",
        "CH",
        emails=["info@schreinerei-meier.ch"],
        phones=["+41522123456", "+41791234567"],
        owners=[("Beat Meier", "Owner")],
        links=[("contact", "/kontakt/"), ("legal notice", "/impressum/"), ("about", "/ueber-uns/")],
    ),
    # Switzerland (fr-CH): "Natel" (a Swiss mobile), Sàrl, IDE; the link to the same page
    # in German ("Deutsch" -> /de/kontakt/) is no other page to read.
    "ch_fr_contact": Expected(
        "https://www.favre-auto.ch/fr/contact/",
        "CH",
        emails=["garage@favre-auto.ch"],
        phones=["+41213124567", "+41794567890"],
        owners=[("Laurent Favre", "Associé gérant")],
        links=[("about", "/fr/qui-sommes-nous/")],
    ),
    # Belgium (nl-BE): "GSM", "Zaakvoerder", the company number written "Ondernemingsnr."
    # (0456.789.123 reads as a Belgian mobile), BTW, RPR.
    "be_home": Expected(
        "https://www.bouwwerkenpeeters.be/",
        "BE",
        emails=["info@bouwwerkenpeeters.be"],
        phones=["+3232345678", "+32471234567"],
        owners=[("Jan Peeters", "Zaakvoerder")],
        socials=["https://www.facebook.com/bouwwerkenpeeters"],
        links=[("contact", "/contact/"), ("about", "/over-ons/")],
    ),
    # Turkey: "İletişim" (dotted capital I), "Hakkımızda"; founded by the father, owned
    # today by the son ("sahibi ... Mehmet Yılmaz'dır"); a wa.me button; Vergi No.
    "tr_home": Expected(
        "https://www.yilmaztesisat.com.tr/",
        "TR",
        emails=["info@yilmaztesisat.com.tr"],
        phones=["+902163456789", "+905321234567"],
        owners=[("Mehmet Yılmaz", "Sahibi ve yöneticisi")],
        socials=["https://www.instagram.com/yilmaztesisat"],
        links=[("contact", "/iletisim"), ("about", "/hakkimizda")],
    ),
    # Greece: Greek labels (Τηλ., Κιν., Ιδιοκτήτης), ΑΦΜ/ΓΕΜΗ, WordPress slugs in Greek.
    "gr_contact": Expected(
        "https://www.papadopoulos-ydravlikos.gr/%ce%b5%cf%80%ce%b9%ce%ba%ce%bf%ce%b9%ce%bd%cf%89%ce%bd%ce%af%ce%b1/",
        "GR",
        emails=["info@papadopoulos-ydravlikos.gr"],
        phones=["+302101234567", "+306971234567"],
        owners=[("Γιώργος Παπαδόπουλος", "Ιδιοκτήτης")],
        links=[
            (
                "about",
                "/%cf%83%cf%87%ce%b5%cf%84%ce%b9%ce%ba%ce%ac-%ce%bc%ce%b5-%ce%b5%ce%bc%ce%ac%cf%82/",
            )
        ],
    ),
    # Russia: "Генеральный директор" with the name surname first; INN/KPP/OGRN; a news
    # item naming another company's director; VK and Telegram; "О компании", "Контакты".
    "ru_home": Expected(
        "https://aquamaster.ru/",
        "RU",
        emails=["info@aquamaster.ru"],
        phones=["+74951234567", "+78005553535"],
        owners=[("Иванов Сергей Петрович", "Генеральный директор")],
        socials=["https://vk.com/aquamaster_msk", "https://t.me/aquamaster_msk"],
        links=[("contact", "/kontakty/"), ("about", "/o-kompanii/")],
    ),
    # Ukraine: "Власниця магазину — Олена Шевченко", the ФОП (sole trader) line, IBAN.
    "ua_kontakty": Expected(
        "https://kvity-oleny.com.ua/kontakty/",
        "UA",
        emails=["zakaz@kvity-oleny.com.ua"],
        phones=["+380671234567", "+380442345678"],
        owners=[("Олена Шевченко", "Власниця магазину")],
        socials=[
            "https://www.facebook.com/kvityvidoleny",
            "https://www.instagram.com/kvity_vid_oleny",
        ],
        links=[("about", "/pro-nas/")],
    ),
    # South Korea: the footer of every Korean site (상호, 대표, 사업자등록번호 that reads
    # as a Seoul number, 팩스); 견적문의, 오시는 길, 회사소개 with no words in the paths.
    "kr_home": Expected(
        "https://www.hanbit-interior.co.kr/",
        "KR",
        emails=["hanbit_interior@naver.com"],
        phones=["+82212345678", "+821098765432"],
        owners=[("김민수", "대표")],
        socials=["https://www.instagram.com/hanbit.interior"],
        links=[
            ("contact", "/bbs/board.php?bo_table=estimate"),
            ("contact", "/sub/map.php"),
            ("about", "/sub/company.php"),
        ],
    ),
    # China: 法定代表人 (the legal representative), 联系人：王先生 (Mr Wang: no name), fax,
    # QQ, postcode, ICP licence; a 400 hotline.
    "cn_contact": Expected(
        "http://www.minghui-deco.com/contact.html",
        "CN",
        emails=["minghui_deco@163.com"],
        phones=["+864008201234", "+862161234567", "+8613816123456"],
        owners=[("王建国", "法定代表人")],
        links=[("about", "/about.html")],
    ),
    # Taiwan: 負責人 (the person responsible), 統一編號 (reads as a Chiayi number), LINE.
    "tw_home": Expected(
        "https://www.haoweidao.com.tw/",
        "TW",
        emails=["service@haoweidao.com.tw"],
        phones=["+886223456789", "+886912345678"],
        owners=[("陳美玲", "負責人")],
        socials=[
            "https://www.facebook.com/haoweidao.bakery",
            "https://line.me/R/ti/p/@haoweidao",
        ],
        links=[("contact", "/contact"), ("about", "/about")],
    ),
    # UAE (Arabic, RTL): Arabic-Indic digits, المدير العام with the engineer's honorific,
    # a P.O. box and a licence number; the English version of the page is not another page.
    "ae_contact": Expected(
        "https://www.alnoor-contracting.ae/ar/contact-us",
        "AE",
        emails=["info@alnoor-contracting.ae"],
        phones=["+97143214567", "+971501234567"],
        owners=[("خالد عبدالله الحمادي", "المدير العام")],
        socials=["https://www.linkedin.com/company/alnoor-technical-contracting"],
        links=[("about", "/ar/about-us")],
    ),
    # Saudi Arabia: "يملكها ويديرها ..." (owned and run by), a commercial registration and a
    # VAT number in Arabic-Indic digits, "تواصل معنا".
    "sa_home": Expected(
        "https://alfahad-plumbing.com/",
        "SA",
        emails=["alfahad.plumbing@gmail.com"],
        phones=["+966551234567", "+966114657890"],
        owners=[("فهد بن سعد العتيبي", "Owner")],
        links=[("contact", "/contact"), ("about", "/about")],
    ),
    # Israel (Hebrew, RTL): "יוסי כהן, הבעלים", ח.פ. 512345678 (reads as an Israeli
    # mobile), Hebrew slugs; a testimonial.
    "il_home": Expected(
        "https://www.cohen-plumbing.co.il/",
        "IL",
        emails=["office@cohen-plumbing.co.il"],
        phones=["+972523456789", "+97236123456"],
        owners=[("יוסי כהן", "הבעלים")],
        links=[
            ("contact", "/%d7%a6%d7%95%d7%a8-%d7%a7%d7%a9%d7%a8/"),
            ("about", "/%d7%90%d7%95%d7%93%d7%95%d7%aa/"),
        ],
    ),
    # India: "Proprietor", GSTIN, Udyam, PIN code, a rupee price; a client's "Director";
    # the agency's address in the credit.
    "in_home": Expected(
        "https://www.sharmaelectricals.in/",
        "IN",
        emails=["sharmaelectricals1995@gmail.com"],
        phones=["+919811012345", "+911126345678", "+919810054321"],
        owners=[("Rajesh Kumar Sharma", "Proprietor")],
        other_emails=["info@delhiwebsolutions.in"],
        links=[("contact", "/contact-us.html"), ("about", "/about-us.html")],
    ),
    # Mexico: WhatsApp links with the old mobile "1" (wa.me/521..., api.whatsapp.com), RFC.
    "mx_home": Expected(
        "https://www.plomeriahernandez.com.mx/",
        "MX",
        emails=["contacto@plomeriahernandez.com.mx"],
        phones=["+525512345678", "+525587654321"],
        owners=[("Juan Hernández Gómez", "Propietario")],
        socials=["https://www.facebook.com/plomeriahernandezcdmx"],
        links=[("contact", "/contactenos"), ("about", "/nosotros")],
    ),
    # Argentina: "(011) 15-..." (the mobile 15), wa.me/549..., CUIT, "Atendido por su dueño".
    "ar_contacto": Expected(
        "https://www.electricidadfernandez.com.ar/contacto",
        "AR",
        emails=["electricidadfernandez@hotmail.com"],
        phones=["+541145678901", "+5491123456789"],
        owners=[("Martín Fernández", "Dueño")],
        socials=["https://www.instagram.com/electricidad.fernandez"],
        links=[("about", "/quienes-somos")],
    ),
    # Colombia: "PBX" with the new (601) area code, NIT, "Gerente", api.whatsapp.com.
    "co_contacto": Expected(
        "https://cerrajerialopez.com.co/contactenos/",
        "CO",
        emails=["ventas@cerrajerialopez.com.co"],
        phones=["+576017456789", "+573104567890"],
        owners=[("Andrés Felipe López", "Gerente")],
        links=[("about", "/quienes-somos/")],
    ),
    # Ireland: an Irish surname with "Ó", Eircode, RGII/VAT/CRO numbers, a review.
    "ie_home": Expected(
        "https://www.obriainplumbing.ie/",
        "IE",
        emails=["info@obriainplumbing.ie"],
        phones=["+35312345678", "+353871234567"],
        owners=[("Seán Ó Briain", "Owner")],
        links=[("contact", "/contact/"), ("about", "/about/")],
    ),
    # New Zealand: "Kia ora, I'm ... – owner", NZBN, GST; "Get in touch".
    "nz_about": Expected(
        "https://www.ngataelectrical.co.nz/about-us",
        "NZ",
        emails=["tama@ngataelectrical.co.nz"],
        phones=["+6493765432", "+64211234567"],
        owners=[("Tama Ngata", "Owner")],
        socials=["https://www.facebook.com/ngataelectrical"],
        links=[("contact", "/contact-us")],
    ),
    # South Africa: "Cell:", (Pty) Ltd, company and VAT numbers, a wa.me link.
    "za_contact": Expected(
        "https://www.vdmplumbing.co.za/contact-us/",
        "ZA",
        emails=["info@vdmplumbing.co.za"],
        phones=["+27214612345", "+27821234567"],
        owners=[("Johan van der Merwe", "Owner")],
        socials=["https://www.facebook.com/vdmplumbingct"],
        links=[("about", "/about-us/")],
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
