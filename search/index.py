"""An open index: search it, fetch an article, describe it.

``open_index(path)`` opens the index's live generation
(:class:`~search.store.generation.Generation`: checked once, held open) and
returns an :class:`Index`, a thin facade over a
:class:`~search.query.searcher.Searcher` for that generation and a
:class:`~search.query.ranking.Ranking`. ``Index.refresh()`` swaps in the
newest generation when a build or update has published one. Everything it
returns is a small dataclass of ``search.results``.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING

from .articles import Article
from .query.ranking import Ranking
from .query.searcher import FACETS, SORTS, VALUE_FIELDS, Searcher
from .results import EXPORT_FIELDS, Export, FieldValue, Hit, IndexStats, SearchResults, ShardStats, SourceStats
from .store.generation import Generation

if TYPE_CHECKING:
    from .cluster import ClusterIndex

DEFAULT_INDEX = Path("indexes/default")

__all__ = ["DEFAULT_INDEX", "EXPORT_FIELDS", "FACETS", "SORTS", "VALUE_FIELDS", "Index", "open_index"]


def _reads_index(method):
    """Turn a failure to read the index's files into :class:`IndexCorruptError`."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._generation.reading():
            return method(self, *args, **kwargs)

    return wrapper


class Index:
    """A read-only view of one generation of the index. Use as a context manager."""

    def __init__(self, generation: Generation, ranking: Ranking | None = None):
        self.ranking = ranking if ranking is not None else Ranking()
        self._generation = generation
        self._searcher = Searcher(generation, self.ranking)

    @property
    def path(self) -> Path:
        """The index folder."""
        return self._generation.index_dir

    @property
    def generation(self) -> Path:
        """The folder of the generation this index answers from."""
        return self._generation.folder

    @property
    def meta(self) -> dict:
        return self._generation.meta

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._generation.close()

    def refresh(self) -> bool:
        """Move to the index's newest complete generation, if a build or update published one.

        A long-running reader (a server) calls this between requests: it keeps
        answering from the generation it has open until then. Returns True if
        it moved.
        """
        if self._generation.is_current():
            return False
        fresh = Generation.open_current(self.path, self.ranking.weighting())
        self._generation.close()
        self._generation, self._searcher = fresh, Searcher(fresh, self.ranking)
        return True

    @property
    def article_count(self) -> int:
        return self._generation.article_count

    @_reads_index
    def search(self, text: str, limit: int = 10, page: int = 1, highlight: bool = True,
               sort: str = "relevance", date_from: str | None = None,
               date_to: str | None = None, facets: bool = False) -> SearchResults:
        """The ``page``-th page of ``limit`` hits for ``text``.

        ``sort`` is ``relevance`` (best first), ``date`` (oldest first) or
        ``-date`` (newest first). ``date_from`` and ``date_to`` take the same
        values as the ``tanggal:`` filter (``2021``, ``2021-03``, ``Maret 2021``
        ...), both ends included. ``facets`` adds counts of all matching
        articles by category, source, author, location and month. A query of filters only
        (``kategori:politik``, ``tanggal:2021-03``, or no text beside a date
        option) lists every article they let through, newest first.
        """
        return self._searcher.search(text, limit, page, highlight, sort, date_from, date_to, facets)

    @_reads_index
    def export(self, text: str, sort: str = "relevance", date_from: str | None = None,
               date_to: str | None = None) -> Export:
        """Every article matching ``text``, as :class:`ExportRow` objects, in ranked or date order.

        The options are those of :meth:`search`, and the query is read the same
        way (a query that matches nothing as typed is corrected). With ``sort``
        ``relevance`` the first ``Ranking.rerank_depth`` rows are those
        :meth:`search` ranks first, in its order; the rest follow by their
        first-stage BM25F score. Only the ranked article numbers are held at
        once: each row is read and its snippet made when the iteration reaches
        it. Read it while the index is open.
        """
        return self._searcher.export(text, sort, date_from, date_to)

    @_reads_index
    def similar(self, article_id: str, limit: int = 10) -> list[Hit]:
        """The articles most like the given one (not including it), best first."""
        return self._searcher.similar(article_id, limit)

    @_reads_index
    def values(self, field: str, limit: int | None = None) -> list[FieldValue]:
        """The values of a keyword field with their article counts, most common first.

        ``field`` is ``category``, ``source``, ``author``, ``location`` or
        ``month``, or its Indonesian name (``kategori``, ``sumber``, ``penulis``,
        ``lokasi``, ``bulan``). Values are as written in the articles; articles
        without one are not counted. ``limit`` keeps the most common ones.
        """
        return self._searcher.values(field, limit)

    @_reads_index
    def get(self, article_id: str) -> Article:
        """The stored article with this id."""
        return self._searcher.get(article_id)

    @_reads_index
    def stats(self) -> IndexStats:
        generation = self._generation
        return IndexStats(
            path=self.path,
            articles=self.article_count,
            fields=list(generation.schema.names()),
            size_bytes=generation.size_bytes(),
            built_at=self.meta.get("built_at", ""),
            build_seconds=self.meta.get("build_seconds", 0.0),
            schema_version=self.meta.get("schema_version", 0),
            sources=self._sources(),
            shards=[ShardStats(number, articles, size)
                    for number, (articles, size) in enumerate(generation.shard_sizes())],
            kept=len(generation.manifest.kept),
        )

    def _sources(self) -> list[SourceStats]:
        manifest = self._generation.manifest
        stats = {path: SourceStats(path, 0, 0, Path(path).exists()) for path in manifest.sources}
        for key, state in manifest.files.items():
            source = manifest.source_of(key)
            if source is not None:
                stats[source].files += 1
                stats[source].articles += len(state.ids)
        for former in manifest.kept.values():
            source = manifest.source_of(former)
            if source is not None:
                stats[source].kept += 1
        return list(stats.values())


def open_index(index_dir: str | Path = DEFAULT_INDEX, ranking: Ranking | None = None,
               ray_address: str | None = None) -> Index | ClusterIndex:
    """Open the live index at ``index_dir`` for reading, ranked by ``ranking`` (the default one if None).

    With ``ray_address`` (or ``SEARCH_RAY_ADDRESS`` set), its shards are
    served by actors on that Ray cluster: a ``search.cluster.ClusterIndex``,
    with the same methods and the same answers.
    """
    ranking = ranking if ranking is not None else Ranking()
    ray_address = ray_address or os.environ.get("SEARCH_RAY_ADDRESS") or None
    if ray_address:
        from .cluster import ClusterIndex

        return ClusterIndex(Path(index_dir), ranking, ray_address)
    return Index(Generation.open_current(Path(index_dir), ranking.weighting()), ranking)


def newest_generation(index_dir: str | Path = DEFAULT_INDEX) -> Path:
    """The folder of the newest published generation of the index at ``index_dir``, read now.

    An open :class:`Index` that answers from an older one (``Index.generation``)
    is behind, and ``Index.refresh()`` moves it to this one. A thin wrapper over
    ``search.store.disk``, so that a reader (the web server's pool) asks the
    facade, never the index's files. :class:`~search.errors.IndexNotFoundError`
    when there is no index; :class:`~search.errors.IndexCorruptError` when its
    pointer to the newest generation is damaged.
    """
    from .store import disk

    return disk.current_generation(Path(index_dir))
