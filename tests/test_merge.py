"""Merged segments (search.store.merge): a merge holds what its segments held, builds and updates stay few segments.

A segment merged from several must give every term's postings (article,
weight, value), every term's statistics, every stored article, field length
and column exactly as the separate segments did; with deleted articles, as
an index written from the live articles alone. A full build ends with at
most one segment per worker, and a series of updates with a bounded number.
"""

from __future__ import annotations

import errno
import multiprocessing
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import batch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from index_contents import index_contents
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import RamStorage
from whoosh.query import Term

import search
from search.articles import Article
from search.store import disk as storage
from search.store.codec import ArrayCodec
from search.store.fixity import check_index
from search.store.merge import TieredMergePolicy, merge_segments
from search.store.schema import JOINED_FIELDS, build_schema, to_document
from search.store.segments import SegmentBuilder

WORDS = ["memiliki", "Dinas", "perkembangan", "teknologi", "anak-anak", "yang", "Rp50", "5.000", "KPK",
         "pemerintah", "perintah", "banjir", "Jakarta", "rumah", "warga", "Covid-19", "sembilan"]
COLUMNS = ("date", "month", "source", "location", "category")
TOWNS = "bcdfghjkmp"  # made-up towns' last letters (Zoxb, Zoxc...), words the stemmer keeps whole
QUERIES = ["dinas kominfo", "banjir jakarta", "milik dinas", "kembang teknologi", "anak", '"kota terakhir"']


def _text(words: list[str]) -> str:
    return " ".join(words)


texts = st.lists(st.sampled_from(WORDS), min_size=1, max_size=40).map(_text)
corpora = st.lists(st.tuples(texts, texts, st.none() | st.integers(0, 900), st.sampled_from(["", "binews.id"]),
                             st.sampled_from(["", "Padang", "Kota Bandung"])), min_size=1, max_size=25)


def _documents(rows) -> list[dict]:
    return [to_document(Article(id=f"a{n}", title=title, body=body, source=source, location=location,
                                category="Politik" if n % 3 else "",
                                date=None if days is None else datetime(2021, 1, 1, tzinfo=timezone.utc)
                                + timedelta(days=days)))
            for n, (body, title, days, source, location) in enumerate(rows)]


def _publish(ix, segments: list) -> None:
    """List exactly ``segments`` in the index's table of contents (as BuildWriter does)."""
    with ix.writer(codec=ArrayCodec()) as writer:
        writer.mergetype = lambda _, existing: list(segments)


def _segments_index(documents: list[dict], limit_mb: float):
    """An index of ``documents`` in segments written by a build's builder, a new one past ``limit_mb``."""
    ix = RamStorage().create_index(build_schema())
    builder = SegmentBuilder(ix.storage, ix.indexname, ix.schema, ArrayCodec(), limit_mb, JOINED_FIELDS)
    for document in documents:
        builder.add_document(document)
    _publish(ix, builder.finish())
    return ix


def _delete(ix, ids: set[str]) -> None:
    with ix.writer(codec=ArrayCodec()) as writer:
        writer.merge = False
        for article_id in sorted(ids):
            writer.delete_by_term("id", article_id)


def _merged(ix, codec=None) -> list:
    """Merge every segment of ``ix`` into one and list it alone; the segments it came from."""
    segments = ix._segments()
    _publish(ix, [merge_segments(ix.storage, ix.indexname, ix.schema, segments, codec)])
    return segments


def _contents(ix, totals: bool = True) -> dict:
    return index_contents(ix, COLUMNS, totals)


def _corpus(count: int) -> list[dict]:
    rows = [(_text([WORDS[(n * 7 + k) % len(WORDS)] for k in range(5 + n % 9)]) + f" kata{n}",
             _text([WORDS[(n + k) % len(WORDS)] for k in range(1 + n % 4)]),
             None if n % 5 == 0 else n * 3, "binews.id" if n % 2 else "", "Padang" if n % 4 else "")
            for n in range(count)]
    return _documents(rows)


def test_a_merged_segment_holds_exactly_what_its_segments_held():
    documents = _corpus(60)
    ix = _segments_index(documents, 0.002)
    before = _contents(ix)
    sources = _merged(ix)
    assert len(sources) > 5
    assert len(ix._segments()) == 1
    assert _contents(ix) == before  # the field totals too: the segments' exact sums


def test_a_merge_drops_deleted_articles_and_holds_what_a_build_of_the_others_holds():
    documents = _corpus(60)
    ix = _segments_index(documents, 0.002)
    gone = {f"a{n}" for n in range(0, 60, 4)} | {"a59", "a1"}
    _delete(ix, gone)
    _merged(ix)
    live = [document for document in documents if document["id"] not in gone]
    assert _contents(ix, totals=False) == _contents(_segments_index(live, 64), totals=False)
    with ix.reader() as reader:
        assert reader.doc_count_all() == reader.doc_count() == len(live)
        assert not reader.has_deletions()


def test_inlined_postings_and_values_of_every_size_are_merged():
    # Whoosh's own writer with terms of fewer than 3 postings inlined in the term table, in several segments.
    codec = ArrayCodec(inlinelimit=3)
    ix = RamStorage().create_index(build_schema())
    documents = _corpus(30)
    for start in range(0, 30, 7):
        with ix.writer(codec=codec) as writer:
            writer.merge = False
            for document in documents[start:start + 7]:
                writer.add_document(**document)
    _delete(ix, {"a3", "a17"})
    before = _contents(ix, totals=False)
    sources = _merged(ix, codec)
    assert len(sources) == 5
    after = _contents(ix, totals=False)
    assert after["terms"].keys() <= before["terms"].keys()
    for key, (_, _, _, _, _, postings) in after["terms"].items():
        assert postings == before["terms"][key][5]
    assert after["stored"] == before["stored"] and after["columns"] == before["columns"]
    with ix.reader() as reader:
        inlined = [reader.term_info(field, text).is_inlined() for field, text in reader.all_terms()]
        assert any(inlined) and not all(inlined)
        # fixed-size values (the counts of `exact`), variable-size (positions, characters) and none (ids)
        assert {"exact", "body", "title", "id"} <= set(reader.indexed_field_names())


def test_long_posting_lists_of_one_segment_are_copied_with_their_document_numbers_moved():
    # Two segments of 40 articles each, a word of each in all of its segment's: long lists (docnums as gaps).
    ix = RamStorage().create_index(build_schema())
    documents = _documents([(f"{word} rumah warga kata{n}", word, n, "", "") for word in ("banjir", "gempa")
                            for n in range(40)])
    for half in (documents[:40], documents[40:]):
        with ix.writer(codec=ArrayCodec()) as writer:
            writer.merge = False
            for document in half:
                writer.add_document(**document)
    before = _contents(ix)
    assert len(_merged(ix)) == 2
    assert _contents(ix) == before
    with ix.searcher() as searcher:
        assert sorted(searcher.document_number(id=f"a{n}") for n in range(40, 80)) == list(range(40, 80))
        assert len(searcher.search(Term("body", "gempa"), limit=None)) == 40


def test_short_records_decode_as_their_matcher_reads_them():
    from search.store.codec import _decode_with_matcher, decode_record

    ix = _segments_index(_corpus(60) + _documents([(_text(WORDS * 3), "Rp50 5.000", 5, "", "")]), 0.004)
    kinds = set()
    for segment in ix._segments():
        terms = segment.codec().terms_reader(ix.storage, segment)
        for field in terms.indexed_field_names():
            for _, info in terms.field_items(field):
                record = terms.record(info)
                kinds.add(record[9:10])  # (the value kind's low byte)
                assert decode_record(record) == _decode_with_matcher(record)
        terms.close()
    assert len(kinds) >= 3  # none, counts made from the weights, values without their counts...


def test_a_merge_may_inline_what_its_segments_did_not():
    ix = _segments_index(_corpus(40), 0.002)  # nothing inlined (the engine's codec)
    before = _contents(ix)
    _merged(ix, ArrayCodec(inlinelimit=3))  # terms of one or two postings inlined in the merged segment
    assert _contents(ix) == before
    with ix.reader() as reader:
        assert any(reader.term_info(field, text).is_inlined() for field, text in reader.all_terms())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora, st.sets(st.integers(0, 24)), st.sampled_from([0, 0.001, 64]))
def test_merging_random_segments_with_random_deletions_keeps_every_live_article(rows, deleted, limit_mb):
    documents = _documents(rows)
    gone = {f"a{n}" for n in deleted if n < len(documents)}
    ix = _segments_index(documents, limit_mb)
    if not gone:
        before = _contents(ix)
        _merged(ix)
        assert _contents(ix) == before
        return
    _delete(ix, gone)
    _merged(ix)
    live = [document for document in documents if document["id"] not in gone]
    if live:
        assert _contents(ix, totals=False) == _contents(_segments_index(live, 64), totals=False)
    else:
        assert _contents(ix)["count"] == 0


# --------------------------------------------------------------------------- the tiered policy

def test_the_policy_leaves_few_segments_alone_and_merges_a_crowded_tier():
    policy = TieredMergePolicy(segments_per_tier=4, max_merge_at_once=4, floor_mb=1.0)
    mb = 1024 * 1024.0
    assert policy.merges([(mb, 1.0)] * 4) == []
    assert policy.merges([(100 * mb, 1.0)] + [(mb, 1.0)] * 6) == []  # a big segment allows small tiers below it
    merges = policy.merges([(100 * mb, 1.0)] + [(mb, 1.0)] * 20)
    assert merges and all(0 not in group for group in merges)  # the big segment is not rewritten
    assert all(len(group) == 4 for group in merges)  # the small ones, four at once
    assert 21 - 3 * len(merges) <= 13  # (4 + 4 + 4 + 1 allowed: a tier of 1, 4 and 16 MB, and the big one)


def test_segments_too_large_to_merge_make_no_room_for_small_ones():
    policy = TieredMergePolicy(segments_per_tier=4, max_merge_at_once=4, floor_mb=1.0, max_segment_mb=1024)
    mb = 1024 * 1024.0
    merges = policy.merges([(600 * mb, 1.0), (700 * mb, 1.0)] + [(mb, 1.0)] * 6)
    assert merges and all(0 not in group and 1 not in group for group in merges)
    assert policy.merges([(600 * mb, 1.0), (700 * mb, 1.0)] + [(mb, 1.0)] * 4) == []


def test_the_policy_prefers_segments_with_deleted_articles():
    policy = TieredMergePolicy(segments_per_tier=2, max_merge_at_once=2, floor_mb=10)
    mb = 1024 * 1024.0
    merges = policy.merges([(10 * mb, 1.0)] * 10 + [(10 * mb, 0.3), (10 * mb, 0.4)])
    assert merges[0] == [10, 11]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(2_000, 2_000_000), min_size=2, max_size=24))
def test_segments_under_the_floor_merge_in_their_order_whatever_their_bytes(sizes):
    # (Whoosh's compound segments of the same articles differ by a byte or two from run to run.)
    policy = TieredMergePolicy(segments_per_tier=2, max_merge_at_once=2, floor_mb=2.0)
    equal = policy.merges([(1_000_000.0, 1.0)] * len(sizes))
    assert policy.merges([(float(size), 1.0) for size in sizes]) == equal
    assert all(group == sorted(group) for group in equal)


# --------------------------------------------------------------------------- builds and updates

def _segment_count(index_dir: Path) -> int:
    ix = whoosh_index.open_dir(str(storage.current_generation(index_dir)))
    try:
        return len(ix._segments())
    finally:
        ix.close()


def _answers(index_dir: Path) -> list:
    with search.open_index(index_dir) as index:
        return [[(hit.id, round(hit.score, 6)) for hit in index.search(query, limit=10).hits] for query in QUERIES]


def test_a_build_with_a_tiny_memory_limit_ends_with_a_segment_per_worker(corpus_dir, tmp_path, monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda _: {0})  # one process, one segment
    search.build_index([corpus_dir], tmp_path / "one")
    monkeypatch.setattr("search.store.generation.WRITER_MB", 0)  # a segment an article, merged at the end
    search.build_index([corpus_dir], tmp_path / "local")
    monkeypatch.undo()
    monkeypatch.setattr("search.store.writers.BATCH", 3)
    monkeypatch.setattr("search.store.generation.WRITER_MB", 0)
    search.build_index([corpus_dir], tmp_path / "workers")
    assert _segment_count(tmp_path / "one") == _segment_count(tmp_path / "local") == 1
    assert 1 <= _segment_count(tmp_path / "workers") <= 2
    assert _answers(tmp_path / "local") == _answers(tmp_path / "one")
    assert _answers(tmp_path / "workers") == _answers(tmp_path / "one")
    assert check_index(tmp_path / "workers").whole and check_index(tmp_path / "local").whole
    assert multiprocessing.active_children() == []


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_merge_that_fails_in_a_worker_fails_the_build_and_changes_nothing(corpus_dir, tmp_path, monkeypatch):
    index_dir = tmp_path / "ix"
    search.build_index([corpus_dir], index_dir)
    serving = (index_dir / "CURRENT").read_text()
    monkeypatch.setattr("search.store.writers.BATCH", 2)
    monkeypatch.setattr("search.store.generation.WRITER_MB", 0)
    monkeypatch.setattr("search.store.merge.merge_segments", _no_space)  # the workers inherit it
    with pytest.raises(search.SearchError, match=r"an indexing process failed .*No space left on device"):
        search.build_index([corpus_dir], index_dir, rebuild=True)
    assert (index_dir / "CURRENT").read_text() == serving
    assert not list(index_dir.glob("building-*"))
    assert multiprocessing.active_children() == []
    with search.open_index(index_dir) as index:
        assert index.stats().articles == 23


def test_updates_keep_the_segment_count_bounded_and_never_block_a_reader(corpus_dir, tmp_path, monkeypatch):
    monkeypatch.setattr("search.store.generation.UPDATE_MERGES",
                        TieredMergePolicy(segments_per_tier=3, max_merge_at_once=3))
    index_dir = tmp_path / "ix"
    search.build_index([corpus_dir], index_dir)
    reader = search.open_index(index_dir)  # the live generation as it was, read during every update
    first = reader.search("dinas kominfo").total
    counts = []
    for n in range(10):
        batch(tmp_path / "news", name=f"berita-{n}.txt", town=f"Zox{TOWNS[n]}")
        search.build_index([tmp_path / "news"], index_dir)
        if n % 3 == 2:  # an update that deletes: a changed file's article replaced
            batch(tmp_path / "news", name=f"berita-{n - 1}.txt", town=f"Ubx{TOWNS[n]}")
            search.build_index([tmp_path / "news"], index_dir)
        counts.append(_segment_count(index_dir))
        assert reader.stats().articles == 23 and reader.search("dinas kominfo").total == first
    reader.close()
    assert max(counts) <= 3 + 1  # three a tier, and the update's own new segment
    with search.open_index(index_dir) as index:
        assert index.stats().articles == 23 + 10
        for n in set(range(10)) - {1, 4, 7}:  # (berita-1, -4 and -7 were changed)
            assert index.search(f"zox{TOWNS[n]}").total == 1
        assert [hit.id for hit in index.search(f"ubx{TOWNS[8]}").hits] == ["berita-7.txt"]  # changed
        assert "berita-7.txt" not in [hit.id for hit in index.search(f"zox{TOWNS[7]}").hits]
    assert check_index(index_dir).whole


def test_an_update_whose_merge_fails_leaves_the_index_as_it_was(corpus_dir, tmp_path, monkeypatch):
    monkeypatch.setattr("search.store.generation.UPDATE_MERGES",
                        TieredMergePolicy(segments_per_tier=1, max_merge_at_once=2))
    index_dir = tmp_path / "ix"
    search.build_index([corpus_dir], index_dir)
    batch(tmp_path / "news", name="berita-0.txt", town="Kota0")
    search.build_index([tmp_path / "news"], index_dir)
    serving = (index_dir / "CURRENT").read_text()
    monkeypatch.setattr("search.store.merge.merge_segments", _no_space)
    batch(tmp_path / "news", name="berita-1.txt", town="Kota1")
    with pytest.raises(search.SearchError):
        search.build_index([tmp_path / "news"], index_dir)
    assert (index_dir / "CURRENT").read_text() == serving
    with search.open_index(index_dir) as index:
        assert index.stats().articles == 24


def test_a_reader_opens_and_searches_the_live_generation_while_an_update_merges(corpus_dir, tmp_path, monkeypatch):
    from search.store import merge

    monkeypatch.setattr("search.store.generation.UPDATE_MERGES",
                        TieredMergePolicy(segments_per_tier=1, max_merge_at_once=2))
    index_dir = tmp_path / "ix"
    search.build_index([corpus_dir], index_dir)
    batch(tmp_path / "news", name="berita-0.txt", town="Zoxb")
    search.build_index([tmp_path / "news"], index_dir)
    seen: list[tuple[int, int]] = []
    merging = merge.merge_segments

    def read_while_merging(*args, **kwargs):
        with search.open_index(index_dir) as index:  # the write lock is held, the merge under way
            seen.append((index.stats().articles, index.search("zoxb").total))
        return merging(*args, **kwargs)

    monkeypatch.setattr("search.store.merge.merge_segments", read_while_merging)
    batch(tmp_path / "news", name="berita-1.txt", town="Zoxc")
    search.build_index([tmp_path / "news"], index_dir)
    assert seen and set(seen) == {(24, 1)}  # the live generation, whole, as it was before the update
    with search.open_index(index_dir) as index:
        assert index.stats().articles == 25 and index.search("zoxc").total == 1
