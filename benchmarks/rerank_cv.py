"""What learning the re-ranking's weights is worth, cross-validated by query: a study for issue 31.

Why: the re-ranking's weights (``search.query.ranking.Ranking``: coordination,
adjacency, lead coverage, distinctness, as typed, amounts) were fitted by
hand to the dev headlines. Issue 31 asks whether a learned ranker does
better on headlines, summaries and topics together, checked on queries it
was not trained on. This script answers that for the features the engine
computes today, before any new feature is written:

1. For every dev query (headlines and summaries over the body-only index,
   topics over the whole articles) the engine's first stage and evidence
   are read once through a :class:`~search.query.shard.ShardSearcher`; each
   factor's value per candidate is recovered with ``rescore`` run with that
   factor alone at weight 1 (so nothing in the engine is changed or copied).
2. Coordinate ascent over the weights (in the engine's own formula, the
   product of the factors) on the training folds, maximising the mean of
   the three tasks' means (MRR@10 of headlines, of summaries, nDCG@10 of
   topics), so the 1,000 headlines do not outweigh the 25 topics; then the
   held-out fold is scored. ``--split-length`` learns one set of weights for
   short queries (at most 4 words) and one for longer ones (issue 31, part 3).
3. Every fold's figures, and their mean beside today's weights on the same folds.

Two factors the engine does not have are offered too (``--without-new``
leaves them out): the share of the query's words the title holds, and the
most of them within :data:`WINDOW` body positions.

    python -m benchmarks.rerank_cv [--folds 5] [--split-length] [--without-new]
    python -m benchmarks.rerank_cv --lambdamart [--rounds 300] [--start 0]   # pip install lightgbm

The indexes are built once into benchmarks/out (the body-only one as
``benchmarks.quality`` builds it; the whole one as ``benchmarks.coverage``).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import pickle
import random
from pathlib import Path

import numpy as np

import search
from benchmarks.common import (
    ADDED_TOPIC_QRELS,
    DEFAULT_CORPORA,
    DEFAULT_QUERIES,
    DEFAULT_TOPIC_QRELS,
    DEFAULT_TOPICS,
    OUT,
    SHARED,
    read_articles,
    read_graded_qrels,
    read_queries,
    read_topics,
    write_body_only,
)
from search.query.ranking import Ranking, rescore
from search.query.request import ExportRequest
from search.query.shard import ShardSearcher
from search.store.arrays import read_postings
from search.store.generation import Generation

SUMMARIES = SHARED / "eval" / "dev" / "summary.tsv"
WEIGHTS = ("coordination", "coordination_short", "adjacency", "lead_coverage", "distinctness", "as_typed",
           "as_typed_one_word", "amounts", "title_share", "window")
NEW = ("title_share", "window")
"""Factors the engine does not have yet: the share of the query's words in the title, the most of them in a window."""
FACTORS = ("coordination", "adjacency", "lead_coverage", "distinctness", "as_typed", "amounts")
# Each factor alone at weight 1 (as typed for every query length), the others off.
_OFF = {name: 0.0 for name in WEIGHTS if name not in NEW}
GRID = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)
SHORT = 4
WINDOW = 12
"""Body positions a window of the query's words may span (``_window_share``)."""


@dataclasses.dataclass
class Query:
    task: str
    qid: str
    words: int
    distinct: int
    """Distinct analysed words: the engine's measure of a short query (``Ranking.short_query_words``)."""
    one_typed: bool
    """One word as typed: the engine weighs it by ``as_typed_one_word``."""
    bm25: np.ndarray
    factors: dict[str, np.ndarray]
    """Each factor's value per candidate: ``share`` (matched/total) for coordination, else the x of (1 + w x)."""
    gains: np.ndarray
    ideal: float
    """The task's best possible figure's denominator (nDCG's ideal DCG; 1 for known-item)."""


def _index(corpora: list[Path], name: str, body_only: bool) -> Path:
    index_dir = OUT / name
    if not (index_dir / "CURRENT").exists():
        source = corpora
        if body_only:
            (OUT / "rerank-cv").mkdir(parents=True, exist_ok=True)
            out = OUT / "rerank-cv" / "body-only.jsonl.gz"
            write_body_only(read_articles(corpora), out)
            source = [out]
        print(f"indexing into {index_dir} ...", flush=True)
        search.build_index(source, index_dir)
    return index_dir


def _factors(bm25: np.ndarray, evidence, words: list[str], typed: list[str]) -> dict[str, np.ndarray]:
    safe = np.where(bm25 > 0, bm25, 1.0)
    found = {}
    for name in FACTORS:
        alone = Ranking(**(_OFF | {name: 1.0} | ({"as_typed_one_word": 1.0} if name == "as_typed" else {})
                           | ({"coordination_short": 1.0} if name == "coordination" else {})))
        value = rescore(bm25, evidence, words, alone, typed) / safe
        found[name] = value if name == "coordination" else value - 1.0
    return found


def _title_share(searcher, docnums: np.ndarray, words: list[str]) -> np.ndarray:
    """The share of the query's distinct words each candidate's title holds (by root)."""
    distinct = sorted(set(words))
    held = np.zeros(len(docnums))
    for word in distinct:
        postings = read_postings(searcher, "title", word)
        if postings is not None:
            where = np.minimum(np.searchsorted(postings.docnums, docnums), len(postings.docnums) - 1)
            held += postings.docnums[where] == docnums
    return held / max(len(distinct), 1)


def _window_share(evidence, words: list[str], size: int, width: int = WINDOW) -> np.ndarray:
    """The most of the query's distinct words any ``width`` body positions of each candidate hold, as a share."""
    distinct = sorted(set(words) & set(evidence.hits))
    best = np.zeros(size)
    if not distinct:
        return best
    rows = np.concatenate([evidence.hits[w][0] for w in distinct])
    positions = np.concatenate([evidence.hits[w][1] for w in distinct])
    ids = np.concatenate([np.full(len(evidence.hits[w][0]), i) for i, w in enumerate(distinct)])
    order = np.lexsort((positions, rows))
    rows, positions, ids = rows[order], positions[order], ids[order]
    for row in np.unique(rows):
        at = np.flatnonzero(rows == row)
        pos, who = positions[at], ids[at]
        start, most = 0, 0
        for end in range(len(pos)):
            while pos[end] - pos[start] >= width:
                start += 1
            most = max(most, len(set(who[start:end + 1].tolist())))
        best[row] = most
    return best / len(set(words))


def _read(index_dir: Path, task: str, queries: list[tuple[str, str, dict[str, int]]]) -> list[Query]:
    ranking = Ranking()
    shard = ShardSearcher(Generation.open_current(index_dir, ranking.weighting()), ranking)
    read = []
    for qid, text, judged in queries:
        request = ExportRequest(text)
        prepared = shard.prepare(request, False, False)
        if prepared.empty:
            continue
        answer = shard.answer(request, ranking.rerank_depth, False, None, False)
        top = answer.ranked[:ranking.rerank_depth]
        if not top or answer.evidence is None:
            continue
        bm25 = np.array([score or 0.0 for _, score in top])
        ids = shard.article_ids([docnum for docnum, _ in top])
        gains = np.array([2 ** judged.get(doc, 0) - 1 for doc in ids], dtype=np.float64)
        ideal = sorted((2 ** g - 1 for g in judged.values()), reverse=True)[:10]
        factors = _factors(bm25, answer.evidence, prepared.words, prepared.typed)
        docnums = np.array([docnum for docnum, _ in top], dtype=np.int64)
        factors["title_share"] = _title_share(shard.generation.searcher, docnums, prepared.words)
        factors["window"] = _window_share(answer.evidence, prepared.words, len(top))
        read.append(Query(task, qid, len(text.split()), len(set(prepared.words)), len(set(prepared.typed)) == 1,
                          bm25, factors, gains,
                          sum(g / math.log2(r + 2) for r, g in enumerate(ideal)) or 1.0))
    shard.close()
    return read


def _scores(query: Query, weights: dict[str, float]) -> np.ndarray:
    f = query.factors
    typed = weights["as_typed_one_word"] if query.one_typed else weights["as_typed"]
    short = query.distinct <= Ranking().short_query_words
    return (query.bm25 * f["coordination"] ** weights["coordination_short" if short else "coordination"]
            * (1 + weights["adjacency"] * f["adjacency"]) * (1 + weights["lead_coverage"] * f["lead_coverage"])
            * (1 + weights["distinctness"] * f["distinctness"]) * (1 + typed * f["as_typed"])
            * (1 + weights["amounts"] * f["amounts"])
            * (1 + weights["title_share"] * f["title_share"]) * (1 + weights["window"] * f["window"]))


_DISCOUNT = 1 / np.log2(np.arange(2, 12))


def _figure(query: Query, weights: dict[str, float]) -> float:
    """The query's figure with the engine's formula and ``weights``."""
    return _figure_of(query, _scores(query, weights))


def _objective(queries: list[Query], weights: dict[str, float]) -> float:
    """The mean of the tasks' means (each task counts the same)."""
    by_task: dict[str, list[float]] = {}
    for query in queries:
        by_task.setdefault(query.task, []).append(_figure(query, weights))
    return sum(sum(v) / len(v) for v in by_task.values()) / len(by_task)


def _ascend(queries: list[Query], start: dict[str, float], names: tuple[str, ...] = WEIGHTS,
            rounds: int = 3) -> dict[str, float]:
    """Coordinate ascent over ``names``: each weight in turn set to the grid value that helps most, until
    nothing does."""
    best, score = dict(start), _objective(queries, start)
    for _ in range(rounds):
        moved = False
        for name in names:
            for value in GRID:
                trial = best | {name: value}
                got = _objective(queries, trial)
                if got > score + 1e-9:
                    best, score, moved = trial, got, True
        if not moved:
            break
    return best


def _today() -> dict[str, float]:
    ranking = Ranking()
    return {name: getattr(ranking, name) for name in WEIGHTS if name not in NEW} | {name: 0.0 for name in NEW}


def _means(queries: list[Query], weights_of) -> dict[str, float]:
    by_task: dict[str, list[float]] = {}
    for query in queries:
        by_task.setdefault(query.task, []).append(_figure(query, weights_of(query)))
    return {task: sum(v) / len(v) for task, v in sorted(by_task.items())}


FEATURES = ("log_bm25", "bm25_share", "rank", "distinct_words", "one_typed", *FACTORS, *NEW)


def _features(query: Query) -> np.ndarray:
    """One row per candidate: the first stage's score and rank, the query's length, every factor's value."""
    size = len(query.bm25)
    best = float(query.bm25.max()) or 1.0
    columns = [np.log1p(np.maximum(query.bm25, 0.0)), query.bm25 / best, np.arange(size, dtype=np.float64),
               np.full(size, float(query.distinct)), np.full(size, float(query.one_typed)),
               *(query.factors[name] for name in (*FACTORS, *NEW))]
    return np.column_stack(columns)


def _lambdamart(train: list[Query], rounds: int, start: float, seed: int = 31):
    """LightGBM's LambdaMART on the training queries (each task weighted alike; labels the gains' grades),
    starting from ``start`` times the log of today's score (0: from nothing)."""
    import lightgbm

    counts = {task: sum(q.task == task for q in train) for task in {q.task for q in train}}
    x = np.vstack([_features(q) for q in train])
    y = np.concatenate([np.log2(q.gains + 1).round().astype(int) for q in train])
    group = [len(q.bm25) for q in train]
    weight = np.concatenate([np.full(len(q.bm25), len(train) / (len(counts) * counts[q.task])) for q in train])
    params = {"objective": "lambdarank", "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 50,
              "bagging_fraction": 0.8, "bagging_freq": 1, "feature_fraction": 0.8, "seed": seed, "verbose": -1,
              "lambdarank_truncation_level": 20, "num_threads": 2}
    init = np.concatenate([start * _today_log(q) for q in train])
    data = lightgbm.Dataset(x, y, group=group, weight=weight, init_score=init)
    return lightgbm.train(params, data, num_boost_round=rounds)


def _today_log(query: Query) -> np.ndarray:
    """The log of today's re-scored score: where the model may start (it then learns a correction)."""
    return np.log(np.maximum(_scores(query, _today()), 1e-9))


def _figure_of(query: Query, scores: np.ndarray) -> float:
    """MRR@10 (known-item: the one relevant's reciprocal rank) or nDCG@10 (topics) of one query, ranked by
    ``scores``."""
    order = np.lexsort((np.arange(len(query.bm25)), -scores))[:10]
    gains = query.gains[order]
    if query.task == "topics":
        return float((gains * _DISCOUNT[:len(gains)]).sum() / query.ideal)
    hit = np.flatnonzero(gains > 0)
    return 1.0 / (hit[0] + 1) if len(hit) else 0.0


def lambdamart_folds(queries: list[Query], fold_of: dict[int, int], folds: int, rounds: int, start: float) -> None:
    """Each fold: LambdaMART trained on the others, today's weights and the model on the held-out queries."""
    print("\n| fold | " + " | ".join(f"{t} (today → LambdaMART)" for t in ("headlines", "summaries", "topics")) + " |")
    print("| --- | --- | --- | --- |")
    total: dict[str, list[tuple[float, float]]] = {}
    for fold in range(folds):
        train = [q for i, q in enumerate(queries) if fold_of[i] != fold]
        test = [q for i, q in enumerate(queries) if fold_of[i] == fold]
        model = _lambdamart(train, rounds, start)
        by_task: dict[str, list[tuple[float, float]]] = {}
        for q in test:
            pair = (_figure(q, _today()), _figure_of(q, start * _today_log(q) + model.predict(_features(q))))
            by_task.setdefault(q.task, []).append(pair)
            total.setdefault(q.task, []).append(pair)
        print(f"| {fold + 1} | " + " | ".join(
            f"{np.mean([a for a, _ in v]):.3f} → {np.mean([b for _, b in v]):.3f}" for _, v in sorted(by_task.items()))
            + " |")
    print("| all held-out queries | " + " | ".join(
        f"{np.mean([a for a, _ in v]):.3f} → {np.mean([b for _, b in v]):.3f}" for _, v in sorted(total.items()))
        + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", nargs="+", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--split-length", action="store_true", help="weights for short and long queries apart")
    parser.add_argument("--without-new", action="store_true", help="learn today's factors only")
    parser.add_argument("--lambdamart", action="store_true", help="LightGBM's LambdaMART over the features instead")
    parser.add_argument("--rounds", type=int, default=300, help="LambdaMART's boosting rounds")
    parser.add_argument("--start", type=float, default=0.0,
                        help="LambdaMART starts from this times the log of today's score (0: from nothing)")
    args = parser.parse_args()
    cache = OUT / "rerank-cv" / "queries-3.pickle"
    if cache.exists():
        queries = pickle.loads(cache.read_bytes())
    else:
        body, whole = _index(args.corpora, "rerank-cv-body", True), _index(args.corpora, "coverage-index", False)
        qrels = read_graded_qrels(DEFAULT_TOPIC_QRELS, ADDED_TOPIC_QRELS)
        queries = (_read(body, "headlines", [(q, t, {d: 1}) for q, t, d in read_queries(DEFAULT_QUERIES)])
                   + _read(body, "summaries", [(q, t, {d: 1}) for q, t, d in read_queries(SUMMARIES)])
                   + _read(whole, "topics", [(q, t, qrels.get(q, {})) for q, t in read_topics(DEFAULT_TOPICS)]))
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps(queries))
    print(f"{len(queries)} queries: " + ", ".join(f"{t} {sum(q.task == t for q in queries)}"
                                                 for t in ("headlines", "summaries", "topics")))
    order = list(range(len(queries)))
    random.Random(31).shuffle(order)
    fold_of = {index: n % args.folds for n, index in enumerate(order)}
    if args.lambdamart:
        lambdamart_folds(queries, fold_of, args.folds, args.rounds, args.start)
        return
    rows, learned_all, today_all = [], [], []
    for fold in range(args.folds):
        train = [q for i, q in enumerate(queries) if fold_of[i] != fold]
        test = [q for i, q in enumerate(queries) if fold_of[i] == fold]
        groups = {"all": lambda q: True} if not args.split_length else {
            "short": lambda q: q.words <= SHORT, "long": lambda q: q.words > SHORT}
        names = tuple(w for w in WEIGHTS if not (args.without_new and w in NEW))
        learned = {name: _ascend([q for q in train if keep(q)], _today(), names) for name, keep in groups.items()}

        def weights_of(q, learned=learned, groups=groups):
            return next(learned[name] for name, keep in groups.items() if keep(q))

        mine, today = _means(test, weights_of), _means(test, lambda q: _today())
        learned_all.append(mine)
        today_all.append(today)
        rows.append(f"| {fold + 1} | " + " | ".join(f"{today[t]:.3f} → {mine[t]:.3f}" for t in sorted(today))
                    + " | " + "; ".join(f"{name}: " + ", ".join(f"{k[:5]} {v:g}" for k, v in w.items())
                                        for name, w in learned.items()) + " |")
    tasks = sorted(today_all[0])
    print("\n| fold | " + " | ".join(f"{t} (today → learned)" for t in tasks) + " | learned weights |")
    print("| --- | " + " | ".join("---" for _ in tasks) + " | --- |")
    print("\n".join(rows))
    print("| mean | " + " | ".join(
        f"{np.mean([f[t] for f in today_all]):.3f} → {np.mean([f[t] for f in learned_all]):.3f}" for t in tasks)
        + " | |")


if __name__ == "__main__":
    main()
