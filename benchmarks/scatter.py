"""What adding up a query's postings costs in NumPy, apart from reading them: the first stage's floor.

    python -m benchmarks.scatter                        # 1.6 million postings over 1,000,000 articles
    python -m benchmarks.scatter --articles 10000000 --postings 16000000

At a million articles a long headline's words hold about 1.6 million
postings (``benchmarks.performance --synthetic 1000000``, "postings scored
per query"), and the exhaustive first stage (``Scorer.score`` in
``search.query.scoring``) scores every one: each word's BM25 contributions,
then an add into one score per article and a mark of the articles matched.
This times that arithmetic alone on random postings of the same shape (a few
common words holding most of them), three ways that give the same floats:

  loop       as the engine does it: per word, ``values[docnums] += contributions``
  bincount   every word's postings concatenated, one ``np.bincount`` with weights
  blocks     the loop over blocks of 65,536 articles, so the adds stay in the cache

and the contributions alone. Reading the postings (the records out of the
memory map, the gaps summed) comes on top.
"""

from __future__ import annotations

import argparse
import time
from functools import partial

import numpy as np

BLOCK = 1 << 16


def postings(articles: int, total: int, words: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``words`` ascending posting lists holding ``total`` postings, their lengths Pareto-distributed."""
    rng = np.random.default_rng(seed)
    shares = rng.pareto(1.0, words) + 0.2
    lengths = np.minimum((shares / shares.sum() * total).astype(np.int64), articles)
    return [(np.sort(rng.choice(articles, int(n), replace=False)).astype(np.int64),
             rng.integers(1, 5, int(n)).astype(np.float64)) for n in lengths]


def contributions(lists, norms: np.ndarray) -> list[np.ndarray]:
    return [1.3 * (2.0 * (tf * 2.2) / (tf + norms[docnums])) for docnums, tf in lists]


def loop(lists, norms, articles):
    values, matched = np.zeros(articles), np.zeros(articles, dtype=bool)
    for (docnums, _), added in zip(lists, contributions(lists, norms), strict=True):
        values[docnums] += added
        matched[docnums] = True
    return values, matched


def bincount(lists, norms, articles):
    docnums = np.concatenate([d for d, _ in lists])
    values = np.bincount(docnums, weights=np.concatenate(contributions(lists, norms)), minlength=articles)
    matched = np.zeros(articles, dtype=bool)
    matched[docnums] = True
    return values, matched


def blocks(lists, norms, articles):
    values, matched = np.zeros(articles), np.zeros(articles, dtype=bool)
    edges = np.arange(0, articles + BLOCK, BLOCK)
    cuts = [np.searchsorted(docnums, edges) for docnums, _ in lists]
    added = contributions(lists, norms)
    for i, low in enumerate(edges[:-1].tolist()):
        block_values, block_matched = values[low:low + BLOCK], matched[low:low + BLOCK]
        for (docnums, _), scores, cut in zip(lists, added, cuts, strict=True):
            start, end = cut[i], cut[i + 1]
            if start < end:
                local = docnums[start:end] - low
                block_values[local] += scores[start:end]
                block_matched[local] = True
    return values, matched


def best_ms(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--postings", type=int, default=1_600_000)
    parser.add_argument("--words", type=int, default=60, help="posting lists (a long headline's words x fields)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    lists = postings(args.articles, args.postings, args.words, seed=0)
    norms = np.random.default_rng(1).random(args.articles) + 0.5
    reference = loop(lists, norms, args.articles)
    print(f"{sum(len(d) for d, _ in lists):,} postings in {len(lists)} lists over {args.articles:,} articles; "
          f"the fastest of {args.repeats} runs")
    print("| way | ms | same floats as the loop |")
    print("| --- | --- | --- |")
    for name, way in (("loop (the engine's)", loop), ("bincount", bincount), ("blocks", blocks)):
        same = all(np.array_equal(a, b) for a, b in zip(way(lists, norms, args.articles), reference, strict=True))
        print(f"| {name} | {best_ms(partial(way, lists, norms, args.articles), args.repeats):.1f} | {same} |")
    print(f"| contributions alone | {best_ms(partial(contributions, lists, norms), args.repeats):.1f} | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
