"""Who owns or runs a business, as its website's text says it, in many languages.

Pure functions over the visible lines of a page (``web_extraction`` makes them). Owners
are named on small-business sites in a few ways, and in every language the product
reads with Latin, Cyrillic or Greek letters (English, German, French, Spanish, Italian,
Dutch, Portuguese, Polish, Czech, Slovak, Swedish, Danish, Norwegian, Turkish, Greek,
Russian, Ukrainian) the same ways:

- a label: "Inhaber: Jens Petersen", "Gérant : Julien Martin", "Titolare: Dott. Gennaro
  Esposito", "Founder & Head Florist — Hannah Clarke", "Geschäftsführer: A, B"; also a
  label on its own line followed by the names, one per line (German legal notices);
- a name and its title: "Stan Kowalski, Proprietor", "Lena Schmidt (Geschäftsführerin)",
  "Laurent Dupont, artisan électricien et fondateur";
- a title before the name: "Owner Mike Brennan has...", "Owners Tom & Mia Nguyen",
  "A nossa proprietária, Maria Fernandes";
- who runs or owns it: "owned by master plumber Ray Delgado", "run by sisters Priya and
  Anjali Shah", "geführt von", "dirigée par", "guidata dal figlio Paolo Colombo",
  "la dirige su hijo José Ruiz García", "führt Enkelin Lena Schmidt den Betrieb";
- who founded it: "founded in 2014 by Mark and Lisa Turner", "Fondée en 2015 par ...",
  "X founded Y", "1962 gründete Heinrich Schmidt die Bäckerei";
- the owner speaking: "I'm Gina Russo, the owner", "Soy Marta Vidal, fundadora",
  "Ik ben Mark Jansen, eigenaar van ...", "I'm Fiona MacLeod and I started ...";
- "X is the owner", "Joost en Anouk van den Berg zijn de eigenaren";
- a team card: a name block next to a title block ("Dana Whitfield" / "Broker/Owner").

Several people can be named at once, and two sharing a surname are written once with it
("Mark and Lisa Turner", "Nathalie et Pierre Lefèvre"): each gets the surname. A founder
named with life dates, or as the original or former owner, is a former owner; so is a
founder known only from the story of the founding when the site names someone else as
running the business today (``OwnerMention.founding_only``, decided over the whole site).

Lines inside testimonials and quotes are not read: they name customers.

Japanese, Korean, Chinese, Arabic and Hebrew write names without capitals: they are read
where a title labels them ("代表取締役 山田 太郎", "대표 : 김민수", "法定代表人：王建国",
"المدير العام: خالد الحمادي"), in the table cell beside the title, after a name with its
title ("יוסי כהן, הבעלים"), or after Arabic verbs of owning and running.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

# ------------------------------------------------------------------------- letters

# Latin letters with accents. Latin Extended-A and -B interleave capitals and small
# letters ("Ł", "ł", "Ș", "ș"), so both classes take those blocks whole: short classes keep
# the patterns small, and a name is still told by its Latin-1 or ASCII capitals.
# Cyrillic and Greek have capitals too, and their names are read the same way: Cyrillic's
# extended block interleaves its cases like Latin Extended; Greek's capitals with and
# without tonos, and its small letters with tonos, dialytika and final sigma.
_UPPER = (
    "A-Z\u00c0-\u00d6\u00d8-\u00de\u0100-\u024f"
    "\u0400-\u042f\u0460-\u04ff\u0386\u0388-\u038f\u0391-\u03a9\u03aa\u03ab"
)
_LOWER = "a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u024f\u0430-\u045f\u0460-\u04ff\u0390\u03ac-\u03ce"

# "Maria", "McDonald", "MacLeod", "DeAngelo", "Mary-Jane", "O'Neil", or an initial "J."
# A name word starts a word: the interleaved blocks make "ı" of "yılında" a capital.
_NAME_WORD = (
    rf"(?<![^\W\d_])(?:[{_UPPER}][\u2019'][{_UPPER}][{_LOWER}]+"
    rf"|[{_UPPER}][{_LOWER}]+(?:[{_UPPER}][{_LOWER}]+)?(?:-[{_UPPER}][{_LOWER}]+)?"
    rf"|[{_UPPER}]\.)"
)
# Lower-case parts of surnames: "Pieter de Vries", "Joost van den Berg", "Ana da Silva".
_PARTICLE = (
    r"(?:de|del|della|dei|der|den|van|von|vom|zu|da|das|dos|do|di|du|le|la|ten|ter|te"
    # Irish "Seán Ó Briain", "Máire Ní Bhriain"; Arabic-origin "bin" in Latin letters
    r"|Ó|Ní|Uí|bin|binti)"
)
# One person: 2-4 name words, particles between them. Up to five are matched, so that a
# leading sentence word ("Meet") can be trimmed before the 2-4 word check.
_NAME = rf"{_NAME_WORD}(?:(?: {_PARTICLE})* {_NAME_WORD}){{1,4}}"
# A given name alone, before "and": "Mark and Lisa Turner".
_GIVEN = rf"{_NAME_WORD}"
_AND = r"(?:and|&|und|et|y|e|en|och|og|ve|и|і|та|και|\+)"
# Titles of address and degrees written before a name (any order, several at once).
_HONORIFIC_WORD = (
    r"(?:Dr|Prof|Mr|Mrs|Ms|Mx|Miss|Herr|Frau|Mme|Mlle|Me|Sr|Sra|Srta|Dña|Dott|Dott\.ssa"
    r"|Dr\.ssa|Avv|Arch|Geom|Ing|Sig|Sig\.ra|Mag|DI|Dipl\.-[A-Za-zä]+|StB|RA|WP|med|dent"
    r"|rer|nat|vet|h\.c|Eng|Engª|Engº|Dra|M|Dª|D)\.?"
)
_HONORIFIC = rf"(?:{_HONORIFIC_WORD} )*"
_LEADING_HONORIFICS = re.compile(rf"^(?:{_HONORIFIC_WORD}\s+)+")
# Letters after a name: "Ana Ruiz, DDS", "Tom Baker Jr."
_CREDENTIAL = r"(?:,? (?:[A-Z]{2,5}|Jr\.?|Sr\.|III?|IV|Ph\.?D\.?))?"
# Several people: "A B", "A B, C D und E F", "Mark and Lisa Turner".
_PERSON = rf"{_HONORIFIC}{_NAME}{_CREDENTIAL}"
_PEOPLE = rf"(?:{_HONORIFIC}(?:{_NAME}|{_GIVEN}),? (?:{_AND} )?)*{_PERSON}"
# In prose a comma after a name starts a new clause: only "and" joins people there.
_PEOPLE_AND = rf"(?:{_HONORIFIC}(?:{_NAME}|{_GIVEN}) {_AND} )*{_PERSON}"

# -------------------------------------------------------------------------- titles

# Japanese: representative director (and president), representative, president, shop owner,
# owner, head of a clinic or office, sole proprietor, founder.
_JA_TITLE_WORDS = (
    r"代表取締役(?:社長|会長)?|代表社員|代表理事|代表者|代表|社長|店主|オーナー|院長|所長"
    r"|理事長|事業主|経営者|創業者|創設者"
)

# One title word or phrase that makes its holder an owner or the person running the
# business, by language. Case-insensitive; the feminine and plural forms included.
_OWNER_TITLE_WORDS = (
    # English
    r"co-?owners?|owners?(?: ?[/&-] ?operators?)?|proprietors?|proprietress|co-?founders?"
    r"|founders?|founding partners?|ceo|chief executive(?: officer)?|president"
    r"|principal(?: [a-z]+)?|managing (?:director|partner|member)s?|directors?"
    r"|partners?|general manager|licensee|broker[/-]owner",
    # German
    r"(?:mit|praxis|betriebs|firmen|geschäfts)?inhaber(?:in|innen)?|inh\.?"
    r"|geschäftsführer(?:in|innen)?|geschäftsführung|geschäftsführende[rn]? gesellschafter(?:in)?"
    r"|(?:mit)?gründer(?:in|innen)?|eigentümer(?:in|innen)?"
    r"|(?:vertretungsberechtigte[rn]? |persönlich haftende[rn]? )?gesellschafter(?:in|innen)?"
    r"|vorstand|partner(?:in|innen)?",
    # French
    r"(?:co-?)?gérant(?:e|s|es)?|(?:co-?)?propriétaires?|(?:co-?)?fondat(?:eur|rice)s?"
    r"|président(?:e)?(?:[- ]directeur général)?|pdg|directeur général|directrice générale"
    r"|dirigeant(?:e)?s?|titulaire(?: du cabinet)?|exploitant(?:e)?s?|associé(?:e)?s?(?: gérant)?"
    r"|chef d['\u2019]entreprise",
    # Spanish
    r"(?:co)?propietari[oa]s?|dueñ[oa]s?|(?:co)?fundador(?:a|es|as)?|gerente"
    r"|administrador(?:a)?(?: únic[oa]| solidari[oa]| general)?|director(?:a)? general"
    r"|soci[oa](?: fundador(?:a)?| director(?:a)?| gerente)?|titular",
    # Italian
    r"titolare|proprietari[oa]|(?:co)?fondat(?:ore|rice|ori)|amministrat(?:ore|rice)"
    r"(?: unic[oa]| delegat[oa])?|legale rappresentante|direttore generale",
    # Dutch
    r"(?:mede-?)?eigena(?:ar|ren|resse)|oprichters?|oprichtster|directeur(?:-eigenaar)?"
    r"|zaakvoerder|vennoot|vennoten",
    # Portuguese
    r"(?:co-?)?propriet[aá]ri[oa]s?|sóci[oa]s?-(?:gerentes?|propriet[aá]ri[oa]s?"
    r"|administrador(?:a|es)?|fundador(?:a|es)?|diretor(?:a)?)|(?:co-?)?fundador(?:a|es)?"
    r"|administrador(?:a)?|diretor(?:a)?-geral|empresári[oa](?: em nome individual)?",
    # Polish (the instrumental "Właścicielem firmy jest ..." too)
    r"(?:współ)?właściciel(?:ka|ki|e|em|ką|ami)?|prezes(?:ka)?(?: zarządu)?"
    r"|(?:współ)?założyciel(?:ka|e|em|ką)?|dyrektor(?:ka)? generaln[ya]|wspólni(?:k|czka|cy)",
    # Swedish, Danish, Norwegian
    r"(?:del|med)?ägare|innehavare|vd|verkställande direktör|grundare"
    r"|(?:med)?indehaver(?:e)?|(?:med)?ejer(?:e)?|adm\.? direktør|administrerende direktør"
    r"|stifter|(?:med)?innehaver(?:e)?|(?:med)?eier(?:e)?|daglig leder|gründer|grunnlegger"
    r"|direktør",
    # Czech, Slovak
    r"jednatel(?:ka|é|em|kou)?|konateľ(?:ka)?|(?:spolu)?majitel(?:ka|é|em|kou)?|majiteľ(?:ka)?"
    r"|zakladatel(?:ka|em|kou)?|společní(?:k|ce)|provozovatel(?:ka)?|ředitel(?:ka)?",
    # Turkish: "firma sahibi", "sahibi ve yöneticisi", "kurucusu", "genel müdür"
    r"(?:firma |işletme |dükkan )?sahib[iı]|kurucu(?:su|muz| ortak)?|genel müdür(?:ü)?"
    r"|yönetici(?:si)?|yönetim kurulu başkanı",
    # Greek (capitals are written without accents)
    r"(?:συν)?ιδιοκτ[ήη]τ(?:ης|ρια|ες)|ιδρυτ(?:[ήη]ς|ρια)|διευθ[ύυ]νων σ[ύυ]μβουλος"
    r"|διαχειριστ(?:[ήη]ς|ρια)|γενικ(?:[όο]ς|[ήη]) διευθυντ(?:[ήη]ς|ρια)",
    # Russian and Ukrainian
    r"владел(?:ец|ица)|собственни(?:к|ца)|(?:генеральный |исполнительный )?директор"
    r"|основател(?:ь|ьница)|учредител(?:ь|ьница)|руководител(?:ь)|индивидуальный предприниматель"
    r"|ип|власни(?:к|ця)|(?:генеральний )?директор(?:ка)?|засновни(?:к|ця)|керівни(?:к|ця)"
    r"|фоп|фізична особа[- ]підприємець",
    # Japanese
    _JA_TITLE_WORDS,
    # Korean, Chinese, Arabic, Hebrew (their names are read apart: below)
    "{KO}|{ZH}|{AR}|{HE}",
)
# Korean: representative (director), president, head of a clinic or academy, store
# manager, operator, founder. Chinese (simplified and traditional): the legal
# representative, the person responsible, general manager, chairman, founder, boss, store
# manager. Arabic: owner, general or executive manager, founder. Hebrew: owner(s), founder,
# CEO, the business's manager.
_KO_TITLE_WORDS = r"대표이사|대표자|대표|사장|원장|점장|운영자|설립자|창업자|오너"
_ZH_TITLE_WORDS = (
    r"法定代表人|法人代表|负责人|負責人|总经理|總經理|董事长|董事長|创始人|創始人|創辦人"
    r"|老板|老闆|店长|店長|经营者|經營者|业主|業主"
)
_AR_TITLE_WORDS = (
    r"المالك(?:ة)?|مالك(?:ة)? (?:المؤسسة|الشركة|المحل)|صاحب(?:ة)? (?:المؤسسة|الشركة|العمل|المحل)"
    r"|المدير العام|المديرة العامة|المدير التنفيذي|الرئيس التنفيذي|المؤسس(?:ة)?|مؤسس(?:ة)? الشركة"
)
_HE_TITLE_WORDS = (
    r"הבעלים|בעלים|בעל(?:ת)? העסק|המייסד(?:ת)?|מייסד(?:ת)?|מנכ[\"״]ל(?:ית)?|המנכ[\"״]ל(?:ית)?"
    r"|מנהל(?:ת)? העסק"
)
_OWNER_TITLE_WORDS = tuple(
    words.format(KO=_KO_TITLE_WORDS, ZH=_ZH_TITLE_WORDS, AR=_AR_TITLE_WORDS, HE=_HE_TITLE_WORDS)
    if words.startswith("{KO}")
    else words
    for words in _OWNER_TITLE_WORDS
)
_TITLE_WORD = "(?:" + "|".join(_OWNER_TITLE_WORDS) + ")"
# Not a vice-president, an assistant manager or a marketing director.
_NOT_THE_HEAD = (
    r"(?<!vice )(?<!vice-)(?<!assistant )(?<!deputy )(?<!stellvertretende )"
    r"(?<!stellv\. )(?<!adjoint )(?<!sous-)(?<!associate )(?<!marketing )(?<!sales )"
    r"(?<!technical )(?<!creative )(?<!art )(?<!funeral )(?<!medical )(?<!musical )"
    r"(?<!project )(?<!office )(?<!account )"
)
_TITLE = rf"(?i:(?<![\w-]){_NOT_THE_HEAD}{_TITLE_WORD}(?![\w-]))"
# Several titles of one person: "Founder & CEO", "Owner/Operator", "Gérant et fondateur".
_TITLES = rf"{_TITLE}(?: ?(?:&|/|,|(?i:and|und|et|y|e|en|och|og|ve|i|a|и|і|та|και)) ?{_TITLE})*"
# Titles that are owners only in the right place: "Partner: X" names a partner of the
# firm, "our partner Peak Lending" a partner business; a "Director" may direct a film.
_LABEL_ONLY_TITLES = re.compile(
    r"(?i:partner(?:in|innen|s)?|directors?|principal|direktør|директор(?:ка)?|ředitel(?:ka)?"
    r"|wspólni(?:k|czka|cy)|společní(?:k|ce)|yönetici(?:si)?)"
)
# Labels that name the people who legally represent a company ("Vertreten durch").
_REPRESENTED_BY = (
    r"(?i:vertreten durch|vertretungsberechtigt(?:e[rn]?)?(?: gesellschafter(?:in|innen)?)?"
    r"|represented by|représentée? par|representad[oa] por|rappresentat[oa] da"
    r"|vertegenwoordigd door|legal(?:ly)? represent(?:ed by|atives?))"
)
_FORMER = re.compile(
    r"(?i:\b(?:former|previous|original|late|retired|ehemalige[rn]?|frühere[rn]?|verstorbene[rn]?"
    r"|ancien(?:ne)?s?|feu|défunt|antigu[oa]|anterior|fallecid[oa]|ex|scomparso|precedente"
    r"|voormalige?|vorige|overleden|antig[oa]|falecid[oa])\b)"
)
# A founder with life dates, or marked dead: "Walter Kowalski (1938-2015)", "Heinrich S. †".
_LIFE_DATES = re.compile(r"^\s*(?:\((?:\*\s*)?\d{4}\s*[-\u2013—]\s*\d{4}\)|\(?†)")
# Roles in a list of titles: "Owner & Master Plumber", "Zahnärztin, Praxisinhaberin".
_ROLE_SEPARATORS = re.compile(
    r"\s*(?:[,/&|+·]|\s(?:and|und|et|y|e|en|och|og|ve|i|a|и|і|та|και)\s)\s*", re.IGNORECASE
)
_TITLE_ROLE = re.compile(rf"{_TITLE_WORD}", re.IGNORECASE)
# A title of another business: "Owner, Hill's BBQ", "owner of Luna the greyhound".
_TITLE_OF = re.compile(
    r"(?i)^(?P<role>.*?)\s*(?:,|\bof\b|\bat\b|\bvon\b|\bde\b|\bdu\b|\bdel\b|\bdi\b|\bvan\b|\bda\b)"
    r"\s+(?P<of>.+)$"
)
# "Gérante de la boutique", "Gerente de tienda": the manager of a part, not of the firm.
_MANAGER_OF_A_PART = re.compile(
    r"(?i)^(?:gérant(?:e)?|gerente|manager|directeur|directrice|director(?:a)?)\s+"
    r"(?:de la|du|de l['\u2019]|des|de|del|of the|of)\s+(?!(?:la |l['\u2019])?(?:société|sarl|sas|"
    r"entreprise|empresa|company|firm))"
)


def is_owner_title(title: str) -> bool:
    """Whether a job title makes its holder an owner or the person running the business.

    Each role of a list counts ("Steuerberater, Dipl.-Kaufmann, Partner"), as a whole:
    "Office Manager" and "Gérante de la boutique" are not owners, "Owner & Lead Dentist" is.
    """
    title = re.sub(r"\([^)]*\)", "", title).strip(" :.-\u2013—")
    if not title or _FORMER.search(title) or _MANAGER_OF_A_PART.match(title):
        return False
    roles = [role.strip(" .:") for role in _ROLE_SEPARATORS.split(title)]
    return any(_TITLE_ROLE.fullmatch(role) for role in roles if role) or bool(
        _TITLE_ROLE.match(title) and not title[: len(title) // 2].islower()
    )


def title_elsewhere(title: str) -> str | None:
    """The business a title names by its name ("Owner, Hill's BBQ" -> "Hill's BBQ"), if any;
    "fondateur de l'entreprise" or "titulaire du cabinet" name none."""
    match = _TITLE_OF.match(title)
    if not match or not _TITLE_ROLE.fullmatch(match["role"].strip(" .")):
        return None
    named = re.sub(
        r"^(?:the|la|le|les|l['\u2019]|el|il|lo|de|het|o|a|die|der|das)\s*", "", match["of"]
    )
    return named.strip(" .") if named[:1].isupper() else None


# ----------------------------------------------------------------------- patterns


@dataclass(frozen=True)
class OwnerMention:
    name: str
    title: str
    pattern: str
    former: bool = False
    founding_only: bool = False  # named only as having founded the business


_SENTENCE_END = r"(?:[.!?](?:\s|$)|$)"
_ROLE_WORDS = r"(?:[\w'\u2019-]+ ){0,3}?"  # "master plumber", "sisters", "dal figlio", "Enkelin"
_RUNS = (
    r"(?i:owned|operated|run|led|managed|taken over|bought|acquired|geführt|geleitet|betrieben"
    r"|übernommen|dirigée?|gérée?|tenue?|reprise?|exploitée?|dirigid[oa]|gestionad[oa]"
    r"|regentad[oa]|llevad[oa]|guidat[oa]|gestit[oa]|dirett[oa]|condott[oa]|gerund|geleid"
    r"|overgenomen|gerid[oa]|liderad[oa]|administrad[oa]|atendid[oa]s?|drivs|drivet|drevs|ägs"
    r"|ledd|ledes|drives|ejes|eies|prowadzon[ay]|vedena|vedeno|veden)"
)
_BY = r"(?i:by|von|vom|par|por|da|dal|dalla|dai|door|pelo|pela|av|af|przez)"
_FOUNDED = (
    r"(?i:founded|co-founded|established|started|opened|set up|gegründet|eröffnet|fondée?"
    r"|créée?|fundad[oa]|fondat[oa]|aperto|aperta|opgericht|geopend|fundad[oa]|criad[oa]|abert[oa]"
    r"|grundades|grundat|grundlagt|grundlagdes|startades|stiftet|etablert|startet"
    r"|założon[aey]|zalo[žz]en[aáo]?)"
)
_FOUNDS = (
    r"(?i:founded|co-founded|started|opened|established|launched|gründete|gründeten|eröffnete"
    r"|eröffneten|a fondé|ont fondé|a créé|a ouvert|fundó|fundaron|abrió|ha fondato|ha aperto"
    r"|richtte|opende|fundou|abriu)"
)
_RUN_VERB_FIRST = (  # verb before the name: German and Dutch word order, Spanish, Italian
    r"(?i:führt|führen|leitet|leiten|dirige|dirigen|gestiona|gestionan|regenta|lleva|guida"
    r"|gestisce|leidt|runs|run)"
)
_SELF = (
    r"(?i:I['\u2019]m|I am|my name is|je suis|je m['\u2019]appelle|ich bin|mein name ist"
    r"|ich heiße|soy"
    r"|me llamo|mi nombre es|sono|mi chiamo|ik ben|mijn naam is|sou|chamo-me|o meu nome é)"
)
_SELF_OWNS = (
    rf"(?:{_TITLE}|(?i:started|founded|opened|own|run|gründete|eröffnete|führe|leite|fondé"
    r"|ouvert|créé|fundé|abrí|dirijo|fondato|aperto|gestisco|opgericht|geopend|fundei|abri))"
)
_IS = (
    r"(?i:is|are|was|has been|ist|sind|war|est|sont|était|es|son|era|è|sono|era|zijn|was|é|são"
    r"|foi|jest|är|er|je|является|είναι)"
)
_THE = (
    r"(?i:the|our|its|die|der|das|unsere?|le|la|les|l['\u2019]|notre|el|los|las|nuestr[oa]|il|lo|la"
    r"|gli|i|nostr[oa]|de|het|onze|o|a|os|as|noss[oa]|su|sus|seu|sua)"
)

# (name, regex with groups "people" [and "title"], fixed title)
_PATTERNS: tuple[tuple[str, re.Pattern[str], str | None], ...] = (
    (
        "title_label",
        re.compile(
            rf"(?:^|(?<=[(,;.|·•] )|(?<=[(|·•]))(?P<title>{_TITLE}(?:[^:\uff1a\n]{{0,40}}?))"
            rf"\s?[:\uff1a]\s?"
            rf"(?P<people>{_PEOPLE})"
        ),
        None,
    ),
    (
        "title_dash",
        re.compile(rf"^(?P<title>{_TITLE}[^\u2013—:\n]{{0,40}}?) [\u2013—-] (?P<people>{_PEOPLE})"),
        None,
    ),
    (
        "represented_by",
        re.compile(
            rf"{_REPRESENTED_BY}\s?:?\s(?:(?:{_THE}|den|die) )?(?:{_TITLES} )?(?P<people>{_PEOPLE})"
            rf"(?: \((?P<title>[^)]+)\))?"
        ),
        "Legal representative",
    ),
    (
        "name_title",
        re.compile(
            rf"(?P<people>{_PEOPLE_AND}) ?(?:,|\(|\u2013|\u2014| - ) ?(?:{_THE} )?"
            rf"(?:[{_LOWER}'\u2019-]+ ){{0,3}}"
            rf"(?:(?i:and|und|et|y|e|en) )?(?P<title>{_TITLES}(?: (?i:of|de|du|di|van|von|da) "
            rf"[^,.;()]{{2,40}})?)(?!:? ?,? ?{_HONORIFIC}{_NAME})"
        ),
        None,
    ),
    (
        "title_name",
        re.compile(
            rf"(?:^|(?<=[.!?:;,(] )|(?<![\w-])(?:(?i:meet|with)|{_THE}) )"
            rf"(?P<title>{_TITLE}),? (?P<people>{_PEOPLE_AND})"
        ),
        None,
    ),
    (
        "runs_by",
        re.compile(
            # a word may come between: "Sedan 2014 drivs företaget av ..." (inverted order)
            rf"\b{_RUNS}(?: (?i:and|&|und|et|y|e|en) {_RUNS})?(?: [{_LOWER}][\w'\u2019-]*)? {_BY}"
            rf" {_ROLE_WORDS}"
            rf"(?P<people>{_PEOPLE_AND})"
        ),
        "Owner",
    ),
    (
        "runs_verb_first",
        re.compile(
            rf"\b{_RUN_VERB_FIRST} (?:(?:{_THE}) )?(?:[\w'\u2019-]+ ){{0,2}}?"
            rf"(?P<people>{_PEOPLE_AND})"
            rf" (?:(?:{_THE}) )?(?i:\w*(?:betrieb|unternehmen|firma|geschäft|praxis|kanzlei"
            r"|erei|werkstatt|salon|laden|handel|haus|studio)|bedrijf|zaak|empresa|negocio|taller"
            r"|azienda|studio|it)\b"
        ),
        "Owner",
    ),
    (
        "runs_verb_after",
        re.compile(
            rf"(?P<people>{_PEOPLE_AND}) (?i:führt|führen|leitet|leiten|runs|run|still runs"
            rf"|took over|bought|leidt|leiden|dirige|dirigen|gestisce|gerencia)\b"
        ),
        "Owner",
    ),
    (
        "runs_passive",  # "Der Betrieb wird von Sandra und Michael Kühn geführt."
        re.compile(
            rf"\b(?i:wird|werden|wurde) (?:[\w'\u2019-]+ ){{0,3}}?(?i:von) {_ROLE_WORDS}"
            rf"(?P<people>{_PEOPLE_AND}) (?:[\w'\u2019-]+ ){{0,3}}?"
            rf"(?i:geführt|geleitet|betrieben)\b"
        ),
        "Owner",
    ),
    (
        "have_owned",  # "Bob and Sue Harper have owned the shop since 1991."
        re.compile(rf"(?P<people>{_PEOPLE_AND}) (?i:has|have|had) (?i:owned|run|operated|led)\b"),
        "Owner",
    ),
    (
        "runs_object_first",  # "hoy la empresa la dirige su hijo José Ruiz García"
        re.compile(
            rf"\b(?i:la|lo|le|los|las) (?i:dirige|dirigen|gestiona|lleva|regenta) "
            rf"{_ROLE_WORDS}(?P<people>{_PEOPLE_AND})"
        ),
        "Owner",
    ),
    (
        "founded_by",
        re.compile(rf"\b{_FOUNDED}\b[^.!?]{{0,40}}?\b{_BY} {_ROLE_WORDS}(?P<people>{_PEOPLE_AND})"),
        "Founder",
    ),
    (
        "founds",
        re.compile(rf"(?P<people>{_PEOPLE_AND}) {_FOUNDS}\b"),
        "Founder",
    ),
    (
        "founds_verb_first",  # "1962 gründete Bäckermeister Heinrich Schmidt die Bäckerei"
        re.compile(
            rf"\b(?i:gründete|gründeten|eröffnete|eröffneten|opende|richtte) "
            rf"(?:[\w'\u2019-]+ ){{0,2}}?(?P<people>{_PEOPLE_AND})"
        ),
        "Founder",
    ),
    (
        "self",
        re.compile(
            rf"{_SELF},? (?P<people>{_PERSON})(?:,| and| et| und| y| e| en|\.)? "
            rf"(?P<rest>[^.!?]{{0,80}}?{_SELF_OWNS})"
        ),
        None,
    ),
    (
        "is_title",
        re.compile(
            rf"(?P<people>{_PEOPLE_AND}) {_IS} (?:{_THE} )?(?:(?i:proud|current|sole|new) )?"
            rf"(?P<title>{_TITLE})"
        ),
        None,
    ),
    (
        "title_is",  # "Właścicielem firmy jest Jan Nowak", "The owner is Mike Brennan"
        re.compile(
            rf"(?:^|(?<=[.!?] ))(?:{_THE} )?(?P<title>{_TITLES})(?: [\w'\u2019-]+){{0,3}}? {_IS}"
            rf" (?:[{_LOWER}][\w'\u2019-]* ){{0,2}}?(?P<people>{_PEOPLE_AND})"
        ),
        None,
    ),
    (
        # Turkish: the title, then the name with the copula "-dır" ("Firmanın sahibi
        # Mehmet Yılmaz'dır"), or "tarafından" (by) after the name.
        "title_copula_tr",
        re.compile(
            rf"(?P<title>{_TITLES}) (?:[{_LOWER}][\w'\u2019-]* ){{0,2}}?(?P<people>{_PEOPLE_AND})"
            r"['\u2019](?:d|t)[ıiuü]r\b"
        ),
        None,
    ),
    (
        "runs_by_tr",
        re.compile(
            rf"(?P<people>{_PEOPLE_AND}) tarafından (?:[\w'\u2019-]+ ){{0,2}}?"
            r"(?i:işletil|yönetil)\w*"
        ),
        "Owner",
    ),
    (
        "founded_by_tr",
        re.compile(
            rf"(?P<people>{_PEOPLE_AND}) tarafından (?:[\w'\u2019-]+ ){{0,2}}?(?i:kurul)\w*"
        ),
        "Founder",
    ),
    (
        "verb_is_title",  # "Sinds 2016 zijn Joost en Anouk van den Berg de eigenaren"
        re.compile(rf"\b{_IS} (?P<people>{_PEOPLE_AND}) (?:{_THE} )?(?P<title>{_TITLE})"),
        None,
    ),
)
FOUNDING_PATTERNS = frozenset(
    {"founded_by", "founds", "founds_verb_first", "founded_by_tr", "founded_by_ar"}
)
# Patterns where a title in running text ("our partner X") may name no owner.
_PROSE_TITLE_PATTERNS = frozenset(
    {"name_title", "is_title", "verb_is_title", "title_name", "title_is", "title_copula_tr"}
)
# Patterns that end at the name's last word: leading sentence words are trimmed off it.
_NAME_FIRST_PATTERNS = frozenset(
    {"founds", "runs_verb_after", "is_title", "have_owned", "runs_by_tr", "founded_by_tr"}
)
# Patterns whose wording, not a title, says the person owns or runs the business.
FIXED_TITLE_PATTERNS = frozenset(
    {name for name, _, title in _PATTERNS if title is not None} | {"self"}
)

# Capitalised words that are not parts of a person's name, in the languages read here.
_NOT_NAME_WORDS = frozenset(
    {
        # English
        "our", "team", "contact", "us", "about", "today", "meet", "the", "call", "home",
        "welcome", "free", "estimate", "estimates", "read", "more", "learn", "click", "here",
        "privacy", "policy", "terms", "get", "in", "touch", "why", "choose", "family", "owned",
        "operated", "licensed", "insured", "bonded", "service", "services", "hours", "open",
        "now", "book", "schedule", "request", "quote", "view", "see", "all", "my", "your", "we",
        "and", "of", "for", "with", "by", "at", "on", "a", "an", "to", "from", "new", "best",
        "top", "local", "serving", "since", "customer", "customers", "reviews", "review",
        "testimonials", "gallery", "blog", "news", "faq", "careers", "jobs", "menu", "shop",
        "cart", "login", "sign", "up", "follow", "like", "share", "email", "phone", "fax",
        "address", "directions", "map", "monday", "tuesday", "wednesday", "thursday",
        "friday", "saturday", "sunday", "owner", "owners", "founder", "founders", "ceo",
        "president", "manager", "director", "directors", "partner", "partners", "principal",
        "master", "senior", "certified", "emergency", "residential", "commercial", "north",
        "south", "east", "west", "street", "avenue", "road", "suite", "copyright", "rights",
        "reserved", "story", "mission", "values", "quality", "satisfaction", "guaranteed",
        "trusted", "professional", "hi", "hello", "he", "she", "they", "his", "her", "their",
        "i", "it", "is", "was", "has", "have", "who", "when", "after", "before", "both",
        "office", "lead", "head", "mobile", "cell", "tel", "site", "website", "web",
        # German
        "der", "die", "das", "den", "dem", "des", "ein", "eine", "und", "oder", "mit", "von",
        "vom", "zu", "zur", "zum", "im", "ins", "am", "auf", "aus", "bei", "seit", "heute",
        "unser", "unsere", "ihr", "ihre", "sein", "seine", "wir", "sie", "er", "es",
        "inhaber", "inhaberin", "geschäftsführer", "geschäftsführerin", "gründer", "gründerin",
        "gesellschafter", "gesellschafterin", "partnerin", "kontakt", "impressum",
        "telefon", "telefax", "mobil", "anschrift", "straße", "str", "firma", "praxis",
        "kanzlei", "betrieb", "herzlich", "willkommen", "familie", "brüder", "schwestern",
        "sohn", "tochter", "vater", "mutter", "enkel", "enkelin", "frau", "herr", "ansprechpartner",
        # French
        "le", "la", "les", "l", "un", "une", "et", "ou", "du", "de", "au", "aux",
        "notre", "nos", "votre", "vos", "son", "sa", "ses", "leur", "il", "elle", "nous",
        "depuis", "aujourd", "gérant", "gérante", "propriétaire", "propriétaires", "fondateur",
        "fondatrice", "président", "présidente", "équipe", "bienvenue", "rue", "boulevard",
        "chez", "maison", "atelier", "cabinet", "docteur",
        # Spanish
        "el", "los", "las", "y", "o", "del", "al", "en", "con", "por", "para", "nuestro",
        "nuestra", "su", "sus", "hoy", "desde", "propietario", "propietaria", "fundador",
        "fundadora", "gerente", "equipo", "calle", "hola", "soy", "hermanos", "hijo", "hija",
        # Italian
        "lo", "gli", "e", "di", "da", "dal", "della", "nel", "nella", "per",
        "nostro", "nostra", "oggi", "titolare", "fondatore", "via", "corso",
        "piazza", "ciao", "sono", "figlio", "figlia", "dott", "studio",
        # Dutch
        "het", "een", "van", "voor", "met", "onze", "ons", "sinds", "eigenaar",
        "eigenaren", "oprichter", "straat", "welkom", "ik", "ben", "zijn",
        # Portuguese
        "os", "as", "do", "dos", "em", "no", "na", "com", "nosso",
        "nossa", "proprietário", "proprietária", "sócio", "rua",
        "olá", "sou", "equipa",
    }
)  # fmt: skip
_BUSINESS_WORDS = frozenset(
    {
        "plumbing", "plumber", "plumbers", "electric", "electrical", "electrician",
        "electricians", "heating", "cooling", "air", "hvac", "roofing", "roofers", "roof",
        "construction", "contractors", "contracting", "contractor", "builders", "remodeling",
        "landscaping", "lawn", "pest", "control", "cleaning", "cleaners", "painting",
        "painters", "dental", "dentistry", "clinic", "medical", "health", "law", "legal",
        "firm", "attorneys", "attorney", "associates", "group", "company", "co", "corp",
        "corporation", "inc", "llc", "ltd", "lp", "llp", "pllc", "pc", "solutions", "systems",
        "enterprises", "industries", "holdings", "partners", "agency", "studio", "salon",
        "spa", "store", "restaurant", "cafe", "café", "kitchen", "bakery", "auto", "repair",
        "motors", "garage", "realty", "properties", "insurance", "financial", "consulting",
        "marketing", "media", "design", "pros", "experts", "specialists", "center", "centre",
        "works", "supply", "lock", "key", "locksmith", "brothers", "bros", "sons", "doors",
        "windows", "lending", "capital", "digital", "web", "photography", "roasters",
        "gmbh", "ug", "ag", "kg", "ohg", "gbr", "ek", "e.k", "mbh", "verwaltungs", "sarl",
        "sas", "sa", "eurl", "sasu", "sl", "slu", "srl", "snc", "bv", "nv",
        "vof", "lda", "unipessoal", "medien", "elektro", "bäckerei", "malerbetrieb",
        "dachtechnik", "tischlerei", "plomberie", "boulangerie", "fontanería", "talleres",
        "idraulica", "pasticceria", "bakkerij", "schildersbedrijf", "loodgieters",
        "canalizações", "pastelaria", "eletro",
    }
)  # fmt: skip
# German and Dutch nouns of trade and kin, capitalised like names: "Bäckermeister Heinrich".
_ROLE_NOUN = re.compile(
    r"(?i).*(?:meister(?:in)?|geselle|techniker(?:in)?|ingenieur(?:in)?|therapeut(?:in)?"
    r"|arzt|ärztin|berater(?:in)?|kaufmann|kauffrau|ausstatter(?:in)?|enkel(?:in)?|sohn"
    r"|tochter|vater|mutter|bruder|brüder|schwester(?:n)?|ehemann|ehefrau|gattin|gatte"
    r"|grootvader|overgrootvader|vader|moeder|zoon|dochter|chef(?:in)?|electricien|plombier)$"
)
# Turkish nouns with "our" ("Firmamız", "Dükkanımız"), capitalised at a sentence's start.
_OUR_TR = re.compile(r".+(?:ımız|imiz|umuz|ümüz)")


def _is_name_word(word: str) -> bool:
    plain = word.rstrip(".,").lower()
    return (
        plain not in _NOT_NAME_WORDS
        and plain not in _BUSINESS_WORDS
        and not (len(plain) > 2 and _ROLE_NOUN.fullmatch(plain))
        and not _OUR_TR.fullmatch(plain)
    )


def person_name(text: str, *, keep: str = "all") -> str | None:
    """A 2-4 word person name out of ``text``, honorifics and credentials removed, or None.

    ``keep="start"`` keeps the leading run of name words ("Maria Lopez" of "Maria Lopez
    Today"), ``"end"`` the trailing run ("Jane Doe" of "Meet Jane Doe"), ``"all"`` accepts
    only if every word is a name word.
    """
    text = " ".join(text.split())
    # Structured data is often typed in one case throughout ("DR. ANA RUIZ").
    if text.isupper() or text.islower():
        text = text.title()
    text = _LEADING_HONORIFICS.sub("", text)
    text = re.sub(r",? (?:[A-Z]{2,5}|Jr\.?|Sr\.|III?|IV|Ph\.?D\.?)$", "", text)
    words = text.split()
    if keep == "end":
        words.reverse()
    run: list[str] = []
    for word in words:
        if re.fullmatch(_PARTICLE, word) and run:
            run.append(word)
            continue
        if not re.fullmatch(_NAME_WORD, word) or not _is_name_word(word):
            if keep == "all":
                return None
            if run:
                break
            continue
        run.append(word)
    if keep == "end":
        run.reverse()
    while run and (
        re.fullmatch(_PARTICLE, run[-1]) or (run[-1].endswith(".") and len(run[-1]) == 2)
    ):
        run.pop()
    while run and re.fullmatch(_PARTICLE, run[0]):
        run.pop(0)
    full_words = [w for w in run if not re.fullmatch(_PARTICLE, w) and not w.endswith(".")]
    if not 2 <= len(full_words) <= 4:
        return None
    return " ".join(run)


def split_people(people: str, *, keep: str = "start") -> list[str]:
    """The persons of "A B, C D und E F" or "Mark and Lisa Turner" (who share the surname)."""
    parts = [
        part.strip(" ,")
        for part in re.split(rf",\s*(?:{_AND}\s+)?|\s+{_AND}\s+", people)
        if part.strip(" ,")
    ]
    if not parts:
        return []
    names: list[str] = []
    last = person_name(parts[-1], keep=keep if len(parts) == 1 else "start")
    surname = " ".join(last.split()[1:]) if last else None
    for index, part in enumerate(parts):
        anchored = keep if len(parts) == 1 else ("end" if index == 0 else "start")
        if index == len(parts) - 1:
            name = last
        else:
            name = person_name(part, keep=anchored)
            given = _LEADING_HONORIFICS.sub("", part).split()
            if (
                name is None
                and surname
                and given
                and re.fullmatch(_NAME_WORD, given[-1])
                and _is_name_word(given[-1])
            ):
                name = f"{given[-1]} {surname}"
        if name:
            names.append(name)
    return names


def _tidy_title(title: str) -> str:
    tidy = " ".join(title.split()).strip(" :,-\u2013\u2014|")
    return tidy[:1].upper() + tidy[1:]


def owner_mentions(lines: Sequence[str], quoted: Sequence[bool] = ()) -> Iterator[OwnerMention]:
    """Every owner a page's lines name; ``quoted`` flags lines of testimonials and quotes."""
    flags = list(quoted) or [False] * len(lines)
    readable = [line if not flag else "" for line, flag in zip(lines, flags, strict=True)]
    for line in readable:
        for sentence in _sentences(line):
            yield from _line_mentions(sentence)
            yield from _japanese_mentions(sentence)
            yield from _uncased_mentions(sentence)
    yield from _card_mentions(readable)
    yield from _japanese_card_mentions(readable)
    yield from _uncased_card_mentions(readable)


# An owner is named in a sentence, not in a wall of text: longer blocks are read sentence by
# sentence, and a "sentence" longer than this (a list of numbers, a hostile page) is not
# read at all, which keeps the name-first patterns linear in the page's size.
_MAX_SENTENCE_CHARS = 600
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[^\W\d_])")


def _sentences(line: str) -> list[str]:
    if len(line) <= _MAX_SENTENCE_CHARS:
        return [line] if line else []
    return [part for part in _SENTENCE_BREAK.split(line) if len(part) <= _MAX_SENTENCE_CHARS]


# The legal form after a company's name: "Reformas García S.L.", "Müller GmbH", "Acme Ltd".
_COMPANY_FORM_AFTER = re.compile(
    r"^[^,;:\u00b7|()]*?(?:\s|,\s?)(?:S\.\s?L\.?(?:\s?U\.?)?|SLU?|S\.\s?A\.?|SA|S\.\s?r\.\s?l\.?|Srl|S\.\s?p\.\s?A\.?"
    r"|S\.\s?n\.\s?c\.?|S\.\s?a\.\s?s\.?|SARL|SAS|SASU|EURL|GmbH|UG|AG|KG|OHG|GbR|e\.\s?K\.?|mbH"
    r"|B\.\s?V\.?|BV|N\.\s?V\.?|VOF|Lda\.?|Ltda\.?|Unipessoal|Ltd\.?|LLC|Inc\.?|Corp\.?|PLC"
    r"|Pty|LLP|K\.\s?K\.?)(?![\w])"
)


# Words a pattern cannot match without: a line lacking them is not searched (the
# name-first patterns cost the most, and most lines name no one).
_NEEDS = {
    "runs_by_tr": re.compile("tarafından", re.IGNORECASE),
    "founded_by_tr": re.compile("tarafından", re.IGNORECASE),
    "title_copula_tr": re.compile(r"['\u2019][dt][ıiuü]r\b"),
}


def _line_mentions(line: str) -> Iterator[OwnerMention]:
    for pattern_name, pattern, fixed_title in _PATTERNS:
        if (needs := _NEEDS.get(pattern_name)) is not None and not needs.search(line):
            continue
        for match in pattern.finditer(line):
            title = fixed_title
            if "title" in match.groupdict() and match["title"]:
                title = match["title"]
            if pattern_name == "self":
                found = _TITLE_ROLE.search(match["rest"])
                title = found.group() if found else "Founder"
            if title is None:
                continue
            title = _tidy_title(title)
            role = title.split(" of ")[0].strip()
            if pattern_name in _PROSE_TITLE_PATTERNS and _LABEL_ONLY_TITLES.fullmatch(role):
                continue
            if (
                pattern_name not in FIXED_TITLE_PATTERNS
                and not is_owner_title(role)
                and not title_elsewhere(title)
            ):
                continue
            before = line[max(0, match.start() - 30) : match.start()]
            former = bool(_FORMER.search(before + " " + title))
            keep = "end" if pattern_name in _NAME_FIRST_PATTERNS else "start"
            after = line[match.end("people") : match.end("people") + 20]
            # "Titular: Reformas García S.L.": a company, not a person.
            if _COMPANY_FORM_AFTER.search(line[match.start("people") : match.end("people") + 12]):
                continue
            for name in split_people(match["people"], keep=keep):
                yield OwnerMention(
                    name,
                    title,
                    pattern_name,
                    former=former or bool(_LIFE_DATES.match(after)),
                    founding_only=pattern_name in FOUNDING_PATTERNS,
                )


_NAME_LINE = re.compile(rf"{_HONORIFIC}(?P<people>{_NAME}){_CREDENTIAL}")
_TITLE_ONLY_LINE = re.compile(rf"(?P<title>{_TITLE}[^:]{{0,50}}?|{_REPRESENTED_BY})\s?[:\uff1a]?")
_MAX_TITLE_LINE_CHARS = 80


def _card_mentions(lines: Sequence[str]) -> Iterator[OwnerMention]:
    """A name block next to a title block, or a title block above a column of names."""
    for index, (first, second) in enumerate(itertools.pairwise(lines)):
        name_match = _NAME_LINE.fullmatch(first)
        if (
            name_match
            and len(second) <= _MAX_TITLE_LINE_CHARS
            and ":" not in second
            and is_owner_title(second)
            and (name := person_name(first))
        ):
            yield OwnerMention(name, _tidy_title(second), "heading")
            continue
        # A title above a column of names: a label ("Gesellschafter:"), or a bare title
        # ("Owner") that is not itself the title of a card above it.
        title_match = _TITLE_ONLY_LINE.fullmatch(first)
        is_label = first.rstrip().endswith((":", "\uff1a"))
        bare_title = bool(re.fullmatch(rf"{_TITLE}", first.strip())) and not (
            index and _NAME_LINE.fullmatch(lines[index - 1])
        )
        if (
            title_match
            and (is_label or bare_title)
            and (
                is_owner_title(title_match["title"])
                or re.fullmatch(_REPRESENTED_BY, first.rstrip(" :"))
            )
        ):
            for following in lines[index + 1 : index + 5]:
                named = re.fullmatch(
                    rf"{_HONORIFIC}(?P<people>{_NAME}){_CREDENTIAL}(?: \((?P<title>[^)]+)\))?",
                    following,
                )
                name = person_name(named["people"]) if named else None
                if not name:
                    break
                title = named["title"] if named and named["title"] else title_match["title"]
                yield OwnerMention(name, _tidy_title(title), "heading")


def normal_name(name: str) -> str:
    """A name folded for comparison: case, accents and spacing aside."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(ch for ch in folded if not unicodedata.combining(ch)).split())


# ------------------------------------------------------------------------ Japanese

# A Japanese name: family and given name in kanji, written apart ("山田 太郎", the given
# name may be in kana) or together ("山田太郎").
_JA_KANJI = r"\u4e00-\u9fff\u3005"
_JA_NAME = (
    rf"[{_JA_KANJI}]{{1,4}}[ \u3000][{_JA_KANJI}\u3040-\u309f\u30a0-\u30ff]{{1,5}}"
    rf"|[{_JA_KANJI}]{{2,6}}"
)
_JA_TITLES = rf"(?:{_JA_TITLE_WORDS})(?:[ \u3000・/]*(?:{_JA_TITLE_WORDS}))*"
# "代表者:山田 太郎", "代表取締役　山田太郎", "代表者 代表取締役 山田 太郎": a title, a
# separator (a title run into a name is a compound word: "代表挨拶"), the name.
_JA_LABEL = re.compile(
    rf"(?:^|(?<=[\s\u3000:\uff1a\uff08(]))(?P<title>{_JA_TITLES})[ \u3000]*[:\uff1a]?[ \u3000]+"
    rf"(?P<name>{_JA_NAME})(?=$|[\s\u3000、。,.\uff08(\uff09)]|です|と申します)"
    rf"|(?:^|(?<=[\s\u3000]))(?P<title2>{_JA_TITLES})[:\uff1a][ \u3000]*"
    rf"(?P<name2>{_JA_NAME})(?=$|[\s\u3000、。,.\uff08(\uff09)]|です|と申します)"
)
_JA_TITLE_LINE = re.compile(rf"(?P<title>{_JA_TITLES})[ \u3000]*[:\uff1a]?")
_JA_NAME_LINE = re.compile(rf"(?:(?P<title>{_JA_TITLES})[ \u3000]+)?(?P<name>{_JA_NAME})")


def _japanese_name(name: str) -> str:
    return " ".join(name.split())


def _japanese_mentions(line: str) -> Iterator[OwnerMention]:
    """A Japanese title and the name after it: "代表取締役 山田 太郎", "店主:鈴木花子"."""
    if not re.search(f"[{_JA_KANJI}]", line):
        return
    for match in _JA_LABEL.finditer(line):
        title = match["title"] or match["title2"]
        name = match["name"] or match["name2"]
        yield OwnerMention(_japanese_name(name), " ".join(title.split()), "title_label_ja")


def _japanese_card_mentions(lines: Sequence[str]) -> Iterator[OwnerMention]:
    """A company profile table: "代表者" in one cell, "山田 太郎" in the next."""
    for first, second in itertools.pairwise(lines):
        label = _JA_TITLE_LINE.fullmatch(first.strip())
        named = _JA_NAME_LINE.fullmatch(second.strip()) if label else None
        if label and named:
            title = named["title"] or label["title"]
            yield OwnerMention(_japanese_name(named["name"]), title, "heading_ja")


# ------------------------------------------------- Korean, Chinese, Arabic, Hebrew

# Scripts without capitals: a name is read only where a title labels it ("대표 : 김민수",
# "法定代表人：王建国", "المدير العام: خالد عبدالله الحمادي"), in a table cell under or
# beside its title, after an owner's title with a comma ("יוסי כהן, הבעלים"), or, in
# Arabic, after the verbs that say who owns or runs the business.
_AR_LETTERS = "\u0621-\u064a\u0671-\u06d3"
_HE_LETTERS = "\u05d0-\u05ea"
_HE_WORD = f"[{_HE_LETTERS}][{_HE_LETTERS}'\u05f3-]*"


@dataclass(frozen=True)
class _Uncased:
    titles: str
    name: str  # one person's name, as the script writes it
    honorifics: str = ""  # written before a name: Eng., Dr., Mr.
    not_a_name: re.Pattern[str] | None = None  # a family name with "Mr" or "manager"
    stop_words: frozenset[str] = frozenset()  # words that end a name in running text
    spaced_titles: str = ""  # titles that need no colon before the name ("대표이사 김민수")


_AR_STOP_WORDS = frozenset(
    {"منذ", "في", "من", "عام", "سنة", "مع", "الذي", "التي", "وهو", "وهي", "هو", "هي", "على",
     "إلى", "الى", "عن", "لدى", "حتى", "بعد", "قبل", "ويقدم", "ويعمل", "شخصيا", "شخصياً",
     # the next label on the line: number, phone, mobile, mail, address
     "رقم", "هاتف", "الهاتف", "جوال", "الجوال", "البريد", "العنوان", "فاكس", "ص.ب",
     # who runs it that is no person: a team, a group, a company, its management, staff
     "فريق", "مجموعة", "شركة", "مؤسسة", "إدارة", "ادارة", "نخبة", "طاقم", "كادر"}
)  # fmt: skip
# Words of a page's sections that follow a title in menus and tables ("대표 인사말", the
# representative's greeting; "董事长致辞", the chairman's address): no one's name.
_SECTION_WORDS = re.compile(
    r"인사말|인사|소개|메시지|연혁|전화|번호|致辞|致辭|寄语|寄語|简介|簡介|介绍|介紹|信箱|电话|電話"
    r"|手机|手機|邮箱|郵箱|热线|熱線"
)
_UNCASED = (
    # Korean: family and given name in two to four syllables, written together.
    _Uncased(_KO_TITLE_WORDS, "[\uac00-\ud7a3]{2,4}", spaced_titles="대표이사|대표자"),
    # Chinese: two to four characters; "王先生" (Mr Wang), "陈经理" (manager Chen) are not names.
    _Uncased(
        _ZH_TITLE_WORDS,
        "[\u4e00-\u9fff]{2,4}",
        not_a_name=re.compile(r".+(?:先生|女士|小姐|经理|經理|总|總|老师|老師|师傅|師傅|太太)$"),
    ),
    # Arabic: given name, father's (with bin), family; an engineer's or doctor's title before.
    _Uncased(
        _AR_TITLE_WORDS,
        f"[{_AR_LETTERS}]+(?: [{_AR_LETTERS}]+){{1,5}}",
        honorifics=r"(?:المهندس(?:ة)?|م\.|الدكتور(?:ة)?|د\.|السيد(?:ة)?|الأستاذ(?:ة)?|أ\.|الشيخ(?:ة)?)",
        stop_words=_AR_STOP_WORDS,
    ),
    # Hebrew: given and family name.
    _Uncased(
        _HE_TITLE_WORDS,
        f"{_HE_WORD}(?: {_HE_WORD}){{1,2}}",
        honorifics=r"(?:מר|גב'|גברת|ד\"ר|ד״ר|עו\"ד|עו״ד)",
    ),
)
# What ends a name: the end, a space or a field's separator, punctuation.
_UNCASED_END = r"(?=$|[\s|｜,，、。.;；/·()（）\u060c\u061b])"
_UNCASED_LABELS = tuple(
    re.compile(
        rf"(?:^|(?<=[\s|｜,，、(（:：]))(?P<title>{script.titles})\s*[:：]\s*"
        rf"(?:{script.honorifics}\s+)?(?P<name>{script.name}){_UNCASED_END}"
        if script.honorifics
        else rf"(?:^|(?<=[\s|｜,，、(（:：]))(?P<title>{script.titles})\s*[:：]\s*"
        rf"(?P<name>{script.name}){_UNCASED_END}"
    )
    for script in _UNCASED
)
_UNCASED_SPACED = tuple(
    re.compile(
        rf"(?:^|(?<=[\s|｜]))(?P<title>{script.spaced_titles})\s+(?P<name>{script.name}){_UNCASED_END}"
    )
    for script in _UNCASED
    if script.spaced_titles
)
# "יוסי כהן, הבעלים": a name at the start of a sentence, a comma, an owner's title.
_UNCASED_NAME_TITLES = tuple(
    re.compile(
        rf"(?:^|(?<=[.!?] ))(?P<name>{script.name}), (?P<title>{script.titles}){_UNCASED_END}"
    )
    for script in _UNCASED[2:]
)
# "يملكها ويديرها فهد بن سعد العتيبي": owned (and run) by; "أسسها" founded by.
_AR_OWNS = re.compile(
    r"(?:^|(?<=\s))(?P<verb>(?:ي|ت)(?:ملك|متلك|دير)(?:ها|ه)|أسس(?:ها|ه))"
    r"(?: و(?:ي|ت)?(?:ملك|متلك|دير)(?:ها|ه))? "
    rf"(?:{_UNCASED[2].honorifics} )?(?P<name>{_UNCASED[2].name})"
)


def _uncased_name(script: _Uncased, name: str) -> str | None:
    words = name.split()
    for index, word in enumerate(words):
        if word in script.stop_words:
            words = words[:index]
            break
    text = " ".join(words)
    if (script.not_a_name is not None and script.not_a_name.fullmatch(text)) or (
        _SECTION_WORDS.search(text)
    ):
        return None
    if " " in script.name and len(words) < 2:
        return None
    return text or None


def _uncased_mentions(line: str) -> Iterator[OwnerMention]:
    if line.isascii():
        return
    for script, label in zip(_UNCASED, _UNCASED_LABELS, strict=True):
        for match in label.finditer(line):
            if name := _uncased_name(script, match["name"]):
                yield OwnerMention(name, match["title"], "title_label_uncased")
    for spaced in _UNCASED_SPACED:
        for match in spaced.finditer(line):
            if name := _uncased_name(_UNCASED[0], match["name"]):
                yield OwnerMention(name, match["title"], "title_label_uncased")
    for script, name_title in zip(_UNCASED[2:], _UNCASED_NAME_TITLES, strict=True):
        for match in name_title.finditer(line):
            if name := _uncased_name(script, match["name"]):
                yield OwnerMention(name, match["title"], "name_title_uncased")
    for match in _AR_OWNS.finditer(line):
        if name := _uncased_name(_UNCASED[2], match["name"]):
            founded = match["verb"].startswith("أسس")
            yield OwnerMention(
                name,
                "Founder" if founded else "Owner",
                "founded_by_ar" if founded else "runs_by_ar",
                founding_only=founded,
            )


_UNCASED_TITLE_LINES = tuple(
    re.compile(rf"(?P<title>{script.titles})\s*[:：]?") for script in _UNCASED
)
_UNCASED_NAME_LINES = tuple(
    re.compile(
        rf"(?:{script.honorifics}\s+)?(?P<name>{script.name})"
        if script.honorifics
        else rf"(?P<name>{script.name})"
    )
    for script in _UNCASED
)


def _uncased_card_mentions(lines: Sequence[str]) -> Iterator[OwnerMention]:
    """A title in one table cell and the name in the next: "대표자" / "김민수"."""
    for first, second in itertools.pairwise(lines):
        if first.isascii() or second.isascii():
            continue
        for script, title_line, name_line in zip(
            _UNCASED, _UNCASED_TITLE_LINES, _UNCASED_NAME_LINES, strict=True
        ):
            label = title_line.fullmatch(first.strip())
            named = name_line.fullmatch(second.strip()) if label else None
            if label and named and (name := _uncased_name(script, named["name"])):
                yield OwnerMention(name, label["title"], "heading_uncased")
