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
* Whoosh pickles the analyzer into the index, so everything in the chain is
  importable by name and small: the word tables are read from the package
  (``search.language.tables``), and each stem filter owns a
  :class:`~search.language.stemming.Stemmer` that pickles without its cache.
* :class:`Analysis` is one set of chains sharing one stemmer; the functions
  :func:`stem` and :func:`analyze` use a default one, for callers that only
  want to see what the analysis does.

The word lists live in ``search/language/data``; see the comments at their top.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.analysis.analyzers import CompositeAnalyzer

from .stemming import Stemmer
from .tables import WordTables, word_tables

# The rupiah sign before an amount (Rp5.000 is Rp 5.000); a number with inner
# separators (1.500, 2,5); or letters and digits, with inner hyphens or
# apostrophes (anak-anak, Jum'at).
WORD_PATTERN = r"(?i:rp)(?=\d)|\d+(?:[.,]\d+)+|\w+(?:[-'\u2019]\w+)*"


_INFORMAL_REDUPLICATION = re.compile(r"^([^\W\d_]{3,})2$")


class SpellingFilter(Filter):
    """Standardise informal spellings and colloquial words.

    ``yg`` -> ``yang``, ``bikin`` -> ``buat``, ``anak2`` -> ``anak-anak``.
    The table is the package's (``WordTables.spelling``) unless one is given.
    """

    def __init__(self, spelling: Mapping[str, str] | None = None):
        self.spelling = spelling

    def __call__(self, tokens):
        spelling = self.spelling if self.spelling is not None else word_tables().spelling
        for token in tokens:
            text = token.text
            if text in spelling:
                token.text = spelling[text]
            else:
                match = _INFORMAL_REDUPLICATION.match(text)
                if match:
                    token.text = f"{match.group(1)}-{match.group(1)}"
            yield token


class IndonesianStemFilter(Filter):
    """Replace each token by its stem; split hyphenated words that are not reduplications."""

    is_morph = True

    def __init__(self, stemmer: Stemmer | None = None):
        self.stemmer = stemmer if stemmer is not None else Stemmer()

    def __call__(self, tokens):
        stem = self.stemmer
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


def _normalized(tables: WordTables | None = None, word_pattern: str = WORD_PATTERN):
    """The words as written, standardised: the part every chain shares."""
    return (RegexTokenizer(word_pattern) | LowercaseFilter()
            | SpellingFilter(tables.spelling if tables is not None else None)
            | StopFilter(stoplist=(tables or word_tables()).stop_words, minsize=1))


def IndonesianAnalyzer(stemmer: Stemmer | None = None, tables: WordTables | None = None,
                       word_pattern: str = WORD_PATTERN):
    """The analysis chain used for every stemmed field, at index and query time.

    The index's own chain is built with the defaults; other ``tables`` or
    ``word_pattern`` give a variant for experiments (``benchmarks.ablation``).
    """
    return _normalized(tables, word_pattern) | IndonesianStemFilter(stemmer or Stemmer(tables))


def ExactAnalyzer(tables: WordTables | None = None, word_pattern: str = WORD_PATTERN):
    """The same tokens without stemming: for matching the word form as written."""
    return _normalized(tables, word_pattern)


def stemmer_of(analyzer) -> Stemmer | None:
    """The stemmer inside an analysis chain (one built by :func:`IndonesianAnalyzer`), or None."""
    items = analyzer.items if isinstance(analyzer, CompositeAnalyzer) else ()
    return next((item.stemmer for item in items if isinstance(item, IndonesianStemFilter)), None)


# What ``CachedAnalysis`` keeps of a word: its exact form and its stemmed
# parts, each with its first and last character within the word; None for a stop word.
_Form = tuple[str, tuple[tuple[str, int, int], ...]] | None
_UNSEEN: Any = object()  # a word not seen yet


class CachedAnalysis:
    """An analysis chain of :func:`IndonesianAnalyzer`'s shape, run once per distinct word.

    A build sees millions of tokens but only about a hundred thousand distinct
    words, and Whoosh's chain sends every token through five generator stages.
    This reads the same chain's parts (its pattern, spelling table, stop words
    and stemmer) and keeps, for each word as written, what the chain makes of
    it: so a text is one pass of the pattern and one dict lookup per token,
    giving the stemmed tokens and the exact forms together. The tokens are
    the chain's own, to the position and character (``tests/test_analysis.py``
    compares them on generated texts).
    """

    def __init__(self, analyzer, max_cached: int = 1_000_000):
        items = analyzer.items if isinstance(analyzer, CompositeAnalyzer) else ()
        kinds = [type(item) for item in items]
        if kinds != [RegexTokenizer, LowercaseFilter, SpellingFilter, StopFilter, IndonesianStemFilter]:
            raise ValueError(f"not an Indonesian analysis chain: {analyzer!r}")
        self._chain = analyzer
        tokenizer, _, spelling, stops, stemming = list(items)
        if tokenizer.gaps or stops.max is not None or not stops.renumber:
            raise ValueError(f"an analysis chain this cache does not follow: {analyzer!r}")
        self._finditer = tokenizer.expression.finditer
        self._spelling = spelling.spelling if spelling.spelling is not None else word_tables().spelling
        self._stops, self._minsize = stops.stops, stops.min
        self.stemmer = stemming.stemmer
        self._forms: dict[str, _Form] = {}
        self._max_cached = max_cached

    def follows(self, analyzer) -> bool:
        """Whether ``analyzer`` is this cache's chain (or one equal to it)."""
        return analyzer is self._chain or analyzer == self._chain

    def unstemmed(self, analyzer) -> bool:
        """Whether ``analyzer`` is this chain without its stemming (:func:`ExactAnalyzer`'s shape)."""
        items = analyzer.items if isinstance(analyzer, CompositeAnalyzer) else ()
        return list(items) == list(self._chain.items[:-1])

    def _form(self, raw: str) -> _Form:
        """(exact form, ((stem, first, last character within ``raw``), ...)) of one word; None for a stop word."""
        text = raw.lower()
        if text in self._spelling:
            text = self._spelling[text]
        else:
            match = _INFORMAL_REDUPLICATION.match(text)
            if match:
                text = f"{match.group(1)}-{match.group(1)}"
        form: _Form = None
        if len(text) >= self._minsize and text not in self._stops:
            stem = self.stemmer
            root = stem(text)
            if "-" not in root:
                form = (text, ((root, 0, len(raw)),))
            else:  # as IndonesianStemFilter: each part, pointing at its own characters if it can
                fits = len(raw) == len(text)
                parts, offset = [], 0
                for part in text.split("-"):
                    if part:
                        parts.append((stem(part), offset, offset + len(part)) if fits else (stem(part), 0, len(raw)))
                    offset += len(part) + 1
                form = (text, tuple(parts))
        if len(self._forms) < self._max_cached:
            self._forms[raw] = form
        return form

    def words(self, text: str) -> tuple[dict[str, list[int]], list[str], int]:
        """What the stemmed and the exact chain make of ``text``, gathered by word.

        (each stem -> its tokens as flat (position, first, last character)
        triples, in order; the exact forms in order; the number of stemmed
        tokens). The chains' tokens with ``positions=True, chars=True`` and
        stop words removed.
        """
        forms, form_of = self._forms, self._form
        stems: dict[str, list[int]] = {}
        exact: list[str] = []
        count = 0
        pos = -1
        for index, match in enumerate(self._finditer(text)):
            raw = match.group()
            form: _Form = forms.get(raw, _UNSEEN)
            if form is _UNSEEN:
                form = form_of(raw)
            if form is None:
                continue
            pos = index if pos < 0 else pos + 1  # StopFilter renumbers the words it keeps
            exact.append(form[0])
            start = match.start()
            for stem, first, last in form[1]:
                found = stems.get(stem)
                if found is None:
                    stems[stem] = [pos, start + first, start + last]
                else:
                    found += (pos, start + first, start + last)
                count += 1
        return stems, exact, count


@dataclass(frozen=True)
class AnalyzedToken:
    """One token of a text: as written, its stem, and whether it is a stop word."""

    text: str
    stem: str
    position: int
    start: int
    end: int
    stop_word: bool


@dataclass
class Analysis:
    """The stemmed and the exact chain, sharing one stemmer (and so one cache).

    By default the engine's own analysis; ``tables``, ``word_pattern`` and
    ``stemmer`` build a variant of it.
    """

    tables: WordTables | None = None
    word_pattern: str = WORD_PATTERN
    stemmer: Stemmer | None = None

    def __post_init__(self) -> None:
        if self.stemmer is None:
            self.stemmer = Stemmer(self.tables)
        self.stemmed = IndonesianAnalyzer(self.stemmer, self.tables, self.word_pattern)
        self.exact = ExactAnalyzer(self.tables, self.word_pattern)

    def stem(self, word: str) -> str:
        """The root of one lowercase word."""
        assert self.stemmer is not None
        return self.stemmer(word)

    def analyze(self, text: str) -> list[AnalyzedToken]:
        """Each token of ``text`` and its stem, stop words included."""
        return [
            AnalyzedToken(text=text[token.startchar:token.endchar], stem=token.text, position=token.pos,
                          start=token.startchar, end=token.endchar, stop_word=bool(token.stopped))
            for token in self.stemmed(text, positions=True, chars=True, removestops=False)
        ]


@lru_cache(maxsize=1)
def default_analysis() -> Analysis:
    """The analysis :func:`stem` and :func:`analyze` use (never an index's own)."""
    return Analysis()


def stem(word: str) -> str:
    """The root of one lowercase word."""
    return default_analysis().stem(word)


def analyze(text: str) -> list[AnalyzedToken]:
    """Show how a text is analysed: each token and its stem, stop words included."""
    return default_analysis().analyze(text)
