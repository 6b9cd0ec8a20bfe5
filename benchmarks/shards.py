"""One index against the same articles in shards: same answers, and what the shards cost.

    python -m benchmarks.shards                          # the shared corpora, 1, 4 and 8 shards
    python -m benchmarks.shards --shards 1 4 --queries-count 200

Builds the corpora (``../shared/corpora`` by default) once per shard count,
then, for the known-item headlines (``../shared/eval/dev/headline.tsv``):
how many give the same top 10 (ids, and scores to 1e-6) as one index, and
p50/p95 per query with and without highlights (median of ``--repeats`` runs
of each of the first ``--latency-queries``). Build time, size and the shards'
sizes are printed beside them. Timings are for this machine in one run;
compare the ratios.
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import time
from pathlib import Path

from .common import DEFAULT_CORPORA, DEFAULT_QUERIES, OUT, read_queries


def top10(index, text: str, highlight: bool = False):
    return [(hit.id, hit.score) for hit in index.search(text, limit=10, highlight=highlight).hits]


def same(one, other) -> bool:
    return [i for i, _ in one] == [i for i, _ in other] and all(
        math.isclose(a, b, rel_tol=1e-6) for (_, a), (_, b) in zip(one, other, strict=True))


def latency(index, queries: list[str], highlight: bool, repeats: int) -> tuple[float, float]:
    for text in queries[:20]:
        index.search(text, limit=10, highlight=highlight)
    per_query = []
    for text in queries:
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            index.search(text, limit=10, highlight=highlight)
            times.append(time.perf_counter() - started)
        per_query.append(statistics.median(times))
    per_query.sort()
    return (per_query[len(per_query) // 2] * 1000,
            per_query[min(len(per_query) - 1, int(len(per_query) * 0.95))] * 1000)


def main() -> int:
    import search

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", type=Path, nargs="+", default=DEFAULT_CORPORA)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--shards", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--queries-count", type=int, default=1000)
    parser.add_argument("--latency-queries", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT / "shards")
    args = parser.parse_args()
    counts = sorted(set(args.shards) | {1})
    queries = [text for _, text, _ in read_queries(args.queries)][:args.queries_count]
    rows, answers = [], {}
    for count in counts:
        folder = args.out / f"shards-{count}"
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        search.build_index(args.corpora, folder, shards=count, merge_duplicates=False)
        built = time.perf_counter() - started
        with search.open_index(folder) as index:
            stats = index.stats()
            answers[count] = [top10(index, text) for text in queries]
            plain = latency(index, queries[:args.latency_queries], False, args.repeats)
            marked = latency(index, queries[:args.latency_queries], True, args.repeats)
        rows.append((count, built, stats, plain, marked))
        print(f"{count} shard(s): built in {built:.1f} s", flush=True)
    print(f"\n{stats.articles:,} articles; {len(queries)} headlines for identity, "
          f"{min(args.latency_queries, len(queries))} for latency (median of {args.repeats})\n")
    print("| shards | build s | size MB | shard sizes (articles) | same top 10 as 1 | p50/p95 ms | "
          "p50/p95 ms, highlights |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for count, built, stats, plain, marked in rows:
        alike = sum(same(a, b) for a, b in zip(answers[1], answers[count], strict=True))
        sizes = ", ".join(f"{shard.articles:,}" for shard in stats.shards)
        print(f"| {count} | {built:.1f} | {stats.size_bytes / 1e6:.0f} | {sizes} | {alike}/{len(queries)} | "
              f"{plain[0]:.1f}/{plain[1]:.1f} | {marked[0]:.1f}/{marked[1]:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
