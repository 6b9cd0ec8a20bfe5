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

**Pruning.** Most of a headline's postings belong to common words that
cannot lift an article into the best few hundred the re-ranking reads. When
only the best ``top`` are wanted (``Scorer.score(..., top=k)``), the query is
scored by MaxScore (Turtle and Flood, 1995; Lucene's ``MaxScoreBulkScorer``):
each word's most possible contribution is bounded from its term info (its
largest frequency and shortest field length in each segment: BM25 grows with
the one and shrinks with the other); the words with the highest bounds are
scored in full, highest first, until the bounds of the rest add up to less
than the ``k``-th best score so far (the threshold). An article holding
none of the words scored cannot reach it; the others are looked up in the
rest's postings by binary search (a word with few postings beside them is
scored in full instead), highest bound first, and dropped as soon as their
score so far and the bounds left cannot reach the threshold either.
Exact by construction, not by approximation:

* every bound is raised and every threshold lowered by ``MARGIN`` (far above
  float rounding), and an article is dropped only if it falls strictly below
  ``k`` others, so ties at the cut are kept;
* a candidate's score is its leaves' parts added in the query's order, the
  order the full scoring adds them, so the floats are the same bit for bit;
* the total still counts every match: the union of the words' document
  numbers (a scatter of booleans, no scoring).

Everything that needs every match (sorting by date, facets, timelines,
``Scorer.matches``) never passes ``top``. Phrases are always scored in full.
``Scores.scored`` counts the postings scored (benchmarks/pruning.py checks
the answers on the dev queries and reports what it saves). The engine prunes
when ``Ranking.prune`` says so (off by default: in NumPy, at a depth of 200,
it scores a third fewer postings but its bookkeeping and look-ups cost more time
than they save; figures in benchmarks/pruning.py's output).
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

from ..store.arrays import TermPostings, date_column, field_lengths, read_postings, term_bounds
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
    """The score of every article in the index (0 where it did not match).

    Scored for the best ``depth`` only (``Scorer.score(..., top=depth)``),
    ``values`` holds the scores of the ``candidates`` alone: every article
    that could be among the best ``depth``, with its exact score. ``matched``
    (and so ``total``) is every match either way.
    """

    values: np.ndarray
    matched: np.ndarray
    # The postings read to score the query's words, by (field, word).
    postings: dict = field(default_factory=dict)
    scored: int = 0
    """Postings whose BM25 was computed (a phrase: its matches)."""
    candidates: np.ndarray | None = None
    depth: int | None = None

    @property
    def total(self) -> int:
        return int(self.matched.sum())

    def best(self, count: int) -> list[tuple[int, float]]:
        """The ``count`` best (docnum, score) pairs, best first; ties go to the lower docnum."""
        if self.candidates is None:
            docnums = np.flatnonzero(self.matched)
        elif self.depth is not None and count > self.depth:
            raise ValueError(f"only the best {self.depth} were scored, not {count}")
        else:
            docnums = self.candidates
        if len(docnums) > count:
            keep = np.argpartition(-self.values[docnums], count - 1)[:count]
            # Articles tied with the last one kept compete on docnum, as in Whoosh.
            threshold = self.values[docnums[keep]].min()
            docnums = docnums[self.values[docnums] >= threshold]
        order = np.lexsort((docnums, -self.values[docnums]))[:count]
        return [(int(d), float(self.values[d])) for d in docnums[order]]


TERM_BOUNDS_KEPT = 100_000
"""Terms whose largest weight and shortest length a scorer keeps (read from each segment's term info)."""
DENSE_BELOW = 8
"""A word with fewer postings than this many times the articles looked up for it is scored in full
instead (a binary search costs several times what a posting scored in NumPy does)."""
MARGIN = 1e-6
"""Pruning's slack: every bound is raised, every threshold lowered, by this share. A contribution is
computed in float32 where the weights are floats and sums are added in another order than the bounds':
rounding (below 1e-12 of a score) must never make a bound too low."""


def _raised(value):
    return value * (1 + MARGIN)


def _lowered(value):
    return value * (1 - MARGIN)


def _bm25_terms(idf: float, tf: np.ndarray, norms: np.ndarray, k1: float) -> np.ndarray:
    """:func:`bm25` with its length part ``norms`` read per article: the same operations in the same order."""
    return idf * (tf * (k1 + 1)) / (tf + norms)


@dataclass
class _Leaf:
    """One word or phrase of a query: the articles holding it (ascending), what it adds to their
    scores, and a bound on that (infinite: none known, always scored in full)."""

    docnums: np.ndarray
    weight: float
    idf: float = 0.0
    tf: np.ndarray | None = None
    norms: np.ndarray | None = None
    k1: float = 0.0
    key: tuple[str, str] | None = None
    """A word's (field, word); None for a phrase."""
    average: float = 1.0
    """The field's average length the word is scored with."""
    bound: float = math.inf
    """Set by ``Scorer`` before pruning."""
    scores: np.ndarray | None = None
    """What it adds to each posting's article, once computed for all of them."""
    looked_up: int = 0
    """Postings scored one at a time, for candidates (:meth:`at`)."""

    def contributions(self) -> np.ndarray:
        if self.scores is None:
            assert self.tf is not None and self.norms is not None
            self.scores = self.weight * _bm25_terms(self.idf, self.tf, self.norms[self.docnums], self.k1)
        return self.scores

    def at(self, docnums: np.ndarray, scratch: np.ndarray | None = None) -> np.ndarray:
        """What it adds to each of ``docnums`` (0 where absent): each the same float as
        :meth:`contributions` gives.

        Postings are found by binary search; with ``scratch`` (zeros, one per
        article; left as it was) and so many articles asked for that scoring
        every posting costs less (``DENSE_BELOW``), all are scored and spread.
        """
        if scratch is not None and len(self.docnums) < DENSE_BELOW * len(docnums):
            scratch[self.docnums] = self.contributions()
            spread = scratch[docnums]
            scratch[self.docnums] = 0.0
            return spread
        found = np.zeros(len(docnums))
        if not len(docnums):
            return found
        where = np.minimum(np.searchsorted(self.docnums, docnums), len(self.docnums) - 1)
        hit = self.docnums[where] == docnums
        if self.scores is not None:
            found[hit] = self.scores[where[hit]]
            return found
        assert self.tf is not None and self.norms is not None
        index = where[hit]
        found[hit] = self.weight * _bm25_terms(self.idf, self.tf[index], self.norms[docnums[hit]], self.k1)
        self.looked_up += len(index)
        return found

    @property
    def scored(self) -> int:
        return (len(self.docnums) if self.scores is not None else 0) + self.looked_up


def _scored(leaves: list[_Leaf]) -> int:
    return sum(leaf.scored for leaf in leaves)


def _kth_best(values: np.ndarray, k: int) -> float:
    return float(np.partition(values, len(values) - k)[len(values) - k])


def _suffix_sums(bounds: list[float]) -> list[float]:
    """``sums[i]``: the sum of ``bounds[i:]`` (0 past the end)."""
    sums = [0.0] * (len(bounds) + 1)
    for i in range(len(bounds) - 1, -1, -1):
        sums[i] = sums[i + 1] + bounds[i]
    return sums


@dataclass
class _Essential:
    """The first part of MaxScore: the leaves with the highest bounds, scored in full."""

    order: list[int]
    """The leaves by bound, highest first."""
    count: int
    """The first ``count`` of ``order`` are scored in full (essential); the others could not lift an
    article that holds none of those to ``theta``."""
    rest: list[float]
    """``rest[i]``: the sum of the bounds of ``order[i:]``."""
    partial: np.ndarray
    """The essential leaves' sum for every article (in ``order``'s order, not the query's)."""
    docs: np.ndarray
    """The allowed articles, not deleted, holding an essential leaf (ascending)."""
    seen: np.ndarray
    """Every article holding an essential leaf, as a mask."""
    theta: float
    """A score at least ``top`` of ``docs`` reach."""


def _essential(leaves: list[_Leaf], ok: np.ndarray, top: int, size: int) -> _Essential | None:
    """Score leaves in full, highest bound first, until the bounds of the others add up to less than the
    ``top``-th best score so far; None if every leaf had to be scored.

    The threshold is looked at again once twice as many postings were scored
    as it took articles to find it, so that finding it costs less than scoring.
    """
    order = sorted(range(len(leaves)), key=lambda i: -leaves[i].bound)
    rest = _suffix_sums([leaves[i].bound for i in order])
    partial = np.zeros(size)
    seen = np.zeros(size, dtype=bool)
    pool: list[np.ndarray] = []
    pooled = unchecked = checked = 0
    theta = 0.0
    for count, i in enumerate(order):
        if rest[count] < _lowered(theta):
            return _Essential(order, count, rest, partial, np.flatnonzero(seen & ok), seen, theta)
        leaf = leaves[i]
        partial[leaf.docnums] += leaf.contributions()
        fresh = leaf.docnums[~seen[leaf.docnums]]
        seen[fresh] = True
        fresh = fresh[ok[fresh]]
        pool.append(fresh)
        pooled += len(fresh)
        unchecked += len(leaf.docnums)
        if pooled >= top and unchecked >= 2 * checked:
            docs = np.concatenate(pool)
            pool = [docs]
            theta = max(theta, _kth_best(partial[docs], top))
            checked, unchecked = len(docs), 0
    return None


def _candidates(leaves: list[_Leaf], essential: _Essential, top: int) -> np.ndarray:
    """The articles that could still be among the best ``top`` (ascending).

    The non-essential leaves are looked up for the candidates, highest bound
    first; after each, an article whose score so far plus the bounds of the
    leaves left cannot reach the threshold (raised as the scores so far grow)
    is dropped.
    """
    order, count, rest, theta = essential.order, essential.count, essential.rest, essential.theta
    docs = essential.docs
    known = essential.partial[docs]
    keep = ~(_raised(known + rest[count]) < _lowered(theta))
    docs, known = docs[keep], known[keep]
    scratch = np.zeros(len(essential.partial))
    for at in range(count, len(order)):
        known = known + leaves[order[at]].at(docs, scratch)
        if len(docs) >= top:
            theta = max(theta, _kth_best(known, top))
        keep = ~(_raised(known + rest[at + 1]) < _lowered(theta))
        if not keep.all():
            docs, known = docs[keep], known[keep]
    return docs


def _summed(leaves: list[_Leaf], docs: np.ndarray) -> np.ndarray:
    """The scores of ``docs``: each leaf's part added in the query's order, as the full scoring adds them
    (adding 0.0 where an article lacks a leaf changes no sum), so the floats are the same."""
    total = np.zeros(len(docs))
    for leaf in leaves:
        total += leaf.at(docs)
    return total


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
        self._live: np.ndarray | None = None
        self._term_bounds: dict[tuple[str, str], tuple[float, float] | None] = {}

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

    def score(self, query, allowed=None, statistics: Statistics | None = None, top: int | None = None) -> Scores:
        """Scores for ``query`` (see :func:`can_score`); ``allowed`` is a boolean mask of articles, or None.

        ``statistics``: the collection's, for this query only (else the scorer's own).
        ``top``: only the best ``top`` are wanted (``Scores.best`` up to ``top``): the query is
        pruned (module docstring), with the same best ``top``, the same scores and the same total.
        None scores every article that matches.
        """
        size = self._searcher.doc_count_all()
        postings: dict[tuple[str, str], TermPostings | None] = {}
        leaves = self._read_leaves(query, postings, statistics or self._statistics)
        if top is not None and top > 0:
            pruned = self._score_pruned(leaves, allowed, top, size)
            if pruned is not None:
                values, matched, candidates = pruned
                return Scores(values, matched, postings, _scored(leaves), candidates, top)
        values = np.zeros(size)
        matched = np.zeros(size, dtype=bool)
        for leaf in leaves:
            values[leaf.docnums] += leaf.contributions()
            matched[leaf.docnums] = True
        self._drop_deleted(matched)
        if allowed is not None:
            matched &= allowed
        values[~matched] = 0.0
        return Scores(values, matched, postings, _scored(leaves))

    def _read_leaves(self, query, postings: dict, statistics: Statistics) -> list[_Leaf]:
        """Each word and phrase of ``query`` that some article holds, in the query's order; words'
        postings read into ``postings``, phrases scored by Whoosh's matcher."""
        leaves = []
        for node, boost in _leaves(query):
            leaf = self._term_leaf(node, boost, postings, statistics) if isinstance(node, Term) \
                else self._phrase_leaf(node, boost)
            if leaf is not None:
                leaves.append(leaf)
        return leaves

    def _score_pruned(self, leaves: list[_Leaf], allowed, top: int,
                      size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """MaxScore over ``leaves``: (the candidates' scores, 0 elsewhere; every match; the candidates),
        or None where no word could be left out (the caller then adds up all, reusing what was scored)."""
        ok = self.live() if allowed is None else self.live() & allowed
        for leaf in leaves:
            leaf.bound = self._bound(leaf)
        essential = _essential(leaves, ok, top, size)
        if essential is None:
            return None
        matched = essential.seen  # the total: every match, counted without scoring
        for i in essential.order[essential.count:]:
            matched[leaves[i].docnums] = True
        matched &= ok
        candidates = _candidates(leaves, essential, top)
        values = np.zeros(size)
        values[candidates] = _summed(leaves, candidates)
        return values, matched, candidates

    def _drop_deleted(self, matched: np.ndarray) -> None:
        for sub, offset in self._segments:
            deleted = sub.reader().deleted_docs_set if sub.reader().has_deletions() else ()
            if deleted:
                matched[np.fromiter(deleted, dtype=np.int64) + offset] = False

    def live(self) -> np.ndarray:
        """A mask of the articles not deleted (a copy: the caller may change it)."""
        if self._live is None:
            self._live = np.ones(self._searcher.doc_count_all(), dtype=bool)
            self._drop_deleted(self._live)
        return self._live.copy()

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

    def _term_leaf(self, term: Term, boost: float, postings: dict, statistics: Statistics) -> _Leaf | None:
        fieldname, text = term.fieldname, term.text
        key = (fieldname, _text(text))
        if key not in postings:
            postings[key] = read_postings(self._searcher, fieldname, text, with_positions=True)
        found = postings[key]
        if found is None:
            return None
        idf = statistics.idf(fieldname, text)
        average = statistics.avg_field_length(fieldname) or 1
        return _Leaf(found.docnums, boost * term.boost, idf, found.weights, self._length_norms(fieldname, average),
                     self._k1, key=key, average=average)

    def _bound(self, leaf: _Leaf) -> float:
        """The most ``leaf`` adds to any article's score (raised by ``MARGIN``), from its term's term info:
        BM25 grows with the frequency and shrinks with the length; infinite where that cannot be said."""
        k1, b, weight, idf, average = self._k1, self._b, leaf.weight, leaf.idf, leaf.average
        if leaf.key is None or not (weight > 0 and idf > 0 and k1 >= 0 and 0 <= b <= 1 and average > 0):
            return math.inf
        if leaf.key not in self._term_bounds:
            if len(self._term_bounds) >= TERM_BOUNDS_KEPT:
                self._term_bounds.clear()
            self._term_bounds[leaf.key] = term_bounds(self._searcher, *leaf.key)
        found = self._term_bounds[leaf.key]
        if found is None:
            return math.inf
        most, shortest = found
        norm = k1 * ((1 - b) + b * shortest / average)  # (as _length_norms: the same rounding, in order)
        return _raised(weight * (idf * (most * (k1 + 1)) / (most + norm)))

    def _phrase_leaf(self, node, boost: float) -> _Leaf | None:
        """A phrase, scored by Whoosh's matcher in every segment (always scored in full)."""
        docnums: list[int] = []
        scores: list[float] = []
        for sub, offset in self._segments:
            matcher = node.matcher(sub)
            while matcher.is_active():
                docnums.append(matcher.id() + offset)
                scores.append(boost * matcher.score())
                matcher.next()
        if not docnums:
            return None
        return _Leaf(np.array(docnums, dtype=np.int64), boost, scores=np.array(scores, dtype=np.float64))

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
