"""Building an index: counts, skipped files, and rebuilds that never lose the old index."""

import json
import os
import shutil
import uuid
from datetime import datetime

import pytest
from conftest import SAMPLE_JSONL
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

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


def test_two_writes_in_the_same_second_that_draw_the_same_generation_name_both_publish(seeds, tmp_path,
                                                                                     monkeypatch):
    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 1, 2, 3, 4, 5, tzinfo=tz)

    # A build draws its building folder's name, then its generation's: the second write draws "0000" again.
    draws = iter(["1111", "0000", "2222", "0000", "3333"])
    monkeypatch.setattr(storage, "datetime", Frozen)
    monkeypatch.setattr(storage.uuid, "uuid4", lambda: uuid.UUID(next(draws) + "0" * 28))
    ix = tmp_path / "ix"
    search.build_index([seeds], ix)
    search.remove_articles(["a2"], ix)
    assert (ix / "CURRENT").read_text().strip() == "gen-20260102T030405-3333"
    assert ids_in(ix) == ["a1", "c1"]


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


def test_a_removed_article_stays_out_while_its_file_is_known_and_a_forgotten_folder_is_read_as_new(seeds, tmp_path):
    ix = tmp_path / "ix"
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.jsonl").write_text(record("x1", "Jalan rusak diperbaiki. " * 4))
    search.build_index([seeds, other], ix)
    search.remove_articles(["a2"], ix)
    # Moved, its files are known again: the removal holds.
    moved = seeds.rename(tmp_path / "pindah")
    report = search.build_index([moved], ix)
    assert (report.moved_files, report.added) == (2, 0)
    assert ids_in(ix) == ["a1", "c1", "x1"]
    # Forgotten, the index knows nothing of its files, the removal among it: indexed again
    # (here, moved once more), the folder is a new source, and every article it gives comes in.
    assert search.forget_source(moved, ix).removed == 2
    assert ids_in(ix) == ["x1"]
    again = moved.rename(tmp_path / "lagi")
    report = search.build_index([again], ix)
    assert (report.moved_files, report.new_files, report.added) == (0, 2, 3)
    assert ids_in(ix) == ["a1", "a2", "c1", "x1"]


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


# The archive's promise as a property: whatever a user does to the folders and
# whichever commands follow, the index holds exactly what was added and not
# explicitly removed; an explicit removal takes only what it may.

FOLDERS = ("satu", "dua", "tiga")
STEPS = st.one_of(
    st.tuples(st.just("write"), st.sampled_from(FOLDERS), st.integers(0, 2), st.integers(0, 3)),
    st.tuples(st.just("delete"), st.sampled_from(FOLDERS), st.integers(0, 2)),
    st.tuples(st.just("move"), st.sampled_from(FOLDERS)),
    st.tuples(st.just("index"), st.sampled_from((None, *FOLDERS))),
    st.tuples(st.just("add"), st.sampled_from(FOLDERS), st.integers(0, 2)),
    st.tuples(st.just("remove"), st.integers(0, 30)),
    st.tuples(st.just("prune")),
    st.tuples(st.just("forget"), st.sampled_from(FOLDERS)),
    st.tuples(st.just("forget old place"), st.sampled_from(FOLDERS)),
    st.tuples(st.just("rebuild")),
)


class _Archive:
    """Small folders of JSONL files that a test changes as a user would, and what an index of them must hold.

    The model of an update: a file is read when it is new or changed since it
    was last read (``dirty``); an id removed explicitly stays out until its
    file is read again. Forgetting a source forgets its files too: they are
    new again (``dirty``) to the next update that finds them.
    """

    def __init__(self, root):
        self.root, self.ix, self.next_id = root, root / "ix", 0
        self.places = {name: root / name for name in FOLDERS}
        self.dirty: set[tuple[str, int]] = set()
        self.removed: set[str] = set()

    def file(self, folder, number):
        return self.places[folder] / f"berita-{number}.jsonl"

    def ids_in(self, folder, number):
        path = self.file(folder, number)
        return [json.loads(line)["id"] for line in path.read_text().splitlines()] if path.exists() else []

    def write(self, folder, number, keep):
        ids = self.ids_in(folder, number)[:keep] + [f"r{self.next_id + n}" for n in range(2)]
        self.next_id += 2
        path = self.file(folder, number)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps({"id": i, "title": f"Arsip {i}", "date": "2021-03-17",
                                            "body": f"Arsip berita {i} dari {folder} nomor {self.next_id} kota."})
                                + "\n" for i in ids))
        self.dirty.add((folder, number))

    def given(self):
        """Every id the files on disk give."""
        return {i for folder in FOLDERS for number in range(3) for i in self.ids_in(folder, number)}

    def plan(self, paths, reread=False):
        """(the ids an update of ``paths`` brings, the files it reads): what the model commits once it ran."""
        roots = [str(p) for p in paths]
        ids, read = set(), []
        for folder in FOLDERS:
            for number in range(3):
                path = str(self.file(folder, number))
                if not any(path == r or path.startswith(r + "/") for r in roots) or not os.path.exists(path):
                    continue
                if reread or (folder, number) in self.dirty:
                    read.append((folder, number))
                    ids |= set(self.ids_in(folder, number))
                else:
                    ids |= set(self.ids_in(folder, number)) - self.removed
        return ids, read

    def synced(self, plan):
        ids, read = plan
        for folder, number in read:
            self.dirty.discard((folder, number))
            self.removed -= set(self.ids_in(folder, number))
        return ids

    def sources(self):
        with search.open_index(self.ix) as index:
            return [s.path for s in index.stats().sources if s.exists]

    def indexed(self):
        if not (self.ix / "CURRENT").exists():
            return set()
        with search.open_index(self.ix) as index:
            return {hit.id for hit in index.search("arsip", limit=100).hits}


# Each step is a real build (about 0.3 s): a few examples, not shrunk, keep the run short.
@settings(max_examples=30, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEPS, min_size=3, max_size=12))
# A removed article comes back when its source, forgotten, is indexed again at a new place: read as new.
@example(steps=[("remove", 2), ("forget", "satu"), ("move", "satu")])
def test_the_index_holds_what_was_added_and_not_explicitly_removed(tmp_path_factory, steps):
    archive = _Archive(tmp_path_factory.mktemp("archive"))
    expected: set[str] = set()
    # Every run starts from an archive of two sources, then does what it was given.
    start = [("write", "satu", 0, 0), ("write", "satu", 1, 0), ("write", "dua", 0, 0), ("index", "satu"),
             ("index", "dua"), ("write", "tiga", 0, 0)]
    for step in start + steps:
        kind, before = step[0], archive.indexed()
        if kind in ("prune", "rebuild", "index") and step[1:] in ((), (None,)) and not before:
            continue  # with no index these build one from seeds/ (the default), not from the archive
        try:
            if kind == "write":
                archive.write(*step[1:])
            elif kind == "delete":
                archive.file(*step[1:]).unlink(missing_ok=True)
            elif kind == "move":
                place = archive.places[step[1]]
                if place.exists():
                    moved = place.with_name(place.name + "-pindah")
                    place.rename(moved)
                    archive.places[step[1]] = moved
                    plan = archive.plan([moved])
                    search.build_index([moved], archive.ix)
                    expected |= archive.synced(plan)
            elif kind == "index":
                paths = [archive.places[step[1]]] if step[1] else None
                plan = archive.plan(paths or archive.sources())
                search.build_index(paths, archive.ix)
                expected |= archive.synced(plan)
            elif kind == "add":
                plan = archive.plan([archive.file(*step[1:])], reread=True)
                search.add_articles([archive.file(*step[1:])], archive.ix)
                expected |= archive.synced(plan)
            elif kind == "remove":
                report = search.remove_articles([f"r{step[1]}"], archive.ix)
                assert report.removed == len(before & {f"r{step[1]}"})
                expected -= {f"r{step[1]}"}
                archive.removed |= before & {f"r{step[1]}"}
            elif kind == "prune":
                plan = archive.plan(archive.sources())
                search.build_index(None, archive.ix, prune=True)
                expected |= archive.synced(plan)
                gone = expected - archive.indexed()
                assert not gone & archive.given(), "prune removed an article a file still gives"
                expected -= gone
            elif kind == "forget":
                report = search.forget_source(archive.places[step[1]], archive.ix)
                others = {i for name in FOLDERS if name != step[1] for n in range(3) for i in archive.ids_in(name, n)}
                gone = before - archive.indexed()
                assert not gone & others, "forget removed an article another source holds"
                assert report.removed == len(gone)
                expected -= gone
                # The index no longer knows the source's files: indexing the folder again, here or
                # moved, reads them all as new ones, an explicitly removed id among them.
                archive.dirty |= {(step[1], n) for n in range(3)}
            elif kind == "forget old place" and archive.places[step[1]] != archive.root / step[1]:
                # Where a folder was before it moved (what the old tool's hint said to do).
                report = search.forget_source(archive.root / step[1], archive.ix)
                gone = before - archive.indexed()
                assert not gone & archive.given(), "forgetting a moved folder's old place lost its articles"
                expected -= gone
            elif kind == "rebuild":
                search.build_index(None, archive.ix, rebuild=True)
        except (search.NothingToIndexError, search.SourceMissingError, search.IndexNotFoundError):
            pass  # nothing to read yet, a path that is not a source, no index yet: nothing changed
        assert archive.indexed() == expected, (step, sorted(before))
