"""A full build writes from several processes; a worker's failure stops the commit."""

import errno
import multiprocessing

import pytest

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


def test_a_worker_that_fails_stops_the_commit(corpus_dir, tmp_path, monkeypatch):
    index_dir = tmp_path / "ix"
    search.build_index([corpus_dir], index_dir)
    serving = (index_dir / "CURRENT").read_text()

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    # Only the worker processes call SegmentWriter.add_document (MpWriter's own
    # add_document queues the articles), and they inherit this patch.
    monkeypatch.setattr("whoosh.writing.SegmentWriter.add_document", full_disk)
    with pytest.raises(search.SearchError, match=r"an indexing process failed .*No space left on device"):
        search.build_index([corpus_dir], index_dir, rebuild=True)
    monkeypatch.undo()
    assert (index_dir / "CURRENT").read_text() == serving
    assert not list(index_dir.glob("building-*"))
    assert multiprocessing.active_children() == []
    with search.open_index(index_dir) as index:
        assert index.stats().articles == 23
        assert index.search("dinas kominfo").hits[0].id == SEED_ID
