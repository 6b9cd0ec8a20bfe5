"""A generation's postings and per-article columns as NumPy arrays: the one module that reads Whoosh's codec.

The first stage (``search.query.scoring``) scores in NumPy; it needs each
term's document numbers and frequencies, and every article's field lengths
and dates, as arrays. Whoosh's public API gives them one posting at a time,
so this reads its posting blocks and columns through the private attributes
of the ``whoosh3`` codec (whoosh-reloaded 2.7.5, pinned in pyproject.toml). A
posting list that does not look like one is read through the public matcher
API instead, one posting at a time. Another postings format replaces this
module alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

# Whoosh stores each field's length in a byte; this is what each byte stands for.
_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


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
        """The word positions of the ``index``-th posting (postings read ``with_positions``)."""
        if self.values is None or self.decode is None:
            raise ValueError("these postings were read without word positions")
        return self.decode(self.values[index])


def read_postings(searcher, fieldname: str, text, with_positions: bool = False) -> TermPostings | None:
    """A term's postings in every segment of ``searcher``'s index; None if no article holds it.

    Deleted articles are included: :meth:`Scorer.score` leaves them out.
    With ``with_positions``, a field that stores word positions keeps them too.
    """
    fieldformat = searcher.schema[fieldname].format
    keep_values = with_positions and fieldformat.supports("positions")
    docnums: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    values: list | None = [] if keep_values else None
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
                  values: list | None) -> None:
    """Append a segment's postings (docnums moved by ``offset``) to the lists given."""
    if isinstance(matcher, FilterMatcher):  # the segment's deletions: left to the caller
        matcher = matcher.child
    if not isinstance(matcher, W3LeafMatcher):
        ids: list[int] = []
        frequencies: list[float] = []
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
    gap_list: list[int] = []
    frequencies = []
    block_starts: list[int] = []
    block_last: list[int] = []
    while True:
        matcher._read_data()
        block_gaps, block_weights = matcher._data[0], matcher._data[1]
        count = matcher._blocklength
        block_starts.append(len(gap_list))
        block_last.append(matcher._maxid)
        gap_list.extend(block_gaps)
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
    gaps = np.array(gap_list, dtype=np.int64)
    gaps[np.array(block_starts[1:], dtype=np.int64)] -= np.array(block_last[:-1], dtype=np.int64)
    docnums.append(np.cumsum(gaps) + offset)
    weights.append(np.array(frequencies, dtype=np.float64))
