"""Where an index lives on disk, and how a rebuild replaces it safely.

An index folder holds generations; a small ``CURRENT`` file names the live one::

    indexes/default/
        CURRENT                 "gen-20261128T224301-3f2a"
        gen-20261128T224301-3f2a/   Whoosh segment files, meta.json, files.json and
                                    stems.sqlite (each indexed word's root); an index
                                    of several shards has each shard's Whoosh files in
                                    a folder of its own (search.store.shards)
        building-<random>/      a build in progress (never read)
        write.lock              held by the one process writing

A build writes a new ``building-*`` folder, renames it to ``gen-*`` when
complete, and replaces ``CURRENT`` with an atomic rename. Until that rename
the previous generation keeps serving, so a failed, interrupted or killed
build changes nothing. The previous generation is kept (``keep`` of them, one
by default, recorded in meta.json so that later writes keep as many), for
readers that are about to open it and to be restored if the live one is
damaged; older ones are deleted once no reader holds them.

Every file of a generation carries a checksum (CRC-32 of the whole file, as
Lucene's codec footers do), recorded with its size in meta.json at publish;
meta.json carries one of its own content. Opening a generation checks the
sizes of all its files and every byte of the small ones and of the ones read
whole (the table of contents, the manifest, the roots); ``damaged_files``
checks every byte of every file (``search.store.fixity``).

The write lock is an ``flock`` on ``write.lock``: the kernel releases it when
its process dies, so a lock left by a killed build is never stale. A reader
holds a shared ``flock`` on its generation's ``readers.lock`` the same way, and
a writer deletes a generation only when it can lock that file exclusively.
"""

from __future__ import annotations

import errno
import fcntl
import json
import mmap
import os
import shutil
import sqlite3
import threading
import time
import uuid
import zlib
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import FileIndex

from ..errors import IndexCorruptError, IndexLockedError, IndexNotFoundError, IndexReadOnlyError, IndexWriteError

# The index folder when none is given (the library's and the command line's default).
DEFAULT_INDEX = Path("indexes/default")
CURRENT = "CURRENT"
META = "meta.json"
MANIFEST = "files.json"
STEMS = "stems.sqlite"
LOCK = "write.lock"
READERS = "readers.lock"
GENERATION_PREFIX = "gen-"
BUILDING_PREFIX = "building-"
DAMAGED_PREFIX = "damaged-"  # a damaged generation set aside by a restore, removed by the next publish
META_CHECKSUM = "meta_crc32"
DEFAULT_KEEP = 1
# Files up to this size are checked byte for byte when a generation is opened
# (besides the ones always read whole); larger ones by their size only.
CHECKED_WHOLE_ON_OPEN = 1 << 20
_CHUNK = 1 << 20


def current_generation(index_dir: Path) -> Path:
    """The live generation folder.

    :class:`IndexNotFoundError` when there is no index at all;
    :class:`IndexCorruptError` when there is one but its pointer is damaged,
    so that a caller never mistakes a damaged index for an absent one and
    builds over it.
    """
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        if any(index_dir.glob(GENERATION_PREFIX + "*")):
            raise IndexCorruptError(f"the index at {index_dir} is damaged: its {CURRENT} file is missing",
                                    path=index_dir) from None
        raise IndexNotFoundError(f"no index at {index_dir}", path=index_dir) from None
    except (OSError, UnicodeError) as error:
        cause = getattr(error, "strerror", None) or str(error)
        raise IndexCorruptError(f"cannot read the index at {index_dir} ({cause})", path=index_dir,
                                cause=cause) from None
    generation = index_dir / name
    if not name.startswith(GENERATION_PREFIX) or "/" in name or not generation.is_dir():
        raise IndexCorruptError(
            f"the index at {index_dir} is damaged: {CURRENT} names a missing generation {name[:40]!r}",
            path=index_dir)
    return generation


def read_meta(generation: Path) -> dict:
    """A generation's meta; :class:`IndexCorruptError` if it is missing or unreadable."""
    try:
        meta = json.loads((generation / META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise IndexCorruptError(
            f"the index at {generation.parent} is damaged: cannot read {generation.name}/{META} "
            f"({type(error).__name__})", path=generation.parent, cause=str(error)) from None
    if not isinstance(meta, dict):
        raise IndexCorruptError(f"the index at {generation.parent} is damaged: {META} is not an object",
                                path=generation.parent)
    recorded = meta.pop(META_CHECKSUM, None)
    if recorded is not None and recorded != _meta_checksum(meta):
        raise IndexCorruptError(
            f"the index at {generation.parent} is damaged: {generation.name}/{META} does not match its checksum",
            path=generation.parent)
    return meta


def _meta_checksum(meta: dict) -> str:
    """The checksum of a meta's content (its canonical JSON), so that damage that keeps it valid JSON shows."""
    canonical = json.dumps(meta, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return f"{zlib.crc32(canonical.encode('ascii')):08x}"


@dataclass(frozen=True)
class FileRecord:
    """A file of a generation as published: its size, and its CRC-32 (None in an index from before checksums)."""

    size: int
    crc32: str | None = None


def recorded_files(meta: dict) -> dict[str, FileRecord]:
    """Each file a generation was published with, by its path inside it.

    Reads both forms meta.json has had: ``{name: size}`` and
    ``{name: {"size": n, "crc32": "..."}}``.
    """
    records = {}
    for name, value in (meta.get("files") or {}).items():
        if isinstance(value, int):
            records[name] = FileRecord(value)
        elif isinstance(value, dict) and isinstance(value.get("size"), int):
            crc = value.get("crc32")
            records[name] = FileRecord(value["size"], crc if isinstance(crc, str) else None)
    return records


def crc32_of(path: Path) -> str:
    """The CRC-32 of a whole file, read in chunks (about 2 GB/s from the page cache)."""
    crc = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
    return f"{crc:08x}"


def file_record(path: Path) -> FileRecord:
    return FileRecord(path.stat().st_size, crc32_of(path))


def file_problem(path: Path, record: FileRecord, whole: bool) -> str | None:
    """What is wrong with a file of a generation, or None: its size, and with ``whole`` every byte."""
    try:
        actual = path.stat().st_size
    except OSError:
        return "is missing"
    if actual != record.size:
        return f"has {actual} bytes instead of {record.size}"
    if whole and record.crc32 is not None:
        try:
            if crc32_of(path) != record.crc32:
                return "does not match its checksum"
        except OSError as error:
            return f"cannot be read ({error.strerror or error})"
    return None


def read_whole_on_open(name: str, record: FileRecord) -> bool:
    """Whether opening a generation checks every byte of this file: the small ones, and those read whole."""
    base = name.rsplit("/", 1)[-1]
    return record.size <= CHECKED_WHOLE_ON_OPEN or base in (MANIFEST, STEMS) or base.endswith(".toc")


def check_files(generation: Path, meta: dict) -> None:
    """Every file the generation was published with is whole enough to open, or :class:`IndexCorruptError`.

    A generation's files never change after publishing, so a missing,
    truncated or changed file is damage, found here on open rather than by
    a failing read: every file's size, and every byte of the small ones and
    of the ones read whole, against their checksums.
    """
    for name, record in recorded_files(meta).items():
        problem = file_problem(generation / name, record, read_whole_on_open(name, record))
        if problem is not None:
            raise corrupt_file(generation, name, problem)


def damaged_files(generation: Path, meta: dict) -> list[tuple[str, str]]:
    """``(path inside the generation, problem)`` of every file not as it was published, every byte read."""
    found = []
    for name, record in recorded_files(meta).items():
        problem = file_problem(generation / name, record, whole=True)
        if problem is not None:
            found.append((name, problem))
    return found


def verify_files(generation: Path, meta: dict) -> None:
    """Every byte of every file as published, or :class:`IndexCorruptError` naming the first that is not."""
    for name, problem in damaged_files(generation, meta)[:1]:
        raise corrupt_file(generation, name, problem)


def verified_records(generation: Path, meta: dict) -> dict[str, tuple[int, FileRecord]]:
    """Every byte of every file as published (else :class:`IndexCorruptError`), and each one's inode and record.

    What an update checks before it links a generation's files into the next
    one; the inodes tell ``publish`` which files are those links.
    """
    verify_files(generation, meta)
    return {name: ((generation / name).stat().st_ino, record) for name, record in recorded_files(meta).items()
            if record.crc32 is not None}


def corrupt_file(generation: Path, name: str, problem: str) -> IndexCorruptError:
    return IndexCorruptError(f"the index at {generation.parent} is damaged: {generation.name}/{name} {problem}",
                             path=generation.parent, cause=f"{name} {problem}")


_READ_ONLY = (errno.EACCES, errno.EPERM, errno.EROFS)


def read_only_error(index_dir: Path, error: OSError) -> IndexReadOnlyError | None:
    """:class:`IndexReadOnlyError` if ``error`` says the index cannot be written, else None."""
    if error.errno in _READ_ONLY:
        return IndexReadOnlyError(f"the index at {index_dir} is read-only ({error.strerror}); "
                                  "nothing was changed", path=index_dir, cause=error.strerror)
    return None


@contextmanager
def write_lock(index_dir: Path, wait: float = 0.0):
    """Hold the index's write lock; wait up to ``wait`` seconds for another writer.

    A folder this call had to create is removed again if nothing was
    published in it, so a failed command leaves no empty index behind.
    """
    created = index_dir.absolute()
    while not created.parent.exists():
        created = created.parent
    new_folder = not index_dir.exists()
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = open(index_dir / LOCK, "a+")
    except OSError as error:
        raise (read_only_error(index_dir, error) or error) from None
    try:
        _lock(index_dir, handle, wait)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()
        if new_folder and not (index_dir / CURRENT).exists():
            shutil.rmtree(created, ignore_errors=True)


def _lock(index_dir: Path, handle, wait: float) -> None:
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            if time.monotonic() >= deadline:
                raise IndexLockedError(f"the index at {index_dir} is being updated by another process",
                                       path=index_dir) from None
            time.sleep(0.1)


def new_build_folder(index_dir: Path) -> Path:
    """A fresh folder to build a generation in. Call with the write lock held."""
    for stale in index_dir.glob(BUILDING_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)  # left by a killed build
    folder = index_dir / f"{BUILDING_PREFIX}{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    return folder


def link_generation(generation: Path, build_folder: Path) -> None:
    """Start a build from a live generation: hard links to its files (copies where links fail).

    Whoosh never rewrites a segment file once written; an update adds new
    files and a new table of contents, so the live generation is untouched.
    """
    for source in generation.iterdir():
        if source.is_dir():  # a shard's Whoosh index
            (build_folder / source.name).mkdir()
            link_generation(source, build_folder / source.name)
            continue
        if source.name in (META, MANIFEST, STEMS) or source.name.endswith((".lock", "WRITELOCK")) \
                or not source.is_file():
            continue
        target = build_folder / source.name
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)


def write_stems(folder: Path, table: dict[str, str]) -> None:
    """Save the roots of the words a generation holds, so readers need not stem them again.

    A table in SQLite: a reader looks up the few words it needs instead of
    loading 100,000 of them (what that cost: benchmarks/README.md).
    """
    try:
        with closing(sqlite3.connect(folder / STEMS)) as db:
            db.execute("CREATE TABLE stems (word TEXT PRIMARY KEY, root TEXT NOT NULL) WITHOUT ROWID")
            db.executemany("INSERT INTO stems VALUES (?, ?)", table.items())
            db.commit()
    except sqlite3.Error as error:  # "database or disk is full", a file size limit: the write failed
        index_dir = folder.parent
        raise IndexWriteError(f"could not write the index at {index_dir} ({error}); it was left as it was",
                              path=index_dir, cause=str(error)) from None


class StemTable:
    """A generation's saved roots, looked up one word at a time; empty if it has none."""

    def __init__(self, generation: Path):
        self._db = None
        if (generation / STEMS).is_file():
            try:
                # immutable: a generation's files never change, so SQLite need not lock.
                uri = f"file:{quote(str(generation / STEMS))}?immutable=1"
                self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            except sqlite3.Error:
                self._db = None
        self._lock = threading.Lock()

    def get(self, word: str) -> str | None:
        if self._db is None:
            return None
        try:
            with self._lock:  # another thread may close it meanwhile (a server refreshing)
                if self._db is None:
                    return None
                row = self._db.execute("SELECT root FROM stems WHERE word = ?", (word,)).fetchone()
        except sqlite3.Error:  # a damaged table: the caller stems the word itself
            return None
        return row[0] if row else None

    def items(self) -> dict[str, str]:
        """Every saved word and its root."""
        if self._db is None:
            return {}
        try:
            with self._lock:
                return dict(self._db.execute("SELECT word, root FROM stems"))
        except sqlite3.Error:
            return {}

    def close(self) -> None:
        with self._lock:  # never under a get() running in another thread
            if self._db is not None:
                self._db.close()
                self._db = None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(index_dir: Path, build_folder: Path, meta: dict, keep: int | None = None,
            known: dict[str, tuple[int, FileRecord]] | None = None) -> Path:
    """Make a completed build the live generation. Call with the write lock held.

    Each file's size and checksum go into its meta.json, and a checksum of
    the meta itself; a file hard-linked from a generation verified when the
    build began (``known``: by path, its inode and record) keeps its checksum
    without being read again. ``keep`` earlier generations are kept (None: as
    many as the live one's meta says, else :data:`DEFAULT_KEEP`).
    """
    (build_folder / READERS).touch()
    known = known or {}

    def record(path: Path, name: str) -> FileRecord:
        inode, was = known.get(name, (None, None))
        stat = path.stat()
        if was is not None and stat.st_ino == inode and stat.st_size == was.size:
            return was
        return file_record(path)

    # Each file by its path in the generation (a shard's files are in its folder).
    files = {name: record(f, name) for f in sorted(build_folder.rglob("*"))
             if f.is_file() and f.name not in (META, READERS) and not f.name.endswith("WRITELOCK")
             for name in [f.relative_to(build_folder).as_posix()]}
    try:
        previous: Path | None = current_generation(index_dir)
    except (IndexNotFoundError, IndexCorruptError):
        previous = None
    if keep is None:
        keep = kept_count(previous)
    content = {**meta, "keep": keep, "published_ns": time.time_ns(),
               "files": {name: {"size": r.size, "crc32": r.crc32} for name, r in files.items()}}
    content[META_CHECKSUM] = _meta_checksum(content)
    (build_folder / META).write_text(json.dumps(content, indent=2), encoding="utf-8")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    generation = index_dir / f"{GENERATION_PREFIX}{stamp}-{uuid.uuid4().hex[:4]}"
    while generation.exists():  # two writes in one second may draw the same name
        generation = index_dir / f"{GENERATION_PREFIX}{stamp}-{uuid.uuid4().hex[:4]}"
    os.rename(build_folder, generation)
    point_to(index_dir, generation)
    _prune(index_dir, generation, previous, keep)
    return generation


def kept_count(generation: Path | None) -> int:
    """How many earlier generations the index keeps: as its live generation's meta says."""
    if generation is None:
        return DEFAULT_KEEP
    try:
        keep = read_meta(generation).get("keep", DEFAULT_KEEP)
    except IndexCorruptError:
        return DEFAULT_KEEP
    return keep if isinstance(keep, int) and keep >= 1 else DEFAULT_KEEP


def point_to(index_dir: Path, generation: Path) -> None:
    """Make ``generation`` the live one: ``CURRENT`` replaced by an atomic rename, synced."""
    pointer = index_dir / (CURRENT + ".tmp")
    with open(pointer, "w", encoding="utf-8") as handle:
        handle.write(generation.name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(pointer, index_dir / CURRENT)
    _fsync_dir(index_dir)


def generations_newest_first(index_dir: Path) -> list[Path]:
    """Every published generation of the index, the most recently published first."""
    def published(folder: Path) -> tuple[int, str]:
        try:
            stamp = read_meta(folder).get("published_ns", 0)
        except IndexCorruptError:
            stamp = 0
        return (stamp if isinstance(stamp, int) else 0, folder.name)

    return sorted((f for f in index_dir.glob(GENERATION_PREFIX + "*") if f.is_dir()), key=published, reverse=True)


def _prune(index_dir: Path, live: Path, previous: Path | None, keep: int) -> None:
    """Delete what is not kept: the generation replaced and the ``keep - 1`` newest others stay."""
    kept = {live.name, previous.name if previous is not None else ""}
    others = [g for g in generations_newest_first(index_dir) if g.name not in kept]
    others = others[keep - 1 if previous is not None else keep:]
    for old in [*others, *index_dir.glob(DAMAGED_PREFIX + "*")]:
        if not _in_use(old):
            shutil.rmtree(old, ignore_errors=True)


class _MappedStorage(FileStorage):
    """Whoosh's file storage, reading each file through a memory map.

    Whoosh reads a posting block with a seek and a read; on a mapped file both
    are a slice of memory instead of system calls.
    """

    def open_file(self, name, **kwargs):
        with open(self._fpath(name), "rb") as handle:
            try:
                mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError:  # an empty file cannot be mapped
                return super().open_file(name, **kwargs)
        return StructFile(mapped, name=name, **kwargs)


def open_for_reading(generation: Path) -> FileIndex:
    """The Whoosh index of a generation, opened read-only."""
    return FileIndex(_MappedStorage(str(generation), readonly=True), indexname="MAIN")


def hold(generation: Path):
    """Keep ``generation`` on disk while the returned handle is open (None if it cannot be held).

    Whoosh opens some of a segment's files only when they are first needed,
    so an open index needs its files to stay where they are.
    """
    try:
        handle = open(generation / READERS, "rb")
    except OSError:
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_SH)
    except OSError:
        handle.close()
        return None
    return handle


def _in_use(generation: Path) -> bool:
    try:
        handle = open(generation / READERS, "rb")
    except OSError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return False
    return False


def discard(build_folder: Path) -> None:
    """Remove an unfinished build."""
    shutil.rmtree(build_folder, ignore_errors=True)


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
