"""The JSON API: ``/api/search``, ``/api/articles/…``, ``/api/similar/…``, ``/api/stats``,
``/api/values/…``, ``/api/timeline``, ``/api/words`` and the API's OpenAPI description.

Why a module of its own: each handler answers with the same shape as the
CLI's ``--json`` for its command, and its docstring after ``---`` is its
part of the OpenAPI description (:mod:`search.web.openapi`); a change to the
API is made here, apart from the pages.
"""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import Response

from ...rows import timeline_csv
from .. import render
from ..access import hide_paths
from ..audience import client_is_loopback
from ..params import (
    BadRequest,
    coverage_request,
    flag_param,
    integer_param,
    page_param,
    search_request,
    text_param,
    timeline_request,
)

MAX_LIMIT = 100


async def api_search(request: Request):
    """Search, as ``search query --json``.
    ---
    summary: Search the articles
    parameters:
      - {name: q, in: query, required: true, schema: {type: string, maxLength: 500},
         description: "The query language of the CLI (an empty q with from/to lists by date)"}
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100, default: 10}}
      - {name: page, in: query, schema: {type: integer, minimum: 1, default: 1},
         description: "page * limit at most 10,000"}
      - {name: sort, in: query, schema: {type: string, enum: [relevance, date, -date], default: relevance},
         description: "date: oldest first; -date: newest first (relevansi, terlama, terbaru too)"}
      - {name: from, in: query, schema: {type: string}, description: "2021, 2021-03, Maret 2021, 2021-03-17"}
      - {name: to, in: query, schema: {type: string}, description: "the same values as from; included"}
      - {name: facets, in: query, schema: {type: boolean, default: false}}
      - {name: forms, in: query, schema: {type: boolean, default: false},
         description: "each hit's forms of the query's words (why it matched)"}
    responses:
      200:
        description: The page of hits
        content: {application/json: {schema: {$ref: "#/components/schemas/SearchResults"}}}
      400: {$ref: "#/components/responses/BadRequest"}
      503: {$ref: "#/components/responses/Unavailable"}
    """
    params = request.query_params
    if "q" not in params:
        raise BadRequest("the parameter q is required")
    text = text_param(params, "q")
    limit = integer_param(params, "limit", 10, 1, MAX_LIMIT)
    asked = search_request(params, text, limit, page_param(params, limit), flag_param(params, "facets"),
                           flag_param(params, "forms"))
    started = time.perf_counter()
    results = await request.app.state.index.run(lambda index: index.search(asked))
    took = (time.perf_counter() - started) * 1000
    return render.json(results.to_dict(), headers={"server-timing": f"search;dur={took:.1f}"})


async def api_article(request: Request):
    """One article, as ``search show --json``.
    ---
    summary: One article
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}, description: "URL-encoded; / may stay"}
    responses:
      200:
        description: The article
        content: {application/json: {schema: {$ref: "#/components/schemas/Article"}}}
      404: {$ref: "#/components/responses/NotFound"}
      503: {$ref: "#/components/responses/Unavailable"}
    """
    article_id = request.path_params["id"]
    article = await request.app.state.index.run(lambda index: index.get(article_id))
    return render.json(article.to_dict())


async def api_similar(request: Request):
    """The articles most like one, as ``search similar --json``.
    ---
    summary: Articles like one article
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}, description: "URL-encoded; / may stay"}
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100, default: 10}}
    responses:
      200:
        description: The most similar articles, best first, not including the article itself
        content: {application/json: {schema: {$ref: "#/components/schemas/Similar"}}}
      400: {$ref: "#/components/responses/BadRequest"}
      404: {$ref: "#/components/responses/NotFound"}
      503: {$ref: "#/components/responses/Unavailable"}
    """
    article_id = request.path_params["id"]
    limit = integer_param(request.query_params, "limit", 10, 1, MAX_LIMIT)
    hits = await request.app.state.index.run(lambda index: index.similar(article_id, limit=limit))
    return render.json({"id": article_id, "hits": [hit.to_dict() for hit in hits]})


async def api_stats(request: Request):
    """The index's figures, as ``search stats --json``.
    ---
    summary: The index's statistics
    responses:
      200:
        description: "Article count, fields, size, build time, sources (the index's folder and the
          sources by name only, without their absolute path, to a client on another machine)"
        content: {application/json: {schema: {$ref: "#/components/schemas/Stats"}}}
      503: {$ref: "#/components/responses/Unavailable"}
    """
    stats = await request.app.state.index.run(lambda index: index.stats())
    shown = stats.to_dict() if client_is_loopback(request.scope) else hide_paths(stats.to_dict())
    return render.json(shown)


async def api_values(request: Request):
    """The values of a field with their counts, as ``search values FIELD --json``.
    ---
    summary: What there is to filter by
    parameters:
      - name: field
        in: path
        required: true
        schema:
          type: string
          enum: [category, source, author, location, month, kategori, sumber, penulis, lokasi, bulan]
      - {name: limit, in: query, schema: {type: integer, minimum: 1}, description: "the most common only"}
    responses:
      200:
        description: Values, most common first
        content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Value"}}}}
      400: {$ref: "#/components/responses/BadRequest"}
      503: {$ref: "#/components/responses/Unavailable"}
    """
    name = request.path_params["field"]
    limit = integer_param(request.query_params, "limit", 0, 1, 100_000) or None
    values = await request.app.state.index.run(lambda index: index.values(name, limit=limit))
    return render.json([value.to_dict() for value in values])


async def api_timeline(request: Request):
    """Attention over time, as ``search timeline --format json`` (or ``csv``).
    ---
    summary: Articles per period for one or more queries
    description: >-
      Each query's matching articles per day, week, month or year, and their share of the archive's
      articles of that period (after the filter and dates), every period listed (0 where none matched).
      Counted, not scored.
    parameters:
      - {name: q, in: query, required: true, style: form, explode: true,
         schema: {type: array, items: {type: string, maxLength: 500}, minItems: 1, maxItems: 10},
         description: "One query per q (q=banjir&q=gempa)"}
      - {name: interval, in: query, schema: {type: string, enum: [day, week, month, year], default: month},
         description: "weeks start on Monday; dates are read in WIB"}
      - {name: filter, in: query, schema: {type: string, maxLength: 200},
         description: "filters only, for every query and the archive: sumber:kompas kategori:politik"}
      - {name: from, in: query, schema: {type: string}, description: "2021, 2021-03, Maret 2021, 2021-03-17"}
      - {name: to, in: query, schema: {type: string}, description: "the same values as from; included"}
      - {name: format, in: query, schema: {type: string, enum: [json, csv], default: json}}
    responses:
      200:
        description: The periods, the archive's count per period, and each query's counts and shares
        content:
          application/json: {schema: {$ref: "#/components/schemas/Timeline"}}
          text/csv: {schema: {type: string}}
      400: {$ref: "#/components/responses/BadRequest"}
      503: {$ref: "#/components/responses/Unavailable"}
    """
    params = request.query_params
    output = params.get("format", "") or "json"
    if output not in ("json", "csv"):
        raise BadRequest("format must be json or csv")
    asked = timeline_request(params)
    timeline = await request.app.state.index.run(lambda index: index.timeline(asked))
    if output == "csv":
        return Response(timeline_csv(timeline), media_type="text/csv; charset=utf-8",
                        headers={"content-disposition": 'attachment; filename="timeline.csv"'})
    return render.json(timeline.to_dict())


async def api_words(request: Request):
    """The words of a coverage, as ``search words --json``.
    ---
    summary: The words that set a query's articles apart, and its outlets
    description: >-
      The words and two-word phrases most over-represented (log-likelihood) in the query's best-ranked
      articles against the whole archive, each in its most common written form; and each outlet's
      matching articles as a share of its own.
    parameters:
      - {name: q, in: query, required: true, schema: {type: string, maxLength: 500}}
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100, default: 20}}
      - {name: sample, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 200},
         description: "how many of the best-ranked articles are read for their words"}
      - {name: from, in: query, schema: {type: string}}
      - {name: to, in: query, schema: {type: string}}
    responses:
      200:
        description: The words, best first, and the outlets, largest share first
        content: {application/json: {schema: {$ref: "#/components/schemas/Coverage"}}}
      400: {$ref: "#/components/responses/BadRequest"}
      503: {$ref: "#/components/responses/Unavailable"}
    """
    params = request.query_params
    if "q" not in params:
        raise BadRequest("the parameter q is required")
    asked = coverage_request(params, text_param(params, "q"), integer_param(params, "limit", 20, 1, MAX_LIMIT),
                             integer_param(params, "sample", 200, 1, 1000))
    coverage = await request.app.state.index.run(lambda index: index.coverage(asked))
    return render.json(coverage.to_dict())


async def api_openapi(request: Request):
    """The OpenAPI description of the API (see :mod:`search.web.openapi`)."""
    return render.json(request.app.state.openapi)
