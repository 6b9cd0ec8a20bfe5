"""The stored articles' column (search.store.stored): what is written reads back, in either layout."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.codec.whoosh3 import STORED_COLUMN
from whoosh.filedb.filestore import RamStorage

from search.store.stored import DICTIONARY_STORED, TRAINING, DictionaryColumn, StoredColumn

articles = st.dictionaries(st.sampled_from(["id", "title", "body", "url"]),
                           st.text(alphabet="abcdeéJakarta ,.-", max_size=400), max_size=4)


def _column(column, rows: dict[int, object], count: int, read_as=None):
    """Write ``rows`` (docnum -> value) into ``column``; read every row back through ``read_as``."""
    storage = RamStorage()
    with storage.create_file("column") as out:
        writer = column.writer(out)
        for docnum in sorted(rows):
            writer.add(docnum, rows[docnum])
        writer.finish(count)
    length = storage.file_length("column")
    reader = (read_as or column).reader(storage.open_file("column"), 0, length, count)
    return [reader[docnum] for docnum in range(count)]


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.integers(0, 3 * TRAINING), st.binary(max_size=300)), st.integers(0, 20))
def test_every_value_reads_back_with_the_segments_dictionary(rows, extra):
    count = max(rows, default=-1) + 1 + extra
    assert _column(DictionaryColumn(), rows, count) == [rows.get(n, b"") for n in range(count)]


@settings(max_examples=30, deadline=None)
@given(st.lists(articles, max_size=2 * TRAINING))
def test_stored_articles_read_back_in_the_new_layout_and_the_old(stored):
    rows = {docnum: fields for docnum, fields in enumerate(stored) if fields}
    expected = [rows.get(n) for n in range(len(stored))]
    assert _column(DICTIONARY_STORED, rows, len(stored), StoredColumn()) == expected
    assert _column(STORED_COLUMN, rows, len(stored), StoredColumn()) == expected  # written before


def test_articles_alike_take_less_room_than_compressed_one_by_one():
    body = "JAKARTA, KOMPAS.com - Pemerintah Provinsi DKI Jakarta menyiapkan pompa air di {} titik rawan banjir."
    rows = {n: {"id": f"kompas-{n}", "body": body.format(n) * 3} for n in range(50 * TRAINING)}
    sizes = []
    for column in (DICTIONARY_STORED, STORED_COLUMN):
        storage = RamStorage()
        with storage.create_file("column") as out:
            writer = column.writer(out)
            for docnum, fields in rows.items():
                writer.add(docnum, fields)
            writer.finish(len(rows))
        sizes.append(storage.file_length("column"))
    assert sizes[0] < 0.7 * sizes[1]


def test_a_few_articles_are_stored_without_a_dictionary():
    rows = {n: b"x" * 1000 for n in range(TRAINING - 1)}
    storage = RamStorage()
    with storage.create_file("column") as out:
        writer = DictionaryColumn().writer(out)
        for docnum, value in rows.items():
            writer.add(docnum, value)
        writer.finish(len(rows))
    assert storage.file_length("column") < 40 * len(rows)  # (a dictionary alone would be 32 KB)
