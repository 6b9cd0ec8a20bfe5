"""The one exception hierarchy of the library.

Every error the library raises on purpose is a :class:`SearchError`; the
command line turns each into a one-line message and a non-zero exit.
Whoosh and Sastrawi errors are translated into these at the boundary, so a
caller never has to import either package to handle a failure.
"""


class SearchError(Exception):
    """Base class of every error raised by this package."""


class IndexNotFoundError(SearchError):
    """There is no index at the given location."""


class IndexOutdatedError(SearchError):
    """The index was built by an incompatible version and must be rebuilt."""


class IndexCorruptError(SearchError):
    """The index on disk is damaged or unreadable."""


class IndexLockedError(SearchError):
    """Another process is writing the index."""


class ArticleNotFoundError(SearchError):
    """No article has the requested id."""


class QueryError(SearchError):
    """A query could not be understood at all."""


class IngestError(SearchError):
    """A seed file or record could not be read as an article."""


class NothingToIndexError(SearchError):
    """A build was asked for but no readable article was found."""


class InvalidArgumentError(SearchError):
    """An argument is out of range or not one of the values allowed."""


class IndexReadOnlyError(SearchError):
    """The index folder or its file system cannot be written."""


class SourceMissingError(SearchError):
    """A source the index was built from is not there, or a path is not one of its sources."""
