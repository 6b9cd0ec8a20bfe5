"""One generation of an index: opened and checked once, and the transaction that writes the next.

A :class:`Generation` is one published ``gen-*`` folder (``search.store.disk``
says how they are laid out and swapped): its meta, its manifest (the sources
and files it was built from), its saved roots, its Whoosh index and searcher,
and a shared lock that keeps its files on disk while it is open. Opening it
reads ``CURRENT`` once, checks the schema version once and every file's size,
and turns whatever Whoosh raises while opening into :class:`IndexCorruptError`.

A :class:`WriteTransaction` is the next generation being written beside the
live one: ``begin`` (empty, or hard links to a base generation's files),
``commit`` (Whoosh's commit, the manifest, the roots, then the atomic
publish) or ``cancel`` (the folder goes; nothing live changed).
"""

from __future__ import annotations

import json
import os
import pickle
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index

from ..errors import IndexCorruptError, IndexOutdatedError, IndexWriteError, SearchError
from ..language.analysis import stemmer_of
from . import disk
from .codec import ArrayCodec
from .schema import SCHEMA_VERSION, build_schema

# What a damaged file raises while Whoosh reads a posting block or stored fields.
READ_ERRORS = (OSError, EOFError, struct.error, zlib.error, pickle.UnpicklingError)
# ... and, besides, while it opens a generation: unpickling a damaged table of
# contents or segment list can fail in any of these ways.
OPEN_ERRORS = (*READ_ERRORS, ValueError, KeyError, IndexError, whoosh_index.IndexError)
OPEN_ATTEMPTS = 5
# Memory for Whoosh's posting pools, shared among the writing processes.
WRITER_MB = 256


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


def under(key: str, root: str) -> bool:
    """Whether the absolute path ``key`` is ``root`` or inside it."""
    return key == root or key.startswith(root.rstrip(os.sep) + os.sep)


@dataclass
class Manifest:
    """The sources an index was built from and the files it read.

    ``files`` maps each file's absolute path to its ``size``, ``mtime_ns``,
    ``label`` (its name in ids) and the ``ids`` it gave.
    """

    sources: list[str] = field(default_factory=list)
    files: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def read(cls, folder: Path | None) -> Manifest:
        """A generation's manifest; empty when there is none (an index from before sources kept its roots)."""
        data: object = {}
        if folder is not None:
            try:
                data = json.loads((folder / disk.MANIFEST).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}
        if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
            return cls()
        sources = data.get("sources", data.get("roots", []))
        if not isinstance(sources, list):  # a damaged manifest ("sources": null) names no sources
            sources = []
        return cls([str(s) for s in sources if isinstance(s, str)], data["files"])

    @classmethod
    def newest_readable(cls, index_dir: Path) -> Manifest:
        """The manifest of the newest generation that has sources (to rebuild a damaged index)."""
        for folder in sorted(index_dir.glob(disk.GENERATION_PREFIX + "*"), reverse=True):
            manifest = cls.read(folder)
            if manifest.sources:
                return manifest
        return cls()

    def write(self, folder: Path) -> None:
        (folder / disk.MANIFEST).write_text(json.dumps({"sources": self.sources, "files": self.files}),
                                            encoding="utf-8")

    def source_of(self, key: str) -> str | None:
        """The innermost source that holds the file or folder ``key``."""
        holding = [source for source in self.sources if under(key, source)]
        return max(holding, key=len) if holding else None


class Generation:
    """One published generation, open for reading. Close it (or use it as a context manager)."""

    def __init__(self, index_dir: Path, folder: Path, meta: dict, ix, searcher, stems: disk.StemTable, hold):
        self.index_dir = index_dir
        self.folder = folder
        self.meta = meta
        self._ix = ix
        self.searcher = searcher
        """Whoosh's searcher over this generation (used by ``search.query`` and the indexer only)."""
        self.schema = searcher.schema
        """The schema as opened (``ix.schema`` would read the table of contents again on each use)."""
        self.stems = stems
        self._hold = hold
        self._manifest: Manifest | None = None

    @classmethod
    def open_current(cls, index_dir: str | Path, weighting=None) -> Generation:
        """The live generation of the index at ``index_dir``.

        :class:`IndexNotFoundError` when there is none, :class:`IndexOutdatedError`
        when another version built it, :class:`IndexCorruptError` when it is damaged.
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
    def open(cls, index_dir: Path, folder: Path, weighting=None) -> Generation:
        """Open and check one generation folder."""
        meta = disk.read_meta(folder)
        version = meta.get("schema_version")
        if version != SCHEMA_VERSION:
            raise IndexOutdatedError(
                f"the index at {index_dir} was built with schema version {version}; "
                f"this version needs {SCHEMA_VERSION}, so it must be rebuilt", path=index_dir)
        disk.check_files(folder, meta)
        hold = disk.hold(folder)
        ix = None
        try:
            with reading(index_dir, OPEN_ERRORS):
                ix = disk.open_for_reading(folder)
                searcher = ix.searcher(**({"weighting": weighting} if weighting is not None else {}))
        except BaseException:
            if ix is not None:
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
        return cls(index_dir, folder, meta, ix, searcher, stems, hold)

    def __enter__(self) -> Generation:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.searcher.close()
        self._ix.close()
        self.stems.close()
        if self._hold is not None:
            self._hold.close()
            self._hold = None

    @property
    def manifest(self) -> Manifest:
        if self._manifest is None:
            self._manifest = Manifest.read(self.folder)
        return self._manifest

    @property
    def article_count(self) -> int:
        return self.searcher.doc_count()

    def is_current(self) -> bool:
        """Whether this is still the index's live generation."""
        return disk.current_generation(self.index_dir) == self.folder

    def size_bytes(self) -> int:
        return disk.folder_size(self.folder)


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
    """

    def __init__(self, index_dir: Path, base: Generation | None):
        self.index_dir = index_dir
        self.base = base
        try:
            self.folder = disk.new_build_folder(index_dir)
        except OSError as error:
            raise write_error(index_dir, error) from None
        try:
            if base is not None:
                disk.link_generation(base.folder, self.folder)
                with reading(index_dir, OPEN_ERRORS):
                    self._ix = whoosh_index.open_dir(str(self.folder))
            else:
                self._ix = whoosh_index.create_in(str(self.folder), build_schema())
            self.writer = self._new_writer(parallel=base is None)
        except BaseException as error:
            disk.discard(self.folder)
            if isinstance(error, OSError):
                raise write_error(index_dir, error) from None
            raise
        self._stemmer = stemmer_of(self.writer.schema["body"].analyzer)
        if base is not None and self._stemmer is not None:
            self._stemmer.saved = base.stems  # an update need not stem known words again

    def _new_writer(self, parallel: bool):
        # A full build writes from every core; an update, a few articles, from this one.
        # Segments stay separate files (compound=False): Whoosh reads a compound
        # file's parts into memory when it opens them, and assembling one copies
        # the whole index once more at the end of a build (benchmarks/README.md).
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        self._parallel = parallel and cores > 1
        if self._parallel:
            from .writers import CheckedMpWriter  # multiprocessing: loaded only by a full build

            return CheckedMpWriter(self._ix, self.folder, procs=cores, limitmb=WRITER_MB // cores,
                                   compound=False, codec=ArrayCodec())
        return self._ix.writer(limitmb=WRITER_MB, compound=False, codec=ArrayCodec())

    def add(self, document: dict) -> None:
        self.writer.add_document(**document)

    def delete(self, article_id: str) -> None:
        self.writer.delete_by_term("id", article_id)

    def commit(self, meta: dict, manifest: Manifest) -> Path:
        """Write everything and make it the live generation; returns its folder."""
        self.writer.commit()
        self._ix.close()
        roots = dict(self.base.stems.items()) if self.base is not None else {}
        if self._stemmer is not None:
            roots.update(self._stemmer.roots())
        if self._parallel:  # a full build's workers left their roots in files
            from .writers import collect_worker_stems

            roots.update(collect_worker_stems(self.folder))
        manifest.write(self.folder)
        disk.write_stems(self.folder, roots)
        return disk.publish(self.index_dir, self.folder, {**meta, "schema_version": SCHEMA_VERSION})

    def cancel(self) -> None:
        """Drop the unfinished generation. Closing may fail too (a full disk): the folder goes anyway."""
        for close in (self.writer.cancel, self._ix.close):
            try:
                close()
            except Exception:  # noqa: BLE001 - the first error is the one reported
                pass
        disk.discard(self.folder)
