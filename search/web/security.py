"""The security headers on every response (Content-Security-Policy and friends).

Why a module of its own: what the browser is allowed to do with the pages
is one policy, set on every response whichever view made it. The
Content-Security-Policy allows scripts and styles only from this server,
and no inline script; the page's script may fetch only from this server (the
panel of words); the pages are never framed, and no referrer leaves.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


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
