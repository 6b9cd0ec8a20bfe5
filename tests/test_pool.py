"""A build over many saved pages parses them in worker processes and indexes what reading them one by one would."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES

import search
from search.articles import ReadReport
from search.ingest import pool, read_articles

PAGES = sorted(FIXTURES.glob("*.html"))


@pytest.fixture(scope="module")
def many_pages(tmp_path_factory) -> Path:
    """More saved pages than MIN_POOL_PAGES: copies of the fixtures (merged: they share their URLs),
    a listing that is not an article, an empty page, a binary file."""
    folder = tmp_path_factory.mktemp("pages")
    count = pool.MIN_POOL_PAGES + 20
    for i in range(count):
        data = PAGES[i % len(PAGES)].read_bytes()
        if i % 3:  # reworded, and still merged by its URL
            data = data.replace(b"</p>", f" salinan nomor {i}</p>".encode(), 1)
        (folder / f"{i:03d}-{PAGES[i % len(PAGES)].name}").write_bytes(data)
    (folder / "sub").mkdir()
    (folder / "sub" / "empty.html").write_bytes(b"")
    (folder / "sub" / "binary.html").write_bytes(b"\x00\x01" * 100)
    shutil.copy(FIXTURES / "indosum-sample.jsonl", folder / "sub")
    return folder


def _contents(report: search.BuildReport, index_dir: Path, folder: Path) -> dict:
    merged = {m.id for m in report.merged}
    with search.open_index(index_dir) as index:
        articles = {a.id: index.get(a.id).to_dict() for a in read_articles([folder], ReadReport())
                    if a.id not in merged}
    return {
        "articles": articles,
        "skipped": [(s.path, s.reason) for s in report.skipped],
        "merged": [str(m) for m in report.merged],
        "counts": (report.files, report.added, report.articles),
    }


def test_a_folder_of_many_pages_indexes_the_same_as_reading_them_one_by_one(many_pages, tmp_path, monkeypatch):
    started = []
    real_pool = pool.ProcessPoolExecutor

    def counted(*args, **kwargs):
        started.append(args)
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(pool, "ProcessPoolExecutor", counted)
    monkeypatch.setattr(pool, "_cores", lambda: 2)
    parallel = _contents(search.build_index([many_pages], tmp_path / "parallel"), tmp_path / "parallel",
                         many_pages)
    assert started, "the pages were not read in worker processes"

    monkeypatch.setattr(pool, "MIN_POOL_PAGES", 10**9)
    one_by_one = _contents(search.build_index([many_pages], tmp_path / "serial"), tmp_path / "serial",
                          many_pages)
    assert len(started) == 1

    assert parallel == one_by_one
    assert len(parallel["articles"]) > 25
    assert parallel["merged"], "copies of the same page are merged, as before"
    reasons = dict(parallel["skipped"])
    assert reasons["sub/empty.html"].startswith("not an article")
    assert reasons["sub/binary.html"] == "binary file, not text"
    assert any(reason.startswith("not an article") for path, reason in parallel["skipped"] if "mainpage" in path)


def _die(paths):
    os._exit(9)


def test_a_reader_process_that_dies_fails_the_build_and_the_index_is_left_as_it_was(many_pages, tmp_path,
                                                                                    monkeypatch):
    index_dir = tmp_path / "index"
    first = FIXTURES / "kompas-1.html"
    search.build_index([first], index_dir)
    monkeypatch.setattr(pool, "_read_chunk", _die)
    monkeypatch.setattr(pool, "_cores", lambda: 2)
    with pytest.raises(search.IngestError, match="a process reading saved pages died while reading"):
        search.build_index([many_pages], index_dir)
    with search.open_index(index_dir) as index:
        assert index.article_count == 1
        assert [s.path for s in index.stats().sources] == [str(first.resolve())]


def test_a_few_pages_are_read_in_this_process(tmp_path, monkeypatch):
    monkeypatch.setattr(pool, "ProcessPoolExecutor", None)  # would fail if used
    report = search.build_index([FIXTURES / "kompas-1.html", FIXTURES / "tempo-1.html"], tmp_path / "index")
    assert report.added == 2
