"""Two checkouts of the engine on one index: the same answers, and how long each takes.

    python -m benchmarks.versions INDEX OLD_CHECKOUT NEW_CHECKOUT [--queries ../shared/eval/dev/headline.tsv]
        [--latency-queries 200] [--answer-queries 1000] [--rounds 2] [--operations 30]

Each checkout (a folder holding a ``search`` package, such as a ``git worktree``
of an older commit) runs in a process of its own, with that folder first on
``sys.path``, over the same index; they take turns, ``--rounds`` times, so
that whatever else the machine does falls on both. Latency is as in
``performance.py``: the median of 3 repeats per query, then p50 and p95,
without and with highlights. The answers (ids in order, scores to 6 places,
totals, snippets and marked titles of the top 10, with highlights; the notes;
the facet counts of every match) are compared query by query. ``--operations N`` also compares, for the first N
queries and a dozen typed ones (a misspelling, filters only, an exclusion, a
phrase, stop words alone), every other operation: each query with eight sets
of options (no highlights, facets, page 3, both date orders, date windows),
its export (ids, scores, snippets of the first 300 rows, the count), and
``similar``, ``get``, ``values`` and ``stats``. Only worth running when both
versions read the index's format.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from benchmarks.common import DEFAULT_QUERIES

_CHILD = r"""
import json, statistics, sys, time
checkout, index_dir, queries_path, latency_count, answer_count = sys.argv[1:6]
sys.path.insert(0, checkout)
import search
with open(queries_path, encoding="utf-8") as handle:
    rows = [line.rstrip("\n").split("\t") for line in handle if line.strip()]
texts = [row[1] for row in rows if len(row) > 1 and not row[0].startswith("qid")]
index = search.open_index(index_dir)
for text in texts[:20]:
    index.search(text, limit=10, highlight=True)
latency = {}
for highlight in (False, True):
    per_query = []
    for text in texts[:int(latency_count)]:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            index.search(text, limit=10, highlight=highlight)
            times.append(time.perf_counter() - started)
        per_query.append(statistics.median(times))
    per_query.sort()
    latency["highlights" if highlight else "plain"] = [
        per_query[len(per_query) // 2] * 1000, per_query[min(len(per_query) - 1, int(len(per_query) * 0.95))] * 1000]
answers = []
for text in texts[:int(answer_count)]:
    found = index.search(text, limit=10, highlight=True)
    facets = index.search(text, limit=10, highlight=False, facets=True).facets
    answers.append([found.total, [[hit.id, round(hit.score, 6) if hit.score is not None else None,
                                   [list(map(list, s.parts)) for s in hit.snippets],
                                   list(map(list, hit.title_snippet.parts)) if hit.title_snippet else None]
                                  for hit in found.hits], [str(note) for note in found.notes], facets])
print(json.dumps({"latency": latency, "answers": answers, "search": search.__file__}))
"""


_OPERATIONS = r"""
import json, sys
checkout, index_dir, queries_path, count = sys.argv[1:5]
sys.path.insert(0, checkout)
import search
with open(queries_path, encoding="utf-8") as handle:
    rows = [line.rstrip("\n").split("\t") for line in handle if line.strip()]
texts = [row[1] for row in rows if len(row) > 1 and not row[0].startswith("qid")][:int(count)]
typed = ["banjr jakarta", "kategori:politik", "tanggal:2017-03", "", "yang dan", "banjir -jakarta",
         '"imam nahrawi"', "harga cabai", "gempa", "pemerintah", "kpk nahrawi", "sumber:kompas banjir"]
options = [{}, {"highlight": False}, {"facets": True}, {"page": 3}, {"sort": "-date"}, {"sort": "date", "page": 2},
           {"date_from": "2017-01", "date_to": "2017-06"}, {"date_from": "2018"}]
def hit(h):
    return [h.id, None if h.score is None else round(h.score, 6), [list(map(list, s.parts)) for s in h.snippets],
            list(map(list, h.title_snippet.parts)) if h.title_snippet else None, str(h.date)]
def results(r):
    return [r.total, [str(note) for note in r.notes], r.suggestion, r.facets, [hit(h) for h in r.hits]]
def attempt(work):
    try:
        return work()
    except Exception as error:
        return repr(error)
def exported(text):
    export = index.export(text)
    rows = list(export)
    return [export.total, [str(note) for note in export.notes], len(rows),
            [[r.id, None if r.score is None else round(r.score, 6), r.snippet] for r in rows[:300]]]
out = []
with search.open_index(index_dir) as index:
    for text in typed + texts:
        out.extend(attempt(lambda: results(index.search(text, limit=10, **o))) for o in options)
        out.append(attempt(lambda: exported(text)))
    for h in index.search("pemerintah", limit=10, highlight=False).hits:
        out.append([[x.id, round(x.score, 6)] for x in index.similar(h.id, limit=5)])
        out.append(str(index.get(h.id)))
    for name in ("kategori", "source", "month", "lokasi"):
        out.append([[v.value, v.count] for v in index.values(name)])
    stats = index.stats().to_dict()
    stats.pop("path", None)
    out.append(stats)
print(json.dumps(out, default=str))
"""


def operations(checkout: Path, index: Path, queries: Path, count: int) -> list:
    """Every operation's answers (``--operations``) by one checkout, as JSON values."""
    process = subprocess.run([sys.executable, "-c", _OPERATIONS, str(checkout.resolve()), str(index.resolve()),
                              str(queries.resolve()), str(count)], capture_output=True, text=True, cwd="/")
    if process.returncode != 0:
        raise SystemExit(f"{checkout} failed:\n{process.stderr[-3000:]}")
    return json.loads(process.stdout.strip().splitlines()[-1])


def run(checkout: Path, index: Path, queries: Path, latency_count: int, answer_count: int) -> dict:
    process = subprocess.run([sys.executable, "-c", _CHILD, str(checkout.resolve()), str(index.resolve()),
                              str(queries.resolve()),
                              str(latency_count), str(answer_count)],
                             capture_output=True, text=True, cwd="/")
    if process.returncode != 0:
        raise SystemExit(f"{checkout} failed:\n{process.stderr[-3000:]}")
    return json.loads(process.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index", type=Path)
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--latency-queries", type=int, default=200)
    parser.add_argument("--answer-queries", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--operations", type=int, default=0, metavar="N",
                        help="also compare every other operation on the first N queries (and a dozen typed ones)")
    args = parser.parse_args()

    print("| round | code | p50 / p95 ms | p50 / p95 ms, highlights |")
    print("| --- | --- | --- | --- |")
    answers = {}
    for round_ in range(1, args.rounds + 1):
        for name, checkout in (("old", args.old), ("new", args.new)):
            found = run(checkout, args.index, args.queries, args.latency_queries,
                        args.answer_queries if round_ == 1 else 0)
            if not found["search"].startswith(str(checkout.resolve())):
                raise SystemExit(f"{checkout}: the search package came from {found['search']}")
            answers.setdefault(name, found["answers"])
            plain, highlights = found["latency"]["plain"], found["latency"]["highlights"]
            print(f"| {round_} | {name} ({checkout}) | {plain[0]:.2f} / {plain[1]:.2f} | "
                  f"{highlights[0]:.2f} / {highlights[1]:.2f} |", flush=True)
    old, new = answers["old"], answers["new"]
    same = sum(a == b for a, b in zip(old, new, strict=True))
    same_ids = sum([hit[0] for hit in a[1]] == [hit[0] for hit in b[1]] for a, b in zip(old, new, strict=True))
    print(f"\n{len(old)} queries: identical answers {same}, the same top 10 ids in order {same_ids}")
    if args.operations:
        old_ops, new_ops = (operations(checkout, args.index, args.queries, args.operations)
                            for checkout in (args.old, args.new))
        differ = [i for i, (a, b) in enumerate(zip(old_ops, new_ops, strict=True)) if a != b]
        print(f"{len(old_ops)} answers of other operations: identical {len(old_ops) - len(differ)}"
              + (f"; the first that differ: {differ[:10]}" if differ else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
