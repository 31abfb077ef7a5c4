import pytest

from leadgen_pipeline.domain.business_names import name_match, name_variants


@pytest.mark.parametrize(
    ("requested", "listed"),
    [
        ("Mueller Sanitaer", "Müller Sanitär GmbH"),  # ü/ue, ä/ae
        ("Muller Sanitar", "Müller Sanitär GmbH"),  # accents left out
        ("Weiß Elektro", "Elektro Weiss GmbH"),  # ß/ss, word order, legal form
        ("Elektro Müller GmbH & Co. KG", "Elektro Müller"),
        ("Plomberie Dupont", "Dupont Plomberie SARL"),
        ("Fontanería García S.L.", "Fontaneria Garcia"),
        ("Hidráulica São Jorge Ltda.", "Hidraulica Sao Jorge"),
        ("Yamada Dental K.K.", "Yamada Dental"),
        ("山田歯科医院", "株式会社山田歯科医院"),  # a Japanese corporate form
        ("山田歯科", "山田歯科医院"),  # unspaced script: found inside the longer name
        ("Joe's Plumbing", "Joes Plumbing Inc."),
        ("Søren Rør ApS", "Soren Ror"),
    ],
)
def test_spellings_of_one_business_match(requested, listed):
    assert name_match(requested, listed)[0] == 100


@pytest.mark.parametrize(
    ("requested", "listed"),
    [
        # A shared trade word and legal form are not a match.
        ("Encanador Silva Ltda.", "Encanador Souza Ltda."),
        ("Hidráulica São Jorge Ltda", "Hidráulica São Pedro Ltda"),
        ("Fontanería García S.L.", "Fontanería López S.L."),
        ("Elektro Müller GmbH & Co. KG", "Elektro Schulz GmbH & Co. KG"),
        ("Plomberie Dupont SARL", "Plomberie Martin SARL"),
        ("Yamada Dental K.K.", "Tanaka Dental K.K."),
        ("山田歯科医院", "田中歯科医院"),
        ("ジム田中", "シム田中"),  # dakuten change the word: not folded away
    ],
)
def test_different_businesses_of_one_trade_do_not_match(requested, listed):
    assert name_match(requested, listed)[0] < 85


def test_the_fuller_listing_is_preferred_between_equal_matches():
    exact = name_match("Müller Sanitär GmbH", "Müller Sanitär")
    longer = name_match("Müller Sanitär GmbH", "Müller Sanitär Heizung Lüftung")
    assert exact[0] == longer[0] == 100
    assert exact[1] > longer[1]


def test_a_name_made_only_of_a_legal_form_keeps_it():
    assert name_variants("AG")[0] == ["ag"]
    assert name_variants("Müller Söhne AG")[1] == ["mueller", "soehne"]
