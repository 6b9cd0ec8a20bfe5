"""The open indexes a server answers from, and how long it waits for them.

Why a module of its own: every view borrows an index from the pool and
gives it back, and every view's wait is bounded by the timeouts here; how
many indexes are open, how each is kept on the newest generation, and what
happens to a call that is too slow are one concern, apart from what any
page or API answers.

* A small pool of open :class:`search.Index` objects (``search serve --readers``,
  2 by default), each used by one thread at a time (Whoosh's searcher and
  the engine's caches are not made for concurrent use), so that a few
  requests are answered at once and a cheap one does not queue behind a slow
  search. At most once a second a request reads which generation is the
  newest (:func:`search.index.newest_generation`), and a member behind it
  calls ``Index.refresh()`` before answering, so a running server answers
  from a generation that ``search index`` or ``search add`` published a
  second or two ago.
* Index calls block, so they run in Starlette's thread pool, never on the
  event loop; a call that does not finish within the request timeout is
  answered with 503 (the thread finishes on its own and its answer is
  dropped; a call still waiting for an index gives up).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool

from ..errors import SearchError
from ..index import newest_generation, open_index
from ..results import SearchResults

log = logging.getLogger("search.web")

REQUEST_TIMEOUT = 10.0
EXPORT_TIMEOUT = 120.0  # an export ranks every match before its first row
EXPORT_STREAM_SECONDS = 600.0  # and then streams them, each row read when it is sent
REFRESH_SECONDS = 1.0
# Open indexes, so that as many requests are answered at once (search serve --readers).
READERS = 2


class Unavailable(Exception):
    """The index cannot answer (missing, damaged, too slow): 503."""


@dataclass
class Answered:
    """What the index calls of one request read: their generations, and whether an answer was
    partial (a shard of a cluster did not answer), for the answer cache (:mod:`search.web.cache`)."""

    generations: set[Path] = field(default_factory=set)
    partial: bool = False

    def only(self, generation: Path) -> bool:
        """Whether every call read ``generation`` and every answer was whole: one to keep."""
        return not self.partial and self.generations == {generation}


ANSWERED: contextvars.ContextVar[Answered | None] = contextvars.ContextVar("answered", default=None)
"""The request's :class:`Answered`, which the cache puts in the request's context (Starlette's
thread pool copies it into each call's thread): request-scoped, never shared between requests."""


def _partial(result) -> bool:
    """Whether a call's result (or a part of it) is a search some shard did not answer."""
    parts = result if isinstance(result, tuple) else (result,)
    return any(isinstance(part, SearchResults) and part.missing_shards for part in parts)


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
                 timeout: float = REQUEST_TIMEOUT, ray_address: str | None = None,
                 ray_timeout: float | None = None):
        if size < 1:
            raise ValueError("an index pool needs at least one index")
        self.path = Path(path)
        self.ray_address, self.ray_timeout = ray_address, ray_timeout
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
                return self.open()
            except BaseException:
                with self._lock:
                    self._opened -= 1
                raise
        try:
            return self._idle.get(timeout=max(deadline - time.monotonic(), 0.001))
        except queue.Empty:
            raise Unavailable("the index is busy; try again") from None

    def open(self):
        """Another :class:`search.Index` of the pool's index (its shards on the Ray cluster it was given, if any)."""
        return open_index(self.path, ray_address=self.ray_address, ray_timeout=self.ray_timeout)

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

    async def newest_generation(self) -> Path | None:
        """The newest generation as this pool last read it (read again, in the thread pool,
        when that is more than ``refresh_seconds`` ago); None if it cannot be read."""
        with self._lock:
            fresh = self._newest is not None and time.monotonic() - self._checked < self.refresh_seconds
            if fresh:
                return self._newest
        return await run_in_threadpool(self._newest_generation)

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
            fresh = self._fresh(index)
            answered = ANSWERED.get()
            if answered is not None:
                answered.generations.add(fresh.generation)
            result = work(fresh)
            if answered is not None and _partial(result):
                answered.partial = True
            return result
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


