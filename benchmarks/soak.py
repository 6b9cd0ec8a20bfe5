"""Soak test: one writer updating the index continuously while reader processes query it.

    python -m benchmarks.soak --seconds 180 --readers 4 [--corpus seeds/indosum.jsonl.gz]

The writer keeps changing a seeds folder and bringing the index up to date:
new files, changed files, deleted files (``build_index``), articles added from
outside (``add_articles``) and removed by id (``remove_articles``), and it
keeps the set of ids the index should hold. Each reader keeps one ``Index``
open, calls ``refresh()`` before every query, as a server would, and checks
that a sentinel article (the seed page, never changed) is the first hit for
its query. At the end the index must hold exactly the expected articles.
Bounded in time; meant for this machine only. Prints one table.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import search
from benchmarks.common import PROJECT

SENTINEL = "000_b21858542a778c68.txt"
QUERIES = ["banjir", "harga cabai naik", "presiden jokowi", "gempa", "sepak bola", "korupsi pejabat",
           "pemilihan umum", "anak-anak sekolah", "jalan tol", "teknologi digital"]


def load_records(corpus: Path, count: int) -> list[dict]:
    opener = gzip.open if corpus.name.endswith(".gz") else open
    records = []
    with opener(corpus, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            records.append({"body": record["body"], "title": record.get("title", "")})
            if len(records) >= count:
                break
    return records


def reader(index_dir: str, deadline: float, results) -> None:
    answered = errors = refreshes = 0
    messages: list[str] = []
    rng = random.Random()
    index = None
    while time.monotonic() < deadline:
        try:
            if index is None:
                index = search.open_index(index_dir)
            refreshes += index.refresh()
            if answered % 5 == 0:
                hits = index.search("dinas kominfo sawahlunto", limit=3).hits
                if not hits or hits[0].id != SENTINEL:
                    raise AssertionError(f"sentinel not first: {[h.id for h in hits]}")
            else:
                index.search(rng.choice(QUERIES), limit=10)
            answered += 1
        except Exception as error:  # noqa: BLE001 - every failure is counted and shown
            errors += 1
            messages.append(f"{type(error).__name__}: {error}")
            index = None
    if index is not None:
        index.close()
    results.put(("reader", answered, errors, refreshes, messages[:5]))


class Writer:
    """Changes the seeds folder and the index, and knows which ids the index should hold."""

    def __init__(self, work: Path, index_dir: Path, records: list[dict], rng: random.Random):
        self.seeds, self.outside, self.index_dir = work / "seeds", work / "outside", index_dir
        self.records, self.rng = records, rng
        self.files: dict[str, list[str]] = {}   # file name -> ids it holds
        self.added: set[str] = set()             # ids added from outside
        self.counter = 0
        self.counts = {"new file": 0, "changed file": 0, "deleted file": 0, "add": 0, "remove": 0}
        self.seeds.mkdir(parents=True)
        self.outside.mkdir()
        shutil.copy(PROJECT / "tests" / "fixtures" / SENTINEL, self.seeds / SENTINEL)

    def expected(self) -> set[str]:
        return {SENTINEL} | {i for ids in self.files.values() for i in ids} | self.added

    def _write_file(self, path: Path, prefix: str) -> list[str]:
        ids, lines = [], []
        for _ in range(self.rng.randint(1, 5)):
            self.counter += 1
            record = self.rng.choice(self.records)
            # A counter opening the body keeps texts unique, so none is merged as a
            # duplicate. (At the end it could be cut with a "Baca juga" line.)
            ids.append(f"{prefix}{self.counter}")
            lines.append(json.dumps({"id": ids[-1], "title": record["title"],
                                     "body": f"Catatan {self.counter}. {record['body']}"}))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return ids

    def step(self) -> None:
        choices = ["new file"] * 3 + ["changed file", "deleted file", "add", "remove"]
        kind = self.rng.choice(choices)
        if kind in ("changed file", "deleted file") and not self.files:
            kind = "new file"
        if kind == "remove" and not self.added:
            kind = "add"
        if kind == "new file":
            name = f"f{self.counter}.jsonl"
            self.files[name] = self._write_file(self.seeds / name, "s")
        elif kind == "changed file":
            name = self.rng.choice(sorted(self.files))
            time.sleep(0.01)  # a new modification time
            self.files[name] = self._write_file(self.seeds / name, "s")
        elif kind == "deleted file":
            name = self.rng.choice(sorted(self.files))
            (self.seeds / name).unlink()
            del self.files[name]
        if kind in ("new file", "changed file", "deleted file"):
            # The articles of deleted files, and those a changed file no longer
            # gives, are kept until pruned: the soak prunes them at once.
            search.build_index([self.seeds], self.index_dir, prune=True)
        elif kind == "add":
            path = self.outside / f"o{self.counter}.jsonl"
            self.added.update(self._write_file(path, "o"))
            search.add_articles([path], self.index_dir)
        else:
            doomed = self.rng.sample(sorted(self.added), min(len(self.added), self.rng.randint(1, 3)))
            search.remove_articles(doomed, self.index_dir)
            self.added.difference_update(doomed)
        self.counts[kind] += 1


def soak(seconds: float, readers: int, corpus: Path, seed: int = 0) -> dict:
    work = Path(tempfile.mkdtemp(prefix="search-soak-"))
    try:
        index_dir = work / "index"
        writer = Writer(work, index_dir, load_records(corpus, 500), random.Random(seed))
        search.build_index([writer.seeds], index_dir)
        for _ in range(5):
            writer.step()
        results = multiprocessing.Queue()
        deadline = time.monotonic() + seconds
        processes = [multiprocessing.Process(target=reader, args=(str(index_dir), deadline, results))
                     for _ in range(readers)]
        for process in processes:
            process.start()
        writer_errors: list[str] = []
        while time.monotonic() < deadline:
            try:
                writer.step()
            except search.SearchError as error:
                writer_errors.append(str(error))
        reports = [results.get(timeout=120) for _ in processes]
        for process in processes:
            process.join()
        with search.open_index(index_dir) as index:
            expected = writer.expected()
            missing = [i for i in expected if not _holds(index, i)]
            articles = index.stats().articles
        return {
            "seconds": seconds, "readers": readers,
            "updates": sum(writer.counts.values()), "by kind": writer.counts,
            "writer errors": writer_errors,
            "queries": sum(r[1] for r in reports), "query errors": sum(r[2] for r in reports),
            "refreshes": sum(r[3] for r in reports),
            "error messages": [m for r in reports for m in r[4]],
            "expected articles": len(expected), "articles": articles, "missing": missing,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _holds(index, article_id: str) -> bool:
    try:
        index.get(article_id)
        return True
    except search.ArticleNotFoundError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--corpus", type=Path, default=PROJECT / "seeds" / "indosum.jsonl.gz")
    args = parser.parse_args()
    result = soak(args.seconds, args.readers, args.corpus)
    ok = (not result["writer errors"] and result["query errors"] == 0 and not result["missing"]
          and result["articles"] == result["expected articles"])
    print("| seconds | readers | updates | queries answered | query errors | refreshes | "
          "articles expected | articles held | result |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    print(f"| {result['seconds']:.0f} | {result['readers']} | {result['updates']} | {result['queries']:,} | "
          f"{result['query errors']} | {result['refreshes']} | {result['expected articles']} | "
          f"{result['articles']} | {'ok' if ok else 'FAILED'} |")
    print("updates by kind:", ", ".join(f"{k} {v}" for k, v in result["by kind"].items()))
    for message in result["error messages"] + result["writer errors"]:
        print("error:", message)
    if result["missing"]:
        print("missing:", result["missing"][:10])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
