"""A generation's postings and per-article columns as NumPy arrays: the one module that reads Whoosh's codec.

The first stage (``search.query.scoring``) scores in NumPy; it needs each
term's document numbers and frequencies, and every article's field lengths
and dates, as arrays. Postings come from the engine's own codec
(``search.store.codec``), whose posting lists are arrays already: a term is
one ``np.frombuffer``, and a posting's word positions are decoded only when
the re-ranking asks for them. The columns are read through the private
attributes of Whoosh's ``whoosh3`` codec module (of the whoosh3 3.54.0 fork,
pinned in pyproject.toml), which the engine's codec keeps. A posting list of another
codec is read through the public matcher API, one posting at a time.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length, length_to_byte

from .codec import ArrayMatcher, ArrayTermsReader

# Whoosh stores each field's length in a byte; this is what each byte stands for.
_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


class PostingValues:
    """The encoded values of a term's postings over several segments, read one at a time when asked for."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._parts: list = []
        self._count = 0

    def add(self, part) -> None:
        """Add a segment's values: a list of bytes, or an ``ArrayMatcher`` (read lazily)."""
        self._starts.append(self._count)
        self._parts.append(part)
        self._count += len(part.arrays()[0]) if isinstance(part, ArrayMatcher) else len(part)

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> bytes:
        if not 0 <= index < self._count:
            raise IndexError(index)
        which = bisect_right(self._starts, index) - 1
        part, start = self._parts[which], self._starts[which]
        return part.value_at(index - start) if isinstance(part, ArrayMatcher) else part[index - start]

    def bytes_of(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The values at ascending ``indices`` laid one after another (a byte array), and each one's length."""
        datas, lengths = [], []
        bounds = np.searchsorted(indices, [*self._starts, self._count])
        for which, part in enumerate(self._parts):
            local = indices[bounds[which]:bounds[which + 1]] - self._starts[which]
            if not len(local):
                continue
            if isinstance(part, ArrayMatcher):
                data, sizes = part.value_bytes(local)
            else:
                chosen = [part[index] for index in local.tolist()]
                data = np.frombuffer(b"".join(chosen), dtype=np.uint8)
                sizes = np.array([len(value) for value in chosen], dtype=np.int64)
            datas.append(data)
            lengths.append(sizes)
        if not datas:
            return np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int64)
        return np.concatenate(datas), np.concatenate(lengths)

    def many(self, indices: list[int]) -> list[bytes]:
        """The values at ``indices`` (in any order), each segment's read in one call."""
        order = sorted(range(len(indices)), key=indices.__getitem__)
        ascending = [indices[i] for i in order]
        found: list[bytes] = []
        at = 0
        for which, part in enumerate(self._parts):
            start = self._starts[which]
            end = self._starts[which + 1] if which + 1 < len(self._parts) else self._count
            stop = bisect_right(ascending, end - 1, at)
            if stop > at:
                local = [index - start for index in ascending[at:stop]]
                found.extend(part.values_at(local) if isinstance(part, ArrayMatcher)
                             else [part[index] for index in local])
            at = stop
        if at < len(ascending) or (ascending and ascending[0] < 0):
            raise IndexError(ascending[-1] if at < len(ascending) else ascending[0])
        values: list[bytes] = [b""] * len(indices)
        for i, value in zip(order, found, strict=True):
            values[i] = value
        return values


@dataclass
class TermPostings:
    """One term's postings over the whole index: docnums (ascending) and term frequencies.

    ``values`` holds each posting's encoded value (word positions, for a field
    that stores them) when they were asked for; decode them with ``decode``,
    or, for the engine's packed formats, many at once with ``decode_laid``
    (values laid one after another by :meth:`PostingValues.bytes_of`).
    """

    docnums: np.ndarray
    weights: np.ndarray
    values: PostingValues | None = None
    decode: Callable[[bytes], list[int]] | None = None
    decode_characters: Callable[[bytes], list[tuple[int, int, int]]] | None = None
    decode_laid: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None

    def positions(self, index: int) -> list[int]:
        """The word positions of the ``index``-th posting (postings read ``with_positions``)."""
        if self.values is None or self.decode is None:
            raise ValueError("these postings were read without word positions")
        return self.decode(self.values[index])

    def positions_of(self, indices: list[int]) -> list[list[int]]:
        """The word positions of the postings at ``indices``, as :meth:`positions` gives each."""
        if self.values is None or self.decode is None:
            raise ValueError("these postings were read without word positions")
        decode = self.decode
        return [decode(value) for value in self.values.many(indices)]

    def index_of(self, docnum: int) -> int | None:
        """Where article ``docnum``'s posting is, or None if the term is not in it."""
        where = int(np.searchsorted(self.docnums, docnum))
        return where if where < len(self.docnums) and self.docnums[where] == docnum else None

    def characters(self, docnum: int) -> list[tuple[int, int, int]] | None:
        """(position, start, end) of each occurrence in article ``docnum``, where the field keeps them."""
        if self.values is None or self.decode_characters is None:
            return None
        where = self.index_of(docnum)
        return None if where is None else self.decode_characters(self.values[where])


def read_postings(searcher, fieldname: str, text, with_positions: bool = False) -> TermPostings | None:
    """A term's postings in every segment of ``searcher``'s index; None if no article holds it.

    Deleted articles are included: :meth:`Scorer.score` leaves them out.
    With ``with_positions``, a field that stores word positions keeps them too.
    """
    fieldformat = searcher.schema[fieldname].format
    keep_values = with_positions and fieldformat.supports("positions")
    docnums: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    values = PostingValues() if keep_values else None
    tbytes = searcher.schema[fieldname].to_bytes(text)
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        terms = getattr(reader, "_terms", None)
        if isinstance(terms, ArrayTermsReader):  # the engine's codec: straight from the term table
            matcher = terms.postings_or_none(fieldname, tbytes, fieldformat)
            if matcher is None:
                continue
        else:
            try:
                matcher = reader.postings(fieldname, text)
            except TermNotFound:  # (asking first would look the term up twice)
                continue
        _read_matcher(matcher, offset, docnums, weights, values)
    if not docnums:
        return None
    return TermPostings(np.concatenate(docnums), np.concatenate(weights), values,
                        fieldformat.decode_positions if keep_values else None,
                        fieldformat.decode_characters if keep_values and fieldformat.supports("characters")
                        else None,
                        getattr(fieldformat, "positions_in", None) if keep_values else None)


def term_bounds(searcher, fieldname: str, text) -> tuple[float, float] | None:
    """The largest weight (term frequency) and the shortest field length of a term's postings in every
    segment of ``searcher``, from the term info each segment stores; None if no segment holds the term.

    The length is quantized as the lengths column the scorer reads is
    (``byte_to_length(length_to_byte(n))``, monotonic), so no posting's
    length as the scorer sees it is shorter. What the first stage bounds a
    term's score by (``search.query.scoring``, pruning).
    """
    weights: list[float] = []
    lengths: list[float] = []
    for sub, _ in searcher.leaf_searchers():
        try:
            info = sub.reader().term_info(fieldname, text)
        except TermNotFound:
            continue
        weights.append(float(info.max_weight()))
        lengths.append(float(byte_to_length(length_to_byte(info.min_length() or 0))))
    if not weights:
        return None
    return max(weights), min(lengths)


def keyword_column(searcher, fieldname: str) -> list[str]:
    """Every article's value in a keyword field's column, as written ("" where it has none), segment by
    segment (Whoosh's column reader over several segments loses articles of the later ones)."""
    values: list[str] = []
    for sub, _ in searcher.leaf_searchers():
        reader = sub.reader()
        size = reader.doc_count_all()
        found = list(reader.column_reader(fieldname)) if reader.has_column(fieldname) else []
        values.extend(value.decode("utf-8") if isinstance(value, bytes) else (value or "")
                      for value in found[:size])
        values.extend([""] * (size - len(found)))
    return values


def date_column(searcher, fieldname: str) -> np.ndarray:
    """Every article's value in a date field's column (the field's default where it has none)."""
    field_ = searcher.schema[fieldname]
    dtype = np.dtype(">" + field_.sortable_typecode)
    parts = []
    for sub, _ in searcher.leaf_searchers():
        reader = sub.reader()
        values = np.full(reader.doc_count_all(), field_.default, dtype=np.uint64)
        if reader.has_column(fieldname):
            column = reader._perdoc.column_reader(fieldname, field_.column_type)
            stored = np.frombuffer(column._dbfile.get(column._basepos, column._count * dtype.itemsize),
                                   dtype=dtype)
            values[: len(stored)] = stored
        parts.append(values)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)


def field_lengths(searcher, fieldname: str) -> np.ndarray:
    """Every article's length in ``fieldname``, as Whoosh's scorer sees it."""
    parts = []
    for sub, _ in searcher.leaf_searchers():
        reader = sub.reader()
        column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        codes = np.zeros(reader.doc_count_all(), dtype=np.uint8)
        if column is not None:
            stored = np.frombuffer(column._dbfile.get(column._basepos, column._count), dtype=np.uint8)
            codes[: len(stored)] = stored
        parts.append(codes)
    return _LENGTH_OF_BYTE[np.concatenate(parts) if parts else np.zeros(0, np.uint8)]


def _read_matcher(matcher, offset: int, docnums: list[np.ndarray], weights: list[np.ndarray],
                  values: PostingValues | None) -> None:
    """Append a segment's postings (docnums moved by ``offset``) to the lists given."""
    if isinstance(matcher, FilterMatcher):  # the segment's deletions: left to the caller
        matcher = matcher.child
    if isinstance(matcher, ArrayMatcher):
        ids, frequencies = matcher.arrays()
        docnums.append(ids.astype(np.int64) + offset)
        weights.append(frequencies)
        if values is not None:
            values.add(matcher)
        return
    ids_read: list[int] = []
    frequencies_read: list[float] = []
    found: list[bytes] = []
    while matcher.is_active():
        ids_read.append(matcher.id())
        frequencies_read.append(matcher.weight())
        if values is not None:
            found.append(matcher.value())
        matcher.next()
    docnums.append(np.array(ids_read, dtype=np.int64) + offset)
    weights.append(np.array(frequencies_read, dtype=np.float64))
    if values is not None:
        values.add(found)


def articles_with_pair(searcher, fieldname: str, first: str, second: str) -> int | None:
    """How many articles hold ``second`` right after ``first`` in ``fieldname`` (by word positions),
    from the postings as arrays; None where the field's positions are not in the engine's packed format."""
    one = read_postings(searcher, fieldname, first, with_positions=True)
    two = read_postings(searcher, fieldname, second, with_positions=True)
    if one is None or two is None:
        return 0
    both = np.intersect1d(one.docnums, two.docnums, assume_unique=True)
    if not len(both):
        return 0
    keys = []
    for postings in (one, two):
        if postings.values is None or postings.decode_laid is None:
            return None
        data, sizes = postings.values.bytes_of(np.searchsorted(postings.docnums, both))
        counts, positions = postings.decode_laid(data, sizes)
        keys.append(np.repeat(both, counts).astype(np.int64) * (1 << 32) + positions)
    before, after = np.sort(keys[0]), keys[1]
    where = np.minimum(np.searchsorted(before, after - 1), len(before) - 1)
    return len(np.unique(after[before[where] == after - 1] >> 32))
