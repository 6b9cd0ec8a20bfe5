"""Shared fixtures: small real corpora, and indexes built from them once per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import search

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT = Path(__file__).parent.parent
SEED_ARTICLE = FIXTURES / "000_b21858542a778c68.txt"
SAMPLE_JSONL = FIXTURES / "indosum-sample.jsonl"

# A page in the seed's plain-text format, written for the tests.
PAGE_TEXT = """Banjir Rendam Ratusan Rumah di Bekasi

Kamis, 4 Februari 2021, 08:15 WITA | Peristiwa | Kota Bekasi
Banjir Rendam Ratusan Rumah di Bekasi
IKLAN PEMKOT
BEKASI, contoh.co.id - Hujan deras sejak Rabu malam membuat ratusan rumah terendam banjir.

Warga mengungsi ke masjid terdekat sambil menunggu air surut.

Baca Juga : Jalan Tol Ditutup Sementara

Reporter: Budi
Redaktur: Sari
"""


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    """A folder with the seed article and 22 IndoSum articles."""
    folder = tmp_path_factory.mktemp("corpus")
    shutil.copy(SEED_ARTICLE, folder)
    shutil.copy(SAMPLE_JSONL, folder)
    return folder


@pytest.fixture(scope="session")
def small_index(corpus_dir, tmp_path_factory) -> Path:
    """An index of the fixture corpus (23 articles). Treat as read-only."""
    index_dir = tmp_path_factory.mktemp("index") / "small"
    search.build_index([corpus_dir], index_dir)
    return index_dir


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory) -> Path:
    """An index of the project's own seeds/ (3,464 articles). Treat as read-only."""
    index_dir = tmp_path_factory.mktemp("index") / "seeds"
    search.build_index([PROJECT / "seeds"], index_dir)
    return index_dir


@pytest.fixture(scope="session")
def seeds_in_4_shards(tmp_path_factory) -> Path:
    """The project's seeds/ in an index of 4 shards. Treat as read-only."""
    index_dir = tmp_path_factory.mktemp("index") / "seeds-4"
    search.build_index([PROJECT / "seeds"], index_dir, shards=4)
    return index_dir


@pytest.fixture(scope="module")
def browser():
    """The system's headless Chromium (through its chromedriver), for a module's browser tests; they fail
    without it in CI and are skipped elsewhere."""
    from webserver import chromium, chromium_missing

    missing = chromium_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"the browser tests need Chromium in CI: {missing}")
        pytest.skip(missing)
    with chromium() as driver:
        yield driver


@pytest.fixture
def runner() -> CliRunner:
    """The command line, as a user types it (click's CliRunner)."""
    return CliRunner()


def batch(folder: Path, name: str = "berita.txt", town: str = "Sawahlunto") -> Path:
    """A folder holding the seed article, with its town renamed so that each batch differs."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(SEED_ARTICLE.read_text(encoding="utf-8").replace("Sawahlunto", town),
                               encoding="utf-8")
    return folder
