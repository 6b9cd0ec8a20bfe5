"""The Starlette application behind ``search serve``: routes, middleware, error handlers, the shared index.

Why it is built this way (modelled on Datasette: this module sets up, the
handlers live in :mod:`search.web.views`):

* :mod:`.pool`: the open indexes a request borrows, kept on the newest
  generation, and the timeouts (503 past them).
* :mod:`.params`: the request's parameters, read and checked (400).
* :mod:`.views`: the handlers: :mod:`.views.pages` (HTML), :mod:`.views.timeline`
  (the timeline page), :mod:`.views.api` (JSON), :mod:`.views.export` (CSV or
  JSON Lines, streamed), :mod:`.views.feed` (Atom).
* :mod:`.render`: JSON, and pages from templates in the page's language.
* :mod:`.errors`: every error as JSON on ``/api/``, a page elsewhere; never a
  stack trace.
* :mod:`.security`: the Content-Security-Policy and the other headers.
* :mod:`.access`: the optional access token (401 without it), and what a
  client on another machine is not shown (absolute paths).
* :mod:`.cache`: recent answers, per generation of the index.
* :mod:`.admission`: how many requests are answered at once; the others
  queue, then get 503 with ``Retry-After``.
* :mod:`.server`: running it (uvicorn, worker processes, their supervisor).

Nothing from a URL reaches the file system: ids are looked up in the index,
static files come from this package.
"""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import SearchError
from . import errors, openapi, render
from .access import AccessToken, RequireToken
from .admission import Admission, Limits
from .cache import ENTRIES, AnswerCache, Answers
from .params import BadRequest
from .pool import READERS, REFRESH_SECONDS, REQUEST_TIMEOUT, IndexPool, Unavailable
from .security import SecurityHeaders
from .views import api, export, feed, pages, timeline
from .views.export import EXPORTS

log = logging.getLogger("search.web")

HERE = Path(__file__).parent


def create_app(index_dir: str | Path, refresh_seconds: float = REFRESH_SECONDS,
               timeout: float = REQUEST_TIMEOUT, readers: int | None = None,
               exports: int = EXPORTS, ray_address: str | None = None,
               ray_timeout: float | None = None, token: str | None = None,
               limits: Limits | None = None, cache_entries: int = ENTRIES) -> Starlette:
    """The ASGI application serving the index at ``index_dir`` (read-only), answering
    ``readers`` requests at once (2 by default) and
    streaming ``exports`` exports at once; its shards served by the Ray cluster at
    ``ray_address`` if given. ``token``, if given, is asked of every request;
    ``limits`` bound the requests in the application and the queue before it;
    ``cache_entries`` recent answers are kept (0: none)."""
    shared = IndexPool(Path(index_dir), readers or READERS, refresh_seconds, timeout,
                       ray_address, ray_timeout)

    @asynccontextmanager
    async def lifespan(app):
        try:
            await shared.run(lambda index: None)  # open one now, not on the first request
        except (SearchError, Unavailable) as error:
            log.warning("the index is not available yet: %s", error)
        yield
        shared.close()

    routes = [
        Route("/", pages.search_page, name="search", include_in_schema=False),
        Route("/articles/{id:path}", pages.article_page, name="article", include_in_schema=False),
        Route("/timeline", timeline.timeline_page, name="timeline", include_in_schema=False),
        Route("/panels/words", pages.words_panel, name="words_panel", include_in_schema=False),
        Route("/feed", feed.feed, name="feed"),
        Route("/export", export.export, name="export"),
        Route("/api/search", api.api_search),
        Route("/api/articles/{id:path}", api.api_article),
        Route("/api/similar/{id:path}", api.api_similar),
        Route("/api/stats", api.api_stats),
        Route("/api/values/{field}", api.api_values),
        Route("/api/timeline", api.api_timeline),
        Route("/api/words", api.api_words),
        Route("/api/openapi.json", api.api_openapi, include_in_schema=False),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    handlers: dict[Any, Any] = {
        HTTPException: errors.http_error,
        BadRequest: errors.bad_request,
        SearchError: errors.search_error,
        Unavailable: errors.unavailable,
        Exception: errors.server_error,
    }
    middleware = [  # the first is the outermost
        Middleware(SecurityHeaders),
        Middleware(RequireToken, token=AccessToken(token) if token is not None else None),
        *([Middleware(AnswerCache, pool=shared, answers=Answers(cache_entries))] if cache_entries else []),
        Middleware(Admission, limits=limits or Limits()),
    ]
    app = Starlette(routes=routes, exception_handlers=handlers, lifespan=lifespan, middleware=middleware)
    app.state.index = shared
    app.state.exports = threading.BoundedSemaphore(exports)
    app.state.templates = render.templates()
    app.state.openapi = openapi.describe(app.routes)
    return app
