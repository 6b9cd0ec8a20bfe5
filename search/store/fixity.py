"""A fixity check of an index, and restoring a kept generation when the live one is damaged.

Why it exists: the index is the archive of record, so damage to its files
(a bad disk, a copy cut short, a stray write) must be found and named, not
met later as a wrong answer or a crash. ``check_index`` reads every byte of
every file of the live generation against the checksum recorded when it was
published (``search.store.disk``), then reads every segment the way queries
do (every posting list and its word positions, every stored article, every
column: the idea of Lucene's CheckIndex), and says whether the generation
kept before it is whole. ``restore_index`` makes the newest whole kept
generation live again, by the same atomic pointer swap a publish uses.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import IndexCorruptError, NothingToRestoreError, SearchError
from . import arrays, disk
from .generation import Generation
from .schema import readable


@dataclass(frozen=True)
class DamagedFile:
    """A file of a generation that is not as it was published."""

    path: str
    """Its path inside the index folder (``gen-.../name``)."""
    problem: str
    """What is wrong: missing, another size, another checksum, or what reading it raised."""

    def to_dict(self) -> dict:
        return {"path": self.path, "problem": self.problem}


@dataclass(frozen=True)
class CheckReport:
    """What a fixity check of an index found."""

    index_dir: Path
    generation: str
    """The live generation checked."""
    files_checked: int
    bytes_checked: int
    damaged: tuple[DamagedFile, ...]
    checksums: bool
    """Whether the generation recorded checksums (an index from before them is checked by size only)."""
    previous: str | None
    """The newest generation kept beside the live one, if any."""
    previous_whole: bool | None
    """Whether every byte of ``previous`` is as published (None when there is none)."""
    seconds: float
    segments_read: int = 0
    postings_read: int = 0
    articles_read: int = 0

    @property
    def whole(self) -> bool:
        return not self.damaged

    def to_dict(self) -> dict:
        return {"index": str(self.index_dir), "generation": self.generation, "whole": self.whole,
                "files_checked": self.files_checked, "bytes_checked": self.bytes_checked,
                "checksums": self.checksums, "damaged": [d.to_dict() for d in self.damaged],
                "segments_read": self.segments_read, "postings_read": self.postings_read,
                "articles_read": self.articles_read, "previous": self.previous,
                "previous_whole": self.previous_whole, "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class RestoreReport:
    """A restore: the generation made live again, and the one it replaced."""

    index_dir: Path
    restored: str
    replaced: str | None
    replaced_damaged: bool
    """Whether the replaced generation was damaged (then it is set aside, and removed by the next write)."""


@dataclass
class _Reading:
    segments: int = 0
    postings: int = 0
    articles: int = 0
    damaged: list[DamagedFile] = field(default_factory=list)


def check_index(index_dir: str | Path) -> CheckReport:
    """Check every byte and every segment of the live generation of the index at ``index_dir``.

    :class:`IndexNotFoundError` when there is no index; a damaged ``CURRENT``
    pointer is :class:`IndexCorruptError` (there is no generation to check).
    """
    index_dir = Path(index_dir)
    started = time.monotonic()
    folder = disk.current_generation(index_dir)
    damaged: list[DamagedFile] = []
    records: dict[str, disk.FileRecord] = {}
    reading = _Reading()
    hold = disk.hold(folder)  # an update meanwhile keeps it on disk
    try:
        meta = disk.read_meta(folder)
    except IndexCorruptError as error:
        damaged.append(DamagedFile(f"{folder.name}/{disk.META}", _problem(error)))
    else:
        records = disk.recorded_files(meta)
        damaged += [DamagedFile(f"{folder.name}/{name}", problem)
                    for name, problem in disk.damaged_files(folder, meta)]
        if not damaged and readable(meta):
            reading = _read_segments(index_dir, folder)
            damaged += reading.damaged
    finally:
        if hold is not None:
            hold.close()
    previous = _previous(index_dir, folder)
    return CheckReport(
        index_dir, folder.name, len(records) + 1, sum(r.size for r in records.values()), tuple(damaged),
        any(r.crc32 is not None for r in records.values()), previous.name if previous else None,
        None if previous is None else _whole(previous), time.monotonic() - started,
        reading.segments, reading.postings, reading.articles)


def _problem(error: IndexCorruptError) -> str:
    return error.cause or str(error).split(": ", 1)[-1]


def _read_segments(index_dir: Path, folder: Path) -> _Reading:
    """Open the generation and read all of each segment; a segment that fails is named with its error."""
    found = _Reading()
    try:
        generation = Generation.open(index_dir, folder)
    except SearchError as error:
        found.damaged.append(DamagedFile(folder.name, str(error)))
        return found
    with generation:
        schema = generation.schema
        for sub, _ in generation.searcher.leaf_searchers():
            name = _segment_name(index_dir, folder, sub.reader())
            try:
                _read_segment(sub, schema, found)
            except Exception as error:  # noqa: BLE001 - any failure to read a segment is damage to report
                found.damaged.append(DamagedFile(name, f"cannot be read ({type(error).__name__}: {error})"))
            found.segments += 1
        if not found.damaged:
            try:
                for fieldname in schema.scorable_names():
                    arrays.field_lengths(generation.searcher, fieldname)
            except Exception as error:  # noqa: BLE001
                found.damaged.append(DamagedFile(folder.name, f"field lengths cannot be read ({error})"))
    return found


def _segment_name(index_dir: Path, folder: Path, reader) -> str:
    """A segment's files, as ``gen-.../[shard-NN/]MAIN_id.*``."""
    segment = getattr(reader, "segment", lambda: None)()
    if segment is None:
        return folder.name
    files = sorted(folder.rglob(f"{segment.segment_id()}.*"))
    where = files[0].parent if files else folder
    return f"{where.relative_to(index_dir).as_posix()}/{segment.segment_id()}.*"


def _read_segment(searcher, schema, found: _Reading) -> None:
    """Every posting list (with its word positions), stored article and column of one segment.

    Postings are read as queries read them (``search.store.arrays``), word
    positions decoded all at once where the codec can.
    """
    reader = searcher.reader()
    count = reader.doc_count_all()
    for fieldname, text in reader.all_terms():
        postings = arrays.read_postings(searcher, fieldname, text, with_positions=True)
        ids = postings.docnums if postings is not None else np.zeros(0, np.int64)
        if len(ids) and (ids[0] < 0 or ids[-1] >= count or np.any(np.diff(ids) <= 0)):
            raise ValueError(f"the postings of {fieldname}:{text!r} are out of order or out of range")
        if len(ids) != reader.doc_frequency(fieldname, text):
            raise ValueError(f"the postings of {fieldname}:{text!r} do not match their count")
        if postings is not None and postings.values is not None:
            if postings.decode_laid is not None:
                postings.decode_laid(*postings.values.bytes_of(np.arange(len(ids))))
            else:
                postings.positions_of(list(range(len(ids))))
        found.postings += len(ids)
    for docnum in range(count):
        reader.stored_fields(docnum)
        found.articles += 1
    for fieldname in schema.names():
        if reader.has_column(fieldname):
            np.asarray(list(reader.column_reader(fieldname, translate=False)))


def _previous(index_dir: Path, live: Path) -> Path | None:
    """The newest generation kept beside the live one."""
    return next((g for g in disk.generations_newest_first(index_dir) if g.name != live.name), None)


def _whole(folder: Path) -> bool:
    """Whether every byte of every file of a generation is as published (a readable meta first)."""
    try:
        meta = disk.read_meta(folder)
    except IndexCorruptError:
        return False
    if not readable(meta) or not disk.recorded_files(meta):
        return False
    return not disk.damaged_files(folder, meta)


def restore_index(index_dir: str | Path, wait: float = 0.0) -> RestoreReport:
    """Make the newest whole generation kept beside the live one live again.

    The live generation, if damaged, is set aside (``damaged-*``) and removed
    by the next write; if whole, it is kept as an earlier generation.
    :class:`NothingToRestoreError` when no kept generation is whole.
    """
    index_dir = Path(index_dir)
    with disk.write_lock(index_dir, wait):
        try:
            live: Path | None = disk.current_generation(index_dir)
        except IndexCorruptError:
            live = None
        candidates = [g for g in disk.generations_newest_first(index_dir) if live is None or g.name != live.name]
        chosen = next((g for g in candidates if _whole(g)), None)
        if chosen is None:
            raise NothingToRestoreError(
                f"the index at {index_dir} keeps no whole earlier generation to restore"
                + (f" ({len(candidates)} kept, each damaged or from another version)" if candidates else ""),
                path=index_dir)
        live_damaged = live is not None and not _whole(live)
        disk.point_to(index_dir, chosen)
        if live is not None and live_damaged:
            live.rename(index_dir / f"{disk.DAMAGED_PREFIX}{live.name}")
    return RestoreReport(index_dir, chosen.name, live.name if live else None, live_damaged)
