"""Owner names in seven languages: phrasings and titles real small-business sites use.

None of these sentences is in the extraction corpus: they check that the rules read the
languages' conventions, not the corpus's pages.
"""

import pytest

from leadgen_pipeline.domain.owners import (
    is_owner_title,
    owner_mentions,
    person_name,
    split_people,
    title_elsewhere,
)


def names(*lines: str, quoted: tuple[bool, ...] = ()) -> list[tuple[str, bool]]:
    return [(m.name, m.former) for m in owner_mentions(list(lines), quoted)]


def current(*lines: str) -> set[str]:
    return {m.name for m in owner_mentions(list(lines)) if not m.former}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # English
        ("Owner: Dan Smith", {"Dan Smith"}),
        ("Bob and Sue Harper have owned the shop since 1991.", {"Bob Harper", "Sue Harper"}),
        ("Proprietor - Kevin O'Brien", {"Kevin O'Brien"}),
        ("Our owner, Patricia Gómez, has 20 years of experience.", {"Patricia Gómez"}),
        ("The practice is owned by Dr. Helen Park, DDS.", {"Helen Park"}),
        (
            "Run by husband and wife Jack and Emma Wilson since 2010.",
            {"Jack Wilson", "Emma Wilson"},
        ),
        ("Hi, I'm Olivia Bennett, founder of Bloom Yoga.", {"Olivia Bennett"}),
        ("My name is Carlos Mendes and I own Mendes Auto.", {"Carlos Mendes"}),
        ("Rachel Green is the owner and head baker.", {"Rachel Green"}),
        ("Principal: Andrew Thomson", {"Andrew Thomson"}),
        ("Managing Director: Sarah Jenkins", {"Sarah Jenkins"}),
        ("Vice President: Bob Smith", set()),
        ("Assistant Manager: Tina Ruiz", set()),
        # German
        ("Inhaber: Klaus-Peter Müller", {"Klaus-Peter Müller"}),
        ("Geschäftsführerin: Dr. Julia Becker", {"Julia Becker"}),
        ("Geschäftsführer: Jan Hansen und Ole Hansen", {"Jan Hansen", "Ole Hansen"}),
        ("Inh. Thomas Weber", {"Thomas Weber"}),
        ("Vertreten durch den Geschäftsführer Markus Lang", {"Markus Lang"}),
        ("Der Betrieb wird von Sandra und Michael Kühn geführt.", {"Sandra Kühn", "Michael Kühn"}),
        ("Ihr Ansprechpartner: Elektromeister Uwe Schulz", set()),
        # French
        ("Gérant : Pierre Dubois", {"Pierre Dubois"}),
        ("Présidente : Marie-Claire Fontaine", {"Marie-Claire Fontaine"}),
        ("Propriétaire : Jean Morel", {"Jean Morel"}),
        ("L'entreprise est dirigée par Thomas Girard depuis 2012.", {"Thomas Girard"}),
        ("Je suis Camille Roux, fondatrice de l'atelier.", {"Camille Roux"}),
        ("Directeur de la publication : Paul Henry", set()),
        # Spanish
        ("Propietaria: Lucía Fernández", {"Lucía Fernández"}),
        ("Gerente: Javier Moreno", {"Javier Moreno"}),
        ("El taller está dirigido por Manuel Torres.", {"Manuel Torres"}),
        ("Soy Elena Castro, propietaria de la clínica.", {"Elena Castro"}),
        # Italian
        ("Titolare: Luca Romano", {"Luca Romano"}),
        ("Amministratore delegato: Giovanni Ricci", {"Giovanni Ricci"}),
        ("Il negozio è gestito da Sara Conti.", {"Sara Conti"}),
        ("Mi chiamo Chiara Greco e sono la titolare.", {"Chiara Greco"}),
        # Dutch
        ("Eigenaar: Jeroen van Dijk", {"Jeroen van Dijk"}),
        ("Directeur-eigenaar: Sanne de Boer", {"Sanne de Boer"}),
        ("Het bedrijf wordt geleid door Tim Bakker.", {"Tim Bakker"}),
        # Portuguese
        ("Proprietário: João Pereira", {"João Pereira"}),
        ("Sócia-gerente: Ana Rodrigues", {"Ana Rodrigues"}),
        ("A empresa é gerida por Miguel Santos.", {"Miguel Santos"}),
    ],
)
def test_owner_phrasings(line, expected):
    assert current(line) == expected


def test_a_verb_between_the_name_and_the_business_is_read_in_german_and_spanish():
    assert current("Seit 2019 leitet Meisterin Petra Vogt die Werkstatt.") == {"Petra Vogt"}
    assert current("Hoy la lleva su hija Carmen Ortiz.") == {"Carmen Ortiz"}


def test_life_dates_and_former_titles_make_a_former_owner():
    assert names("Founded in 1952 by Harold Finch (1921\u20131999).") == [("Harold Finch", True)]
    assert names("Former owner: Greg Lane") == []


def test_quoted_lines_name_customers_not_owners():
    assert names("Jane Doe, Owner", quoted=(True,)) == []


def test_a_label_above_a_column_of_names():
    lines = ["Vertretungsberechtigte Gesellschafter:", "Anna Keller", "Tim Keller", "Kontakt:"]
    assert current(*lines) == {"Anna Keller", "Tim Keller"}


def test_a_title_card_for_the_person_above_it():
    assert current("Laura Smith", "Co-owner & Lead Designer") == {"Laura Smith"}
    assert current("Laura Smith", "Office Manager") == set()


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Owner & Lead Dentist", True),
        ("Zahnärztin, Praxisinhaberin", True),
        ("Steuerberater, Dipl.-Kaufmann, Partner", True),
        ("Copropriétaire et boulangère", True),
        ("Gérante de la boutique", False),
        ("Office Manager", False),
        ("Associate Dentist", False),
        ("Former owner", False),
        ("Broker/Owner", True),
        ("Sócio-gerente", True),
    ],
)
def test_owner_titles(title, expected):
    assert is_owner_title(title) is expected


def test_names_keep_particles_and_lose_honorifics():
    assert person_name("Dr. med. dent. Anna Weber") == "Anna Weber"
    assert person_name("Joost van den Berg") == "Joost van den Berg"
    assert person_name("DOTT. GENNARO ESPOSITO") == "Gennaro Esposito"
    assert person_name("Haarwerk Köln GmbH") is None


def test_people_sharing_a_surname_get_it_each():
    assert split_people("Nathalie et Pierre Lefèvre") == ["Nathalie Lefèvre", "Pierre Lefèvre"]
    assert split_people("Joost en Anouk van den Berg") == [
        "Joost van den Berg",
        "Anouk van den Berg",
    ]


def test_a_title_names_another_business_only_by_its_name():
    assert title_elsewhere("Owner, Hill's BBQ") == "Hill's BBQ"
    assert title_elsewhere("Fondateur de l'entreprise") is None
    assert title_elsewhere("Titulaire du cabinet") is None


# ------------------------------------------------------------ Japanese, legal forms, Don


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["代表取締役　山田 太郎"], [("山田 太郎", "代表取締役")]),
        (["代表者\uff1a代表取締役社長 鈴木一郎"], [("鈴木一郎", "代表取締役社長")]),
        (["店主\uff1a佐藤花子"], [("佐藤花子", "店主")]),
        (["院長 田中 ゆかり"], [("田中 ゆかり", "院長")]),
        (["代表者", "山田 太郎"], [("山田 太郎", "代表者")]),
        (["代表挨拶"], []),
        (["代表者", "ごあいさつ"], []),
    ],
)
def test_japanese_representatives(lines, expected):
    assert [(m.name, m.title) for m in owner_mentions(lines)] == expected


def test_japanese_titles_are_owner_titles():
    assert is_owner_title("代表取締役")
    assert is_owner_title("オーナー")


@pytest.mark.parametrize(
    "line",
    [
        "Titular: Reformas García S.L.",
        "Inhaber: Thomas Müller GmbH",
        "Owner: Whitfield Electrical Ltd",
        "Gérant : Durand Frères SARL",
        "Proprietária: Ferreira & Filhos, Lda.",
    ],
)
def test_a_company_named_as_holder_is_no_owner(line):
    assert list(owner_mentions([line])) == []


def test_spanish_don_is_an_honorific():
    assert [
        (m.name, m.title) for m in owner_mentions(["Administrador único: D. Carlos García"])
    ] == [("Carlos García", "Administrador único")]


def test_brazilian_socio_proprietario_and_administrada_por():
    mentions = list(owner_mentions(["A loja é administrada por Ana Pereira."]))
    assert [(m.name, m.title) for m in mentions] == [("Ana Pereira", "Owner")]
    assert is_owner_title("Sócia-proprietária")
    assert is_owner_title("sócio-administrador")


# ---- more languages and scripts (none of these lines is on a real_world_pages page)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # Polish, Czech: the instrumental after "is" ("Właścicielem firmy jest ...")
        (["Właściciel: Anna Wiśniewska"], {"Anna Wiśniewska"}),
        (["Właścicielką salonu jest Marta Zielińska."], {"Marta Zielińska"}),
        (["Majitelem firmy je Pavel Novotný."], {"Pavel Novotný"}),
        (["Jednatel:", "Ing. Jana Svobodová"], {"Jana Svobodová"}),
        # Swedish, Danish, Norwegian
        (["Ägare: Erik Lindqvist"], {"Erik Lindqvist"}),
        (["Mads og Pia Holm er indehavere af butikken."], {"Mads Holm", "Pia Holm"}),
        (["Daglig leder Kari Nordmann svarer på e-post."], {"Kari Nordmann"}),
        (["Sedan 2014 drivs företaget av dottern Sara Berg."], {"Sara Berg"}),
        # English: the owner named after "is"; Irish surnames
        (["The owner of the shop is Liam Walsh."], {"Liam Walsh"}),
        (["Owner Máire Ní Bhriain opened the salon in 2009."], {"Máire Ní Bhriain"}),
        # German: a business named by a compound noun
        (["Seit 2019 führt Sabine Keller die Metzgerei."], {"Sabine Keller"}),
        # Turkish: the copula after the name, "tarafından işletilmektedir"
        (["İşletmenin sahibi Ayşe Kaya'dır."], {"Ayşe Kaya"}),
        (["Dükkanımız Ali Demir tarafından işletilmektedir."], {"Ali Demir"}),
        # Greek, Russian, Ukrainian
        (["Ιδιοκτήτρια: Ελένη Νικολάου"], {"Ελένη Νικολάου"}),
        (["Владелец: Смирнов Алексей Иванович"], {"Смирнов Алексей Иванович"}),
        (["Засновниця студії — Марія Коваленко"], {"Марія Коваленко"}),
        # Korean, Chinese, Arabic, Hebrew: a title labels the name
        (["대표자 : 박지훈 | 사업자등록번호 : 220-81-12345"], {"박지훈"}),
        (["대표이사 이서연"], {"이서연"}),
        (["负责人：李伟"], {"李伟"}),
        (["總經理", "林志明"], {"林志明"}),
        (["المالك: السيد عمر يوسف النعيمي"], {"عمر يوسف النعيمي"}),
        (["تملكها وتديرها سارة أحمد المنصوري منذ ٢٠١٥."], {"سارة أحمد المنصوري"}),
        (["בעלים: רונית אברהם"], {"רונית אברהם"}),
        (["משה פרץ, הבעלים, מלווה כל פרויקט."], {"משה פרץ"}),
    ],
)
def test_owners_in_more_languages_and_scripts(lines, expected):
    assert current(*lines) == expected


@pytest.mark.parametrize(
    "lines",
    [
        # A director of another organisation, not running this business
        ["Директор по развитию компании «Водоканал» Петр Смирнов рассказал о планах."],
        ["Direktør i Arbeidstilsynet, Trude Vollheim, varslet nye regler."],
        # Korean and Chinese section names after a title; a phone after "대표"
        ["대표", "인사말"],
        ["董事长", "致辞"],
        ["대표전화 : 02-1234-5678"],
        # "Mr Wang" and "manager Chen" name no one
        ["负责人：王先生"],
        ["联系人：陈经理"],
        # Arabic: run by a team of engineers
        ["يديرها فريق المهندسين المتخصصين"],
        # A company as holder, in Cyrillic
        ["Генеральный директор: ООО «Управляющая компания»"],
        # "yılında" holds a capital of the interleaved block: no name starts inside it
        ["Firmamız 1998 yılında kuruldu."],
    ],
)
def test_no_owner_in_more_languages_and_scripts(lines):
    assert current(*lines) == set()


def test_an_arabic_name_ends_at_the_next_label_on_its_line():
    assert current("المدير العام: خالد الحمادي رقم الهاتف: ٠٤ ٣٢١ ٤٥٦٧") == {"خالد الحمادي"}


def test_titles_of_more_languages_are_owner_titles():
    for title in ("Jednatel", "VD & ägare", "Indehaver", "Daglig leder", "Генеральный директор",
                  "Власниця", "Ιδιοκτήτης", "대표이사", "法定代表人", "負責人", "المدير العام",
                  "הבעלים", "Firma sahibi"):  # fmt: skip
        assert is_owner_title(title), title
    assert not is_owner_title("Kundtjänst & offerter")
