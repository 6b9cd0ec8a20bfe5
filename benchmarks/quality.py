"""Search quality, known-item and topical, this engine beside its peers, in one run.

    python -m benchmarks.quality                       # everything below, 26,336 articles
    python -m benchmarks.quality --only known          # known-item only (--only topical: topical only)
    python -m benchmarks.quality --engine ../main      # the engine of another checkout (before and after)

Known-item (../shared/README.md): every record of the corpora is indexed with
title and summary left out (body only); each query (the dev headlines and
summaries) has one relevant article. Reports MRR@10, Success@10 and
Recall@100 on all queries and on two halves (odd and even query numbers).

Topical: the same records indexed whole (title, body and metadata; the peers
get title and body); the dev topics, with graded judgments (0, 1, 2).
Reports nDCG@10 (gain 2^grade - 1), P@10 (grade >= 1) and judged@10, an
unjudged article counting as not relevant; then each topic's nDCG@10 beside
the best peer's (the peer of the highest mean), with the engine's wins and
losses, and the engine's top 10 for one topic (``--show-topic``, by default
``banjir jakarta``) with each article's grade.

Writes TREC run files and qrels to --out, so trec_eval or ir_measures users
can check the figures. The engine is built and queried through its command
line (`search index`, `search run`), from this checkout or, with --engine, from
another one (its `search` package run in its own folder, writing nothing
there); the peers run in this process on the same documents.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import (
    ADDED_TOPIC_QRELS,
    DEFAULT_CORPORA,
    DEFAULT_QUERIES,
    DEFAULT_SUMMARIES,
    DEFAULT_TOPIC_QRELS,
    DEFAULT_TOPICS,
    OUT,
    halves,
    measure,
    read_articles,
    read_graded_qrels,
    read_queries,
    read_records,
    read_run,
    read_topics,
    topical,
    write_body_only,
    write_run,
)
from benchmarks.peers import TOKENIZERS, BM25Peer

ENGINE = "search (this engine)"
TOPICAL_MEASURES = ("nDCG@10", "P@10", "judged@10")


@dataclass(frozen=True)
class Engine:
    """How the engine is run: this checkout's ``search`` package, or another checkout's."""

    checkout: Path | None = None

    def run(self, *args: str, stdout=None) -> None:
        """``python -m search args`` (paths in ``args`` absolute), failing if it fails."""
        env = dict(os.environ)
        if self.checkout is not None:
            env["PYTHONPATH"] = str(self.checkout)
            env["PYTHONDONTWRITEBYTECODE"] = "1"  # write nothing into the other checkout
        subprocess.run([sys.executable, "-m", "search", *args], check=True, stdout=stdout, env=env,
                       cwd=self.checkout)

    def build(self, corpus: Path, index_dir: Path) -> None:
        """An index of ``corpus`` alone, every record an article (as the peers get them)."""
        shutil.rmtree(index_dir, ignore_errors=True)
        self.run("index", str(corpus), "--index", str(index_dir), "--rebuild", "--keep-duplicates")

    def search(self, queries: list[tuple[str, str]], index_dir: Path, out: Path) -> dict[str, list[str]]:
        """The engine's ranking of each (qid, query), written to ``out`` as a TREC run."""
        query_file = out.with_suffix(".tsv")
        query_file.write_text("".join(f"{qid}\t{text}\n" for qid, text in queries), encoding="utf-8")
        with open(out, "w", encoding="utf-8") as handle:
            self.run("run", str(query_file), "--limit", "100", "--index", str(index_dir), stdout=handle)
        return read_run(out)


@dataclass
class Timings:
    """Seconds per step, for the report."""

    steps: dict[str, float] = field(default_factory=dict)

    def since(self, name: str, started: float) -> None:
        self.steps[name] = time.monotonic() - started

    def table(self) -> str:
        return "| step | seconds |\n| --- | --- |\n" + "\n".join(f"| {k} | {v:.1f} |" for k, v in self.steps.items())


def body_only_corpus(corpora: list[Path], out: Path) -> tuple[list[str], list[str]]:
    """Write the evaluation corpus (id and body only) and return its ids and bodies."""
    articles = list(read_articles(corpora))
    write_body_only(articles, out)
    return [i for i, _ in articles], [b for _, b in articles]


def whole_corpus(corpora: list[Path], out: Path) -> tuple[list[str], list[str], dict[str, str]]:
    """Write every record whole; return the ids, the peers' texts (title and body) and each id's title."""
    ids, texts, titles = [], [], {}
    with gzip.open(out, "wt", encoding="utf-8") as sink:
        for record in read_records(corpora):
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
            ids.append(record["id"])
            texts.append(f"{record.get('title', '')}\n{record['body']}")
            titles[record["id"]] = record.get("title", "")
    return ids, texts, titles


def peer_runs(names: list[str], ids: list[str], texts: list[str], asked: dict[str, list[tuple[str, str]]],
              out: Path, timings: Timings) -> dict[str, dict[str, dict[str, list[str]]]]:
    """Each peer's ranking of each set of queries (label -> (qid, query)) over ``texts``, each peer built
    once: label -> peer -> its run, also written as TREC runs in ``out``."""
    runs: dict[str, dict[str, dict[str, list[str]]]] = {label: {} for label in asked}
    for name in names:
        started = time.monotonic()
        peer = BM25Peer(name, ids, texts)
        timings.since(f"{name} on {len(ids)} articles (build)", started)
        for label, queries in asked.items():
            started = time.monotonic()
            results = {qid: peer.search(text, 100) for qid, text in queries}
            timings.since(f"{name} {label} (queries)", started)
            write_run(out / f"run-{label}-{name}.trec", results, name)
            runs[label][name] = read_run(out / f"run-{label}-{name}.trec")
    return runs


def known_item_table(runs: dict[str, dict[str, list[str]]], queries, label: str) -> list[str]:
    lines = []
    for name, run in runs.items():
        for part, subset in halves(queries).items():
            m = measure(run, subset)
            lines.append(f"| {label} | {name} | {part} ({len(subset)}) | {m['MRR@10']:.3f} | "
                         f"{m['Success@10']:.3f} | {m['Recall@100']:.3f} |")
    return lines


def known_item(args, engine: Engine, timings: Timings) -> str:
    """The known-item report: each query file, engine and peers, all queries and each half."""
    corpus = args.out / "eval-corpus.jsonl.gz"
    ids, bodies = body_only_corpus(args.corpus, corpus)
    index_dir = args.out / "index"
    if not (args.reuse_index and (index_dir / "CURRENT").exists()):
        started = time.monotonic()
        engine.build(corpus, index_dir)
        timings.since("search known-item (build)", started)
    sets = {path.stem: read_queries(path) for path in args.queries}
    asked = {label: [(qid, text) for qid, text, _ in queries] for label, queries in sets.items()}
    runs: dict[str, dict[str, dict[str, list[str]]]] = {}
    for label, queries in sets.items():
        with open(args.out / f"qrels-{label}.txt", "w", encoding="utf-8") as handle:
            handle.writelines(f"{qid} 0 {doc} 1\n" for qid, _, doc in queries)
        print(f"{len(ids)} articles (body only), {len(queries)} {label} queries", file=sys.stderr)
        started = time.monotonic()
        runs[label] = {ENGINE: engine.search(asked[label], index_dir, args.out / f"run-{label}-search.trec")}
        timings.since(f"search {label} (queries)", started)
    for label, peers in peer_runs(args.peers, ids, bodies, asked, args.out, timings).items():
        runs[label].update(peers)
    lines = ["| queries | system | part | MRR@10 | Success@10 | Recall@100 |",
             "| --- | --- | --- | --- | --- | --- |"]
    for label, queries in sets.items():
        lines += known_item_table(runs[label], queries, label)
    return "\n".join(lines)


def topical_means(run: dict[str, list[str]], topics, qrels) -> dict[str, float]:
    """The topical measures averaged over ``topics``."""
    per_topic = [topical(run.get(qid, []), qrels.get(qid, {})) for qid, _ in topics]
    return {name: sum(one[name] for one in per_topic) / max(len(per_topic), 1) for name in TOPICAL_MEASURES}


def per_topic_table(runs, topics, qrels, peer: str) -> list[str]:
    """Each topic's nDCG@10, the engine's beside ``peer``'s, and the engine's wins and losses."""
    lines = [f"| topic | query | {ENGINE} | {peer} | difference |", "| --- | --- | --- | --- | --- |"]
    wins = losses = 0
    for qid, query in topics:
        ours = topical(runs[ENGINE].get(qid, []), qrels.get(qid, {}))["nDCG@10"]
        theirs = topical(runs[peer].get(qid, []), qrels.get(qid, {}))["nDCG@10"]
        wins += ours > theirs
        losses += ours < theirs
        flag = " **(more than 0.10 below)**" if ours < theirs - 0.10 else ""
        lines.append(f"| {qid} | {query} | {ours:.3f} | {theirs:.3f} | {ours - theirs:+.3f}{flag} |")
    ties = len(topics) - wins - losses
    return [f"Against {peer}, the best peer: the engine wins {wins} topics, loses {losses}, ties {ties}.", "",
            *lines]


def shown_topic(run: dict[str, list[str]], topics, qrels, titles: dict[str, str], query: str) -> list[str]:
    """The engine's top 10 for the topic ``query``: rank, id, grade (or unjudged), title."""
    qid = next((qid for qid, text in topics if text == query), None)
    if qid is None:
        return []
    judged = qrels.get(qid, {})
    lines = [f"The engine's top 10 for `{query}` ({qid}):", "", "| rank | article | grade | title |",
             "| --- | --- | --- | --- |"]
    for rank, doc in enumerate(run.get(qid, [])[:10], start=1):
        grade = str(judged[doc]) if doc in judged else "unjudged"
        lines.append(f"| {rank} | {doc} | {grade} | {titles.get(doc, '')[:90]} |")
    return lines


def topical_report(args, engine: Engine, timings: Timings) -> str:
    """The topical report: the means of each system, each topic against the best peer, one topic's top 10."""
    topics = read_topics(args.topics)
    qrels = read_graded_qrels(*args.topic_qrels)
    corpus = args.out / "whole-corpus.jsonl.gz"
    ids, texts, titles = whole_corpus(args.corpus, corpus)
    index_dir = args.out / "index-whole"
    if not (args.reuse_index and (index_dir / "CURRENT").exists()):
        started = time.monotonic()
        engine.build(corpus, index_dir)
        timings.since("search topical (build)", started)
    print(f"{len(ids)} articles (whole), {len(topics)} topics from {args.topics}", file=sys.stderr)
    started = time.monotonic()
    runs = {ENGINE: engine.search(topics, index_dir, args.out / "run-topics-search.trec")}
    timings.since("search topics (queries)", started)
    runs.update(peer_runs(args.peers, ids, texts, {"topics": topics}, args.out, timings)["topics"])
    lines = [f"| system | topics | {' | '.join(TOPICAL_MEASURES)} |", "| --- | --- | --- | --- | --- |"]
    means = {name: topical_means(run, topics, qrels) for name, run in runs.items()}
    for name, m in means.items():
        lines.append(f"| {name} | {len(topics)} | " + " | ".join(f"{m[k]:.3f}" for k in TOPICAL_MEASURES) + " |")
    peers = [name for name in runs if name != ENGINE]
    if peers:
        best = max(peers, key=lambda name: means[name]["nDCG@10"])
        lines += ["", *per_topic_table(runs, topics, qrels, best)]
    lines += ["", *shown_topic(runs[ENGINE], topics, qrels, titles, args.show_topic)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, nargs="+", default=DEFAULT_CORPORA)
    parser.add_argument("--queries", type=Path, nargs="+", default=[DEFAULT_QUERIES, DEFAULT_SUMMARIES],
                        help="known-item query files (qid, query, docid)")
    parser.add_argument("--topics", type=Path, default=DEFAULT_TOPICS)
    parser.add_argument("--topic-qrels", type=Path, nargs="+", default=[DEFAULT_TOPIC_QRELS, ADDED_TOPIC_QRELS],
                        help="graded judgments; a later file adds to (or overrides) an earlier one")
    parser.add_argument("--show-topic", default="banjir jakarta", help="the topic whose top 10 is listed")
    parser.add_argument("--only", choices=("known", "topical"), help="run one part only")
    parser.add_argument("--engine", type=Path, help="the checkout whose engine to run (default: this one)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--reuse-index", action="store_true",
                        help="query the engine indexes in --out if they exist instead of rebuilding")
    parser.add_argument("--peers", nargs="*", default=list(TOKENIZERS), choices=list(TOKENIZERS))
    args = parser.parse_args()
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    args.corpus = [path.resolve() for path in args.corpus]
    engine = Engine(args.engine.resolve() if args.engine else None)
    timings = Timings()
    parts = []
    if args.only != "topical":
        parts += ["Known-item (body only):", "", known_item(args, engine, timings)]
    if args.only != "known":
        parts += ["", "Topical (whole articles):", "", topical_report(args, engine, timings)]
    report = "\n".join(parts) + "\n\n" + timings.table()
    (args.out / "quality.md").write_text(report + "\n", encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
