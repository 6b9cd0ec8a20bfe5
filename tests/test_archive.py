"""An archive is never lost by a normal command: batches add, ids stay unique, damage is reported.

Each test goes through the command line, as an archivist would.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import SEED_ARTICLE, batch

from search.cli import main


def stats(runner, ix):
    result = runner.invoke(main, ["stats", "--json", "--index", str(ix)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def ids(runner, ix, text="kominfo"):
    result = runner.invoke(main, ["query", text, "--json", "-n", "100", "--index", str(ix)])
    assert result.exit_code == 0, result.output
    return sorted(hit["id"] for hit in json.loads(result.output)["hits"])


def test_a_second_batch_adds_and_ids_of_same_named_files_do_not_collide(runner, tmp_path):
    ix = tmp_path / "ix"
    a, b = batch(tmp_path / "a"), batch(tmp_path / "b", town="Solok")
    assert runner.invoke(main, ["index", str(a), "--index", str(ix)]).exit_code == 0
    result = runner.invoke(main, ["index", str(b), "--index", str(ix)])
    assert result.exit_code == 0, result.output
    assert ids(runner, ix) == ["b/berita.txt", "berita.txt"]
    assert [s["path"] for s in stats(runner, ix)["sources"]] == [str(a), str(b)]
    # Both sources stay up to date, and ids stay what they were.
    batch(a, name="baru.txt", town="Padang")
    result = runner.invoke(main, ["index", "--index", str(ix)])
    assert result.exit_code == 0 and "1 new" in result.output
    assert ids(runner, ix) == ["b/berita.txt", "baru.txt", "berita.txt"]
    assert ids(runner, ix, "solok") == ["b/berita.txt"]


def test_rebuild_reads_every_source_and_forget_says_how_many_go(runner, tmp_path):
    ix = tmp_path / "ix"
    a, b = batch(tmp_path / "a"), batch(tmp_path / "b", town="Solok")
    runner.invoke(main, ["index", str(a), "--index", str(ix)])
    runner.invoke(main, ["index", str(b), "--index", str(ix)])
    result = runner.invoke(main, ["index", "--rebuild", "--index", str(ix)])
    assert result.exit_code == 0, result.output
    assert ids(runner, ix) == ["b/berita.txt", "berita.txt"]
    result = runner.invoke(main, ["index", "--forget", str(b), "--index", str(ix)])
    assert result.exit_code == 0 and "1 articles removed" in result.output
    assert ids(runner, ix) == ["berita.txt"]
    result = runner.invoke(main, ["index", "--forget", str(b), "--index", str(ix)])
    assert result.exit_code == 1 and "is not a source" in result.output


def test_a_missing_source_keeps_its_articles(runner, tmp_path):
    ix = tmp_path / "ix"
    a, b = batch(tmp_path / "a"), batch(tmp_path / "b", town="Solok")
    runner.invoke(main, ["index", str(a), "--index", str(ix)])
    runner.invoke(main, ["index", str(b), "--index", str(ix)])
    shutil.rmtree(b)  # an unmounted drive, say
    result = runner.invoke(main, ["index", "--index", str(ix)])
    assert result.exit_code == 0 and "no longer exists; its articles were kept" in result.output
    assert ids(runner, ix) == ["b/berita.txt", "berita.txt"]
    # A rebuild reads the stored articles, not the sources: nothing is lost.
    result = runner.invoke(main, ["index", "--rebuild", "--index", str(ix)])
    assert result.exit_code == 0 and "no source file read" in result.output, result.output
    assert ids(runner, ix) == ["b/berita.txt", "berita.txt"]


def test_records_with_the_same_id_in_two_files_are_reported(runner, tmp_path):
    ix = tmp_path / "ix"
    first, second = tmp_path / "a" / "x.jsonl", tmp_path / "b" / "y.jsonl"
    for path, body in ((first, "Harga cabai naik di pasar. "), (second, "Harga bawang turun di pasar. ")):
        path.parent.mkdir()
        path.write_text(json.dumps({"id": "r1", "title": "Harga", "body": body * 4}) + "\n")
    runner.invoke(main, ["index", str(first.parent), "--index", str(ix)])
    for command in (["index", str(second.parent)], ["add", str(second)]):
        result = runner.invoke(main, [*command, "--index", str(ix)])
        assert "duplicate id 'r1': already indexed from x.jsonl" in result.output
    result = runner.invoke(main, ["show", "r1", "--index", str(ix)])
    assert "cabai" in result.output


def test_a_garbage_pointer_is_reported_and_nothing_is_rebuilt_over_it(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    batch(tmp_path / "seeds")
    ix = tmp_path / "indexes" / "default"
    runner.invoke(main, ["index"])
    (ix / "CURRENT").write_text("garbage\n")
    before = sorted(os.listdir(ix))
    # Nothing falls back to seeds/ (a rebuild would replace the archive with it).
    for command in (["query", "kominfo"], ["stats"], ["index"], ["add", "seeds"], ["index", "--rebuild"]):
        result = runner.invoke(main, command)
        assert result.exit_code == 1, command
        assert "damaged" in result.output and "--restore" in result.output and "Traceback" not in result.output
    assert sorted(os.listdir(ix)) == before


def test_the_fix_the_error_suggests_for_a_deleted_generation_brings_the_archive_back(runner, tmp_path,
                                                                                     monkeypatch):
    monkeypatch.chdir(tmp_path)
    batch(tmp_path / "seeds")  # where a fallback to seeds/ would find something
    archive = batch(tmp_path / "archive", name="a.txt", town="Solok")
    batch(archive, name="b.txt", town="Padang")
    ix = tmp_path / "ix"
    index(runner, ix, archive)
    assert runner.invoke(main, ["add", str(batch(tmp_path / "more", name="c.txt", town="Bukittinggi")),
                                "--index", str(ix)]).exit_code == 0
    shutil.rmtree(ix / (ix / "CURRENT").read_text().strip())  # the live generation's folder, deleted
    result = runner.invoke(main, ["query", "kominfo", "--index", str(ix)])
    assert result.exit_code == 1 and "--restore" in result.output
    result = runner.invoke(main, ["index", "--rebuild", "--index", str(ix)])
    assert result.exit_code == 1 and "seeds" not in result.output  # no fallback: the generation is gone
    result = runner.invoke(main, ["index", "--restore", "--index", str(ix)])
    assert result.exit_code == 0, result.output
    assert ids(runner, ix, ARCHIVE_WORDS) == ["a.txt", "b.txt"]  # the generation before the add
    index(runner, ix, tmp_path / "more")
    assert ids(runner, ix, ARCHIVE_WORDS) == ["a.txt", "b.txt", "c.txt"]


def test_a_truncated_segment_is_reported_on_open(runner, tmp_path):
    ix = tmp_path / "ix"
    runner.invoke(main, ["index", str(batch(tmp_path / "a")), "--index", str(ix)])
    generation = next(ix.glob("gen-*"))
    segment = next(generation.glob("*.pst"))
    segment.write_bytes(segment.read_bytes()[:100])
    result = runner.invoke(main, ["query", "kominfo", "--index", str(ix)])
    assert result.exit_code == 1
    assert "damaged" in result.output and segment.name in result.output and "please report" not in result.output


def test_an_explicit_index_that_holds_none_is_an_error_and_creates_nothing(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    batch(tmp_path / "seeds")
    for env, args in (({}, ["--index", "elsewhere"]), ({"SEARCH_INDEX": "elsewhere"}, [])):
        result = runner.invoke(main, ["query", "kominfo", *args], env=env)
        assert result.exit_code == 1 and "no index at elsewhere" in result.output
    assert not (tmp_path / "elsewhere").exists() and not (tmp_path / "indexes").exists()
    # The default location is still built on first use.
    result = runner.invoke(main, ["query", "kominfo"])
    assert result.exit_code == 0 and "Sawahlunto" in result.output


def test_a_failed_command_leaves_no_empty_index_folder(runner, tmp_path):
    ix = tmp_path / "new" / "ix"
    result = runner.invoke(main, ["index", str(tmp_path / "missing"), "--index", str(ix)])
    assert result.exit_code == 1
    assert not (tmp_path / "new").exists()


def test_add_of_a_missing_file_says_nothing_to_add(runner, tmp_path):
    ix = tmp_path / "ix"
    runner.invoke(main, ["index", str(batch(tmp_path / "a")), "--index", str(ix)])
    result = runner.invoke(main, ["add", str(tmp_path / "missing.txt"), "--index", str(ix)])
    assert result.exit_code == 1 and "nothing to add" in result.output


def _read_only(ix, args):
    """The command run over a read-only index: a read-only mount as root (whom chmod does not stop), else chmod."""
    command = [sys.executable, "-m", "search", *args, "--index", str(ix)]
    if os.geteuid() == 0:
        command = ["unshare", "-m", "sh", "-c",
                   'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"', str(ix), *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_a_read_only_index_answers_queries_and_refuses_writes_with_one_line(tmp_path):
    ix = tmp_path / "ix"
    CliRunner().invoke(main, ["index", str(batch(tmp_path / "a")), "--index", str(ix)])
    batch(tmp_path / "a", name="baru.txt", town="Padang")
    for path in [ix, *ix.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        query = _read_only(ix, ["query", "kominfo"])
        assert query.returncode == 0, query.stderr
        assert "Sawahlunto" in query.stdout
        for args in (["index"], ["remove", "berita.txt"], ["add", str(tmp_path / "a")]):
            result = _read_only(ix, args)
            assert result.returncode == 1, (args, result.stderr)
            assert f"the index at {ix} is read-only" in result.stderr
            assert "please report" not in result.stderr and "Traceback" not in result.stderr
    finally:
        for path in [ix, *ix.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)


# The probe's cases (issue 29), each through the command line: no normal command loses an article.

ARCHIVE_WORDS = "harga OR jalan OR kominfo"  # a word of every article these tests index

def index(runner, ix, *args):
    result = runner.invoke(main, ["index", *map(str, args), "--index", str(ix)])
    assert result.exit_code in (0, 3), result.output  # 3: a record skipped (a duplicate id), as the test means
    return result.output


def test_an_emptied_drive_keeps_its_articles_until_pruned(runner, tmp_path):
    ix = tmp_path / "ix"
    drive, other = batch(tmp_path / "drive"), batch(tmp_path / "other", town="Solok")
    batch(drive, name="kedua.txt", town="Padang")
    index(runner, ix, drive, other)
    for name in os.listdir(drive):  # unmounted: the mount point stays, empty
        os.remove(drive / name)
    output = index(runner, ix)
    assert "2 articles whose files are gone or no longer give them are kept" in output and "--prune" in output
    assert "removed" not in output
    assert ids(runner, ix, ARCHIVE_WORDS) == ["berita.txt", "kedua.txt", "other/berita.txt"]
    assert stats(runner, ix)["kept"] == 2
    shown = runner.invoke(main, ["stats", "--index", str(ix)]).output
    assert "0 articles from 0 files, 2 kept whose files are gone" in shown and "kept:       2 articles" in shown
    index(runner, ix, "--rebuild")
    assert ids(runner, ix, ARCHIVE_WORDS) == ["berita.txt", "kedua.txt", "other/berita.txt"]
    # The drive comes back: its files are known again, nothing is doubled.
    batch(drive, town="Sawahlunto")
    index(runner, ix)
    assert ids(runner, ix, ARCHIVE_WORDS) == ["berita.txt", "kedua.txt", "other/berita.txt"]
    assert stats(runner, ix)["kept"] == 1
    output = index(runner, ix, "--prune")
    assert "1 articles whose files are gone removed" in output
    assert ids(runner, ix, ARCHIVE_WORDS) == ["berita.txt", "other/berita.txt"]


def test_a_moved_folder_keeps_its_ids_and_forgetting_the_old_place_loses_nothing(runner, tmp_path):
    ix = tmp_path / "ix"
    a, b = batch(tmp_path / "A"), batch(tmp_path / "B", town="Solok")
    batch(a, name="dua.txt", town="Padang")
    index(runner, ix, a)
    index(runner, ix, b)
    before = ids(runner, ix, ARCHIVE_WORDS)
    a.rename(tmp_path / "A_moved")
    output = index(runner, ix, tmp_path / "A_moved")
    assert "2 files found at a new place; their articles keep their ids" in output, output
    assert "\nmerged " not in output
    result = runner.invoke(main, ["index", "--forget", str(a), "--index", str(ix)])
    assert result.exit_code == 0 and "0 articles removed" in result.output, result.output
    assert "up to date" in index(runner, ix)
    assert ids(runner, ix, ARCHIVE_WORDS) == before
    sources = {s["path"]: s["articles"] for s in stats(runner, ix)["sources"]}
    assert sources == {str(b): 1, str(tmp_path / "A_moved"): 2}


def test_a_moved_and_edited_folder_is_merged_and_forgetting_the_old_place_keeps_the_articles(runner, tmp_path):
    ix = tmp_path / "ix"
    a = batch(tmp_path / "A")
    index(runner, ix, a)
    a.rename(tmp_path / "A_moved")
    (tmp_path / "A_moved" / "berita.txt").touch()  # another time: not known as the same file
    index(runner, ix, tmp_path / "A_moved")
    result = runner.invoke(main, ["index", "--forget", str(a), "--index", str(ix)])
    assert result.exit_code == 0 and "0 articles removed" in result.output, result.output
    assert ids(runner, ix, ARCHIVE_WORDS) == ["berita.txt"]


def record_line(article_id, body, url=""):
    return json.dumps({"id": article_id, "title": "Harga", "body": body * 4, "url": url}) + "\n"


@pytest.mark.parametrize("second_id, url", [("r2", "https://contoh.id/harga"), ("r1", "")])
def test_deleting_the_file_of_the_kept_copy_keeps_the_article(runner, tmp_path, second_id, url):
    ix = tmp_path / "ix"
    first, second = tmp_path / "a" / "x.jsonl", tmp_path / "b" / "y.jsonl"
    for path in (first, second):
        path.parent.mkdir()
    first.write_text(record_line("r1", "Harga cabai naik di pasar. ", url))
    second.write_text(record_line(second_id, "Harga cabai naik di pasar induk. ", url))
    index(runner, ix, first.parent, second.parent)
    assert ids(runner, ix, ARCHIVE_WORDS) == ["r1"]
    first.unlink()
    output = index(runner, ix)
    assert "kept" not in output  # the other copy's file holds it now
    assert ids(runner, ix, ARCHIVE_WORDS) == ["r1"]
    assert "up to date" in index(runner, ix, "--prune") or ids(runner, ix, ARCHIVE_WORDS) == ["r1"]
    assert ids(runner, ix, ARCHIVE_WORDS) == ["r1"]
    assert {s["path"]: s["articles"] for s in stats(runner, ix)["sources"]}[str(second.parent)] == 1


def test_a_record_no_longer_in_its_file_is_kept(runner, tmp_path):
    ix = tmp_path / "ix"
    folder = tmp_path / "dump"
    folder.mkdir()
    (folder / "x.jsonl").write_text(record_line("r1", "Harga cabai naik. ") + record_line("r2", "Jalan rusak. "))
    index(runner, ix, folder)
    (folder / "x.jsonl").write_text(record_line("r1", "Harga cabai naik lagi. "))
    output = index(runner, ix)
    assert "1 article whose files are gone or no longer give them is kept" in output
    assert ids(runner, ix, ARCHIVE_WORDS) == ["r1", "r2"]
    result = runner.invoke(main, ["show", "r1", "--index", str(ix)])
    assert "naik lagi" in result.output


def test_a_damaged_manifest_is_named_and_nothing_falls_back_to_seeds(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    batch(tmp_path / "seeds")
    archive = batch(tmp_path / "archive", name="a.txt", town="Solok")
    batch(archive, name="b.txt", town="Padang")
    ix = tmp_path / "ix"
    index(runner, ix, archive)
    manifest = next(ix.glob("gen-*")) / "files.json"
    manifest.write_bytes(b"x" * manifest.stat().st_size)  # overwritten in place, the same size
    for command in (["stats"], ["index"], ["add", "seeds"], ["index", "--prune"], ["query", "kominfo"]):
        result = runner.invoke(main, [*command, "--index", str(ix)])
        assert result.exit_code == 1, (command, result.output)
        assert "damaged" in result.output and "files.json" in result.output and "Traceback" not in result.output
    assert not list(ix.glob("building-*")) and len(list(ix.glob("gen-*"))) == 1
    # The rebuild the error suggests keeps every article; the next update finds their files again.
    result = runner.invoke(main, ["index", "--rebuild", "--index", str(ix)])
    assert result.exit_code == 3 and "files.json" in result.output and "every article is kept" in result.output
    assert stats(runner, ix)["articles"] == 2 and stats(runner, ix)["kept"] == 2
    assert "seeds" not in json.dumps(stats(runner, ix)["sources"])
    index(runner, ix)
    assert (stats(runner, ix)["articles"], stats(runner, ix)["kept"]) == (2, 0)
    assert [s["articles"] for s in stats(runner, ix)["sources"]] == [2]
    assert "up to date" in index(runner, ix, "--prune")


def test_a_rebuild_repairs_damaged_postings_from_the_stored_articles(runner, tmp_path):
    ix = tmp_path / "ix"
    folder = tmp_path / "dump"
    shutil.copytree(SEED_ARTICLE.parent, folder, ignore=shutil.ignore_patterns("*.html", "README.md"))
    index(runner, ix, folder)
    before = ids(runner, ix, "kominfo OR jakarta OR indonesia")
    generation = next(ix.glob("gen-*"))
    for suffix in ("*.pst", "*.trm"):  # every word's postings, overwritten in place
        damaged = next(generation.glob(suffix))
        damaged.write_bytes(b"\x00" * damaged.stat().st_size)
    result = runner.invoke(main, ["query", "kominfo", "--index", str(ix)])
    assert result.exit_code == 1 and "damaged" in result.output and "--rebuild" in result.output
    result = runner.invoke(main, ["index", "--rebuild", "--index", str(ix)])
    assert result.exit_code == 3, result.output  # the damaged files are named
    assert ".pst: does not match its checksum" in result.output and "lost" not in result.output
    assert ids(runner, ix, "kominfo OR jakarta OR indonesia") == before
    assert runner.invoke(main, ["check", "--index", str(ix)]).exit_code == 0


def test_a_rebuild_names_the_stored_articles_it_cannot_read_and_their_files_are_read_again(runner, tmp_path):
    ix = tmp_path / "ix"
    folder = tmp_path / "dump"
    shutil.copytree(SEED_ARTICLE.parent, folder, ignore=shutil.ignore_patterns("*.html", "README.md"))
    index(runner, ix, folder)
    stored = next(next(ix.glob("gen-*")).glob("*._stored.col"))
    data = bytearray(stored.read_bytes())
    data[100:4000] = b"\x00" * 3900  # the first articles' stored text
    stored.write_bytes(bytes(data))
    result = runner.invoke(main, ["index", "--rebuild", "--index", str(ix)])
    assert result.exit_code == 3, result.output
    lost = [line for line in result.output.splitlines() if "lost with the damaged index" in line]
    assert lost and all("read again by the next update" in line for line in lost)
    result = runner.invoke(main, ["index", "--index", str(ix)])
    assert result.exit_code == 0 and f"{len(lost)} articles added" in result.output, result.output
    assert stats(runner, ix)["articles"] == 23
