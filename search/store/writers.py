"""A full build on every core: Whoosh's multiprocess writer, made safe to fail.

Whoosh's ``MpWriter`` hands batches of articles to worker processes, each of
which analyses them and writes its own segment; at commit the parent adds the
workers' segments to the index (``multisegment=True``: merging them into one
would rewrite every posting in the parent, which took longer than the
parallel part saved). As shipped it has two faults for us:

* a worker that fails (a full disk) just exits, and the parent commits
  anyway, publishing an index with that worker's articles missing;
* the roots of the words a worker stemmed stay in that worker, and the build
  saves them beside the index for highlighting (``disk.write_stems``).

``CheckedMpWriter`` waits for its workers before committing and raises
``OSError`` if any failed, with the worker's own error; each worker leaves
its stems in a file of the build folder, which ``collect_worker_stems``
gathers. A worker also dies with its parent (``search.processes``), so a
killed build leaves no process behind.
"""

from __future__ import annotations

import marshal
import multiprocessing
from pathlib import Path

from whoosh.multiproc import MpWriter, SubWriterTask

from ..language.analysis import stemmer_of
from ..processes import die_with_parent

WORKER_STEMS = "worker-stems-*.marshal"


class _Worker(SubWriterTask):
    """One worker process; reports failure on ``errors`` instead of a traceback."""

    errors: multiprocessing.Queue[tuple[int | None, str]]
    folder: Path

    def run(self) -> None:
        die_with_parent()  # and leave Ctrl-C to the parent
        try:
            super().run()
            if self.running:
                stemmer = stemmer_of(self.writer.schema["body"].analyzer)
                with open(self.folder / WORKER_STEMS.replace("*", str(self.pid)), "wb") as handle:
                    marshal.dump(stemmer.roots() if stemmer is not None else {}, handle)
        except Exception as error:  # noqa: BLE001 - reported to the parent, which raises it
            self.errors.put((getattr(error, "errno", None), f"{type(error).__name__}: {error}"))
            raise SystemExit(1) from None


class CheckedMpWriter(MpWriter):
    """``MpWriter`` that refuses to commit when a worker failed."""

    def __init__(self, ix, folder: Path, procs: int, limitmb: int, compound: bool = True, codec=None):
        super().__init__(ix, procs=procs, batchsize=100, multisegment=True, limitmb=limitmb,
                         compound=compound, codec=codec)
        self.folder = folder
        # (errno or None, "ErrorType: message") from each failed worker.
        self.errors: multiprocessing.Queue[tuple[int | None, str]] = multiprocessing.Queue()

    def _new_task(self):
        task = _Worker(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                       self.subargs, self.multisegment)
        task.errors, task.folder = self.errors, self.folder
        task.daemon = True  # never outlives the build
        self.tasks.append(task)
        task.start()
        return task

    def _commit(self, mergetype, optimize, merge):
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self.jobqueue.put(None)
        for task in self.tasks:
            task.join()
        failed = [task for task in self.tasks if task.exitcode != 0]
        if failed:
            number, message = (None, f"exit status {failed[0].exitcode}")
            if not self.errors.empty():
                number, message = self.errors.get()
            raise OSError(number, f"an indexing process failed ({message})")
        super()._commit(mergetype, optimize, merge)

    def cancel(self):
        # MpWriter.cancel only flags its own copies of the worker objects.
        for task in self.tasks:
            if task.is_alive():
                task.terminate()
            task.join()
        super().cancel()


def collect_worker_stems(folder: Path) -> dict[str, str]:
    """The roots the workers stemmed, gathered from their files (which are removed)."""
    roots: dict[str, str] = {}
    for part in sorted(folder.glob(WORKER_STEMS)):
        with open(part, "rb") as handle:
            roots.update(marshal.load(handle))
        part.unlink()
    return roots
