"""The Starlette application behind ``search serve``: routes, the shared index, limits.

Why it is built this way:

* A small pool of open :class:`search.Index` objects (``SEARCH_SERVE_READERS``,
  2 by default), each used by one thread at a time (Whoosh's searcher and
  the engine's caches are not made for concurrent use), so that a few
  requests are answered at once and a cheap one does not queue behind a slow
  search. At most once a second a request reads which generation is the
  newest, and a member behind it calls ``Index.refresh()`` before answering,
  so a running server answers from a generation that ``search index`` or
  ``search add`` published a second or two ago.
* Index calls block, so they run in Starlette's thread pool, never on the
  event loop; a call that does not finish within the request timeout is
  answered with 503 (the thread finishes on its own and its answer is
  dropped; a call still waiting for an index gives up). An export opens an
  index of its own and streams its rows, each chunk read in the thread pool.
* Nothing from a URL reaches the file system: ids are looked up in the index,
  static files come from this package. Pages are Jinja2 templates with
  autoescape on; the only HTML that is not escaped is the engine's own
  ``<mark>`` markup, whose article text is escaped already. A
  Content-Security-Policy allows scripts and styles only from this server,
  and no inline script.
* Every error is JSON with a status on ``/api/`` (400 for a bad parameter,
  404 for an unknown id, 503 when the index is unavailable or too slow) and
  a page elsewhere; never a stack trace.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from ..errors import ArticleNotFoundError, InvalidArgumentError, QueryError, SearchError
from ..index import EXPORT_FIELDS, SORTS, newest_generation, open_index
from . import labels, openapi, present

log = logging.getLogger("search.web")

HERE = Path(__file__).parent
MAX_QUERY_CHARS = 500
MAX_LIMIT = 100
MAX_DEPTH = 10_000  # page * limit: deeper pages cost a ranking of that many articles
PAGE_SIZE = 10
SIMILAR = 5
REQUEST_TIMEOUT = 10.0
EXPORT_TIMEOUT = 120.0  # an export ranks every match before its first row
EXPORT_STREAM_SECONDS = 600.0  # and then streams them, each row read when it is sent
EXPORTS = 2  # exports streaming at once, each with an index of its own
EXPORT_CHUNK_ROWS = 100
REFRESH_SECONDS = 1.0
# Open indexes, so that as many requests are answered at once (SEARCH_SERVE_READERS).
READERS = 2
# The page's sort names and the library's.
SORT_NAMES = {"relevansi": "relevance", "terbaru": "-date", "terlama": "date"}
EXPORT_FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


class BadRequest(Exception):
    """A parameter the API does not accept: 400."""


class Unavailable(Exception):
    """The index cannot answer (missing, damaged, too slow): 503."""


class IndexPool:
    """A few open :class:`search.Index` objects, each used by one thread at a time.

    A request borrows one for its call and gives it back; up to ``size`` calls
    run at once, each in its own thread of Starlette's pool. Whoosh's searcher
    and the engine's caches are not made for concurrent use, so no object is
    ever shared between two running calls; the searchers work in parallel
    where they wait on the disk or numpy releases the GIL, and a cheap call
    (an article, the stats) no longer queues behind a slow search.

    At most once every ``refresh_seconds`` a borrower reads which generation is
    the newest; a member that is behind calls ``Index.refresh()`` before it
    answers. Once one request has seen a generation, every later one sees it
    or a newer one, whichever member answers it.
    """

    def __init__(self, path: Path, size: int = READERS, refresh_seconds: float = REFRESH_SECONDS,
                 timeout: float = REQUEST_TIMEOUT):
        if size < 1:
            raise ValueError("an index pool needs at least one index")
        self.path = Path(path)
        self.size = size
        self.refresh_seconds = refresh_seconds
        self.timeout = timeout
        self._idle: queue.LifoQueue = queue.LifoQueue()
        self._opened = 0
        self._closed = False
        self._newest: Path | None = None  # the newest generation seen, read at most once a refresh_seconds
        self._checked = 0.0
        self._lock = threading.Lock()

    def _borrow(self, deadline: float):
        with self._lock:
            if self._closed:
                raise Unavailable("the server is stopping")
            try:
                return self._idle.get_nowait()
            except queue.Empty:
                opening = self._opened < self.size
                if opening:
                    self._opened += 1
        if opening:
            try:
                return open_index(self.path)
            except BaseException:
                with self._lock:
                    self._opened -= 1
                raise
        try:
            return self._idle.get(timeout=max(deadline - time.monotonic(), 0.001))
        except queue.Empty:
            raise Unavailable("the index is busy; try again") from None

    def _give_back(self, index) -> None:
        with self._lock:
            if not self._closed:
                self._idle.put(index)
                return
            self._opened -= 1
        index.close()

    def _newest_generation(self):
        now = time.monotonic()
        with self._lock:
            if self._newest is not None and now - self._checked < self.refresh_seconds:
                return self._newest
            self._checked = now
        try:
            newest = newest_generation(self.path)
        except SearchError as error:  # keep answering from the generations we have
            log.warning("could not read the index's newest generation: %s", error)
            return self._newest
        with self._lock:
            self._newest = newest
        return newest

    def _fresh(self, index):
        newest = self._newest_generation()
        if newest is not None and index.generation != newest:
            try:
                index.refresh()
            except SearchError as error:
                log.warning("could not move to the index's new generation: %s", error)
        return index

    def _call(self, work, deadline: float):
        index = self._borrow(deadline)
        try:
            if time.monotonic() > deadline:
                raise Unavailable("the index is busy; try again")
            return work(self._fresh(index))
        finally:
            self._give_back(index)

    async def run(self, work, timeout: float | None = None):
        """``work(index)`` in the thread pool, with an index of its own, within the request timeout."""
        return await run_with_timeout(self._call, timeout or self.timeout, work)

    def close(self) -> None:
        """Close the idle indexes now, the borrowed ones when they come back."""
        with self._lock:
            self._closed = True
            idle = []
            while True:
                try:
                    idle.append(self._idle.get_nowait())
                except queue.Empty:
                    break
            self._opened -= len(idle)
        for index in idle:
            index.close()


async def run_with_timeout(function: Callable[..., Any], timeout: float, *args: Any, on_late=None):
    """``function(*args, deadline)`` in the thread pool; :class:`Unavailable` after ``timeout``
    seconds (the thread finishes on its own; ``on_late`` gets what it returns then)."""
    deadline = time.monotonic() + timeout
    task = asyncio.ensure_future(run_in_threadpool(function, *args, deadline))
    try:
        return await asyncio.wait_for(asyncio.shield(task), timeout)
    except TimeoutError:
        def finished(done):
            if done.cancelled() or done.exception() is not None:
                return
            if on_late is not None:
                on_late(done.result())
        task.add_done_callback(finished)
        raise Unavailable(f"no answer within {timeout:g} s") from None


# -- parameters ---------------------------------------------------------------

def _text(params, name: str, default: str = "", max_chars: int = MAX_QUERY_CHARS) -> str:
    value = params.get(name, default)
    if len(value) > max_chars:
        raise BadRequest(f"{name} is longer than {max_chars} characters")
    return value


def _integer(params, name: str, default: int, low: int, high: int) -> int:
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


def _flag(params, name: str) -> bool:
    raw = params.get(name, "").lower()
    if raw in ("", "0", "false", "no", "tidak"):
        return False
    if raw in ("1", "true", "yes", "ya"):
        return True
    raise BadRequest(f"{name} must be true or false, not {raw[:40]!r}")


def _sort(params) -> str:
    raw = params.get("sort", "") or "relevance"
    value = SORT_NAMES.get(raw, raw)
    if value not in SORTS:
        raise BadRequest(f"sort must be one of {', '.join(list(SORTS) + list(SORT_NAMES))}")
    return value


def _page(params, limit: int) -> int:
    return _integer(params, "page", 1, 1, max(MAX_DEPTH // limit, 1))


# -- the API ------------------------------------------------------------------

def _json(data, status: int = 200, headers=None) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=headers)


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
    text = _text(params, "q")
    limit = _integer(params, "limit", 10, 1, MAX_LIMIT)
    page = _page(params, limit)
    sort = _sort(params)
    date_from, date_to = _text(params, "from", max_chars=40) or None, _text(params, "to", max_chars=40) or None
    facets = _flag(params, "facets")
    started = time.perf_counter()
    results = await request.app.state.index.run(
        lambda index: index.search(text, limit=limit, page=page, sort=sort, date_from=date_from,
                                   date_to=date_to, facets=facets))
    took = (time.perf_counter() - started) * 1000
    return _json(results.to_dict(), headers={"server-timing": f"search;dur={took:.1f}"})


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
    return _json(article.to_dict())


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
    limit = _integer(request.query_params, "limit", 10, 1, MAX_LIMIT)
    hits = await request.app.state.index.run(lambda index: index.similar(article_id, limit=limit))
    return _json({"id": article_id, "hits": [hit.to_dict() for hit in hits]})


async def api_stats(request: Request):
    """The index's figures, as ``search stats --json``.
    ---
    summary: The index's statistics
    responses:
      200:
        description: Article count, fields, size, build time, sources
        content: {application/json: {schema: {$ref: "#/components/schemas/Stats"}}}
      503: {$ref: "#/components/responses/Unavailable"}
    """
    stats = await request.app.state.index.run(lambda index: index.stats())
    return _json(stats.to_dict())


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
    limit = _integer(request.query_params, "limit", 0, 1, 100_000) or None
    values = await request.app.state.index.run(lambda index: index.values(name, limit=limit))
    return _json([value.to_dict() for value in values])


# -- the pages ----------------------------------------------------------------

def _state(params) -> dict[str, str]:
    """The page's state from its URL: query, filters, dates, sort, page, language (non-empty only)."""
    names = ["q", *present.FILTERS, "from", "to", "sort", "page"]
    state = {name: params[name] for name in names if params.get(name)}
    lang = labels.language(params.get("lang"))
    if lang != labels.DEFAULT:
        state["lang"] = lang
    return state


def _link(path: str, state: dict[str, str], **changes) -> str:
    """``path`` with the state, changed: a value of None removes a parameter. Changing
    anything but the page goes back to page 1."""
    merged = dict(state)
    if any(name != "page" for name in changes):
        merged.pop("page", None)
    for name, value in changes.items():
        if value is None or value == "":
            merged.pop(name, None)
        else:
            merged[name] = str(value)
    if merged.get("sort") == "relevansi":
        merged.pop("sort")
    if merged.get("page") == "1":
        merged.pop("page")
    return path + ("?" + urlencode(merged) if merged else "")


def _only_language(state: dict[str, str]) -> dict[str, str]:
    return {"lang": state["lang"]} if "lang" in state else {}


def article_path(article_id: str) -> str:
    return "/articles/" + quote(article_id, safe="")


def _corrected(results) -> bool:
    return results.suggestion is not None and any(note.startswith("nothing matched") for note in results.notes)


def _search_page_work(text: str, typed: str, page: int, sort: str, date_from, date_to):
    def work(index):
        started = time.perf_counter()
        results = index.search(text, limit=PAGE_SIZE, page=page, sort=sort, date_from=date_from,
                               date_to=date_to, facets=True)
        took = time.perf_counter() - started
        words = present.query_words(results.suggestion if _corrected(results) else typed)
        explained: list = []
        for hit in results.hits:
            try:
                article = index.get(hit.id)
            except ArticleNotFoundError:
                explained.append([])
                continue
            explained.append(present.word_forms(words, article.title, article.body))
        return results, took, words, explained, index.article_count
    return work


async def search_page(request: Request):
    params = request.query_params
    state = _state(params)
    typed = _text(params, "q")
    filters = {name: _text(params, name, max_chars=200) for name in present.FILTERS}
    date_from, date_to = _text(params, "from", max_chars=40), _text(params, "to", max_chars=40)
    sort = _sort(params)
    page = _page(params, PAGE_SIZE)
    sort_key = next((key for key, value in SORT_NAMES.items() if value == sort), "relevansi")
    context = {
        "state": state, "typed": typed, "filters": filters, "date_from": date_from, "date_to": date_to,
        "sort": sort_key, "link": lambda **changes: _link("/", state, **changes),
        "article_link": lambda hit_id: _link(article_path(hit_id), state),
        "export_link": lambda fmt: _link("/export", state, format=fmt, lang=None),
    }
    text = present.compose_query(typed, filters)
    if not text and not date_from and not date_to:
        count = await request.app.state.index.run(lambda index: index.article_count)
        return _page_response(request, "search.html", {**context, "results": None, "count": count})
    work = _search_page_work(text, typed, page, sort, date_from or None, date_to or None)
    try:
        results, took, words, explained, count = await request.app.state.index.run(work)
    except QueryError as error:
        return _page_response(request, "search.html", {**context, "results": None, "count": None,
                                                       "error": str(error)}, status=400)
    if sort == "relevance" and results.hits and all(hit.score is None for hit in results.hits):
        # A query of filters only is listed by date, newest first: say so.
        context["sort"] = "terbaru"
    unit, bars = present.histogram(results.facets.get("month", {}) if results.facets else {})
    last_page = max(1, min(-(-results.total // PAGE_SIZE), MAX_DEPTH // PAGE_SIZE))
    context.update({
        "results": results, "took": took, "words": words, "explained": explained, "count": count,
        "corrected": _corrected(results), "unit": unit, "bars": bars,
        "bar_max": max((bar.count for bar in bars), default=0),
        "first": (page - 1) * PAGE_SIZE + 1, "page": page, "last_page": last_page,
        "pages": present.page_numbers(page, last_page),
        "facets": [(name, present.FACET_PARAMS[name], counts)
                   for name, counts in (results.facets or {}).items() if name in present.FACET_PARAMS],
    })
    return _page_response(request, "search.html", context)


async def article_page(request: Request):
    article_id = request.path_params["id"]
    params = request.query_params
    state = _state(params)
    typed = _text(params, "q")
    words = present.query_words(typed)

    def work(index):
        article = index.get(article_id)
        return article, index.similar(article_id, limit=SIMILAR)

    article, similar = await request.app.state.index.run(work)
    stems = words.stems
    context = {
        "article": article, "similar": similar, "typed": typed, "words": words,
        "title": present.marked(article.title or article.id, stems),
        "paragraphs": [present.marked(part, stems) for part in present.paragraphs(article.body)],
        "back": _link("/", state) if any(state.get(n) for n in ("q", *present.FILTERS, "from", "to")) else None,
        "link": lambda **changes: _link("/", _only_language(state), **changes),
        "article_link": lambda hit_id: _link(article_path(hit_id), _only_language(state), q=typed),
    }
    return _page_response(request, "article.html", context)


async def export(request: Request):
    """Every match of the page's query as CSV or JSON Lines: the CLI's ``--all`` export.
    ---
    summary: Every match, as CSV or JSON Lines (search query --all)
    parameters:
      - {name: q, in: query, schema: {type: string, maxLength: 500}}
      - {name: format, in: query, schema: {type: string, enum: [csv, jsonl], default: csv}}
      - {name: kategori, in: query, schema: {type: string}, description: "the page's filters"}
      - {name: sumber, in: query, schema: {type: string}}
      - {name: penulis, in: query, schema: {type: string}}
      - {name: lokasi, in: query, schema: {type: string}}
      - {name: sort, in: query, schema: {type: string, enum: [relevance, date, -date]}}
      - {name: from, in: query, schema: {type: string}}
      - {name: to, in: query, schema: {type: string}}
    responses:
      200:
        description: "One row per article: id, title, date, source, category, url, score, snippet"
        content:
          text/csv: {schema: {type: string}}
          application/x-ndjson: {schema: {type: string}}
      400: {$ref: "#/components/responses/BadRequest"}
      503: {$ref: "#/components/responses/Unavailable"}
    """
    params = request.query_params
    fmt = params.get("format", "csv")
    if fmt not in EXPORT_FORMATS:
        raise BadRequest("format must be csv or jsonl")
    typed = _text(params, "q")
    filters = {name: _text(params, name, max_chars=200) for name in present.FILTERS}
    text = present.compose_query(typed, filters)
    sort = _sort(params)
    date_from, date_to = _text(params, "from", max_chars=40) or None, _text(params, "to", max_chars=40) or None

    index_dir, exports = request.app.state.index.path, request.app.state.exports

    def start(deadline):
        # An index of its own, opened for this export and closed when it ends: the
        # stream reads one generation from start to end, whatever is published
        # meanwhile, and borrows none of the indexes that answer the other requests.
        if not exports.acquire(blocking=False):
            raise Unavailable("too many exports at once; try again")
        try:
            index = open_index(index_dir)
        except BaseException:
            exports.release()
            raise
        try:
            found = index.export(text, sort=sort, date_from=date_from, date_to=date_to)
        except BaseException:
            index.close()
            exports.release()
            raise
        return ExportStream(found, fmt, index, exports.release)

    stream = await run_with_timeout(start, EXPORT_TIMEOUT, on_late=lambda late: late.close())
    return StreamingResponse(_closing(stream), media_type=EXPORT_FORMATS[fmt],
                             headers={"content-disposition": f'attachment; filename="hasil.{fmt}"'})


class ExportStream:
    """An export's rows as CSV or JSON Lines text, a chunk of rows per ``next()``.

    Starlette's StreamingResponse runs each ``next()`` of a plain iterator in
    its thread pool, so reading rows (stored fields, a snippet each) never
    blocks the event loop. The stream owns its index: :meth:`close`, at the
    end, on a disconnected client, or past :data:`EXPORT_STREAM_SECONDS`,
    closes it, once, and never under a ``next()`` that is still running.
    """

    def __init__(self, rows, fmt: str, index, release, rows_per_chunk: int = EXPORT_CHUNK_ROWS,
                 seconds: float | None = None):
        self._rows = rows
        self._fmt = fmt
        self._index = index
        self._release = release
        self._rows_per_chunk = rows_per_chunk
        self._deadline = time.monotonic() + (EXPORT_STREAM_SECONDS if seconds is None else seconds)
        self._header = fmt == "csv"
        self._lock = threading.Lock()
        self._busy = False
        self._closed = False
        self._released = False

    def __iter__(self):
        return self

    def __next__(self) -> str:
        with self._lock:
            if self._closed:
                raise StopIteration
            self._busy = True
        try:
            if time.monotonic() > self._deadline:
                # Cut off: the connection closes without the end of the body, so the
                # client sees an incomplete download, never a short one passed as whole.
                raise Unavailable(f"the export took longer than {EXPORT_STREAM_SECONDS:g} s")
            chunk = self._chunk()
        except BaseException:
            self.close()
            raise
        finally:
            with self._lock:
                self._busy = False
                closing = self._closed
            if closing:
                self._finish()
        if chunk is None:
            self.close()
            raise StopIteration
        return chunk

    def _chunk(self) -> str | None:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n") if self._fmt == "csv" else None
        if self._header:
            assert writer is not None  # a header is written for CSV only
            writer.writerow(EXPORT_FIELDS)
            self._header = False
        count = 0
        for row in self._rows:
            data = row.to_dict()
            if writer is None:
                out.write(json.dumps(data, ensure_ascii=False) + "\n")
            else:
                writer.writerow(["" if data[name] is None else data[name] for name in EXPORT_FIELDS])
            count += 1
            if count >= self._rows_per_chunk:
                break
        text = out.getvalue()
        return text or None

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._busy:
                return  # the running next() finishes it
        self._finish()

    def _finish(self) -> None:
        with self._lock:
            if self._released:
                return
            self._released = True
        try:
            self._index.close()
        finally:
            self._release()


async def _closing(stream: ExportStream):
    """The stream's chunks, each read in the thread pool; the stream closed however it ends."""
    try:
        async for chunk in iterate_in_threadpool(stream):
            yield chunk
    finally:
        stream.close()


async def api_openapi(request: Request):
    """The OpenAPI description of the API (see :mod:`search.web.openapi`)."""
    return _json(request.app.state.openapi)


# -- the application ----------------------------------------------------------

def _templates() -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(article_path=article_path, marked=present.marked, safe_url=present.safe_url,
                       html=lambda text, *args, **values: Markup(text).format(*args, **values))
    # Notes the page already says in Indonesian (the correction, stop words, exclusions).
    env.tests["match_note"] = lambda note: note.startswith(("nothing matched", "left out articles with",
                                                            "no searchable words"))
    return Jinja2Templates(env=env)


def _language_context(request: Request) -> dict:
    """The page's words, dates and numbers in its language, and links that keep it."""
    params = request.query_params
    lang = labels.language(params.get("lang"))
    words = labels.LABELS[lang]
    kept = {"lang": lang} if lang != labels.DEFAULT else {}
    switched = {key: value for key, value in params.items() if key != "lang"}
    if lang == labels.DEFAULT:
        switched["lang"] = "en"
    return {
        "lang": lang, "t": words,
        "date": lambda moment, with_time=True: present.indonesian_date(moment, with_time, words["days"],
                                                                       words["months"]),
        "month_label": lambda key: present.month_label(key, words["months"]),
        "number": lambda value: present.number(value, words["thousands"]),
        "seconds": lambda value: present.seconds(value, words["decimal"]),
        "home": lambda **query: _link("/", kept, **query),
        # The path as requested, quoted again: an article id may hold "?", "#" or a space.
        "other_language": quote(request.scope["path"], safe="/") + ("?" + urlencode(switched) if switched else ""),
    }


def _page_response(request: Request, name: str, context: dict, status: int = 200):
    context = {**_language_context(request), **context}
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str):
    if _wants_json(request) or request.url.path.startswith("/export"):
        return _json({"error": message, "status": status}, status)
    messages = labels.LABELS[labels.language(request.query_params.get("lang"))]["errors"]
    heading = messages.get(status, messages[400])
    return _page_response(request, "error.html", {"status": status, "message": heading,
                                                  "detail": message if message != heading else ""},
                          status=status)


async def _http_error(request: Request, error: HTTPException):
    detail = error.detail if error.detail and not _is_default_phrase(error) else None
    if _wants_json(request):
        return _json({"error": detail or _default_message(error.status_code), "status": error.status_code},
                     error.status_code)
    return _error(request, error.status_code, detail or "")


def _is_default_phrase(error: HTTPException) -> bool:
    try:
        return error.detail == HTTPStatus(error.status_code).phrase
    except ValueError:
        return False


def _default_message(status: int) -> str:
    return {404: "not found", 405: "method not allowed"}.get(status, "error")


async def _bad_request(request: Request, error: Exception):
    return _error(request, 400, str(error))


async def _search_error(request: Request, error: SearchError):
    if isinstance(error, ArticleNotFoundError):
        status = 404
    elif isinstance(error, (QueryError, InvalidArgumentError)):
        status = 400
    else:
        status = 503
    return _error(request, status, str(error))


async def _unavailable(request: Request, error: Unavailable):
    return _error(request, 503, str(error))


async def _server_error(request: Request, error: Exception):
    log.error("unexpected error on %s: %s: %s", request.url.path, type(error).__name__, error)
    return _error(request, 500, "internal error" if _wants_json(request) else "")


class SecurityHeaders:
    """Adds the Content-Security-Policy and friends to every response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def readers_from_environment() -> int:
    """``SEARCH_SERVE_READERS`` (1-16), or :data:`READERS`."""
    raw = os.environ.get("SEARCH_SERVE_READERS", "").strip()
    if not raw:
        return READERS
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= 16:
        raise ValueError(f"SEARCH_SERVE_READERS must be a whole number from 1 to 16, not {raw!r}")
    return value


def create_app(index_dir: str | Path, refresh_seconds: float = REFRESH_SECONDS,
               timeout: float = REQUEST_TIMEOUT, readers: int | None = None,
               exports: int = EXPORTS) -> Starlette:
    """The ASGI application serving the index at ``index_dir`` (read-only), answering
    ``readers`` requests at once (default ``SEARCH_SERVE_READERS`` or 2) and
    streaming ``exports`` exports at once."""
    shared = IndexPool(Path(index_dir), readers or readers_from_environment(), refresh_seconds, timeout)

    @asynccontextmanager
    async def lifespan(app):
        try:
            await shared.run(lambda index: None)  # open one now, not on the first request
        except (SearchError, Unavailable) as error:
            log.warning("the index is not available yet: %s", error)
        yield
        shared.close()

    routes = [
        Route("/", search_page, name="search", include_in_schema=False),
        Route("/articles/{id:path}", article_page, name="article", include_in_schema=False),
        Route("/export", export, name="export"),
        Route("/api/search", api_search),
        Route("/api/articles/{id:path}", api_article),
        Route("/api/similar/{id:path}", api_similar),
        Route("/api/stats", api_stats),
        Route("/api/values/{field}", api_values),
        Route("/api/openapi.json", api_openapi, include_in_schema=False),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    handlers: dict[Any, Any] = {
        HTTPException: _http_error,
        BadRequest: _bad_request,
        SearchError: _search_error,
        Unavailable: _unavailable,
        Exception: _server_error,
    }
    app = Starlette(routes=routes, exception_handlers=handlers, lifespan=lifespan)
    app.state.index = shared
    app.state.exports = threading.BoundedSemaphore(exports)
    app.state.templates = _templates()
    app.state.openapi = openapi.describe(app.routes)
    app.add_middleware(SecurityHeaders)
    return app


def workers_from_environment() -> int:
    """``SEARCH_SERVE_WORKERS`` (1-16): processes answering, each with its own pool; 1 by default."""
    raw = os.environ.get("SEARCH_SERVE_WORKERS", "").strip() or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= 16:
        raise ValueError(f"SEARCH_SERVE_WORKERS must be a whole number from 1 to 16, not {raw!r}")
    return int(raw)


def app_from_environment() -> Starlette:
    """The application of one worker process: the index named by ``SEARCH_SERVE_INDEX``."""
    return create_app(os.environ["SEARCH_SERVE_INDEX"])


def serve(index_dir: str | Path, host: str = "127.0.0.1", port: int = 8000, advice: str = "") -> None:
    """Run the application on uvicorn until interrupted, in ``SEARCH_SERVE_WORKERS`` worker
    processes sharing one socket (the GIL lets one process use about one core), watched
    by this one.

    A worker that dies is replaced, and the death is one line on stderr (with
    ``advice`` after it): the index's files are memory-mapped, so a file cut
    short under a running worker kills it with SIGBUS; its replacement opens
    the index afresh, finds the damage, and answers 503 with what is wrong.
    """
    import uvicorn

    options: dict[str, Any] = dict(host=host, port=port, log_level="warning", access_log=False,
                                   server_header=False, limit_concurrency=200, timeout_keep_alive=5,
                                   lifespan="on")
    try:
        workers = workers_from_environment()
        create_app(index_dir)  # checks SEARCH_SERVE_READERS, and the workers' app
    except ValueError as error:  # one line, not a traceback
        raise SystemExit(f"Error: {error}") from None
    # Each worker is a fresh process (spawned) that builds its own application
    # and opens its own indexes; the supervisor stops them on SIGINT or SIGTERM.
    os.environ["SEARCH_SERVE_INDEX"] = str(Path(index_dir).resolve())
    config = uvicorn.Config("search.web.app:app_from_environment", factory=True, workers=workers, **options)
    _supervisor(config, Path(index_dir), advice).run()


def _supervisor(config, index_dir: Path, advice: str):
    """uvicorn's supervisor of worker processes, saying in one line why one had to be replaced."""
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors import Multiprocess

    class Supervisor(Multiprocess):
        def keep_subprocess_alive(self) -> None:
            # uvicorn replaces a worker that died, and kills and replaces one that stopped
            # answering its health check: each replaced worker is named with how it ended.
            before = list(self.processes)
            super().keep_subprocess_alive()
            for old, new in zip(before, self.processes, strict=True):
                code = old.exitcode
                if new is not old and code is not None and code not in (0, STARTUP_FAILURE):
                    print(worker_death(old.pid, code, index_dir) + advice, file=sys.stderr, flush=True)

    return Supervisor(config, sockets=[config.bind_socket()])


def worker_death(pid: int | None, exitcode: int, index_dir: Path) -> str:
    """One line on a worker that died: by which signal (or with which status), serving which index."""
    if exitcode < 0:
        try:
            how = f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"was killed by signal {-exitcode}"
    else:
        how = f"exited with status {exitcode}"
    cause = " (a file of the index changed under it?)" if exitcode == -signal.SIGBUS else ""
    return f"the server process {pid} serving the index at {index_dir} {how}{cause}; another was started"
