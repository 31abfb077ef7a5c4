"""The world outside the US: cities, trades, names, streets and words in their own languages.

Plain data, like ``world_data.py``. The cities are ``world_data.INTERNATIONAL_CITIES``
(a ``country`` other than "US"); its businesses are drawn by ``dataset.py`` from the
city's ``Locale`` with streams seeded by their own (keyword, city) pairs, so adding a
city or a word here never changes a US business.

Phones: Berlin and Lyon use the ranges their regulators keep for films and books
(BNetzA 030 23125 xxx, ARCEP 04 65 71 xx xx); Madrid, Tokyo and São Paulo have none, so
their lines are valid for ``phonenumbers`` in a made-up block (91 555, 03-5550, 11 5555).
"""

from __future__ import annotations

from dataclasses import dataclass

from leadgen_sandbox.world_data import Trade


@dataclass(frozen=True)
class District:
    """A Bezirk, arrondissement, barrio, ward (区) or bairro, with its postal codes."""

    name: str
    postal_codes: tuple[str, ...]
    name_en: str = ""  # Japanese wards: "Chuo City"
    # Japan: the neighbourhoods (町) of the ward, (Japanese, romaji).
    towns: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Street:
    name: str  # as on the sign: "Friedrichstraße", "Calle de Alcalá", "Avenida Paulista"
    short: str = ""  # as Google abbreviates it in an address: "C. de Alcalá", "Av. Paulista"


@dataclass(frozen=True)
class LocalTrade:
    trade: Trade  # keyword: what a local user types, canonical (lower case)
    nouns: tuple[str, ...]  # how the businesses name themselves: "Elektro", "Elektrotechnik"
    display_name: str  # primaryTypeDisplayName in the local language
    english: tuple[str, ...]  # English keywords that mean this trade here
    aliases: tuple[str, ...]  # other local phrasings


@dataclass(frozen=True)
class Locale:
    country: str  # ISO 3166-1 alpha-2
    language: str  # the language of its sites and addresses
    country_names: dict[str, str]  # by language code; "en" always present
    city_names: dict[str, str]  # the city's name by language ("ja": "東京都")
    # Administrative areas above the city: (long, short, type), most specific first.
    admin_areas: tuple[tuple[str, str, str], ...]
    districts: tuple[District, ...]
    streets: tuple[Street, ...]
    phone_prefix: str  # E.164 digits before the drawn line: "+493023125"
    phone_digits: int  # how many digits are drawn after the prefix
    domain_suffix: str  # ".de"
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    # Japanese names: romaji of each name (same order), for domains and e-mail.
    first_romaji: tuple[str, ...] = ()
    last_romaji: tuple[str, ...] = ()
    family_name_first: bool = False
    name_templates: tuple[str, ...] = ()  # {last}, {first}, {noun}, {word}, {city}
    name_words: tuple[str, ...] = ()
    owner_titles: tuple[str, ...] = ()
    email_local_parts: tuple[str, ...] = ("info",)
    trades: tuple[LocalTrade, ...] = ()
    reviews_good: tuple[str, ...] = ()
    reviews_bad: tuple[str, ...] = ()


def _trade(
    keyword: str,
    nouns: tuple[str, ...],
    primary_type: str,
    schema_org_type: str,
    craft_title: str,
    activity: str,
    services: tuple[str, ...],
    display_name: str,
    english: tuple[str, ...],
    aliases: tuple[str, ...] = (),
) -> LocalTrade:
    trade = Trade(keyword, nouns[0], primary_type, schema_org_type, craft_title, activity, services)
    return LocalTrade(trade, nouns, display_name, english, aliases)


GERMANY = Locale(
    country="DE",
    language="de",
    country_names={"en": "Germany", "de": "Deutschland", "fr": "Allemagne", "es": "Alemania"},
    city_names={"en": "Berlin", "de": "Berlin"},
    admin_areas=(("Berlin", "BE", "administrative_area_level_1"),),
    districts=(
        District("Mitte", ("10115", "10117", "10119", "10178", "10179")),
        District("Friedrichshain-Kreuzberg", ("10243", "10245", "10961", "10997", "10999")),
        District("Pankow", ("10405", "10435", "10437", "13187", "13189")),
        District("Charlottenburg-Wilmersdorf", ("10585", "10627", "10707", "10711", "14057")),
        District("Neukölln", ("12043", "12045", "12047", "12049", "12051")),
        District("Tempelhof-Schöneberg", ("10777", "10823", "10827", "12099", "12103")),
    ),
    streets=tuple(
        Street(name)
        for name in (
            "Friedrichstraße",
            "Torstraße",
            "Kastanienallee",
            "Schönhauser Allee",
            "Sonnenallee",
            "Karl-Marx-Straße",
            "Oranienstraße",
            "Kantstraße",
            "Hauptstraße",
            "Müllerstraße",
            "Greifswalder Straße",
            "Frankfurter Allee",
            "Bergmannstraße",
            "Potsdamer Straße",
        )
    ),
    phone_prefix="+493023125",
    phone_digits=3,
    domain_suffix=".de",
    first_names=(
        "Thomas",
        "Andreas",
        "Stefan",
        "Michael",
        "Jörg",
        "Jürgen",
        "Sabine",
        "Katrin",
        "Björn",
        "Ömer",
        "Sven",
        "Claudia",
        "Dirk",
        "Anja",
        "Uwe",
        "Heike",
        "Matthias",
        "Sören",
        "Petra",
        "Frank",
    ),
    last_names=(
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Wagner",
        "Becker",
        "Schulz",
        "Hoffmann",
        "Schäfer",
        "Koch",
        "Bauer",
        "Richter",
        "Klein",
        "Wolf",
        "Schröder",
        "Neumann",
        "Zimmermann",
        "Krüger",
        "Hartmann",
        "Köhler",
        "Günther",
        "Jäger",
        "Yildiz",
        "Lehmann",
    ),
    name_templates=(
        "{noun} {last}",
        "{last} {noun} GmbH",
        "{last} & Sohn {noun}",
        "{word} {noun}",
        "{noun} {last} GmbH & Co. KG",
        "{noun}-{last}",
        "{first} {last} {noun}",
    ),
    name_words=("Spree", "Hauptstadt", "Kiez", "Blitz", "Nord", "Süd", "Ost", "Havel", "Meister"),
    owner_titles=("Inhaber", "Geschäftsführer", "Inhaber und Meister"),
    email_local_parts=("info", "kontakt", "service", "buero"),
    trades=(
        _trade(
            "elektriker",
            ("Elektro", "Elektrotechnik", "Elektroinstallationen"),
            "electrician",
            "Electrician",
            "Elektromeister",
            "Leitungen verlegen",
            (
                "Elektroinstallation",
                "E-Check",
                "Zählerschrank",
                "Smart Home",
                "Wallbox-Installation",
                "Störungsdienst",
                "Beleuchtung",
                "Photovoltaik",
            ),
            "Elektriker",
            ("electrician", "electricians"),
            ("elektroinstallateur", "elektrotechnik", "elektro", "elektrofirma"),
        ),
        _trade(
            "sanitär",
            ("Sanitär", "Haustechnik", "Sanitär & Heizung"),
            "plumber",
            "Plumber",
            "Installateurmeister",
            "Rohre verlegen",
            (
                "Badsanierung",
                "Rohrreinigung",
                "Heizungswartung",
                "Wasserinstallation",
                "Notdienst",
                "Gasinstallation",
                "Barrierefreie Bäder",
            ),
            "Klempner",
            ("plumber", "plumbers", "plumbing"),
            ("klempner", "installateur", "sanitärinstallateur", "sanitär und heizung"),
        ),
    ),
    reviews_good=(
        "Pünktlich, sauber und fair im Preis. Gerne wieder!",
        "Schnelle Hilfe am Wochenende, sehr freundlich. Klare Empfehlung.",
        "{first} hat alles genau erklärt. Top Arbeit.",
    ),
    reviews_bad=("Niemand hat zurückgerufen. Enttäuschend.", "Termin zweimal verschoben."),
)

FRANCE = Locale(
    country="FR",
    language="fr",
    country_names={"en": "France", "fr": "France", "de": "Frankreich", "es": "Francia"},
    city_names={"en": "Lyon", "fr": "Lyon"},
    admin_areas=(
        ("Rhône", "Rhône", "administrative_area_level_2"),
        ("Auvergne-Rhône-Alpes", "ARA", "administrative_area_level_1"),
    ),
    districts=tuple(
        District(f"{n}{'er' if n == 1 else 'e'} arrondissement", (f"6900{n}",))
        for n in range(1, 10)
    ),
    streets=tuple(
        Street(name)
        for name in (
            "Rue de la République",
            "Rue Mercière",
            "Rue Victor Hugo",
            "Cours Lafayette",
            "Avenue Jean Jaurès",
            "Rue Paul Bert",
            "Quai Saint-Antoine",
            "Rue de la Charité",
            "Grande Rue de la Croix-Rousse",
            "Rue Garibaldi",
            "Avenue Berthelot",
            "Rue Saint-Jean",
        )
    ),
    phone_prefix="+33465710",
    phone_digits=3,
    domain_suffix=".fr",
    first_names=(
        "Jean",
        "Pierre",
        "Frédéric",
        "Sébastien",
        "Hélène",
        "Céline",
        "Jérôme",
        "Nathalie",
        "François",
        "Amélie",
        "Loïc",
        "Benoît",
        "Karim",
        "Élodie",
        "Thierry",
        "Gaëlle",
    ),
    last_names=(
        "Martin",
        "Bernard",
        "Dubois",
        "Lefèvre",
        "Moreau",
        "Girard",
        "Rousseau",
        "Fournier",
        "Mercier",
        "Bonnet",
        "Faure",
        "Chevalier",
        "Gauthier",
        "Perrin",
        "Benali",
        "Roussel",
        "Lemaître",
        "Brunet",
    ),
    name_templates=(
        "{noun} {last}",
        "{last} {noun}",
        "{noun} {last} & Fils",
        "{word} {noun}",
        "{noun} {city} {word}",
        "SARL {last} {noun}",
    ),
    name_words=("Rhône", "Saône", "Presqu'île", "Express", "Service", "Pro", "Fourvière"),
    owner_titles=("Gérant", "Fondateur", "Artisan gérant"),
    email_local_parts=("contact", "info", "accueil"),
    trades=(
        _trade(
            "plombier",
            ("Plomberie", "Plomberie Chauffage", "Sanitaire"),
            "plumber",
            "Plumber",
            "Artisan plombier",
            "réparer les fuites",
            (
                "Dépannage fuite",
                "Débouchage",
                "Chauffe-eau",
                "Rénovation de salle de bain",
                "Chaudière",
                "Urgence 7j/7",
                "Robinetterie",
            ),
            "Plombier",
            ("plumber", "plumbers", "plumbing"),
            ("plombiers", "plomberie", "plombier chauffagiste"),
        ),
        _trade(
            "électricien",
            ("Électricité", "Elec", "Électricité Générale"),
            "electrician",
            "Electrician",
            "Artisan électricien",
            "refaire les installations",
            (
                "Mise aux normes",
                "Tableau électrique",
                "Dépannage",
                "Éclairage",
                "Borne de recharge",
                "Domotique",
                "Diagnostic électrique",
            ),
            "Électricien",
            ("electrician", "electricians"),
            ("électriciens", "electricien", "électricité"),
        ),
    ),
    reviews_good=(
        "Intervention rapide et soignée, prix correct. Je recommande !",
        "Très professionnel, {first} a pris le temps d'expliquer.",
        "Ponctuel et efficace.",
    ),
    reviews_bad=("Jamais rappelé après le devis.", "Trois heures de retard."),
)

SPAIN = Locale(
    country="ES",
    language="es",
    country_names={"en": "Spain", "es": "España", "fr": "Espagne", "de": "Spanien"},
    city_names={"en": "Madrid", "es": "Madrid"},
    admin_areas=(
        ("Madrid", "M", "administrative_area_level_2"),
        ("Comunidad de Madrid", "MD", "administrative_area_level_1"),
    ),
    districts=(
        District("Centro", ("28004", "28005", "28012", "28013")),
        District("Salamanca", ("28001", "28006", "28009")),
        District("Chamberí", ("28003", "28010", "28015")),
        District("Arganzuela", ("28045", "28005")),
        District("Retiro", ("28007", "28009")),
        District("Tetuán", ("28020", "28039")),
    ),
    streets=(
        Street("Calle de Alcalá", "C. de Alcalá"),
        Street("Calle Mayor", "C. Mayor"),
        Street("Calle de Bravo Murillo", "C. de Bravo Murillo"),
        Street("Calle de Fuencarral", "C. de Fuencarral"),
        Street("Calle de Toledo", "C. de Toledo"),
        Street("Paseo de las Delicias", "P.º de las Delicias"),
        Street("Calle de Serrano", "C. de Serrano"),
        Street("Avenida de América", "Av. de América"),
        Street("Calle de Embajadores", "C. de Embajadores"),
        Street("Calle de Santa Engracia", "C. de Sta. Engracia"),
    ),
    phone_prefix="+34915550",
    phone_digits=3,
    domain_suffix=".es",
    first_names=(
        "José",
        "Antonio",
        "Javier",
        "María",
        "Lucía",
        "Álvaro",
        "Sergio",
        "Inés",
        "Raúl",
        "Begoña",
        "Íñigo",
        "Carmen",
        "Jesús",
        "Pilar",
        "Óscar",
        "Nuria",
    ),
    last_names=(
        "García",
        "Fernández",
        "González",
        "Rodríguez",
        "López",
        "Martínez",
        "Sánchez",
        "Pérez",
        "Gómez",
        "Díaz",
        "Muñoz",
        "Jiménez",
        "Ruiz",
        "Álvarez",
        "Ortega",
        "Castaño",
        "Ibáñez",
        "Navarro",
    ),
    name_templates=(
        "{noun} {last}",
        "{noun} {last} e Hijos",
        "{noun} {word}",
        "{noun} {city} {word}",
        "{last} {noun} S.L.",
        "{noun} {first} {last}",
    ),
    name_words=("Express", "Centro", "Castellana", "Rápido", "24h", "Manzanares", "Retiro"),
    owner_titles=("Gerente", "Propietario", "Administrador"),
    email_local_parts=("info", "contacto", "hola"),
    trades=(
        _trade(
            "fontanero",
            ("Fontanería", "Fontanería y Calefacción", "Instalaciones"),
            "plumber",
            "Plumber",
            "Fontanero",
            "arreglar tuberías",
            (
                "Reparación de fugas",
                "Desatascos",
                "Calentadores",
                "Reforma de baños",
                "Calderas",
                "Urgencias 24h",
                "Grifería",
            ),
            "Fontanero",
            ("plumber", "plumbers", "plumbing"),
            ("fontaneros", "fontanería", "fontaneria", "fontanero urgente"),
        ),
        _trade(
            "electricista",
            ("Electricidad", "Instalaciones Eléctricas", "Electro"),
            "electrician",
            "Electrician",
            "Electricista",
            "hacer instalaciones eléctricas",
            (
                "Boletín eléctrico",
                "Cuadros eléctricos",
                "Averías",
                "Iluminación LED",
                "Puntos de recarga",
                "Domótica",
            ),
            "Electricista",
            ("electrician", "electricians"),
            ("electricistas", "electricidad", "instalador eléctrico"),
        ),
    ),
    reviews_good=(
        "Vinieron en una hora y lo dejaron todo limpio. Muy recomendables.",
        "{first} nos explicó todo y el precio fue el del presupuesto.",
        "Rápidos, serios y buen precio.",
    ),
    reviews_bad=("No volvieron a llamar.", "Llegaron tres horas tarde."),
)

JAPAN = Locale(
    country="JP",
    language="ja",
    country_names={"en": "Japan", "ja": "日本"},
    city_names={"en": "Tokyo", "ja": "東京都"},
    admin_areas=(("東京都", "東京都", "administrative_area_level_1"),),
    districts=(
        District("中央区", ("104-0061",), "Chuo City", (("銀座", "Ginza"),)),
        District("港区", ("105-0001", "106-0032"), "Minato City", (("虎ノ門", "Toranomon"),)),
        District("渋谷区", ("150-0002",), "Shibuya City", (("渋谷", "Shibuya"),)),
        District("新宿区", ("160-0022",), "Shinjuku City", (("新宿", "Shinjuku"),)),
        District("世田谷区", ("154-0004",), "Setagaya City", (("太子堂", "Taishido"),)),
        District("台東区", ("111-0032",), "Taito City", (("浅草", "Asakusa"),)),
        District("豊島区", ("171-0022",), "Toshima City", (("南池袋", "Minamiikebukuro"),)),
    ),
    streets=(),
    phone_prefix="+8135550",
    phone_digits=4,
    domain_suffix=".jp",
    first_names=("太郎", "健一", "誠", "花子", "美咲", "大輔", "裕子", "翔太", "直樹", "恵子"),
    first_romaji=(
        "taro",
        "kenichi",
        "makoto",
        "hanako",
        "misaki",
        "daisuke",
        "yuko",
        "shota",
        "naoki",
        "keiko",
    ),
    last_names=("山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤"),
    last_romaji=(
        "yamada",
        "sato",
        "suzuki",
        "takahashi",
        "tanaka",
        "ito",
        "watanabe",
        "nakamura",
        "kobayashi",
        "kato",
    ),
    family_name_first=True,
    name_templates=(
        "{last}{noun}",
        "{word}{noun}",
        "{city}{word}{noun}",
        "医療法人社団{last}会 {last}{noun}",
    ),
    name_words=("さくら", "銀座", "青山", "ひかり", "みどり", "駅前"),
    owner_titles=("院長", "理事長", "代表"),
    email_local_parts=("info", "contact", "reception"),
    trades=(
        _trade(
            "歯医者",
            ("歯科", "歯科医院", "デンタルクリニック"),
            "dentist",
            "Dentist",
            "歯科医師",
            "歯の治療",
            ("一般歯科", "小児歯科", "矯正歯科", "インプラント", "ホワイトニング", "予防歯科"),
            "歯科医院",
            ("dentist", "dentists", "dental clinic"),
            ("歯科", "歯科医院", "歯医者さん", "デンタルクリニック"),
        ),
    ),
    reviews_good=("丁寧に説明してくれました。", "痛みが少なく安心です。", "予約が取りやすい。"),
    reviews_bad=("待ち時間が長かった。", "説明が足りない。"),
)

BRAZIL = Locale(
    country="BR",
    language="pt",
    country_names={"en": "Brazil", "pt": "Brasil", "es": "Brasil"},
    city_names={"en": "São Paulo", "pt": "São Paulo"},
    admin_areas=(
        ("São Paulo", "São Paulo", "administrative_area_level_2"),
        ("São Paulo", "SP", "administrative_area_level_1"),
    ),
    districts=(
        District("Bela Vista", ("01310-100", "01310-200")),
        District("Pinheiros", ("05422-000", "05415-030")),
        District("Vila Mariana", ("04101-000", "04014-000")),
        District("Mooca", ("03103-000", "03164-000")),
        District("Santana", ("02012-000", "02037-000")),
        District("Lapa", ("05072-000", "05065-000")),
    ),
    streets=(
        Street("Avenida Paulista", "Av. Paulista"),
        Street("Rua Augusta", "R. Augusta"),
        Street("Rua dos Pinheiros", "R. dos Pinheiros"),
        Street("Rua Domingos de Morais", "R. Domingos de Morais"),
        Street("Rua da Mooca", "R. da Mooca"),
        Street("Avenida Brigadeiro Luís Antônio", "Av. Brig. Luís Antônio"),
        Street("Rua Voluntários da Pátria", "R. Voluntários da Pátria"),
        Street("Rua Cardeal Arcoverde", "R. Cardeal Arcoverde"),
    ),
    phone_prefix="+551155550",
    phone_digits=3,
    domain_suffix=".com.br",
    first_names=(
        "João",
        "José",
        "Antônio",
        "Luís",
        "Márcio",
        "Sérgio",
        "Fábio",
        "Conceição",
        "Letícia",
        "Vitória",
        "Gonçalo",
        "Cíntia",
        "Rogério",
        "Tânia",
    ),
    last_names=(
        "Silva",
        "Santos",
        "Oliveira",
        "Souza",
        "Conceição",
        "Araújo",
        "Gonçalves",
        "Simões",
        "Magalhães",
        "Brandão",
        "Patrício",
        "Assunção",
        "Romão",
        "Falcão",
    ),
    name_templates=(
        "{noun} {last}",
        "{last} {noun}",
        "{noun} {word}",
        "{last} & Filhos {noun}",
        "{noun} {first} {last}",
        "{noun} {city} {word}",
    ),
    name_words=("Paulista", "Express", "24 Horas", "Central", "Ipiranga", "Tietê"),
    owner_titles=("Proprietário", "Sócio-fundador", "Responsável técnico"),
    email_local_parts=("contato", "atendimento", "orcamento"),
    trades=(
        _trade(
            "encanador",
            ("Hidráulica", "Encanamentos", "Desentupidora"),
            "plumber",
            "Plumber",
            "Encanador",
            "consertar vazamentos",
            (
                "Caça-vazamentos",
                "Desentupimento",
                "Aquecedores",
                "Reforma de banheiro",
                "Instalação hidráulica",
                "Atendimento 24 horas",
            ),
            "Encanador",
            ("plumber", "plumbers", "plumbing"),
            ("encanadores", "hidráulica", "hidraulica", "bombeiro hidráulico"),
        ),
        _trade(
            "eletricista",
            ("Elétrica", "Eletricidade", "Instalações Elétricas"),
            "electrician",
            "Electrician",
            "Eletricista",
            "fazer instalações elétricas",
            (
                "Instalação elétrica",
                "Quadro de distribuição",
                "Manutenção",
                "Iluminação",
                "Carregador veicular",
                "Laudo elétrico",
            ),
            "Eletricista",
            ("electrician", "electricians"),
            ("eletricistas", "elétrica", "eletrica"),
        ),
    ),
    reviews_good=(
        "Atendimento rápido e preço justo. Recomendo!",
        "{first} explicou tudo com paciência. Serviço excelente.",
        "Pontuais e caprichosos.",
    ),
    reviews_bad=("Nunca retornaram a ligação.", "Atrasaram três horas."),
)

LOCALES: dict[str, Locale] = {
    locale.country: locale for locale in (GERMANY, FRANCE, SPAIN, JAPAN, BRAZIL)
}

# Sizes of the international populations the tests search (others get 6-40 by hash).
LOCAL_QUERY_SIZES: dict[tuple[str, str], int] = {
    ("elektriker", "berlin"): 12,
    ("sanitär", "berlin"): 9,
    ("plombier", "lyon"): 10,
    ("électricien", "lyon"): 8,
    ("fontanero", "madrid"): 10,
    ("electricista", "madrid"): 8,
    ("歯医者", "tokyo"): 10,
    ("encanador", "são paulo"): 10,
    ("eletricista", "são paulo"): 8,
}
# Named targets with diacritics, pinned at a rank: (key) -> {0-based index: (first, last, name)}.
PINNED_LOCAL_NAMES: dict[tuple[str, str], dict[int, tuple[str, str, str]]] = {
    ("elektriker", "berlin"): {5: ("Jürgen", "Müller", "Müller Elektro GmbH")},
    ("plombier", "lyon"): {3: ("Frédéric", "Lefèvre", "Plomberie Lefèvre & Fils")},
    ("fontanero", "madrid"): {4: ("Íñigo", "Peña", "Fontanería Peña")},
    ("歯医者", "tokyo"): {2: ("誠", "山本", "山本歯科医院")},
    ("encanador", "são paulo"): {3: ("João", "Simões", "Hidráulica São João")},
}
# Romaji of the Japanese name words (for the domain).
JAPANESE_WORD_ROMAJI: dict[str, str] = {
    "さくら": "sakura",
    "銀座": "ginza",
    "青山": "aoyama",
    "ひかり": "hikari",
    "みどり": "midori",
    "駅前": "ekimae",
}
# Romaji of the pinned Japanese names (for the domain and e-mail).
PINNED_ROMAJI: dict[str, str] = {
    "山本": "yamamoto",
    "誠": "makoto",
    "山本歯科医院": "yamamoto-shika",
}


def local_trades(country: str) -> dict[str, LocalTrade]:
    """Every keyword (canonical, aliases and English) that means a local trade, to it."""
    locale = LOCALES.get(country)
    found: dict[str, LocalTrade] = {}
    for local in locale.trades if locale else ():
        for word in (local.trade.keyword, *local.aliases, *local.english):
            found.setdefault(word, local)
    return found
