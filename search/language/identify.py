"""Which language a text is in: Indonesian, Malay, English or another.

Why it exists: web archives (WARC files, Common Crawl's CC-NEWS) mix every
language, and a page's ``lang`` attribute is no guide (a detik page declares
``lang="en"``). The WARC reader keeps an article only when
:func:`is_indonesian` says its text is Indonesian.

How, in three steps over the text's words (lowercased runs of letters, the
first :data:`MAX_WORDS`):

1. Rates: the share of words that are Indonesian function words (the stop list,
   ``data/stopwords.txt``: Malay shares nearly all of them), English function
   words (``data/english.txt``) and function words of other nearby languages,
   Javanese, Sundanese, Tagalog, Spanish... (``data/other_languages.txt``).
2. The Indonesian-Malay family wins when its rate reaches a threshold and beats
   the others; English likewise; anything else is ``OTHER``.
3. Within the family, Malay is told from Indonesian by the words each uses
   and the other rarely does: ``data/malay_indonesian.tsv`` holds, for 7,307
   words, the log2 of how many times more often Malay text uses the word than
   Indonesian text (from wordfreq's word frequencies: ``kerana`` +5,
   ``lawatan`` +4.3, ``karena`` -5, ``perusahaan`` -4.5; made by
   ``tools/make_malay_table.py``). The values of the text's distinct words
   are summed (each word once, however often it recurs: an Indonesian article
   about a kingdom may say ``kerajaan`` ten times); a text is Malay when the
   sum reaches :attr:`Thresholds.malay_score`.

Fewer than :attr:`Thresholds.min_words` words (an empty text, a lone name) is
``OTHER``: there is no evidence that it is Indonesian, and an archive record
that short is not an article. The thresholds were tuned on the dev half of the
Indonesian corpora and of ``benchmarks/data/`` (``benchmarks/identify.py``).
Pure Python: a few microseconds per hundred words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from itertools import islice
from types import MappingProxyType

from .tables import data_lines, load_table, word_tables

MAX_WORDS = 1500
"""Words read from the start of a text: enough to decide, and a bound on the time."""

MALAY_TABLE = "malay_indonesian.tsv"
"""The words' Malay-over-Indonesian log2 ratios (``data/``, made by ``tools/make_malay_table.py``)."""

_WORD = re.compile(r"[^\W\d_]+")


class Language(Enum):
    """A text's language, as far as this engine cares."""

    INDONESIAN = "id"
    MALAY = "ms"
    ENGLISH = "en"
    OTHER = "other"


@dataclass(frozen=True)
class Thresholds:
    """The decision's parameters (the defaults are the tuned ones)."""

    min_words: int = 3
    family_rate: float = 0.06
    """Share of Indonesian function words a text needs to be Indonesian or Malay."""
    english_rate: float = 0.15
    """Share of English function words a text needs to be English."""
    malay_score: float = 5.0
    """Sum of its distinct words' Malay-over-Indonesian log2 ratios a text needs to be Malay."""


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class LanguageWords:
    """The word lists the identification reads (``data/``), read once (:func:`language_words`)."""

    family: frozenset[str]
    english: frozenset[str]
    other: frozenset[str]
    malay: Mapping[str, float]
    """Each distinctive word's log2 ratio of Malay over Indonesian frequency."""

    @classmethod
    def load(cls) -> LanguageWords:
        family = word_tables().stop_words
        english = _words("english.txt") - family
        return cls(
            family=family,
            english=english,
            other=_words("other_languages.txt") - family - english,
            malay=MappingProxyType({word: float(ratio) for word, ratio in load_table(MALAY_TABLE).items()}),
        )


def _words(name: str) -> frozenset[str]:
    return frozenset(word for line in data_lines(name) for word in line.split())


@lru_cache(maxsize=1)
def language_words() -> LanguageWords:
    """The package's language word lists (data that never changes, so read once per process)."""
    return LanguageWords.load()


@dataclass(frozen=True)
class Evidence:
    """What the words of a text say: the counts the decision is made from."""

    words: int
    family: int
    """Indonesian (and Malay) function words."""
    english: int
    other: int
    malay: float
    """Sum of the distinct words' Malay-over-Indonesian log2 ratios (positive says Malay)."""

    def rate(self, count: int) -> float:
        return count / self.words if self.words else 0.0


def words_of(text: str) -> list[str]:
    """The text's first :data:`MAX_WORDS` words, lowercased runs of letters."""
    return [match.group() for match in islice(_WORD.finditer(text.lower()), MAX_WORDS)]


def evidence(text: str) -> Evidence:
    """Count what the text's words say about its language."""
    lists = language_words()
    words = words_of(text)
    family = english = other = 0
    for word in words:
        if word in lists.family:
            family += 1
        elif word in lists.english:
            english += 1
        elif word in lists.other:
            other += 1
    # Each word counts once, however often it recurs: a word shared by both
    # languages (kerajaan, a kingdom in Indonesian) may fill an article.
    malay = sum(lists.malay.get(word, 0.0) for word in set(words))
    return Evidence(len(words), family, english, other, malay)


def decide(found: Evidence, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Language:
    """The language the evidence points to (see the module's docstring)."""
    if found.words < thresholds.min_words:
        return Language.OTHER
    family, english, other = found.rate(found.family), found.rate(found.english), found.rate(found.other)
    if family >= thresholds.family_rate and family > english and family > other:
        return Language.MALAY if found.malay >= thresholds.malay_score else Language.INDONESIAN
    if english >= thresholds.english_rate and english > other:
        return Language.ENGLISH
    return Language.OTHER


def identify(text: str, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Language:
    """The language of ``text``: Indonesian, Malay, English, or ``OTHER`` (too short, or another language)."""
    return decide(evidence(text), thresholds)


def is_indonesian(text: str) -> bool:
    """True when ``text`` reads as Indonesian (not Malay, English or another language)."""
    return identify(text) is Language.INDONESIAN
