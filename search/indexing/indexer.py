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
``search.indexing.duplicates``) is indexed once and reported as merged; the
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

import os
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path

from ..articles import Skipped, encodable
from ..errors import (
    IndexCorruptError,
    IndexNotFoundError,
    IndexOutdatedError,
    InvalidArgumentError,
    NothingToIndexError,
    SourceMissingError,
)
from ..ingest import BY_DEFAULT, ReadOptions
from ..store import disk
from ..store.generation import Generation, ShardWriter, shard_count, stored_articles, write_error
from ..store.manifest import MANIFEST, Manifest, under
from ..store.shards import MAX_SHARDS
from .report import BuildMode, BuildReport
from .session import Session, abs_path

DEFAULT_SEEDS = Path("seeds")


def _with_sources(sources: list[str], paths: list[Path]) -> list[str]:
    """``sources`` with each existing path added, unless a source already holds it; sources it holds go."""
    for path in (abs_path(p) for p in paths if p.exists()):
        if Manifest(sources).source_of(path) is None:
            sources = [s for s in sources if not under(s, path)] + [path]
    return sources


def _nothing_read(what: str, report: BuildReport) -> NothingToIndexError:
    reasons = "; ".join(str(s) for s in report.skipped[:3])
    return NothingToIndexError(f"{what}" + (f" ({reasons})" if reasons else "")
                               + "; the existing index was left as it was", path=report.index_dir)


def _damage(folder: Path) -> tuple[list[Skipped], Manifest]:
    """What is damaged in a generation to be rebuilt, and the manifest to carry over.

    The stored articles may survive damaged files; each is named. A damaged
    manifest is replaced by one that names the sources the meta recorded and
    keeps every article with no file: the next update finds their files again
    (the same ids, or the same text). A damaged meta raises
    :class:`IndexCorruptError` (a kept generation, restored, is the way back).
    """
    meta = disk.read_meta(folder)
    damaged = dict(disk.damaged_files(folder, meta))
    skipped = [Skipped(f"{folder.name}/{name}", f"{problem}: the stored articles were read from it as they are, "
                       "and those that could not be read are listed") for name, problem in damaged.items()
               if name != MANIFEST]
    if MANIFEST not in damaged:
        try:
            return skipped, Manifest.read(folder)
        except IndexCorruptError as error:  # from before checksums: its damage is found by reading it
            damaged[MANIFEST] = error.cause or "cannot be read"
    sources = meta.get("sources")
    skipped.append(Skipped(f"{folder.name}/{MANIFEST}", f"{damaged[MANIFEST]}: every article is kept, and the "
                           "next update of the sources finds their files again"))
    return skipped, Manifest(sources=[s for s in sources if isinstance(s, str)] if isinstance(sources, list) else [])


def _run(index_dir: Path, base: Generation | None, manifest: Manifest, report: BuildReport,
         progress, work: Callable[[Session], None], merge_duplicates: bool = True,
         force: bool = False, shards: int | None = None, write_shards: ShardWriter | None = None,
         keep: int | None = None, reading: ReadOptions = BY_DEFAULT) -> BuildReport:
    started = time.monotonic()
    session = Session(index_dir, base, manifest, report, progress, merge_duplicates, shards, write_shards, keep,
                      reading)
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
    damage, manifest = _damage(folder)
    report = BuildReport(index_dir=index_dir, mode=BuildMode.REBUILD, skipped=damage)
    count = shards if shards is not None else shard_count(disk.read_meta(folder))
    _run(index_dir, None, manifest, report, progress,
         lambda session: session.carry(stored_articles(index_dir, folder)),
         force=True, shards=count, write_shards=write_shards, keep=keep)
    report.rebuilt = report.articles
    return report


def _new_index(index_dir: Path, given: list[Path], progress, merge_duplicates: bool, shards: int | None,
               write_shards: ShardWriter | None, keep: int | None, reading: ReadOptions) -> BuildReport:
    """An index built from ``given`` (``seeds/`` if none) where there was none."""
    given = given or [DEFAULT_SEEDS]
    manifest = Manifest(_with_sources([], given))
    report = BuildReport(index_dir=index_dir, mode=BuildMode.BUILD, new_sources=list(manifest.sources))
    targets = [Path(s) for s in manifest.sources] + [p for p in given if not p.exists()]
    return _run(index_dir, None, manifest, report, progress,
                lambda session: session.sync(targets, reread=False), merge_duplicates,
                shards=shards, write_shards=write_shards, keep=keep, reading=reading)


def _update(index_dir: Path, live: Generation, given: list[Path], progress, merge_duplicates: bool,
            reread: bool, prune: bool, keep: int | None, reading: ReadOptions) -> BuildReport:
    """Bring ``given`` (every known source if none) up to date in the live generation; prune if asked."""
    manifest = live.manifest
    known = list(manifest.sources)
    manifest.sources = _with_sources(known, given)
    report = BuildReport(index_dir=index_dir, mode=BuildMode.PRUNE if prune else BuildMode.UPDATE)
    report.new_sources = [s for s in manifest.sources if s not in known]
    report.missing_sources = [s for s in known if not os.path.exists(s)]
    targets = given or [Path(s) for s in manifest.sources if os.path.exists(s)]

    def work(session: Session) -> None:
        session.sync(targets, reread=reread)
        if given and not session.added and not (report.new_files or report.unchanged_files or report.changed_files
                                                or report.deleted_files or report.moved_files):
            raise _nothing_read("no article could be read from " + ", ".join(str(p) for p in given), report)
        if prune:
            session.prune()

    return _run(index_dir, live, manifest, report, progress, work, merge_duplicates,
                force=bool(report.new_sources), keep=keep, reading=reading)


def _combined(reports: list[BuildReport]) -> BuildReport:
    """One report for an update and the rebuild before or after it: the update's, with the rebuild's counts."""
    update = next((r for r in reports if r.mode != BuildMode.REBUILD), reports[-1])
    for rebuilt in (r for r in reports if r is not update):
        update.rebuilt, update.seconds = rebuilt.articles, update.seconds + rebuilt.seconds
        update.skipped[:0] = rebuilt.skipped
        update.articles, update.changed = reports[-1].articles, True
    return update


def build_index(
    paths: Iterable[str | Path] | None = None,
    index_dir: str | Path = disk.DEFAULT_INDEX,
    progress: Callable[[int], None] | None = None,
    wait: float = 0.0,
    rebuild: bool = False,
    merge_duplicates: bool = True,
    shards: int | None = None,
    write_shards: ShardWriter | None = None,
    reread: bool = False,
    prune: bool = False,
    keep: int | None = None,
    reading: ReadOptions | None = None,
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
    ``reading`` is what the readers are told (``search.ingest.ReadOptions``): the
    columns of the tables read (CSV, TSV, Parquet) where their headers do not
    say, and whether a web archive's pages in other languages are kept.
    """
    index_dir = Path(index_dir)
    reading = reading or BY_DEFAULT
    if shards is not None and not 1 <= shards <= MAX_SHARDS:
        raise InvalidArgumentError(f"shards must be from 1 to {MAX_SHARDS}, not {shards}")
    given = [Path(p) for p in paths] if paths else []
    with disk.write_lock(index_dir, wait=wait):
        live, to_rebuild = _open_live(index_dir, rebuild)
        if live is None and to_rebuild is None:
            return _new_index(index_dir, given, progress, merge_duplicates, shards, write_shards, keep, reading)
        update_asked = bool(given or reread or prune)
        reports = []
        if to_rebuild is not None:  # an upgrade or a repair first: an update needs a whole index of this version
            reports.append(_rebuild(index_dir, to_rebuild, shards, write_shards, progress, keep))
            if rebuild and not update_asked:
                return reports[0]
            live, rebuild = Generation.open_current(index_dir), False
        assert live is not None
        rebuild = rebuild or (shards is not None and shards != live.shard_count)
        with live:
            if update_asked or not rebuild:  # before a rebuild: if it fails, the index is left as it was
                reports.append(_update(index_dir, live, given, progress, merge_duplicates, reread, prune, keep,
                                       reading))
        if rebuild:
            reports.append(_rebuild(index_dir, disk.current_generation(index_dir), shards, write_shards,
                                    progress, keep))
        return _combined(reports)


def add_articles(paths: Iterable[str | Path], index_dir: str | Path = disk.DEFAULT_INDEX,
                 wait: float = 0.0, keep: int | None = None, reading: ReadOptions | None = None) -> BuildReport:
    """Read the files in ``paths`` again and add their articles to an existing index.

    ``reading`` is what the readers are told, as for :func:`build_index`.

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

        def work(session: Session) -> None:
            session.sync(given, reread=True, notice_gone=False)
            if not session.added and report.files == 0:
                raise _nothing_read("nothing to add", report)

        return _run(index_dir, live, manifest, report, None, work, keep=keep, reading=reading or BY_DEFAULT)


def forget_source(path: str | Path, index_dir: str | Path = disk.DEFAULT_INDEX,
                  wait: float = 0.0, keep: int | None = None) -> BuildReport:
    """Remove the source ``path``: the articles no other source holds go (``removed``)."""
    index_dir = Path(index_dir)
    with disk.write_lock(index_dir, wait=wait), Generation.open_current(index_dir) as live:
        manifest = live.manifest
        source = abs_path(path)
        if source not in manifest.sources:
            known = ", ".join(manifest.sources) or "none"
            raise SourceMissingError(f"{path} is not a source of the index at {index_dir} (its sources: {known})",
                                     path=path)
        report = BuildReport(index_dir=index_dir, mode=BuildMode.FORGET)
        return _run(index_dir, live, manifest, report, None, lambda s: s.forget(source), force=True, keep=keep)


def remove_articles(ids: Iterable[str], index_dir: str | Path = disk.DEFAULT_INDEX,
                    wait: float = 0.0, keep: int | None = None) -> BuildReport:
    """Remove the articles with these ids; ids the index does not hold are listed in ``not_found``."""
    index_dir = Path(index_dir)
    with disk.write_lock(index_dir, wait=wait), Generation.open_current(index_dir) as live:
        report = BuildReport(index_dir=index_dir, mode=BuildMode.REMOVE)

        def work(session: Session) -> None:
            for asked in ids:
                article_id = encodable(asked)  # as stored: a command line's undecodable bytes are U+FFFD
                if session.in_base(article_id):
                    session.remove(article_id)
                elif article_id not in report.not_found:
                    report.not_found.append(article_id)

        return _run(index_dir, live, live.manifest, report, None, work, keep=keep)
