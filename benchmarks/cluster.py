"""One index, the same articles in local shards, and those shards on a two-node local Ray cluster.

    python -m benchmarks.cluster                    # the shared corpora, 4 shards
    python -m benchmarks.cluster --shards 4 --latency-queries 200 --build-corpus seeds
    python -m benchmarks.cluster --corpora synthetic-100000.jsonl.gz --ray-build-corpora

Builds the corpora (``../shared/corpora``) as one index and as ``--shards``
shards, then starts a two-node Ray cluster in a network namespace of its own
(``tests/ray_sandbox.py``: only loopback exists there, and every process it
starts is stopped by id) and measures, for the known-item headlines
(``../shared/eval/dev/headline.tsv``), p50/p95 per query with highlights and
without, on:

* one index; the shards read as one (``search.store.shards``);
* the shards held apart in this process (``search.query.coordinator.Coordinator``
  over ``ShardSearcher`` objects): the cost of gathering, scattering and
  merging, without transport;
* the shards on Ray actors over the two nodes (``search.cluster``): the
  same, plus Ray's transport.

Also: how many headlines give the same top 10 on Ray as on one index, and the
build of ``--build-corpus`` (default: the project's seeds) as one index, as
shards written here one after another, and as shards written by Ray tasks.
With ``--ray-build-corpora`` the corpora themselves are built a third time,
as shards written by Ray tasks, against the two builds above (instead of the
``--build-corpus`` builds).
Timings are for this machine in one run (2 cores: two "nodes" share them);
compare the ratios.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

from .common import DEFAULT_CORPORA, DEFAULT_QUERIES, OUT, PROJECT, read_queries


def _latency(search, queries: list[str], highlight: bool, repeats: int) -> tuple[float, float]:
    for text in queries[:20]:
        search(text, highlight)
    per_query = []
    for text in queries:
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            search(text, highlight)
            times.append(time.perf_counter() - started)
        per_query.append(statistics.median(times))
    per_query.sort()
    return (per_query[len(per_query) // 2] * 1000,
            per_query[min(len(per_query) - 1, int(len(per_query) * 0.95))] * 1000)


def _same(a, b) -> bool:
    return [h.id for h in a.hits] == [h.id for h in b.hits] and all(
        math.isclose(x.score or 0.0, y.score or 0.0, rel_tol=1e-6) for x, y in zip(a.hits, b.hits, strict=True))


def driver(args) -> None:
    """Inside the sandbox: every measurement, printed as one JSON line after CLUSTER_BENCH."""
    import search
    from search.cluster import shard_writer
    from search.query.coordinator import Coordinator, InProcess
    from search.query.ranking import Ranking
    from search.query.request import SearchRequest
    from search.query.shard import ShardSearcher
    from search.store.disk import current_generation

    queries = [text for _, text, _ in read_queries(Path(args.queries))][:args.latency_queries]
    one, sharded = search.open_index(args.one), search.open_index(args.sharded)
    folder = current_generation(Path(args.sharded))
    apart = [ShardSearcher.open(args.sharded, folder, n, Ranking()) for n in range(args.shards)]
    coordinator = Coordinator(InProcess(apart), Ranking())
    cluster = search.open_index(args.sharded, ray_address=os.environ["RAY_ADDRESS"])
    systems = {
        "one index": lambda t, h: one.search(t, highlight=h),
        f"{args.shards} shards read as one": lambda t, h: sharded.search(t, highlight=h),
        f"{args.shards} shards held apart, this process": lambda t, h: coordinator.search(
            SearchRequest(t, highlight=h)),
        f"{args.shards} shards on Ray actors, 2 nodes": lambda t, h: cluster.search(t, highlight=h),
    }
    result: dict = {"latency": {}, "queries": len(queries)}
    for name, run in systems.items():
        result["latency"][name] = {"plain": _latency(run, queries, False, args.repeats),
                                   "highlight": _latency(run, queries, True, args.repeats)}
    result["identical_on_ray"] = sum(_same(one.search(t), cluster.search(t)) for t in queries)
    result["missing"] = sum(bool(cluster.search(t).missing_shards) for t in queries[:50])
    builds = {}
    work = Path(args.work)
    corpus = [Path(args.build_corpus)]
    plan: tuple[tuple[str, dict], ...] = (
        ("one index", {}), (f"{args.shards} shards, written here", {"shards": args.shards}),
        (f"{args.shards} shards, Ray tasks",
         {"shards": args.shards, "write_shards": shard_writer(os.environ["RAY_ADDRESS"])}))
    if args.ray_build_corpora:
        corpus, plan = args.corpora, plan[2:]
    for name, options in plan:
        target = work / name.replace(" ", "-").replace(",", "")
        shutil.rmtree(target, ignore_errors=True)
        started = time.perf_counter()
        search.build_index(corpus, target, merge_duplicates=not args.ray_build_corpora, **options)
        builds[name] = time.perf_counter() - started
    result["builds"] = builds
    print("CLUSTER_BENCH " + json.dumps(result), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", type=Path, nargs="+", default=DEFAULT_CORPORA)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--latency-queries", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--build-corpus", type=Path, default=PROJECT / "seeds")
    parser.add_argument("--out", type=Path, default=OUT / "cluster")
    parser.add_argument("--reuse", action="store_true", help="keep the indexes a previous run built in --out")
    parser.add_argument("--ray-build-corpora", action="store_true",
                        help="build the corpora again as shards written by Ray tasks (not --build-corpus)")
    parser.add_argument("--driver", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--sharded", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.driver:
        driver(args)
        return 0

    import search

    sys.path.insert(0, str(PROJECT / "tests"))
    from ray_sandbox import run_on_cluster  # the tests' two-node sandbox

    # The driver runs in the sandbox's own folder: every path absolute.
    args.out, args.queries, args.build_corpus = args.out.resolve(), args.queries.resolve(), args.build_corpus.resolve()
    args.corpora = [path.resolve() for path in args.corpora]
    args.out.mkdir(parents=True, exist_ok=True)
    one, sharded = args.out / "one", args.out / f"shards-{args.shards}"
    built = {}
    for folder, shards in ((one, None), (sharded, args.shards)):
        if args.reuse and folder.exists():
            continue
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        search.build_index(args.corpora, folder, shards=shards, merge_duplicates=False)
        built[folder.name] = time.perf_counter() - started
        print(f"built {folder.name} in {built[folder.name]:.1f} s", flush=True)
    command = [sys.executable, "-m", "benchmarks.cluster", "--driver", "--one", str(one), "--sharded", str(sharded),
               "--queries", str(args.queries), "--shards", str(args.shards), "--latency-queries",
               str(args.latency_queries), "--repeats", str(args.repeats), "--build-corpus", str(args.build_corpus),
               "--work", str(args.out / "builds"), "--corpora", *map(str, args.corpora)]
    if args.ray_build_corpora:
        command.append("--ray-build-corpora")
    run = run_on_cluster(command, workdir=args.out / "sandbox", timeout=3600, start_timeout=120)
    marked = [line for line in run.stdout.splitlines() if line.startswith("CLUSTER_BENCH ")]
    if run.returncode != 0 or not marked:
        raise SystemExit(f"the driver failed:\n{run.stderr[-3000:]}")
    result = json.loads(marked[0].removeprefix("CLUSTER_BENCH "))
    with search.open_index(one) as index:
        articles = index.stats().articles
    print(f"\n{articles:,} articles; {result['queries']} headlines (median of {args.repeats} runs each)\n")
    print("| | p50/p95 ms | p50/p95 ms, highlights |")
    print("| --- | --- | --- |")
    for name, figures in result["latency"].items():
        (p50, p95), (h50, h95) = figures["plain"], figures["highlight"]
        print(f"| {name} | {p50:.1f}/{p95:.1f} | {h50:.1f}/{h95:.1f} |")
    print(f"\nsame top 10 on Ray as on one index: {result['identical_on_ray']}/{result['queries']}; "
          f"answers missing a shard: {result['missing']}/50")
    print(f"builds of {args.corpora[0].parent}: " + ", ".join(f"{k} {v:.1f} s" for k, v in built.items()))
    built_here = args.corpora[0].parent if args.ray_build_corpora else args.build_corpus
    print(f"builds of {built_here}: " + ", ".join(f"{k} {v:.1f} s" for k, v in result["builds"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
