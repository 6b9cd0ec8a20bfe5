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
* each term's postings grow in place as arrays (document numbers, weights,
  the values joined), and are handed to the codec whole
  (``ArrayFieldWriter.add_term``);
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
from typing import Any

from whoosh import formats
from whoosh.util.numeric import byte_to_length, length_to_byte

from ..language.analysis import CachedAnalysis
from .codec import encode_characters, encode_positions, frequency_values

# A term's postings while a segment is written: its document numbers, and
# their counts (a text field's) or weights (any other's), then (unless the
# values are the counts) the values joined and where each value ends.
_Postings = tuple[array, ...] | tuple[array, array, bytearray, array]
# Bytes of memory a posting costs besides its value (three 4-byte array
# items), and a new term (its key and four arrays).
_POSTING_BYTES = 12
_TERM_BYTES = 400
# The text formats written from tokens: a term's frequency, its positions, or
# its positions and characters.
_TEXT_FORMATS = (formats.Characters, formats.Positions, formats.Frequency)


def _new_postings() -> tuple[array, array, bytearray, array]:
    return array("I"), array("f"), bytearray(), array("I")


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
            if field.indexed and kind is not None and name not in self._text:
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
        self._postings: dict[str, dict[Any, Any]] = {}  # field -> term -> its _Postings
        self._lengths: dict[str, array] = {}
        self._docnum = 0
        self._size = 0

    @property
    def doc_count(self) -> int:
        """Documents added to the segments so far."""
        return sum(segment.doc_count_all() for segment in self.segments) + self._docnum

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
            perdoc.add_field(name, field, value if field.stored else None, length)
            if field.column_type is not None:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
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
        terms = self._postings.setdefault(name, {})
        size = 0
        if kind is formats.Frequency:  # a count per word: the values are made when the segment is written
            found = Counter(words[1]) if not stemmed else {stem: len(hits) // 3 for stem, hits in words[0].items()}
            for word, count in found.items():
                postings = terms.get(word)
                if postings is None:
                    postings = terms[word] = (array("I"), array("I"))
                    size += _TERM_BYTES
                postings[0].append(docnum)
                postings[1].append(count)
            size += len(found) * _POSTING_BYTES
            length = len(words[1]) if not stemmed else words[2]
        else:
            encode = encode_positions if kind is formats.Positions else encode_characters
            for word, hits in words[0].items():
                postings = terms.get(word)
                if postings is None:
                    postings = terms[word] = (array("I"), array("I"), bytearray(), array("I"))
                    size += _TERM_BYTES
                ids, hit_counts, data, ends = postings
                ids.append(docnum)
                hit_counts.append(len(hits) // 3)
                before = len(data)
                data += encode(hits)
                ends.append(len(data))
                size += _POSTING_BYTES + len(data) - before
            length = words[2]
        self._size += size
        self._record_length(name, docnum, length)
        return length

    def _add_items(self, name: str, field, value, docnum: int) -> int:
        """A field's postings from Whoosh's own ``field.index``; its length."""
        terms = self._postings.setdefault(name, {})
        length = 0
        for tbytes, freq, weight, vbytes in field.index(value):
            postings = terms.get(tbytes)
            if postings is None:
                postings = terms[tbytes] = _new_postings()
                self._size += _TERM_BYTES
            ids, weights, data, ends = postings  # (Whoosh's: weights, not counts)
            ids.append(docnum)
            weights.append(weight)
            data += vbytes or b""
            ends.append(len(data))
            self._size += _POSTING_BYTES + len(vbytes or b"")
            length += freq
        if not field.scorable:
            return 0
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
            terms = self._postings[name]
            if not terms:
                continue
            lengths = self._lengths.get(name)
            # Each document's length as Whoosh's reader gives it (a byte's approximation).
            known = [byte_to_length(length_to_byte(n)) if n else 0 for n in lengths] if lengths else []
            boost = self.schema[name].format.field_boost
            kind = self._text[name][1] if name in self._text else None
            writer.start_field(name, self.schema[name])
            # Terms in the order of their bytes (a str's order is its UTF-8 bytes' order).
            for key in sorted(terms):
                postings = terms[key]
                ids = postings[0]
                data: bytes | bytearray
                if kind is None:  # Whoosh's own (weights, values, their ends)
                    _, weights, data, ends = postings
                else:  # counts, and the values unless they are the counts themselves
                    counts = postings[1]
                    weights = array("f", counts) if boost == 1.0 else array("f", [n * boost for n in counts])
                    if kind is formats.Frequency:
                        data, ends = frequency_values(counts), array("I", range(4, 4 * len(counts) + 1, 4))
                    else:
                        data, ends = postings[2], postings[3]
                minlength, maxlength = None, 0
                if known:
                    found = [known[n] for n in ids if n < len(known) and known[n]]
                    if found:
                        minlength, maxlength = min(found), max(found)
                btext = key.encode("utf-8") if isinstance(key, str) else key
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
