"""Building and updating an index from seed files.

* ``build_index(paths, index_dir)`` adds ``paths`` to the index's *sources*
  (the files and folders it was built from) and brings them up to date: new
  files are added, changed files re-indexed, and the articles of deleted
  files removed. Articles from other sources are kept: an archive grows by
  batches. With no paths every known source is brought up to date; with
  ``rebuild=True`` (or on an index built by another version) every known
  source is read again.
* ``add_articles(paths, index_dir)`` reads the files in ``paths`` again and
  adds their articles, without looking at other files.
* ``remove_articles(ids, index_dir)`` removes articles by id;
  ``forget_source(path, index_dir)`` removes a source and its articles.

A file's id is its path under its source (a file given on its own: its
name), chosen once and kept in the manifest, so it stays the same across
updates and rebuilds; when another source already gave that id, the source's
own folder names are put in front (``b/berita.txt``).

Every change is written to a new generation beside the live one (hard links
to the unchanged segment files, then Whoosh's own update) and replaces it only
when complete (see ``search.store.generation``), so a failed, interrupted or killed
update changes nothing. The same article arriving twice (same URL or same
text, see ``search.build.duplicates``) is indexed once and reported as merged.

A full build writes its own segments from one worker process per core
(``search.store.writers``); an update, which touches a few articles, goes
through Whoosh's writer in this process. Many saved HTML
pages are parsed ahead in reader processes, one per core
(``search.ingest.pool``), and indexed here in the order of their files, as if
read one by one.

The index remembers its sources and the files it read, with their size,
modification time, label and the ids each gave, in ``files.json`` beside the
segment files.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..articles import Article, ReadReport, Skipped
from ..errors import (
    IndexCorruptError,
    IndexNotFoundError,
    IndexOutdatedError,
    InvalidArgumentError,
    NothingToIndexError,
    SourceMissingError,
)
from ..ingest import find_files
from ..ingest.pool import PageReader
from ..store import disk
from ..store.generation import (
    Generation,
    Manifest,
    ShardWriter,
    WriteTransaction,
    shard_count,
    under,
    write_error,
)
from ..store.schema import to_document
from ..store.shards import MAX_SHARDS
from .duplicates import REASONS, keys_of

DEFAULT_SEEDS = Path("seeds")
PROGRESS_EVERY = 250


@dataclass
class Merged:
    """An article that was not indexed because the index already holds it."""

    path: str
    id: str
    kept: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.id!r} has the {self.reason} as {self.kept!r}; merged into it"


@dataclass
class BuildReport:
    """What a build, update, add or remove did."""

    index_dir: Path
    mode: str = "rebuild"
    """``rebuild`` (everything read), ``update`` (only changes), ``add`` or ``remove``."""
    added: int = 0
    replaced: int = 0
    removed: int = 0
    files: int = 0
    """Files read."""
    new_files: int = 0
    changed_files: int = 0
    deleted_files: int = 0
    unchanged_files: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    merged: list[Merged] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    """Ids that ``remove_articles`` was asked for but the index does not hold."""
    sources: list[str] = field(default_factory=list)
    """The index's sources afterwards (absolute paths)."""
    new_sources: list[str] = field(default_factory=list)
    missing_sources: list[str] = field(default_factory=list)
    """Known sources that no longer exist; their articles were kept."""
    articles: int = 0
    """Articles in the index afterwards."""
    seconds: float = 0.0
    changed: bool = True
    """False when there was nothing to do and the index was left as it was."""

    @property
    def indexed(self) -> int:
        """Articles written: added or replaced."""
        return self.added + self.replaced


def _abs(path: str | Path) -> str:
    return os.path.abspath(path)


def _with_sources(sources: list[str], paths: list[Path]) -> list[str]:
    """``sources`` with each existing path added, unless a source already holds it; sources it holds go."""
    for path in (_abs(p) for p in paths if p.exists()):
        if Manifest(sources).source_of(path) is None:
            sources = [s for s in sources if not under(s, path)] + [path]
    return sources


def _nothing_read(what: str, report: BuildReport) -> NothingToIndexError:
    reasons = "; ".join(str(s) for s in report.skipped[:3])
    return NothingToIndexError(f"{what}" + (f" ({reasons})" if reasons else "")
                               + "; the existing index was left as it was", path=report.index_dir)


class _Session:
    """One writer's changes to the next generation, started empty or from the live one (``base``)."""

    def __init__(self, index_dir: Path, base: Generation | None, manifest: Manifest, report: BuildReport,
                 progress: Callable[[int], None] | None, merge_duplicates: bool = True,
                 shards: int | None = None, write_shards: ShardWriter | None = None):
        self.index_dir, self.report, self.progress = index_dir, report, progress
        self.merge_duplicates = merge_duplicates
        # Labels chosen earlier, kept when a rebuild reads the same files again.
        self.labels = {key: state["label"] for key, state in manifest.files.items() if state.get("label")}
        self.manifest = manifest if base is not None else Manifest(manifest.sources)
        self.transaction = WriteTransaction(index_dir, base, shards, write_shards)
        self.base = base.searcher if base is not None else None
        self.deleted: set[str] = set()          # ids deleted from the base
        self.added: dict[str, str] = {}         # id -> file key, written in this session
        self.keys: dict[tuple[str, str], str] = {}  # (field, key) -> id, written in this session
        self._owners: dict[str, str] | None = None

    # -- what the index holds
    def in_base(self, article_id: str) -> bool:
        return (self.base is not None and article_id not in self.deleted
                and self.base.document_number(id=article_id) is not None)

    def duplicate_of(self, article: Article, keys: list[tuple[str, str]]) -> tuple[str, str] | None:
        """(kept id, reason) if the index already holds this article (its ``keys``) under another id."""
        for name, key in keys:
            kept = self.keys.get((name, key))
            if kept is None and self.base is not None:
                kept = next((doc["id"] for doc in self.base.documents(**{name: key})
                             if doc["id"] not in self.deleted and doc["id"] != article.id), None)
            if kept is not None and kept != article.id:
                return kept, REASONS[name]
        return None

    # -- changes
    def delete(self, article_id: str) -> None:
        if self.in_base(article_id):
            self.transaction.delete(article_id)
            self.deleted.add(article_id)
            owner = self.owners().pop(article_id, None)
            if owner and owner in self.manifest.files:
                ids = self.manifest.files[owner]["ids"]
                if article_id in ids:
                    ids.remove(article_id)

    def owners(self) -> dict[str, str]:
        """id -> the key of the file it came from, for files in the manifest."""
        if self._owners is None:
            self._owners = {i: key for key, state in self.manifest.files.items() for i in state["ids"]}
        return self._owners

    def _label_of(self, key: str) -> str:
        """The file's name in ids: kept from before, else its path under its source, made unique."""
        if key in self.labels:
            return self.labels[key]
        source = self.manifest.source_of(key) or key
        if os.path.isdir(source):
            parts = Path(os.path.relpath(key, source)).parts
            prefixes = Path(source).parts[::-1]
        else:
            parts = (Path(key).name,)
            prefixes = Path(key).parent.parts[::-1]
        taken = set(self.labels.values())
        label = "/".join(parts)
        for prefix in prefixes:
            if label not in taken and not self.in_base(label) and label not in self.added:
                break
            label = f"{prefix.strip(os.sep) or 'root'}/{label}"
        self.labels[key] = label
        return label

    def _where(self, article_id: str) -> str:
        key = self.added.get(article_id) or self.owners().get(article_id)
        if not key:
            return "another file"
        state = self.manifest.files.get(key)
        return (state or {}).get("label") or self.labels.get(key, "another file")

    def read(self, reader: PageReader, path: Path, label: str, key: str) -> list[str]:
        """Index the articles of one file; return their ids."""
        ids = []
        for item in reader.read(path, label):
            if isinstance(item, Skipped):
                self.report.skipped.append(item)
                continue
            where = item.path or f"{label} ({item.id})"
            if item.id in self.added or self.in_base(item.id):
                # This file's own earlier articles were deleted before it was read again,
                # so the id belongs to another article: keep that one and say so.
                other = self._where(item.id)
                if self.added.get(item.id) == key:
                    reason = f"duplicate id {item.id!r} in the same file; first kept"
                else:
                    reason = f"duplicate id {item.id!r}: already indexed from {other}; that one kept"
                self.report.skipped.append(Skipped(where, reason))
                continue
            keys = keys_of(item)
            duplicate = self.duplicate_of(item, keys) if self.merge_duplicates else None
            if duplicate:
                self.report.merged.append(Merged(where, item.id, *duplicate))
                continue
            self.transaction.add(to_document(item, keys))
            self.added[item.id] = key
            for pair in keys:
                self.keys.setdefault(pair, item.id)
            ids.append(item.id)
            if self.progress and len(self.added) % PROGRESS_EVERY == 0:
                self.progress(len(self.added))
        return ids

    def sync(self, paths: list[Path], remove_missing: bool, reread: bool) -> None:
        """Read the files under ``paths`` that are new or changed (all of them if ``reread``).

        With ``remove_missing``, the articles of files that were under one of
        ``paths`` and are gone are removed.
        """
        files = self.manifest.files
        read_report = ReadReport()
        seen = set()
        # First what is there and what needs reading, so that the pages can be parsed
        # ahead in worker processes; then, file by file in the same order, the changes.
        found: list[tuple[Path, str, os.stat_result | OSError]] = []
        for path, _ in find_files(paths, read_report):
            key = _abs(path)
            if key in seen:
                continue
            seen.add(key)
            try:
                found.append((path, key, path.stat()))
            except OSError as error:
                found.append((path, key, error))

        def unchanged(key: str, stat: os.stat_result) -> bool:
            old = files.get(key)
            return bool(old and not reread and (old["size"], old["mtime_ns"]) == (stat.st_size, stat.st_mtime_ns))

        planned = [path for path, key, stat in found if not isinstance(stat, OSError) and not unchanged(key, stat)]
        with PageReader(planned) as reader:
            for path, key, stat in found:
                label = self._label_of(key)
                if isinstance(stat, OSError):
                    self.report.skipped.append(Skipped(label, f"cannot read: {stat.strerror}"))
                    continue
                if unchanged(key, stat):
                    self.report.unchanged_files += 1
                    continue
                old = files.get(key)
                if old:
                    self.report.changed_files += 1
                    for article_id in list(old["ids"]):
                        self.delete(article_id)
                else:
                    self.report.new_files += 1
                self.report.files += 1
                ids = self.read(reader, path, label, key)
                files[key] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "ids": ids, "label": label}
        self.report.skipped[:0] = read_report.skipped
        if remove_missing:
            roots = [_abs(p) for p in paths if Path(p).exists()]
            for key in [k for k in files if k not in seen and any(under(k, r) for r in roots)]:
                self.report.deleted_files += 1
                for article_id in files.pop(key)["ids"]:
                    self.delete(article_id)

    def forget(self, source: str) -> None:
        """Remove a source and the articles of its files."""
        files = self.manifest.files
        for key in [k for k in files if under(k, source) and self.manifest.source_of(k) == source]:
            self.report.deleted_files += 1
            for article_id in files.pop(key)["ids"]:
                self.delete(article_id)
        self.manifest.sources = [s for s in self.manifest.sources if s != source]

    def finish(self, meta: dict, force: bool = False) -> None:
        """Count what changed; publish the new generation if anything did."""
        report = self.report
        report.replaced = len(self.deleted & self.added.keys())
        report.added = len(self.added) - report.replaced
        report.removed = len(self.deleted) - report.replaced
        report.sources = list(self.manifest.sources)
        report.changed = bool(self.added or self.deleted or report.deleted_files or report.new_files
                              or report.changed_files or self.base is None or force)
        base_count = self.base.doc_count() if self.base is not None else 0
        report.articles = base_count - len(self.deleted) + len(self.added)
        if not report.changed:
            self.transaction.cancel()
            return
        if self.progress:
            self.progress(len(self.added))
        self.transaction.commit({**meta, "articles": report.articles, "sources": self.manifest.sources},
                                self.manifest)

    def cancel(self) -> None:
        self.transaction.cancel()


def _live(index_dir: Path) -> Generation | None:
    """The live generation, or None when there is no index.

    A damaged index raises :class:`IndexCorruptError` and one of another
    version :class:`IndexOutdatedError`: neither is taken for an absent index.
    """
    try:
        return Generation.open_current(index_dir)
    except IndexNotFoundError:
        return None


def _run(index_dir: Path, base: Generation | None, manifest: Manifest, report: BuildReport,
         progress, work: Callable[[_Session], None], merge_duplicates: bool = True,
         force: bool = False, shards: int | None = None, write_shards: ShardWriter | None = None) -> BuildReport:
    started = time.monotonic()
    session = _Session(index_dir, base, manifest, report, progress, merge_duplicates, shards, write_shards)
    try:
        work(session)
        if base is None and not session.added:
            raise _nothing_read("no article could be read from " + ", ".join(session.manifest.sources),
                                report)
        session.finish({"built_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}, force)
    except BaseException as error:
        session.cancel()
        if isinstance(error, OSError):
            raise write_error(index_dir, error) from error
        raise
    report.seconds = time.monotonic() - started
    return report


def _shards_of(index_dir: Path, live: Generation | None) -> int | None:
    """The shard count of the index as it stands (also of one that must be rebuilt), None if there is none."""
    if live is not None:
        return live.shard_count
    try:
        return shard_count(disk.read_meta(disk.current_generation(index_dir)))
    except (IndexNotFoundError, IndexCorruptError):
        return None


def _for_build(index_dir: Path, rebuild: bool) -> tuple[Generation | None, Manifest]:
    """The live generation (None when there is none or it cannot serve as a base) and its manifest.

    An index of another version is rebuilt from the sources its manifest
    names; a damaged one only when a rebuild was asked for, from the newest
    manifest that can be read.
    """
    try:
        live = Generation.open_current(index_dir)
    except IndexNotFoundError:
        return None, Manifest()
    except IndexOutdatedError:
        return None, Manifest.read(disk.current_generation(index_dir))
    except IndexCorruptError:
        if not rebuild:
            raise
        return None, Manifest.newest_readable(index_dir)
    return live, live.manifest


def build_index(
    paths: Iterable[str | Path] | None = None,
    index_dir: str | Path = Path("indexes/default"),
    progress: Callable[[int], None] | None = None,
    wait: float = 0.0,
    rebuild: bool = False,
    merge_duplicates: bool = True,
    shards: int | None = None,
    write_shards: ShardWriter | None = None,
) -> BuildReport:
    """Add ``paths`` to the index's sources and bring them up to date; keep every other source's articles.

    Only new, changed and deleted files are read. ``paths=None`` brings every
    known source up to date (on an empty index: ``seeds/``). ``rebuild`` reads
    every known source and ``paths`` again; so does a build over an index made
    by another version. A known source that no longer exists keeps its
    articles (listed in ``missing_sources``); a rebuild refuses to run without
    it. ``merge_duplicates=False`` indexes every copy of an article that
    arrives twice under different ids. ``progress`` is called with the number
    of articles written so far, every so often. ``wait`` is how long to wait
    for another writer to finish.

    ``shards`` splits the index into that many shards (``search.store.shards``;
    the answers are the same); None keeps the live index's count (one for a
    new index). A count other than the live index's reads every source again
    into the new shards. ``write_shards`` writes the shards of a full build
    (by default one after another here; ``search.cluster.shard_writer``: as
    tasks on a Ray cluster).
    """
    index_dir = Path(index_dir)
    if shards is not None and not 1 <= shards <= MAX_SHARDS:
        raise InvalidArgumentError(f"shards must be from 1 to {MAX_SHARDS}, not {shards}")
    with disk.write_lock(index_dir, wait=wait):
        live, manifest = _for_build(index_dir, rebuild)
        if live is not None and shards is not None and shards != live.shard_count:
            rebuild = True
        try:
            known = list(manifest.sources)
            given = [Path(p) for p in paths] if paths else []
            if not given and not known:
                given = [DEFAULT_SEEDS]
            sources = manifest.sources = _with_sources(known, given)
            incremental = not rebuild and live is not None
            report = BuildReport(index_dir=index_dir, mode="update" if incremental else "rebuild")
            report.new_sources = [s for s in sources if s not in known]
            report.missing_sources = [s for s in known if not os.path.exists(s)]
            if not incremental and report.missing_sources:
                raise SourceMissingError(
                    f"cannot rebuild the index at {index_dir}: its source {report.missing_sources[0]} "
                    "no longer exists and its articles would be lost; restore it, or forget it first",
                    path=report.missing_sources[0])
            if incremental:
                targets = given or [Path(s) for s in sources if os.path.exists(s)]
            else:
                targets = [Path(s) for s in sources] + [p for p in given if not p.exists()]

            def work(session: _Session) -> None:
                session.sync(targets, remove_missing=True, reread=False)
                if given and not session.added and not (report.unchanged_files or report.changed_files
                                                        or report.deleted_files or report.merged):
                    raise _nothing_read("no article could be read from " + ", ".join(str(p) for p in given),
                                        report)

            return _run(index_dir, live if incremental else None, manifest, report, progress, work,
                        merge_duplicates, force=bool(report.new_sources),
                        shards=shards if shards is not None else _shards_of(index_dir, live),
                        write_shards=write_shards)
        finally:
            if live is not None:
                live.close()


def add_articles(paths: Iterable[str | Path], index_dir: str | Path = Path("indexes/default"),
                 wait: float = 0.0) -> BuildReport:
    """Read the files in ``paths`` again and add their articles to an existing index.

    A path not under a known source becomes one. A file keeps the id it was
    given before; a new one gets its path under its source. An article whose
    id another file already gave is reported in ``skipped``, not replaced.
    """
    index_dir = Path(index_dir)
    given = [Path(p) for p in paths]
    with disk.write_lock(index_dir, wait=wait), Generation.open_current(index_dir) as live:
        manifest = live.manifest
        known = list(manifest.sources)
        manifest.sources = _with_sources(known, given)
        report = BuildReport(index_dir=index_dir, mode="add")
        report.new_sources = [s for s in manifest.sources if s not in known]

        def work(session: _Session) -> None:
            session.sync(given, remove_missing=False, reread=True)
            if not session.added and report.files == 0:
                raise _nothing_read("nothing to add", report)

        return _run(index_dir, live, manifest, report, None, work)


def forget_source(path: str | Path, index_dir: str | Path = Path("indexes/default"),
                  wait: float = 0.0) -> BuildReport:
    """Remove the source ``path`` from the index, with the articles of its files (``removed``)."""
    index_dir = Path(index_dir)
    with disk.write_lock(index_dir, wait=wait), Generation.open_current(index_dir) as live:
        manifest = live.manifest
        source = _abs(path)
        if source not in manifest.sources:
            known = ", ".join(manifest.sources) or "none"
            raise SourceMissingError(f"{path} is not a source of the index at {index_dir} (its sources: {known})",
                                     path=path)
        report = BuildReport(index_dir=index_dir, mode="forget")
        return _run(index_dir, live, manifest, report, None, lambda s: s.forget(source), force=True)


def remove_articles(ids: Iterable[str], index_dir: str | Path = Path("indexes/default"),
                    wait: float = 0.0) -> BuildReport:
    """Remove the articles with these ids; ids the index does not hold are listed in ``not_found``."""
    index_dir = Path(index_dir)
    with disk.write_lock(index_dir, wait=wait), Generation.open_current(index_dir) as live:
        report = BuildReport(index_dir=index_dir, mode="remove")

        def work(session: _Session) -> None:
            for article_id in ids:
                if session.in_base(article_id):
                    session.delete(article_id)
                elif article_id not in report.not_found:
                    report.not_found.append(article_id)

        return _run(index_dir, live, live.manifest, report, None, work)
