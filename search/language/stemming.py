"""The root of an Indonesian word: Sastrawi, checked against Indonesian spelling and real usage.

:func:`root_of` is a pure function of a word and the word tables;
:class:`Stemmer` caches it per word and may first ask a table of roots an
earlier build computed (an index's ``stems.sqlite``). Each analyzer owns its
stemmer, so what one index or one query stems never leaks into another's
tables; a stemmer pickles without its cache, so the analyzer Whoosh pickles
into an index stays small.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from functools import lru_cache
from itertools import islice
from typing import Protocol

from .tables import WordTables, word_tables

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
def sastrawi():
    """Sastrawi's stemmer, built once per process (its dictionary is a hash set in PySastrawi 1.2.1).

    The one place the engine loads Sastrawi; it holds no per-word state
    (:class:`Stemmer` caches instead).
    """
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    # The factory's CachedStemmer wraps the real one; Stemmer caches instead.
    return StemmerFactory().create_stemmer().delegatedStemmer


def _readings(word: str) -> tuple[set[str], dict[str, bool]]:
    """Dictionary roots that ``word`` could be, by one prefix and one suffix.

    Returns every such root, and the ones Indonesian spelling allows
    (``_ALLOWED_FIRST``: ``menunjukkan`` is ``tunjuk``, never ``unjuk``), each
    mapped to whether it is reached only by stripping a particle (``-kah``,
    ``-lah``), which news rarely attaches to anything but a few function words.
    """
    dictionary = sastrawi().dictionary
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


def _commonness(root: str, counts: Mapping[str, int]) -> tuple[int, int, str]:
    """Sort key for readings: the most common in news, then the longest."""
    return counts.get(root, 0), len(root), root


def _common_reading(word: str, root: str, counts: Mapping[str, int]) -> str:
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
      of its own in real news (``counts``: ``WordTables.root_counts``), it wins.
    """
    readings, spelled = _readings(word)
    plain = [r for r, particle in spelled.items() if not particle]
    if spelled and root not in spelled:  # the spelling rules Sastrawi's root out
        return max(plain or spelled, key=lambda r: _commonness(r, counts))
    if spelled.get(root) and plain:  # Sastrawi's root needs a particle: menikah is not meni-kah
        best = max(plain, key=lambda r: _commonness(r, counts))
        if counts.get(best, 0) > counts.get(root, 0):
            return best
    others = [r for r in readings if r != root and (r.startswith(root) or r.endswith(root))]
    if not others:
        return root
    best = max(others, key=lambda r: counts.get(r, 0))
    if counts.get(best, 0) > _READING_MARGIN * counts.get(root, 0) + 5:
        return best
    return root


def root_of(word: str, tables: WordTables) -> str:
    """The root of one lowercase word, uncached; a number word's root is its digits (``sembilan`` -> ``9``).

    A variant spelling, of the word or of its root, gives the standard root
    (``ijin`` -> ``izin``; ``berhutang`` -> ``hutang`` -> ``utang``).
    """
    numerals, variants = tables.numerals, tables.variants
    word = variants.get(word, word)
    root = numerals.get(word) or _root(word, tables)  # sepuluh is not se-puluh
    root = variants.get(root, root)
    return numerals.get(root, root)  # kedua is ke-dua


def _root(word: str, tables: WordTables) -> str:
    """The root of one lowercase word.

    In order: the exception table; names that stay themselves; Sastrawi,
    checked against the more common reading of the word. Words with digits
    and very short words are left alone. If Sastrawi fails on some input, the
    word is its own stem.
    """
    if word in tables.stem_exceptions:
        return tables.stem_exceptions[word]
    if word in tables.names or len(word) <= 3 or any(ch.isdigit() for ch in word):
        return word
    try:
        root = sastrawi().stem_word(word) or word
    except Exception:  # noqa: BLE001 - Sastrawi's regexes on unusual input: keep the word
        return word
    if "-" in word or root == word:
        return root
    return _common_reading(word, root, tables.root_counts)



MAX_CACHED_STEMS = 2_000_000
"""Sastrawi takes about a millisecond per new word; each word's root is kept, up to this many."""


class SavedRoots(Protocol):
    """Roots computed earlier (an index's saved table), looked up one word at a time."""

    def get(self, word: str) -> str | None: ...


class Stemmer:
    """The root of a lowercase word (:func:`root_of`), cached per word.

    ``saved`` (anything with ``get(word)``) is asked before Sastrawi: an open
    index passes its generation's table of roots. ``tables`` (other word
    lists) or ``root`` (another function of a word) make a stemmer that
    differs from the engine's, for experiments. :meth:`roots` is every word
    this stemmer has stemmed, which a build saves beside its index. The cache
    and the saved table are not pickled: an unpickled stemmer starts empty.
    """

    def __init__(self, tables: WordTables | None = None, saved: SavedRoots | None = None,
                 max_cached: int = MAX_CACHED_STEMS, root: Callable[[str], str] | None = None):
        self._tables = tables
        self._root = root
        self.saved = saved
        self._max_cached = max_cached
        self._cache: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        root = self._cache.get(word)
        if root is None:
            root = self.saved.get(word) if self.saved is not None else None
            if root is None:
                root = self._root(word) if self._root is not None else root_of(word, self._tables or word_tables())
            if len(self._cache) < self._max_cached:
                self._cache[word] = root
        return root

    def roots(self) -> dict[str, str]:
        """Every word stemmed so far, with its root."""
        return dict(self._cache)

    def __len__(self) -> int:
        """How many words are cached."""
        return len(self._cache)

    def stemmed_since(self, count: int) -> dict[str, str]:
        """The words stemmed after the first ``count`` (the cache keeps the order it learnt them in)."""
        return dict(islice(self._cache.items(), count, None))

    def remember(self, roots: Mapping[str, str]) -> None:
        """Take roots computed elsewhere (a build worker's); roots computed here win."""
        for word, root in roots.items():
            if len(self._cache) >= self._max_cached:
                break
            self._cache.setdefault(word, root)

    # Pickled into an index's schema: nothing but the class.
    def __getstate__(self) -> dict:
        return {"max_cached": self._max_cached}

    def __setstate__(self, state: dict) -> None:
        self._tables = None
        self._root = None
        self.saved = None
        self._max_cached = state.get("max_cached", MAX_CACHED_STEMS)
        self._cache = {}

    # Whoosh compares fields (and so analyzers) by their attributes: every
    # stemmer computes the same roots.
    def __eq__(self, other: object) -> bool:
        return isinstance(other, Stemmer)

    def __hash__(self) -> int:
        return hash(Stemmer)
