"""A request is validated once, where it is made, and the index takes it or plain arguments alike."""

from __future__ import annotations

import pytest

import search
from search import ExportRequest, SearchRequest, Sort


@pytest.mark.parametrize("options, error, says", [
    ({"limit": 0}, search.InvalidArgumentError, "limit and page must be at least 1"),
    ({"page": 0}, search.InvalidArgumentError, "limit and page must be at least 1"),
    ({"sort": "newest"}, search.InvalidArgumentError, "sort must be one of relevance, date, -date"),
    ({"date_from": "bukan tanggal"}, search.QueryError, "not a date"),
    ({"date_to": "2021-13"}, search.QueryError, "2021-13"),
])
def test_a_bad_request_is_refused_where_it_is_made(options, error, says):
    with pytest.raises(error, match=says):
        SearchRequest("banjir", **options)


def test_a_request_is_frozen_and_its_sort_typed():
    request = SearchRequest("banjir", sort="-date", date_from="2017", limit=5)
    assert request.sort is Sort.NEWEST and str(request.sort) == "-date"
    with pytest.raises(AttributeError):
        request.limit = 10  # type: ignore[misc]
    assert request.matching() == ExportRequest("banjir", Sort.NEWEST, "2017", None)


def test_the_index_takes_a_request_or_the_same_as_arguments(small_index):
    with search.open_index(small_index) as index:
        by_request = index.search(SearchRequest("dinas kominfo", limit=3, facets=True))
        by_arguments = index.search("dinas kominfo", limit=3, facets=True)
        assert [h.id for h in by_request.hits] == [h.id for h in by_arguments.hits]
        assert by_request.facets == by_arguments.facets
        exported = [row.id for row in index.export(ExportRequest("dinas kominfo"))]
        assert exported[:3] == [h.id for h in by_request.hits]
        with pytest.raises(search.InvalidArgumentError, match="unknown option: limits"):
            index.search("banjir", limits=3)
        with pytest.raises(search.InvalidArgumentError, match="in the request, not beside it"):
            index.search(SearchRequest("banjir"), limit=3)
