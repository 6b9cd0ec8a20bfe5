"""Every error as a response: JSON with a status on ``/api/`` and ``/export``, a page elsewhere.

Why a module of its own: what a failure looks like to a client (400 for a
bad parameter, 404 for an unknown id, 503 when the index is unavailable or
too slow, 500 for anything else) is decided in one place, whichever view
raised it, and never shows a stack trace. :func:`search.web.app.create_app`
wires these handlers to the exceptions.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from starlette.exceptions import HTTPException
from starlette.requests import Request

from ..errors import ArticleNotFoundError, InvalidArgumentError, QueryError, SearchError
from . import labels, render
from .pool import Unavailable

log = logging.getLogger("search.web")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str):
    if _wants_json(request) or request.url.path.startswith("/export"):
        return render.json({"error": message, "status": status}, status)
    messages = labels.LABELS[labels.language(request.query_params.get("lang"))]["errors"]
    heading = messages.get(status, messages[400])
    return render.page(request, "error.html", {"status": status, "message": heading,
                                               "detail": message if message != heading else ""},
                       status=status)


async def http_error(request: Request, error: HTTPException):
    detail = error.detail if error.detail and not _is_default_phrase(error) else None
    if _wants_json(request):
        return render.json({"error": detail or _default_message(error.status_code), "status": error.status_code},
                           error.status_code)
    return _error(request, error.status_code, detail or "")


def _is_default_phrase(error: HTTPException) -> bool:
    try:
        return error.detail == HTTPStatus(error.status_code).phrase
    except ValueError:
        return False


def _default_message(status: int) -> str:
    return {404: "not found", 405: "method not allowed"}.get(status, "error")


async def bad_request(request: Request, error: Exception):
    return _error(request, 400, str(error))


async def search_error(request: Request, error: SearchError):
    if isinstance(error, ArticleNotFoundError):
        status = 404
    elif isinstance(error, (QueryError, InvalidArgumentError)):
        status = 400
    else:
        status = 503
    return _error(request, status, str(error))


async def unavailable(request: Request, error: Unavailable):
    return _error(request, 503, str(error))


async def server_error(request: Request, error: Exception):
    log.error("unexpected error on %s: %s: %s", request.url.path, type(error).__name__, error)
    return _error(request, 500, "internal error" if _wants_json(request) else "")
