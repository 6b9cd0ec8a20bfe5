"""A killed or concurrent rebuild never loses the index that was serving."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import PROJECT

import search
from search.store import disk as storage

SEED_ID = "000_b21858542a778c68.txt"


def index_command(index_dir, *paths, shards=None):
    return [sys.executable, "-m", "search", "index", *map(str, paths), "--index", str(index_dir), "--rebuild",
            *(["--shards", str(shards)] if shards else [])]


# Kill points spread over a long build (reading and adding articles) and over
# a short one, whose whole run including the commit and the swap takes about
# a second.
KILL_POINTS = [("seeds", t, None) for t in (0.3, 1.0, 2.5, 5.0)] + \
    [("tests/fixtures", t, None) for t in (0.4, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2)] + \
    [("seeds", t, 4) for t in (2.0, 6.0)]  # into 4 shards: reading into the spools, writing the shards


def _processes_writing(index_dir):
    """Live processes whose command line names ``index_dir`` or that hold a file inside it.

    Both, because a dying worker's command line reads empty once its memory
    is released, a moment before its files (the write lock) are closed.
    """
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            if str(index_dir).encode() in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
                continue
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd).startswith(str(index_dir)):
                    found.append(int(proc.name))
                    break
        except OSError:
            pass
    return found


@pytest.mark.slow
@pytest.mark.parametrize("corpus, kill_after, shards", KILL_POINTS)
def test_killing_a_rebuild_leaves_the_previous_index_serving(tmp_path, corpus, kill_after, shards):
    index_dir = tmp_path / "ix"
    search.build_index([PROJECT / "tests" / "fixtures"], index_dir)
    with search.open_index(index_dir) as index:
        before = [hit.id for hit in index.search("dinas kominfo").hits]
        articles = index.stats().articles
    process = subprocess.Popen(index_command(index_dir, PROJECT / corpus, shards=shards),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(kill_after)
    process.send_signal(signal.SIGKILL)
    process.wait()
    # Its worker processes (forked, so with the same command line) die with it
    # and close what they held.
    deadline = time.monotonic() + 5
    while _processes_writing(index_dir) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_writing(index_dir) == []
    with search.open_index(index_dir) as index:
        # The old index, or (if the kill came after the swap) the complete new
        # one; a rebuild of tests/fixtures holds the same articles.
        assert index.stats().articles == articles
        assert [hit.id for hit in index.search("dinas kominfo").hits] == before
    # The next build clears what the killed one left, and the lock is free.
    report = search.build_index([PROJECT / "tests" / "fixtures"], index_dir, rebuild=True)
    assert (report.rebuilt, report.articles) == (articles, articles)
    assert not list(index_dir.glob("building-*"))


@pytest.mark.slow
def test_readers_keep_answering_during_a_rebuild(tmp_path):
    index_dir = tmp_path / "ix"
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy(PROJECT / "tests" / "fixtures" / SEED_ID, first)
    search.build_index([first], index_dir)
    process = subprocess.Popen(index_command(index_dir, PROJECT / "seeds"),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    answered = 0
    try:
        while process.poll() is None:
            with search.open_index(index_dir) as index:
                assert index.search("dinas kominfo").hits[0].id == SEED_ID
                answered += 1
            time.sleep(0.05)
    finally:
        process.wait()
    assert process.returncode == 0 and answered > 10
    with search.open_index(index_dir) as index:
        assert index.stats().articles == 3464  # the new index, once complete


def test_a_second_writer_waits_or_is_told(tmp_path):
    index_dir = tmp_path / "ix"
    fixtures = PROJECT / "tests" / "fixtures"
    with storage.write_lock(index_dir):
        busy = subprocess.run(index_command(index_dir, fixtures), capture_output=True, text=True)
        assert busy.returncode == 1
        assert "being updated by another process" in busy.stderr
        assert busy.stderr.count("\n") == 1
        waiting = subprocess.Popen(index_command(index_dir, fixtures) + ["--wait", "30"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        assert waiting.poll() is None  # still waiting for the lock
    out, err = waiting.communicate(timeout=60)
    # 3: built, but the fixtures' front page and photo gallery were skipped, as they should be.
    assert waiting.returncode == 3, err
    assert "Indexed 29 articles" in out


def test_a_lock_left_by_a_killed_writer_is_not_stale(tmp_path):
    index_dir = tmp_path / "ix"
    holder = subprocess.Popen([sys.executable, "-c", (
        f"import sys, time; sys.path.insert(0, {str(PROJECT)!r})\n"
        "from pathlib import Path\nfrom search.store import disk as storage\n"
        f"with storage.write_lock(Path({str(index_dir)!r})):\n    print('locked', flush=True); time.sleep(60)\n"
    )], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    with pytest.raises(search.IndexLockedError):
        search.build_index([PROJECT / "tests" / "fixtures"], index_dir)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert search.build_index([PROJECT / "tests" / "fixtures"], index_dir).indexed == 29


# --------------------------------------------------------------------------- a full disk

def _file_size_limit(limit_bytes):
    """In the child: the kernel refuses writes past ``limit_bytes`` (EFBIG), as a full disk refuses them."""
    import resource

    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return apply


@pytest.mark.parametrize("args", [["--rebuild"], []])
def test_a_rebuild_or_update_that_runs_out_of_space_keeps_the_old_index(tmp_path, args):
    index_dir = tmp_path / "ix"
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "seed.txt").write_bytes((PROJECT / "tests" / "fixtures" / SEED_ID).read_bytes())
    search.build_index([seeds], index_dir)
    serving = (index_dir / "CURRENT").read_text()
    (seeds / "more.jsonl").write_bytes((PROJECT / "tests" / "fixtures" / "indosum-sample.jsonl").read_bytes())
    run = subprocess.run(index_command(index_dir, seeds)[:-1] + args, capture_output=True, text=True,
                         preexec_fn=_file_size_limit(100_000))
    assert run.returncode == 1
    assert run.stderr.startswith("Error: could not write the index") and run.stderr.count("\n") == 1
    assert "it was left as it was" in run.stderr
    assert (index_dir / "CURRENT").read_text() == serving
    assert not list(index_dir.glob("building-*"))
    with search.open_index(index_dir) as index:
        assert index.stats().articles == 1
        assert index.search("dinas kominfo").hits[0].id == "seed.txt"


def test_no_space_left_on_device_is_one_line_and_cleans_up(corpus_dir, tmp_path, monkeypatch):
    import errno

    from whoosh.filedb.structfile import StructFile

    index_dir = tmp_path / "ix"
    search.build_index([corpus_dir], index_dir)
    writes = {"left": 20}
    real_write = StructFile.write

    def write(self, data):
        writes["left"] -= 1
        if writes["left"] < 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(StructFile, "write", write)
    with pytest.raises(search.SearchError, match="No space left on device"):
        search.build_index([corpus_dir], index_dir, rebuild=True)
    monkeypatch.setattr(StructFile, "write", real_write)
    assert not list(index_dir.glob("building-*"))
    with search.open_index(index_dir) as index:
        assert index.stats().articles == 23


# --------------------------------------------------------------------------- load

def test_a_short_soak_one_writer_and_readers(tmp_path):
    """benchmarks.soak for a few seconds: readers never fail, the index ends exact."""
    from benchmarks import soak

    result = soak.soak(seconds=8, readers=2, corpus=PROJECT / "tests" / "fixtures" / "indosum-sample.jsonl")
    assert result["writer errors"] == [] and result["error messages"] == []
    assert result["query errors"] == 0 and result["queries"] > 50 and result["updates"] > 5
    assert result["missing"] == [] and result["articles"] == result["expected articles"]
