"""One generation of an index: opened and checked once, and the transaction that writes the next.

A :class:`Generation` is one published ``gen-*`` folder (``search.store.disk``
says how they are laid out and swapped): its meta, its manifest (the sources
and files it was built from), its saved roots, its Whoosh index and searcher,
and a shared lock that keeps its files on disk while it is open. Opening it
reads ``CURRENT`` once, checks the schema version once, every file's size and
the small files' checksums, and turns whatever Whoosh raises while opening
into :class:`IndexCorruptError`; a read that fails later has every byte of
the generation checked, so that damage is reported as damage, naming the file.

A :class:`WriteTransaction` is the next generation being written beside the
live one: ``begin`` (empty, or hard links to a base generation's files, each checked
against its checksum first, so that damage is never carried into a new one),
``commit`` (Whoosh's commit, the manifest, the roots, then the atomic
publish) or ``cancel`` (the folder goes; nothing live changed).

:func:`stored_articles` reads a generation's stored articles back, segment by
segment without their postings, for a rebuild that reads no source file.
"""

from __future__ import annotations

import os
import pickle
import struct
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from whoosh import index as whoosh_index
from whoosh.filedb.filetables import FileFormatError
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

from ..articles import Skipped
from ..errors import IndexCorruptError, IndexOutdatedError, IndexTooNewError, IndexWriteError, SearchError
from ..language.analysis import stemmer_of
from . import disk
from .codec import ArrayCodec
from .manifest import Manifest
from .merge import TieredMergePolicy
from .schema import SCHEMA_VERSION, STORAGE_VERSION, build_schema, too_new
from .shards import MAX_SHARDS, combined_reader, shard_folders, shard_of
from .stored import ERRORS as STORED_ERRORS

# What a damaged file raises while Whoosh reads a posting block or stored fields.
READ_ERRORS = (OSError, EOFError, struct.error, zlib.error, *STORED_ERRORS, pickle.UnpicklingError)
# ... and, besides, while it opens a generation: unpickling a damaged table of
# contents or segment list can fail in any of these ways.
OPEN_ERRORS = (*READ_ERRORS, ValueError, KeyError, IndexError, whoosh_index.IndexError, FileFormatError)
# What a decoder may raise on a file damaged in place (same size, other bytes):
# a query that fails so has the generation's files checked (Generation.reading).
DAMAGE_SIGNS = (ValueError, AssertionError, IndexError, KeyError, TypeError, OverflowError, MemoryError)
OPEN_ATTEMPTS = 5
# Memory for the postings a writer holds before it writes them (a full
# build's segments, an update's Whoosh pool), shared among its processes: a
# full build of the 26k real articles fits in one segment per core, and one
# of 100,000 stays under 1 GB (benchmarks/README.md).
WRITER_MB = 384
# Which segments an update's commit merges (Lucene's tiered policy; the merge copies postings as arrays).
UPDATE_MERGES = TieredMergePolicy()


def shard_count(meta: dict) -> int:
    """How many shards a generation with this meta has (1 for an index from before shards)."""
    count = meta.get("shards", 1)
    return count if isinstance(count, int) and 1 <= count <= MAX_SHARDS else 1


def damaged(index_dir: Path, error: BaseException) -> IndexCorruptError:
    """The error for a file of the index that Whoosh could not read."""
    return IndexCorruptError(f"the index at {index_dir} is damaged ({type(error).__name__}: {error})",
                             path=index_dir, cause=f"{type(error).__name__}: {error}")


@contextmanager
def reading(index_dir: Path, errors: tuple[type[BaseException], ...] = READ_ERRORS) -> Iterator[None]:
    """Turn a failure to read the index's files (``errors``) into :class:`IndexCorruptError`."""
    try:
        yield
    except errors as error:
        raise damaged(index_dir, error) from None


class Generation:
    """One published generation, open for reading. Close it (or use it as a context manager)."""

    def __init__(self, index_dir: Path, folder: Path, meta: dict, indexes: list, searcher,
                 stems: disk.StemTable, hold):
        self.index_dir = index_dir
        self.folder = folder
        self.meta = meta
        self._indexes = indexes  # one Whoosh index per shard
        self.searcher = searcher
        """Whoosh's searcher over this generation (used by ``search.query`` and the indexer only)."""
        self.schema = searcher.schema
        """The schema as opened (``ix.schema`` would read the table of contents again on each use)."""
        self.stems = stems
        self._hold = hold
        self._manifest: Manifest | None = None
        self._checked: list[IndexCorruptError] | None = None  # the damage found by a full check, once made

    @classmethod
    def open_current(cls, index_dir: str | Path, weighting=None) -> Generation:
        """The live generation of the index at ``index_dir``.

        :class:`IndexNotFoundError` when there is none, :class:`IndexOutdatedError`
        when another version built it, :class:`IndexTooNewError` when a newer one wrote files this
        one cannot read, :class:`IndexCorruptError` when it is damaged.
        """
        index_dir = Path(index_dir)
        for _ in range(OPEN_ATTEMPTS):
            folder = disk.current_generation(index_dir)
            try:
                return cls.open(index_dir, folder, weighting)
            except SearchError:
                # Updates published two generations while we read the pointer, and
                # the one it named was deleted under us: read the pointer again.
                if disk.current_generation(index_dir) == folder:
                    raise
        return cls.open(index_dir, disk.current_generation(index_dir), weighting)

    @classmethod
    def open(cls, index_dir: Path, folder: Path, weighting=None, shard: int | None = None) -> Generation:
        """Open and check one generation folder; only its shard ``shard`` if given (a shard held apart)."""
        meta = disk.read_meta(folder)
        if too_new(meta):
            raise IndexTooNewError(
                f"the index at {index_dir} was written by a newer version of the engine (storage version "
                f"{meta.get('storage_version')}; this version reads up to {STORAGE_VERSION})", path=index_dir)
        version = meta.get("schema_version")
        if version != SCHEMA_VERSION:
            raise IndexOutdatedError(
                f"the index at {index_dir} was built with schema version {version}; "
                f"this version needs {SCHEMA_VERSION}, so it must be rebuilt", path=index_dir)
        disk.check_files(folder, meta)
        hold = disk.hold(folder)
        indexes: list = []
        try:
            with reading(index_dir, OPEN_ERRORS):
                folders = shard_folders(folder, shard_count(meta))
                if shard is not None:
                    if not 0 <= shard < len(folders):
                        raise IndexCorruptError(f"the index at {index_dir} has no shard {shard}", path=index_dir)
                    folders = [folders[shard]]
                for shard_folder in folders:
                    indexes.append(disk.open_for_reading(shard_folder))
                # Every shard's segments as one index: the collection's statistics (search.store.shards).
                searcher = Searcher(combined_reader(indexes), weighting=weighting or BM25F())
        except BaseException:
            for ix in indexes:
                ix.close()
            if hold is not None:
                hold.close()
            raise
        stems = disk.StemTable(folder)
        # Queries and snippets stem words: the roots this generation's build
        # computed are asked first, through the schema's own stemmer.
        stemmer = stemmer_of(searcher.schema["body"].analyzer) if "body" in searcher.schema else None
        if stemmer is not None:
            stemmer.saved = stems
        return cls(index_dir, folder, meta, indexes, searcher, stems, hold)

    def __enter__(self) -> Generation:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.searcher.close()
        for ix in self._indexes:
            ix.close()
        self.stems.close()
        if self._hold is not None:
            self._hold.close()
            self._hold = None

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Turn a failure to read this generation's files into :class:`IndexCorruptError` naming the file.

        A file damaged in place fails however its decoder does (the codec's
        ValueError, an IndexError, a bad pickle), so such a failure has every
        byte of the generation checked against its checksums (once): damage
        found is reported as damage; with every file whole, the failure is
        a bug and raised as it is.
        """
        try:
            yield
        except READ_ERRORS as error:
            raise (self.damage() or damaged(self.index_dir, error)) from None
        except DAMAGE_SIGNS:
            found = self.damage()
            if found is None:
                raise
            raise found from None

    def damage(self) -> IndexCorruptError | None:
        """The first file of this generation not as it was published, every byte checked (once), or None."""
        if self._checked is None:
            self._checked = [disk.corrupt_file(self.folder, name, problem)
                             for name, problem in disk.damaged_files(self.folder, self.meta)[:1]]
        return self._checked[0] if self._checked else None

    @property
    def manifest(self) -> Manifest:
        if self._manifest is None:
            self._manifest = Manifest.read(self.folder)
        return self._manifest

    @property
    def article_count(self) -> int:
        return self.searcher.doc_count()

    # What a writer asks of the generation it updates (``search.indexing.session``).

    def holds(self, article_id: str) -> bool:
        """Whether this generation holds an article with this id."""
        return self.searcher.document_number(id=article_id) is not None

    def stored(self, article_id: str) -> dict | None:
        """The stored fields of the article with this id, or None."""
        return self.searcher.document(id=article_id)

    def ids_with(self, fieldname: str, value: str) -> Iterator[str]:
        """The ids of the articles whose keyword field ``fieldname`` is ``value`` (a duplicate key)."""
        return (document["id"] for document in self.searcher.documents(**{fieldname: value}))

    @property
    def shard_count(self) -> int:
        return shard_count(self.meta)

    def shard_sizes(self) -> list[tuple[int, int]]:
        """(articles, bytes on disk) of each shard, in shard order."""
        if self.shard_count == 1:
            return [(self.article_count, self.size_bytes())]
        return [(ix.doc_count(), disk.folder_size(folder))
                for ix, folder in zip(self._indexes, shard_folders(self.folder, self.shard_count), strict=True)]

    def is_current(self) -> bool:
        """Whether this is still the index's live generation."""
        return disk.current_generation(self.index_dir) == self.folder

    def size_bytes(self) -> int:
        return disk.folder_size(self.folder)


def stored_articles(index_dir: Path, folder: Path) -> Iterator[dict | Skipped]:
    """The stored fields of every article of a generation, of this schema version or an earlier one.

    What a rebuild re-analyses: the index holds each article whole, so no
    source file is needed. In a damaged generation (the caller has said so)
    an article that cannot be read is a :class:`Skipped`, and the others are
    read as they are on disk.
    """
    meta = disk.read_meta(folder)
    for shard in shard_folders(folder, shard_count(meta)):
        with reading(index_dir, OPEN_ERRORS):
            ix = disk.open_for_reading(shard)
            segments = ix._segments()
        try:
            for segment in segments:
                yield from _stored_in(index_dir, ix, segment, f"{shard.name}/{segment.segment_id()}")
        finally:
            ix.close()


def _stored_in(index_dir: Path, ix, segment, name: str) -> Iterator[dict | Skipped]:
    """One segment's stored articles, read without its postings (which may be what is damaged)."""
    with reading(index_dir, OPEN_ERRORS):
        documents = segment.codec().per_document_reader(ix.storage, segment)
    try:
        for docnum in range(documents.doc_count_all()):
            try:
                if not documents.is_deleted(docnum):
                    yield documents.stored_fields(docnum)
            except OPEN_ERRORS as error:
                yield Skipped(f"{name} article {docnum}", f"cannot be read ({type(error).__name__})")
    finally:
        documents.close()


def write_error(index_dir: Path, error: OSError) -> SearchError:
    """What a failed write tells the caller: read-only, or the system's reason."""
    reason = error.strerror or str(error)
    return disk.read_only_error(index_dir, error) or IndexWriteError(
        f"could not write the index at {index_dir} ({reason}); it was left as it was",
        path=index_dir, cause=reason)


class WriteTransaction:
    """The next generation of an index, being written. Call with the write lock held.

    Started from ``base`` (hard links to its files, then Whoosh's own update)
    or empty (a full build, written from every core). ``commit`` publishes
    it; ``cancel`` drops it. Either way the live generation never changed
    until the publish.

    An index of several shards (``shards`` for a new one, else the base's)
    writes each article to the shard its id names (``search.store.shards``).
    A full build of several shards keeps each shard's documents in a spool
    file of the build folder while the sources are read, then writes the
    shards one after another, each from every core; an update writes only to
    the shards it touches, from this process.
    """

    def __init__(self, index_dir: Path, base: Generation | None, shards: int | None = None,
                 write_shards: ShardWriter | None = None, keep: int | None = None):
        self.index_dir = index_dir
        self.base = base
        self.keep = keep
        """Earlier generations kept at the publish (None: as many as the live one's meta says)."""
        # Never link a damaged file into the next generation.
        self._verified = disk.verified_records(base.folder, base.meta) if base is not None else {}
        self.started = time.monotonic()  # the meta's build_seconds: from here to the publish
        self.shards = base.shard_count if base is not None else (shards or 1)
        self._write_shards = write_shards or write_shards_here
        self._writers: dict[int, Any] = {}      # shard -> its open Whoosh writer
        self._parallel: set[int] = set()        # the shards written from every core
        self._spools: dict[int, BinaryIO] = {}  # shard -> its open spool file (a full build of shards)
        self._stemmers: list = []
        self._indexes: list = []
        try:
            self.folder = disk.new_build_folder(index_dir)
        except OSError as error:
            raise write_error(index_dir, error) from None
        try:
            if base is not None:
                disk.link_generation(base.folder, self.folder)
                with reading(index_dir, OPEN_ERRORS):
                    self._indexes = [whoosh_index.open_dir(str(folder))
                                     for folder in shard_folders(self.folder, self.shards)]
            else:
                for folder in shard_folders(self.folder, self.shards):
                    folder.mkdir(exist_ok=True)
                    self._indexes.append(whoosh_index.create_in(str(folder), build_schema()))
            if base is None and self.shards == 1:
                self._writer(0)  # its worker processes start while the sources are found
        except BaseException as error:
            disk.discard(self.folder)
            if isinstance(error, OSError):
                raise write_error(index_dir, error) from None
            raise

    def _writer(self, shard: int):
        """The open writer of ``shard``, made on first use (a full build's from every core)."""
        if shard not in self._writers:
            writer, parallel = open_writer(self._indexes[shard], self.folder, parallel=self.base is None)
            if parallel:
                self._parallel.add(shard)
            self._writers[shard] = writer
            stemmer = stemmer_of(writer.schema["body"].analyzer)
            if stemmer is not None:
                if self.base is not None:
                    stemmer.saved = self.base.stems  # an update need not stem known words again
                self._stemmers.append(stemmer)
        return self._writers[shard]

    def add(self, document: dict) -> None:
        shard = shard_of(document["id"], self.shards)
        if self.base is None and self.shards > 1:
            if shard not in self._spools:
                self._spools[shard] = open(spool_file(self.folder, shard), "wb")
            pickle.dump(document, self._spools[shard], protocol=pickle.HIGHEST_PROTOCOL)
        else:
            self._writer(shard).add_document(**document)

    def delete(self, article_id: str) -> None:
        if self.base is not None:  # (a full build has nothing to delete)
            self._writer(shard_of(article_id, self.shards)).delete_by_term("id", article_id)

    def commit(self, meta: dict, manifest: Manifest) -> Path:
        """Write everything and make it the live generation; returns its folder."""
        roots = dict(self.base.stems.items()) if self.base is not None else {}
        spooled = sorted(self._spools)
        for shard in spooled:
            self._spools.pop(shard).close()
        if spooled:
            for ix in self._indexes:
                ix.close()
            for found in self._write_shards(self.folder, spooled, self.shards):
                roots.update(found)
            for shard in spooled:
                spool_file(self.folder, shard).unlink()
        for shard in sorted(self._writers):
            roots.update(self._commit_shard(shard))
        for stemmer in self._stemmers:
            roots.update(stemmer.roots())
        for ix in self._indexes:
            ix.close()
        manifest.write(self.folder)
        disk.write_stems(self.folder, roots)
        return disk.publish(self.index_dir, self.folder,
                            {**meta, "schema_version": SCHEMA_VERSION, "storage_version": STORAGE_VERSION,
                             "shards": self.shards,
                             "build_seconds": round(time.monotonic() - self.started, 2)},
                            keep=self.keep, known=self._verified)

    def _commit_shard(self, shard: int) -> dict[str, str]:
        """Commit one shard's writer; the roots its worker processes stemmed, if it had any."""
        self._writers.pop(shard).commit()
        if shard not in self._parallel:
            return {}
        from .writers import collect_worker_stems  # a full build's workers left their roots in files

        return collect_worker_stems(self.folder)

    def cancel(self) -> None:
        """Drop the unfinished generation. Closing may fail too (a full disk): the folder goes anyway."""
        closers = [writer.cancel for writer in self._writers.values()]
        closers += [spool.close for spool in self._spools.values()] + [ix.close for ix in self._indexes]
        for close in closers:
            try:
                close()
            except Exception:  # noqa: BLE001 - the first error is the one reported
                pass
        disk.discard(self.folder)


ShardWriter = Callable[[Path, list[int], int], list[dict[str, str]]]
"""``write(build_folder, shards, count)``: write these spooled shards of a full build; the roots each stemmed."""


def open_writer(ix, stems_folder: Path, parallel: bool):
    """(writer, whether its workers left their roots in files) for ``ix``.

    A full build (``parallel``) writes its segments itself
    (``search.store.writers``), from one worker process per core, whose roots
    go to ``stems_folder``; an update uses Whoosh's own writer here, whose
    commit merges segments by :data:`UPDATE_MERGES` (``search.store.merge``)
    instead of Whoosh's per-posting ``MERGE_SMALL``.
    Segments stay separate files (compound=False): Whoosh reads a compound
    file's parts into memory when it opens them, and assembling one copies
    the whole index once more at the end of a build (benchmarks/README.md).
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if parallel:
        from .writers import BuildWriter  # multiprocessing: loaded only by a full build

        return BuildWriter(ix, stems_folder, procs=cores, limit_mb=WRITER_MB // cores), cores > 1
    writer = ix.writer(limitmb=WRITER_MB, compound=False, codec=ArrayCodec())
    writer.mergetype = UPDATE_MERGES  # at commit: merged as arrays, a few segments per size tier
    return writer, False


def write_spooled_shard(folder: Path, shard: int, count: int) -> dict[str, str]:
    """Write shard ``shard`` of a full build from its spool file into its Whoosh index; the roots stemmed.

    Written from every core of the machine that runs it (this one, or a
    cluster's node reading the build folder from a shared file system). Each
    call works in its shard's folder alone, so shards can be written at once.
    A call may be repeated (a cluster retries a task whose process died): it
    starts the shard's index afresh (Whoosh's ``create_in`` removes what an
    earlier attempt wrote) and leaves the spool to the build, which removes it.
    """
    target = shard_folders(folder, count)[shard]
    spool = spool_file(folder, shard)
    ix = whoosh_index.create_in(str(target), build_schema())
    try:
        writer, parallel = open_writer(ix, target, parallel=True)
        try:
            with open(spool, "rb") as documents:
                while True:
                    try:
                        document = pickle.load(documents)
                    except EOFError:
                        break
                    writer.add_document(**document)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        stemmer = stemmer_of(writer.schema["body"].analyzer)
        roots = stemmer.roots() if stemmer is not None else {}
        if parallel:
            from .writers import collect_worker_stems

            roots.update(collect_worker_stems(target))
    finally:
        ix.close()
    return roots


def spool_file(folder: Path, shard: int) -> Path:
    """Where a full build keeps shard ``shard``'s documents until the shard is written."""
    return folder / f"spool-{shard:02d}.pickle"


def write_shards_here(folder: Path, shards: list[int], count: int) -> list[dict[str, str]]:
    """The spooled shards written one after another on this machine, each from every core."""
    return [write_spooled_shard(folder, shard, count) for shard in shards]
