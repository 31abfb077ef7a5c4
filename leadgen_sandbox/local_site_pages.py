"""Websites of the businesses outside the US, in their own language.

Shaped as such sites are (see leadgen_pipeline_tests/domain/real_world_pages/): a home
page, a contact page (Kontakt, Contact, Contacto, お問い合わせ, Contato) and the page the
law asks for or the company profile (Impressum, Mentions légales, Aviso legal, 会社概要,
Sobre nós) naming the owner with a label ("Inhaber:", "Gérant :", "Titular:", a 代表者
row, "Proprietário:"), in a team card, or in a sentence about who founded the business.
Phones are written in the national format ("030 23125123", "03-5550-0123") or the
international one, e-mails as links, text, "info(at)domain.de", entities or Cloudflare.
"""

from __future__ import annotations

import json
from html import escape

import phonenumbers

from leadgen_sandbox.dataset import Business, EmailStyle, JsonLdStyle, OwnerStyle, PhoneStyle
from leadgen_sandbox.locales import LOCALES, local_trades

EN_DASH = "\u2013"

# Words of each site language.
WORDS: dict[str, dict[str, str]] = {
    "de": {
        "home": "Startseite",
        "services": "Unsere Leistungen",
        "phone": "Telefon",
        "email": "E-Mail",
        "hours": "Öffnungszeiten",
        "closed": "geschlossen",
        "days": "So,Mo,Di,Mi,Do,Fr,Sa",
        "always": "Rund um die Uhr erreichbar",
        "tagline": "Ihr {trade} in {city} seit {year}.",
        "cta": "Rufen Sie uns an oder schreiben Sie uns über die Seite {link}.",
        "founded": "{name} wurde {year} von {owner} gegründet.",
        "label": "Inhaber",
        "legal_intro": "Angaben gemäß § 5 DDG",
        "legal_extra": "Umsatzsteuer-ID: DE{vat}<br>Zuständige Kammer: Handwerkskammer Berlin",
        "family": "Ein Familienbetrieb aus {city}: Wir stehen für saubere Arbeit.",
        "send": "Absenden",
        "message": "Nachricht",
        "name": "Name",
        "rights": "Alle Rechte vorbehalten.",
    },
    "fr": {
        "home": "Accueil",
        "services": "Nos prestations",
        "phone": "Téléphone",
        "email": "E-mail",
        "hours": "Horaires",
        "closed": "fermé",
        "days": "dim.,lun.,mar.,mer.,jeu.,ven.,sam.",
        "always": "Joignable 24h/24, 7j/7",
        "tagline": "Votre {trade} à {city} depuis {year}.",
        "cta": "Devis gratuit : appelez-nous ou passez par la page {link}.",
        "founded": "{name} a été fondée en {year} par {owner}.",
        "label": "Gérant",
        "legal_intro": "Éditeur du site",
        "legal_extra": "SIRET : {siret}<br>Hébergeur : OVH SAS, 2 rue Kellermann, 59100 Roubaix",
        "family": "Une entreprise familiale lyonnaise, au service de ses clients.",
        "send": "Envoyer",
        "message": "Message",
        "name": "Nom",
        "rights": "Tous droits réservés.",
    },
    "es": {
        "home": "Inicio",
        "services": "Nuestros servicios",
        "phone": "Teléfono",
        "email": "Correo electrónico",
        "hours": "Horario",
        "closed": "cerrado",
        "days": "Dom,Lun,Mar,Mié,Jue,Vie,Sáb",
        "always": "Abierto 24 horas",
        "tagline": "Su {trade} en {city} desde {year}.",
        "cta": "Pida presupuesto sin compromiso en {link}.",
        "founded": "{name} fue fundada en {year} por {owner}.",
        "label": "Titular",
        "legal_intro": "Datos identificativos (LSSI-CE)",
        "legal_extra": "NIF: {nif}<br>Inscrita en el Registro Mercantil de Madrid",
        "family": "Una empresa familiar de {city} con años de experiencia.",
        "send": "Enviar",
        "message": "Mensaje",
        "name": "Nombre",
        "rights": "Todos los derechos reservados.",
    },
    "ja": {
        "home": "ホーム",
        "services": "診療内容",
        "phone": "電話番号",
        "email": "メール",
        "hours": "診療時間",
        "closed": "休診",
        "days": "日,月,火,水,木,金,土",
        "always": "24時間対応",
        "tagline": "{city}で{year}年から地域の皆さまの{trade}として。",
        "cta": "ご予約・ご相談は{link}からどうぞ。",
        "founded": "{name}は{year}年に{owner}が開業しました。",
        "label": "院長",
        "legal_intro": "医院概要",
        "legal_extra": "診療科目\uff1a歯科・小児歯科・矯正歯科",
        "family": "地域に根ざした医院です。",
        "send": "送信",
        "message": "お問い合わせ内容",
        "name": "お名前",
        "rights": "All Rights Reserved.",
    },
    "pt": {
        "home": "Início",
        "services": "Nossos serviços",
        "phone": "Telefone",
        "email": "E-mail",
        "hours": "Horário de atendimento",
        "closed": "fechado",
        "days": "Dom,Seg,Ter,Qua,Qui,Sex,Sáb",
        "always": "Atendimento 24 horas",
        "tagline": "Seu {trade} em {city} desde {year}.",
        "cta": "Peça um orçamento sem compromisso em {link}.",
        "founded": "A {name} foi fundada em {year} por {owner}.",
        "label": "Proprietário",
        "legal_intro": "Quem somos",
        "legal_extra": "CNPJ: {cnpj}",
        "family": "Uma empresa familiar paulistana, com atendimento de confiança.",
        "send": "Enviar",
        "message": "Mensagem",
        "name": "Nome",
        "rights": "Todos os direitos reservados.",
    },
}


def render_local_page(business: Business, kind: str, web_url: str, href: dict[str, str]) -> str:
    """One page ("home", "contact", "about") of a business's site abroad; ``href`` maps
    "", the contact path and the about path to links as this page writes them."""
    site = business.site
    assert site is not None and site.contact_page and site.about_page
    words = WORDS[business.language]
    locale = LOCALES[business.country]
    local = local_trades(business.country).get(business.trade.keyword)
    trade_name = local.display_name if local else business.trade.name_noun
    city = locale.city_names[locale.language]
    contact, about = site.contact_page, site.about_page
    nav = " | ".join(
        (
            f'<a href="{href[""]}">{words["home"]}</a>',
            f'<a href="{href[about.path]}">{escape(about.link_text)}</a>',
            f'<a href="{href[contact.path]}">{escape(contact.link_text)}</a>',
        )
    )
    socials = "".join(
        f'<li><a href="{profile.url}" rel="noopener">{profile.platform.title()}</a></li>'
        for profile in business.social_profiles
    )
    socials_html = f'<ul class="social">{socials}</ul>' if socials else ""
    if kind == "home":
        title = f"{business.name} | {trade_name} {city}"
        services = "".join(f"<li>{escape(s)}</li>" for s in business.services)
        link = f'<a href="{href[contact.path]}">{escape(contact.link_text)}</a>'
        tagline = words["tagline"].format(trade=trade_name, city=city, year=business.founded_year)
        main = "\n".join(
            (
                f"<h1>{escape(business.name)}</h1>",
                f'<p class="tagline">{escape(tagline)}</p>',
                f"<h2>{words['services']}</h2>\n<ul>{services}</ul>",
                f"<p>{words['cta'].format(link=link)}</p>",
            )
        )
    elif kind == "contact":
        title = f"{contact.link_text} | {business.name}"
        main = "\n".join(
            (
                f"<h1>{escape(contact.link_text)}</h1>",
                _contact_lines(business, words),
                f"<address>{escape(business.formatted_address)}</address>",
                f"<h2>{words['hours']}</h2>\n<ul>{_hours(business, words)}</ul>",
                f'<form action="#" method="post"><label>{words["name"]} <input name="name">'
                f'</label><label>{words["message"]} <textarea name="message"></textarea>'
                f'</label><button type="submit">{words["send"]}</button></form>',
            )
        )
    else:
        title = f"{about.link_text} | {business.name}"
        main = "\n".join((f"<h1>{escape(about.link_text)}</h1>", _legal(business, words)))
    phone_line = _phone(business)
    footer_parts = [f"<p>{escape(business.name)} · {escape(business.street_address)}</p>"]
    if phone_line:
        footer_parts.append(f"<p>{words['phone']}: {phone_line}</p>")
    if site.email_in_footer:
        footer_parts.append(f"<p>{_email(business, words)}</p>")
    if not site.socials_in_header:
        footer_parts.append(socials_html)
    footer_parts.append(
        f"<p>&copy; {business.founded_year}&ndash;2025 {escape(business.name)}. "
        f"{words['rights']}</p>"
    )
    json_ld = _json_ld(business, web_url) if kind == "home" else ""
    header_socials = socials_html if site.socials_in_header else ""
    return f"""<!DOCTYPE html>
<html lang="{business.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
{json_ld}</head>
<body>
<header><a class="brand" href="{href[""]}">{escape(business.name)}</a>
<nav>{nav}</nav>
{header_socials}</header>
<main>
{main}
</main>
<footer>
{chr(10).join(part for part in footer_parts if part)}
</footer>
</body>
</html>
"""


def _phone(business: Business) -> str:
    site = business.site
    assert site is not None
    number = phonenumbers.parse(business.phone_e164)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    match site.phone_style:
        case PhoneStyle.TEL_LINK:
            return f'<a href="tel:{business.phone_e164}">{national}</a>'
        case PhoneStyle.INTERNATIONAL:
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        case PhoneStyle.NONE:
            return ""
        case _:
            return national


def _email(business: Business, words: dict[str, str]) -> str:
    site = business.site
    assert site is not None
    email = business.email
    match site.email_style:
        case EmailStyle.MAILTO:
            return f'{words["email"]}: <a href="mailto:{email}">{email}</a>'
        case EmailStyle.PAREN_AT:
            return f"{words['email']}: {email.replace('@', '(at)')}"
        case EmailStyle.HTML_ENTITIES:
            return f"{words['email']}: " + "".join(f"&#{ord(char)};" for char in email)
        case EmailStyle.CLOUDFLARE:
            from leadgen_sandbox.site_pages import cloudflare_encode

            encoded = cloudflare_encode(email)
            return (
                f'{words["email"]}: <a href="/cdn-cgi/l/email-protection#{encoded}" '
                f'class="__cf_email__" data-cfemail="{encoded}">[email&#160;protected]</a>'
            )
        case _:
            return f"{words['email']}: {email}"


def _contact_lines(business: Business, words: dict[str, str]) -> str:
    phone = _phone(business)
    lines = [f"<p>{words['phone']}: {phone}</p>"] if phone else []
    lines.append(f"<p>{_email(business, words)}</p>")
    return "\n".join(lines)


def _hours(business: Business, words: dict[str, str]) -> str:
    hours = business.opening_hours
    if hours.always_open:
        return f"<li>{words['always']}</li>"
    days = words["days"].split(",")
    items = []
    for day in (1, 2, 3, 4, 5, 6, 0):
        window = hours.daily[day]
        text = f"{window[0]:02d}:00{EN_DASH}{window[1]:02d}:00" if window else words["closed"]
        items.append(f"<li>{days[day]}: {text}</li>")
    return "".join(items)


def _legal(business: Business, words: dict[str, str]) -> str:
    """The legal or profile page: who runs the business, and how to reach it."""
    site = business.site
    assert site is not None
    owner = escape(business.owner_name)
    title = escape(business.owner_title)
    seed = int(business.place_id.encode().hex()[-8:], 16)
    ids = {
        "vat": f"{seed % 10**9:09d}",
        "siret": f"{seed % 10**9:09d} 000{seed % 7 + 1}2",
        "nif": f"B{seed % 10**8:08d}",
        "cnpj": f"{seed % 100:02d}.{seed % 1000:03d}.{seed % 997:03d}/0001-{seed % 89 + 10}",
    }
    if business.language == "ja":
        rows = [("医院名", escape(business.name))]
        if site.owner_style is OwnerStyle.OWNER_LABEL:
            rows.append((title, owner))
        rows += [
            ("所在地", escape(business.formatted_address.partition("、")[2])),
            (words["phone"], _phone(business) or "—"),
            ("開業", f"{business.founded_year}年"),
        ]
        table = "".join(f"<tr><th>{head}</th><td>{cell}</td></tr>" for head, cell in rows)
        parts = [f'<table class="company">{table}</table>']
    else:
        parts = [
            f"<h2>{words['legal_intro']}</h2>",
            f"<p>{escape(business.name)}<br>{escape(business.formatted_address)}</p>",
        ]
        if site.owner_style is OwnerStyle.OWNER_LABEL:
            parts.append(f"<p><strong>{title}:</strong> {owner}</p>")
        parts.append(_contact_lines(business, words))
        parts.append(f"<p>{words['legal_extra'].format(**ids)}</p>")
    match site.owner_style:
        case OwnerStyle.TEAM_CARD:
            parts.append(f'<div class="team-member"><h3>{owner}</h3><p>{title}</p></div>')
        case OwnerStyle.FOUNDED_BY:
            parts.append(
                "<p>"
                + escape(
                    words["founded"].format(
                        name=business.name, year=business.founded_year, owner=business.owner_name
                    )
                )
                + "</p>"
            )
        case _:
            parts.append(f"<p>{escape(words['family'].format(city=business.city))}</p>")
    return "\n".join(parts)


def _json_ld(business: Business, web_url: str) -> str:
    site = business.site
    assert site is not None
    if site.json_ld is JsonLdStyle.NONE:
        return ""
    url = f"{web_url}{site.path}"
    node: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": business.trade.schema_org_type,
        "name": business.name,
        "url": url,
        "telephone": business.phone_e164,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": business.street_address,
            "addressLocality": business.city,
            "postalCode": business.postal_code,
            "addressCountry": business.country,
        },
    }
    if site.json_ld_has_founder:
        node["founder"] = {
            "@type": "Person",
            "name": business.owner_name,
            "jobTitle": business.owner_title,
        }
    text = json.dumps(node, indent=2, ensure_ascii=False)
    return f'<script type="application/ld+json">\n{text}\n</script>\n'
