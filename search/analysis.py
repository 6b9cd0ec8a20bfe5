"""Indonesian text analysis: tokens, spelling, stop words and stems.

The same chain runs when articles are indexed and when queries are parsed, so
``memiliki`` in an article and ``milik`` in a query meet at the stem ``milik``::

    tokenizer | lowercase | informal spelling | stop words | Sastrawi stem

* Tokens are runs of letters and digits; hyphenated words stay whole
  (``anak-anak``, ``berbeda-beda``) so Sastrawi can see reduplication, and
  numbers with separators (``1.500``, ``2,5``) stay whole, apart from a
  rupiah sign written against them (``Rp5.000`` is ``rp`` and ``5.000``).
* Small numbers stem to their digits (``sembilan`` -> ``9``): bodies write
  them as words, headlines as digits.
* A hyphenated word that is not a reduplication (``se-Sumbar``, ``Covid-19``)
  is indexed as its parts, at the same position.
* ``stem()`` is a module-level, cached function: Whoosh pickles the analyzer
  into the index, so everything in the chain must be importable by name.

The word lists live in ``search/data``; see the comments at their top.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter

# The rupiah sign before an amount (Rp5.000 is Rp 5.000); a number with inner
# separators (1.500, 2,5); or letters and digits, with inner hyphens or
# apostrophes (anak-anak, Jum'at).
WORD_PATTERN = r"(?i:rp)(?=\d)|\d+(?:[.,]\d+)+|\w+(?:[-'\u2019]\w+)*"


def _data_lines(name: str) -> list[str]:
    text = (resources.files("search") / "data" / name).read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


def _load_stop_words() -> frozenset[str]:
    return frozenset(word for line in _data_lines("stopwords.txt") for word in line.split())


def _load_table(name: str) -> dict[str, str]:
    table = {}
    for line in _data_lines(name):
        word, replacement = line.split("\t")
        table[word.strip()] = replacement.strip()
    return table


STOP_WORDS: frozenset[str] = _load_stop_words()
SPELLING: dict[str, str] = {**_load_table("spelling.tsv"), **_load_table("colloquial.tsv")}
STEM_EXCEPTIONS: dict[str, str] = _load_table("stem_exceptions.tsv")
NAMES: frozenset[str] = frozenset(_data_lines("names.txt"))
NUMERALS: dict[str, str] = _load_table("numerals.tsv")
ROOT_COUNTS: dict[str, int] = {word: int(count) for word, count in _load_table("root_counts.tsv").items()}

# Ways a root can be dressed, for checking Sastrawi's reading against others:
# prefix -> the first letters a nasal prefix may have replaced ("" = none).
_PREFIXES = {
    "": [""], "ber": [""], "be": [""], "ter": [""], "te": [""], "di": [""], "ke": [""],
    "se": [""], "me": [""], "mem": ["", "p"], "men": ["", "t"], "meng": ["", "k"],
    "meny": ["s"], "pe": [""], "per": [""], "pem": ["", "p"], "pen": ["", "t"],
    "peng": ["", "k"], "peny": ["s"], "diper": [""], "memper": [""], "keber": [""],
}
_SUFFIXES = ["", "an", "kan", "i", "nya", "lah", "kah", "annya", "kannya", "inya", "kanlah"]
_PARTICLES = frozenset({"lah", "kah", "kanlah"})
# The derivational suffix inside each suffix above (-an, -kan or -i).
_DERIVATIONAL = {"an": "an", "annya": "an", "kan": "kan", "kannya": "kan", "kanlah": "kan", "i": "i", "inya": "i"}
# Prefix and suffix pairs Indonesian does not form (Nazief and Adriani's list,
# which Sastrawi also uses: be-i, di-an, ke-i, ke-kan, me-an, se-i, se-kan,
# te-an), and pe(N)-kan, since a pe(N)- noun takes -an (``penarikan`` is
# ``tarik``, not ``tari``). A root ending in k before -an is let through: news
# often writes -kkan as -kan (``meneriakan`` for ``meneriakkan``).
_INVALID_PAIRS = {
    "ber": {"i"}, "be": {"i"}, "keber": {"i", "kan"}, "di": {"an"}, "diper": {"an"}, "ke": {"i", "kan"},
    "me": {"an"}, "mem": {"an"}, "men": {"an"}, "meng": {"an"}, "meny": {"an"}, "memper": {"an"},
    "se": {"i", "kan"}, "ter": {"an"}, "te": {"an"},
    "pe": {"kan"}, "pem": {"kan"}, "pen": {"kan"}, "peng": {"kan"}, "peny": {"kan"},
}
_VOWELS = frozenset("aeiou")
# Which first letters of the root each prefix allows, by Indonesian spelling
# (a root may also begin with the letter the prefix replaced): ``mem-`` comes
# before b, f, v and p (``membaca``, ``memproduksi``), or replaces a p
# (``memakai``); ``men-`` before c, d, j, z and t, or replaces a t; ``meng-``
# before a vowel, g, h or k, or replaces a k; ``meny-`` replaces an s; ``me-``
# before l, m, n, r, w and y; ``ber-`` and ``ter-`` lose their r before an r.
# The same holds for ``pe-`` nouns, except that ``pe-`` also forms nouns from
# ``ber-`` verbs (``petani``, ``pedagang``). Unlisted prefixes allow any letter.
_ALLOWED_FIRST = {
    "mem": "bfvp", "pem": "bfvp", "men": "cdjzt", "pen": "cdjzt",
    "meng": "aeioughk", "peng": "aeioughk", "me": "lmnrwy",
    "ber": string.ascii_lowercase.replace("r", ""), "ter": string.ascii_lowercase.replace("r", ""),
    "be": "r", "te": "r",
}
# Another reading must be this many times as common as Sastrawi's to replace it.
_READING_MARGIN = 2


@lru_cache(maxsize=1)
def _sastrawi():
    """Sastrawi's stemmer, built once (its dictionary is a hash set in PySastrawi 1.2.1)."""
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    # The factory's CachedStemmer wraps the real one; stem() below caches instead.
    return StemmerFactory().create_stemmer().delegatedStemmer


def _readings(word: str) -> tuple[set[str], dict[str, bool]]:
    """Dictionary roots that ``word`` could be, by one prefix and one suffix.

    Returns every such root, and the ones Indonesian spelling allows
    (``_ALLOWED_FIRST``: ``menunjukkan`` is ``tunjuk``, never ``unjuk``), each
    mapped to whether it is reached only by stripping a particle (``-kah``,
    ``-lah``), which news rarely attaches to anything but a few function words.
    """
    dictionary = _sastrawi().dictionary
    found: set[str] = set()
    spelled: dict[str, bool] = {}
    for prefix, restored in _PREFIXES.items():
        if not word.startswith(prefix):
            continue
        base = word[len(prefix):]
        for suffix in _SUFFIXES:
            if suffix and not base.endswith(suffix):
                continue
            core = base[: len(base) - len(suffix)]
            if not core:
                continue
            for letter in restored:
                root = letter + core
                if len(root) < 3 or root == word or not dictionary.contains(root):
                    continue
                found.add(root)
                if _spelling_allows(prefix, letter, core[0]) and _forms_a_pair(prefix, suffix, root):
                    spelled[root] = spelled.get(root, True) and suffix in _PARTICLES
    return found, spelled


def _spelling_allows(prefix: str, replaced: str, first: str) -> bool:
    """Whether ``prefix`` may stand before ``first``, having ``replaced`` the root's first letter (or not)."""
    if replaced:  # memakai = mem + (p)akai: a nasal replaces a letter before a vowel
        return first in _VOWELS
    return prefix not in _ALLOWED_FIRST or first in _ALLOWED_FIRST[prefix]


def _forms_a_pair(prefix: str, suffix: str, root: str) -> bool:
    """Whether Indonesian joins ``prefix`` and ``suffix`` around ``root`` (``ber-...-i`` it does not)."""
    derivational = _DERIVATIONAL.get(suffix)
    if derivational is None or (derivational == "an" and root.endswith("k")):
        return True
    return derivational not in _INVALID_PAIRS.get(prefix, ())


def _commonness(root: str) -> tuple[int, int, str]:
    """Sort key for readings: the most common in news, then the longest."""
    return ROOT_COUNTS.get(root, 0), len(root), root


def _common_reading(word: str, root: str) -> str:
    """Sastrawi's ``root``, unless the word's spelling or its frequency says otherwise.

    * Sastrawi strips particles and tries prefixes in a fixed order, so
      ``membantah`` becomes ``ban`` (``mem-ban-tah``) and ``dikuasai`` becomes
      ``asai``. When Sastrawi's root is not one that the spelling allows by one
      prefix and one suffix, and some are, the most common of those wins.
    * When Sastrawi's root needs a particle (``menikah``: ``meni-kah``) and a
      reading without one (``nikah``) is more common, that reading wins.
    * Sastrawi strips ``-kan`` before ``-an``, so ``gerakan`` becomes
      ``gera`` and ``berupa`` becomes ``upa``. When another reading that
      contains Sastrawi's (``gerak``, ``rupa``) occurs far more often as a word
      of its own in real news (``ROOT_COUNTS``), it wins.
    """
    readings, spelled = _readings(word)
    plain = [r for r, particle in spelled.items() if not particle]
    if spelled and root not in spelled:  # the spelling rules Sastrawi's root out
        return max(plain or spelled, key=_commonness)
    if spelled.get(root) and plain:  # Sastrawi's root needs a particle: menikah is not meni-kah
        best = max(plain, key=_commonness)
        if ROOT_COUNTS.get(best, 0) > ROOT_COUNTS.get(root, 0):
            return best
    others = [r for r in readings if r != root and (r.startswith(root) or r.endswith(root))]
    if not others:
        return root
    best = max(others, key=lambda r: ROOT_COUNTS.get(r, 0))
    if ROOT_COUNTS.get(best, 0) > _READING_MARGIN * ROOT_COUNTS.get(root, 0) + 5:
        return best
    return root


_STEMS: dict[str, str] = {}
MAX_CACHED_STEMS = 2_000_000
"""Sastrawi takes about a millisecond per new word; each word's root is kept."""


# Tables of roots that earlier builds computed (an open index's), asked before Sastrawi.
_STEM_TABLES: list = []


def stem(word: str) -> str:
    """The root of one lowercase word (cached; see :func:`_stem`)."""
    root = _STEMS.get(word)
    if root is None:
        for table in _STEM_TABLES:
            root = table.get(word)
            if root is not None:
                break
        else:
            root = _stem(word)
        if len(_STEMS) < MAX_CACHED_STEMS:
            _STEMS[word] = root
    return root


def consult_stems(table) -> None:
    """Ask ``table`` (anything with ``get(word)``) for a word's root before stemming it."""
    _STEM_TABLES.append(table)


def stop_consulting_stems(table) -> None:
    if table in _STEM_TABLES:
        _STEM_TABLES.remove(table)


def known_stems() -> dict[str, str]:
    """Every word stemmed in this process so far, with its root."""
    return _STEMS


def remember_stems(table: dict[str, str]) -> None:
    """Take roots computed earlier (an index's own table); roots computed here win."""
    for word, root in table.items():
        _STEMS.setdefault(word, root)


def _stem(word: str) -> str:
    """The root of one lowercase word; a number word's root is its digits (``sembilan`` -> ``9``)."""
    root = NUMERALS.get(word) or _root(word)  # sepuluh is not se-puluh
    return NUMERALS.get(root, root)  # kedua is ke-dua


def _root(word: str) -> str:
    """The root of one lowercase word.

    In order: the exception table; names that stay themselves; Sastrawi,
    checked against the more common reading of the word. Words with digits
    and very short words are left alone. If Sastrawi fails on some input, the
    word is its own stem.
    """
    if word in STEM_EXCEPTIONS:
        return STEM_EXCEPTIONS[word]
    if word in NAMES or len(word) <= 3 or any(ch.isdigit() for ch in word):
        return word
    try:
        root = _sastrawi().stem_word(word) or word
    except Exception:  # Sastrawi's regexes on unusual input: keep the word
        return word
    if "-" in word or root == word:
        return root
    return _common_reading(word, root)


_INFORMAL_REDUPLICATION = re.compile(r"^([^\W\d_]{3,})2$")


class SpellingFilter(Filter):
    """Standardise informal spellings and colloquial words.

    ``yg`` -> ``yang``, ``bikin`` -> ``buat``, ``anak2`` -> ``anak-anak``.
    """

    def __call__(self, tokens):
        for token in tokens:
            text = token.text
            if text in SPELLING:
                token.text = SPELLING[text]
            else:
                match = _INFORMAL_REDUPLICATION.match(text)
                if match:
                    token.text = f"{match.group(1)}-{match.group(1)}"
            yield token


class IndonesianStemFilter(Filter):
    """Replace each token by its stem; split hyphenated words that are not reduplications."""

    is_morph = True

    def __call__(self, tokens):
        for token in tokens:
            if token.stopped:
                # Kept only for display (highlighting): never searched, so not stemmed.
                yield token
                continue
            text = token.text
            root = stem(text)
            if "-" not in root:
                token.text = root
                yield token
                continue
            # Not a reduplication: index each part, at the same position.
            # Point each part at its own characters when the token is written
            # as it reads (informal spellings were rewritten and are not).
            start = None
            if token.chars and token.endchar - token.startchar == len(text):
                start = token.startchar
            offset = 0
            for part in text.split("-"):
                if part:
                    token.text = stem(part)
                    if start is not None:
                        token.startchar = start + offset
                        token.endchar = start + offset + len(part)
                    yield token
                offset += len(part) + 1


def IndonesianAnalyzer():
    """The analysis chain used for every text field, at index and query time."""
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | SpellingFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | IndonesianStemFilter()
    )


def ExactAnalyzer():
    """The same tokens without stemming: for matching the word form as written."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | SpellingFilter() | StopFilter(
        stoplist=STOP_WORDS, minsize=1
    )


@dataclass(frozen=True)
class AnalyzedToken:
    """One token of a text: as written, its stem, and whether it is a stop word."""

    text: str
    stem: str
    position: int
    start: int
    end: int
    stop_word: bool


def analyze(text: str) -> list[AnalyzedToken]:
    """Show how a text is analysed: each token and its stem, stop words included."""
    chain = IndonesianAnalyzer()
    tokens = []
    for token in chain(text, positions=True, chars=True, removestops=False):
        tokens.append(
            AnalyzedToken(
                text=text[token.startchar:token.endchar],
                stem=token.text,
                position=token.pos,
                start=token.startchar,
                end=token.endchar,
                stop_word=bool(token.stopped),
            )
        )
    return tokens
