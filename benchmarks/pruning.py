"""Does pruning the first stage change any answer, and what does it save? On real queries and articles.

    python -m benchmarks.pruning --index benchmarks/out/coverage-index

The first stage (``search.query.scoring``) may score only what could reach
the best ``Ranking.rerank_depth`` (MaxScore); that must give the same answers
as scoring every match. For each dev headline and topic this compares, with
and without pruning:

* the results through the public API (``open_index(...).search``): the ids
  and scores of the top 10 and the total;
* the first stage alone: its best ``rerank_depth`` (docnums and float scores,
  ``==``) and its total;

and reports the postings scored per query and the mean first-stage time of
each way (the faster of --repeats runs per query; both ways run in turns, so
a machine busy with something else slows both alike).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

import search
from benchmarks.common import DEFAULT_QUERIES, DEFAULT_TOPICS, OUT, read_queries, read_topics
from search.query import scoring
from search.query.ranking import Ranking
from search.query.request import ExportRequest, SearchRequest
from search.query.searcher import read_query
from search.store.generation import Generation


def first_stage(scorer: scoring.Scorer, query, allowed, depth: int | None, repeats: int):
    """The first stage's scores (pruned to ``depth``, or all with None) and its best time in seconds."""
    best = float("inf")
    scores = None
    for _ in range(repeats):
        started = time.perf_counter()
        scores = scorer.score(query, allowed, None, depth)
        best = min(best, time.perf_counter() - started)
    return scores, best


def compare_first_stage(generation: Generation, ranking: Ranking, texts: list[str], repeats: int) -> dict:
    """Per query: the same best ``rerank_depth`` and total? postings scored and time, each way."""
    scorer = scoring.Scorer(generation.searcher, ranking.k1, ranking.b)
    depth = ranking.rerank_depth
    rows = {"same": 0, "different": [], "skipped": 0, "scored": ([], []), "seconds": ([], [])}
    for text in texts:
        plan = read_query(generation.searcher, ranking, ExportRequest(text))
        query = plan.parsed.query
        if plan.browse or plan.parsed.is_empty or not scoring.can_score(query):
            rows["skipped"] += 1
            continue
        allowed = None if plan.window is None else scorer.range_mask(plan.window)
        whole, whole_time = first_stage(scorer, query, allowed, None, repeats)
        pruned, pruned_time = first_stage(scorer, query, allowed, depth, repeats)
        if whole.best(depth) == pruned.best(depth) and whole.total == pruned.total:
            rows["same"] += 1
        else:
            rows["different"].append(text)
        for i, (scores, seconds) in enumerate(((whole, whole_time), (pruned, pruned_time))):
            rows["scored"][i].append(scores.scored)
            rows["seconds"][i].append(seconds)
    return rows


def compare_results(index_dir: Path, texts: list[str]) -> tuple[int, list[str]]:
    """How many queries give the same top 10 (ids, scores) and total through the public API, and which not."""
    same, different = 0, []
    with search.open_index(index_dir, ranking=Ranking(prune=False)) as whole, \
            search.open_index(index_dir, ranking=Ranking(prune=True)) as pruned:
        for text in texts:
            request = SearchRequest(text, limit=10, highlight=False)
            answers = [index.search(request) for index in (whole, pruned)]
            keys = [([(hit.id, hit.score) for hit in answer.hits], answer.total) for answer in answers]
            if keys[0] == keys[1]:
                same += 1
            else:
                different.append(text)
    return same, different


def report(name: str, texts: list[str], index_dir: Path, repeats: int) -> None:
    ranking = Ranking()
    same, different = compare_results(index_dir, texts)
    print(f"\n## {name}: {len(texts)} queries")
    print(f"results (top 10 ids and scores, total), public API: {same} identical, {len(different)} different")
    for text in different[:10]:
        print(f"  different: {text}")
    with Generation.open_current(index_dir, ranking.weighting()) as generation:
        rows = compare_first_stage(generation, ranking, texts, repeats)
    print(f"first stage (best {ranking.rerank_depth}: docnums and float scores; total): {rows['same']} identical, "
          f"{len(rows['different'])} different, {rows['skipped']} not a word query")
    for text in rows["different"][:10]:
        print(f"  different: {text}")
    if not rows["scored"][0]:
        return
    print("| first stage | postings scored per query (mean) | median | mean time ms |")
    print("|---|---:|---:|---:|")
    for i, label in enumerate(("every match", "pruned")):
        scored, seconds = rows["scored"][i], rows["seconds"][i]
        print(f"| {label} | {np.mean(scored):,.0f} | {statistics.median(scored):,.0f} | "
              f"{np.mean(seconds) * 1000:.2f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=OUT / "coverage-index", help="an index (opened to read only)")
    parser.add_argument("--headlines", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--topics", type=Path, default=DEFAULT_TOPICS)
    parser.add_argument("--limit", type=int, default=None, help="only the first N headlines")
    parser.add_argument("--repeats", type=int, default=3, help="first-stage runs per query and way")
    args = parser.parse_args()
    headlines = [text for _, text, _ in read_queries(args.headlines)][:args.limit]
    topics = [text for _, text in read_topics(args.topics)]
    report("dev headlines", headlines, args.index, args.repeats)
    report("dev topics", topics, args.index, args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
