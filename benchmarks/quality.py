"""Search quality on known-item queries, this engine beside its peers, in one run.

    python -m benchmarks.quality                       # dev headlines, 26,336 articles
    python -m benchmarks.quality --queries ../shared/eval/dev/summary.tsv

Protocol (../shared/README.md): every record of the corpora is indexed with
title and summary left out (body only); each query has one relevant article.
Reports MRR@10, Success@10 and Recall@100 on all queries and on two halves
(odd and even query numbers). Writes TREC run files and qrels to --out, so
trec_eval or ir_measures users can check the figures.

The engine is built and queried through its command line (`search index`,
`search run`); the peers run in this process on the same documents.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import (
    DEFAULT_CORPORA,
    DEFAULT_QUERIES,
    OUT,
    halves,
    measure,
    read_articles,
    read_queries,
    read_run,
    write_body_only,
    write_run,
)
from benchmarks.peers import TOKENIZERS, BM25Peer


def body_only_corpus(corpora: list[Path], out: Path) -> tuple[list[str], list[str]]:
    """Write the evaluation corpus (id and body only) and return its ids and bodies."""
    articles = list(read_articles(corpora))
    write_body_only(articles, out)
    return [i for i, _ in articles], [b for _, b in articles]


def table(runs: dict[str, dict[str, list[str]]], queries) -> str:
    lines = ["| system | queries | MRR@10 | Success@10 | Recall@100 |", "| --- | --- | --- | --- | --- |"]
    for name, run in runs.items():
        for label, subset in halves(queries).items():
            m = measure(run, subset)
            lines.append(f"| {name} | {label} ({len(subset)}) | {m['MRR@10']:.3f} | "
                         f"{m['Success@10']:.3f} | {m['Recall@100']:.3f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, nargs="+", default=DEFAULT_CORPORA)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--reuse-index", action="store_true",
                        help="query the engine index in --out if it exists instead of rebuilding")
    parser.add_argument("--peers", nargs="*", default=list(TOKENIZERS), choices=list(TOKENIZERS))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    queries = read_queries(args.queries)
    corpus = args.out / "eval-corpus.jsonl.gz"
    ids, bodies = body_only_corpus(args.corpus, corpus)
    with open(args.out / "qrels.txt", "w", encoding="utf-8") as handle:
        for qid, _, doc in queries:
            handle.write(f"{qid} 0 {doc} 1\n")
    query_file = args.out / "queries.tsv"
    query_file.write_text("".join(f"{qid}\t{text}\n" for qid, text, _ in queries), encoding="utf-8")
    print(f"{len(ids)} articles, {len(queries)} queries from {args.queries}", file=sys.stderr)

    runs, timings = {}, {}
    index_dir = args.out / "index"
    search_cmd = [sys.executable, "-m", "search"]
    if not (args.reuse_index and (index_dir / "CURRENT").exists()):
        started = time.monotonic()
        # Every record, as the peers get them: no merging of duplicate texts. An index
        # of this corpus alone: a build over an existing index would add to it.
        shutil.rmtree(index_dir, ignore_errors=True)
        subprocess.run(search_cmd + ["index", str(corpus), "--index", str(index_dir), "--rebuild",
                                     "--keep-duplicates"], check=True)
        timings["search (build)"] = time.monotonic() - started
    started = time.monotonic()
    run_file = args.out / "run-search.trec"
    with open(run_file, "w", encoding="utf-8") as handle:
        subprocess.run(search_cmd + ["run", str(query_file), "--limit", "100", "--index", str(index_dir)],
                       stdout=handle, check=True)
    timings["search (queries)"] = time.monotonic() - started
    runs["search (this engine)"] = read_run(run_file)

    for name in args.peers:
        started = time.monotonic()
        peer = BM25Peer(name, ids, bodies)
        built = time.monotonic()
        results = {qid: peer.search(text, 100) for qid, text, _ in queries}
        timings[f"{name} (build)"] = built - started
        timings[f"{name} (queries)"] = time.monotonic() - built
        write_run(args.out / f"run-{name}.trec", results, name)
        runs[name] = read_run(args.out / f"run-{name}.trec")

    report = table(runs, queries)
    report += "\n\n| step | seconds |\n| --- | --- |\n" + "\n".join(
        f"| {k} | {v:.1f} |" for k, v in timings.items())
    (args.out / f"quality-{args.queries.stem}.md").write_text(report + "\n", encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
