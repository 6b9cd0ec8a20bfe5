"""Full-text search for Indonesian news.

Build an index from seed files, then search it::

    import search

    search.build_index(["seeds"], "indexes/default")
    with search.open_index("indexes/default") as index:
        for hit in index.search("milik dinas kominfo").hits:
            print(hit.title, hit.snippets[0].text)
"""

from .analysis import AnalyzedToken, analyze, stem
from .articles import Article, Skipped
from .errors import (
    ArticleNotFoundError,
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    IndexOutdatedError,
    IngestError,
    InvalidArgumentError,
    IndexReadOnlyError,
    NothingToIndexError,
    QueryError,
    SearchError,
    SourceMissingError,
)
from .highlight import Snippet
from .index import Hit, Index, IndexStats, SearchResults, SourceStats, open_index
from .indexer import BuildReport, Merged, add_articles, build_index, forget_source, remove_articles
from .readers import read_articles

__all__ = [
    "AnalyzedToken", "Article", "ArticleNotFoundError", "BuildReport", "Hit", "Index", "Merged",
    "IndexCorruptError", "IndexLockedError", "IndexNotFoundError", "IndexOutdatedError",
    "IndexReadOnlyError", "IndexStats", "IngestError", "InvalidArgumentError", "NothingToIndexError", "QueryError", "SearchError",
    "SearchResults", "Skipped", "SourceMissingError", "SourceStats", "Snippet", "add_articles", "analyze", "build_index", "forget_source", "open_index",
    "read_articles", "remove_articles", "stem",
]
