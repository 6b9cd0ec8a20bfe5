"""Building an index: counts, skipped files, and rebuilds that never lose the old index."""

import json
import shutil

import pytest
from conftest import SAMPLE_JSONL

import search
from search.store import disk as storage


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

    # A full build writes its own segments (BuildWriter), an update with Whoosh's writer.
    monkeypatch.setattr("whoosh.writing.SegmentWriter.commit", explode)
    monkeypatch.setattr("search.store.writers.BuildWriter.commit", explode)
    with pytest.raises(RuntimeError):
        search.build_index([corpus_dir], ix, rebuild=True)
    assert (ix / "CURRENT").read_text() == before
    assert not list(ix.glob("building-*"))
    with search.open_index(ix) as index:
        assert index.search("dinas kominfo").hits[0].id == "000_b21858542a778c68.txt"


def test_rebuild_replaces_the_index_and_keeps_one_previous_generation(corpus_dir, tmp_path):
    ix = tmp_path / "ix"
    for _ in range(3):
        search.build_index([corpus_dir], ix, rebuild=True)
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




# --------------------------------------------------------------------------- duplicates and updates

def record(article_id, body, **fields):
    return json.dumps({"id": article_id, "body": body, **fields}) + "\n"


BODY_A = "Pemerintah kota membangun jembatan baru di pusat kota untuk warga. " * 3
BODY_B = "Banjir merendam ratusan rumah di Bekasi sejak Rabu malam. " * 3
BODY_C = "Harga cabai di pasar tradisional naik dua kali lipat menjelang Lebaran. " * 3


@pytest.fixture
def seeds(tmp_path):
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "a.jsonl").write_text(record("a1", BODY_A, url="https://www.contoh.id/a1/")
                                    + record("a2", BODY_B))
    (folder / "c.jsonl").write_text(record("c1", BODY_C))
    return folder


def ids_in(index_dir):
    with search.open_index(index_dir) as index:
        return sorted(hit.id for hit in index.search("kota OR banjir OR cabai OR jalan OR bawang", limit=100).hits)


def test_the_same_article_twice_is_indexed_once(seeds, tmp_path):
    (seeds / "b.jsonl").write_text(record("b1", BODY_A.upper().replace(".", " !"))  # same words
                                   + record("b2", "Lain sekali. " * 5, url="http://contoh.id/a1?utm_source=x"))
    report = search.build_index([seeds], tmp_path / "ix")
    assert report.added == 3
    assert [(m.id, m.kept, m.reason) for m in report.merged] == [
        ("b1", "a1", "same text"), ("b2", "a1", "same URL")]
    assert ids_in(tmp_path / "ix") == ["a1", "a2", "c1"]


def test_an_unchanged_folder_is_not_read_again(seeds, tmp_path):
    ix = tmp_path / "ix"
    search.build_index([seeds], ix)
    before = (ix / "CURRENT").read_text()
    report = search.build_index([seeds], ix)
    assert (report.mode, report.changed, report.unchanged_files, report.files) == ("update", False, 2, 0)
    assert (ix / "CURRENT").read_text() == before


def test_an_update_adds_new_files_reindexes_changed_ones_and_keeps_what_files_no_longer_give(seeds, tmp_path):
    ix = tmp_path / "ix"
    search.build_index([seeds], ix)
    (seeds / "a.jsonl").write_text(record("a1", BODY_A + " Jembatan diresmikan."))  # a2 is gone
    (seeds / "c.jsonl").unlink()
    (seeds / "d.jsonl").write_text(record("d1", "Jalan tol ditutup sementara karena perbaikan. " * 3))
    report = search.build_index([seeds], ix)
    assert (report.mode, report.new_files, report.changed_files, report.deleted_files) == ("update", 1, 1, 1)
    assert (report.added, report.replaced, report.removed, report.articles) == (1, 1, 0, 4)
    assert (report.kept, report.newly_kept) == (2, 2)
    assert ids_in(ix) == ["a1", "a2", "c1", "d1"]
    with search.open_index(ix) as index:
        assert "diresmikan" in index.get("a1").body
        assert index.stats().kept == 2
    # Only an explicit prune removes them.
    assert not search.build_index([seeds], ix).changed
    report = search.build_index(None, ix, prune=True)
    assert (report.mode, report.removed, report.kept, report.articles) == ("prune", 2, 0, 2)
    assert ids_in(ix) == ["a1", "d1"]


def test_an_update_never_touches_the_generation_that_is_serving(seeds, tmp_path):
    ix = tmp_path / "ix"
    search.build_index([seeds], ix)
    serving = storage.current_generation(ix)
    files = {p.name: p.read_bytes() for p in serving.iterdir()}
    (seeds / "c.jsonl").write_text(record("c1", BODY_C + " Pedagang mengeluh."))
    search.build_index([seeds], ix)
    assert storage.current_generation(ix) != serving
    assert {p.name: p.read_bytes() for p in serving.iterdir()} == files


def test_other_paths_add_to_the_index_and_rebuild_reads_no_source(seeds, tmp_path):
    ix = tmp_path / "ix"
    search.build_index([seeds], ix)
    before = ids_in(ix)
    report = search.build_index([seeds], ix, rebuild=True)
    assert (report.rebuilt, report.changed) == (3, True)
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.jsonl").write_text(record("x1", "Jalan rusak diperbaiki. " * 4))
    report = search.build_index([other], ix)
    assert report.mode == "update" and ids_in(ix) == sorted(before + ["x1"])
    assert report.sources == [str(seeds), str(other)] and report.new_sources == [str(other)]
    report = search.build_index(None, ix, rebuild=True)
    assert report.mode == "rebuild" and ids_in(ix) == sorted(before + ["x1"])


def test_add_reports_an_id_another_file_gave_and_remove_deletes(seeds, tmp_path):
    ix = tmp_path / "ix"
    search.build_index([seeds], ix)
    extra = tmp_path / "extra.jsonl"
    extra.write_text(record("c1", "Harga bawang turun di pasar. " * 4) + record("e1", "Jalan rusak diperbaiki. " * 4))
    report = search.add_articles([extra], ix)
    assert (report.added, report.replaced, report.articles) == (1, 0, 4)
    assert [s.reason for s in report.skipped] == ["duplicate id 'c1': already indexed from c.jsonl; that one kept"]
    with search.open_index(ix) as index:
        assert "bawang" not in index.get("c1").body
    report = search.remove_articles(["e1", "a2", "nope"], ix)
    assert (report.removed, report.not_found, report.articles) == (2, ["nope"], 2)
    assert ids_in(ix) == ["a1", "c1"]
    # The removed article's file has not changed, so an update leaves it out.
    assert not search.build_index([seeds], ix).changed


def test_a_page_added_from_the_seeds_folder_gets_the_id_a_build_gives_it(tmp_path):
    seeds = tmp_path / "seeds"
    (seeds / "kompas").mkdir(parents=True)
    shutil.copy(SAMPLE_JSONL, seeds)
    ix = tmp_path / "ix"
    search.build_index([seeds], ix)
    page = seeds / "kompas" / "kompas-1.html"
    shutil.copy(SAMPLE_JSONL.parent / "kompas-1.html", page)
    assert search.add_articles([page], ix).added == 1
    with search.open_index(ix) as index:
        assert index.get("kompas/kompas-1.html").title.startswith("Polres Lhokseumawe")
    assert not search.build_index([seeds], ix).changed  # the add was remembered


def test_add_and_remove_need_an_index(tmp_path):
    with pytest.raises(search.IndexNotFoundError):
        search.add_articles([SAMPLE_JSONL], tmp_path / "none")
    with pytest.raises(search.IndexNotFoundError):
        search.remove_articles(["x"], tmp_path / "none")


def test_duplicates_can_be_kept(seeds, tmp_path):
    (seeds / "b.jsonl").write_text(record("b1", BODY_A))
    report = search.build_index([seeds], tmp_path / "ix", merge_duplicates=False)
    assert report.added == 4 and report.merged == []


def test_words_a_query_stemmed_are_not_saved_with_the_next_generation(corpus_dir, tmp_path):
    # The roots saved beside a generation are those of its articles' words:
    # what a query in the same process stemmed stays with that query's index.
    index_dir = tmp_path / "ix"
    search.build_index([corpus_dir], index_dir)
    with search.open_index(index_dir) as index:
        index.search("kucingku berlarian menyeberangi")
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "banjir.jsonl").write_text(json.dumps(
        {"id": "b1", "title": "Banjir di Bekasi", "body": "Warga kebanjiran sejak malam."}) + "\n")
    search.add_articles([extra], index_dir)
    table = storage.StemTable(storage.current_generation(index_dir))
    saved = table.items()
    table.close()
    assert saved["kebanjiran"] == "banjir" and saved["memiliki"] == "milik"
    assert not {"kucingku", "berlarian", "menyeberangi"} & saved.keys()
