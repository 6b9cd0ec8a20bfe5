"""How many requests are answered at once, and what the others do: wait in a bounded queue.

Why a module of its own: under a crowd a server must neither take on more
work than it can finish in time nor refuse what it could answer a moment
later. uvicorn's own ``limit_concurrency`` refuses at once, in plain text;
this middleware lets ``active`` requests into the application, queues up to
``queued`` more (first come, first served) for at most ``wait`` seconds each,
and answers the rest 503 with ``Retry-After``: JSON for the API, the error
page for people, like every other error (:mod:`search.web.errors`).

Answers from the cache (:mod:`search.web.cache`, outside this one) and the
static files take no place in the queue.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from starlette.requests import Request

from .audience import Audience, audience
from .errors import response


@dataclass(frozen=True)
class Limits:
    """The concurrency limit: requests answered at once, waiting at most, and for how long."""

    active: int = 32  # below the thread pool's 40, so a waiting request never holds a thread it cannot use
    queued: int = 2000
    wait: float = 20.0  # seconds in the queue; then the request timeout of its index calls
    retry_after: int = 2  # seconds, said to a client answered 503

    def __post_init__(self):
        if self.active < 1 or self.queued < 0 or self.wait <= 0 or self.retry_after < 0:
            raise ValueError(f"bad concurrency limits: {self}")


class Admission:
    """Lets ``limits.active`` requests in at once; queues, then refuses, the rest (503, Retry-After)."""

    def __init__(self, app, limits: Limits):
        self.app = app
        self.limits = limits
        self.waiting = 0
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        # One per event loop: a test may run the application on a new loop each time.
        loop = asyncio.get_running_loop()
        if self._slots is None or self._loop is not loop:
            self._slots, self._loop, self.waiting = asyncio.Semaphore(self.limits.active), loop, 0
        return self._slots

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or audience(scope["path"]) is Audience.STATIC:
            await self.app(scope, receive, send)
            return
        slots = self._semaphore()
        if not await self._enter(slots):
            busy = response(Request(scope), 503, "the server is busy; try again",
                            headers={"retry-after": str(self.limits.retry_after)})
            await busy(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()

    async def _enter(self, slots: asyncio.Semaphore) -> bool:
        """Whether the request got a place within the wait (False at once if the queue is full)."""
        if not slots.locked():
            await slots.acquire()
            return True
        if self.waiting >= self.limits.queued:
            return False
        self.waiting += 1
        try:
            await asyncio.wait_for(slots.acquire(), self.limits.wait)
            return True
        except TimeoutError:
            return False
        finally:
            self.waiting -= 1
