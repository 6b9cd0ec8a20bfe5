"""Each segment's stored articles compressed with a dictionary made from its first articles.

Why it exists: Whoosh's codec pickles each article's stored fields and
compresses them one article at a time with zlib, so every article pays again
for the words and markup all news articles share ("Jakarta", "pemerintah",
the field names of the pickle). Compressing blocks of articles together would
share them, but showing one hit would then mean decompressing its neighbours
too. A preset dictionary gives most of the block's gain at one article's
cost: each segment's dictionary is trained by zstd on its first
:data:`TRAINING` articles and written at the head of the column, and a hit
still decompresses only itself.

zstd, not zlib: zlib takes its dictionary as a preset window that every
compressor and decompressor loads again, which cost a build about a seventh
of its workers' time; zstd digests a dictionary once per segment, compresses
about ten times faster and decompresses five times faster, to the same size
(benchmarks/HISTORY.md).

The column's layout::

    b"ZST1"  dictionary length:u32  dictionary
    each article's compressed bytes, one after another (nothing for an article without any)
    offsets      (count + 1) x u32 (u64 past 4 GB), where each article's bytes start in the column
    count:u64  offsets position:u64  offset width:u8

A segment of fewer than TRAINING articles (an update's) has no dictionary
(its length is 0): there, one would take more room than it saves.

Segments written before still read: :class:`StoredColumn` looks at the
column's first bytes, ``ZST1``, ``ZDC1`` (the same layout with zlib and the
last 32 KB of the first articles as its dictionary) or neither (Whoosh's
``_stored`` column of separately compressed values, each opening with zlib's
header byte, 0x78).
"""

from __future__ import annotations

import struct
import threading
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import zstandard
from whoosh.codec.whoosh3 import STORED_COLUMN
from whoosh.columns import Column, ColumnReader, ColumnWriter, PickleColumn
from whoosh.system import emptybytes

_MAGIC_SIZE = 4
_HEAD = struct.Struct("<4sI")
_TAIL = struct.Struct("<QQB")
TRAINING = 64  # articles whose bytes make a segment's dictionary
_DICTIONARY_SIZE = 32 * 1024  # zlib's window, the most of a dictionary it can use; zstd's trained size
_ZSTD_LEVEL = 3
_ZLIB_LEVEL = 6


class Zstd:
    """zstd with a dictionary trained on the segment's first articles."""

    magic = b"ZST1"

    @staticmethod
    def dictionary(values: list[bytes]) -> bytes:
        try:
            return zstandard.train_dictionary(_DICTIONARY_SIZE, [value for value in values if value]).as_bytes()
        except zstandard.ZstdError:  # too few or too small articles to train on: none
            return emptybytes

    @staticmethod
    def compressor(dictionary: bytes) -> Callable[[bytes], bytes]:
        data = zstandard.ZstdCompressionDict(dictionary) if dictionary else None
        return zstandard.ZstdCompressor(level=_ZSTD_LEVEL, dict_data=data, write_dict_id=False).compress

    @staticmethod
    def decompressor(dictionary: bytes) -> Callable[[bytes], bytes]:
        data = zstandard.ZstdCompressionDict(dictionary) if dictionary else None
        local = threading.local()  # a decompression context is not to be shared between threads

        def decompress(packed: bytes) -> bytes:
            context = getattr(local, "context", None)
            if context is None:
                context = local.context = zstandard.ZstdDecompressor(dict_data=data)
            return context.decompress(packed)
        return decompress


class Zlib:
    """zlib with the last 32 KB of the segment's first articles as its preset window (the layout before zstd)."""

    magic = b"ZDC1"

    @staticmethod
    def dictionary(values: list[bytes]) -> bytes:
        return emptybytes.join(values)[-_DICTIONARY_SIZE:]

    @staticmethod
    def compressor(dictionary: bytes) -> Callable[[bytes], bytes]:
        def compress(value: bytes) -> bytes:
            packer = zlib.compressobj(_ZLIB_LEVEL, zdict=dictionary) if dictionary else zlib.compressobj(_ZLIB_LEVEL)
            return packer.compress(value) + packer.flush()
        return compress

    @staticmethod
    def decompressor(dictionary: bytes) -> Callable[[bytes], bytes]:
        def decompress(packed: bytes) -> bytes:
            opener = zlib.decompressobj(zdict=dictionary) if dictionary else zlib.decompressobj()
            return opener.decompress(packed) + opener.flush()
        return decompress


Compression = type[Zstd] | type[Zlib]
COMPRESSIONS: dict[bytes, Compression] = {Zstd.magic: Zstd, Zlib.magic: Zlib}
"""The layouts read, by magic; new segments are written with :class:`Zstd`."""
ERRORS = (zlib.error, zstandard.ZstdError)
"""What reading a damaged column raises."""


class DictionaryColumn(Column):
    """A column of byte strings, each compressed with the column's own dictionary (zstd; zlib as written before)."""

    _default = emptybytes

    def __init__(self, compression: Compression = Zstd) -> None:
        self._compression = compression

    def writer(self, dbfile) -> ColumnWriter:
        return _DictionaryWriter(dbfile, self._compression)

    def reader(self, dbfile, basepos: int, length: int, doccount: int) -> ColumnReader:
        return _DictionaryReader(dbfile, basepos, length, doccount)


class _DictionaryWriter(ColumnWriter):
    def __init__(self, dbfile, compression: Compression) -> None:
        super().__init__(dbfile)
        self._compression = compression
        self._compress: Callable[[bytes], bytes] | None = None
        self._waiting: list[bytes] = []  # the first values, held until the dictionary is made
        self._offsets: list[int] = []
        self._at = 0

    def add(self, docnum: int, value: bytes) -> None:
        while self._count < docnum:  # articles with no value in between
            self._add(emptybytes)
        self._add(value)

    def _add(self, value: bytes) -> None:
        self._count += 1
        if self._compress is None:
            self._waiting.append(value)
            if len(self._waiting) >= TRAINING:
                self._start()
        else:
            self._write(value)

    def _start(self, dictionary: bool = True) -> None:
        """Make the dictionary from the values held (or none), write it, then the values."""
        made = self._compression.dictionary(self._waiting) if dictionary else emptybytes
        self._compress = self._compression.compressor(made)
        head = _HEAD.pack(self._compression.magic, len(made)) + made
        self._dbfile.write(head)
        self._at = len(head)
        waiting, self._waiting = self._waiting, []
        for value in waiting:
            self._write(value)

    def _write(self, value: bytes) -> None:
        self._offsets.append(self._at)
        if value:
            assert self._compress is not None
            packed = self._compress(value)
            self._dbfile.write(packed)
            self._at += len(packed)

    def finish(self, doccount: int) -> None:
        while self._count < doccount:
            self._add(emptybytes)
        if self._compress is None:  # fewer than TRAINING articles: a dictionary would outweigh them
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
        magic, size = _HEAD.unpack(bytes(dbfile.get(basepos, _HEAD.size)))
        dictionary = bytes(dbfile.get(basepos + _HEAD.size, size)) if size else emptybytes
        self._decompress = COMPRESSIONS[magic].decompressor(dictionary)
        self._stored = count

    def __getitem__(self, docnum: int) -> bytes:
        if not 0 <= docnum < self._stored:
            return emptybytes
        start, end = int(self._offsets[docnum]), int(self._offsets[docnum + 1])
        if start == end:
            return emptybytes
        return self._decompress(self._dbfile.get(self._basepos + start, end - start))


DICTIONARY_STORED = PickleColumn(DictionaryColumn())


class StoredColumn(Column):
    """Reads a segment's stored fields in either layout: this module's, or Whoosh's ``_stored`` column."""

    def reader(self, dbfile, basepos: int, length: int, doccount: int) -> Any:
        head = bytes(dbfile.get(basepos, _MAGIC_SIZE)) if length >= _HEAD.size + _TAIL.size else b""
        column = DICTIONARY_STORED if head in COMPRESSIONS else STORED_COLUMN
        return column.reader(dbfile, basepos, length, doccount)
