"""Who may ask, and what a client from another machine is shown: the access token and loopback.

Why a module of its own: a server bound beyond loopback answers anyone who
can reach its port. What protects it is one policy, apart from what any
view answers:

* an optional access token (``search serve --token``, or
  ``SEARCH_SERVE_TOKEN`` read by the command line, handed to the application
  as its state): a program sends it as ``Authorization: Bearer TOKEN``; a
  person opens the page once with ``?token=TOKEN`` and is sent to the same
  URL without it, with a cookie that stands for it (an HMAC of the token, not
  the token itself). A missing or wrong token is a 401 (JSON for the API, the
  error page for pages). Tokens are compared in constant time.
* only a client on this machine
  (:func:`search.web.audience.client_is_loopback`) is shown absolute paths
  (the index's folder, its sources): :func:`hide_paths`.

The stylesheet and the script (``/static``) hold no data and are served
without a token, so that the 401 page is readable.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse

from .audience import Audience, audience
from .errors import response

COOKIE = "search_token"
COOKIE_SECONDS = 30 * 24 * 3600
TOKEN_PARAM = "token"


@dataclass(frozen=True)
class AccessToken:
    """The token every request must carry (as a bearer header, or the page's cookie)."""

    secret: str

    def __post_init__(self):
        if not self.secret.strip():
            raise ValueError("the access token is empty")

    def matches(self, offered: str) -> bool:
        return hmac.compare_digest(offered.encode("utf-8"), self.secret.encode("utf-8"))

    def cookie_value(self) -> str:
        """What the page's cookie holds: an HMAC of the token, so the cookie is not the token."""
        return hmac.new(self.secret.encode("utf-8"), b"search serve page cookie", hashlib.sha256).hexdigest()

    def admits(self, request: Request) -> bool:
        """Whether the request carries the token: its bearer header or the page's cookie."""
        scheme, _, offered = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and self.matches(offered.strip()):
            return True
        cookie = request.cookies.get(COOKIE, "")
        return hmac.compare_digest(cookie.encode("utf-8"), self.cookie_value().encode("utf-8"))


class RequireToken:
    """Answers 401 to a request without the token; turns a page's ``?token=`` into the cookie."""

    def __init__(self, app, token: AccessToken | None):
        self.app = app
        self.token = token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or self.token is None or audience(scope["path"]) is Audience.STATIC:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        kind = audience(scope["path"])
        offered = request.query_params.get(TOKEN_PARAM)
        if offered is not None and kind is not Audience.API:
            answer = _sign_in(request, self.token) if self.token.matches(offered) else \
                response(request, 401, "the access token is wrong")
        elif self.token.admits(request):
            await self.app(scope, receive, send)
            return
        else:
            answer = response(request, 401, "an access token is needed: send Authorization: Bearer TOKEN"
                              if kind is Audience.API else "open the page once with ?token=TOKEN",
                              headers={"www-authenticate": 'Bearer realm="search"'})
        await answer(scope, receive, send)


def _sign_in(request: Request, token: AccessToken):
    """The same URL without the token, and the cookie that stands for it (``Secure`` when the page came
    over HTTPS, as from a TLS proxy on this machine: uvicorn takes its scheme from X-Forwarded-Proto)."""
    kept = [(name, value) for name, value in request.query_params.multi_items() if name != TOKEN_PARAM]
    path = request.scope.get("raw_path", b"").decode("latin-1") or quote(request.url.path, safe="/")
    target = path + ("?" + urlencode(kept) if kept else "")
    answer = RedirectResponse(target, status_code=303)
    answer.set_cookie(COOKIE, token.cookie_value(), max_age=COOKIE_SECONDS, httponly=True,
                      samesite="strict", path="/", secure=request.url.scheme == "https")
    return answer


def hide_paths(stats: dict) -> dict:
    """``search stats --json`` for a client on another machine: the index and its sources by
    name, without the absolute path to them."""
    shown = dict(stats)
    shown["path"] = PurePath(stats["path"]).name
    shown["sources"] = [{**source, "path": PurePath(source["path"]).name} for source in stats.get("sources", [])]
    return shown
