"""What a caller asks of the index: one frozen, validated object per kind of request.

The command line and the web layer each build a :class:`SearchRequest` (a
page of ranked hits) or an :class:`ExportRequest` (every matching article)
once, from their own options; it is checked here, in one place, and then
passed unchanged through the index, the coordinator and the shards. The
library accepts the same objects, or plain arguments that make one
(``index.search("banjir", limit=5)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from enum import Enum

from ..errors import InvalidArgumentError, QueryError
from ..language.dates import parse_date_range

MAX_LINES = 10
"""A timeline compares at most this many queries."""


class Sort(str, Enum):
    """The order of results."""

    RELEVANCE = "relevance"
    """Best first."""
    OLDEST = "date"
    """Oldest first."""
    NEWEST = "-date"
    """Newest first."""

    def __str__(self) -> str:
        return self.value


SORTS = tuple(sort.value for sort in Sort)


class Interval(str, Enum):
    """How long a timeline's periods are."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"

    def __str__(self) -> str:
        return self.value


INTERVALS = tuple(interval.value for interval in Interval)


def _choice(kind: type[Enum], value, what: str):
    """``value`` as a member of the enum ``kind``, or an error naming the ``what``'s allowed values."""
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in kind)
        raise InvalidArgumentError(f"{what} must be one of {allowed}, not {value!r}") from None


def _date(value: str | None) -> str | None:
    """A date option as given, once it is known to be one (``2021``, ``2021-03``, ``Maret 2021`` ...)."""
    if not value:
        return None
    try:
        parse_date_range(value)
    except ValueError as error:
        raise QueryError(str(error)) from None
    return value


@dataclass(frozen=True)
class ExportRequest:
    """Which articles match, and in which order: the query text, the order, a date window.

    ``date_from`` and ``date_to`` take the values of the ``tanggal:`` filter
    (``2021``, ``2021-03``, ``Maret 2021`` ...), both ends included. A text of
    filters only (``kategori:politik``, or none beside a date option) lists
    every article they let through, newest first.
    """

    text: str = ""
    sort: Sort = Sort.RELEVANCE
    date_from: str | None = None
    date_to: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise InvalidArgumentError(f"the query must be text, not {type(self.text).__name__}")
        object.__setattr__(self, "sort", _choice(Sort, self.sort, "sort"))
        object.__setattr__(self, "date_from", _date(self.date_from))
        object.__setattr__(self, "date_to", _date(self.date_to))

    def matching(self) -> ExportRequest:
        """Only what decides which articles match and their order (what a shard reads the query for)."""
        return ExportRequest(self.text, self.sort, self.date_from, self.date_to)


@dataclass(frozen=True)
class SearchRequest(ExportRequest):
    """The ``page``-th page of ``limit`` hits of a query, with snippets (``highlight``) and facet counts."""

    limit: int = 10
    page: int = 1
    highlight: bool = True
    facets: bool = False
    """Add counts of all matching articles by category, source, author, location and month."""
    forms: bool = False
    """Add to each hit the forms it wrote each query word in (``Hit.forms``: why it matched), with highlights."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.limit < 1 or self.page < 1:
            raise InvalidArgumentError("limit and page must be at least 1")


def search_request(request: SearchRequest | str, **options) -> SearchRequest:
    """``request`` itself, or a :class:`SearchRequest` of the text ``request`` and ``options``."""
    return _request(SearchRequest, request, options)


def export_request(request: ExportRequest | str, **options) -> ExportRequest:
    """``request`` itself, or an :class:`ExportRequest` of the text ``request`` and ``options``."""
    return _request(ExportRequest, request, options)


def _request(kind: type, request, options: dict):
    if isinstance(request, kind):
        if options:
            raise InvalidArgumentError("give options in the request, not beside it")
        return request
    allowed = {f.name for f in fields(kind)}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise InvalidArgumentError(f"unknown option{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}")
    return kind(request, **options)


@dataclass(frozen=True)
class TimelineRequest:
    """How many articles each of ``queries`` matched per period, beside the archive's own count.

    ``filters`` (``sumber:kompas kategori:politik``: filters only, no words)
    and the date options apply to every line, and to the archive's count
    that the shares are taken of.
    """

    queries: tuple[str, ...]
    interval: Interval = Interval.MONTH
    filters: str = ""
    date_from: str | None = None
    date_to: str | None = None

    def __post_init__(self) -> None:
        queries = (self.queries,) if isinstance(self.queries, str) else tuple(self.queries)
        if not queries or len(queries) > MAX_LINES:
            raise InvalidArgumentError(f"a timeline takes 1 to {MAX_LINES} queries, not {len(queries)}")
        if not all(isinstance(text, str) and text.strip() for text in queries):
            raise InvalidArgumentError("each query of a timeline must be some text")
        object.__setattr__(self, "queries", queries)
        object.__setattr__(self, "interval", _choice(Interval, self.interval, "interval"))
        object.__setattr__(self, "date_from", _date(self.date_from))
        object.__setattr__(self, "date_to", _date(self.date_to))

    def line(self, text: str) -> ExportRequest:
        """What one line counts: ``text`` in the date window (the filters are counted apart)."""
        return ExportRequest(text, date_from=self.date_from, date_to=self.date_to)

    def archive(self) -> ExportRequest:
        """What the shares are taken of: the articles the filters and the date window let through."""
        return ExportRequest(self.filters, date_from=self.date_from, date_to=self.date_to)


@dataclass(frozen=True)
class CoverageRequest(ExportRequest):
    """The words that set a query's articles apart (read from its best ``sample``), and its outlets."""

    limit: int = 20
    sample: int = 200
    """Articles read for their words: the best-ranked, as Elasticsearch's sampler before significant_text."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 1 <= self.limit <= 200:
            raise InvalidArgumentError(f"limit must be 1 to 200, not {self.limit}")
        if not 1 <= self.sample <= 5000:
            raise InvalidArgumentError(f"sample must be 1 to 5000, not {self.sample}")


def coverage_request(request: CoverageRequest | str, **options) -> CoverageRequest:
    """``request`` itself, or a :class:`CoverageRequest` of the text ``request`` and ``options``."""
    return _request(CoverageRequest, request, options)


def timeline_request(request: TimelineRequest | str | Sequence[str], **options) -> TimelineRequest:
    """``request`` itself, or a :class:`TimelineRequest` of the queries ``request`` and ``options``."""
    if isinstance(request, TimelineRequest):
        return _request(TimelineRequest, request, options)
    return _request(TimelineRequest, tuple([request] if isinstance(request, str) else request), options)
