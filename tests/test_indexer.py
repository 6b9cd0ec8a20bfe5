"""Building an index: counts, skipped files, and rebuilds that never lose the old index."""

import json
import shutil

import pytest

import search
from conftest import SAMPLE_JSONL
from search import storage


def test_build_reports_what_it_did(corpus_dir, tmp_path):
    report = search.build_index([corpus_dir], tmp_path / "ix")
    assert report.indexed == 23 and report.files == 2 and report.skipped == []
    with search.open_index(tmp_path / "ix") as index:
        assert index.stats().articles == 23


def test_bad_files_are_skipped_and_the_rest_indexed(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(SAMPLE_JSONL, seeds)
    (seeds / "broken.jsonl").write_text('{"id": "x", "body": \n{"id": "y", "body": "Isi berita."}\n')
    (seeds / "empty.txt").write_text("")
    report = search.build_index([seeds], tmp_path / "ix")
    assert report.indexed == 23
    assert sorted(s.path for s in report.skipped) == ["broken.jsonl:1", "empty.txt"]


def test_duplicate_ids_keep_the_first(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.jsonl").write_text(json.dumps({"id": "same", "body": "Pertama."}) + "\n"
                                   + json.dumps({"id": "same", "body": "Kedua."}) + "\n")
    report = search.build_index([seeds], tmp_path / "ix")
    assert report.indexed == 1 and "duplicate id" in report.skipped[0].reason
    with search.open_index(tmp_path / "ix") as index:
        assert index.get("same").body == "Pertama."


def test_a_build_with_nothing_readable_keeps_the_old_index(corpus_dir, tmp_path):
    ix = tmp_path / "ix"
    search.build_index([corpus_dir], ix)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "bad.txt").write_text("")
    with pytest.raises(search.NothingToIndexError, match="left as it was"):
        search.build_index([empty], ix)
    with search.open_index(ix) as index:
        assert index.stats().articles == 23
    assert not list(ix.glob("building-*"))


def test_a_build_that_fails_midway_keeps_the_old_index(corpus_dir, tmp_path, monkeypatch):
    ix = tmp_path / "ix"
    search.build_index([corpus_dir], ix)
    before = (ix / "CURRENT").read_text()

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("whoosh.writing.SegmentWriter.commit", explode)
    with pytest.raises(RuntimeError):
        search.build_index([corpus_dir], ix)
    assert (ix / "CURRENT").read_text() == before
    assert not list(ix.glob("building-*"))
    with search.open_index(ix) as index:
        assert index.search("dinas kominfo").hits[0].id == "000_b21858542a778c68.txt"


def test_rebuild_replaces_the_index_and_keeps_one_previous_generation(corpus_dir, tmp_path):
    ix = tmp_path / "ix"
    for _ in range(3):
        search.build_index([corpus_dir], ix)
    assert len(list(ix.glob("gen-*"))) == 2


def test_a_second_writer_is_told_the_index_is_busy(corpus_dir, tmp_path):
    ix = tmp_path / "ix"
    with storage.write_lock(ix):
        with pytest.raises(search.IndexLockedError, match="being updated"):
            search.build_index([corpus_dir], ix)


def test_a_leftover_partial_build_is_cleaned_up(corpus_dir, tmp_path):
    ix = tmp_path / "ix"
    (ix / "building-deadbeef").mkdir(parents=True)
    search.build_index([corpus_dir], ix)
    assert not (ix / "building-deadbeef").exists()


