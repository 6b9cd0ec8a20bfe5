"""Search quality on known-item queries, this engine beside its peers, in one run.

    python benchmarks/quality.py                       # dev headlines, 26,336 articles
    python benchmarks/quality.py --queries ../shared/eval/dev/summary.tsv

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
import csv
import gzip
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from peers import TOKENIZERS, BM25Peer  # noqa: E402

SHARED = HERE.parent.parent / "shared"
DEFAULT_CORPORA = sorted((SHARED / "corpora").glob("*.jsonl.gz"))
DEFAULT_QUERIES = SHARED / "eval" / "dev" / "headline.tsv"


def read_queries(path: Path) -> list[tuple[str, str, str]]:
    """(qid, query, relevant docid) rows of a TSV with a header."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(r[0], r[1], r[2]) for r in rows[1:] if len(r) >= 3]


def body_only_corpus(corpora: list[Path], out: Path) -> tuple[list[str], list[str]]:
    """Write the evaluation corpus (id and body only) and return its ids and bodies."""
    ids, bodies = [], []
    with gzip.open(out, "wt", encoding="utf-8") as sink:
        for path in corpora:
            with gzip.open(path, "rt", encoding="utf-8") as source:
                for line in source:
                    record = json.loads(line)
                    ids.append(record["id"])
                    bodies.append(record["body"])
                    sink.write(json.dumps({"id": record["id"], "body": record["body"]},
                                          ensure_ascii=False) + "\n")
    return ids, bodies


def read_run(path: Path) -> dict[str, list[str]]:
    """qid -> docids in rank order, from a TREC run file."""
    ranked: dict[str, list[tuple[int, str]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 6:
            ranked.setdefault(parts[0], []).append((int(parts[3]), parts[2]))
    return {qid: [doc for _, doc in sorted(docs)] for qid, docs in ranked.items()}


def write_run(path: Path, results: dict[str, list[tuple[str, float]]], tag: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for qid, hits in results.items():
            for rank, (doc, score) in enumerate(hits, start=1):
                handle.write(f"{qid} Q0 {doc} {rank} {score:.4f} {tag}\n")


def measure(run: dict[str, list[str]], queries) -> dict[str, float]:
    """MRR@10, Success@10 and Recall@100 for known-item queries (one relevant each)."""
    rr = s10 = r100 = 0.0
    for qid, _, relevant in queries:
        docs = run.get(qid, [])
        if relevant in docs[:10]:
            rr += 1.0 / (docs.index(relevant) + 1)
            s10 += 1
        if relevant in docs[:100]:
            r100 += 1
    n = max(len(queries), 1)
    return {"MRR@10": rr / n, "Success@10": s10 / n, "Recall@100": r100 / n}


def halves(queries):
    return {"all": queries, "half A (odd)": queries[0::2], "half B (even)": queries[1::2]}


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
    parser.add_argument("--out", type=Path, default=HERE / "out")
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
