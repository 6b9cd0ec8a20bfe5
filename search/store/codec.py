"""A Whoosh codec whose posting lists NumPy reads without decoding them in Python.

Whoosh's own codec (``whoosh.codec.whoosh3``) writes each term's postings in
blocks of 128, each block a zlib-compressed pickle of docnum gaps, weights and
values; reading a long posting list means a ``zlib.decompress`` and a
``pickle.loads`` per block (42% of a query's time on 26k articles). This codec
is the same codec in every other respect (terms, columns, stored fields,
vectors, segments) but writes a term's postings as one record of plain arrays::

    b"ARR1"  count:u32  weight code:u8  value size:i32
    docnums      count x u32 (little-endian, ascending)
    weights      count x u8 | u16 | f32, or nothing when every weight is 1
    values       nothing, count x value size bytes, or (count + 1) x u32 offsets + the bytes

Since 2026-12-07 the records are written more compactly (``ARR2``; an
``ARR1`` record written before still reads)::

    b"ARR2"  count:u32  weight code:u8  value kind:i32  docnum width:u8  length width:u8
    docnums      count x u32; or, for a list of DELTA_FROM postings or more whose
                 gaps fit one or two bytes, the first as u32 and each gap as u8 | u16
    weights      as in ARR1
    values       nothing (none, or every one empty), nothing (DERIVED: each value is
                 the posting's count as Whoosh's ``Frequency`` writes it, a big-endian
                 u32, so it is made from the weight), count x value size bytes, or
                 one u32 start per BLOCK postings + count x u8 | u16 | u32 lengths + the bytes
                 (COUNTED: the same, each value without the count that leads it in the
                 packed formats below, which is the weight again)

A list's gaps are decoded with one ``np.cumsum`` when it is first read; a
value is found from its block's start and the lengths before it in its
block, so reading a few candidates' values never sums a whole long list.
What it saves, on the 26,324 shared articles: benchmarks/HISTORY.md.

so :meth:`ArrayMatcher.arrays` hands the first stage NumPy arrays,
and the ``ArrayMatcher`` gives the rest of Whoosh (AND, NOT, phrases, ranges,
sorting, merging segments) the ordinary matcher interface, with ``skip_to`` a
binary search. A merge or an update rewrites postings through the same
writer, so the arrays are the segment: there is no side structure that could
disagree with it.

The word positions inside each posting value are Whoosh's ``Positions`` and
``Characters`` formats with a packed encoding (:class:`PackedPositions`,
:class:`PackedCharacters`): gaps as fixed-width integers (one, two or four
bytes, whichever holds the largest) instead of a pickled list.

Whoosh's own test suite runs against this codec (benchmarks/README.md says
how and what it found).
"""

from __future__ import annotations

import mmap
import struct
import sys
from array import array
from bisect import bisect_left
from collections.abc import Callable
from itertools import accumulate
from typing import Any

import numpy as np
from whoosh import formats
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3PerDocReader, W3PerDocWriter, W3TermInfo, W3TermsReader
from whoosh.filedb.filetables import md5_hash
from whoosh.matching import LeafMatcher, ReadTooFar
from whoosh.reading import TermNotFound
from whoosh.system import emptybytes

from .stored import DICTIONARY_STORED, StoredColumn

MAGIC, MAGIC2 = b"ARR1", b"ARR2"
_HEADER = struct.Struct("<4sIBi")
_HEADER2 = struct.Struct("<4sIBiBB")
# How weights are stored: every weight 1 (nothing stored), small whole numbers, or floats.
WEIGHTS_ONE, WEIGHTS_U8, WEIGHTS_U16, WEIGHTS_F32 = 0, 1, 2, 3
_WEIGHT_DTYPE: dict[int, np.dtype] = {
    WEIGHTS_U8: np.dtype("<u1"), WEIGHTS_U16: np.dtype("<u2"), WEIGHTS_F32: np.dtype("<f4"),
}
_U32 = np.dtype("<u4")
VARIABLE = -1  # value size of a format whose values differ in length
DERIVED = -2  # values not stored: each is the posting's weight as a big-endian u32 (Whoosh's Frequency)
COUNTED = -3  # VARIABLE, without the count that leads each value (the weight as a big-endian u32)
DELTA_FROM = 32  # posting lists at least this long keep their docnums as gaps
BLOCK = 128  # postings per recorded value start
_UINT: dict[int, np.dtype] = {1: np.dtype("u1"), 2: np.dtype("<u2"), 4: np.dtype("<u4")}
_TYPECODE = {1: "B", 2: "H", 4: "I"}
_BIG_U32 = np.dtype(">u4")
_LITTLE = sys.byteorder == "little"
# Whether array("I") and array("f") are the little-endian u32 and f32 the records hold.
_NATIVE_ARRAYS = _LITTLE and array("I").itemsize == 4 and array("f").itemsize == 4


class ArrayCodec(W3Codec):
    """Whoosh's W3 codec with each term's postings stored as contiguous arrays."""

    def field_writer(self, storage, segment):
        return ArrayFieldWriter(self, storage, segment)

    def per_document_writer(self, storage, segment):
        return ArrayPerDocWriter(self, storage, segment)

    def per_document_reader(self, storage, segment):
        return ArrayPerDocReader(storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        if byteids:  # term vectors keep Whoosh's own block format
            return super().postings_writer(dbfile, byteids=True)
        return ArrayPostingsWriter(dbfile, self._inlinelimit)

    def terms_reader(self, storage, segment):  # W3Codec's, with the reader below
        name = segment.make_filename(self.TERMS_EXT)
        return ArrayTermsReader(self, storage.open_file(name), storage.file_length(name),
                                segment.open_file(storage, self.POSTS_EXT))

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        if isinstance(length, tuple):  # W3TermInfo.from_bytes leaves the length a 1-tuple
            length = length[0]
        return ArrayMatcher(dbfile, offset, length, format_, term=term, scorer=scorer,
                            terminfo=terminfo)


# Whoosh's on-disk hash table of terms (``whoosh.filedb.filetables``): slots, key and value lengths.
_SLOT = struct.Struct("!Iq")
_LENGTHS = struct.Struct("!ii")
# A W3 term info record: its statistics, then where the postings are (offset, length) unless inlined.
_INFO_SIZE = W3TermInfo._struct.size
_EXTENT = struct.Struct("!qi")
_READ = 1 << 20  # bytes of the term table read at a time by ``field_items``


class ArrayTermsReader(W3TermsReader):
    """W3's terms reader, finding a term in its memory-mapped hash table directly.

    The same table and the same probing as Whoosh's ``HashReader``; Whoosh reads
    each slot, length and key through its file object (a seek and a read each),
    which was a third of looking up a query's terms. A file that is not memory
    mapped is read Whoosh's way.
    """

    def __init__(self, codec, dbfile, length, postfile):
        super().__init__(codec, dbfile, length, postfile)
        underlying = getattr(dbfile, "file", None)
        self._map = underlying if isinstance(underlying, mmap.mmap) and self._tindex.hashfn is md5_hash else None

    def _find(self, key: bytes) -> tuple[int, int] | None:
        """(position, length) of ``key``'s value in the table, or None."""
        table = self._map
        keyhash = md5_hash(key)
        start, slots = self._tindex.tables[keyhash & 255]
        if not slots:
            return None
        end = start + slots * _SLOT.size
        slot = start + ((keyhash >> 8) % slots) * _SLOT.size
        for _ in range(slots):
            slothash, item = _SLOT.unpack_from(table, slot)  # type: ignore[arg-type]
            if not item:
                return None
            if slothash == keyhash:
                keylength, datalength = _LENGTHS.unpack_from(table, item)  # type: ignore[arg-type]
                keystart = item + _LENGTHS.size
                if keylength == len(key) and table[keystart:keystart + keylength] == key:  # type: ignore[index]
                    return keystart + keylength, datalength
            slot += _SLOT.size
            if slot == end:
                slot = start
        return None

    def _range_for_key(self, fieldname, tbytes):
        if self._map is None:
            return super()._range_for_key(fieldname, tbytes)
        found = self._find(self._keycoder(fieldname, tbytes))
        if found is None:
            raise KeyError((fieldname, tbytes))
        return found

    def __contains__(self, term) -> bool:
        if self._map is None:
            return super().__contains__(term)
        return self._find(self._keycoder(*term)) is not None

    def postings_or_none(self, fieldname: str, tbytes: bytes, format_):
        """The matcher of a term's postings (an :class:`ArrayMatcher` unless inlined), or None if it is absent.

        What the first stage reads for each term of a query, without the term
        info object, the exception for an absent term, and the checks of
        Whoosh's reader around them.
        """
        if self._map is None:
            try:
                return self.matcher(fieldname, tbytes, format_)
            except TermNotFound:
                return None
        found = self._find(self._keycoder(fieldname, tbytes))
        if found is None:
            return None
        position, length = found
        table = self._map
        if table[position]:  # the postings are inlined in the record: Whoosh reads them
            terminfo = W3TermInfo.from_bytes(table[position:position + length])
            return self._codec.postings_reader(self._postfile, terminfo, format_, term=(fieldname, tbytes))
        offset, size = _EXTENT.unpack_from(table, position + _INFO_SIZE)
        return ArrayMatcher(self._postfile, offset, size, format_, term=(fieldname, tbytes))

    def matcher_for(self, fieldname: str, tbytes: bytes, terminfo, format_):
        """The matcher of a term's postings from its term info (as ``items_from`` gives it): no second lookup.

        What a merge reads for each term of each segment (``search.store.merge``).
        """
        return self._codec.postings_reader(self._postfile, terminfo, format_, term=(fieldname, tbytes))

    def field_items(self, fieldname: str):
        """(term bytes, term info) of each term of a field, in order: the table's records read in large reads.

        Whoosh's ``items_from`` reads each record's lengths, key and value
        apart (three reads a term); a merge walks every term of a segment.
        The records of Whoosh's ordered table lie one after another in key
        order, up to its ``endofdata``.
        """
        if fieldname not in self._fieldmap:
            return
        prefix = self._keycoder(fieldname, b"")
        table = self._tindex
        pos, end = table.closest_key_pos(prefix), table.endofdata
        if pos is None:
            return
        buffer, base = b"", pos  # buffer holds the file's bytes from base
        while pos < end:
            if pos + _LENGTHS.size > base + len(buffer):
                buffer, base = self._dbfile.get(pos, min(_READ, end - pos)), pos
            keylength, datalength = _LENGTHS.unpack_from(buffer, pos - base)
            size = _LENGTHS.size + keylength + datalength
            if pos + size > base + len(buffer):
                buffer, base = self._dbfile.get(pos, max(size, min(_READ, end - pos))), pos
            at = pos - base + _LENGTHS.size
            if buffer[at:at + len(prefix)] != prefix:
                return
            yield (buffer[at + len(prefix):at + keylength],
                   W3TermInfo.from_bytes(buffer[at + keylength:at + keylength + datalength]))
            pos += size

    def record(self, terminfo) -> bytes:
        """The bytes of a term's posting record (not inlined), for :func:`decode_record`."""
        offset, length = terminfo.extent()
        if isinstance(length, tuple):  # (as in ArrayCodec.postings_reader)
            length = length[0]
        return self._postfile.get(offset, length)

    def term_info(self, fieldname, tbytes):
        if self._map is None:
            return super().term_info(fieldname, tbytes)
        found = self._find(self._keycoder(fieldname, tbytes))
        if found is None:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        position, length = found
        return W3TermInfo.from_bytes(self._map[position:position + length])


class ArrayFieldWriter(W3FieldWriter):
    """Whoosh's field writer, asking each article's field length once per field, not once per posting."""

    def add_postings(self, schema, lengths, items):
        # (Any object with doc_field_length will do; only a segment's reader knows its size.)
        if lengths and hasattr(lengths, "doc_count_all"):
            lengths = _LengthsOnce(lengths)
        super().add_postings(schema, lengths, items)

    def add_term(self, btext: bytes, ids: array, weights: array, data: bytes, ends: array,
                 minlength: int | None, maxlength: int) -> None:
        """One term of the current field with all its postings (``ArrayPostingsWriter.add_arrays``)."""
        self.start_term(btext)
        self._postwriter.add_arrays(ids, weights, data, ends, minlength, maxlength)
        self.finish_term()

    def copy_term(self, btext: bytes, record: bytes, shift: int, terminfo) -> None:
        """One term of the current field whose postings are another segment's whole record (a merge's).

        Its document numbers are moved by ``shift``; its weights, values and
        statistics (``terminfo``, the source's) are copied as they are.
        """
        self.start_term(btext)
        self._postwriter.copy_record(record, shift, terminfo)
        self.finish_term()


class ArrayPerDocWriter(W3PerDocWriter):
    """W3's per-document writer, with the stored fields in ``search.store.stored``'s column."""

    def _create_column(self, fieldname, column):
        super()._create_column(fieldname, DICTIONARY_STORED if fieldname == "_stored" else column)


class ArrayPerDocReader(W3PerDocReader):
    """W3's per-document reader, reading the stored fields in either layout (``search.store.stored``)."""

    _STORED = StoredColumn()

    def stored_fields(self, docnum):
        reader = self._cached_reader("_stored", self._STORED)
        found = reader[docnum] if reader is not None else None
        return found if found is not None else {}


class _CopiedBlock:
    """A copied record's statistics where ``W3TermInfo.add_block`` reads a block's: the source term's, moved."""

    def __init__(self, terminfo, shift: int):
        self._info, self._shift = terminfo, shift
        self._weights = (terminfo.weight(),)  # (add_block sums a block's weights)

    def __len__(self) -> int:
        return self._info.doc_frequency()

    def min_id(self) -> int:
        return self._info.min_id() + self._shift

    def max_id(self) -> int:
        return self._info.max_id() + self._shift

    def min_length(self) -> int | None:
        return self._info.min_length() or None

    def max_length(self) -> int:
        return self._info.max_length()

    def max_weight(self) -> float:
        return self._info.max_weight()


# Records of at most this many docnums stored whole are moved without NumPy (its cost per call outweighs it).
_SHIFT_SMALL = 64


def shifted_record(record: bytes, shift: int) -> bytes:
    """A posting record with every document number moved by ``shift``; the rest of its bytes as they are.

    An ``ARR2`` record whose docnums are gaps has only its first docnum moved.
    """
    if not shift:
        return record
    if bytes(record[:4]) == MAGIC2:
        _, count, _, _, width, _ = _HEADER2.unpack_from(record)
        start = _HEADER2.size
        moved = count if width == 4 else 1  # (gaps: the first docnum alone)
    else:
        count = _HEADER.unpack_from(record)[1]
        start, moved = _HEADER.size, count
    end = start + 4 * moved
    if moved <= _SHIFT_SMALL:
        docnums = array("I", [docnum + shift for docnum in _array_of("I", record[start:end])])
        if not _LITTLE:
            docnums.byteswap()
        ids = docnums.tobytes()
    else:
        ids = (np.frombuffer(record, dtype=_U32, count=moved, offset=start).astype(np.int64)
               + shift).astype(_U32).tobytes()
    return bytes(record[:start]) + ids + bytes(record[end:])


def _array_of(typecode: str, data: bytes) -> array:
    """Little-endian numbers as an ``array`` of this machine's byte order."""
    found = array(typecode)
    found.frombytes(data)
    if not _LITTLE:
        found.byteswap()
    return found


class _RecordFile:
    """One record's bytes where a matcher reads a postings file (``get``)."""

    def __init__(self, data: bytes):
        self._data = data

    def get(self, offset: int, length: int) -> bytes:
        return self._data[offset:offset + length]


def decode_record(data: bytes) -> tuple[array, array, bytes, array]:
    """A posting record's docnums (``array("I")``), weights (``array("f")``), values joined and each one's end.

    What ``ArrayPostingsWriter.add_arrays`` takes (the values whole, as
    Whoosh's formats encode them), from a record of either layout. A short
    ``ARR2`` record (most of a merge's) is decoded with the ``array`` module
    alone: NumPy's cost per call would be most of the work.
    """
    if bytes(data[:4]) == MAGIC2 and _NATIVE_ARRAYS:
        _, count, code, kind, width, lengthwidth = _HEADER2.unpack_from(data)
        if width == 4 and 0 < count <= BLOCK:
            return _decode_short(data, count, code, kind, lengthwidth)
    return _decode_with_matcher(data)


def _decode_short(data: bytes, count: int, code: int, kind: int, lengthwidth: int) -> tuple[array, array, bytes, array]:
    """:func:`decode_record` of an ``ARR2`` record of at most BLOCK docnums stored whole (one value start)."""
    at = _HEADER2.size
    ids = _array_of("I", data[at:at + 4 * count])
    at += 4 * count
    if code == WEIGHTS_ONE:
        weights = array("f", [1.0]) * count
    elif code == WEIGHTS_U8:
        weights = array("f", list(data[at:at + count]))
    elif code == WEIGHTS_U16:
        weights = array("f", _array_of("H", data[at:at + 2 * count]))
    else:
        weights = _array_of("f", data[at:at + 4 * count])
    if code != WEIGHTS_ONE:
        at += _WEIGHT_DTYPE[code].itemsize * count
    if kind == 0:
        return ids, weights, emptybytes, array("I", bytes(4 * count))
    if kind == DERIVED:  # each value the posting's count, which is its weight
        return ids, weights, struct.pack(f"!{count}I", *map(int, weights)), array("I", range(4, 4 * count + 1, 4))
    if kind > 0:
        return ids, weights, bytes(data[at:at + kind * count]), array("I", range(kind, kind * count + 1, kind))
    at += 4  # (the one block's start: 0)
    lengths = _array_of(_TYPECODE[lengthwidth], data[at:at + lengthwidth * count])
    at += lengthwidth * count
    blob = bytes(data[at:at + sum(lengths)])
    if kind != COUNTED:
        return ids, weights, blob, array("I", accumulate(lengths))
    pieces: list[bytes] = []  # each value led by its count again
    position = 0
    for length, weight in zip(lengths, weights, strict=True):
        pieces += (_COUNT.pack(int(weight)), blob[position:position + length])
        position += length
    return ids, weights, b"".join(pieces), array("I", accumulate(length + 4 for length in lengths))


def _decode_with_matcher(data: bytes) -> tuple[array, array, bytes, array]:
    """:func:`decode_record` of any record, through :class:`ArrayMatcher`'s arrays."""
    matcher = ArrayMatcher(_RecordFile(data), 0, len(data), None)
    docnums, weights = matcher.arrays()
    laid, lengths = matcher.value_bytes(np.arange(len(docnums)))
    return (array("I", docnums.astype(np.uint32).tobytes()), array("f", weights.astype(np.float32).tobytes()),
            laid.tobytes(), array("I", np.cumsum(lengths, dtype=np.uint32).tobytes()))


class _LengthsOnce:
    """A segment's field lengths (``PerDocumentReader.doc_field_length``), read once per field."""

    def __init__(self, lengths):
        self._lengths = lengths
        self._fields: dict[str, list[int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        found = self._fields.get(fieldname)
        if found is None:
            read = self._lengths.doc_field_length
            found = self._fields[fieldname] = [read(n, fieldname) for n in range(self._lengths.doc_count_all())]
        return found[docnum] if docnum < len(found) else default


def _weight_code(weights: np.ndarray) -> int:
    if len(weights) == 0 or bool((weights == 1.0).all()):
        return WEIGHTS_ONE
    if bool((weights == np.floor(weights)).all()) and weights.min() >= 0:
        top = weights.max()
        if top < 256:
            return WEIGHTS_U8
        if top < 65536:
            return WEIGHTS_U16
    return WEIGHTS_F32


class ArrayPostingsWriter:
    """Gathers one term's postings and writes them as one record of arrays.

    It is also the "block" Whoosh's ``W3TermInfo.add_block`` reads the term's
    statistics from (count, weights, lengths, first and last docnum).
    """

    def __init__(self, postfile, inlinelimit: int = 1):
        self._postfile = postfile
        self._inlinelimit = inlinelimit
        self._terminfo: Any = None
        self._format: Any = None

    def written(self) -> bool:
        return False

    def start_postings(self, format_, terminfo) -> None:
        if self._terminfo is not None:
            raise RuntimeError("start_postings called inside a term")
        self._format = format_
        self._terminfo = terminfo
        self._ids = array("I")
        self._weights = array("f")
        self._values: list[bytes] | None = []
        self._minlength: int | None = None
        self._maxlength = 0
        self._maxweight = 0.0
        self._copied: tuple[bytes, int, Any] | None = None

    def copy_record(self, record: bytes, shift: int, terminfo) -> None:
        """A whole term's postings as another segment's record (``ArrayFieldWriter.copy_term``)."""
        if terminfo.doc_frequency() < self._inlinelimit:  # to be inlined: decoded and written as given
            ids, weights, data, ends = decode_record(record)
            self.add_arrays(array("I", [docnum + shift for docnum in ids]), weights, data, ends,
                            terminfo.min_length() or None, terminfo.max_length())
            return
        self._copied = (record, shift, terminfo)

    def add_arrays(self, ids: array, weights: array, data: bytes, ends: array,
                   minlength: int | None, maxlength: int) -> None:
        """A whole term's postings at once (``search.store.segments``), instead of :meth:`add_posting` each.

        ``ids`` ascending (``array("I")``), ``weights`` (``array("f")``), the
        values joined in ``data`` and where each one ends in ``ends``.
        """
        self._ids, self._weights = ids, weights
        self._values = None
        self._data, self._ends = data, ends
        self._minlength, self._maxlength = minlength, maxlength
        self._maxweight = max(weights) if weights else 0.0

    def add_posting(self, id_, weight, vbytes, length=None) -> None:
        ids = self._ids
        if ids and id_ < ids[-1]:  # (a field with several values may give one article twice)
            raise ValueError(f"postings out of order: {id_} after {ids[-1]}")
        ids.append(id_)
        self._weights.append(weight)
        if weight > self._maxweight:
            self._maxweight = weight
        self._values.append(vbytes or emptybytes)  # type: ignore[union-attr]  # (not after add_arrays)
        if length:
            if self._minlength is None or length < self._minlength:
                self._minlength = length
            if length > self._maxlength:
                self._maxlength = length

    def finish_postings(self):
        terminfo = self._terminfo
        if self._copied is not None:
            record, shift, source = self._copied
            self._copied = None
            terminfo.add_block(_CopiedBlock(source, shift))
            start = self._postfile.tell()
            self._postfile.write(shifted_record(record, shift))
            terminfo.set_extent(start, self._postfile.tell() - start)
        elif len(self._ids) < self._inlinelimit:
            terminfo.add_block(self)
            terminfo.set_inlined(self._ids, self._weights, self._value_list())
        else:
            terminfo.add_block(self)
            start = self._postfile.tell()
            self._write()
            terminfo.set_extent(start, self._postfile.tell() - start)
        self._terminfo = None
        return terminfo

    def _value_list(self) -> list[bytes]:
        """Each posting's value, whether they came one at a time or whole (:meth:`add_arrays`)."""
        if self._values is not None:
            return self._values
        data, ends = bytes(self._data), self._ends
        return [data[start:end] for start, end in zip((0, *ends[:-1]), ends, strict=True)]

    def _write(self) -> None:
        """Write the term's postings as one ``ARR2`` record (the module's docstring)."""
        if self._values is None:  # given whole (add_arrays)
            data, ends = self._data, self._ends
        else:
            data = emptybytes.join(self._values)
            ends = array("I", accumulate(map(len, self._values)))
        encode = _encode_small if len(self._ids) < DELTA_FROM and _NATIVE_ARRAYS else _encode
        self._postfile.write(encode(self._format, self._ids, self._weights, data, ends))

    # The block statistics ``W3TermInfo.add_block`` reads.

    def __len__(self) -> int:
        return len(self._ids)

    def min_id(self):
        return self._ids[0] if self._ids else None

    def max_id(self):
        return self._ids[-1] if self._ids else None

    def min_length(self):
        return self._minlength

    def max_length(self):
        return self._maxlength

    def max_weight(self):
        return self._maxweight


def _width(top: int) -> int:
    """Bytes per number (1, 2 or 4) to hold numbers up to ``top``."""
    return 1 if top < 256 else 2 if top < 65536 else 4


def _encode(format_, ids: array, weights: array, data: bytes, ends: array) -> bytes:
    """An ``ARR2`` record of a term's postings: ``ids`` ascending, each value ending at ``ends`` in ``data``."""
    count = len(ids)
    docnums = np.asarray(ids, dtype=_U32)
    weights_ = np.asarray(weights, dtype=np.float32)
    code = _weight_code(weights_)
    lengths = np.diff(np.asarray(ends, dtype=np.int64), prepend=0)
    kind = _value_kind(format_, data, lengths, code, lambda: weights_.astype(_BIG_U32).tobytes())
    width, docbytes = 4, docnums.tobytes()
    if count >= DELTA_FROM:
        gaps = np.diff(docnums)
        width = _width(int(gaps.max()))
        if width < 4:
            docbytes = docnums[:1].tobytes() + gaps.astype(_UINT[width]).tobytes()
    parts = [b"", docbytes]
    if code != WEIGHTS_ONE:
        parts.append(weights_.astype(_WEIGHT_DTYPE[code]).tobytes())
    lengthwidth = 0
    if kind == VARIABLE and code != WEIGHTS_F32:
        kind, data, lengths = _without_counts(data, lengths, weights_)
    if kind in (VARIABLE, COUNTED):
        lengthwidth = _width(int(lengths.max()))
        starts = np.concatenate(([0], np.cumsum(lengths)))[0:count:BLOCK]
        parts += [starts.astype(_U32).tobytes(), lengths.astype(_UINT[lengthwidth]).tobytes(), data]
    elif kind > 0:
        parts.append(data)
    parts[0] = _HEADER2.pack(MAGIC2, count, code, kind, width, lengthwidth)
    return b"".join(parts)


def _encode_small(format_, ids: array, weights: array, data: bytes, ends: array) -> bytes:
    """:func:`_encode` of fewer than DELTA_FROM postings: the same bytes, without NumPy's cost per call."""
    count = len(ids)
    low, high = (min(weights), max(weights)) if count else (1.0, 1.0)
    if low == high == 1.0:
        code = WEIGHTS_ONE
    elif low >= 0 and all(weight.is_integer() for weight in weights):
        code = WEIGHTS_U8 if high < 256 else WEIGHTS_U16 if high < 65536 else WEIGHTS_F32
    else:
        code = WEIGHTS_F32
    lengths = list(map(int.__sub__, ends, (0, *ends[:-1])))
    kind = _value_kind(format_, data, lengths, code, lambda: struct.pack(f"!{count}I", *map(int, weights)))
    parts = [b"", ids.tobytes()]
    if code == WEIGHTS_U8:
        parts.append(bytes(map(int, weights)))
    elif code == WEIGHTS_U16:
        parts.append(array("H", map(int, weights)).tobytes())
    elif code == WEIGHTS_F32:
        parts.append(weights.tobytes())
    lengthwidth = 0
    if kind == VARIABLE and code != WEIGHTS_F32:
        starts = [end - length for end, length in zip(ends, lengths, strict=True)]
        if all(data[start:start + 4] == _COUNT.pack(int(weight))
               for start, length, weight in zip(starts, lengths, weights, strict=True) if length >= 4) \
                and min(lengths) >= 4:
            kind, lengths = COUNTED, [length - 4 for length in lengths]
            data = b"".join([data[start + 4:end] for start, end in zip(starts, ends, strict=True)])
    if kind in (VARIABLE, COUNTED):
        lengthwidth = _width(max(lengths))
        parts += [b"\0\0\0\0", array(_TYPECODE[lengthwidth], lengths).tobytes(), data]
    elif kind > 0:
        parts.append(data)
    parts[0] = _HEADER2.pack(MAGIC2, count, code, kind, 4, lengthwidth)
    return b"".join(parts)


def _without_counts(data: bytes, lengths: np.ndarray, weights: np.ndarray) -> tuple[int, bytes, np.ndarray]:
    """(COUNTED, the values without their leading counts, their lengths) where every value leads
    with its weight as a big-endian u32; else (VARIABLE, as given)."""
    if int(lengths.min()) < 4:
        return VARIABLE, data, lengths
    laid = np.frombuffer(data, dtype=np.uint8)
    heads = (np.cumsum(lengths) - lengths)[:, None] + np.arange(4)
    if not np.array_equal(laid[heads], weights.astype(_BIG_U32).view(np.uint8).reshape(-1, 4)):
        return VARIABLE, data, lengths
    kept = np.ones(len(laid), dtype=bool)
    kept[heads.ravel()] = False
    return COUNTED, laid[kept].tobytes(), lengths - 4


def _value_kind(format_, data: bytes, lengths, code: int, counts: Callable[[], bytes]) -> int:
    """How a record keeps its values: 0 (none), DERIVED, a fixed size, or VARIABLE.

    ``counts()`` gives the values DERIVED would make (each weight as a big-endian u32).
    """
    if not data:
        return 0
    if code != WEIGHTS_F32 and len(data) == 4 * len(lengths) and data == counts():
        return DERIVED
    fixed = format_.fixed_value_size()
    if fixed is not None and fixed > 0:
        if bool((lengths == fixed).all()) if isinstance(lengths, np.ndarray) else all(n == fixed for n in lengths):
            return fixed
    return VARIABLE


class ArrayMatcher(LeafMatcher):
    """A term's postings as arrays, with Whoosh's matcher interface (one block: the whole list)."""

    def __init__(self, postfile, startoffset: int, length: int, format_, term=None, scorer=None,
                 terminfo=None):
        self._postfile = postfile
        self._terminfo = terminfo
        self.format = format_
        self._term = term
        self.scorer = scorer
        data = postfile.get(startoffset, length)
        magic = bytes(data[:4])
        if magic == MAGIC2:
            self._read_record(data)
        elif magic == MAGIC:
            self._read_first_record(data)
        else:
            raise ValueError(f"not an array posting list at {startoffset}: {magic!r}")
        self._data = data
        self._ids: list[int] | None = None
        self._weight_list: list[float] | None = None
        self._i = 0


    def _read_record(self, data) -> None:
        """Take the arrays of an ``ARR2`` record (the module's docstring)."""
        _, count, code, size, width, lengthwidth = _HEADER2.unpack_from(data)
        at = _HEADER2.size
        self._counted = size == COUNTED
        self._count, self._size = count, VARIABLE if self._counted else size
        self._docnums: np.ndarray | None = None
        if width == 4:
            self._docnums = np.frombuffer(data, dtype=_U32, count=count, offset=at)
            at += 4 * count
        else:
            self._first = int.from_bytes(data[at:at + 4], "little")
            self._gaps = np.frombuffer(data, dtype=_UINT[width], count=count - 1, offset=at + 4)
            at += 4 + width * (count - 1)
        at = self._read_weights(data, code, at)
        self._offsets: np.ndarray | None = None
        self._values_at = at
        if self._size == VARIABLE:
            blocks = -(-count // BLOCK)
            self._block_starts = np.frombuffer(data, dtype=_U32, count=blocks, offset=at)
            self._lengths = np.frombuffer(data, dtype=_UINT[lengthwidth], count=count, offset=at + 4 * blocks)
            self._blob_at = at + 4 * blocks + lengthwidth * count

    def _read_first_record(self, data) -> None:
        """Take the arrays of an ``ARR1`` record (indexes written before ``ARR2``)."""
        _, count, code, size = _HEADER.unpack_from(data)
        self._count, self._size, self._counted = count, size, False
        self._docnums = np.frombuffer(data, dtype=_U32, count=count, offset=_HEADER.size)
        at = self._read_weights(data, code, _HEADER.size + 4 * count)
        self._values_at = at
        self._offsets = None
        if size == VARIABLE:
            self._offsets = np.frombuffer(data, dtype=_U32, count=count + 1, offset=at)
            self._blob_at = at + 4 * (count + 1)

    def _read_weights(self, data, code: int, at: int) -> int:
        """Take the weights at ``at``; where they end."""
        if code == WEIGHTS_ONE:
            self._weights = np.ones(self._count, dtype=np.float64)
            return at
        dtype = _WEIGHT_DTYPE[code]
        self._weights = np.frombuffer(data, dtype=dtype, count=self._count, offset=at).astype(np.float64)
        return at + dtype.itemsize * self._count

    def _docnum_array(self) -> np.ndarray:
        """Every posting's docnum, the gaps summed on first use."""
        if self._docnums is None:
            docnums = np.empty(self._count, dtype=_U32)
            docnums[0] = self._first
            np.cumsum(self._gaps, dtype=_U32, out=docnums[1:])
            docnums[1:] += self._first
            self._docnums = docnums
        return self._docnums

    def _full_offsets(self) -> np.ndarray:
        """Where each variable value starts in the blob, and where the last ends (count + 1 numbers)."""
        if self._offsets is None:
            offsets = np.zeros(self._count + 1, dtype=np.int64)
            np.cumsum(self._lengths, out=offsets[1:])
            self._offsets = offsets
        return self._offsets

    def _spans(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(start in the record, length) of the values at ``indices``: a fixed size or VARIABLE."""
        if self._size != VARIABLE:
            return (self._values_at + indices.astype(np.int64) * self._size,
                    np.full(len(indices), self._size, dtype=np.int64))
        if self._offsets is None and len(indices) * BLOCK < self._count:
            # A few values of a long list: each one's block start plus the lengths before it in its block.
            rows = indices.astype(np.int64) >> 7
            span = np.arange(BLOCK)
            within = indices - (rows << 7)
            at = np.minimum((rows << 7)[:, None] + span, self._count - 1)
            before = (self._lengths[at].astype(np.int64) * (span < within[:, None])).sum(axis=1)
            starts = self._block_starts[rows].astype(np.int64) + before
            return starts + self._blob_at, self._lengths[indices].astype(np.int64)
        offsets = self._full_offsets()
        starts = offsets[indices].astype(np.int64)
        return starts + self._blob_at, offsets[indices + 1].astype(np.int64) - starts

    # --------------------------------------------------------------- bulk access (the first stage)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Every posting's docnum (ascending) and weight, as NumPy arrays."""
        return self._docnum_array(), self._weights

    def value_at(self, index: int) -> bytes:
        """The encoded value of the ``index``-th posting."""
        if self._size == DERIVED:
            return _COUNT.pack(int(self._weights[index]))
        if self._size == 0:
            return emptybytes
        if self._size == VARIABLE:
            offsets = self._full_offsets()
            value = self._data[self._blob_at + int(offsets[index]): self._blob_at + int(offsets[index + 1])]
            return _COUNT.pack(int(self._weights[index])) + value if self._counted else value
        start = self._values_at + index * self._size
        return self._data[start: start + self._size]

    def values_at(self, indices: list[int]) -> list[bytes]:
        """The encoded values of the postings at ``indices``: :meth:`value_at` of each, in one call."""
        if self._size in (DERIVED, 0):
            return [self.value_at(index) for index in indices]
        starts, lengths = self._spans(np.asarray(indices, dtype=np.int64))
        data = self._data
        values = [data[start:start + length] for start, length in zip(starts.tolist(), lengths.tolist(), strict=True)]
        if self._counted:
            weights = self._weights[indices].tolist()
            values = [_COUNT.pack(int(weight)) + value for weight, value in zip(weights, values, strict=True)]
        return values

    def value_bytes(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The values at ``indices`` laid one after another (a byte array), and each one's length."""
        if self._size == DERIVED:
            laid = self._weights[indices].astype(_BIG_U32).view(np.uint8)
            return laid, np.full(len(indices), 4, dtype=np.int64)
        if self._size == 0:
            return np.zeros(0, dtype=np.uint8), np.zeros(len(indices), dtype=np.int64)
        starts, lengths = self._spans(indices)
        total = int(lengths.sum())
        laid = np.zeros(0, dtype=np.uint8)
        if total:
            # Each byte's place: its value's start, plus how far into the value it is.
            ahead = np.cumsum(lengths) - lengths
            places = np.repeat(starts - ahead, lengths) + np.arange(total)
            laid = np.frombuffer(self._data, dtype=np.uint8)[places]
        if self._counted:
            return self._with_counts(laid, lengths, indices)
        return laid, lengths

    def _with_counts(self, laid: np.ndarray, lengths: np.ndarray, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Values of a COUNTED record laid out (``laid``, ``lengths``), each led by its count again."""
        count = len(lengths)
        whole = np.empty(len(laid) + 4 * count, dtype=np.uint8)
        # Value i's bytes move 4 * (i + 1) along; its count fills the 4 bytes before them.
        whole[np.arange(len(laid)) + np.repeat(np.arange(4, 4 * count + 1, 4), lengths)] = laid
        heads = (np.cumsum(lengths) - lengths + np.arange(0, 4 * count, 4))[:, None] + np.arange(4)
        whole[heads.ravel()] = self._weights[indices].astype(_BIG_U32).view(np.uint8)
        return whole, lengths + 4

    # --------------------------------------------------------------- the matcher interface

    def _id_list(self) -> list[int]:
        if self._ids is None:
            self._ids = self._docnum_array().tolist()
        return self._ids

    def is_active(self) -> bool:
        return self._i < self._count

    def reset(self) -> None:
        self._i = 0

    def copy(self):
        other = object.__new__(type(self))
        other.__dict__.update(self.__dict__)
        return other

    def id(self):
        return self._id_list()[self._i]

    def weight(self):
        if self._weight_list is None:
            self._weight_list = self._weights.tolist()
        return self._weight_list[self._i]

    def value(self):
        return self.value_at(self._i)

    def all_ids(self):
        yield from self._id_list()[self._i:]

    def next(self) -> bool:
        if self._i >= self._count:
            raise ReadTooFar
        self._i += 1
        return False

    def skip_to(self, targetid) -> None:
        if not self.is_active():
            raise ReadTooFar
        ids = self._id_list()
        if targetid > ids[self._i]:
            self._i = bisect_left(ids, targetid, self._i)

    def skip_to_quality(self, minquality) -> int:
        # One block: either the whole list can beat ``minquality`` or none of it can.
        if self.block_quality() > minquality:
            return 0
        self._i = self._count
        return 1

    def block_min_id(self):
        return self._id_list()[0]

    def block_max_id(self):
        return self._id_list()[-1]

    # The one block's statistics are the term's own (its term info).

    def block_min_length(self):
        return self._terminfo.min_length() if self._terminfo is not None else 1

    def block_max_length(self):
        return self._terminfo.max_length() if self._terminfo is not None else 1 << 30

    def block_max_weight(self):
        return float(self._weights.max()) if self._count else 0.0


# --------------------------------------------------------------------------- packed position formats

def _pack(numbers: list[int]) -> bytes:
    """Non-negative integers as one width byte and fixed-width little-endian integers."""
    top = max(numbers) if numbers else 0
    if top < 256:
        return b"\x01" + bytes(numbers)
    kind = "H" if top < 65536 else "I"
    packed = array(kind, numbers)
    if not _LITTLE:
        packed.byteswap()
    return (b"\x02" if kind == "H" else b"\x04") + packed.tobytes()


def _unpack(data: bytes, offset: int):
    """The integers :func:`_pack` wrote at ``offset`` (bytes or an array: both iterate as ints)."""
    width = data[offset]
    if width == 1:
        return data[offset + 1:]
    numbers = array("H" if width == 2 else "I")
    numbers.frombytes(data[offset + 1:])
    if not _LITTLE:
        numbers.byteswap()
    return numbers


def _gaps(numbers) -> list[int]:
    return [after - before for before, after in zip((0, *numbers), numbers, strict=False)]


# Posting values are encoded and decoded one posting at a time, millions of
# times in a build: plain Python on short lists, not NumPy, is the fast way here.
# The count leads, big-endian, as in all of Whoosh's formats (its vectors read it with `unpack_uint`).
_COUNT = struct.Struct("!I")
_GAPS, _WHOLE = b"\x01", b"\x00"
_ONE_HIT = _COUNT.pack(1) + _GAPS  # the head of one hit's value


def frequency_values(counts: array) -> bytes:
    """Whoosh's ``Frequency`` values (each count a big-endian u32) of many postings at once."""
    return struct.pack(f"!{len(counts)}I", *counts)


def encode_positions(hits: list[int]) -> bytes:
    """:class:`PackedPositions`' value of a word's hits given as flat (position, first, last character) triples."""
    return PackedPositions.encode_list(hits[0::3])


def encode_characters(hits: list[int]) -> bytes:
    """:class:`PackedCharacters`' value of a word's hits given as flat (position, first, last character) triples."""
    if len(hits) == 3 and _LITTLE:  # most words of an article occur once
        position, start, end = hits
        if end >= start:
            top = max(position, start, end - start)
            if top < 256:
                return _ONE_HIT + b"\x01" + bytes((position, start, end - start))
            if top < 65536:
                return _ONE_HIT + b"\x02" + array("H", (position, start, end - start)).tobytes()
    positions, starts, ends = hits[0::3], hits[1::3], hits[2::3]
    # Each word's position and start as gaps from the word before, then its length.
    flat = [0] * len(hits)
    flat[0::3] = map(int.__sub__, positions, (0, *positions[:-1]))
    flat[1::3] = map(int.__sub__, starts, (0, *ends[:-1]))
    flat[2::3] = map(int.__sub__, ends, starts)
    if flat and min(flat) < 0:  # out of order or overlapping (some analyzers do): whole numbers
        return _COUNT.pack(len(positions)) + _WHOLE + _pack(list(hits))
    return _COUNT.pack(len(positions)) + _GAPS + _pack(flat)


def positions_in(data: np.ndarray, lengths: np.ndarray, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """The word positions of packed values laid one after another in ``data`` (bytes), each ``lengths`` long.

    Each value's number of positions, and all the positions in order: what
    ``decode_positions`` gives value by value (``stride`` numbers per word: 1
    for :class:`PackedPositions`, 3 for :class:`PackedCharacters`), in a few
    NumPy calls; the re-ranking reads the positions of every candidate
    holding a query word.
    """
    if not len(lengths):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    head = data[starts[:, None] + np.arange(6)].astype(np.int64)
    counts = (head[:, 0] << 24) | (head[:, 1] << 16) | (head[:, 2] << 8) | head[:, 3]
    gaps, widths = head[:, 4] == 1, head[:, 5]
    owner = np.repeat(np.arange(len(lengths)), counts)
    firsts = np.cumsum(counts) - counts
    width = widths[owner]
    at = starts[owner] + 6 + (np.arange(len(owner)) - firsts[owner]) * stride * width
    numbers = data[at].astype(np.int64)
    for byte in (1, 2, 3):  # the little-endian bytes of two- and four-byte numbers
        wide = width > byte
        if wide.any():
            numbers[wide] |= data[at[wide] + byte].astype(np.int64) << (8 * byte)
    summed = np.where(gaps[owner], numbers, 0)
    running = np.concatenate(([0], np.cumsum(summed)))
    positions = np.where(gaps[owner], running[1:] - running[firsts][owner], numbers)
    return counts, positions


class _Packed:
    """What the packed formats share: the frequency leads each value, and many values decode at once."""

    STRIDE = 1  # numbers stored per word

    def decode_frequency(self, valuestring):
        return _COUNT.unpack_from(valuestring)[0]

    def positions_in(self, data: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:func:`positions_in` of values of this format."""
        return positions_in(data, lengths, self.STRIDE)


class PackedPositions(_Packed, formats.Positions):
    """Whoosh's ``Positions`` (frequency and word positions), with the positions packed, not pickled."""

    def encode(self, poslist):
        return self.encode_list(poslist)

    @staticmethod
    def encode_list(poslist) -> bytes:
        head = _COUNT.pack(len(poslist))
        try:  # the common case, every gap under 256, in one C call
            return head + _GAPS + b"\x01" + bytes(map(int.__sub__, poslist, (0, *poslist[:-1])))
        except (ValueError, TypeError):
            pass
        gaps = _gaps(poslist)
        if gaps and min(gaps) < 0:  # positions out of order: kept whole
            return head + _WHOLE + _pack(list(poslist))
        return head + _GAPS + _pack(gaps)

    def decode_positions(self, valuestring):
        numbers = _unpack(valuestring, 5)
        return list(accumulate(numbers)) if valuestring[4] else list(numbers)



class PackedCharacters(_Packed, formats.Characters):
    """Whoosh's ``Characters`` (positions and each word's first and last character), packed, not pickled."""

    STRIDE = 3

    def encode(self, poslist):
        return encode_characters([n for row in poslist for n in row])

    def decode_characters(self, valuestring):
        numbers = _unpack(valuestring, 5)
        if not valuestring[4]:
            return list(zip(numbers[0::3], numbers[1::3], numbers[2::3], strict=True))
        found = []
        position = end = 0
        for index in range(0, len(numbers), 3):
            position += numbers[index]
            start = end + numbers[index + 1]
            end = start + numbers[index + 2]
            found.append((position, start, end))
        return found

    def decode_positions(self, valuestring):
        numbers = _unpack(valuestring, 5)
        return list(accumulate(numbers[0::3])) if valuestring[4] else list(numbers[0::3])


def packed(format_):
    """The packed version of a ``Positions`` or ``Characters`` format; any other format unchanged."""
    if type(format_) is formats.Positions:
        return PackedPositions(field_boost=format_.field_boost)
    if type(format_) is formats.Characters:
        return PackedCharacters(field_boost=format_.field_boost)
    return format_
