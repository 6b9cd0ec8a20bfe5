"""A full build's writer: articles written as segments from every core, safe to fail.

:class:`BuildWriter` is Whoosh's ``SegmentWriter`` for what it shares with
every writer (the index's write lock, its next generation, the table of
contents) and :class:`~search.store.segments.SegmentBuilder` for the
writing. With more than one core, it hands batches of articles to one worker
process per core, each of which writes its own segments; at commit the
parent lists every worker's segments in the table of contents. Each worker
writes a new segment each time its postings reach its memory limit, and
merges them into one when its articles are done
(:func:`~search.store.merge.into_one`: posting lists copied as arrays, in
parallel across the workers), so a build ends with at most one segment per
worker, whatever the corpus size. Merging every worker's segment into one
more would rewrite every posting in the parent, which took longer than the
parallel part saved (benchmarks/README.md).

* A worker that fails (a full disk) reports its error and exits; the build
  then raises ``OSError`` with that error and commits nothing.
* The roots of the words a worker stemmed stay in that worker, and the build
  saves them beside the index for highlighting (``disk.write_stems``): each
  worker leaves them in a file of the build folder, which
  :func:`collect_worker_stems` gathers.
* A worker dies with its parent (``search.processes``), so a killed build
  leaves no process behind.
"""

from __future__ import annotations

import marshal
import multiprocessing
import os
import queue
from pathlib import Path

from whoosh.writing import SegmentWriter

from ..language.analysis import stemmer_of
from ..language.stemming import Stemmer
from ..processes import die_with_parent
from .codec import ArrayCodec
from .merge import into_one
from .schema import JOINED_FIELDS
from .segments import SegmentBuilder

WORKER_STEMS = "worker-stems-*.marshal"
# The roots workers hand each other during a build (``_SharedRoots``), every few batches.
SHARED_ROOTS = "shared-roots-*.marshal"
SHARE_EVERY = 3
# Articles sent to a worker at a time, and batches waiting for the workers.
BATCH = 100
WAITING_BATCHES = 4
# How often the parent looks whether a worker it waits for has died.
_POLL_SECONDS = 0.5


class _SharedRoots:
    """The roots each worker stemmed, handed to the others as the build goes.

    Two workers meet many of the same words (on the 26k real articles, 53,000
    of 130,000 distinct words): each worker leaves the roots it stemmed since
    last time in a file of the build folder every few batches, and takes the
    other workers' files, so that a word is stemmed once, wherever it was met
    first. (The roots are the same whoever computes them.)
    """

    def __init__(self, folder: Path, pid: int):
        self.folder, self.pid = folder, pid
        self._given = 0
        self._taken: set[str] = set()
        self._turn = 0

    def exchange(self, stemmer: Stemmer) -> None:
        found = stemmer.stemmed_since(self._given)
        self._given += len(found)
        if found:
            name = SHARED_ROOTS.replace("*", f"{self.pid}-{self._turn}")
            self._turn += 1
            partial = self.folder / f".{name}"
            with open(partial, "wb") as handle:
                marshal.dump(found, handle)
            partial.rename(self.folder / name)  # whole or not there: others never read half a file
        for path in sorted(self.folder.glob(SHARED_ROOTS)):
            if path.name in self._taken or path.name.startswith(SHARED_ROOTS.replace("*", f"{self.pid}-")):
                continue
            self._taken.add(path.name)
            with open(path, "rb") as handle:
                roots = marshal.load(handle)
            stemmer.remember(roots)
        self._given = len(stemmer)  # (what came from the others is not handed back)


class _Worker(multiprocessing.Process):
    """One worker process: writes the batches it takes as segments; reports failure on ``errors``."""

    def __init__(self, writer: BuildWriter):
        super().__init__(daemon=True)  # never outlives the build
        self.storage, self.indexname, self.schema = writer.storage, writer.indexname, writer.schema
        self.limit_mb, self.folder = writer.limit_mb, writer.folder
        self.jobs, self.results, self.errors = writer.jobs, writer.results, writer.errors

    def run(self) -> None:
        die_with_parent()  # and leave Ctrl-C to the parent
        try:
            builder = SegmentBuilder(self.storage, self.indexname, self.schema, ArrayCodec(), self.limit_mb,
                                     JOINED_FIELDS)
            stemmer = stemmer_of(self.schema["body"].analyzer)
            shared = _SharedRoots(self.folder, os.getpid())
            batches = 0
            while (batch := self.jobs.get()) is not None:
                for document in batch:
                    builder.add_document(document)
                batches += 1
                if stemmer is not None and batches % SHARE_EVERY == 0:
                    shared.exchange(stemmer)
            # One segment per worker: its segments merged here, in parallel with the other workers'.
            segments = into_one(self.storage, self.indexname, self.schema, builder.finish())
            with open(self.folder / WORKER_STEMS.replace("*", str(self.pid)), "wb") as handle:
                marshal.dump(stemmer.roots() if stemmer is not None else {}, handle)
            self.results.put(segments)
        except Exception as error:  # noqa: BLE001 - reported to the parent, which raises it
            self.errors.put((getattr(error, "errno", None), f"{type(error).__name__}: {error}"))
            raise SystemExit(1) from None


class BuildWriter(SegmentWriter):
    """The writer of a full build into a new, empty index, from ``procs`` processes.

    ``limit_mb`` bounds each process's postings in memory (a segment is
    written each time they reach it). With ``procs`` 1 the articles are
    written in this process.
    """

    def __init__(self, ix, folder: Path, procs: int, limit_mb: int):
        super().__init__(ix, compound=False, codec=ArrayCodec())
        self.folder, self.limit_mb, self.procs = folder, limit_mb, procs
        self._batch: list[dict] = []
        self.tasks: list[_Worker] = []
        self._local: SegmentBuilder | None = None
        if procs <= 1:
            self._local = SegmentBuilder(self.storage, self.indexname, self.schema, self.codec, limit_mb,
                                         JOINED_FIELDS)
        else:
            self.jobs: multiprocessing.Queue = multiprocessing.Queue(maxsize=WAITING_BATCHES)
            self.results: multiprocessing.Queue = multiprocessing.Queue()
            # (errno or None, "ErrorType: message") from each failed worker.
            self.errors: multiprocessing.Queue[tuple[int | None, str]] = multiprocessing.Queue()

    def add_document(self, **fields) -> None:
        self._check_state()
        self._added = True
        if self._local is not None:
            self._local.add_document(fields)
            return
        self._batch.append(fields)
        if len(self._batch) >= BATCH:
            self._send(self._batch)
            self._batch = []

    def _send(self, item: list[dict] | None) -> None:
        """Queue a batch (or a worker's stop) for the workers, starting them first; fail if one died."""
        if not self.tasks:
            self.tasks = [_Worker(self) for _ in range(self.procs)]
            for task in self.tasks:
                task.start()
        while True:
            self._raise_if_failed()
            try:
                self.jobs.put(item, timeout=_POLL_SECONDS)
                return
            except queue.Full:
                continue

    def _raise_if_failed(self) -> None:
        failed = [task for task in self.tasks if task.exitcode not in (None, 0)]
        if failed:
            number, message = (None, f"exit status {failed[0].exitcode}")
            try:
                number, message = self.errors.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                pass
            raise OSError(number, f"an indexing process failed ({message})")

    def _written(self) -> list:
        """Every segment the build wrote, after its workers (if any) finished."""
        if self._local is not None:
            return into_one(self.storage, self.indexname, self.schema, self._local.finish(), self.codec)
        if self._batch:
            self._send(self._batch)
            self._batch = []
        if not self.tasks:
            return []
        for _ in self.tasks:
            self._send(None)
        segments: list = []
        answered = 0
        while answered < len(self.tasks):
            try:
                segments += self.results.get(timeout=_POLL_SECONDS)
                answered += 1
            except queue.Empty:
                self._raise_if_failed()
                if all(task.exitcode is not None for task in self.tasks) and self.results.empty():
                    raise OSError(None, "an indexing process failed (it ended without its segments)") from None
        for task in self.tasks:
            task.join()
        self._raise_if_failed()
        return segments

    def commit(self, mergetype=None, optimize=None, merge=None) -> None:
        self._check_state()
        try:
            segments = self._written()
            self._close_segment()  # (this writer's own segment stays empty)
            self._commit_toc(list(self.segments) + segments)
        except BaseException:
            self._stop_workers()
            self._cleanup_on_error()
            raise
        self._finish()

    def _stop_workers(self) -> None:
        for task in self.tasks:
            if task.is_alive():
                task.terminate()
            task.join()

    def cancel(self) -> None:
        self._stop_workers()
        super().cancel()


def collect_worker_stems(folder: Path) -> dict[str, str]:
    """The roots the workers stemmed, gathered from their files (which are removed)."""
    for shared in folder.glob(SHARED_ROOTS):
        shared.unlink()
    roots: dict[str, str] = {}
    for part in sorted(folder.glob(WORKER_STEMS)):
        with open(part, "rb") as handle:
            roots.update(marshal.load(handle))
        part.unlink()
    return roots
