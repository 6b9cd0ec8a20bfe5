"""Each segment's stored articles compressed with a dictionary made from its first articles.

Why it exists: Whoosh's codec pickles each article's stored fields and
compresses them one article at a time with zlib, so every article pays again
for the words and markup all news articles share ("Jakarta", "pemerintah",
the field names of the pickle). Compressing blocks of articles together would
share them, but showing one hit would then mean decompressing its neighbours
too. zlib's preset dictionary gives most of the block's gain at one
article's cost: each segment's dictionary is the last 32 KB (zlib's window)
of its first :data:`TRAINING` articles, written at the head of the column.
On the 26,324 shared articles the stored fields take 22 MB instead of 32 MB,
and a hit still decompresses only itself (benchmarks/HISTORY.md).

The column's layout::

    b"ZDC1"  dictionary length:u32  dictionary
    each article's compressed bytes, one after another (nothing for an article without any)
    offsets      (count + 1) x u32 (u64 past 4 GB), where each article's bytes start in the column
    count:u64  offsets position:u64  offset width:u8

A segment of fewer than TRAINING articles (an update's) has no dictionary
(its length is 0): there, one would take more room than it saves.

A segment written before this column (Whoosh's ``_stored`` column of
separately compressed values) still reads: :class:`StoredColumn` looks at
the column's first bytes (each of Whoosh's values opens with zlib's header
byte, 0x78, never the magic's "Z").
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import STORED_COLUMN
from whoosh.columns import Column, ColumnReader, ColumnWriter, PickleColumn
from whoosh.system import emptybytes

MAGIC = b"ZDC1"
_HEAD = struct.Struct("<4sI")
_TAIL = struct.Struct("<QQB")
TRAINING = 64  # articles whose bytes make a segment's dictionary
_WINDOW = 32 * 1024  # zlib's window: the most of a dictionary it can use
_LEVEL = 6


class DictionaryColumn(Column):
    """A column of byte strings, each compressed with zlib and the column's own preset dictionary."""

    _default = emptybytes

    def writer(self, dbfile) -> ColumnWriter:
        return _DictionaryWriter(dbfile)

    def reader(self, dbfile, basepos: int, length: int, doccount: int) -> ColumnReader:
        return _DictionaryReader(dbfile, basepos, length, doccount)


class _DictionaryWriter(ColumnWriter):
    def __init__(self, dbfile) -> None:
        super().__init__(dbfile)
        self._waiting: list[bytes] = []  # the first values, held until the dictionary is made
        self._dictionary: bytes | None = None
        self._offsets: list[int] = []
        self._at = 0

    def add(self, docnum: int, value: bytes) -> None:
        while self._count < docnum:  # articles with no value in between
            self._add(emptybytes)
        self._add(value)

    def _add(self, value: bytes) -> None:
        self._count += 1
        if self._dictionary is None:
            self._waiting.append(value)
            if len(self._waiting) >= TRAINING:
                self._start()
        else:
            self._write(value)

    def _start(self, dictionary: bool = True) -> None:
        """Make the dictionary from the values held (or none), write it, then the values."""
        self._dictionary = emptybytes.join(self._waiting)[-_WINDOW:] if dictionary else emptybytes
        head = _HEAD.pack(MAGIC, len(self._dictionary)) + self._dictionary
        self._dbfile.write(head)
        self._at = len(head)
        waiting, self._waiting = self._waiting, []
        for value in waiting:
            self._write(value)

    def _write(self, value: bytes) -> None:
        self._offsets.append(self._at)
        if value:
            compressor = zlib.compressobj(_LEVEL, zdict=self._dictionary) if self._dictionary else \
                zlib.compressobj(_LEVEL)
            packed = compressor.compress(value) + compressor.flush()
            self._dbfile.write(packed)
            self._at += len(packed)

    def finish(self, doccount: int) -> None:
        while self._count < doccount:
            self._add(emptybytes)
        if self._dictionary is None:  # fewer than TRAINING articles: a dictionary would outweigh them
            self._start(dictionary=False)
        self._offsets.append(self._at)
        width = 4 if self._at < 1 << 32 else 8
        self._dbfile.write(np.asarray(self._offsets, dtype=f"<u{width}").tobytes())
        self._dbfile.write(_TAIL.pack(len(self._offsets) - 1, self._at, width))


class _DictionaryReader(ColumnReader):
    def __init__(self, dbfile, basepos: int, length: int, doccount: int) -> None:
        super().__init__(dbfile, basepos, length, doccount)
        count, at, width = _TAIL.unpack(bytes(dbfile.get(basepos + length - _TAIL.size, _TAIL.size)))
        self._offsets = np.frombuffer(dbfile.get(basepos + at, width * (count + 1)), dtype=f"<u{width}")
        _, size = _HEAD.unpack(bytes(dbfile.get(basepos, _HEAD.size)))
        self._dictionary = bytes(dbfile.get(basepos + _HEAD.size, size)) if size else None
        self._stored = count

    def __getitem__(self, docnum: int) -> bytes:
        if not 0 <= docnum < self._stored:
            return emptybytes
        start, end = int(self._offsets[docnum]), int(self._offsets[docnum + 1])
        if start == end:
            return emptybytes
        packed = self._dbfile.get(self._basepos + start, end - start)
        opener = zlib.decompressobj(zdict=self._dictionary) if self._dictionary else zlib.decompressobj()
        return opener.decompress(packed) + opener.flush()


DICTIONARY_STORED = PickleColumn(DictionaryColumn())


class StoredColumn(Column):
    """Reads a segment's stored fields in either layout: this module's, or Whoosh's ``_stored`` column."""

    def reader(self, dbfile, basepos: int, length: int, doccount: int) -> Any:
        head = bytes(dbfile.get(basepos, len(MAGIC))) if length >= len(MAGIC) + _TAIL.size else b""
        column = DICTIONARY_STORED if head == MAGIC else STORED_COLUMN
        return column.reader(dbfile, basepos, length, doccount)
