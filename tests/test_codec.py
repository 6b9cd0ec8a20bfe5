"""The engine's Whoosh codec (search.store.codec) against Whoosh's own, on random indexes.

Whoosh's whole test suite also runs against it: ``python -m benchmarks.whoosh_suite``
(in .ci/run).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import fields
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import RamStorage
from whoosh.query import And, Phrase, Term

from search.store.codec import ArrayCodec, ArrayMatcher, PackedCharacters, PackedPositions, packed

WORDS = ["banjir", "jakarta", "dinas", "milik", "anak", "kota", "rumah"]

documents = st.lists(st.lists(st.sampled_from(WORDS), max_size=30).map(" ".join), min_size=1, max_size=40)


def _index(codec, docs, deleted=()):
    schema = fields.Schema(body=fields.TEXT(phrase=True, chars=True), lead=fields.TEXT(phrase=False),
                           tag=fields.KEYWORD)
    for name in schema.names():
        schema[name].format = packed(schema[name].format) if isinstance(codec, ArrayCodec) else schema[name].format
    ix = RamStorage().create_index(schema)
    # Two segments, so that merging and docnum offsets are exercised.
    half = len(docs) // 2
    for part in (docs[:half], docs[half:]):
        with ix.writer(codec=codec) as writer:
            for text in part:
                writer.add_document(body=text, lead=text[:20], tag=f"t{len(text) % 3}")
    if deleted:
        with ix.writer(codec=codec) as writer:
            for docnum in deleted:
                if docnum < len(docs):
                    writer.delete_document(docnum)
    return ix


def _postings(ix):
    found = {}
    with ix.reader() as reader:
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            items = []
            while matcher.is_active():
                value = matcher.value_as("characters") if fieldname == "body" else matcher.weight()
                items.append((matcher.id(), matcher.weight(), value))
                matcher.next()
            found[fieldname, text] = items
    return found


@settings(max_examples=40, deadline=None)
@given(documents)
def test_the_array_codec_gives_the_postings_whoosh_codec_gives(docs):
    assert _postings(_index(ArrayCodec(), docs)) == _postings(_index(W3Codec(), docs))


@settings(max_examples=30, deadline=None)
@given(documents, st.sets(st.integers(0, 39), max_size=8), st.sampled_from(WORDS), st.sampled_from(WORDS))
def test_queries_find_the_same_articles_with_either_codec(docs, deleted, first, second):
    queries = [Term("body", first), And([Term("body", first), Term("body", second)]),
               Phrase("body", [first, second]), Term("tag", "t1")]
    answers = []
    for codec in (ArrayCodec(), W3Codec()):
        with _index(codec, docs, sorted(deleted)).searcher() as searcher:
            answers.append([[(hit.docnum, round(hit.score, 5)) for hit in searcher.search(q, limit=None)]
                            for q in queries])
    assert answers[0] == answers[1]


@settings(max_examples=30, deadline=None)
@given(documents, st.integers(0, 60))
def test_skip_to_lands_on_the_first_posting_at_or_after_the_target(docs, target):
    ix = _index(ArrayCodec(), docs)
    with ix.reader() as reader:
        for fieldname, text in reader.all_terms():
            for sub in [reader] if not hasattr(reader, "readers") else reader.readers:
                if (fieldname, text) not in sub:
                    continue
                matcher = sub.postings(fieldname, text)
                ids = list(matcher.all_ids())
                matcher.reset()
                expected = [i for i in ids if i >= target]
                if matcher.is_active() and expected:
                    matcher.skip_to(target)
                    assert matcher.id() == expected[0]


def test_a_term_reads_as_arrays_in_one_call():
    ix = _index(ArrayCodec(), ["banjir jakarta banjir", "kota", "banjir"])
    with ix.reader() as reader:
        matcher = reader.leaf_readers()[0][0].postings("body", "banjir")
        assert isinstance(matcher, ArrayMatcher)
        docnums, weights = matcher.arrays()
        assert docnums.tolist() == [0] and weights.tolist() == [2.0]


positions = st.lists(st.integers(0, 200_000), max_size=50)


@given(positions)
def test_packed_positions_round_trip_in_any_order(numbers):
    encoded = PackedPositions().encode(numbers)
    assert PackedPositions().decode_positions(encoded) == numbers
    assert PackedPositions().decode_frequency(encoded) == len(numbers)


@given(st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 70_000), st.integers(0, 30)), max_size=40),
       st.booleans())
def test_packed_characters_round_trip(rows, in_order):
    poslist = [(pos, start, start + length) for pos, start, length in rows]
    if in_order:
        poslist.sort()
    encoded = PackedCharacters().encode(poslist)
    assert PackedCharacters().decode_characters(encoded) == poslist
    assert PackedCharacters().decode_positions(encoded) == [row[0] for row in poslist]


@settings(max_examples=25, deadline=None)
@given(documents, st.lists(st.text(max_size=6), max_size=10))
def test_terms_are_found_in_the_memory_mapped_table_as_whoosh_finds_them(tmp_path_factory, docs, absent):
    from whoosh.codec.whoosh3 import W3TermsReader
    from whoosh.filedb.filestore import FileStorage
    from whoosh.reading import TermNotFound

    from search.store.disk import open_for_reading

    folder = tmp_path_factory.mktemp("ix")
    schema = fields.Schema(body=fields.TEXT(phrase=True, chars=True), tag=fields.KEYWORD)
    ix = FileStorage(str(folder)).create_index(schema)
    with ix.writer(codec=ArrayCodec(), compound=False) as writer:  # separate files, as the engine writes
        for text in docs:
            writer.add_document(body=text, tag=f"t{len(text) % 3}")
    with open_for_reading(folder).reader() as reader:
        terms = reader._terms
        assert terms._map is not None  # the table is read from its memory map
        for fieldname, text in list(terms.terms()) + [("body", word.encode()) for word in absent]:
            try:
                expected = vars(W3TermsReader.term_info(terms, fieldname, text))
            except TermNotFound:
                expected = None
            try:
                found = vars(terms.term_info(fieldname, text))
            except TermNotFound:
                found = None
            assert repr(found) == repr(expected)
            assert ((fieldname, text) in terms) == (expected is not None)
            postings = terms.postings_or_none(fieldname, text, schema[fieldname].format)  # the first stage's way
            if expected is None:
                assert postings is None
            else:
                matcher = reader.postings(fieldname, text)
                assert list(postings.items_as("weight")) == list(matcher.items_as("weight"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 70000), st.integers(0, 70000), st.integers(0, 300)),
                         min_size=1, max_size=12), max_size=15), st.booleans())
def test_many_values_decode_at_once_as_each_decodes(postings, sort):
    import numpy as np

    characters, positions = PackedCharacters(), PackedPositions()
    for fmt, encode in ((characters, lambda hits: characters.encode([(p, s, s + n) for p, s, n in hits])),
                        (positions, lambda hits: positions.encode([p for p, _, _ in hits]))):
        values = [encode(sorted(hits) if sort else hits) for hits in postings]
        laid = np.frombuffer(b"".join(values), dtype=np.uint8)
        counts, flat = fmt.positions_in(laid, np.array([len(value) for value in values], dtype=np.int64))
        expected = [fmt.decode_positions(value) for value in values]
        assert counts.tolist() == [len(found) for found in expected]
        assert flat.tolist() == [p for found in expected for p in found]
        assert flat.dtype == np.int64


@settings(max_examples=30, deadline=None)
@given(documents, st.data())
def test_chosen_values_are_laid_out_as_each_reads(docs, data):
    import numpy as np

    ix = _index(ArrayCodec(), docs)
    with ix.reader() as reader:
        for segment, _ in reader.leaf_readers():
            for fieldname, text in segment.all_terms():
                matcher = segment.postings(fieldname, text)
                matcher = getattr(matcher, "child", matcher)  # (under a segment's deletions)
                if not isinstance(matcher, ArrayMatcher):
                    continue
                count = len(matcher.arrays()[0])
                chosen = sorted(data.draw(st.sets(st.integers(0, count - 1), max_size=count)))
                laid, lengths = matcher.value_bytes(np.array(chosen, dtype=np.int64))
                values = matcher.values_at(chosen)
                assert laid.tobytes() == b"".join(values) and lengths.tolist() == [len(v) for v in values]


def _record(format_, docnums, weights, values, whole):
    """Write one term's postings with the engine's postings writer; read them back as a matcher."""
    from array import array

    from whoosh.codec.whoosh3 import W3TermInfo

    from search.store.codec import ArrayPostingsWriter

    storage = RamStorage()
    out = storage.create_file("postings")
    writer = ArrayPostingsWriter(out)
    writer.start_postings(format_, W3TermInfo())
    if whole:  # as a build gives them (segments.py)
        ends = array("I", [sum(len(v) for v in values[: i + 1]) for i in range(len(values))])
        writer.add_arrays(array("I", docnums), array("f", weights), b"".join(values), ends, 1, 9)
    else:  # one at a time, as Whoosh's writer gives them
        for docnum, weight, value in zip(docnums, weights, values, strict=True):
            writer.add_posting(docnum, weight, value, 3)
    terminfo = writer.finish_postings()
    out.close()
    offset, length = terminfo.extent()
    return ArrayMatcher(storage.open_file("postings"), offset, length, format_)


def _value_lists(draw, count, weights):
    import struct

    kind = draw(st.sampled_from(["empty", "counts", "led by counts", "fixed", "variable"]))
    if kind == "empty":
        return [b""] * count
    if kind == "counts":  # Whoosh's Frequency values: each count as a big-endian u32
        return [struct.pack("!I", int(weight)) for weight in weights]
    if kind == "led by counts":  # the packed positions' values: the count, then the positions
        return [struct.pack("!I", int(weight)) + draw(st.binary(max_size=300)) for weight in weights]
    if kind == "fixed":
        return [draw(st.binary(min_size=4, max_size=4)) for _ in range(count)]
    longest = draw(st.sampled_from([20, 300, 70000]))
    return [draw(st.binary(max_size=20)) if draw(st.integers(0, 30)) else b"x" * draw(st.integers(0, longest))
            for _ in range(count)]


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_a_posting_record_reads_back_what_was_written(data):
    """Every record shape (docnums as gaps of 1, 2 or 4 bytes, values none, derived, fixed or of
    any length, lists shorter and longer than a block) gives back its postings exactly."""
    import numpy as np
    from whoosh import formats

    widest = data.draw(st.sampled_from([3, 255, 300, 70000, 5_000_000]))
    gaps = data.draw(st.lists(st.integers(1, widest), min_size=1, max_size=700))
    docnums = [sum(gaps[: i + 1]) - 1 for i in range(len(gaps))]
    weights = data.draw(st.sampled_from([
        [1.0] * len(docnums), [float(1 + i % 7) for i in range(len(docnums))],
        [float(300 + i) for i in range(len(docnums))], [0.5 + i for i in range(len(docnums))]]))
    values = _value_lists(data.draw, len(docnums), weights)
    format_ = data.draw(st.sampled_from([formats.Frequency(), formats.Positions(), formats.Existence()]))
    matcher = _record(format_, docnums, weights, values, whole=data.draw(st.booleans()))
    ids, read = matcher.arrays()
    assert ids.tolist() == docnums and read.tolist() == weights
    assert [matcher.value_at(i) for i in range(len(values))] == values
    chosen = sorted(data.draw(st.sets(st.integers(0, len(values) - 1), max_size=12)))
    assert matcher.values_at(chosen) == [values[i] for i in chosen]
    laid, lengths = matcher.value_bytes(np.array(chosen, dtype=np.int64))
    assert laid.tobytes() == b"".join(values[i] for i in chosen)
    assert lengths.tolist() == [len(values[i]) for i in chosen]
    matcher.skip_to(docnums[-1])
    assert matcher.id() == docnums[-1]


def test_a_posting_record_written_before_the_compact_format_still_reads():
    """An ``ARR1`` record (indexes written before 2026-12-07): docnums u32, weights u8, offsets u32."""
    import struct

    from whoosh import formats

    values = [b"ab", b"", b"cdef"]
    record = (struct.pack("<4sIBi", b"ARR1", 3, 1, -1) + struct.pack("<3I", 2, 7, 40) + bytes([1, 3, 2])
              + struct.pack("<4I", 0, 2, 2, 6) + b"".join(values))
    storage = RamStorage()
    with storage.create_file("postings") as out:
        out.write(record)
    matcher = ArrayMatcher(storage.open_file("postings"), 0, len(record), formats.Positions())
    assert matcher.arrays()[0].tolist() == [2, 7, 40] and matcher.arrays()[1].tolist() == [1.0, 3.0, 2.0]
    assert [matcher.value_at(i) for i in range(3)] == values and matcher.values_at([0, 2]) == [b"ab", b"cdef"]
