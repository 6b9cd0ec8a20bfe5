"""Merged segments (issue 35): a full build with a small memory limit, its segments before and after merging.

Why: a build writes a new segment each time a worker's postings reach its
memory limit, and each worker merges its segments into one when its
articles are done (``search.store.merge``); this measures what that merge
costs. The corpora (JSON lines, by default ``../shared/corpora``, the first
``--articles`` records) are built in a fresh process with ``--writer-mb``
of postings memory shared by the workers (small, so that they write many
segments), and it prints the segments written and left, each worker's merge
time, the merge's share of the build (the slowest worker's merge against the
whole build: the workers merge at once), and the peak RSS of the build and
of its workers::

    python -m benchmarks.merge --articles 20000 --writer-mb 16
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import DEFAULT_CORPORA, module_command, project_env, read_records

MERGE_LOG = "merge-times.jsonl"


def write_sample(corpora: list[Path], articles: int | None, out: Path) -> int:
    """The first ``articles`` records of the corpora (all if None) as one JSONL.gz file; how many."""
    count = 0
    with gzip.open(out, "wt", encoding="utf-8") as sink:
        for record in read_records(corpora):
            if articles is not None and count >= articles:
                break
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def _timed_merges(log: Path):
    """``search.store.merge.into_one``, each call's segments, articles and seconds appended to ``log``."""
    from search.store import merge

    original = merge.into_one

    def into_one(storage, indexname, schema, segments, codec=None):
        started = time.perf_counter()
        found = original(storage, indexname, schema, segments, codec)
        record = {"segments": len(segments), "articles": sum(s.doc_count_all() for s in segments),
                  "seconds": time.perf_counter() - started}
        with open(log, "a", encoding="utf-8") as handle:  # (one short line per worker: appends do not mix)
            handle.write(json.dumps(record) + "\n")
        return found

    return into_one


def build_one(source: Path, index_dir: Path, writer_mb: int, log: Path) -> None:
    """In a child process: one build with ``writer_mb`` of postings memory; its figures as one JSON line."""
    import search
    from search.store import generation, writers

    generation.WRITER_MB = writer_mb
    writers.into_one = _timed_merges(log)  # (the workers are forked: they inherit it)
    shutil.rmtree(index_dir, ignore_errors=True)
    started = time.perf_counter()
    report = search.build_index([source], index_dir)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "articles": report.articles,
                      "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "workers_rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))


def segments_left(index_dir: Path) -> int:
    """How many segments the live generation lists."""
    from whoosh import index as whoosh_index

    from search.store import disk

    ix = whoosh_index.open_dir(str(disk.current_generation(index_dir)))
    try:
        return len(ix._segments())
    finally:
        ix.close()


def run(source: Path, index_dir: Path, writer_mb: int) -> dict:
    """Build in a fresh process; the build's figures with each worker's merge."""
    log = index_dir.parent / MERGE_LOG
    log.unlink(missing_ok=True)
    done = subprocess.run(module_command("benchmarks.merge", "--build-one", str(source), str(index_dir),
                                         str(writer_mb), str(log)),
                          env=project_env(), capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"the build failed: {done.stderr.strip()[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["merges"] = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    figures["segments_left"] = segments_left(index_dir)
    return figures


def report(figures: dict, writer_mb: int) -> None:
    merges = figures["merges"]
    before = sum(merge["segments"] for merge in merges)
    slowest = max((merge["seconds"] for merge in merges), default=0.0)
    print(f"{figures['articles']} articles, {writer_mb} MB of postings memory shared by {len(merges)} worker(s)")
    print(f"build {figures['seconds']:.1f} s; segments written {before}, left {figures['segments_left']}")
    for number, merge in enumerate(merges):
        print(f"  worker {number}: {merge['segments']} segments of {merge['articles']} articles merged "
              f"in {merge['seconds']:.2f} s")
    share = slowest / figures["seconds"] if figures["seconds"] else 0.0
    print(f"merge {slowest:.2f} s (the slowest worker's), {100 * share:.1f}% of the build")
    print(f"peak RSS: build process {figures['rss']:.0f} MB, largest worker {figures['workers_rss']:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="*", type=Path, default=DEFAULT_CORPORA,
                        help="JSON lines corpora (default: ../shared/corpora/*.jsonl.gz)")
    parser.add_argument("--articles", type=int, default=None, help="the first N records only (default: all)")
    parser.add_argument("--writer-mb", type=int, default=16,
                        help="postings memory of the build, shared by its workers (default 16: many segments)")
    parser.add_argument("--build-one", nargs=4, metavar=("SOURCE", "INDEX", "MB", "LOG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_one:
        source, index_dir, writer_mb, log = args.build_one
        build_one(Path(source), Path(index_dir), int(writer_mb), Path(log))
        return
    if not args.corpora:
        sys.exit("no corpora given, and none in ../shared/corpora")
    with tempfile.TemporaryDirectory(prefix="merge-bench-") as work:
        folder = Path(work)
        source = folder / "sample.jsonl.gz"
        count = write_sample(args.corpora, args.articles, source)
        print(f"{count} records from {', '.join(path.name for path in args.corpora)}")
        report(run(source, folder / "index", args.writer_mb), args.writer_mb)


if __name__ == "__main__":
    main()
