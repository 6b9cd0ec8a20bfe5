"""One writer's changes to the next generation: which files to read, what each gives, what stays.

A :class:`Session` is made by each operation of ``search.indexing.indexer``
(build, update, rebuild, prune, forget, add, remove) around one
:class:`WriteTransaction`. It reads new and changed files, replaces what a
file gave before, remembers every copy of a duplicate and who holds what
(``search.indexing.holdings``), knows a moved file again, and never removes an
article unless it is told to (``remove``, ``prune``, ``forget``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..articles import Article, ReadReport, Skipped
from ..errors import UnwritableRecordError
from ..ingest import BY_DEFAULT, ReadOptions, find_files
from ..ingest.pool import PageReader
from ..store.generation import Generation, ShardWriter, WriteTransaction
from ..store.manifest import FileState, Manifest, under
from ..store.schema import to_article, to_document
from .duplicates import REASONS, keys_of
from .holdings import Holdings
from .report import BuildReport, Merged

PROGRESS_EVERY = 250


def abs_path(path: str | Path) -> str:
    return os.path.abspath(path)


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


class Session:
    """One writer's changes to the next generation, started empty or from the live one (``base``).

    ``reading`` is what the readers are told (a table's columns, the languages kept: ``ReadOptions``).
    """

    def __init__(self, index_dir: Path, base: Generation | None, manifest: Manifest, report: BuildReport,
                 progress: Callable[[int], None] | None, merge_duplicates: bool = True,
                 shards: int | None = None, write_shards: ShardWriter | None = None, keep: int | None = None,
                 reading: ReadOptions = BY_DEFAULT):
        self.index_dir, self.report, self.progress = index_dir, report, progress
        self.reading = reading
        self.merge_duplicates = merge_duplicates
        # Labels chosen earlier, kept when a file is read again.
        self.labels = {key: state.label for key, state in manifest.files.items() if state.label}
        self.manifest = manifest
        self.holdings = Holdings(manifest)
        self.kept_before = set(manifest.kept)
        self.transaction = WriteTransaction(index_dir, base, shards, write_shards, keep)
        self.base = base
        self.deleted: set[str] = set()          # ids deleted from the base
        self.added: dict[str, str] = {}         # id -> file key, written in this session
        self.keys: dict[tuple[str, str], str] = {}  # (field, key) -> id, written in this session
        self.manifest_changed = False
        self._moved: dict[tuple[int, int, str], list[str]] | None = None

    # -- what the index holds
    def in_base(self, article_id: str) -> bool:
        return (self.base is not None and article_id not in self.deleted
                and self.base.holds(article_id))

    def duplicate_of(self, article: Article, keys: list[tuple[str, str]]) -> tuple[str, str] | None:
        """(kept id, reason) if the index already holds this article (its ``keys``) under another id."""
        for name, key in keys:
            kept = self.keys.get((name, key))
            if kept is None and self.base is not None:
                kept = next((found for found in self.base.ids_with(name, key)
                             if found not in self.deleted and found != article.id), None)
            if kept is not None and kept != article.id:
                return kept, REASONS[name]
        return None

    def _same_article(self, article: Article, stored_id: str) -> bool:
        """Whether ``article`` is the stored article ``stored_id`` (the same URL or text)."""
        stored = self.base.stored(stored_id) if self.base is not None else None
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

    def _document(self, article: Article, keys: list[tuple[str, str]]) -> dict | None:
        """The article as the index holds it; None (and the record named in ``skipped``) if it cannot."""
        try:
            return to_document(article, keys)
        except UnwritableRecordError as error:
            self.report.skipped.append(Skipped(article.origin or article.path or article.id, str(error)))
            return None

    def _add(self, article: Article, key: str, keys: list[tuple[str, str]], document: dict) -> None:
        """Write one article's document, given by the file ``key``."""
        self.transaction.add(document)
        self.report.notes.extend(article.notes)
        self.added[article.id] = key
        for pair in keys:
            self.keys.setdefault(pair, article.id)
        if self.progress and len(self.added) % PROGRESS_EVERY == 0:
            self.progress(len(self.added))

    def read(self, reader: PageReader, path: Path, label: str, key: str,
             options: ReadOptions = BY_DEFAULT) -> tuple[list[str], list[str]]:
        """Index the articles of one file, read with ``options``; (the ids it gives, the ids it holds copies of)."""
        ids: list[str] = []
        copies: list[str] = []
        for item in reader.read(path, label, options):
            if isinstance(item, Skipped):
                self.report.skipped.append(item)
                continue
            where = item.path or f"{label} ({item.id})"
            keys = keys_of(item)
            document = self._document(item, keys)  # before anything it would replace is touched
            if document is None:
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
            duplicate = self.duplicate_of(item, keys) if self.merge_duplicates else None
            if duplicate:
                self.report.merged.append(Merged(where, item.id, *duplicate))
                (ids if self._adopts(duplicate[0], key) else copies).append(duplicate[0])
                continue
            self._add(item, key, keys, document)
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
            key = abs_path(path)
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
        roots = [abs_path(p) for p in paths if Path(p).exists()]
        for key in [k for k in files if k not in seen and any(under(k, r) for r in roots)]:
            self.report.deleted_files += 1
            state = files.pop(key)
            self._release_file(key, state)
            self.holdings.drop_copies(key, state.copies)
            self.manifest_changed = True

    def _options_for(self, old: FileState | None) -> ReadOptions:
        """How to read a file: as this run was told, or else as it was read before (its ``--columns``)."""
        if self.reading != BY_DEFAULT or old is None or not old.reading:
            return self.reading
        return ReadOptions.from_json(old.reading)

    def _sync_file(self, reader: PageReader, path: Path, key: str, label: str, stat: os.stat_result) -> None:
        """Read one new or changed file; its articles replace what it gave before."""
        old = self.manifest.files.get(key)
        skipped_before = len(self.report.skipped)
        self.report.files += 1
        options = self._options_for(old)
        ids, copies = self.read(reader, path, label, key, options)
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
        state = FileState(stat.st_size, stat.st_mtime_ns, label, [], copies, _digest(path), options.to_json())
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
            keys = keys_of(article)
            document = self._document(article, keys)
            if document is None:
                continue
            self._add(article, self.holdings.owner.get(article.id, ""), keys, document)
            if article.id not in self.holdings.owner:
                self.manifest.kept.setdefault(article.id, "")  # no file known (a manifest lost)
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
        base_count = self.base.article_count if self.base is not None else 0
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
