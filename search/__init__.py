"""Full-text search for Indonesian news.

Build an index from seed files, then search it::

    import search

    search.build_index(["seeds"], "indexes/default")
    with search.open_index("indexes/default") as index:
        for hit in index.search("milik dinas kominfo").hits:
            print(hit.title, hit.snippets[0].text)
"""

from typing import TYPE_CHECKING

from .articles import Article, Skipped
from .errors import (
    ArticleNotFoundError,
    ClusterError,
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    IndexOutdatedError,
    IndexReadOnlyError,
    IndexStateError,
    IndexTooNewError,
    IndexWriteError,
    IngestError,
    InvalidArgumentError,
    NotAnArticleError,
    NothingToIndexError,
    NothingToRestoreError,
    QueryError,
    RequestError,
    SearchError,
    ShardUnavailableError,
    SourceError,
    SourceMissingError,
)

if TYPE_CHECKING:
    from .index import Index, open_index
    from .indexing.indexer import add_articles, build_index, forget_source, remove_articles
    from .indexing.report import BuildMode, BuildReport, Merged
    from .ingest import ReadOptions
    from .ingest.columns import ColumnMap
    from .language.analysis import AnalyzedToken, analyze, stem
    from .query.ranking import Ranking
    from .query.request import CoverageRequest, ExportRequest, Interval, SearchRequest, Sort, TimelineRequest
    from .results import (
        Coverage,
        Export,
        ExportRow,
        FieldValue,
        Hit,
        IndexStats,
        Period,
        QueryWord,
        QueryWords,
        SearchResults,
        ShardStats,
        SignificantWord,
        Snippet,
        SourceShare,
        SourceStats,
        Timeline,
        TimelineLine,
        WordForms,
    )
    from .store.fixity import CheckReport, DamagedFile, RestoreReport, check_index, restore_index

# Each name's module, imported when the name is first used (PEP 562): a
# one-off query never loads the indexer and the readers, a build never loads
# the query stages.
_LAZY = {
    **dict.fromkeys(["add_articles", "build_index", "forget_source", "remove_articles"], ".indexing.indexer"),
    **dict.fromkeys(["BuildMode", "BuildReport", "Merged"], ".indexing.report"),
    **dict.fromkeys(["Index", "open_index"], ".index"),
    **dict.fromkeys(["AnalyzedToken", "analyze", "stem"], ".language.analysis"),
    "Ranking": ".query.ranking",
    "ColumnMap": ".ingest.columns",
    "ReadOptions": ".ingest",
    **dict.fromkeys(["CoverageRequest", "ExportRequest", "SearchRequest", "Sort", "TimelineRequest"],
                    ".query.request"),
    "Interval": ".query.request",
    **dict.fromkeys(["CheckReport", "DamagedFile", "RestoreReport", "check_index", "restore_index"],
                    ".store.fixity"),
    **dict.fromkeys(["Coverage", "Export", "ExportRow", "FieldValue", "Hit", "IndexStats", "Period", "QueryWord",
                     "QueryWords", "SearchResults", "ShardStats", "SignificantWord", "Snippet", "SourceShare",
                     "SourceStats", "Timeline", "TimelineLine", "WordForms"], ".results"),
}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "AnalyzedToken", "Article", "ArticleNotFoundError", "BuildMode", "BuildReport", "CheckReport", "ClusterError",
    "ColumnMap", "ReadOptions", "Coverage", "CoverageRequest", "Interval", "Period", "SignificantWord",
    "SourceShare", "Timeline", "TimelineLine", "TimelineRequest",
    "DamagedFile", "Export", "ExportRequest", "ExportRow", "FieldValue", "Hit", "Index", "IndexCorruptError",
    "IndexLockedError", "IndexNotFoundError", "IndexOutdatedError", "IndexReadOnlyError", "IndexStateError",
    "IndexTooNewError", "IndexStats", "IndexWriteError", "IngestError", "InvalidArgumentError", "Merged",
    "NotAnArticleError",
    "NothingToIndexError", "NothingToRestoreError", "QueryError", "QueryWord", "QueryWords", "Ranking",
    "RequestError", "RestoreReport", "SearchError", "SearchRequest", "SearchResults", "ShardStats",
    "ShardUnavailableError", "Skipped", "Snippet", "Sort", "SourceError", "SourceMissingError", "SourceStats",
    "WordForms", "add_articles", "analyze", "build_index", "check_index", "forget_source", "open_index",
    "remove_articles", "restore_index", "stem",
]
