"""First-stage scoring of word queries in NumPy: the same BM25F as Whoosh, faster.

A search for a headline is an OR of 30-60 terms (each word in the title,
body, lead and exact fields). Whoosh scores such a query one posting at a
time in Python, through a tree of matchers. Here each term's postings are
read a block at a time (128 postings), scored with NumPy and added into one
array of scores for all articles: faster, with the same scores, the same
order and the same count of matches (figures in benchmarks/README.md,
"Figures behind the code's comments").

Only queries made of words and phrases joined by OR (what a user types
without operators) go this way; :func:`can_score` says which. Phrases keep
Whoosh's own matcher. Everything else (AND, NOT, sorting by date, facets)
is left to Whoosh's searcher.

The collection statistics BM25F needs (each term's idf, each field's average
length) come from a :class:`Statistics` object, by default the searcher's
own; an index of several shards passes statistics gathered from all of them,
so that every article gets the score it would get in one index.

The postings and per-article columns come as NumPy arrays from
``search.store.arrays``, the one module that reads Whoosh's codec.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from whoosh.fields import DATETIME
from whoosh.query import DateRange, Or, Phrase, Term
from whoosh.scoring import BM25F, BM25FScorer

from ..store.arrays import TermPostings, date_column, field_lengths, read_postings
from ..store.whoosh_private import rebound

__all__ = ["CollectionBM25F", "CollectionStatistics", "Scorer", "Scores", "Statistics", "TermPostings", "bm25",
           "can_score", "mask", "read_postings"]


class Statistics(Protocol):
    """What BM25F needs to know of the whole collection (Whoosh's searcher has both)."""

    def idf(self, fieldname: str, text) -> float: ...

    def avg_field_length(self, fieldname: str, default: float | None = None) -> float: ...


@dataclass
class CollectionStatistics:
    """What BM25F needs of a collection held in several places, added up from each part.

    The article count (deleted ones included, as Whoosh counts them), each
    field's total length, and the document frequency of the terms a query
    asks for. :meth:`of` reads one searcher's; ``a + b`` is the collection of
    both. Its ``idf`` and ``avg_field_length`` are Whoosh's own formulas, so a
    shard scored with the whole collection's statistics gives each article
    the score it would have in one index.
    """

    doc_count_all: int = 0
    field_lengths: dict[str, int] = field(default_factory=dict)
    doc_frequencies: dict[tuple[str, str], int] = field(default_factory=dict)

    @classmethod
    def of(cls, searcher, terms) -> CollectionStatistics:
        """One searcher's statistics for ``terms``, (field, text) pairs."""
        schema = searcher.schema
        return cls(
            searcher.doc_count_all(),
            {name: searcher.field_length(name) for name in schema.scorable_names()},
            {(name, _text(text)): searcher.doc_frequency(name, text) for name, text in terms if name in schema},
        )

    def __add__(self, other: CollectionStatistics) -> CollectionStatistics:
        lengths = dict(self.field_lengths)
        for name, length in other.field_lengths.items():
            lengths[name] = lengths.get(name, 0) + length
        frequencies = dict(self.doc_frequencies)
        for term, count in other.doc_frequencies.items():
            frequencies[term] = frequencies.get(term, 0) + count
        return CollectionStatistics(self.doc_count_all + other.doc_count_all, lengths, frequencies)

    def idf(self, fieldname: str, text) -> float:
        frequency = self.doc_frequencies.get((fieldname, _text(text)), 0)
        return math.log(self.doc_count_all / (frequency + 1)) + 1

    def avg_field_length(self, fieldname: str, default: float | None = None) -> float:
        if fieldname not in self.field_lengths:
            return default  # type: ignore[return-value]
        return self.field_lengths[fieldname] / (self.doc_count_all or 1)


def _text(text) -> str:
    return text.decode("utf-8") if isinstance(text, bytes) else text


class CollectionBM25F(BM25F):
    """Whoosh's BM25F, with the idf and average lengths of ``statistics`` when it is set.

    What Whoosh's own matchers score (phrases, AND, NOT) on a shard held
    apart: set ``statistics`` to the whole collection's before a query, None
    after (then it is plain BM25F).
    """

    def __init__(self, B: float = 0.75, K1: float = 1.2):
        super().__init__(B=B, K1=K1)
        self.statistics: Statistics | None = None

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if self.statistics is not None and isinstance(scorer, BM25FScorer):
            scorer.idf = self.statistics.idf(fieldname, text)
            scorer.avgfl = self.statistics.avg_field_length(fieldname) or 1
            # Whoosh's bound for skipping, computed with the shard's own idf, again.
            info = searcher.term_info(fieldname, text)
            rebound(scorer, info.max_weight(), info.min_length())
        return scorer


@contextmanager
def scored_with(searcher, statistics: Statistics | None) -> Iterator[None]:
    """Whoosh's own matchers on ``searcher`` score with ``statistics`` (a whole collection's) inside the block."""
    weighting = searcher.weighting
    if statistics is None or not isinstance(weighting, CollectionBM25F):
        yield
        return
    weighting.statistics = statistics
    try:
        yield
    finally:
        weighting.statistics = None


def bm25(idf, tf, length, average_length, b: float, k1: float):
    """BM25 of term frequencies ``tf`` in fields of ``length`` (numbers or NumPy arrays), as Whoosh's BM25F."""
    return idf * (tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * length / average_length))


def can_score(query) -> bool:
    """True if ``query`` is only words and phrases joined by OR."""
    if isinstance(query, Or):
        return all(can_score(child) for child in query.children())
    return isinstance(query, (Term, Phrase))


@dataclass
class Scores:
    """The score of every article in the index (0 where it did not match)."""

    values: np.ndarray
    matched: np.ndarray
    # The postings read to score the query's words, by (field, word).
    postings: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return int(self.matched.sum())

    def best(self, count: int) -> list[tuple[int, float]]:
        """The ``count`` best (docnum, score) pairs, best first; ties go to the lower docnum."""
        docnums = np.flatnonzero(self.matched)
        if len(docnums) > count:
            keep = np.argpartition(-self.values[docnums], count - 1)[:count]
            # Articles tied with the last one kept compete on docnum, as in Whoosh.
            threshold = self.values[docnums[keep]].min()
            docnums = docnums[self.values[docnums] >= threshold]
        order = np.lexsort((docnums, -self.values[docnums]))[:count]
        return [(int(d), float(self.values[d])) for d in docnums[order]]


class Scorer:
    """Scores OR queries over one open Whoosh searcher.

    Keeps every article's field lengths and dates as arrays, so
    make one per searcher and reuse it.
    """

    def __init__(self, searcher, k1: float, b: float, statistics: Statistics | None = None):
        self._searcher = searcher
        self._b = b
        self._k1 = k1
        self._statistics = statistics if statistics is not None else searcher
        self._segments = searcher.leaf_searchers()
        self._lengths: dict[str, np.ndarray] = {}
        self._columns: dict[str, np.ndarray] = {}
        self._norms: dict[str, tuple[float, np.ndarray]] = {}

    def _field_lengths(self, fieldname: str) -> np.ndarray:
        if fieldname not in self._lengths:
            self._lengths[fieldname] = field_lengths(self._searcher, fieldname)
        return self._lengths[fieldname]

    def _length_norms(self, fieldname: str, average: float) -> np.ndarray:
        """``k1 * ((1 - b) + b * length / average)`` of every article: BM25's length part, made once per field."""
        made = self._norms.get(fieldname)
        if made is None or made[0] != average:  # (the latest average only: a collection's may change)
            made = self._norms[fieldname] = (average, self._k1 * ((1 - self._b) + self._b
                                                                  * self._field_lengths(fieldname) / average))
        return made[1]

    def dates(self, fieldname: str) -> np.ndarray:
        """Every article's value in a date field's column (kept for the life of the searcher)."""
        if fieldname not in self._columns:
            self._columns[fieldname] = date_column(self._searcher, fieldname)
        return self._columns[fieldname]

    def score(self, query, allowed=None, statistics: Statistics | None = None) -> Scores:
        """Scores for ``query`` (see :func:`can_score`); ``allowed`` is a boolean mask of articles, or None.

        ``statistics``: the collection's, for this query only (else the scorer's own).
        """
        searcher = self._searcher
        size = searcher.doc_count_all()
        values = np.zeros(size)
        matched = np.zeros(size, dtype=bool)
        postings: dict[tuple[str, str], TermPostings | None] = {}
        for node, boost in _leaves(query):
            if isinstance(node, Term):
                self._add_term(node, boost, values, matched, postings, statistics or self._statistics)
            else:
                self._add_with_whoosh(node, boost, values, matched)
        self._drop_deleted(matched)
        if allowed is not None:
            matched &= allowed
        values[~matched] = 0.0
        return Scores(values, matched, postings)

    def _drop_deleted(self, matched: np.ndarray) -> None:
        for sub, offset in self._segments:
            deleted = sub.reader().deleted_docs_set if sub.reader().has_deletions() else ()
            if deleted:
                matched[np.fromiter(deleted, dtype=np.int64) + offset] = False

    def live(self) -> np.ndarray:
        """A mask of the articles not deleted."""
        every = np.ones(self._searcher.doc_count_all(), dtype=bool)
        self._drop_deleted(every)
        return every

    def matches(self, query) -> np.ndarray:
        """The articles ``query`` (see :func:`can_score`) matches, as a mask, without scoring any:
        the union of its words' document numbers (read without positions), its phrases' matchers walked."""
        matched = np.zeros(self._searcher.doc_count_all(), dtype=bool)
        for node, _ in _leaves(query):
            if isinstance(node, Term):
                found = read_postings(self._searcher, node.fieldname, node.text)
                if found is not None:
                    matched[found.docnums] = True
            else:
                for sub, offset in self._segments:
                    matched[np.fromiter(node.docs(sub), dtype=np.int64) + offset] = True
        self._drop_deleted(matched)
        return matched

    def _add_term(self, term: Term, boost: float, values, matched, postings: dict, statistics: Statistics) -> None:
        fieldname, text = term.fieldname, term.text
        key = (fieldname, text.decode("utf-8") if isinstance(text, bytes) else text)
        if key not in postings:
            postings[key] = read_postings(self._searcher, fieldname, text, with_positions=True)
        found = postings[key]
        if found is None:
            return
        idf = statistics.idf(fieldname, text)
        average = statistics.avg_field_length(fieldname) or 1
        tf = found.weights
        # bm25() with its length part read per article: the same operations in the same order
        scores = idf * (tf * (self._k1 + 1)) / (tf + self._length_norms(fieldname, average)[found.docnums])
        values[found.docnums] += boost * term.boost * scores
        matched[found.docnums] = True

    def _add_with_whoosh(self, node, boost: float, values, matched) -> None:
        for sub, offset in self._segments:
            matcher = node.matcher(sub)
            while matcher.is_active():
                docnum = matcher.id() + offset
                values[docnum] += boost * matcher.score()
                matched[docnum] = True
                matcher.next()

    def range_mask(self, date_range: DateRange) -> np.ndarray:
        """The articles inside a date range, read from the date field's column.

        Whoosh finds them by walking the range's terms, one article at a time
        (what that cost: benchmarks/README.md); the column holds every
        article's date, so this is a comparison over an array.
        """
        field_ = self._searcher.schema[date_range.fieldname]
        if not isinstance(field_, DATETIME) or not field_.column_type:
            return mask(self._searcher.docs_for_query(date_range), self._searcher.doc_count_all())
        dates = self.dates(date_range.fieldname)
        # The column holds what the range compares: whoosh.util.times.datetime_to_long.
        allowed = dates != field_.default  # an article without a date is in no range
        start, end = date_range.start, date_range.end
        if start is not None:
            allowed &= dates > start if date_range.startexcl else dates >= start
        if end is not None:
            allowed &= dates < end if date_range.endexcl else dates <= end
        return allowed

def mask(docnums, size: int) -> np.ndarray:
    """A boolean mask of ``size`` articles, true at ``docnums``."""
    allowed = np.zeros(size, dtype=bool)
    allowed[np.fromiter(docnums, dtype=np.int64)] = True
    return allowed


def _leaves(query, boost: float = 1.0):
    """(node, boost) for each word or phrase in an OR query, with the boosts of the ORs above it."""
    if isinstance(query, Or):
        for child in query.children():
            yield from _leaves(child, boost * query.boost)
    else:
        yield query, boost
