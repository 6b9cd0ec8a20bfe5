"""Full-text search for Indonesian news.

Build an index from seed files, then search it::

    import search

    search.build_index(["seeds"], "indexes/default")
    with search.open_index("indexes/default") as index:
        for hit in index.search("milik dinas kominfo").hits:
            print(hit.title, hit.snippets[0].text)
"""

from .articles import Article, Skipped
from .build.indexer import BuildReport, Merged, add_articles, build_index, forget_source, remove_articles
from .errors import (
    ArticleNotFoundError,
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    IndexOutdatedError,
    IndexReadOnlyError,
    IndexStateError,
    IndexWriteError,
    IngestError,
    InvalidArgumentError,
    NotAnArticleError,
    NothingToIndexError,
    QueryError,
    RequestError,
    SearchError,
    SourceError,
    SourceMissingError,
)
from .index import Index, open_index
from .language.analysis import AnalyzedToken, analyze, stem
from .query.ranking import Ranking
from .query.snippets import Snippet
from .results import Export, ExportRow, FieldValue, Hit, IndexStats, SearchResults, SourceStats

__all__ = [
    "AnalyzedToken", "Article", "ArticleNotFoundError", "BuildReport", "Export", "ExportRow", "FieldValue",
    "Hit", "Index", "IndexCorruptError", "IndexLockedError", "IndexNotFoundError", "IndexOutdatedError",
    "IndexReadOnlyError", "IndexStateError", "IndexStats", "IndexWriteError", "IngestError",
    "InvalidArgumentError", "Merged", "NotAnArticleError", "NothingToIndexError", "QueryError", "Ranking",
    "RequestError", "SearchError", "SearchResults", "Skipped", "Snippet", "SourceError", "SourceMissingError",
    "SourceStats", "add_articles", "analyze", "build_index", "forget_source", "open_index", "remove_articles",
    "stem",
]
