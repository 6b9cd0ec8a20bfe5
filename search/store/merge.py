"""Several segments of an index merged into one, their posting lists copied as arrays.

Why it exists: every segment costs each query a lookup of each of its terms
(a full build of a million articles ended with 40-54 segments, ~1,900 term
lookups a query), so segments must be merged; and Whoosh's own merge
(``SegmentWriter.add_reader``, which its ``MERGE_SMALL`` policy calls) feeds
every posting of every merged segment one at a time through its sorting
pool, which at scale takes longer than writing them did. The engine's codec
(``search.store.codec``) keeps each term's postings as plain arrays, so a
merge can copy them as arrays:

* :func:`merge_segments` writes one new segment holding the live articles of
  several segments, in their order: per-document data (stored fields, field
  lengths, columns, vectors) through the codec's per-document writer as
  ``add_reader`` does, then, field by field, the union of the segments'
  terms in sorted order (each segment's term table read in large reads),
  each term's postings taken from every segment that has it as arrays
  (``codec.decode_record`` for short lists, ``ArrayMatcher.arrays`` and
  ``value_bytes`` for long ones), their document numbers moved to the merged
  segment's (deleted articles dropped) and written whole
  (``ArrayFieldWriter.add_term``, the path a build's segments take); a term
  that one segment alone holds, with nothing deleted, is copied as its
  record with only the document numbers moved (``copy_term``). Memory: one
  term's postings at a time, and, when articles are dropped, a few numbers
  per article. (The sources are read with plain reads, not memory maps: as
  fast here, and a map's pages would count in the worker's resident memory,
  the whole of its segments by the end of a build's merge.)
* :func:`into_one` is what a full build's worker does with the segments it
  wrote: one segment, the others' files removed.
* :class:`TieredMergePolicy` is the policy of an update's commit (Whoosh's
  ``mergetype``), after Lucene's ``TieredMergePolicy``: it keeps the number
  of segments to a few per size tier, merging segments of similar size and
  those with the most deleted articles, with :func:`merge_segments`.

A merge never loses a live article: every article not marked deleted is
copied, and the sources stay listed until the caller publishes the merged
segment in their place (a new generation, published atomically:
``search.store.disk``), so a reader of the live generation never waits for
a merge or sees half of one.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, groupby
from operator import itemgetter
from typing import Any

import numpy as np
from whoosh.filedb.filestore import OverlayStorage
from whoosh.writing import MERGE_SMALL

from .codec import ArrayCodec, decode_record
from .whoosh_private import field_totals, set_field_totals


@dataclass
class _Source:
    """One segment being merged: its readers, and where its articles go in the merged segment."""

    segment: Any
    documents: Any  # the codec's per-document reader
    terms: Any  # the codec's terms reader
    docmap: np.ndarray | None  # old docnum -> new (-1: deleted); None when nothing is deleted
    offset: int  # the new number of its first article, when nothing is deleted
    compound: Any = None  # the segment's compound file, if it is one
    docmap_list: array | None = None  # the docmap as an array("q"), for short posting lists

    def close(self) -> None:
        self.documents.close()
        self.terms.close()
        if self.compound is not None:
            self.compound.close()


def _files_of(storage, segment) -> tuple[Any, Any]:
    """(storage to read the segment's files from, its compound file or None), as Whoosh's SegmentReader."""
    if not segment.is_compound():
        return storage, None
    compound = segment.open_compound_file(storage)
    return OverlayStorage(compound, storage), compound


def _sources(storage, segments: Sequence) -> list[_Source]:
    """Open each segment's readers and number its live articles after the segments before it."""
    sources: list[_Source] = []
    start = 0
    try:
        for segment in segments:
            codec = segment.codec()
            count = segment.doc_count_all()
            docmap = None
            live = count
            if segment.has_deletions():
                deleted = np.fromiter(segment.deleted_docs(), dtype=np.int64)
                keep = np.ones(count, dtype=bool)
                keep[deleted[deleted < count]] = False
                live = int(keep.sum())
                docmap = np.full(count, -1, dtype=np.int64)
                docmap[keep] = np.arange(start, start + live, dtype=np.int64)
            files, compound = _files_of(storage, segment)
            sources.append(_Source(segment, codec.per_document_reader(files, segment),
                                   codec.terms_reader(files, segment), docmap, start, compound,
                                   array("q", docmap.tobytes()) if docmap is not None else None))
            start += live
    except BaseException:
        for source in sources:
            source.close()
        raise
    return sources


def merge_segments(storage, indexname: str, schema, segments: Sequence, codec: Any = None):
    """A new segment of ``storage`` holding every live article of ``segments``, in their order.

    The sources are left as they are (their files too): the caller lists the
    merged segment in their place. ``codec`` writes it (an :class:`ArrayCodec`
    by default); the sources must be of the engine's codec too.
    """
    codec = codec or ArrayCodec()
    foreign = [segment for segment in segments if not isinstance(segment.codec(), ArrayCodec)]
    if foreign or not isinstance(codec, ArrayCodec):
        raise ValueError(f"only segments of the engine's codec are merged as arrays ({foreign or codec})")
    merged = codec.new_segment(storage, indexname)
    sources = _sources(storage, segments)
    try:
        lengths = _write_documents(storage, merged, schema, codec, sources)
        _write_postings(storage, merged, schema, codec, sources, lengths)
    finally:
        for source in sources:
            source.close()
    return merged


# --------------------------------------------------------------------------- per-document data

def _write_documents(storage, merged, schema, codec, sources: list[_Source]) -> dict[str, array]:
    """Stored fields, lengths, columns and vectors of each live article; each field's lengths (new docnum order).

    The lengths are as the readers give them (each article's length byte's
    approximation, 0 for none): what a term's shortest and longest article
    are computed from when articles were dropped; kept only then (without
    deletions, the terms' own statistics are copied).
    """
    writer = codec.per_document_writer(storage, merged)
    names = set(schema.names())
    dropping = any(source.docmap is not None for source in sources)
    lengths: dict[str, array] = {name: array("I") for name in names if schema[name].scorable and dropping}
    totals: dict[str, int] = {}
    newdoc = 0
    try:
        for source in sources:
            newdoc = _copy_documents(writer, schema, source, names, lengths, newdoc)
            _add_totals(totals, source, lengths)
    finally:
        writer.close()
    merged.set_doc_count(newdoc)
    set_field_totals(merged, totals)
    return lengths


def _copy_documents(writer, schema, source: _Source, names: set[str], lengths: dict[str, array],
                    newdoc: int) -> int:
    """Copy one segment's live articles through the per-document writer; the next new docnum."""
    documents = source.documents
    columns = {name: documents.column_reader(name, schema[name].column_type) for name in names
               if schema[name].column_type is not None and documents.has_column(name)}
    length_of = {name: documents.doc_field_length_reader(name) for name in names if schema[name].scorable}
    vectored = [name for name in names if schema[name].vector]
    for docnum in range(documents.doc_count_all()):
        if source.docmap is not None and source.docmap[docnum] < 0:
            continue
        stored = documents.stored_fields(docnum)
        writer.start_doc(newdoc)
        for name in sorted(names | {key for key in stored if key in schema}):
            field = schema[name]
            length = length_of[name](docnum) if name in length_of else None
            if name in lengths:
                lengths[name].append(length or 0)
            writer.add_field(name, field, stored.get(name), length)
            if name in columns:
                writer.add_column_value(name, field.column_type, columns[name][docnum])
        for name in vectored:
            if documents.has_vector(docnum, name):
                writer.add_vector_matcher(name, schema[name], documents.vector(docnum, name, schema[name].vector))
        writer.finish_doc()
        newdoc += 1
    return newdoc


def _add_totals(totals: dict[str, int], source: _Source, lengths: dict[str, array]) -> None:
    """Add a segment's field totals: exact when it has no deletions, else its live articles' lengths."""
    if source.docmap is None:
        for name, total in field_totals(source.segment).items():
            totals[name] = totals.get(name, 0) + total
        return
    live = np.flatnonzero(source.docmap >= 0)
    first = int(source.docmap[live[0]]) if len(live) else 0
    for name, found in lengths.items():
        if len(live):
            part = np.frombuffer(found, dtype=np.uint32)[first:first + len(live)]
            totals[name] = totals.get(name, 0) + int(part.sum(dtype=np.int64))


# --------------------------------------------------------------------------- postings

def _write_postings(storage, merged, schema, codec, sources: list[_Source], lengths: dict[str, array]) -> None:
    """Each field's terms, in order, each with all its live postings, written whole."""
    writer = codec.field_writer(storage, merged)
    try:
        names = sorted({name for source in sources for name in source.terms.indexed_field_names()
                        if name in schema})
        for name in names:
            field_lengths = lengths.get(name)
            started = False  # (a field whose every article was deleted is not written)
            for tbytes, parts in _union(sources, name):
                copied = _copied(sources, parts)
                term = None if copied else _merged_term(sources, name, tbytes, parts, schema[name].format,
                                                         field_lengths)
                if copied is None and term is None:
                    continue
                if not started:
                    writer.start_field(name, schema[name])
                    started = True
                if term is not None:
                    writer.add_term(tbytes, *term)
                elif copied is not None:  # one segment's record, whole: only its document numbers move
                    source, info = copied
                    writer.copy_term(tbytes, source.terms.record(info), source.offset, info)
            if started:
                writer.finish_field()
    finally:
        writer.close()


def _copied(sources: list[_Source], parts: list[tuple[int, Any]]) -> tuple[_Source, Any] | None:
    """(source, term info) when one segment holds the term, with nothing deleted and not inlined: copied whole."""
    if len(parts) != 1:
        return None
    source, info = sources[parts[0][0]], parts[0][1]
    return (source, info) if source.docmap is None and not info.is_inlined() else None


def _field_terms(source_index: int, terms, fieldname: str) -> Iterator[tuple[bytes, int, Any]]:
    """(term, source index, term info) of one segment's terms of a field, in order."""
    for tbytes, info in terms.field_items(fieldname):
        yield tbytes, source_index, info


def _union(sources: list[_Source], fieldname: str) -> Iterator[tuple[bytes, list[tuple[int, Any]]]]:
    """Each term of the field in any segment, in order, with (source index, term info) of each holding it."""
    walks = [_field_terms(index, source.terms, fieldname) for index, source in enumerate(sources)]
    for tbytes, group in groupby(heapq.merge(*walks, key=itemgetter(0, 1)), key=itemgetter(0)):
        yield tbytes, [(index, info) for _, index, info in group]


def _merged_term(sources: list[_Source], fieldname: str, tbytes: bytes, parts: list[tuple[int, Any]],
                 format_, field_lengths: array | None):
    """(ids, weights, values joined, value ends, min length, max length) of a term over the segments.

    None when every posting of the term was of a deleted article. Short
    posting lists (most terms) are copied with the ``array`` module, long
    ones with NumPy.
    """
    if sum(info.doc_frequency() for _, info in parts) <= _SHORT:
        ids, weights, data, ends = _joined([_short_postings(sources[index], info) for index, info in parts])
    else:
        ids, weights, data, ends = _long_postings(sources, fieldname, tbytes, parts, format_)
    if not ids:
        return None
    if any(sources[index].docmap is not None for index, _ in parts):
        minlength, maxlength = _length_range(ids, field_lengths)
    else:  # no article dropped: the segments' own statistics
        lows = [info.min_length() for _, info in parts if info.min_length()]
        minlength, maxlength = (min(lows) if lows else None), max(info.max_length() for _, info in parts)
    return ids, weights, data, ends, minlength, maxlength


# A term of at most this many postings is copied without NumPy (its cost per call outweighs it).
_SHORT = 256


def _short_postings(source: _Source, info) -> tuple[array, array, bytes, array]:
    """A term's live postings in one segment as (ids in the merged segment, weights, values, value ends)."""
    if info.is_inlined():
        found_ids, found_weights, values = info.inlined_postings()
        ids, weights = array("I", found_ids), array("f", found_weights)
        data = b"".join(value or b"" for value in values)
        ends = array("I", accumulate(len(value or b"") for value in values))
    else:
        ids, weights, data, ends = decode_record(source.terms.record(info))
    if source.docmap is None:
        if source.offset:
            ids = array("I", [docnum + source.offset for docnum in ids])
        return ids, weights, data, ends
    docmap = source.docmap_list
    assert docmap is not None
    kept = [index for index, docnum in enumerate(ids) if docmap[docnum] >= 0]
    if len(kept) == len(ids):
        return array("I", [docmap[docnum] for docnum in ids]), weights, data, ends
    starts = [0, *ends]
    pieces = [data[starts[index]:ends[index]] for index in kept]
    return (array("I", [docmap[ids[index]] for index in kept]), array("f", [weights[index] for index in kept]),
            b"".join(pieces), array("I", accumulate(map(len, pieces))))


def _joined(parts: list[tuple[array, array, bytes, array]]) -> tuple[array, array, bytes, array]:
    """Postings of several segments, one after another."""
    if len(parts) == 1:
        return parts[0]
    ids, weights, ends = array("I"), array("f"), array("I")
    chunks: list[bytes] = []
    size = 0
    for part_ids, part_weights, data, part_ends in parts:
        ids += part_ids
        weights += part_weights
        ends += array("I", [end + size for end in part_ends]) if size else part_ends
        chunks.append(data)
        size += len(data)
    return ids, weights, b"".join(chunks), ends


def _long_postings(sources: list[_Source], fieldname: str, tbytes: bytes, parts: list[tuple[int, Any]],
                   format_) -> tuple[array, array, bytes, array]:
    """:func:`_short_postings` of every segment holding a long posting list, in NumPy."""
    found = [_numpy_postings(sources[index], fieldname, tbytes, info, format_) for index, info in parts]
    docnums, weights, data, sizes = (np.concatenate([part[n] for part in found]) for n in range(4))
    return (array("I", docnums.astype(np.uint32).tobytes()), array("f", weights.astype(np.float32).tobytes()),
            data.tobytes(), array("I", np.cumsum(sizes, dtype=np.uint32).tobytes()))


def _numpy_postings(source: _Source, fieldname: str, tbytes: bytes, info, format_):
    """(docnums, weights, value bytes, value lengths) of a term's live postings in one segment, as NumPy arrays."""
    if info.is_inlined():
        ids, weights, data, ends = _short_postings(source, info)
        starts = np.array([0, *ends], dtype=np.int64)
        return (np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64),
                np.frombuffer(data, dtype=np.uint8), np.diff(starts))
    matcher = source.terms.matcher_for(fieldname, tbytes, info, format_)
    docnums, weights = matcher.arrays()
    docnums = docnums.astype(np.int64)
    if source.docmap is None:
        return (docnums + source.offset, weights, *matcher.value_bytes(np.arange(len(docnums))))
    keep = np.flatnonzero(source.docmap[docnums] >= 0)
    return (source.docmap[docnums[keep]], weights[keep], *matcher.value_bytes(keep))


def _length_range(ids: array, field_lengths: array | None) -> tuple[int | None, int]:
    """The shortest (None if none has a length) and longest field length of these articles."""
    if field_lengths is None or not len(field_lengths):
        return None, 0
    found = [field_lengths[docnum] for docnum in ids]
    present = [length for length in found if length]
    return (min(present) if present else None), max(found)


# --------------------------------------------------------------------------- a build's segments, and updates

def segment_files(storage, segment) -> list[str]:
    """The names of a segment's files in ``storage``."""
    prefix = f"{segment.segment_id()}."
    return [name for name in storage.list() if name.startswith(prefix)]


def remove_segments(storage, segments: Sequence) -> None:
    """Delete the files of segments no table of contents lists (merged away)."""
    for segment in segments:
        for name in segment_files(storage, segment):
            storage.delete_file(name)


def into_one(storage, indexname: str, schema, segments: list, codec: Any = None) -> list:
    """A build's segments as one segment (the others' files removed); no segment if there were none.

    Disk: the merged segment is written beside its sources, so a worker
    needs the space of its segments once more until they are removed.
    """
    if len(segments) <= 1:
        return list(segments)
    merged = merge_segments(storage, indexname, schema, segments, codec)
    remove_segments(storage, segments)
    return [merged]


@dataclass(frozen=True)
class TieredMergePolicy:
    """Which segments an update's commit merges, after Lucene's ``TieredMergePolicy``.

    Segments are sized in bytes on disk, less their deleted articles' share,
    and sizes under ``floor_mb`` count as ``floor_mb`` (many tiny segments
    are merged as one tier, oldest first, whatever a few bytes' difference
    between them: the same commits merge alike). The index may hold ``segments_per_tier``
    segments in each tier of sizes, each tier ``max_merge_at_once`` times
    the one below; past that, the best merge of up to ``max_merge_at_once``
    segments of neighbouring sizes is made, best being the least skewed (the
    largest a small share of the whole), the smallest, and the one freeing
    the most deleted articles, again until the count is allowed. Segments
    over half ``max_segment_mb`` are left alone (unless mostly deleted) and
    not counted, and segments whose articles are all deleted are dropped.

    Called as Whoosh's ``mergetype``: ``policy(writer, segments)`` merges
    with :func:`merge_segments` into the writer's storage and returns the
    segments to list (the writer adds its own new one).
    """

    # (Lucene's defaults are 10 and 10; each segment costs every query a lookup of each of its terms)
    segments_per_tier: int = 5
    max_merge_at_once: int = 5
    floor_mb: float = 2.0
    max_segment_mb: float = 5 * 1024.0

    def __call__(self, writer, segments: list) -> list:
        if not isinstance(writer.codec, ArrayCodec):  # (a writer of another codec: Whoosh's own merge)
            return MERGE_SMALL(writer, segments)
        # (a segment of another codec is left as it is)
        others = [segment for segment in segments if not isinstance(segment.codec(), ArrayCodec)]
        kept = [segment for segment in segments if segment not in others and segment.doc_count() > 0]
        for group in self.merges(_segment_sizes(writer.storage, kept)):
            chosen = [kept[index] for index in group]
            merged = merge_segments(writer.storage, writer.indexname, writer.schema, chosen, writer.codec)
            first = min(group)
            kept = [merged if index == first else segment for index, segment in enumerate(kept)
                    if index == first or index not in group]
        return others + kept

    def merges(self, sizes: list[tuple[float, float]]) -> list[list[int]]:
        """The merges to make of segments of these (bytes, live share) sizes: lists of their indexes.

        Indexes are into ``sizes``; each merge is planned on the list as the
        merges before it leave it (merged segments take their first source's
        place and are not merged again in the same commit).
        """
        sizes = list(sizes)
        planned: list[list[int]] = []
        done: set[int] = set()
        while True:
            group = self._best_merge(sizes, done)
            if group is None:
                return planned
            planned.append(group)
            first = min(group)
            merged = sum(sizes[index][0] * sizes[index][1] for index in group)
            sizes = [(merged, 1.0) if index == first else size for index, size in enumerate(sizes)
                     if index == first or index not in group]
            done = {self._shifted(index, group) for index in done} | {self._shifted(first, group)}

    @staticmethod
    def _shifted(index: int, group: list[int]) -> int:
        """Where ``index`` is once ``group`` is merged into its first member's place."""
        return index - sum(1 for other in group if other < index and other != min(group))

    def _floored(self, size: float) -> float:
        return max(size, self.floor_mb * 1024 * 1024)

    def _allowed(self, live_sizes: list[float]) -> int:
        """How many segments the index may hold: ``segments_per_tier`` in each tier of sizes."""
        level = self._floored(min(live_sizes))
        left = sum(live_sizes)
        allowed = 0.0
        while True:
            count = left / level
            if count < self.segments_per_tier:
                allowed += math.ceil(count)
                break
            allowed += self.segments_per_tier
            left -= self.segments_per_tier * level
            level *= self.max_merge_at_once
        return max(int(allowed), self.segments_per_tier)

    def _best_merge(self, sizes: list[tuple[float, float]], done: set[int]) -> list[int] | None:
        """The best merge of segments not merged in this commit, if the index holds too many; else None."""
        live = [size * share for size, share in sizes]
        too_large = self.max_segment_mb * 1024 * 1024 / 2
        # Segments too large to merge are left out of the count, as Lucene does: they do not
        # make room for more small ones.
        counted = [index for index in range(len(sizes)) if live[index] < too_large or sizes[index][1] < 0.5]
        # Largest first; segments under the floor count as one size, so they keep their order (the
        # oldest first) rather than follow a few bytes' difference, and the same commits merge alike.
        eligible = sorted((index for index in counted if index not in done),
                          key=lambda index: -self._floored(live[index]))
        if len(eligible) < 2 or len(counted) <= self._allowed([live[index] for index in counted]):
            return None
        best: tuple[float, list[int]] | None = None
        for start in range(len(eligible) - 1):
            group = self._candidate(eligible[start:], live)
            if len(group) < 2:
                continue
            score = self._score(group, sizes, live)
            if best is None or score < best[0]:
                best = (score, group)
        return sorted(best[1]) if best is not None else None

    def _candidate(self, by_size: list[int], live: list[float]) -> list[int]:
        """Up to ``max_merge_at_once`` of these segments (largest first) whose merge stays under the maximum."""
        group: list[int] = []
        total = 0.0
        for index in by_size:
            if len(group) == self.max_merge_at_once:
                break
            if total + live[index] > self.max_segment_mb * 1024 * 1024 and group:
                continue
            group.append(index)
            total += live[index]
        return group

    def _score(self, group: list[int], sizes: list[tuple[float, float]], live: list[float]) -> float:
        """Lucene's merge score (lower is better): skew, times size to a small power, times live share squared.

        (Lucene scores a merge of fewer than ``max_merge_at_once`` segments as
        perfectly balanced; here its skew is its own, so that a commit merges
        a tier's small segments in one merge rather than two at a time.)
        """
        total = sum(live[index] for index in group)
        whole = sum(sizes[index][0] for index in group)
        floored = sum(self._floored(live[index]) for index in group)
        # (1/n for n segments of one size: more segments of a size merged at once are better)
        skew = self._floored(max(live[index] for index in group)) / floored
        live_share = total / whole if whole else 1.0
        # (the size floored too: to the policy, segments under the floor are all one size)
        return skew * floored ** 0.05 * live_share ** 2


def _segment_sizes(storage, segments: list) -> list[tuple[float, float]]:
    """(bytes on disk, share of its articles not deleted) of each segment."""
    names = storage.list()
    found = []
    for segment in segments:
        prefix = f"{segment.segment_id()}."
        size = sum(storage.file_length(name) for name in names if name.startswith(prefix))
        count = segment.doc_count_all()
        found.append((float(size), segment.doc_count() / count if count else 1.0))
    return found
