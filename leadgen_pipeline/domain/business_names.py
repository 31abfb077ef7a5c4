"""Whether a business name a user typed names a business Google lists, in any country.

A requested target ("Müller Sanitär GmbH", "Plomberie Dupont", "山田歯科医院") is
compared with each listing's name word by word, after both are folded the same way:

- case folded (so "ß" is "ss"), compatibility forms folded (full-width letters);
- accents dropped where the letter has an ASCII form ("García" is "garcia"), and the
  German transliteration accepted as well: "Mueller" and "Muller" both name "Müller",
  "Weiss" names "Weiß"; letters without a decomposition folded by hand ("ø", "æ", "ł");
- dotted abbreviations joined ("S.L." is "sl", "K.K." is "kk") and other punctuation
  dropped ("Joe's" is "joes");
- legal forms at the end dropped ("GmbH & Co. KG", "SARL", "S.L.", "Ltda.", "K.K.",
  "LLC"), and Japanese corporate forms (株式会社, 有限会社, 合同会社) wherever they stand;
- scripts written without spaces (Chinese characters, kana) cut into character pairs,
  so "山田歯科" is found inside "山田歯科医院".

The score (0-100) is how well the words of the shorter name are found in the other,
each word by its closest match (a typo still counts; a different word counts 0), so
word order does not matter and a listing may carry words the user left out ("Lone Star
Plumbing" is "Lone Star Plumbing & Drain LLC"). A shared trade word and legal form
are not enough: "Encanador Silva Ltda." does not name "Encanador Souza Ltda.".
"""

import re
import unicodedata
from collections.abc import Sequence

from rapidfuzz import fuzz

# A word of the shorter name whose closest word in the other name is less alike than
# this (rapidfuzz ratio, 0-100) is not found at all.
WORD_MATCH_MIN = 80.0

# Legal forms, as words after folding and joining dotted abbreviations. Dropped only
# from the end of a name ("AS" or "SA" inside a name may be a word of it).
LEGAL_FORMS = frozenset(
    {
        # Germany, Austria, Switzerland
        "gmbh", "mbh", "ag", "kg", "ohg", "gbr", "ug", "haftungsbeschrankt", "ek", "ev",
        "kgaa", "se", "eg", "partg", "gesmbh",
        # France, Belgium, Luxembourg
        "sarl", "sas", "sasu", "sa", "eurl", "sci", "snc", "scop", "ei", "eirl", "sprl", "srl",
        "bv", "bvba", "nv", "asbl",
        # Spain, Latin America
        "sl", "slu", "sll", "slne", "sc", "scp", "cb", "sadecv", "cv", "spr",
        # Portugal, Brazil
        "ltda", "lda", "me", "epp", "mei", "eireli", "unipessoal",
        # Italy
        "spa", "sapa", "srls",
        # Japan (romanised)
        "kk", "yk", "gk",
        # English-speaking countries
        "inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "corp", "corporation",
        "plc", "pllc", "pc", "co", "company",
        # Netherlands, Nordics, Poland
        "vof", "oy", "oyj", "ab", "as", "asa", "aps", "sp", "zoo",
    }
)  # fmt: skip
# Japanese corporate forms, written before or after the name.
_CJK_LEGAL_FORMS = ("株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "(株)", "(有)")
# Words joining legal forms ("GmbH & Co. KG", "Müller und Co"), dropped with them.
_JOINERS = frozenset({"and", "und", "et", "y", "e"})

# Letters with no Unicode decomposition, and their usual Latin spelling.
_SPECIAL_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "\u0131": "i"}
)
_GERMAN_DIGRAPHS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
_APOSTROPHES = re.compile(r"['\u2019\u02bc`\u00b4]")
_DOTTED_ABBREVIATION = re.compile(r"(?<!\w)((?:\w\.)+\w)\.?(?!\w)")
# Scripts written without spaces between words.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _fold_accent(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ch)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base if base.isascii() and base else ch


def _words(text: str) -> list[str]:
    """Folded words; each run of an unspaced script cut into overlapping pairs."""
    words: list[str] = []
    for chunk in re.split(r"[^\w]+|_", text):
        for piece in re.split(f"({_UNSPACED.pattern})", chunk):
            if not piece:
                continue
            if _UNSPACED.fullmatch(piece):
                words.extend(
                    [piece] if len(piece) < 3 else [piece[i : i + 2] for i in range(len(piece) - 1)]
                )
            else:
                words.append(piece)
    return words


def _strip_legal_forms(words: list[str]) -> list[str]:
    end = len(words)
    while end > 0 and (words[end - 1] in LEGAL_FORMS or words[end - 1] in _JOINERS):
        end -= 1
    # A name made only of those words ("AG", "Co") keeps them.
    return words[:end] if end else words


def name_variants(name: str) -> tuple[list[str], list[str]]:
    """The name's words folded two ways: accents dropped ("müller"), and German
    umlauts spelled out ("mueller")."""
    text = unicodedata.normalize("NFKC", name).casefold().translate(_SPECIAL_LETTERS)
    for form in _CJK_LEGAL_FORMS:
        text = text.replace(form, " ")
    text = _APOSTROPHES.sub("", text)
    text = _DOTTED_ABBREVIATION.sub(lambda m: m.group(1).replace(".", ""), text)
    variants = []
    for spelled in (text, text.translate(_GERMAN_DIGRAPHS)):
        folded = unicodedata.normalize(
            "NFC", "".join(_fold_accent(ch) for ch in unicodedata.normalize("NFC", spelled))
        )
        variants.append(_strip_legal_forms(_words(folded)))
    return variants[0], variants[1]


def _coverage(words: Sequence[str], other: Sequence[str]) -> float:
    """Mean over `words` of the closest word's likeness in `other` (0 below WORD_MATCH_MIN)."""
    if not words or not other:
        return 0.0
    total = 0.0
    for word in words:
        best = max(fuzz.ratio(word, candidate) for candidate in other)
        total += best if best >= WORD_MATCH_MIN else 0.0
    return total / len(words)


def name_match(requested: str, listed: str) -> tuple[float, float]:
    """(score, coverage of the longer name), both 0-100: how well the shorter name's words
    are found in the longer's, and how much of the longer one they account for (to prefer
    "Müller Sanitär" over "Müller Sanitär Heizung" for "Müller Sanitär GmbH")."""
    best = (0.0, 0.0)
    for ours, theirs in zip(name_variants(requested), name_variants(listed), strict=True):
        short, long = sorted((ours, theirs), key=len)
        best = max(best, (_coverage(short, long), _coverage(long, short)))
    return best
