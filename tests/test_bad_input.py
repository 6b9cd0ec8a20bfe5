"""Whatever the seeds hold, every good article is indexed and every bad file gets one line.

The folder below holds the kinds of bad input an archive produces, around
good articles; each bad file must be skipped with its reason, the good ones
indexed, and the command's exit status must say that something was skipped.
"""

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, SAMPLE_JSONL, SEED_ARTICLE

import search
import search.indexing.indexer
import search.indexing.session
from search.articles import MAX_ARTICLE_BYTES
from search.cli import main


def bad_seeds(folder: Path) -> dict[str, str]:
    """Write good and bad seeds into ``folder``; return each bad file's expected reason."""
    folder.mkdir()
    shutil.copy(SEED_ARTICLE, folder / "good.txt")
    shutil.copy(FIXTURES / "okezone-1.html", folder / "good.html")
    good = SAMPLE_JSONL.read_text(encoding="utf-8").splitlines()
    (folder / "records.jsonl").write_text("\n".join([
        good[0],
        '{"id": "cut", "body": "Isi yang terpo',          # truncated
        json.dumps({"id": "n", "body": 12}),               # wrong type
        json.dumps({"id": {"a": 1}, "body": "Isi."}),      # wrong id type
        json.dumps({"title": "Tanpa isi"}),                # no body
        "[" * 100_000 + "]" * 100_000,                     # nested too deeply
        '{"id": ' + "7" * 5000 + ', "body": "Isi."}',      # a number Python will not read
        good[1],
    ]) + "\n", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (folder / "binary.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + os.urandom(3000))
    (folder / "latin1.txt").write_bytes(
        b"Kafe Baru Dibuka\n\nRabu, 17 Maret 2021, 17:36 WIB | Gaya | Kota Bandung\n"
        + ("BANDUNG, contoh.id - Kafe bernama Été dibuka di pusat kota. " * 5).encode("latin-1") + b"\xff\n")
    with open(folder / "huge.txt", "wb") as huge:
        huge.write(b"Judul\n\n" + ("Hujan deras membuat sungai meluap. " * 20 + "\n\n").encode())
        huge.truncate(MAX_ARTICLE_BYTES + 1)  # one byte over the limit, without writing it (a sparse file)
    (folder / "nested.html").write_text("<html><body>" + "<div>" * 50_000 + "<p>isi</p>" + "</div>" * 50_000)
    (folder / "unclosed.html").write_text(
        "<html><body><p>" + "Berita dengan tag yang tidak pernah ditutup <b><i><span>" * 3000)
    os.symlink("loop-b.txt", folder / "loop-a.txt")
    os.symlink("loop-a.txt", folder / "loop-b.txt")
    os.symlink("..", folder / "parent-link")        # a folder loop: not followed
    os.mkfifo(folder / "pipe.txt")                   # reading it would block forever
    return {
        "records.jsonl:2": "bad record",
        "records.jsonl:3": "no text body",
        "records.jsonl:4": "id is not text",
        "records.jsonl:5": "no text body",
        "records.jsonl:6": "nested too deeply",
        "records.jsonl:7": "a number of more than 4,300 digits",
        "empty.txt": "empty page",
        "binary.txt": "binary file",
        "binary.html": "binary file",
        "huge.txt": "too large for one article page (5.0 MB",
        "nested.html": "not an article",
        "loop-a.txt": "Too many levels of symbolic links",
        "loop-b.txt": "Too many levels of symbolic links",
        "pipe.txt": "not a regular file",
    }


def test_bad_seeds_are_reported_and_good_ones_indexed(tmp_path):
    expected = bad_seeds(tmp_path / "seeds")
    result = CliRunner().invoke(main, ["index", str(tmp_path / "seeds"), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    skipped = [line for line in result.output.splitlines() if line.startswith("skipped ")]
    assert len(skipped) == len(expected)
    for label, reason in expected.items():
        assert any(line.startswith(f"skipped {label}: ") and reason in line for line in skipped), label
    with search.open_index(tmp_path / "ix") as index:
        # good.txt, good.html, two good records, latin1.txt and unclosed.html (read as plain text)
        assert index.stats().articles == 6
        assert "Été" in index.get("latin1.txt").body
        assert index.search("kominfo sawahlunto").hits[0].id == "good.txt"


def test_a_file_that_vanishes_while_indexing_is_skipped(tmp_path, monkeypatch):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(SEED_ARTICLE, seeds)
    shutil.copy(SAMPLE_JSONL, seeds)
    real = search.indexing.session.find_files

    def vanishing(paths, report):
        for path, label in real(paths, report):
            if path.suffix == ".jsonl":
                path.unlink()  # gone between the folder listing and the read
            yield path, label

    monkeypatch.setattr(search.indexing.session, "find_files", vanishing)
    report = search.build_index([seeds], tmp_path / "ix")
    assert report.added == 1
    assert [(s.path, s.reason) for s in report.skipped] == [
        ("indosum-sample.jsonl", "cannot read: No such file or directory")]


@pytest.mark.parametrize("query", [
    '"unbalanced', "(((", ")))", "AND", "OR OR", "NOT", "-", "+", "judul:", "nope:banjir",
    "tanggal:kemarin", "tanggal:2021-13-45", "\x00\x01\x1b[31m", "x" * 10_000,
    " ".join(["banjir"] * 2_000), "🙂 ∑ ٣ 中文 ﷽", "\u202e\u200b", "*", "?", "~2", "^3", "[a TO b]",
])
def test_any_query_gets_an_answer_or_one_line(small_index, query):
    result = CliRunner().invoke(main, ["query", query, "--index", str(small_index)])
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        assert result.output.count("\n") == 1
