"""A full build writes from several processes; a worker's failure stops the commit."""

import errno
import multiprocessing
import os
import signal

import pytest
from whoosh import index as whoosh_index

import search
from search.store import disk as storage

SEED_ID = "000_b21858542a778c68.txt"


def test_a_full_build_saves_the_roots_the_workers_stemmed(corpus_dir, tmp_path):
    index_dir = tmp_path / "ix"
    search.build_index([corpus_dir], index_dir)
    generation = storage.current_generation(index_dir)
    table = storage.StemTable(generation)
    stems = table.items()
    table.close()
    assert stems["memiliki"] == "milik" and stems["perkembangan"] == "kembang"
    assert not list(generation.glob("worker-stems-*"))
    assert multiprocessing.active_children() == []


def _answers(index_dir, queries):
    with search.open_index(index_dir) as index:
        return [[(hit.id, round(hit.score, 6)) for hit in index.search(query, limit=10).hits] for query in queries]


def test_a_build_in_many_segments_from_both_workers_answers_as_one_segment(corpus_dir, tmp_path, monkeypatch):
    queries = ["dinas kominfo", "banjir jakarta", "milik dinas", "kembang teknologi", "anak"]
    monkeypatch.setattr("os.sched_getaffinity", lambda _: {0})  # one core: one process, one segment
    search.build_index([corpus_dir], tmp_path / "one")
    monkeypatch.undo()
    # Both workers, a batch of 2 articles each time, a new segment after every article.
    monkeypatch.setattr("search.store.writers.BATCH", 2)
    monkeypatch.setattr("search.store.generation.WRITER_MB", 0)
    search.build_index([corpus_dir], tmp_path / "many")
    with search.open_index(tmp_path / "many") as index:
        assert index.stats().articles == 23
    ix = whoosh_index.open_dir(str(storage.current_generation(tmp_path / "many")))
    with ix.reader() as reader:  # each worker merged its segments (one an article) into one
        assert 1 <= len(reader.leaf_readers()) <= 2
        listed = {leaf.segment().segment_id() for leaf, _ in reader.leaf_readers()}
    ix.close()
    folder = storage.current_generation(tmp_path / "many")
    found = {path.name.split(".")[0] for path in folder.glob("MAIN_*")} - {"MAIN_WRITELOCK"}
    assert found == listed  # the merged-away segments' files were removed
    assert len(_answers(tmp_path / "one", queries)[0]) > 0
    assert _answers(tmp_path / "many", queries) == _answers(tmp_path / "one", queries)
    assert multiprocessing.active_children() == []


def _full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def _killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize(("failure", "message"), [
    (_full_disk, r"an indexing process failed .*No space left on device"),
    (_killed, r"an indexing process failed \(exit status -9\)"),
])
def test_a_worker_that_fails_or_is_killed_stops_the_commit(corpus_dir, tmp_path, monkeypatch, failure, message):
    index_dir = tmp_path / "ix"
    search.build_index([corpus_dir], index_dir)
    serving = (index_dir / "CURRENT").read_text()
    # Only the worker processes call SegmentBuilder.add_document (BuildWriter's
    # own add_document queues the articles), and they inherit this patch.
    monkeypatch.setattr("search.store.segments.SegmentBuilder.add_document", failure)
    with pytest.raises(search.SearchError, match=message):
        search.build_index([corpus_dir], index_dir, rebuild=True)
    monkeypatch.undo()
    assert (index_dir / "CURRENT").read_text() == serving
    assert not list(index_dir.glob("building-*"))
    assert multiprocessing.active_children() == []
    with search.open_index(index_dir) as index:
        assert index.stats().articles == 23
        assert index.search("dinas kominfo").hits[0].id == SEED_ID


def test_workers_hand_each_other_the_roots_they_stemmed(tmp_path):
    from search.language.stemming import Stemmer
    from search.store.writers import SHARED_ROOTS, _SharedRoots

    asked: list[str] = []

    def root(word: str) -> str:
        asked.append(word)
        return word.removeprefix("me")

    first, second = Stemmer(root=root), Stemmer(root=root)
    first_shares, second_shares = _SharedRoots(tmp_path, 1), _SharedRoots(tmp_path, 2)
    assert first("memiliki") == "miliki" and second("menulis") == "nulis"
    first_shares.exchange(first)
    second_shares.exchange(second)  # takes "memiliki", gives "menulis"
    first_shares.exchange(first)  # takes "menulis"
    assert second("memiliki") == "miliki" and first("menulis") == "nulis"
    assert asked == ["memiliki", "menulis"]  # each word stemmed once, wherever it came first
    first("membaca")
    first_shares.exchange(first)
    second_shares.exchange(second)
    assert second.roots() == first.roots() == {"memiliki": "miliki", "menulis": "nulis", "membaca": "mbaca"}
    assert len(list(tmp_path.glob(SHARED_ROOTS))) == 3  # nothing handed back where it came from


def test_a_build_that_shares_roots_saves_every_root_and_no_shared_file(corpus_dir, tmp_path, monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda _: {0})
    search.build_index([corpus_dir], tmp_path / "one")
    monkeypatch.undo()
    monkeypatch.setattr("search.store.writers.BATCH", 2)
    monkeypatch.setattr("search.store.writers.SHARE_EVERY", 1)
    search.build_index([corpus_dir], tmp_path / "two")
    tables = [storage.StemTable(storage.current_generation(tmp_path / name)) for name in ("one", "two")]
    assert tables[0].items() == tables[1].items()
    for table in tables:
        table.close()
    assert not list(storage.current_generation(tmp_path / "two").glob("shared-roots-*"))
