"""A full build's Whoosh segments, written from each article's words in one pass.

Whoosh's ``SegmentWriter`` runs each text field's analysis chain over its
text (the body three times: for ``body``, ``lead`` and ``exact``), puts every
posting into a pool that it pickles to temporary runs on disk, and at commit
sorts the runs and hands the codec one posting at a time. A build of a
million articles spent most of its time there and left tens of gigabytes of
runs (benchmarks/README.md). :class:`SegmentBuilder` writes the same segment
files another way:

* each text is analysed once (:class:`~search.language.analysis.CachedAnalysis`:
  one dict lookup per token); a field whose text is another's (``exact`` is the
  title and body, as ``schema.to_document`` writes it) reuses their tokens;
* each field's postings are kept as flat arrays in the order the articles
  came (term number, document, count, value size; the values joined), sorted
  by term in NumPy when the segment is written, and each term's postings
  are handed to the codec whole (``ArrayFieldWriter.add_term``);
* when the postings reach the memory limit, the segment is finished and a new
  one begun, so a build needs no temporary space beyond its segments, however
  large the corpus.

Every other field goes through Whoosh's own ``field.index``, and stored
fields, lengths and columns through the codec's per-document writer, as
``SegmentWriter.add_document`` does. What a segment holds is the same as
Whoosh would write (``tests/test_segments.py`` compares every term's postings
and statistics).
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Mapping
from itertools import repeat
from typing import Any

import numpy as np
from whoosh import formats
from whoosh.util.numeric import byte_to_length, length_to_byte

from ..language.analysis import CachedAnalysis
from .codec import encode_characters, encode_positions, frequency_values

# Bytes of memory a posting costs besides its value (four 4-byte array
# items), and a new term (its key in a dict and a list).
_POSTING_BYTES = 16
_TERM_BYTES = 160
# The text formats written from tokens: a term's frequency, its positions, or
# its positions and characters.
_TEXT_FORMATS = (formats.Characters, formats.Positions, formats.Frequency)
_NO_LENGTH = np.iinfo(np.int32).max


class _FieldPostings:
    """One field's postings in the segment being written, as flat arrays in the order they came.

    Each posting is its term's number, its document, its count (a text
    field's) or weight (Whoosh's own fields), and its value's size (where
    there are values: not for a field of counts), the values joined in
    ``data``. They are sorted by term in NumPy when the
    segment is written (:meth:`terms`), so a term costs a dict entry, not
    arrays of its own.
    """

    def __init__(self, counted: bool):
        self.numbers: dict[Any, int] = {}  # term -> its number
        self.keys: list[Any] = []  # number -> term
        self.term_of = array("I")
        self.docs = array("I")
        self.amounts = array("I") if counted else array("f")  # counts, or weights
        self.sizes = array("I")
        self.data = bytearray()

    def number_all(self, words) -> tuple[list[int], int]:
        """The numbers of these terms, new ones numbered; and how many were new."""
        numbers = self.numbers
        found: list[Any] = [numbers.get(word) for word in words]
        new = 0
        if None in found:
            keys = self.keys
            for index, (word, number) in enumerate(zip(words, found, strict=True)):
                if number is None:
                    found[index] = numbers[word] = len(keys)
                    keys.append(word)
                    new += 1
        return found, new

    def terms(self, lengths: list[int]):
        """(term bytes, ids, amounts, values joined, value ends, min length, max length) of each term, in order.

        ``lengths`` is each document's field length as Whoosh's reader gives
        it. The amounts are ``array("I")`` counts or ``array("f")`` weights, as
        they came. Memory beside the postings themselves: a few 4- and 8-byte
        numbers a posting, while the field is written.
        """
        count = len(self.keys)
        ranked = sorted(range(count), key=self.keys.__getitem__)  # a str's order is its UTF-8 bytes' order
        rank = np.empty(count, dtype=np.uint32)
        rank[ranked] = np.arange(count, dtype=np.uint32)
        posting_rank = rank[np.frombuffer(self.term_of, dtype=np.uint32)]
        del rank
        order = np.argsort(posting_rank, kind="stable")  # by term, then document (the order they came in)
        bounds = np.zeros(count + 1, dtype=np.int64)
        np.cumsum(np.bincount(posting_rank, minlength=count), out=bounds[1:])
        del posting_rank
        docs = np.frombuffer(self.docs, dtype=np.uint32)[order]
        counted = self.amounts.typecode == "I"
        amounts = np.frombuffer(self.amounts, dtype=np.uint32 if counted else np.float32)[order]
        starts = sizes = None
        if self.data:  # (a field of counts alone has no values to place)
            sizes = np.frombuffer(self.sizes, dtype=np.uint32)
            starts = np.cumsum(sizes, dtype=np.int64)
            starts -= sizes
            starts = starts[order]
            sizes = sizes[order]
        del order
        if lengths:
            known = np.zeros(max(len(lengths), int(docs.max()) + 1), dtype=np.int32)  # (0: no length)
            known[:len(lengths)] = lengths
            found = known[docs]
            high = np.maximum.reduceat(found, bounds[:-1]).tolist()
            found[found == 0] = _NO_LENGTH
            low = np.minimum.reduceat(found, bounds[:-1]).tolist()
            del found
        else:
            low, high = [_NO_LENGTH] * count, [0] * count
        view = memoryview(self.data)
        bound_list = bounds.tolist()
        for index, number in enumerate(ranked):
            first, last = bound_list[index], bound_list[index + 1]
            ids = array("I")
            ids.frombytes(docs[first:last].tobytes())
            amounts_of = array("I" if counted else "f")
            amounts_of.frombytes(amounts[first:last].tobytes())
            ends_of = array("I")
            data = b""
            if starts is not None and sizes is not None:
                term_sizes = sizes[first:last]
                ends_of.frombytes(np.cumsum(term_sizes, dtype=np.uint32).tobytes())
                data = b"".join([view[start:start + size] for start, size in
                                 zip(starts[first:last].tolist(), term_sizes.tolist(), strict=True)])
            else:
                ends_of.extend(repeat(0, last - first))
            key = self.keys[number]
            yield (key.encode("utf-8") if isinstance(key, str) else key, ids, amounts_of, data, ends_of,
                   None if low[index] == _NO_LENGTH else low[index], high[index])


class SegmentBuilder:
    """Writes documents into new segments of an index's storage, one after another.

    ``limit_mb`` bounds the postings held in memory: past it the segment is
    written and a new one begun. ``joined`` names fields whose text is other
    fields' texts joined by a line break (``schema.JOINED_FIELDS``).
    :meth:`finish` writes the last segment and returns every one written,
    for the index's table of contents.
    """

    def __init__(self, storage, indexname: str, schema, codec, limit_mb: float,
                 joined: Mapping[str, tuple[str, ...]] | None = None):
        self.storage, self.indexname, self.schema, self.codec = storage, indexname, schema, codec
        self.limit = limit_mb * 1024 * 1024
        self.segments: list[Any] = []
        # Text fields written from tokens: name -> (analysis, its format's kind, stemmed?).
        self._text: dict[str, tuple[CachedAnalysis, type, bool]] = {}
        chains: list[CachedAnalysis] = []
        for name in schema.names():
            field = schema[name]
            if field.vector or field.separate_spelling():
                raise ValueError(f"field {name!r}: vectors and spelling words need Whoosh's own writer")
            kind = next((k for k in _TEXT_FORMATS if isinstance(field.format, k)), None)
            if not field.indexed or kind is None:
                continue
            cached = next((c for c in chains if c.follows(field.analyzer)), None)
            if cached is None:
                try:
                    cached = CachedAnalysis(field.analyzer)
                except ValueError:
                    cached = None
                if cached is not None:
                    chains.append(cached)
            if cached is not None:
                self._text[name] = (cached, kind, True)
        for name in schema.names():
            field = schema[name]
            kind = next((k for k in _TEXT_FORMATS if isinstance(field.format, k)), None)
            # An unstemmed field is written from the exact forms, which carry no positions: counts only.
            if field.indexed and kind is formats.Frequency and name not in self._text:
                cached = next((c for c in chains if c.unstemmed(field.analyzer)), None)
                if cached is not None:
                    self._text[name] = (cached, kind, False)
        # Joined fields whose words can be the sources' words: their exact forms' counts.
        self._joined = {name: sources for name, sources in (joined or {}).items()
                        if self._text.get(name, (None, None, True))[1:] == (formats.Frequency, False)
                        and all(self._text.get(s, (None,))[0] is self._text[name][0] for s in sources)}
        self._begin()

    def _begin(self) -> None:
        self._segment = self.codec.new_segment(self.storage, self.indexname)
        self._perdoc = self.codec.per_document_writer(self.storage, self._segment)
        self._postings: dict[str, _FieldPostings] = {}
        self._lengths: dict[str, array] = {}
        self._docnum = 0
        self._size = 0

    def add_document(self, document: dict) -> None:
        """Add one document (the fields ``schema.to_document`` gives, as to Whoosh's writer)."""
        docnum = self._docnum
        schema, perdoc = self.schema, self._perdoc
        perdoc.start_doc(docnum)
        analysed: dict[str, tuple[dict, list, int]] = {}  # field -> its text's words, within this document
        for name in sorted(name for name in document if not name.startswith("_")):
            value = document[name]
            if value is None:
                continue
            field = schema[name]
            length = 0
            if field.indexed:
                if name in self._text and isinstance(value, str):
                    length = self._add_text(name, self._words(name, value, document, analysed), docnum)
                else:
                    length = self._add_items(name, field, value, docnum)
            # As Whoosh's writer: ``_stored_<name>`` is what is kept of a field analysed from another text.
            kept = document.get(f"_stored_{name}", value)
            perdoc.add_field(name, field, kept if field.stored else None, length)
            if field.column_type is not None:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(kept))
        perdoc.finish_doc()
        self._docnum += 1
        if self._size > self.limit:
            self._finish_segment()
            self._begin()

    def _words(self, name: str, text: str, document: dict, analysed: dict) -> tuple[dict, list, int]:
        """``CachedAnalysis.words`` of a field's text, reusing the texts it is joined from."""
        sources = self._joined.get(name)
        if sources is not None:
            present = [source for source in sources if document.get(source)]
            if text == "\n".join(document[source] for source in present):
                # The word pattern never spans a line break: the joined text's
                # exact forms are its parts' (and only they are read: ``_joined``).
                parts = [self._words(source, document[source], document, analysed) for source in present]
                return {}, [form for part in parts for form in part[1]], 0
        found = analysed.get(name)
        if found is None:
            found = analysed[name] = self._text[name][0].words(text)
        return found

    def _add_text(self, name: str, words: tuple[dict, list, int], docnum: int) -> int:
        """A text field's postings from its words; its length (the tokens indexed)."""
        _, kind, stemmed = self._text[name]
        postings = self._postings.get(name)
        if postings is None:
            postings = self._postings[name] = _FieldPostings(counted=True)
        if stemmed:
            found, counts, length = list(words[0]), [len(hits) // 3 for hits in words[0].values()], words[2]
        else:
            counted = Counter(words[1])
            found, counts, length = list(counted), list(counted.values()), len(words[1])
        values: list[bytes] = []  # (a field of counts: its values are made when the segment is written)
        if kind is not formats.Frequency:
            encode = encode_positions if kind is formats.Positions else encode_characters
            values = list(map(encode, words[0].values()))
        numbers, new = postings.number_all(found)
        postings.term_of.extend(numbers)
        postings.docs.extend(repeat(docnum, len(numbers)))
        postings.amounts.extend(counts)
        if values:
            postings.sizes.extend(map(len, values))
            joined = b"".join(values)
            postings.data += joined
            self._size += len(joined)
        self._size += new * _TERM_BYTES + len(numbers) * _POSTING_BYTES
        self._record_length(name, docnum, length)
        return length

    def _add_items(self, name: str, field, value, docnum: int) -> int:
        """A field's postings from Whoosh's own ``field.index``; its length."""
        postings = self._postings.get(name)
        if postings is None:
            postings = self._postings[name] = _FieldPostings(counted=False)
        items = list(field.index(value))
        numbers, new = postings.number_all([tbytes for tbytes, _, _, _ in items])
        postings.term_of.extend(numbers)
        postings.docs.extend(repeat(docnum, len(items)))
        postings.amounts.extend(weight for _, _, weight, _ in items)
        values = [vbytes or b"" for _, _, _, vbytes in items]
        postings.sizes.extend(map(len, values))
        joined = b"".join(values)
        postings.data += joined
        self._size += new * _TERM_BYTES + len(items) * _POSTING_BYTES + len(joined)
        if not field.scorable:
            return 0
        length = sum(freq for _, freq, _, _ in items)
        self._record_length(name, docnum, length)
        return length

    def _record_length(self, name: str, docnum: int, length: int) -> None:
        lengths = self._lengths.get(name)
        if lengths is None:
            lengths = self._lengths[name] = array("I")
        if len(lengths) < docnum:
            lengths.extend([0] * (docnum - len(lengths)))
        lengths.append(length)

    def _finish_segment(self) -> None:
        """Write the postings gathered into the segment's files and close it."""
        self._perdoc.close()
        writer = self.codec.field_writer(self.storage, self._segment)
        for name in sorted(self._postings):
            postings = self._postings.pop(name)
            if not postings.keys:
                continue
            lengths = self._lengths.get(name)
            # Each document's length as Whoosh's reader gives it (a byte's approximation).
            known = [byte_to_length(length_to_byte(n)) if n else 0 for n in lengths] if lengths else []
            boost = self.schema[name].format.field_boost
            kind = self._text[name][1] if name in self._text else None
            writer.start_field(name, self.schema[name])
            for btext, ids, amounts, data, ends, minlength, maxlength in postings.terms(known):
                weights = amounts  # Whoosh's own fields: the weights it gave
                if kind is not None:  # a text field's counts: weights, and for frequencies the values too
                    weights = array("f", amounts) if boost == 1.0 else array("f", [n * boost for n in amounts])
                    if kind is formats.Frequency:
                        data, ends = frequency_values(amounts), array("I", range(4, 4 * len(amounts) + 1, 4))
                writer.add_term(btext, ids, weights, data, ends, minlength, maxlength)
            writer.finish_field()
        writer.close()
        self._segment.set_doc_count(self._docnum)
        self.segments.append(self._segment)
        self._postings, self._lengths = {}, {}

    def finish(self) -> list:
        """Write the last segment (if it has documents); every segment written."""
        if self._docnum:
            self._finish_segment()
        else:
            self._perdoc.close()
        self._docnum = 0
        return self.segments
