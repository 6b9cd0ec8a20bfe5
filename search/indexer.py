"""Building and updating an index from seed files.

* ``build_index(paths, index_dir)`` brings the index in line with the files
  under ``paths``. If the index was built from the same paths by this version,
  only what changed is processed: new files are added, changed files
  re-indexed, and the articles of deleted files removed. Otherwise, or with
  ``rebuild=True``, everything is read again.
* ``add_articles(paths, index_dir)`` adds the articles in ``paths``, replacing
  any with the same id, without looking at other files.
* ``remove_articles(ids, index_dir)`` removes articles by id.

Every change is written to a new generation beside the live one (hard links
to the unchanged segment files, then Whoosh's own update) and replaces it only
when complete (see ``search.storage``), so a failed, interrupted or killed
update changes nothing. The same article arriving twice (same URL or same
text, see ``search.duplicates``) is indexed once and reported as merged.

A full build writes from one worker process per core (``search.writers``);
an update, which touches a few articles, from this process.

The index remembers the files it read, with their size, modification time
and the ids each gave, in ``files.json`` beside the segment files.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from whoosh import index as whoosh_index

from . import analysis, storage
from .articles import Article, ReadReport, Skipped
from .duplicates import REASONS, keys_of
from .errors import IndexNotFoundError, IndexOutdatedError, NothingToIndexError, SearchError
from .readers import find_files, read_file
from .schema import SCHEMA_VERSION, build_schema, lead_of
from .writers import CheckedMpWriter, collect_worker_stems

DEFAULT_SEEDS = Path("seeds")
MANIFEST = storage.MANIFEST
PROGRESS_EVERY = 250
# Memory for Whoosh's posting pools, shared among the writing processes.
WRITER_MB = 256


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
    articles: int = 0
    """Articles in the index afterwards."""
    seconds: float = 0.0
    changed: bool = True
    """False when there was nothing to do and the index was left as it was."""

    @property
    def indexed(self) -> int:
        """Articles written: added or replaced."""
        return self.added + self.replaced


def article_fields(article: Article) -> dict:
    """The Whoosh document for one article."""
    doc = {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "lead": lead_of(article.body),
        # The words as written, the title's too: a query word as typed is found in either.
        "exact": f"{article.title}\n{article.body}" if article.title else article.body,
        "date_text": article.date.isoformat() if article.date else "",
        "editor": article.editor,
        "url": article.url,
        "summary": article.summary,
        "path": article.path,
    }
    for name, key in keys_of(article):
        doc[name] = key
    if article.date:
        doc["month"] = article.date.strftime("%Y-%m")
        doc["date"] = article.date.astimezone(timezone.utc).replace(tzinfo=None)
    for name in ("category", "source", "location", "author"):
        value = getattr(article, name)
        if value:
            doc[name] = value
    return doc


def _roots(paths: Iterable[str | Path]) -> list[str]:
    return [os.path.abspath(p) for p in paths]


class _Session:
    """One writer's changes to a new generation, started empty or from the live one."""

    def __init__(self, index_dir: Path, base: Path | None, roots: list[str], report: BuildReport,
                 progress: Callable[[int], None] | None, merge_duplicates: bool = True):
        self.index_dir, self.report, self.progress = index_dir, report, progress
        self.merge_duplicates = merge_duplicates
        self.folder = storage.new_build_folder(index_dir)
        if base is not None:
            storage.link_generation(base, self.folder)
            self.ix = whoosh_index.open_dir(str(self.folder))
            self.manifest = _read_manifest(base)
            analysis.remember_stems(storage.read_stems(base))
            self.base = self.ix.searcher()
        else:
            self.ix = whoosh_index.create_in(str(self.folder), build_schema())
            self.manifest = {"roots": roots, "files": {}}
            self.base = None
        # A full build writes from every core; an update, a few articles, from this one.
        # Segments stay separate files (compound=False): Whoosh reads a compound
        # file's parts into memory when it opens them (a one-off query on 26,336
        # articles spent 0.1 s and 300 MB on it), and assembling one copies the
        # whole index once more at the end of a build.
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        if base is None and cores > 1:
            self.writer = CheckedMpWriter(self.ix, self.folder, procs=cores, limitmb=WRITER_MB // cores,
                                          compound=False)
        else:
            self.writer = self.ix.writer(limitmb=WRITER_MB, compound=False)
        self.deleted: set[str] = set()          # ids deleted from the base
        self.added: dict[str, str] = {}         # id -> file key, written in this session
        self.keys: dict[tuple[str, str], str] = {}  # (field, key) -> id, written in this session
        self._owners: dict[str, str] | None = None

    # -- what the index holds
    def in_base(self, article_id: str) -> bool:
        return (self.base is not None and article_id not in self.deleted
                and self.base.document_number(id=article_id) is not None)

    def holds(self, article_id: str) -> bool:
        return article_id in self.added or self.in_base(article_id)

    def duplicate_of(self, article: Article) -> tuple[str, str] | None:
        """(kept id, reason) if the index already holds this article under another id."""
        for name, key in keys_of(article):
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
            self.writer.delete_by_term("id", article_id)
            self.deleted.add(article_id)
            owner = self.owners().pop(article_id, None)
            if owner and owner in self.manifest["files"]:
                ids = self.manifest["files"][owner]["ids"]
                if article_id in ids:
                    ids.remove(article_id)

    def owners(self) -> dict[str, str]:
        """id -> the key of the file it came from, for files in the manifest."""
        if self._owners is None:
            self._owners = {i: key for key, state in self.manifest["files"].items() for i in state["ids"]}
        return self._owners

    def read(self, path: Path, label: str, key: str, replace: bool) -> list[str]:
        """Index the articles of one file; return their ids."""
        ids = []
        for item in read_file(path, label):
            if isinstance(item, Skipped):
                self.report.skipped.append(item)
                continue
            where = item.path or f"{label} ({item.id})"
            if item.id in self.added:
                self.report.skipped.append(Skipped(where, f"duplicate id {item.id!r}; first kept"))
                continue
            if self.in_base(item.id):
                if not replace:
                    self.report.skipped.append(Skipped(where, f"duplicate id {item.id!r}; the indexed one kept"))
                    continue
                self.delete(item.id)
            duplicate = self.duplicate_of(item) if self.merge_duplicates else None
            if duplicate:
                self.report.merged.append(Merged(where, item.id, *duplicate))
                continue
            self.writer.add_document(**article_fields(item))
            self.added[item.id] = key
            for pair in keys_of(item):
                self.keys.setdefault(pair, item.id)
            ids.append(item.id)
            if self.progress and len(self.added) % PROGRESS_EVERY == 0:
                self.progress(len(self.added))
        return ids

    def sync(self, paths: list[Path], remove_missing: bool, replace: bool, reread: bool,
             label_roots: list[Path] = ()) -> None:
        """Read the files under ``paths`` that are new or changed (all of them if ``reread``).

        A file under one of ``label_roots`` is labelled by its path under that
        folder, as a build from that folder would label it.
        """
        files = self.manifest["files"]
        read_report = ReadReport()
        seen = set()
        for path, label in find_files(paths, read_report):
            key = os.path.abspath(path)
            seen.add(key)
            root = next((r for r in label_roots if _under(key, [r])), None)
            if root is not None:
                label = Path(os.path.relpath(key, os.path.abspath(root))).as_posix()
            try:
                stat = path.stat()
            except OSError as error:
                self.report.skipped.append(Skipped(label, f"cannot read: {error.strerror}"))
                continue
            old = files.get(key)
            if old and not reread and (old["size"], old["mtime_ns"]) == (stat.st_size, stat.st_mtime_ns):
                self.report.unchanged_files += 1
                continue
            if old:
                self.report.changed_files += 1
                for article_id in list(old["ids"]):
                    self.delete(article_id)
            else:
                self.report.new_files += 1
            self.report.files += 1
            ids = self.read(path, label, key, replace)
            files[key] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "ids": ids}
        self.report.skipped[:0] = read_report.skipped
        if remove_missing:
            roots = [Path(p) for p in paths if Path(p).exists()]
            for key in [k for k in files if k not in seen and _under(k, roots)]:
                self.report.deleted_files += 1
                for article_id in files.pop(key)["ids"]:
                    self.delete(article_id)

    def finish(self, meta: dict) -> None:
        """Count what changed; publish the new generation if anything did."""
        report = self.report
        report.replaced = len(self.deleted & self.added.keys())
        report.added = len(self.added) - report.replaced
        report.removed = len(self.deleted) - report.replaced
        report.changed = bool(self.added or self.deleted or report.deleted_files or report.new_files
                              or report.changed_files or self.base is None)
        if self.base is not None:
            report.articles = self.base.doc_count() - len(self.deleted) + len(self.added)
            self.base.close()
        else:
            report.articles = len(self.added)
        if not report.changed:
            self.writer.cancel()
            self.ix.close()
            storage.discard(self.folder)
            return
        self.writer.commit()
        self.ix.close()
        collect_worker_stems(self.folder)
        if self.progress:
            self.progress(len(self.added))
        (self.folder / MANIFEST).write_text(json.dumps(self.manifest), encoding="utf-8")
        storage.write_stems(self.folder, analysis.known_stems())
        storage.publish(self.index_dir, self.folder, {**meta, "schema_version": SCHEMA_VERSION,
                                                      "articles": report.articles,
                                                      "roots": self.manifest["roots"]})

    def cancel(self) -> None:
        """Drop the unfinished generation. Closing may fail too (a full disk): the folder goes anyway."""
        for close in (self.writer.cancel, self.base.close if self.base is not None else None, self.ix.close):
            try:
                if close is not None:
                    close()
            except Exception:  # noqa: BLE001 - the first error is the one reported
                pass
        storage.discard(self.folder)


def _under(key: str, roots: list[Path]) -> bool:
    for root in roots:
        root_text = os.path.abspath(root)
        if key == root_text or key.startswith(root_text.rstrip(os.sep) + os.sep):
            return True
    return False


def _read_manifest(generation: Path) -> dict:
    try:
        manifest = json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
        if isinstance(manifest.get("files"), dict):
            return manifest
    except (OSError, ValueError, AttributeError):
        pass
    return {"roots": [], "files": {}}


def _live_generation(index_dir: Path) -> tuple[Path | None, dict]:
    """The live generation and its meta, or ``(None, {})`` when there is none."""
    try:
        generation = storage.current_generation(index_dir)
    except IndexNotFoundError:
        return None, {}
    return generation, storage.read_meta(generation)


def _run(index_dir: Path, base: Path | None, roots: list[str], report: BuildReport,
         progress, work: Callable[[_Session], None], meta: dict, merge_duplicates: bool = True) -> BuildReport:
    started = time.monotonic()
    session = _Session(index_dir, base, roots, report, progress, merge_duplicates)
    try:
        work(session)
        if base is None and not session.added:
            reasons = "; ".join(str(s) for s in report.skipped[:3])
            raise NothingToIndexError(
                "no article could be read from " + ", ".join(roots)
                + (f" ({reasons})" if reasons else "") + "; the existing index was left as it was"
            )
        report.seconds = time.monotonic() - started
        meta = {**meta, "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "build_seconds": round(report.seconds, 2)}
        session.finish(meta)
    except BaseException as error:
        session.cancel()
        if isinstance(error, (SearchError, KeyboardInterrupt)):
            raise
        if isinstance(error, OSError):
            raise SearchError(f"could not write the index at {index_dir} ({error.strerror or error}); "
                              "it was left as it was") from error
        raise
    report.seconds = time.monotonic() - started
    return report


def build_index(
    paths: Iterable[str | Path] = (DEFAULT_SEEDS,),
    index_dir: str | Path = Path("indexes/default"),
    progress: Callable[[int], None] | None = None,
    wait: float = 0.0,
    rebuild: bool = False,
    merge_duplicates: bool = True,
) -> BuildReport:
    """Bring the index at ``index_dir`` in line with the articles under ``paths``.

    Only new, changed and deleted files are processed when the index was
    built from the same ``paths`` by this version; otherwise, or with
    ``rebuild``, everything is read. ``merge_duplicates=False`` indexes every
    copy of an article that arrives twice under different ids (an evaluation
    corpus must hold every record). ``progress`` is called with the number of
    articles written so far, every so often. ``wait`` is how long to wait for
    another writer to finish.
    """
    index_dir = Path(index_dir)
    paths = [Path(p) for p in paths]
    roots = _roots(paths)
    with storage.write_lock(index_dir, wait=wait):
        generation, meta = _live_generation(index_dir)
        incremental = (not rebuild and generation is not None
                       and meta.get("schema_version") == SCHEMA_VERSION and meta.get("roots") == roots)
        report = BuildReport(index_dir=index_dir, mode="update" if incremental else "rebuild")
        return _run(index_dir, generation if incremental else None, roots, report, progress,
                    lambda s: s.sync(paths, remove_missing=True, replace=False, reread=False),
                    {"sources": [str(p) for p in paths]}, merge_duplicates)


def _existing(index_dir: Path) -> tuple[Path, dict]:
    generation, meta = _live_generation(index_dir)
    if generation is None:
        raise IndexNotFoundError(f"no index at {index_dir}; build one with `search index`")
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise IndexOutdatedError(f"the index at {index_dir} was built by another version; "
                          "rebuild it with `search index --rebuild` first")
    return generation, meta


def add_articles(paths: Iterable[str | Path], index_dir: str | Path = Path("indexes/default"),
                 wait: float = 0.0) -> BuildReport:
    """Add the articles in ``paths`` to an existing index, replacing any with the same id.

    A file under one of the folders the index was built from gets the same id
    as ``search index`` would give it, and is remembered as read.
    """
    index_dir = Path(index_dir)
    given = [Path(p) for p in paths]
    with storage.write_lock(index_dir, wait=wait):
        generation, meta = _existing(index_dir)
        roots = [Path(r) for r in meta.get("roots", [])]
        report = BuildReport(index_dir=index_dir, mode="add")

        def work(session: _Session) -> None:
            session.sync(given, remove_missing=False, replace=True, reread=True,
                         label_roots=[r for r in roots if r.is_dir()])

        return _run(index_dir, generation, meta.get("roots", []), report, None, work,
                    {"sources": meta.get("sources", [])})


def remove_articles(ids: Iterable[str], index_dir: str | Path = Path("indexes/default"),
                    wait: float = 0.0) -> BuildReport:
    """Remove the articles with these ids; ids the index does not hold are listed in ``not_found``."""
    index_dir = Path(index_dir)
    with storage.write_lock(index_dir, wait=wait):
        generation, meta = _existing(index_dir)
        report = BuildReport(index_dir=index_dir, mode="remove")

        def work(session: _Session) -> None:
            for article_id in ids:
                if session.in_base(article_id):
                    session.delete(article_id)
                elif article_id not in report.not_found:
                    report.not_found.append(article_id)

        return _run(index_dir, generation, meta.get("roots", []), report, None, work,
                    {"sources": meta.get("sources", [])})
