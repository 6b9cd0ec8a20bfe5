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
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request

from ..errors import ArticleNotFoundError, InvalidArgumentError, QueryError, SearchError
from . import labels, render
from .audience import Audience, audience, client_is_loopback
from .pool import Unavailable

log = logging.getLogger("search.web")


def _wants_json(request: Request) -> bool:
    return audience(request.url.path) is Audience.API


def response(request: Request, status: int, message: str, headers: dict[str, str] | None = None):
    """The error ``status`` with ``message``: JSON on ``/api/`` and ``/export``, the error page
    elsewhere (its message in the page's language, the detail after it); absolute paths of the
    index shown only to a client on this machine."""
    message = _without_paths(request, message)
    if audience(request.url.path) in (Audience.API, Audience.EXPORT):
        answer = render.json({"error": message, "status": status}, status)
    else:
        messages = labels.LABELS[labels.language(request.query_params.get("lang"))]["errors"]
        heading = messages.get(status, messages[400])
        answer = render.page(request, "error.html", {"status": status, "message": heading,
                                                     "detail": message if message != heading else ""},
                             status=status)
    answer.headers.update(headers or {})
    return answer


def _without_paths(request: Request, message: str) -> str:
    """``message`` with the index's absolute path cut to its name, for a client not on this machine."""
    if client_is_loopback(request.scope):
        return message
    folder = Path(request.app.state.index.path)
    for written in {str(folder.resolve()), str(folder)}:
        message = message.replace(written, folder.name)
    return message



async def http_error(request: Request, error: HTTPException):
    detail = error.detail if error.detail and not _is_default_phrase(error) else None
    if _wants_json(request):
        return render.json({"error": detail or _default_message(error.status_code), "status": error.status_code},
                           error.status_code)
    return response(request, error.status_code, detail or "")


def _is_default_phrase(error: HTTPException) -> bool:
    try:
        return error.detail == HTTPStatus(error.status_code).phrase
    except ValueError:
        return False


def _default_message(status: int) -> str:
    return {404: "not found", 405: "method not allowed"}.get(status, "error")


async def bad_request(request: Request, error: Exception):
    return response(request, 400, str(error))


async def search_error(request: Request, error: SearchError):
    if isinstance(error, ArticleNotFoundError):
        status = 404
    elif isinstance(error, (QueryError, InvalidArgumentError)):
        status = 400
    else:
        status = 503
    return response(request, status, str(error))


async def unavailable(request: Request, error: Unavailable):
    return response(request, 503, str(error))


async def server_error(request: Request, error: Exception):
    log.error("unexpected error on %s: %s: %s", request.url.path, type(error).__name__, error)
    return response(request, 500, "internal error" if _wants_json(request) else "")
