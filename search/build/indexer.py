"""Building and updating an index: the archive of record, fed from source files.

The index is the archive; the folders it was built from are only where its
articles came from. So a normal command never removes an article:

* ``build_index(paths, index_dir)`` adds ``paths`` to the index's *sources*
  and brings them up to date: new files are added and changed files read
  again (an article they still give is replaced by its new text). An article
  whose file is gone, emptied, moved away or no longer gives it is **kept**
  and listed (``BuildReport.kept``); ``prune=True`` removes those.
  With no paths every known source is brought up to date.
* ``build_index(rebuild=True)`` re-analyses the articles the index stores,
  without reading any source file (after an upgrade of the analysis, the
  schema or the shard count; an index of the previous schema is upgraded
  this way on its next build); ``reread=True`` reads every source file again.
* ``add_articles(paths, index_dir)`` reads the files in ``paths`` again and
  adds their articles, without looking at other files.
* ``remove_articles(ids, index_dir)``, ``prune`` and ``forget_source(path,
  index_dir)`` are the only ways articles leave. Forgetting a source removes
  only the articles no other source holds a copy of.

The same article arriving twice (same URL or same text, see
``search.build.duplicates``) is indexed once and reported as merged; the
file of every copy is remembered (``search.store.manifest``), so when the
file of the kept copy goes, another copy's file holds the article instead.
A file that moved (the same name, size, time and bytes at another place) is
known again: its articles keep their ids.

A file's id is its path under its source (a file given on its own: its
name), chosen once and kept in the manifest, so it stays the same across
updates and rebuilds; when another source already gave that id, the source's
own folder names are put in front (``b/berita.txt``).

Every change is written to a new generation beside the live one (hard links
to the unchanged segment files, then Whoosh's own update) and replaces it only
when complete (see ``search.store.generation``), so a failed, interrupted or killed
update changes nothing. A full build writes its own segments from one worker
process per core (``search.store.writers``); an update, which touches a few
articles, goes through Whoosh's writer in this process. Many saved HTML pages
are parsed ahead in reader processes, one per core (``search.ingest.pool``),
and indexed here in the order of their files, as if read one by one.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path

from ..articles import Article, Note, ReadReport, Skipped, encodable
from ..errors import (
    IndexCorruptError,
    IndexNotFoundError,
    IndexOutdatedError,
    InvalidArgumentError,
    NothingToIndexError,
    SourceMissingError,
    UnwritableRecordError,
)
from ..ingest import find_files
from ..ingest.pool import PageReader
from ..store import disk
from ..store.generation import (
    OPEN_ERRORS,
    Generation,
    ShardWriter,
    WriteTransaction,
    reading,
    shard_count,
    write_error,
)
from ..store.manifest import MANIFEST, FileState, Manifest, under
from ..store.schema import check_writable, to_article, to_document
from ..store.shards import MAX_SHARDS, shard_folders
from .duplicates import REASONS, keys_of
from .holdings import Holdings

DEFAULT_SEEDS = Path("seeds")
PROGRESS_EVERY = 250


class BuildMode(str, Enum):
    """What a call to the indexer did."""

    BUILD = "build"
    """A new index, from its sources."""
    REBUILD = "rebuild"
    """Every stored article analysed again; no source read."""
    UPDATE = "update"
    """New and changed files read; nothing removed."""
    ADD = "add"
    REMOVE = "remove"
    FORGET = "forget"
    PRUNE = "prune"
    """An update, then the articles whose files are gone removed."""


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
    """What a build, update, add, rebuild, prune, forget or remove did."""

    index_dir: Path
    mode: BuildMode = BuildMode.BUILD
    added: int = 0
    replaced: int = 0
    removed: int = 0
    """Articles removed: only by ``remove_articles``, ``prune`` or ``forget_source``."""
    files: int = 0
    """Files read."""
    new_files: int = 0
    changed_files: int = 0
    deleted_files: int = 0
    """Files that were gone (their articles are kept) or forgotten."""
    moved_files: int = 0
    """Files found at a new place with the same bytes: their articles kept their ids."""
    unchanged_files: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    """What was repaired in the records indexed (characters replaced, dates dropped), one per change."""
    merged: list[Merged] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    """Ids that ``remove_articles`` was asked for but the index does not hold."""
    sources: list[str] = field(default_factory=list)
    """The index's sources afterwards (absolute paths)."""
    new_sources: list[str] = field(default_factory=list)
    missing_sources: list[str] = field(default_factory=list)
    """Known sources that no longer exist; their articles were kept."""
    kept: int = 0
    """Articles in the index afterwards that no file holds any more (``prune`` removes them)."""
    newly_kept: int = 0
    """Of those, the ones whose files went in this run."""
    rebuilt: int = 0
    """Stored articles analysed again (a rebuild, which reads no source)."""
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


def _digest(path: Path) -> str:
    """A hash of the file's bytes ("" if it cannot be read), to know it again at another place."""
    digest = hashlib.blake2b(digest_size=16)
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


def _nothing_read(what: str, report: BuildReport) -> NothingToIndexError:
    reasons = "; ".join(str(s) for s in report.skipped[:3])
    return NothingToIndexError(f"{what}" + (f" ({reasons})" if reasons else "")
                               + "; the existing index was left as it was", path=report.index_dir)


class _Session:
    """One writer's changes to the next generation, started empty or from the live one (``base``)."""

    def __init__(self, index_dir: Path, base: Generation | None, manifest: Manifest, report: BuildReport,
                 progress: Callable[[int], None] | None, merge_duplicates: bool = True,
                 shards: int | None = None, write_shards: ShardWriter | None = None, keep: int | None = None):
        self.index_dir, self.report, self.progress = index_dir, report, progress
        self.merge_duplicates = merge_duplicates
        # Labels chosen earlier, kept when a file is read again.
        self.labels = {key: state.label for key, state in manifest.files.items() if state.label}
        self.manifest = manifest
        self.holdings = Holdings(manifest)
        self.kept_before = set(manifest.kept)
        self.transaction = WriteTransaction(index_dir, base, shards, write_shards, keep)
        self.base = base.searcher if base is not None else None
        self.deleted: set[str] = set()          # ids deleted from the base
        self.added: dict[str, str] = {}         # id -> file key, written in this session
        self.keys: dict[tuple[str, str], str] = {}  # (field, key) -> id, written in this session
        self.manifest_changed = False
        self._moved: dict[tuple[int, int, str], list[str]] | None = None

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

    def _same_article(self, article: Article, stored_id: str) -> bool:
        """Whether ``article`` is the stored article ``stored_id`` (the same URL or text)."""
        stored = self.base.document(id=stored_id) if self.base is not None else None
        return stored is not None and bool(set(keys_of(article)) & set(keys_of(to_article(stored))))

    # -- changes
    def _unindex(self, article_id: str) -> None:
        """The stored article goes from the next generation (to be replaced, or removed)."""
        if self.in_base(article_id):
            self.transaction.delete(article_id)
            self.deleted.add(article_id)

    def remove(self, article_id: str) -> None:
        """Remove an article from the index, and from every file that held it."""
        if self.in_base(article_id):
            self._unindex(article_id)
            self.holdings.forget(article_id)
            self.manifest_changed = True

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
        key = self.added.get(article_id) or self.holdings.owner.get(article_id) \
            or self.manifest.kept.get(article_id)
        if not key:
            return "another file"
        state = self.manifest.files.get(key)
        label = state.label if state is not None else self.labels.get(key, "")
        return label or Path(key).name

    def _write(self, article: Article, key: str, keys: list[tuple[str, str]]) -> bool:
        """Add one article; False (and the record named in ``skipped``) if the index cannot hold it."""
        try:
            document = to_document(article, keys)
        except UnwritableRecordError as error:
            self.report.skipped.append(Skipped(article.origin or article.path or article.id, str(error)))
            return False
        self.transaction.add(document)
        self.report.notes.extend(article.notes)
        self.added[article.id] = key
        for pair in keys:
            self.keys.setdefault(pair, article.id)
        if self.progress and len(self.added) % PROGRESS_EVERY == 0:
            self.progress(len(self.added))
        return True

    def read(self, reader: PageReader, path: Path, label: str, key: str) -> tuple[list[str], list[str]]:
        """Index the articles of one file; (the ids it gives, the ids it holds copies of)."""
        ids: list[str] = []
        copies: list[str] = []
        for item in reader.read(path, label):
            if isinstance(item, Skipped):
                self.report.skipped.append(item)
                continue
            where = item.path or f"{label} ({item.id})"
            try:  # before anything it would replace is touched
                check_writable(item, keys_of(item))
            except UnwritableRecordError as error:
                self.report.skipped.append(Skipped(item.origin or where, str(error)))
                continue
            if item.id in self.added or self.in_base(item.id):
                if self._takes_over(item, key):
                    self._unindex(item.id)
                else:
                    if self.added.get(item.id) == key:
                        reason = f"duplicate id {item.id!r} in the same file; first kept"
                    else:
                        reason = f"duplicate id {item.id!r}: already indexed from {self._where(item.id)}; that one kept"
                        copies.append(item.id)
                    self.report.skipped.append(Skipped(where, reason))
                    continue
            keys = keys_of(item)
            duplicate = self.duplicate_of(item, keys) if self.merge_duplicates else None
            if duplicate:
                self.report.merged.append(Merged(where, item.id, *duplicate))
                (ids if self._adopts(duplicate[0], key) else copies).append(duplicate[0])
                continue
            if self._write(item, key, keys):
                ids.append(item.id)
        return ids, copies

    def _takes_over(self, article: Article, key: str) -> bool:
        """Whether the file ``key`` replaces the stored article with ``article``'s id.

        It does when that article came from this file (read again), or when
        its own file is gone and this is the same article: a file of the same
        name, or the same URL or text (a moved file, edited since).
        """
        if article.id in self.added:
            return False
        owner = self.holdings.owner.get(article.id)
        if owner == key:
            return True
        gone = article.id in self.manifest.kept or (owner is not None and not os.path.exists(owner))
        former = owner or self.manifest.kept.get(article.id, "")
        return gone and (Path(former).name == Path(key).name or self._same_article(article, article.id))

    def _adopts(self, article_id: str, key: str) -> bool:
        """Whether the file ``key``, holding a copy of ``article_id``, becomes its owner (its own file is gone)."""
        owner = self.holdings.owner.get(article_id) or self.added.get(article_id)
        return owner == key or (owner is None and article_id in self.manifest.kept)

    def _moved_from(self, key: str, size: int, mtime_ns: int) -> str | None:
        """The manifest's entry for this file at its old place, if it moved (same name, size, time, bytes)."""
        if self._moved is None:
            self._moved = {}
            for old, known in self.manifest.files.items():
                self._moved.setdefault((known.size, known.mtime_ns, Path(old).name), []).append(old)
        digest = None
        for old in self._moved.get((size, mtime_ns, Path(key).name), []):
            state = self.manifest.files.get(old)
            if state is None or old == key or os.path.exists(old):
                continue
            digest = digest if digest is not None else _digest(Path(key))
            if not state.digest or state.digest == digest:
                return old
        return None

    def _move(self, old: str, key: str) -> None:
        """The file ``old`` is now at ``key``: its entry, label and articles go with it."""
        state = self.manifest.files.pop(old)
        self.manifest.files[key] = state
        self.labels[key] = state.label
        for article_id in state.ids:
            self.holdings.owner[article_id] = key
        for article_id in state.copies:
            self.holdings.copies.setdefault(article_id, set()).discard(old)
            self.holdings.copy(article_id, key)
        self.report.moved_files += 1
        self.manifest_changed = True

    def _release_file(self, key: str, state: FileState, keep_ids: Iterable[str] = ()) -> None:
        """The file ``key`` no longer gives its articles (but ``keep_ids``): they stay, held elsewhere or kept."""
        still = set(keep_ids)
        for article_id in [i for i in state.ids if i not in still]:
            self.holdings.release(article_id, key)

    def sync(self, paths: list[Path], reread: bool, notice_gone: bool = True) -> None:
        """Read the files under ``paths`` that are new or changed (all of them if ``reread``).

        With ``notice_gone``, files that were under one of ``paths`` and are
        gone no longer hold their articles: those stay in the index, held by
        another copy's file or kept.
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
            return bool(old and not reread and (old.size, old.mtime_ns) == (stat.st_size, stat.st_mtime_ns))

        for _, key, stat in found:
            if not isinstance(stat, OSError) and key not in files:
                moved = self._moved_from(key, stat.st_size, stat.st_mtime_ns)
                if moved is not None:
                    self._move(moved, key)
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
                self._sync_file(reader, path, key, label, stat)
        self.report.skipped[:0] = read_report.skipped
        if notice_gone:
            self._notice_gone(paths, seen)

    def _notice_gone(self, paths: list[Path], seen: set[str]) -> None:
        files = self.manifest.files
        roots = [_abs(p) for p in paths if Path(p).exists()]
        for key in [k for k in files if k not in seen and any(under(k, r) for r in roots)]:
            self.report.deleted_files += 1
            state = files.pop(key)
            self._release_file(key, state)
            self.holdings.drop_copies(key, state.copies)
            self.manifest_changed = True

    def _sync_file(self, reader: PageReader, path: Path, key: str, label: str, stat: os.stat_result) -> None:
        """Read one new or changed file; its articles replace what it gave before."""
        old = self.manifest.files.get(key)
        skipped_before = len(self.report.skipped)
        self.report.files += 1
        ids, copies = self.read(reader, path, label, key)
        if not ids and not copies and len(self.report.skipped) > skipped_before:
            # Unreadable (emptied, damaged, not allowed): a known file keeps what it held; read again next time.
            return
        if old is not None:
            self.report.changed_files += 1
            self._release_file(key, old, keep_ids=ids)
            self.holdings.drop_copies(key, old.copies)
        else:
            self.report.new_files += 1
        ids = list(dict.fromkeys(ids))
        copies = [i for i in dict.fromkeys(copies) if i not in ids]
        state = FileState(stat.st_size, stat.st_mtime_ns, label, [], copies, _digest(path))
        self.manifest.files[key] = state
        for article_id in ids:
            self.holdings.own(article_id, key)
            state.ids.append(article_id)
        for article_id in copies:
            self.holdings.copy(article_id, key)
        self.manifest_changed = True

    def carry(self, stored: Iterator[dict | Skipped]) -> None:
        """Write every stored article of the previous generation again (a rebuild without the sources).

        An article a damaged generation no longer gives is named; its file,
        if the index knows one, is read again by the next update.
        """
        for fields in stored:
            if isinstance(fields, Skipped):
                self.report.skipped.append(fields)
                continue
            article = to_article(fields)
            self._write(article, self.holdings.owner.get(article.id, ""), keys_of(article))
        for article_id in sorted((set(self.holdings.owner) | set(self.manifest.kept)) - set(self.added)):
            owner = self.holdings.owner.get(article_id)
            if owner is not None and owner in self.manifest.files:
                self.manifest.files[owner].mtime_ns = -1  # read again by the next update
            self.holdings.forget(article_id)
            self.report.skipped.append(Skipped(article_id, "lost with the damaged index" + (
                "; its file is read again by the next update" if owner else "")))

    def prune(self) -> None:
        """Remove the articles no file holds any more; files that held other copies of them are read again."""
        gone = sorted(self.manifest.kept)
        holders = sorted({key for article_id in gone for key in self.holdings.copies.get(article_id, ())})
        for article_id in gone:
            self.remove(article_id)
        # A record skipped for an id that a pruned article held is indexed now.
        self.sync([Path(key) for key in holders if os.path.exists(key)], reread=True, notice_gone=False)

    def forget(self, source: str) -> None:
        """Remove a source: the articles only its files held go; another source's copy keeps one."""
        files = self.manifest.files
        for key in [k for k in files if under(k, source) and self.manifest.source_of(k) == source]:
            self.report.deleted_files += 1
            state = files.pop(key)
            self.holdings.drop_copies(key, state.copies)
            for article_id in list(state.ids):
                if self.holdings.release(article_id, key):  # no other source holds it
                    self.remove(article_id)
        for article_id, former in list(self.manifest.kept.items()):
            if under(former, source) and self.manifest.source_of(former) == source:
                self.remove(article_id)
        self.manifest.sources = [s for s in self.manifest.sources if s != source]
        self.manifest_changed = True

    def finish(self, meta: dict, force: bool = False) -> None:
        """Count what changed; publish the new generation if anything did."""
        report = self.report
        report.replaced = len(self.deleted & self.added.keys())
        report.added = len(self.added) - report.replaced
        report.removed = len(self.deleted) - report.replaced
        report.sources = list(self.manifest.sources)
        report.kept = len(self.manifest.kept)
        report.newly_kept = len(set(self.manifest.kept) - self.kept_before)
        report.changed = bool(self.added or self.deleted or self.manifest_changed or self.base is None or force)
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
        for segment in segments:
            yield from _stored_in(index_dir, ix, segment, f"{shard.name}/{segment.segment_id()}")


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


def _damage(folder: Path) -> list[Skipped]:
    """What is damaged in a generation to be rebuilt: nothing, or files the stored articles may survive.

    A damaged manifest or meta cannot be rebuilt from (:class:`IndexCorruptError`):
    a kept generation (a restore) is the way back then.
    """
    meta = disk.read_meta(folder)
    damaged = disk.damaged_files(folder, meta)
    for name, problem in damaged:
        if name == MANIFEST:
            raise disk.corrupt_file(folder, name, problem)
    return [Skipped(f"{folder.name}/{name}", f"{problem}: the stored articles were read from it as they are, "
                    "and those that could not be read are listed") for name, problem in damaged]


def _run(index_dir: Path, base: Generation | None, manifest: Manifest, report: BuildReport,
         progress, work: Callable[[_Session], None], merge_duplicates: bool = True,
         force: bool = False, shards: int | None = None, write_shards: ShardWriter | None = None,
         keep: int | None = None) -> BuildReport:
    started = time.monotonic()
    session = _Session(index_dir, base, manifest, report, progress, merge_duplicates, shards, write_shards, keep)
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


def _open_live(index_dir: Path, rebuild: bool) -> tuple[Generation | None, Path | None]:
    """(the live generation, None), or (None, its folder) when it must be rebuilt before an update.

    That is when another schema version built it, or when a rebuild is
    asked for and it is damaged (its stored articles are what is left).
    (None, None) when there is no index. A damaged index otherwise raises
    :class:`IndexCorruptError`: it is never taken for an absent one, and
    nothing is built over it.
    """
    try:
        return Generation.open_current(index_dir), None
    except IndexNotFoundError:
        return None, None
    except IndexOutdatedError:
        return None, disk.current_generation(index_dir)
    except IndexCorruptError:
        if not rebuild:
            raise
        return None, disk.current_generation(index_dir)


def _rebuild(index_dir: Path, folder: Path, shards: int | None, write_shards: ShardWriter | None,
             progress, keep: int | None) -> BuildReport:
    """A new generation from the stored articles of the generation in ``folder``; its manifest carried over."""
    report = BuildReport(index_dir=index_dir, mode=BuildMode.REBUILD, skipped=_damage(folder))
    manifest = Manifest.read(folder)
    count = shards if shards is not None else shard_count(disk.read_meta(folder))
    _run(index_dir, None, manifest, report, progress,
         lambda session: session.carry(stored_articles(index_dir, folder)),
         force=True, shards=count, write_shards=write_shards, keep=keep)
    report.rebuilt = report.articles
    return report


def _new_index(index_dir: Path, given: list[Path], progress, merge_duplicates: bool, shards: int | None,
               write_shards: ShardWriter | None, keep: int | None) -> BuildReport:
    """An index built from ``given`` (``seeds/`` if none) where there was none."""
    given = given or [DEFAULT_SEEDS]
    manifest = Manifest(_with_sources([], given))
    report = BuildReport(index_dir=index_dir, mode=BuildMode.BUILD, new_sources=list(manifest.sources))
    targets = [Path(s) for s in manifest.sources] + [p for p in given if not p.exists()]
    return _run(index_dir, None, manifest, report, progress,
                lambda session: session.sync(targets, reread=False), merge_duplicates,
                shards=shards, write_shards=write_shards, keep=keep)


def _update(index_dir: Path, live: Generation, given: list[Path], progress, merge_duplicates: bool,
            reread: bool, prune: bool, keep: int | None) -> BuildReport:
    """Bring ``given`` (every known source if none) up to date in the live generation; prune if asked."""
    manifest = live.manifest
    known = list(manifest.sources)
    manifest.sources = _with_sources(known, given)
    report = BuildReport(index_dir=index_dir, mode=BuildMode.PRUNE if prune else BuildMode.UPDATE)
    report.new_sources = [s for s in manifest.sources if s not in known]
    report.missing_sources = [s for s in known if not os.path.exists(s)]
    targets = given or [Path(s) for s in manifest.sources if os.path.exists(s)]

    def work(session: _Session) -> None:
        session.sync(targets, reread=reread)
        if given and not session.added and not (report.new_files or report.unchanged_files or report.changed_files
                                                or report.deleted_files or report.moved_files):
            raise _nothing_read("no article could be read from " + ", ".join(str(p) for p in given), report)
        if prune:
            session.prune()

    return _run(index_dir, live, manifest, report, progress, work, merge_duplicates,
                force=bool(report.new_sources), keep=keep)


def build_index(
    paths: Iterable[str | Path] | None = None,
    index_dir: str | Path = Path("indexes/default"),
    progress: Callable[[int], None] | None = None,
    wait: float = 0.0,
    rebuild: bool = False,
    merge_duplicates: bool = True,
    shards: int | None = None,
    write_shards: ShardWriter | None = None,
    reread: bool = False,
    prune: bool = False,
    keep: int | None = None,
) -> BuildReport:
    """Add ``paths`` to the index's sources and bring them up to date; never remove an article unless asked.

    Only new and changed files are read. ``paths=None`` brings every known
    source up to date (where there is no index yet: ``seeds/``). An article
    whose file is gone, or no longer gives it, is kept (``report.kept``);
    ``prune`` removes those. ``rebuild`` analyses every stored article again
    without reading a source (as does a build over an index of another
    schema version, or with another shard count), then updates ``paths`` if
    given; ``reread`` reads every file of the sources again.
    ``merge_duplicates=False`` indexes every copy of an article that arrives
    twice under different ids. ``progress`` is called with the number of
    articles written so far, every so often. ``wait`` is how long to wait
    for another writer to finish.

    ``shards`` splits the index into that many shards (``search.store.shards``;
    the answers are the same); None keeps the live index's count (one for a
    new index). ``write_shards`` writes the shards of a full build (by
    default one after another here; ``search.cluster.shard_writer``: as tasks
    on a Ray cluster). ``keep`` is how many earlier generations stay to
    restore (None: as many as the index keeps already, one for a new index).
    """
    index_dir = Path(index_dir)
    if shards is not None and not 1 <= shards <= MAX_SHARDS:
        raise InvalidArgumentError(f"shards must be from 1 to {MAX_SHARDS}, not {shards}")
    given = [Path(p) for p in paths] if paths else []
    with disk.write_lock(index_dir, wait=wait):
        live, outdated = _open_live(index_dir, rebuild)
        if live is None and outdated is None:
            return _new_index(index_dir, given, progress, merge_duplicates, shards, write_shards, keep)
        rebuilt = None
        update_asked = bool(given or reread or prune)
        only_rebuild = rebuild and not update_asked
        if outdated is not None:  # an upgrade or a repair first: an update needs a whole index of this version
            rebuilt = _rebuild(index_dir, outdated, shards, write_shards, progress, keep)
            live, rebuild = Generation.open_current(index_dir), False
        assert live is not None
        rebuild = rebuild or (shards is not None and shards != live.shard_count)
        report = None
        with live:
            if update_asked or not (rebuild or only_rebuild):
                # Before a rebuild, so that an update that fails leaves the index as it was.
                report = _update(index_dir, live, given, progress, merge_duplicates, reread, prune, keep)
        if rebuild:
            rebuilt = _rebuild(index_dir, disk.current_generation(index_dir), shards, write_shards, progress, keep)
        if report is None or rebuilt is None:
            return report or rebuilt  # type: ignore[return-value]
        report.rebuilt, report.seconds = rebuilt.articles, report.seconds + rebuilt.seconds
        report.skipped[:0] = rebuilt.skipped
        report.articles, report.changed = rebuilt.articles, True
        return report


def add_articles(paths: Iterable[str | Path], index_dir: str | Path = Path("indexes/default"),
                 wait: float = 0.0, keep: int | None = None) -> BuildReport:
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
        report = BuildReport(index_dir=index_dir, mode=BuildMode.ADD)
        report.new_sources = [s for s in manifest.sources if s not in known]

        def work(session: _Session) -> None:
            session.sync(given, reread=True, notice_gone=False)
            if not session.added and report.files == 0:
                raise _nothing_read("nothing to add", report)

        return _run(index_dir, live, manifest, report, None, work, keep=keep)


def forget_source(path: str | Path, index_dir: str | Path = Path("indexes/default"),
                  wait: float = 0.0, keep: int | None = None) -> BuildReport:
    """Remove the source ``path``: the articles no other source holds go (``removed``)."""
    index_dir = Path(index_dir)
    with disk.write_lock(index_dir, wait=wait), Generation.open_current(index_dir) as live:
        manifest = live.manifest
        source = _abs(path)
        if source not in manifest.sources:
            known = ", ".join(manifest.sources) or "none"
            raise SourceMissingError(f"{path} is not a source of the index at {index_dir} (its sources: {known})",
                                     path=path)
        report = BuildReport(index_dir=index_dir, mode=BuildMode.FORGET)
        return _run(index_dir, live, manifest, report, None, lambda s: s.forget(source), force=True, keep=keep)


def remove_articles(ids: Iterable[str], index_dir: str | Path = Path("indexes/default"),
                    wait: float = 0.0, keep: int | None = None) -> BuildReport:
    """Remove the articles with these ids; ids the index does not hold are listed in ``not_found``."""
    index_dir = Path(index_dir)
    with disk.write_lock(index_dir, wait=wait), Generation.open_current(index_dir) as live:
        report = BuildReport(index_dir=index_dir, mode=BuildMode.REMOVE)

        def work(session: _Session) -> None:
            for asked in ids:
                article_id = encodable(asked)  # as stored: a command line's undecodable bytes are U+FFFD
                if session.in_base(article_id):
                    session.remove(article_id)
                elif article_id not in report.not_found:
                    report.not_found.append(article_id)

        return _run(index_dir, live, live.manifest, report, None, work, keep=keep)
