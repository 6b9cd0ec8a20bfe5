"""The index is the archive of record: damage is found, named and never spread; a kept generation restores it.

Each test goes through the command line, as an archivist would, and damages
files the way a disk or a stray write does: in place, the size kept.
"""

import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, SAMPLE_JSONL, batch

from search.cli import main
from search.store import disk


def build(runner, tmp_path, *extra):
    ix = tmp_path / "ix"
    result = runner.invoke(main, ["index", str(batch(tmp_path / "a")), "--index", str(ix), *extra])
    assert result.exit_code == 0, result.output
    return ix


def live(ix):
    return ix / (ix / "CURRENT").read_text().strip()


def damage(path, at=None, length=64):
    """Overwrite ``length`` bytes in the middle of a file (or at ``at``): same size, other bytes."""
    data = bytearray(path.read_bytes())
    start = len(data) // 2 if at is None else at
    for i in range(start, min(start + length, len(data))):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def segment_file(ix, suffix=".pst", besides=None):
    """The live generation's largest posting file (one that ``besides`` does not share, if given)."""
    shared = {f.name for f in besides.iterdir()} if besides is not None else set()
    return max((f for f in live(ix).glob(f"*{suffix}") if f.name not in shared), key=lambda f: f.stat().st_size)


def one_line_error(result, *names):
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.output
    assert "damaged" in lines[0] and "please report" not in result.output and "Traceback" not in result.output
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


def test_every_file_carries_a_checksum_and_an_index_from_before_them_still_opens(runner, tmp_path):
    ix = build(runner, tmp_path)
    meta = json.loads((live(ix) / disk.META).read_text())
    pst = segment_file(ix).name
    assert meta["files"][pst] == {"size": (live(ix) / pst).stat().st_size, "crc32": disk.crc32_of(live(ix) / pst)}
    assert disk.META_CHECKSUM in meta and meta["keep"] == 1
    # The form meta.json had before checksums: {name: size}, no checksum of its own.
    meta["files"] = {name: record["size"] for name, record in meta["files"].items()}
    del meta[disk.META_CHECKSUM]
    (live(ix) / disk.META).write_text(json.dumps(meta))
    result = runner.invoke(main, ["query", "kominfo", "--index", str(ix)])
    assert result.exit_code == 0 and "Sawahlunto" in result.output
    result = runner.invoke(main, ["check", "--index", str(ix)])
    assert result.exit_code == 0 and "by size" in result.output


@pytest.mark.parametrize("name", [disk.MANIFEST, disk.STEMS, "toc", disk.META])
def test_a_small_file_damaged_in_place_is_found_on_open(runner, tmp_path, name):
    ix = build(runner, tmp_path)
    generation = live(ix)
    if name == "toc":
        target = next(generation.glob("_MAIN_*.toc"))
    else:
        target = generation / name
    size = target.stat().st_size
    if name == disk.META:  # still valid JSON, one digit changed
        text = target.read_text()
        target.write_text(text.replace('"articles": 1', '"articles": 7', 1))
        assert text != target.read_text()
    else:
        damage(target)
    assert target.stat().st_size == size
    for command in (["query", "kominfo"], ["stats"], ["check"]):
        result = runner.invoke(main, [*command, "--index", str(ix)])
        assert result.exit_code == 1, (command, result.output)
        assert target.name in result.output and "--rebuild" in result.output, result.output
        assert "please report" not in result.output


def test_a_segment_damaged_in_place_is_one_line_at_query_time_and_named_by_check(runner, tmp_path, monkeypatch):
    ix = build(runner, tmp_path)
    pst = segment_file(ix)
    damage(pst, at=0, length=pst.stat().st_size)  # every posting list
    # Found on open when the file is small ...
    one_line_error(runner.invoke(main, ["query", "kominfo", "--index", str(ix)]), pst.name)
    # ... and by the read that fails when it is large (only its size is checked on open).
    monkeypatch.setattr(disk, "CHECKED_WHOLE_ON_OPEN", 0)
    monkeypatch.setattr(disk, "read_whole_on_open", lambda name, record: False)
    line = one_line_error(runner.invoke(main, ["query", "kominfo", "--index", str(ix)]), pst.name, str(ix))
    assert "does not match its checksum" in line and "--restore" in line and "--rebuild" in line
    result = runner.invoke(main, ["check", "--index", str(ix)])
    assert result.exit_code == 1
    assert f"damaged: {live(ix).name}/{pst.name} does not match its checksum" in result.output
    assert "no earlier generation is kept whole: rebuild it with `search index --rebuild" in result.output


def test_check_says_the_index_is_whole_and_describes_it_in_json(runner, tmp_path):
    ix = build(runner, tmp_path)
    result = runner.invoke(main, ["check", "--index", str(ix)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"The index at {ix} is whole: {live(ix).name}")
    assert result.output.count("\n") == 1 and "no earlier generation is kept" in result.output
    report = json.loads(runner.invoke(main, ["check", "--json", "--index", str(ix)]).output)
    assert report["whole"] and report["damaged"] == [] and report["checksums"]
    assert report["articles_read"] == 1 and report["postings_read"] > 100 and report["previous"] is None


def test_damage_no_checksum_shows_is_found_by_reading_the_segments(runner, tmp_path):
    """A segment written wrong before its checksum was taken: the check reads it as queries do."""
    ix = build(runner, tmp_path)
    generation = live(ix)
    pst = segment_file(ix)
    damage(pst, at=0, length=pst.stat().st_size)
    meta = json.loads((generation / disk.META).read_text())
    meta["files"][pst.name]["crc32"] = disk.crc32_of(pst)  # the checksum of the damaged bytes
    del meta[disk.META_CHECKSUM]
    (generation / disk.META).write_text(json.dumps(meta))
    result = runner.invoke(main, ["check", "--json", "--index", str(ix)])
    assert result.exit_code == 1
    report = json.loads(result.output[:result.output.rindex("}") + 1])
    assert [d["path"] for d in report["damaged"]] == [f"{generation.name}/{pst.name.replace('.pst', '.*')}"]
    assert "cannot be read" in report["damaged"][0]["problem"]


def test_a_damaged_generation_is_never_linked_into_a_new_one(runner, tmp_path, monkeypatch):
    ix = build(runner, tmp_path)
    monkeypatch.setattr(disk, "read_whole_on_open", lambda name, record: False)  # a large segment
    pst = segment_file(ix)
    damage(pst)
    serving, folders = live(ix), sorted(p.name for p in ix.iterdir())
    batch(tmp_path / "a", name="baru.txt", town="Padang")
    for command in (["add", str(tmp_path / "a" / "baru.txt")], ["index"], ["remove", "berita.txt"]):
        result = runner.invoke(main, [*command, "--index", str(ix)])
        one_line_error(result, pst.name)
        assert live(ix) == serving and sorted(p.name for p in ix.iterdir()) == folders


def test_the_previous_generation_is_kept_and_restored_when_the_live_one_is_damaged(runner, tmp_path):
    ix = build(runner, tmp_path)
    first = live(ix)
    result = runner.invoke(main, ["add", str(batch(tmp_path / "b", town="Solok") / "berita.txt"),
                                  "--index", str(ix)])
    assert result.exit_code == 0, result.output
    second = live(ix)
    assert second != first and first.is_dir()
    result = runner.invoke(main, ["check", "--index", str(ix)])
    assert result.exit_code == 0 and f"the previous generation {first.name} is whole" in result.output
    damage(segment_file(ix, besides=first))  # a segment the update wrote (the others are hard links)
    result = runner.invoke(main, ["check", "--index", str(ix)])
    assert result.exit_code == 1
    assert f"restore the previous generation with `search index --restore --index {ix}`" in result.output
    result = runner.invoke(main, ["index", "--restore", "--index", str(ix)])
    assert result.exit_code == 0, result.output
    assert f"Restored {first.name}" in result.output and "damaged" in result.output
    assert live(ix) == first and not second.exists()
    result = runner.invoke(main, ["query", "kominfo", "--json", "--index", str(ix)])
    assert [hit["id"] for hit in json.loads(result.output)["hits"]] == ["berita.txt"]
    # Nothing whole is kept now: a restore says so in one line.
    result = runner.invoke(main, ["index", "--restore", "--index", str(ix)])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "keeps no whole earlier generation" in result.output and "--rebuild" in result.output
    # The next update removes the damaged generation set aside.
    assert runner.invoke(main, ["add", str(tmp_path / "b" / "berita.txt"), "--index", str(ix)]).exit_code == 0
    assert not list(ix.glob(disk.DAMAGED_PREFIX + "*"))


def test_restore_of_a_whole_index_rolls_back_and_keeps_the_newer(runner, tmp_path):
    ix = build(runner, tmp_path)
    first = live(ix)
    runner.invoke(main, ["add", str(batch(tmp_path / "b", town="Solok") / "berita.txt"), "--index", str(ix)])
    second = live(ix)
    result = runner.invoke(main, ["index", "--restore", "--index", str(ix)])
    assert result.exit_code == 0 and f"{second.name} is kept" in result.output
    assert live(ix) == first and second.is_dir()


def test_keep_n_is_remembered_by_later_writes(runner, tmp_path):
    ix = build(runner, tmp_path, "--keep", "3")
    source = batch(tmp_path / "a")
    for town in ("Padang", "Solok", "Bukittinggi", "Pariaman"):
        batch(source, name=f"{town}.txt", town=town)
        assert runner.invoke(main, ["index", "--index", str(ix)]).exit_code == 0
    assert len(list(ix.glob("gen-*"))) == 4  # the live one and three kept
    assert runner.invoke(main, ["remove", "Padang.txt", "--keep", "1", "--index", str(ix)]).exit_code == 0
    assert len(list(ix.glob("gen-*"))) == 2
    batch(source, name="Sijunjung.txt", town="Sijunjung")
    assert runner.invoke(main, ["index", "--index", str(ix)]).exit_code == 0
    assert len(list(ix.glob("gen-*"))) == 2
    assert json.loads((live(ix) / disk.META).read_text())["keep"] == 1


def test_a_full_disk_at_the_last_write_is_one_line_and_publishes_nothing(runner, tmp_path, monkeypatch):
    """SQLite's own "database or disk is full" (a real SQLITE_FULL: the table may not grow past one page)."""
    ix = build(runner, tmp_path)
    serving = live(ix)
    real_connect = sqlite3.connect

    def small_disk(*args, **kwargs):
        db = real_connect(*args, **kwargs)
        db.execute("PRAGMA max_page_count = 1")
        return db

    monkeypatch.setattr(disk.sqlite3, "connect", small_disk)
    batch(tmp_path / "a", name="baru.txt", town="Padang")
    result = runner.invoke(main, ["index", "--index", str(ix)])
    assert result.exit_code == 1, result.output
    assert result.output.count("\n") == 1
    assert "could not write the index" in result.output and "database or disk is full" in result.output
    assert live(ix) == serving and not list(ix.glob("building-*"))


def _file_size_limit(limit_bytes):
    """In the child: the kernel refuses writes past ``limit_bytes`` (EFBIG), as a full disk refuses them."""
    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return apply


@pytest.mark.parametrize("command, limit", [
    (["remove", "berita.txt"], 20_000),  # only the table of contents and the roots are written: the roots fail
    (["index"], 2_000), (["index"], 8_000), (["index"], 20_000),
])
def test_a_write_that_runs_out_of_space_anywhere_is_one_line_and_publishes_nothing(tmp_path, command, limit):
    ix = tmp_path / "ix"
    source = batch(tmp_path / "a")
    (source / "more.jsonl").write_bytes(SAMPLE_JSONL.read_bytes())
    assert CliRunner().invoke(main, ["index", str(source), "--index", str(ix)]).exit_code in (0, 3)
    (source / "more.jsonl").unlink()
    batch(source, name="baru.txt", town="Padang")
    serving = live(ix)
    run = subprocess.run([sys.executable, "-m", "search", *command, "--index", str(ix)], capture_output=True,
                         text=True, preexec_fn=_file_size_limit(limit), timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.stderr.startswith("Error: could not write the index") and run.stderr.count("\n") == 1
    assert live(ix) == serving and not list(ix.glob("building-*"))
    assert CliRunner().invoke(main, ["check", "--index", str(ix)]).exit_code == 0


# --------------------------------------------------------------------------- search serve


def test_a_request_on_a_segment_damaged_under_the_server_gets_503_with_the_line(tmp_path, monkeypatch):
    from starlette.testclient import TestClient

    from search.web import create_app

    ix = build(CliRunner(), tmp_path)
    monkeypatch.setattr(disk, "read_whole_on_open", lambda name, record: False)  # a large segment
    with TestClient(create_app(ix), raise_server_exceptions=False) as client:
        assert client.get("/api/search", params={"q": "kominfo"}).status_code == 200
        pst = segment_file(ix)
        damage(pst, at=0, length=pst.stat().st_size)  # under the open, memory-mapped index
        # Another request than the first: the cache holds the first's answer of this generation.
        response = client.get("/api/search", params={"q": "kominfo", "limit": 9})
        assert response.status_code == 503, response.text
        assert pst.name in response.json()["error"] and "damaged" in response.json()["error"]
        page = client.get("/", params={"q": "kominfo"})
        assert page.status_code == 503 and pst.name in page.text


def _children(pid):
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        return [int(child) for child in handle.read().split()]


def _get(url):
    """(status, JSON body) of a GET, or (None, the error) when the connection failed."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    except OSError as error:
        return None, error


def test_serve_survives_a_segment_cut_short_under_it(tmp_path):
    """The files are memory-mapped: a cut file kills the worker with SIGBUS; it is replaced, and answers 503."""
    import time

    from benchmarks.server import free_port, stop_process

    ix = build(CliRunner(), tmp_path)
    port = free_port()
    log = open(tmp_path / "serve.log", "w+")
    server = subprocess.Popen([sys.executable, "-m", "search", "serve", "--index", str(ix), "--port", str(port)],
                              stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while _get(base + "/api/search?q=kominfo")[0] != 200:
            assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
        workers = _children(server.pid)
        pst = segment_file(ix)
        for name in (pst, pst.with_suffix(".trm")):
            os.truncate(name, 0)
        status, _ = _get(base + "/api/search?q=kominfo&limit=9")  # not the request the cache holds
        assert status is None  # the worker died answering
        deadline = time.monotonic() + 60
        while "SIGBUS" not in (tmp_path / "serve.log").read_text():
            assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
        line = next(line for line in (tmp_path / "serve.log").read_text().splitlines() if "SIGBUS" in line)
        assert str(ix) in line and f"`search check --index {ix}`" in line and "another was started" in line
        deadline = time.monotonic() + 60
        while (answer := _get(base + "/api/search?q=kominfo"))[0] is None:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        status, body = answer
        assert status == 503 and f"{pst.name} has 0 bytes instead of" in body["error"], body
        assert server.poll() is None and set(_children(server.pid)) != set(workers)
    finally:
        stop_process(server)
        log.close()


def test_damage_to_a_segment_both_generations_share_leaves_nothing_to_restore(runner, tmp_path):
    """An update hard-links the segments it keeps: damage to one of them is in both generations."""
    ix = build(runner, tmp_path)
    first = live(ix)
    runner.invoke(main, ["add", str(batch(tmp_path / "b", town="Solok") / "berita.txt"), "--index", str(ix)])
    shared = max((f for f in first.glob("*.pst") if (live(ix) / f.name).exists()), key=lambda f: f.stat().st_size)
    damage(shared)
    result = runner.invoke(main, ["check", "--index", str(ix)])
    assert result.exit_code == 1 and "no earlier generation is kept whole: rebuild it" in result.output
    report = json.loads(runner.invoke(main, ["check", "--json", "--index", str(ix)]).output.split("\nError")[0])
    assert report["previous"] == first.name and report["previous_whole"] is False


def test_restore_mends_a_garbage_pointer(runner, tmp_path):
    ix = build(runner, tmp_path)
    first = live(ix)
    (ix / "CURRENT").write_text("garbage\n")
    result = runner.invoke(main, ["check", "--index", str(ix)])
    assert result.exit_code == 1 and "--restore" in result.output
    result = runner.invoke(main, ["index", "--restore", "--index", str(ix)])
    assert result.exit_code == 0 and f"Restored {first.name}" in result.output
    assert live(ix) == first
    assert runner.invoke(main, ["check", "--index", str(ix)]).exit_code == 0


def test_check_reads_an_index_of_shards_and_articles_without_a_date(runner, tmp_path):
    ix = tmp_path / "ix"
    assert runner.invoke(main, ["index", str(FIXTURES), "--shards", "2", "--index", str(ix)]).exit_code in (0, 3)
    result = runner.invoke(main, ["check", "--index", str(ix)])
    assert result.exit_code == 0 and "whole" in result.output, result.output
    # A segment whose checksum was taken after the damage: named with its shard by the reading.
    generation = live(ix)
    pst = max(generation.glob("shard-01/*.pst"), key=lambda f: f.stat().st_size)
    damage(pst, at=0, length=pst.stat().st_size)
    meta = json.loads((generation / disk.META).read_text())
    meta["files"][f"shard-01/{pst.name}"]["crc32"] = disk.crc32_of(pst)
    del meta[disk.META_CHECKSUM]
    (generation / disk.META).write_text(json.dumps(meta))
    result = runner.invoke(main, ["check", "--index", str(ix)])
    assert result.exit_code == 1
    assert f"damaged: {generation.name}/shard-01/{pst.stem}.* cannot be read" in result.output
