"""An open index: search it, fetch an article, describe it.

``open_index(path)`` opens the index's live generation and returns an
:class:`Index`: one :class:`~search.query.coordinator.Coordinator` over the
index's shards and a :class:`~search.query.ranking.Ranking`. Where the shards
are held is a :class:`Shards`: here, the whole generation as one shard in
this process (:class:`LocalShards`); with a Ray address, one actor per shard
(``search.cluster.RayShards``). The answers are the same. ``Index.refresh()``
moves to the newest generation when a build or update has published one.
Everything it returns is a small dataclass of ``search.results``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from .articles import Article
from .query.coordinator import Call, Coordinator, InProcess
from .query.ranking import Ranking
from .query.request import (
    SORTS,
    CoverageRequest,
    ExportRequest,
    SearchRequest,
    Sort,
    TimelineRequest,
    coverage_request,
    export_request,
    search_request,
    timeline_request,
)
from .query.searcher import FACETS, VALUE_FIELDS
from .query.shard import ShardSearcher
from .results import (
    EXPORT_FIELDS,
    Coverage,
    Export,
    FieldValue,
    Hit,
    IndexStats,
    QueryWords,
    SearchResults,
    ShardStats,
    SourceStats,
    Timeline,
)
from .store import disk
from .store.disk import DEFAULT_INDEX
from .store.generation import Generation
from .store.manifest import Manifest

__all__ = ["DEFAULT_INDEX", "EXPORT_FIELDS", "FACETS", "SORTS", "VALUE_FIELDS", "ExportRequest", "Index",
           "LocalShards", "SearchRequest", "Shards", "Sort", "newest_generation", "open_index"]


class Shards(Protocol):
    """Where an index's shards are held, and how the coordinator's calls reach them."""

    @property
    def count(self) -> int: ...
    @property
    def rows_per_call(self) -> int: ...
    def call(self, calls: list[Call]) -> list: ...
    @property
    def path(self) -> Path: ...
    @property
    def folder(self) -> Path:
        """The folder of the generation the shards answer from."""
    @property
    def meta(self) -> dict: ...
    @property
    def manifest(self) -> Manifest: ...
    @property
    def article_count(self) -> int: ...
    @property
    def fields(self) -> list[str]: ...
    def shard_stats(self) -> list[ShardStats]: ...
    def size_bytes(self) -> int: ...
    def refresh(self) -> bool:
        """Move to the index's newest generation; True if it moved."""
    def close(self) -> None: ...


class LocalShards:
    """A local index: its live generation, held open, as one shard in this process.

    Every call reads the generation's files through ``Generation.reading``, so
    a damaged file is an :class:`~search.errors.IndexCorruptError`.
    """

    count = 1
    rows_per_call = InProcess.rows_per_call

    def __init__(self, generation: Generation, ranking: Ranking):
        self._ranking = ranking
        self._generation = generation
        self._shard = InProcess([ShardSearcher(generation, ranking)])

    def call(self, calls: list[Call]) -> list:
        with self._generation.reading():
            return self._shard.call(calls)

    @property
    def path(self) -> Path:
        return self._generation.index_dir

    @property
    def folder(self) -> Path:
        return self._generation.folder

    @property
    def meta(self) -> dict:
        return self._generation.meta

    @property
    def manifest(self) -> Manifest:
        return self._generation.manifest

    @property
    def article_count(self) -> int:
        return self._generation.article_count

    @property
    def fields(self) -> list[str]:
        return list(self._generation.schema.names())

    def shard_stats(self) -> list[ShardStats]:
        return [ShardStats(number, articles, size)
                for number, (articles, size) in enumerate(self._generation.shard_sizes())]

    def size_bytes(self) -> int:
        return self._generation.size_bytes()

    def refresh(self) -> bool:
        if self._generation.is_current():
            return False
        fresh = Generation.open_current(self.path, self._ranking.weighting())
        self._generation.close()
        self._generation, self._shard = fresh, InProcess([ShardSearcher(fresh, self._ranking)])
        return True

    def close(self) -> None:
        self._generation.close()


class Index:
    """A read-only view of an index, answered from one generation. Use as a context manager."""

    def __init__(self, shards: Shards, ranking: Ranking | None = None):
        self.ranking = ranking if ranking is not None else Ranking()
        self._shards = shards
        self._coordinator = Coordinator(shards, self.ranking)

    @property
    def path(self) -> Path:
        """The index folder."""
        return self._shards.path

    @property
    def generation(self) -> Path:
        """The folder of the generation this index answers from."""
        return self._shards.folder

    @property
    def meta(self) -> dict:
        return self._shards.meta

    @property
    def shards(self) -> Shards:
        """Where the index's shards are held (this process, or a Ray cluster's actors)."""
        return self._shards

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._shards.close()

    def refresh(self) -> bool:
        """Move to the index's newest complete generation, if a build or update published one.

        A long-running reader (a server) calls this between requests: it keeps
        answering from the generation it has open until then. Returns True if
        it moved.
        """
        return self._shards.refresh()

    @property
    def article_count(self) -> int:
        return self._shards.article_count

    def search(self, request: SearchRequest | str = "", **options) -> SearchResults:
        """A page of ranked hits: for a :class:`SearchRequest`, or for a text and its options
        (``limit``, ``page``, ``highlight``, ``sort``, ``date_from``, ``date_to``, ``facets``).

        ``sort`` is ``relevance`` (best first), ``date`` (oldest first) or
        ``-date`` (newest first). ``date_from`` and ``date_to`` take the same
        values as the ``tanggal:`` filter (``2021``, ``2021-03``, ``Maret 2021``
        ...), both ends included. ``facets`` adds counts of all matching
        articles by category, source, author, location and month. A query of filters only
        (``kategori:politik``, ``tanggal:2021-03``, or no text beside a date
        option) lists every article they let through, newest first.
        ``missing_shards`` names shards of a cluster that did not answer.
        """
        return self._coordinator.search(search_request(request, **options))

    def query_words(self, text: str) -> QueryWords:
        """How the engine reads the words of ``text`` (the words that rank, the stop words, the excluded
        ones), as a search's ``SearchResults.words``, without searching: for marking them in an article."""
        return self._coordinator.words(text)

    def export(self, request: ExportRequest | str = "", **options) -> Export:
        """Every article matching a query, as :class:`ExportRow` objects, in ranked or date order.

        The request and options are those of :meth:`search` without paging,
        and the query is read the same way (a query that matches nothing as
        typed is corrected). With ``sort`` ``relevance`` the first
        ``Ranking.rerank_depth`` rows are those :meth:`search` ranks first, in
        its order; the rest follow by their first-stage BM25F score. Only the
        ranked article numbers are held at once: rows are read and their
        snippets made as the iteration reaches them. Read it while the index
        is open. Whole or not at all: a shard that does not answer raises
        :class:`~search.errors.ShardUnavailableError`.
        """
        return self._coordinator.export(export_request(request, **options))

    def similar(self, article_id: str, limit: int = 10) -> list[Hit]:
        """The articles most like the given one (not including it), best first."""
        return self._coordinator.similar(article_id, limit)

    def values(self, field: str, limit: int | None = None) -> list[FieldValue]:
        """The values of a keyword field with their article counts, most common first.

        ``field`` is ``category``, ``source``, ``author``, ``location`` or
        ``month``, or its Indonesian name (``kategori``, ``sumber``, ``penulis``,
        ``lokasi``, ``bulan``). Values are as written in the articles; articles
        without one are not counted. ``limit`` keeps the most common ones.
        """
        return self._coordinator.values(field, limit)

    def get(self, article_id: str) -> Article:
        """The stored article with this id."""
        return self._coordinator.get(article_id)

    def timeline(self, request: TimelineRequest | str | Sequence[str], **options) -> Timeline:
        """Attention over time: how many articles each query matched per period (``interval``: ``day``,
        ``week``, ``month``, ``year``), and that as a share of the archive's articles of the period.

        ``filters`` (``sumber:kompas``: filters only), ``date_from`` and
        ``date_to`` apply to every query and to the archive's count. Every
        period from the first to the last is listed, 0 where nothing
        matched. The articles are counted, not scored: a query's articles
        are its words' document numbers joined (``search.query.coverage``).
        """
        return self._coordinator.timeline(timeline_request(request, **options))

    def coverage(self, request: CoverageRequest | str = "", **options) -> Coverage:
        """The words and two-word phrases that set a query's articles apart from the whole archive, and
        the outlets that carried them as shares of their own articles.

        The words are read from the query's ``sample`` (200) best-ranked
        articles, weighed by log-likelihood against the archive, the
        query's own words and the stop words left out; the ``limit`` (20)
        best are given, each in its most common written form. Options as
        :meth:`export`'s (``date_from``, ``date_to``) besides.
        """
        return self._coordinator.coverage(coverage_request(request, **options))

    def stats(self) -> IndexStats:
        shards, meta = self._shards, self._shards.meta
        manifest = shards.manifest
        return IndexStats(
            path=self.path,
            articles=self.article_count,
            fields=shards.fields,
            size_bytes=shards.size_bytes(),
            built_at=meta.get("built_at", ""),
            build_seconds=meta.get("build_seconds", 0.0),
            schema_version=meta.get("schema_version", 0),
            sources=_sources(manifest),
            shards=shards.shard_stats(),
            kept=len(manifest.kept),
        )


def _sources(manifest: Manifest) -> list[SourceStats]:
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
               ray_address: str | None = None, ray_timeout: float | None = None) -> Index:
    """Open the live index at ``index_dir`` for reading, ranked by ``ranking`` (the default one if None).

    With ``ray_address``, its shards are served by actors on that Ray cluster
    (``search.cluster``; the cluster extra), each query waiting at most
    ``ray_timeout`` seconds for a shard: the same methods and the same answers.
    """
    ranking = ranking if ranking is not None else Ranking()
    if ray_address:
        from .cluster import TIMEOUT, RayShards

        shards: Shards = RayShards(Path(index_dir), ranking, ray_address,
                                   TIMEOUT if ray_timeout is None else ray_timeout)
        return Index(shards, ranking)
    return Index(LocalShards(Generation.open_current(Path(index_dir), ranking.weighting()), ranking), ranking)


def newest_generation(index_dir: str | Path = DEFAULT_INDEX) -> Path:
    """The folder of the newest published generation of the index at ``index_dir``, read now.

    An open :class:`Index` that answers from an older one (``Index.generation``)
    is behind, and ``Index.refresh()`` moves it to this one: so that a reader
    (the web server's pool) asks the facade, never the index's files.
    :class:`~search.errors.IndexNotFoundError` when there is no index;
    :class:`~search.errors.IndexCorruptError` when its pointer to the newest
    generation is damaged.
    """
    return disk.current_generation(Path(index_dir))
