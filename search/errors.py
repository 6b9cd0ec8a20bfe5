"""The one exception tree of the library, grouped by cause.

Every error the library raises on purpose is a :class:`SearchError`. Whoosh's,
Sastrawi's and the operating system's errors are translated into these at
the boundary where they happen (opening a generation, reading its files,
writing a new one), so a caller never imports either package to handle a
failure. A message says what is wrong, in terms of the library; it never
names a command to run: the command line adds that (``search.cli``).

::

    SearchError
    ├── IndexStateError        the index on disk cannot serve the call
    │   ├── IndexNotFoundError
    │   ├── IndexOutdatedError
    │   ├── IndexTooNewError        written by a newer version, in files this one cannot read
    │   ├── IndexCorruptError
    │   ├── IndexLockedError
    │   ├── ShardUnavailableError   a shard held apart did not answer
    │   ├── NothingToRestoreError   no kept generation is whole
    │   └── IndexWriteError
    │       └── IndexReadOnlyError
    ├── ClusterError           the Ray cluster (reaching it, a task, its extra)
    ├── ServeError             the web server cannot listen where it was asked
    │   └── PortInUseError
    ├── SourceError            what was given to index
    │   ├── IngestError
    │   │   ├── NotAnArticleError
    │   │   └── UnwritableRecordError
    │   ├── NothingToIndexError
    │   └── SourceMissingError
    └── RequestError           what a call asked for
        ├── InvalidArgumentError
        ├── QueryError
        └── ArticleNotFoundError
"""

from __future__ import annotations

from pathlib import Path


class SearchError(Exception):
    """Base class of every error raised by this package."""

    def __init__(self, message: str, *, path: str | Path | None = None, cause: str | None = None):
        super().__init__(message)
        self.path = Path(path) if path is not None else None
        """The index folder (or the file) the error is about, where there is one."""
        self.cause = cause
        """The underlying reason (an OS or Whoosh error), as text, where there is one."""


class IndexStateError(SearchError):
    """The index on disk cannot serve the call as it is."""


class IndexNotFoundError(IndexStateError):
    """There is no index at the given location."""


class IndexOutdatedError(IndexStateError):
    """The index was built by an incompatible version and must be rebuilt."""


class IndexTooNewError(IndexStateError):
    """The index was written by a newer version of the engine, in a layout this version cannot read."""


class IndexCorruptError(IndexStateError):
    """The index on disk is damaged or unreadable and must be rebuilt."""


class IndexLockedError(IndexStateError):
    """Another process is writing the index."""


class ShardUnavailableError(IndexStateError):
    """A shard held apart (by a Ray actor) did not answer in time, and the call cannot leave it out."""


class NothingToRestoreError(IndexStateError):
    """No generation kept beside the live one is whole, so there is none to make live again."""


class IndexWriteError(IndexStateError):
    """A change could not be written (the disk is full, a worker failed); the index was left as it was."""


class IndexReadOnlyError(IndexWriteError):
    """The index folder or its file system cannot be written."""


class ClusterError(SearchError):
    """The Ray cluster cannot be reached, a task on it failed, or the ``cluster`` extra is not installed."""


class ServeError(SearchError):
    """``search serve`` cannot listen on the address and port it was given."""


class PortInUseError(ServeError):
    """Another process already listens on the port."""


class SourceError(SearchError):
    """Something given to index cannot be used."""


class IngestError(SourceError):
    """A seed file or record could not be read as an article."""


class NotAnArticleError(IngestError):
    """A page was read but holds no article (an index page, a gallery, an error page)."""


class UnwritableRecordError(IngestError):
    """A record was read, but the index cannot hold it as it is (a field that is not text, a date out of range).

    The message says what; the record is skipped and the records around it are written.
    """


class NothingToIndexError(SourceError):
    """A build was asked for but no readable article was found."""


class SourceMissingError(SourceError):
    """A source the index was built from is not there, or a path is not one of its sources."""


class RequestError(SearchError):
    """A call asked for something that cannot be answered."""


class InvalidArgumentError(RequestError):
    """An argument is out of range or not one of the values allowed."""


class QueryError(RequestError):
    """A query's filter could not be understood (a date that is not one)."""


class ArticleNotFoundError(RequestError):
    """No article has the requested id."""
