"""Saved HTML pages parsed ahead in worker processes, one per core, handed back in order.

The pages of a web archive (``search.ingest.warc``) are parsed in the same
workers: the archive is streamed here and its payloads handed to them a chunk
at a time, a few chunks ahead.

Parsing a saved page takes milliseconds of one core; a JSONL record, next to
nothing. When a build is to read many pages (more than ``MIN_POOL_PAGES``),
:class:`PageReader` parses them in a ``ProcessPoolExecutor``, a chunk of
files per task and a few chunks ahead, while the build indexes what is already
parsed. ``PageReader.read(path, label)`` returns exactly what
``read_file(path, label)`` yields, in the caller's order, so the caller
(``search.indexing.indexer``) sees duplicates, skipped pages and their reasons as
it would reading each file itself; it reads any file it did not announce, or
out of turn, itself. Workers only read files: they never see the index.

A worker dies with the build (``search.processes``). A worker that dies
(killed, out of memory) raises :class:`IngestError` naming the files it was
reading, and the build then changes nothing; a page that cannot be read is a
:class:`Skipped` as always.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path

from ..articles import Article, Skipped, sanitize
from ..errors import IngestError
from ..processes import die_with_parent
from . import BY_DEFAULT, WEB_ARCHIVES, Format, ReadOptions, read_file, reader_for

MIN_POOL_PAGES = 50
"""Fewer pages than this are parsed in this process: starting workers costs about a second."""

CHUNK = 16
"""Pages a worker parses per task."""

AHEAD = 3
"""Chunks per worker parsed ahead of the build (what is held in memory: a few hundred articles)."""


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _worker_start() -> None:
    die_with_parent()
    from . import html  # noqa: F401 - imported once per worker, not on its first page


def _read_chunk(paths: list[Path]) -> list[list[Article | Skipped]]:
    """In a worker: what ``read_file`` yields for each page, named by the parent afterwards."""
    return [list(read_file(path, "")) for path in paths]


def _named(items: list[Article | Skipped], label: str) -> list[Article | Skipped]:
    """A page read in a worker, named as ``read_file(path, label)`` names it: its id and path are its label.

    Sanitised again under its name, which may hold what the index cannot (a
    file name's undecodable bytes).
    """
    return [replace(item, path=label) if isinstance(item, Skipped) else
            sanitize(replace(item, id=label, path=label, notes=[replace(note, where=label) for note in item.notes]),
                     label)
            for item in items]


def _archived_pages(planned: list[Path]) -> int:
    """About how many pages the web archives among ``planned`` hold (``search.ingest.warc``)."""
    archives = [path for path in planned if reader_for(path) in WEB_ARCHIVES]
    if not archives:
        return 0
    from .warc import estimate_records

    return sum(estimate_records(path) for path in archives)


class PageReader:
    """``read(path, label)``: what ``read_file(path, label)`` yields; the HTML pages among ``planned`` parsed ahead.

    ``planned`` is every file the caller is going to read, in the order it will
    read them. Use as a context manager: leaving it stops the workers.
    """

    def __init__(self, planned: Iterable[Path], workers: int | None = None):
        planned = list(planned)
        self._waiting = deque(path for path in planned if reader_for(path) is Format.HTML)
        self._running: deque[tuple[list[Path], Future]] = deque()
        self._parsed: deque[tuple[Path, list[Article | Skipped]]] = deque()
        workers = workers or _cores()
        self._pool: ProcessPoolExecutor | None = None
        self._ahead = 0
        if (len(self._waiting) > MIN_POOL_PAGES or _archived_pages(planned) > MIN_POOL_PAGES) and workers > 1:
            # spawn: a fresh interpreter per worker, not a fork of a build holding writer processes and threads
            self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_worker_start)
            self._ahead = workers * AHEAD
            self._submit()
        else:
            self._waiting.clear()

    def _submit(self) -> None:
        assert self._pool is not None
        while self._waiting and len(self._running) < self._ahead:
            chunk = [self._waiting.popleft() for _ in range(min(CHUNK, len(self._waiting)))]
            self._running.append((chunk, self._pool.submit(_read_chunk, chunk)))

    def _next_parsed(self) -> None:
        chunk, future = self._running.popleft()
        try:
            results = future.result()
        except BrokenProcessPool:
            self.close()
            names = chunk[0].name if len(chunk) == 1 else f"{chunk[0].name} to {chunk[-1].name}"
            raise IngestError(f"a process reading saved pages died while reading {names} "
                              f"(in {chunk[0].parent}): killed, or out of memory", path=chunk[0]) from None
        self._parsed.extend(zip(chunk, results, strict=True))
        self._submit()

    def read(self, path: Path, label: str, options: ReadOptions = BY_DEFAULT) -> Iterable[Article | Skipped]:
        """What ``read_file(path, label, options)`` yields (:class:`~search.ingest.ReadOptions`)."""
        if self._pool is not None and reader_for(path) in WEB_ARCHIVES:
            from .warc import read_warc

            return read_warc(path, label, executor=self._pool, ahead=self._ahead,
                             keep_other_languages=options.every_language)
        if self._pool is not None and not self._parsed and self._running:
            self._next_parsed()
        if self._parsed and self._parsed[0][0] == path:
            return _named(self._parsed.popleft()[1], label)
        # One at a time: a JSONL dump may hold a whole archive.
        return read_file(path, label, options)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._waiting.clear()
        self._running.clear()
        self._parsed.clear()

    def __enter__(self) -> PageReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
