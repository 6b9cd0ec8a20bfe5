"""First-stage scoring of word queries in NumPy: the same BM25F as Whoosh, faster.

A search for a headline is an OR of 30-60 terms (each word in the title,
body, lead and exact fields). Whoosh scores such a query one posting at a
time in Python, through a tree of matchers. Here each term's postings are
read a block at a time (128 postings), scored with NumPy and added into one
array of scores for all articles: faster, with the same
scores, the same order and the same count of matches (figures in
benchmarks/README.md, "Figures behind the code's comments").

Only queries made of words and phrases joined by OR (what a user types
without operators) go this way; :func:`can_score` says which. Phrases keep
Whoosh's own matcher. Everything else (AND, NOT, sorting by date, facets)
is left to Whoosh's searcher.

This reads Whoosh's posting blocks through the private attributes of its
``whoosh3`` codec (whoosh-reloaded 2.7.5, pinned in pyproject.toml); a posting
list that does not look like one is read through the public matcher API
instead, one posting at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.fields import DATETIME
from whoosh.query import DateRange, Or, Phrase, Term
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

# Whoosh stores each field's length in a byte; this is what each byte stands for.
_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


def can_score(query) -> bool:
    """True if ``query`` is only words and phrases joined by OR."""
    if isinstance(query, Or):
        return all(can_score(child) for child in query.children())
    return isinstance(query, (Term, Phrase))


@dataclass
class TermPostings:
    """One term's postings over the whole index: docnums (ascending) and term frequencies.

    ``values`` holds each posting's encoded value (word positions, for a field
    that stores them) when they were asked for; decode them with ``decode``.
    """

    docnums: np.ndarray
    weights: np.ndarray
    values: list | None = None
    decode: Callable[[bytes], list[int]] | None = None

    def positions(self, index: int) -> list[int]:
        """The word positions of the ``index``-th posting."""
        return self.decode(self.values[index])


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

    def __init__(self, searcher, weighting):
        self._searcher = searcher
        self._b = weighting.B
        self._k1 = weighting.K1
        self._segments = searcher.leaf_searchers()
        self._lengths: dict[str, np.ndarray] = {}
        self._columns: dict[str, np.ndarray] = {}

    def score(self, query, allowed=None) -> Scores:
        """Scores for ``query`` (see :func:`can_score`); ``allowed`` is a boolean mask of articles, or None."""
        searcher = self._searcher
        size = searcher.doc_count_all()
        values = np.zeros(size)
        matched = np.zeros(size, dtype=bool)
        postings = {}
        for node, boost in _leaves(query):
            if isinstance(node, Term):
                self._add_term(node, boost, values, matched, postings)
            else:
                self._add_with_whoosh(node, boost, values, matched)
        for sub, offset in self._segments:
            deleted = sub.reader().deleted_docs_set if sub.reader().has_deletions() else ()
            if deleted:
                matched[np.fromiter(deleted, dtype=np.int64) + offset] = False
        if allowed is not None:
            matched &= allowed
        values[~matched] = 0.0
        return Scores(values, matched, postings)

    def _add_term(self, term: Term, boost: float, values, matched, postings: dict) -> None:
        searcher = self._searcher
        fieldname, text = term.fieldname, term.text
        key = (fieldname, text.decode("utf-8") if isinstance(text, bytes) else text)
        if key not in postings:
            postings[key] = read_postings(searcher, fieldname, text, with_positions=True)
        found = postings[key]
        if found is None:
            return
        idf = searcher.idf(fieldname, text)
        average = searcher.avg_field_length(fieldname) or 1
        b, k1 = self._b, self._k1
        lengths = self._field_lengths(fieldname)[found.docnums]
        weights = found.weights
        scores = idf * (weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / average))
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
        dates = self._dates(date_range.fieldname, field_)
        # The column holds what the range compares: whoosh.util.times.datetime_to_long.
        allowed = dates != field_.default  # an article without a date is in no range
        start, end = date_range.start, date_range.end
        if start is not None:
            allowed &= dates > start if date_range.startexcl else dates >= start
        if end is not None:
            allowed &= dates < end if date_range.endexcl else dates <= end
        return allowed

    def _dates(self, fieldname: str, field_) -> np.ndarray:
        """Every article's value in a date field's column (the field's default where it has none)."""
        if fieldname not in self._columns:
            dtype = np.dtype(">" + field_.sortable_typecode)
            parts = []
            for sub, _ in self._segments:
                reader = sub.reader()
                values = np.full(reader.doc_count_all(), field_.default, dtype=np.uint64)
                if reader.has_column(fieldname):
                    column = reader._perdoc.column_reader(fieldname, field_.column_type)
                    stored = np.frombuffer(column._dbfile.get(column._basepos, column._count * dtype.itemsize),
                                           dtype=dtype)
                    values[: len(stored)] = stored
                parts.append(values)
            self._columns[fieldname] = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
        return self._columns[fieldname]

    def _field_lengths(self, fieldname: str) -> np.ndarray:
        """Every article's length in ``fieldname``, as Whoosh's scorer sees it."""
        if fieldname not in self._lengths:
            parts = []
            for sub, _ in self._segments:
                reader = sub.reader()
                column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
                codes = np.zeros(reader.doc_count_all(), dtype=np.uint8)
                if column is not None:
                    stored = np.frombuffer(column._dbfile.get(column._basepos, column._count), dtype=np.uint8)
                    codes[: len(stored)] = stored
                parts.append(codes)
            self._lengths[fieldname] = _LENGTH_OF_BYTE[np.concatenate(parts) if parts else np.zeros(0, np.uint8)]
        return self._lengths[fieldname]


def read_postings(searcher, fieldname: str, text, with_positions: bool = False) -> TermPostings | None:
    """A term's postings in every segment of ``searcher``'s index; None if no article holds it.

    Deleted articles are included: :meth:`Scorer.score` leaves them out.
    With ``with_positions``, a field that stores word positions keeps them too.
    """
    fieldformat = searcher.schema[fieldname].format
    keep_values = with_positions and fieldformat.supports("positions")
    docnums, weights, values = [], [], [] if keep_values else None
    for sub, offset in searcher.leaf_searchers():
        try:
            matcher = sub.reader().postings(fieldname, text)
        except TermNotFound:  # (asking first would look the term up twice)
            continue
        _read_matcher(matcher, offset, docnums, weights, values)
    if not docnums:
        return None
    return TermPostings(np.concatenate(docnums), np.concatenate(weights), values,
                        fieldformat.decode_positions if keep_values else None)


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


def _read_matcher(matcher, offset: int, docnums: list, weights: list, values: list | None) -> None:
    """Append a segment's postings (docnums moved by ``offset``) to the lists given."""
    if isinstance(matcher, FilterMatcher):  # the segment's deletions: left to the caller
        matcher = matcher.child
    if not isinstance(matcher, W3LeafMatcher):
        ids, frequencies = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            frequencies.append(matcher.weight())
            if values is not None:
                values.append(matcher.value())
            matcher.next()
        docnums.append(np.array(ids, dtype=np.int64) + offset)
        weights.append(np.array(frequencies, dtype=np.float64))
        return
    # One block of up to 128 postings at a time. Each block's first docnum is
    # stored whole and the rest as gaps; the gaps of all blocks are gathered and
    # summed once, with each block's first entry made a gap from the block before.
    gaps, frequencies, block_starts, block_last = [], [], [], []
    while True:
        matcher._read_data()
        block_gaps, block_weights = matcher._data[0], matcher._data[1]
        count = matcher._blocklength
        block_starts.append(len(gaps))
        block_last.append(matcher._maxid)
        gaps.extend(block_gaps)
        if block_weights is None:
            frequencies.extend([1.0] * count)
        elif isinstance(block_weights, float):
            frequencies.extend([block_weights] * count)
        else:
            frequencies.extend(block_weights)
        if values is not None:
            matcher._read_values()
            values.extend(matcher._values)
        if matcher._lastblock:
            break
        matcher._goto(matcher._nextoffset)
    gaps = np.array(gaps, dtype=np.int64)
    gaps[np.array(block_starts[1:], dtype=np.int64)] -= np.array(block_last[:-1], dtype=np.int64)
    docnums.append(np.cumsum(gaps) + offset)
    weights.append(np.array(frequencies, dtype=np.float64))
