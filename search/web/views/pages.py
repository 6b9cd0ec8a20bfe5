"""The HTML pages: the search page (``/``), its panel of words (``/panels/words``) and the article page
(``/articles/…``).

Why a module of its own: what a reader sees (the hits, why each matched,
the filters, the month histogram, the article and the ones like it) is put
together here from the engine's answers; the page's state lives in its URL
and every link keeps it.
"""

from __future__ import annotations

import time

from starlette.requests import Request

from ...errors import QueryError
from ...index import SearchRequest
from ...query.request import CoverageRequest
from ...results import QueryNoteKind
from .. import labels, present, render
from ..params import (
    MAX_DEPTH,
    SORT_NAMES,
    filter_params,
    page_param,
    page_query,
    search_request,
    sort_param,
    text_param,
)

PAGE_SIZE = 10
SIMILAR = 5
COVERAGE_WORDS = 12
COVERAGE_SAMPLE = 100
"""The results page's panel of words: the 12 that most set apart the query's best 100 articles."""


def _state(params) -> dict[str, str]:
    """The page's state from its URL: query, filters, dates, sort, page, language (non-empty only)."""
    names = ["q", *present.FILTERS, "from", "to", "sort", "page"]
    state = {name: params[name] for name in names if params.get(name)}
    lang = labels.language(params.get("lang"))
    if lang != labels.DEFAULT:
        state["lang"] = lang
    return state


def _only_language(state: dict[str, str]) -> dict[str, str]:
    return {"lang": state["lang"]} if "lang" in state else {}


def _corrected(results) -> bool:
    return results.suggestion is not None and any(note.kind is QueryNoteKind.CORRECTED
                                                    for note in results.notes)


def _search_page_work(asked: SearchRequest, with_words: bool):
    """The page's search, and (``with_words``, on its first page) the words of its coverage."""
    def work(index):
        started = time.perf_counter()
        results = index.search(asked)
        took = time.perf_counter() - started
        coverage = _coverage(index, asked) if with_words and asked.page == 1 and results.total else None
        return results, took, index.article_count, coverage
    return work


def _coverage(index, asked: SearchRequest):
    """The words of the coverage the page shows: the 12 that most set apart the query's best 100 articles."""
    return index.coverage(CoverageRequest(asked.text, date_from=asked.date_from, date_to=asked.date_to,
                                          limit=COVERAGE_WORDS, sample=COVERAGE_SAMPLE))


async def search_page(request: Request):
    params = request.query_params
    state = _state(params)
    typed = text_param(params, "q")
    filters = filter_params(params)
    date_from, date_to = text_param(params, "from", max_chars=40), text_param(params, "to", max_chars=40)
    sort = sort_param(params)
    page = page_param(params, PAGE_SIZE)
    sort_key = next((key for key, value in SORT_NAMES.items() if value == sort), "relevansi")
    context = {
        "state": state, "typed": typed, "filters": filters, "date_from": date_from, "date_to": date_to,
        "sort": sort_key, "link": lambda **changes: render.link("/", state, **changes),
        "article_link": lambda hit_id: render.link(render.article_path(hit_id), state),
        "export_link": lambda fmt: render.link("/export", state, format=fmt, lang=None),
    }
    text = present.compose_query(typed, filters)
    if not text and not date_from and not date_to:
        count = await request.app.state.index.run(lambda index: index.article_count)
        return render.page(request, "search.html", {**context, "results": None, "count": count})
    try:
        asked = search_request(params, text, PAGE_SIZE, page, facets=True, forms=True)
        with_words = params.get("words") == "1"
        results, took, count, coverage = await request.app.state.index.run(_search_page_work(asked, with_words))
    except QueryError as error:
        return render.page(request, "search.html", {**context, "results": None, "count": None,
                                                    "error": str(error)}, status=400)
    if sort == "relevance" and results.hits and all(hit.score is None for hit in results.hits):
        # A query of filters only is listed by date, newest first: say so.
        context["sort"] = "terbaru"
    unit, bars = present.histogram(results.facets.get("month", {}) if results.facets else {})
    last_page = max(1, min(-(-results.total // PAGE_SIZE), MAX_DEPTH // PAGE_SIZE))
    context.update({
        "results": results, "took": took, "words": results.words, "count": count, "coverage": coverage,
        "feed_link": render.link("/feed", {k: v for k, v in state.items() if k not in ("page", "sort")}),
        # The words of the coverage cost more than the search: the page's script fetches them after it
        # shows (the panel's own address); without the script, a link shows the page with them.
        "panel_link": render.link("/panels/words", {k: v for k, v in state.items() if k not in ("page", "sort")}),
        "words_link": render.link("/", state, words="1"),
        "timeline_link": render.link("/timeline", _only_language(state), q=text or None),
        "explained": [present.why_matched(results.words, hit) for hit in results.hits],
        "corrected": _corrected(results), "unit": unit, "bars": bars,
        "bar_max": max((bar.count for bar in bars), default=0),
        "first": (page - 1) * PAGE_SIZE + 1, "page": page, "last_page": last_page,
        "pages": present.page_numbers(page, last_page),
        "facets": [(name, present.FACET_PARAMS[name], counts)
                   for name, counts in (results.facets or {}).items() if name in present.FACET_PARAMS],
    })
    return render.page(request, "search.html", context)


async def words_panel(request: Request):
    """The words of a query's coverage as the results page's panel (an HTML fragment its script inserts)."""
    params = request.query_params
    state = _state(params)
    typed = text_param(params, "q")
    asked = search_request(params, page_query(params), PAGE_SIZE, 1)
    coverage = await request.app.state.index.run(lambda index: _coverage(index, asked))
    return render.page(request, "coverage.html", {"coverage": coverage, "typed": typed,
                                                  "link": lambda **changes: render.link("/", state, **changes)})


async def article_page(request: Request):
    article_id = request.path_params["id"]
    params = request.query_params
    state = _state(params)
    typed = text_param(params, "q")

    def work(index):
        article = index.get(article_id)
        return article, index.similar(article_id, limit=SIMILAR), index.query_words(typed)

    article, similar, words = await request.app.state.index.run(work)
    stems = words.stems
    context = {
        "article": article, "similar": similar, "typed": typed, "words": words,
        "title": present.marked(article.title or article.id, stems),
        "paragraphs": [present.marked(part, stems) for part in present.paragraphs(article.body)],
        "back": render.link("/", state) if any(state.get(n) for n in ("q", *present.FILTERS, "from", "to")) else None,
        "link": lambda **changes: render.link("/", _only_language(state), **changes),
        "article_link": lambda hit_id: render.link(render.article_path(hit_id), _only_language(state), q=typed),
    }
    return render.page(request, "article.html", context)
