"""The stored articles' column (search.store.stored): what is written reads back, in every layout."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.codec.whoosh3 import STORED_COLUMN
from whoosh.columns import PickleColumn
from whoosh.filedb.filestore import RamStorage

from search.store.stored import DICTIONARY_STORED, TRAINING, DictionaryColumn, StoredColumn, Zlib, Zstd

COMPRESSIONS = pytest.mark.parametrize("compression", [Zstd, Zlib], ids=["zstd", "zlib (written before)"])

articles = st.dictionaries(st.sampled_from(["id", "title", "body", "url"]),
                           st.text(alphabet="abcdeéJakarta ,.-", max_size=400), max_size=4)


def _written(column, rows: dict[int, object], count: int) -> RamStorage:
    """A storage holding ``rows`` (docnum -> value) written into ``column`` as the file "column"."""
    storage = RamStorage()
    with storage.create_file("column") as out:
        writer = column.writer(out)
        for docnum in sorted(rows):
            writer.add(docnum, rows[docnum])
        writer.finish(count)
    return storage


def _column(column, rows: dict[int, object], count: int, read_as=None):
    """Write ``rows`` into ``column``; read every row back through ``read_as``."""
    storage = _written(column, rows, count)
    length = storage.file_length("column")
    reader = (read_as or column).reader(storage.open_file("column"), 0, length, count)
    return [reader[docnum] for docnum in range(count)]


@COMPRESSIONS
@settings(max_examples=60, deadline=None)
@given(rows=st.dictionaries(st.integers(0, 3 * TRAINING), st.binary(max_size=300)), extra=st.integers(0, 20))
def test_every_value_reads_back_with_the_segments_dictionary(compression, rows, extra):
    count = max(rows, default=-1) + 1 + extra
    assert _column(DictionaryColumn(compression), rows, count) == [rows.get(n, b"") for n in range(count)]


@settings(max_examples=30, deadline=None)
@given(st.lists(articles, max_size=2 * TRAINING))
def test_stored_articles_read_back_in_the_new_layout_and_the_old_ones(stored):
    rows = {docnum: fields for docnum, fields in enumerate(stored) if fields}
    expected = [rows.get(n) for n in range(len(stored))]
    assert _column(DICTIONARY_STORED, rows, len(stored), StoredColumn()) == expected
    # Written before: with zlib and its window, and by Whoosh's own codec.
    assert _column(PickleColumn(DictionaryColumn(Zlib)), rows, len(stored), StoredColumn()) == expected
    assert _column(STORED_COLUMN, rows, len(stored), StoredColumn()) == expected


def test_new_segments_are_written_with_zstd():
    rows = {n: {"id": f"kompas-{n}", "body": f"Banjir di Jakarta, hari ke-{n}. " * 20} for n in range(2 * TRAINING)}
    with _written(DICTIONARY_STORED, rows, len(rows)).open_file("column") as column:
        assert bytes(column.read(4)) == Zstd.magic


@COMPRESSIONS
def test_articles_alike_take_less_room_than_compressed_one_by_one(compression):
    body = "JAKARTA, KOMPAS.com - Pemerintah Provinsi DKI Jakarta menyiapkan pompa air di {} titik rawan banjir."
    rows = {n: {"id": f"kompas-{n}", "body": body.format(n) * 3} for n in range(50 * TRAINING)}
    sizes = [_written(column, rows, len(rows)).file_length("column")
             for column in (PickleColumn(DictionaryColumn(compression)), STORED_COLUMN)]
    assert sizes[0] < 0.7 * sizes[1]


@COMPRESSIONS
def test_a_few_articles_are_stored_without_a_dictionary(compression):
    rows: dict[int, object] = {n: b"x" * 1000 for n in range(TRAINING - 1)}
    storage = _written(DictionaryColumn(compression), rows, len(rows))
    assert storage.file_length("column") < 40 * len(rows)  # (a dictionary alone would be 32 KB)
