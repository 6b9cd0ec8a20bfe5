"""Recent answers, kept per generation of the index, so a popular query costs one search per generation.

Why a module of its own: under a crowd most requests ask the same few
things (the front page's query, a story everyone reads). This middleware
keeps the bytes of recent answers, keyed by the index's live generation and
the request (its path, its parameters in a fixed order, and whether the
client is on this machine, which decides whether paths are shown), and:

* answers a request it holds from memory, without a place in the queue
  (:mod:`search.web.admission`, inside this one) or a search;
* lets one request of a key compute the answer while the others asking for
  the same thing at the same time wait for it (one search, not a hundred);
* keeps an answer only if every index call of the request read the
  generation the key names and none was partial (a shard of a cluster that
  did not answer; the pool says, :data:`search.web.pool.ANSWERED`), and
  looks up only the generation the pool takes as newest: once the server
  has seen a new generation, no answer of an older one is served again;
* holds at most ``entries`` answers of at most ``entry_bytes`` each, the
  least recently used dropped first, all of them when the generation changes.

Only answers of 200 to GET requests of the pages and the API are kept
(never an export, a redirect or an answer that sets a cookie).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

from .audience import Audience, audience, client_is_loopback
from .pool import ANSWERED, Answered

ENTRIES = 512
ENTRY_BYTES = 2_000_000
FOLLOW_SECONDS = 60.0  # how long a request waits for another computing the same answer


@dataclass(frozen=True)
class Key:
    """What an answer depends on besides the index: the request, normalised."""

    path: str
    params: tuple[tuple[str, str], ...]
    loopback: bool


@dataclass
class Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


@dataclass
class Answers:
    """The kept answers of one generation, least recently used first."""

    entries: int = ENTRIES
    entry_bytes: int = ENTRY_BYTES
    generation: Path | None = None
    kept: OrderedDict[Key, Entry] = field(default_factory=OrderedDict)
    hits: int = 0
    misses: int = 0

    def get(self, generation: Path, key: Key) -> Entry | None:
        self._move_to(generation)
        entry = self.kept.get(key)
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        self.kept.move_to_end(key)
        return entry

    def put(self, generation: Path, key: Key, entry: Entry) -> None:
        if generation != self.generation or len(entry.body) > self.entry_bytes:
            return
        self.kept[key] = entry
        self.kept.move_to_end(key)
        while len(self.kept) > self.entries:
            self.kept.popitem(last=False)

    def _move_to(self, generation: Path) -> None:
        if generation != self.generation:
            self.kept.clear()
            self.generation = generation


def key_of(scope) -> Key:
    """The request's key: the path, the parameters sorted by name (repeated ones in their order)."""
    params = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    return Key(scope["path"], tuple(sorted(params, key=lambda pair: pair[0])), client_is_loopback(scope))


def cacheable(scope) -> bool:
    return (scope["type"] == "http" and scope["method"] == "GET"
            and audience(scope["path"]) in (Audience.API, Audience.PAGE))


class AnswerCache:
    """The middleware: answers from :class:`Answers`, one computation per key at a time."""

    def __init__(self, app, pool, answers: Answers):
        self.app = app
        self.pool = pool
        self.answers = answers
        self._computing: dict[tuple[Path, Key], asyncio.Future] = {}

    async def __call__(self, scope, receive, send):
        if not cacheable(scope):
            await self.app(scope, receive, send)
            return
        generation = await self.pool.newest_generation()
        if generation is None:
            await self.app(scope, receive, send)
            return
        key = key_of(scope)
        entry = self.answers.get(generation, key)
        if entry is None:
            entry = await self._follow(generation, key)
        if entry is not None:
            await _replay(entry, send)
            return
        await self._compute(generation, key, scope, receive, send)

    async def _follow(self, generation: Path, key: Key) -> Entry | None:
        """The answer of a request computing the same key now, when it has one to keep."""
        computing = self._computing.get((generation, key))
        if computing is None:
            return None
        try:
            return await asyncio.wait_for(asyncio.shield(computing), FOLLOW_SECONDS)
        except TimeoutError:
            return None

    async def _compute(self, generation: Path, key: Key, scope, receive, send):
        flight = (generation, key)
        leading = flight not in self._computing
        if leading:
            self._computing[flight] = asyncio.get_running_loop().create_future()
        recorder = Recorder(send)
        answered = Answered()
        token = ANSWERED.set(answered)
        entry = None
        try:
            await self.app(scope, receive, recorder.send)
            entry = recorder.entry()
            if entry is not None and answered.only(generation):
                self.answers.put(generation, key, entry)
            else:
                entry = None
        finally:
            ANSWERED.reset(token)
            if leading:
                self._computing.pop(flight).set_result(entry)


class Recorder:
    """Passes a response on to the client and keeps a copy of it, if it is one to keep."""

    def __init__(self, send):
        self._send = send
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.size = 0
        self.complete = False
        self.keep = True

    async def send(self, message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
            self.keep = self.status == 200 and not any(name.lower() == b"set-cookie" for name, _ in self.headers)
        elif message["type"] == "http.response.body" and self.keep:
            self.body.append(message.get("body", b""))
            self.size += len(self.body[-1])
            self.keep = self.size <= ENTRY_BYTES
            self.complete = not message.get("more_body", False)
        await self._send(message)

    def entry(self) -> Entry | None:
        if not (self.keep and self.complete):
            return None
        return Entry(self.status, self.headers, b"".join(self.body))


async def _replay(entry: Entry, send) -> None:
    await send({"type": "http.response.start", "status": entry.status, "headers": entry.headers})
    await send({"type": "http.response.body", "body": entry.body})
