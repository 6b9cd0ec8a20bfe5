"""The fuzz targets: the query parser and each reader, fed arbitrary bytes.

A target raises only on a bug. The parser must accept any text; a reader
must turn any file into articles or into a one-line reason for skipping it.
``fuzz/run.py`` drives these with atheris; ``tests/test_fuzz_regressions.py``
replays every input that ever broke one.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from search.articles import Article, Skipped
from search.ingest import read_file
from search.query.parser import parse_query
from search.store.schema import build_schema

SCHEMA = build_schema()
_FOLDER = Path(tempfile.mkdtemp(prefix="search-fuzz-"))


def query(data: bytes) -> None:
    parse_query(data.decode("utf-8", errors="replace"), SCHEMA)


def _reader(suffix: str):
    path = _FOLDER / f"input{suffix}"

    def target(data: bytes) -> None:
        path.write_bytes(data)
        for item in read_file(path, path.name):
            assert isinstance(item, (Article, Skipped)), item
            if isinstance(item, Skipped):
                assert item.reason and "\n" not in item.reason, item.reason
            else:
                assert item.body.strip(), "an article with an empty body"

    return target


TARGETS = {
    "query": query,
    "text": _reader(".txt"),
    "jsonl": _reader(".jsonl"),
    "html": _reader(".html"),
}
