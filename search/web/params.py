"""The request's parameters, read and checked: a value the API does not accept is a 400.

Why a module of its own: the page, the API and the export read the same
parameters (q, the page, the sort, the dates) with the same limits and the
same messages; a new parameter or a changed limit is made here once, and
:class:`BadRequest` is what every view raises for a bad one.
"""

from __future__ import annotations

from ..index import SORTS, ExportRequest, SearchRequest, Sort
from ..query.request import INTERVALS, MAX_LINES, CoverageRequest, Interval, TimelineRequest
from . import present

MAX_QUERY_CHARS = 500
MAX_DEPTH = 10_000  # page * limit: deeper pages cost a ranking of that many articles
# The page's sort names and the library's.
SORT_NAMES = {"relevansi": "relevance", "terbaru": "-date", "terlama": "date"}


class BadRequest(Exception):
    """A parameter the API does not accept: 400."""


def text_param(params, name: str, default: str = "", max_chars: int = MAX_QUERY_CHARS) -> str:
    value = params.get(name, default)
    if len(value) > max_chars:
        raise BadRequest(f"{name} is longer than {max_chars} characters")
    return value


def integer_param(params, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, not {raw[:40]!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    return value


def flag_param(params, name: str) -> bool:
    raw = params.get(name, "").lower()
    if raw in ("", "0", "false", "no", "tidak"):
        return False
    if raw in ("1", "true", "yes", "ya"):
        return True
    raise BadRequest(f"{name} must be true or false, not {raw[:40]!r}")


def sort_param(params) -> str:
    raw = params.get("sort", "") or "relevance"
    value = SORT_NAMES.get(raw, raw)
    if value not in SORTS:
        raise BadRequest(f"sort must be one of {', '.join(list(SORTS) + list(SORT_NAMES))}")
    return value


def page_param(params, limit: int) -> int:
    return integer_param(params, "page", 1, 1, max(MAX_DEPTH // limit, 1))


def filter_params(params) -> dict[str, str]:
    """The page's filters (``kategori``, ``sumber``, ``penulis``, ``lokasi``) as given, empty where not."""
    return {name: text_param(params, name, max_chars=200) for name in present.FILTERS}


def page_query(params) -> str:
    """What the page's ``q`` and filters ask, as the engine's query text (the page, its export, its feed)."""
    return present.compose_query(text_param(params, "q"), filter_params(params))


def export_request(params, text: str) -> ExportRequest:
    """What ``text`` asks with the request's sort and dates (``from``, ``to``): the engine's request,
    made once here (a date it cannot read is its :class:`~search.errors.QueryError`, a 400)."""
    return ExportRequest(text, Sort(sort_param(params)), text_param(params, "from", max_chars=40) or None,
                         text_param(params, "to", max_chars=40) or None)


def search_request(params, text: str, limit: int, page: int, facets: bool = False,
                   forms: bool = False) -> SearchRequest:
    """:func:`export_request` and a page of ``limit`` hits."""
    matching = export_request(params, text)
    return SearchRequest(matching.text, matching.sort, matching.date_from, matching.date_to,
                         limit=limit, page=page, facets=facets, forms=forms)


MAX_TIMELINE_QUERIES = 5
"""The timeline page's query boxes (the library takes up to ``search.query.request.MAX_LINES``)."""


def timeline_request(params) -> TimelineRequest:
    """The queries (``q``, repeated; empty ones left out), ``interval``, ``filter``, ``from`` and ``to``."""
    queries = [text.strip() for text in params.getlist("q") if text.strip()]
    for text in queries:
        if len(text) > MAX_QUERY_CHARS:
            raise BadRequest(f"q is longer than {MAX_QUERY_CHARS} characters")
    if not queries:
        raise BadRequest("the parameter q is required (once per query)")
    if len(queries) > MAX_LINES:
        raise BadRequest(f"at most {MAX_LINES} queries (q) at once")
    interval = params.get("interval", "") or "month"
    if interval not in INTERVALS:
        raise BadRequest(f"interval must be one of {', '.join(INTERVALS)}")
    return TimelineRequest(tuple(queries), Interval(interval), text_param(params, "filter", max_chars=200),
                           text_param(params, "from", max_chars=40) or None,
                           text_param(params, "to", max_chars=40) or None)


def coverage_request(params, text: str, limit: int, sample: int) -> CoverageRequest:
    """:func:`export_request`'s dates, and the words to give (``limit``) from how many articles (``sample``)."""
    matching = export_request(params, text)
    return CoverageRequest(matching.text, date_from=matching.date_from, date_to=matching.date_to,
                           limit=limit, sample=sample)
